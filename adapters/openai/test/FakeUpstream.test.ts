/**
 * The typed fake upstream: its bodies are checked against the adapter's wire schemas, and its
 * routes served on loopback are what the official SDK, through the adapter, reads as OpenAI.
 */
import { AudioInput } from "@patchbay/core"
import { silentMp3 } from "@patchbay/core/testing"
import { Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { openai } from "../src/index.ts"
import { chatChunk, serve, speechEvents, transcriptionJson } from "./support/FakeUpstream.ts"

describe("the fake upstream's bodies", () => {
  it("keep the fields the adapter does not read, in the order written", () => {
    const body = transcriptionJson({ text: "hi", extra_field: 1 })
    expect(JSON.stringify(body)).toBe("{\"text\":\"hi\",\"extra_field\":1}")
  })

  it("refuse a body the adapter's schema would not decode", () => {
    // @ts-expect-error a wrong field type does not compile
    expect(() => transcriptionJson({ text: 42 })).toThrow()
    expect(() => chatChunk({ id: "c", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: null }] })).not.toThrow()
    // @ts-expect-error `created` is a number on the wire
    expect(() => chatChunk({ id: "c", created: "1", model: "m", choices: [] })).toThrow()
  })

  it("cut speech into base64 deltas and a done event with the usage", () => {
    const events = speechEvents(new Uint8Array([1, 2, 3, 4, 5]), 2, { input_tokens: 1, output_tokens: 2, total_tokens: 3 })
    expect(events).toEqual([
      { type: "speech.audio.delta", audio: "AQID" },
      { type: "speech.audio.delta", audio: "BAU=" },
      { type: "speech.audio.done", usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } }
    ])
  })
})

describe("the fake upstream on loopback", () => {
  it("answers the adapter's transcription, chat stream and speech through the official SDK", async () => {
    const speech = silentMp3({ seconds: 0.5, sampleRate: 24000, bitrateKbps: 32 })
    let n = 0
    const server = await serve({
      heard: async () => ({ text: "How do I get to the station?", duration: 2 }),
      timings: () => [],
      speak: async () => ({ bytes: speech, duration: 0.5 }),
      answer: () => ({ text: "Walk north. Then cross the bridge." }),
      id: (prefix) => `${prefix}${++n}`,
      created: 1795651200,
      pace: () => ({ firstMs: 0, intervalMs: 0 })
    })
    try {
      const provider = openai({ apiKey: "test-key-not-secret", baseURL: `${server.url}/v1` })
      const transcript = await Effect.runPromise(
        provider.stt!.transcribe({ model: "gpt-4o-mini-transcribe", audio: AudioInput.fromBytes(silentMp3({ seconds: 1, sampleRate: 16000, bitrateKbps: 32 }), "q.mp3") })
      )
      expect(transcript.text).toBe("How do I get to the station?")
      expect(transcript.usage).toEqual({ input_tokens: 20, output_tokens: 7, total_tokens: 27, audio_tokens: 20 })

      const events = await Effect.runPromise(Stream.runCollect(
        provider.llm!.stream({ model: "gpt-4.1", messages: [{ role: "user", content: "Where is the station?" }] })
      ))
      const deltas = [...events].flatMap((e) => (e.type === "text_delta" ? [e.delta] : []))
      expect(deltas.join("")).toBe("Walk north. Then cross the bridge.")

      const chunks = await Effect.runPromise(Stream.runCollect(provider.tts!.synthesize({ model: "tts-1", voice: "alloy", text: "Walk north." })))
      const audio = [...chunks].flatMap((c) => (c.type === "audio" ? [...c.data] : []))
      expect(new Uint8Array(audio)).toEqual(speech)
    } finally {
      await server.close()
    }
  })
})
