/**
 * Streaming (`stream: true`): audio in, audio out, printed event by event as it happens — the
 * transcript's deltas, the reply's deltas, and the reply's audio, whose first chunks arrive
 * while the LLM is still writing (the reply is spoken sentence by sentence). The vendors are
 * deterministic fakes from `@patchbay/core/testing`, paced with small latencies so the
 * interleaving is visible; the audio in is a real mp3. Then the two ways a streaming call
 * fails: invalid input rejects the call; a failure after the start ends the stream.
 *
 * Run it: `node packages/core/examples/streaming.ts` (Node 24, from the repo root).
 */
import { fileURLToPath } from "node:url"
import { createPatchbay, type PipelineEvent, QuotaExceeded } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeStt, FakeTts } from "@patchbay/core/testing"

const audioFile = fileURLToPath(new URL("../test/fixtures/audio/speech.mp3", import.meta.url))

const pb = createPatchbay({
  providers: [
    fakeProvider({
      id: "fake",
      stt: FakeStt({ transcript: "Will it rain today?", streaming: { deltaInterval: "5 millis" } }),
      llm: FakeLlm({ reply: "Sunny and warm. Take a hat.", tokensPerSecond: 4 }), // a token every 250 ms
      tts: FakeTts({ firstByte: "10 millis" })
    }),
    // A second LLM vendor whose first call fails (after the run has started).
    fakeProvider({ id: "flaky", llm: FakeLlm({ failures: [new QuotaExceeded({ provider: "flaky", status: 429 })] }) })
  ],
  defaults: { llm: { provider: "fake", model: "fake-llm" } },
  media: { secret: "example-secret" },
  // Speak whole sentences only: without this, text pending for 800 ms is spoken up to its last
  // word, and how this slow fake's sentences split would depend on how busy the machine is.
  settings: { chunking: { flushAfter: "Infinity" } }
})

/** One short line per event; ids, timings and URLs' signatures are left out. */
const describe = (event: PipelineEvent): string => {
  switch (event.type) {
    case "stt_stream_start":
    case "tts_stream_start":
      return `${event.type} ${event.provider}/${event.model}${event.type === "tts_stream_start" ? ` ${event.voice} ${event.output_format}` : ""}`
    case "stt_text_delta":
      return `${event.type} ${JSON.stringify(event.delta)}`
    case "stt_stream_end":
      return `${event.type} ${JSON.stringify(event.transcript)}`
    case "content_streaming":
      return `${event.type} ${JSON.stringify(event.content)}`
    case "tts_audio_chunk":
      return `${event.type} #${event.index} ${Buffer.from(event.data, "base64").byteLength} bytes`
    case "tts_stream_end":
      return `${event.type} ${event.audio_url.slice(0, "/media/doc_".length)}… ${event.duration_seconds?.toFixed(2)} s`
    case "run_ended":
      return `${event.type} ${event.status}`
    case "error":
      return `${event.type} ${event.code}: ${event.message}`
    default:
      return event.type
  }
}

const events = await pb.addMessage({
  voice: {
    stt: { provider: "fake", model: "fake-stt", language: "en" },
    tts: { provider: "fake", model: "fake-tts", voice: "ada" }
  },
  audioFile,
  sendToLlm: "true",
  stream: true
})

let seq = -1
for await (const event of events) {
  if (event.seq !== seq + 1) throw new Error("events arrive in seq order")
  seq = event.seq
  console.log(describe(event))
}

// Errors. Invalid input rejects the call itself, before any event and any vendor call, also with stream: true.
await pb.addMessage({ content: "Hi", voice: { tts: { provider: "fake", model: "fake-tts", voice: "nobody" } }, stream: true })
  .catch((error: { _tag?: string; field?: string }) => console.log(`invalid input: rejects with ${error._tag} at ${error.field}`))

// A failure after the start: an error event, then run_ended{failed}, then the iterator throws the tagged error.
const seen: Array<string> = []
try {
  for await (const event of await pb.addMessage({ content: "Hi", llmProvider: "flaky", modelName: "fake-llm", stream: true })) {
    seen.push(describe(event))
  }
} catch (error) {
  console.log(`failure: ${seen.join(" → ")}; then the iterator throws ${error instanceof QuotaExceeded ? "QuotaExceeded" : String(error)}`)
}

await pb.dispose()
