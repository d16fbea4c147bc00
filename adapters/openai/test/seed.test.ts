/**
 * The seed's examples (`reference/SEED.md`: the three `add_message` modes and the streaming
 * example) run through the whole pipeline — `createPatchbay` with `openai()` — against
 * synthesized cassettes, and yield what the seed prints: the transcript, the reply, the audio
 * URL, and the stream events in order.
 */
import { Audio, createPatchbay, type PipelineEvent } from "@patchbay/core"
import { Cassette, replayFetch } from "@patchbay/conformance"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { openai } from "../src/index.ts"

const cassettes = fileURLToPath(new URL("./cassettes/", import.meta.url))
const userQuestion = fileURLToPath(new URL("./cassettes/audio/speech.mp3", import.meta.url))
const TRANSCRIPT = "Patchbay turns speech into text and back again."
const AUDIO_URL = /^\/media\/doc_[A-Za-z0-9_-]{24}\?exp=\d+&sig=[A-Za-z0-9_-]+$/

const disposers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const dispose of disposers.splice(0)) await dispose()
})

/** A Patchbay with only OpenAI, replaying one of the seed cassettes; gpt-4.1 is the thread's LLM. */
const patchbay = (name: string) => {
  const fetch = replayFetch(Cassette.loadSync(`${cassettes}seed/${name}.json`), { baseDir: cassettes })
  const pb = createPatchbay({
    providers: [openai({ fetch, apiKey: "sk" + "-seed-test-key-0123456789" })],
    defaults: { llm: { provider: "openai", model: "gpt-4.1" } },
    media: { secret: "seed-test-secret" }
  })
  disposers.push(() => pb.dispose())
  return { pb, fetch }
}

describe("the seed's add_message examples, through the pipeline with openai()", () => {
  it("mode 1, audio in → text out: whisper-1 transcribes, gpt-4.1 replies", async () => {
    const { pb, fetch } = patchbay("mode1-audio-to-text")
    const response = await pb.addMessage({
      voice: { stt: { provider: "openai", model: "whisper-1", language: "en" } },
      audioFile: userQuestion,
      sendToLlm: "true",
      stream: false
    })
    const last = response.messages.at(-1)
    expect(last?.voice_records?.stt?.transcript).toBe(TRANSCRIPT)
    expect(response.content).toBe("It turns what you say into text, and text back into speech.")
    const stt = last?.voice_records?.stt
    expect(stt).toMatchObject({ provider: "openai", model: "whisper-1", language: "en", request_id: "req_seed_1_stt", usage: { audio_seconds: 3 } })
    expect(stt?.duration_seconds).toBeCloseTo(2.664, 2)
    expect(response).toMatchObject({ status: "completed", model_provider: "openai", model_name: "gpt-4.1" })
    expect(fetch.log.map((e) => `${e.method} ${new URL(e.url).pathname}`)).toEqual(["POST /v1/audio/transcriptions", "POST /v1/chat/completions"])
  })

  it("mode 2, text in → audio out: gpt-4.1 replies, gpt-4o-mini-tts speaks it with alloy", async () => {
    const { pb, fetch } = patchbay("mode2-text-to-audio")
    const response = await pb.addMessage({
      content: "Say hello in one sentence",
      voice: { tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "alloy" } },
      sendToLlm: "true",
      stream: false
    })
    const last = response.messages.at(-1)
    expect(response.content).toBe("Hello from Patchbay.")
    expect(last?.voice_records?.tts?.audio_url).toMatch(AUDIO_URL)
    expect(last?.voice_records?.tts).toMatchObject({
      provider: "openai",
      model: "gpt-4o-mini-tts",
      voice: "alloy",
      output_format: "mp3",
      characters: 20,
      usage: { input_tokens: 14, output_tokens: 101, total_tokens: 115 }
    })
    const stored = await pb.media.get(last?.voice_records?.tts?.document_id ?? "")
    expect(stored.media_type).toBe("audio/mpeg")
    expect(Audio.sniff(stored.bytes)?.container).toBe("mp3")
    expect(fetch.log).toHaveLength(2)
  })

  it("mode 3, audio in → audio out: gpt-4o-transcribe, gpt-4.1, gpt-4o-mini-tts with coral", async () => {
    const { pb } = patchbay("mode3-audio-to-audio")
    const response = await pb.addMessage({
      voice: {
        stt: { provider: "openai", model: "gpt-4o-transcribe", language: "en" },
        tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "coral" }
      },
      audioFile: userQuestion,
      sendToLlm: "true",
      stream: false
    })
    const vr = response.messages.at(-1)?.voice_records
    expect(vr?.stt?.transcript).toBe(TRANSCRIPT)
    expect(response.content).toBe("Hello from Patchbay.")
    expect(vr?.tts?.audio_url).toMatch(AUDIO_URL)
    // gpt-4o-transcribe's json says no language: the record keeps the one the request named.
    expect(vr?.stt).toMatchObject({ language: "en", usage: { input_tokens: 40, output_tokens: 11, total_tokens: 51, audio_tokens: 40 } })
    expect(vr?.tts?.voice).toBe("coral")
  })

  it("streaming: transcript deltas, reply deltas and audio chunks arrive as events, in order", async () => {
    const { pb } = patchbay("streaming")
    const events: Array<PipelineEvent> = []
    for await (
      const event of await pb.addMessage({
        voice: {
          stt: { provider: "openai", model: "gpt-4o-mini-transcribe", language: "en" },
          tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "alloy" }
        },
        audioFile: userQuestion,
        sendToLlm: "true",
        stream: true
      })
    ) events.push(event)

    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i))
    // The order of the kinds of events, consecutive repeats collapsed.
    const kinds = events.map((e) => e.type).filter((type, i, all) => type !== all[i - 1])
    expect(kinds).toEqual([
      "run_started",
      "stt_stream_start",
      "stt_text_delta",
      "stt_stream_end",
      "content_streaming",
      "tts_stream_start",
      "tts_audio_chunk",
      "tts_stream_end",
      "run_ended"
    ])
    const of = <T extends PipelineEvent["type"]>(type: T) => events.filter((e): e is Extract<PipelineEvent, { type: T }> => e.type === type)
    expect(of("stt_text_delta").map((e) => e.delta)).toEqual(["Patchbay", " turns", " speech", " into text", " and back again."])
    expect(of("stt_stream_end")[0]?.transcript).toBe(TRANSCRIPT)
    expect(of("content_streaming").map((e) => e.content).join("")).toBe("Hello from Patchbay.")
    expect(of("tts_stream_start")[0]).toMatchObject({ provider: "openai", model: "gpt-4o-mini-tts", voice: "alloy", output_format: "mp3" })
    const chunks = of("tts_audio_chunk")
    expect(chunks.length).toBeGreaterThan(1)
    const end = of("tts_stream_end")[0]
    expect(end?.audio_url).toMatch(AUDIO_URL)
    const stored = await pb.media.get(end?.document_id ?? "")
    const streamed = Buffer.concat(chunks.map((c) => Buffer.from(c.data, "base64")))
    expect(Buffer.from(stored.bytes).equals(streamed)).toBe(true)
    const seconds = await Effect.runPromise(Audio.probe(stored.bytes))
    expect(seconds.duration_seconds).toBeCloseTo(1.536, 2)
    expect(of("run_ended")[0]?.status).toBe("completed")
  })
})
