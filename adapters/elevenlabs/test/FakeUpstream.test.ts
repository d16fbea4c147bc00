/**
 * The typed fake upstream: its bodies are checked against the adapter's wire schemas, and its
 * routes served on loopback are what the official SDK, through the adapter, reads as ElevenLabs.
 */
import { AudioInput } from "@patchbay/core"
import { silentMp3 } from "@patchbay/core/testing"
import { Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { elevenlabs } from "../src/index.ts"
import { serve, sttResponse } from "./support/FakeUpstream.ts"

describe("the fake upstream's bodies", () => {
  it("refuse a body the adapter's schema would not decode", () => {
    expect(() => sttResponse({ language_code: "eng", language_probability: 1, text: "hi", words: [] })).not.toThrow()
    // @ts-expect-error a word's `logprob` is a number on the wire
    expect(() => sttResponse({ language_code: "eng", language_probability: 1, text: "hi", words: [{ text: "hi", type: "word", logprob: "0" }] })).toThrow()
  })
})

describe("the fake upstream on loopback", () => {
  it("answers the adapter's transcription and streamed speech through the official SDK", async () => {
    const speech = silentMp3({ seconds: 0.5, sampleRate: 22050, bitrateKbps: 32 })
    let n = 0
    const server = await serve({
      heard: async () => ({ text: "Hello there", duration: 1 }),
      timings: () => [{ word: "Hello", start: 0.1, end: 0.4 }, { word: "there", start: 0.5, end: 0.9 }],
      speak: async () => ({ bytes: speech, duration: 0.5 }),
      id: (prefix) => `${prefix}${++n}`,
      pace: () => ({ firstMs: 0, intervalMs: 0 })
    })
    try {
      const provider = elevenlabs({ apiKey: "test-key-not-secret", baseUrl: server.url })
      const transcript = await Effect.runPromise(
        provider.stt!.transcribe({ model: "scribe_v1", audio: AudioInput.fromBytes(silentMp3({ seconds: 1, sampleRate: 16000, bitrateKbps: 32 }), "q.mp3") })
      )
      expect(transcript.text).toBe("Hello there")
      expect(transcript.words?.map((w) => w.text)).toEqual(["Hello", " ", "there"])

      const out = await Effect.runPromise(Stream.runCollect(
        provider.tts!.synthesize({ model: "eleven_flash_v2_5", voice: "JBFqnCBsd6RMkjVDRZzb", text: "Hello there", output_format: "mp3_22050_32" })
      ))
      const chunks = [...out].flatMap((c) => (c.type === "audio" ? [c.data] : [])) // how many depends on how TCP coalesces them
      expect(new Uint8Array(chunks.flatMap((c) => [...c]))).toEqual(speech)
    } finally {
      await server.close()
    }
  })
})
