/**
 * Your own flow from the public stages, with the Effect API: STT → a translating LLM → TTS in
 * another language. Each stage validates its own input against the catalogues and emits the
 * same events `addMessage` does; `Run.toStream` turns the program into the event stream.
 * Then the same LLM spoken while it writes, and `Stages.chunkSentences` on its own.
 *
 * The vendors are deterministic fakes from `@patchbay/core/testing`; the audio is a real mp3.
 *
 * Run it: `node packages/core/examples/stages.ts` (Node 24, from the repo root).
 */
import { type Cause, Effect, Fiber, Layer, Queue, Stream } from "effect"
import { fileURLToPath } from "node:url"
import { MediaStore, type PipelineEvent, ProviderRegistry, Run, Stages } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeStt, FakeTts } from "@patchbay/core/testing"

const audio = fileURLToPath(new URL("../test/fixtures/audio/speech.mp3", import.meta.url))

const phrasebook: Record<string, string> = {
  "Good morning, everyone.": "Bonjour à tous. Je suis ravie de vous voir ce matin."
}
const tts = FakeTts()
const provider = fakeProvider({
  id: "fake",
  stt: FakeStt({ transcript: "Good morning, everyone." }),
  // A "translating" LLM: it looks the user's message up in its phrasebook.
  llm: FakeLlm({ reply: (request) => phrasebook[String(request.messages.at(-1)?.content)] ?? "Pardon ?" }),
  tts
})
// The stages need the registry and a media store (for the audio they produce); nothing else.
const layer = Layer.mergeAll(ProviderRegistry.layer([provider]), MediaStore.layerMemory({ secret: "example-secret" }))

/** Event types in order, repeats counted: "content_streaming ×4". */
const summary = (events: ReadonlyArray<PipelineEvent>) =>
  events.reduce<Array<[string, number]>>((out, e) => {
    const last = out.at(-1)
    if (last !== undefined && last[0] === e.type) last[1]++
    else out.push([e.type, 1])
    return out
  }, []).map(([type, n]) => (n === 1 ? type : `${type} ×${n}`)).join(", ")

// 1. Transcribe → translate → speak, one stage after the other.
const flow = Effect.gen(function*() {
  const heard = yield* Stages.transcribe({ stt: { provider: "fake", model: "fake-stt", language: "en" }, audio })
  const translated = yield* Stages.respond({
    llm: { provider: "fake", model: "fake-llm" },
    messages: [{ role: "system", content: "Translate into French." }, { role: "user", content: heard.transcript }]
  })
  const spoken = yield* Stages.speak({
    tts: { provider: "fake", model: "fake-tts", voice: "grace", language: "fr" },
    text: translated.content
  })
  return { heard, translated, spoken }
})

// 2. The same, spoken while the LLM writes: `onText` feeds a queue that `speak` reads as a stream.
const speakingWhileWriting = Effect.gen(function*() {
  const deltas = yield* Queue.unbounded<string, Cause.Done>()
  const speaking = yield* Effect.forkChild(Stages.speak({
    tts: { provider: "fake", model: "fake-tts", voice: "grace", language: "fr", output_format: "pcm" },
    text: Stream.fromQueue(deltas)
  }))
  yield* Stages.respond({
    llm: { provider: "fake", model: "fake-llm" },
    messages: [{ role: "user", content: "Good morning, everyone." }],
    onText: (delta) => void Queue.offerUnsafe(deltas, delta)
  })
  yield* Queue.end(deltas)
  return yield* Fiber.join(speaking)
})

const program = Effect.gen(function*() {
  const events = yield* Stream.runCollect(Run.toStream({ thread_id: "thr_mine", run_id: "run_mine" }, flow))
  console.log(`events: ${summary(events)}`)
  console.log(`ids: ${events.every((e, i) => e.seq === i && e.thread_id === "thr_mine" && e.run_id === "run_mine") ? "every event has thr_mine, run_mine and seq 0, 1, 2, …" : "?"}`)
  const end = events.at(-1)
  const stt = events.find((e) => e.type === "stt_stream_end")
  console.log(`heard: ${stt?.type === "stt_stream_end" ? stt.record.transcript : "?"}`)
  if (end?.type === "tts_stream_end") {
    console.log(`spoken: ${end.record.voice}, ${end.record.output_format}, ${end.duration_seconds?.toFixed(2)} s, ${end.record.characters} characters, ${end.audio_url.slice(0, "/media/doc_".length)}…`)
  }
  console.log(`tts requests: ${tts.log.requests.map((r) => JSON.stringify(r.text)).join(", ")}`)

  // A stage on its own validates like addMessage does, before any vendor call.
  const calls = tts.log.requests.length
  const refused = yield* Effect.flip(Stream.runDrain(Run.toStream({ thread_id: "t", run_id: "r" },
    Stages.speak({ tts: { provider: "fake", model: "fake-tts", voice: "alloy" }, text: "Hi" }))))
  console.log(`refused: ${refused._tag} at ${"field" in refused ? refused.field : "?"}, vendor calls: ${tts.log.requests.length - calls}`)

  yield* Stream.runDrain(Run.toStream({ thread_id: "thr_mine", run_id: "run_2" }, speakingWhileWriting))
  const streamed = tts.log.requests.slice(calls)
  console.log(`spoken while written: ${streamed.map((r) => `${JSON.stringify(r.text)} (${r.output_format})`).join(", ")}`)

  // The chunker on its own: sentence ends, not abbreviations; short sentences after the first merged.
  const chunks = yield* Stream.fromIterable(["Dr. Smith came at 9 a.m. ", "today. Late! ", "Why? ", "Nobody knows, he said."]).pipe(
    Stages.chunkSentences(),
    Stream.runCollect
  )
  console.log(`chunks: ${chunks.map((c) => JSON.stringify(c)).join(", ")}`)
})

await Effect.runPromise(program.pipe(Effect.provide(layer)))
