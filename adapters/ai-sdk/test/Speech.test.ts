/**
 * The TTS bridge: the experimental streaming-speech interface when the model implements it
 * (chunks as they arrive), one chunk of `doGenerate` audio otherwise; the summary labels the
 * bytes truthfully and counts the characters the vendor billed.
 */
import type { Experimental_SpeechModelV4StreamOptions as StreamOptions, SpeechModelV4CallOptions } from "@ai-sdk/provider"
import { expect, it } from "@effect/vitest"
import type { TtsProvider } from "@patchbay/core"
import { wav } from "@patchbay/core/testing"
import { convertArrayToReadableStream, Experimental_MockStreamingSpeechModelV4, MockSpeechModelV4 } from "ai/test"
import { Effect, Stream } from "effect"
import { fromAiSdk } from "../src/index.ts"
import { mockProvider, SENTENCE, speechMp3, speechPcm } from "./support/MockModels.ts"

const tts = (): TtsProvider => mockProvider().tts!

it.effect("a model without streaming gives one chunk, then the summary labelled from the bytes", () =>
  Effect.gen(function*() {
    const out = yield* Stream.runCollect(tts().synthesize({ model: "mock-speak", voice: "alloy", output_format: "mp3", text: SENTENCE }))
    expect(out).toEqual([
      { type: "audio", data: speechMp3 },
      {
        type: "summary",
        output_format: "mp3",
        media_type: "audio/mpeg",
        characters: 47,
        usage: {},
        request_id: "req_mock_tts",
        provider_output: { model_id: "mock-speak", headers: { "x-request-id": "req_mock_tts" } }
      }
    ])
  }))

it.effect("empty or blank text is refused before the model is called, naming the field", () =>
  Effect.gen(function*() {
    let calls = 0
    const model = new MockSpeechModelV4({
      provider: "acme.speech",
      doGenerate: async () => {
        calls += 1
        return { audio: speechMp3, warnings: [], response: { timestamp: new Date(0), modelId: "mock-speak" } }
      }
    })
    const provider = fromAiSdk({ id: "acme", models: { tts: { "mock-speak": model } } }).tts!
    for (const text of ["", " \n\t "]) {
      const error = yield* Effect.flip(Stream.runCollect(provider.synthesize({ model: "mock-speak", voice: "alloy", text })))
      expect(error).toMatchObject({ _tag: "InvalidRequest", provider: "acme", field: "text", value: text, reason: "there is nothing to say: the text is empty or blank" })
    }
    expect(calls).toBe(0)
  }))

it.effect("a streaming model streams its chunks as they arrive; the summary counts what the vendor billed", () =>
  Effect.gen(function*() {
    const out = yield* Stream.runCollect(tts().synthesize({ model: "mock-speak-live", voice: "alloy", output_format: "pcm_16000", text: SENTENCE }))
    const chunks = out.flatMap((o) => (o.type === "audio" ? [o.data] : []))
    expect(chunks.length).toBe(4)
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(speechPcm))
    expect(out.at(-1)).toEqual({
      type: "summary",
      output_format: "pcm_16000",
      media_type: "application/octet-stream",
      characters: 47,
      usage: { characters: 47 },
      provider_output: null
    })
  }))

it.effect("the streaming call gets the text as a stream, the voice, and the format as an audio format", () =>
  Effect.gen(function*() {
    let seen: StreamOptions | undefined
    let text = ""
    const model = new Experimental_MockStreamingSpeechModelV4({
      provider: "acme.speech",
      doStream: async (options) => {
        seen = options
        const reader = options.text.getReader()
        for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value.text
        return { stream: convertArrayToReadableStream([{ type: "finish" as const }]) }
      }
    })
    const provider = fromAiSdk({
      id: "acme",
      models: { tts: { live: model } },
      catalogue: [{ id: "live", capability: "tts", output_formats: [{ id: "pcm_24000", format: "pcm", sample_rate: 24000 }] }]
    })
    yield* Stream.runDrain(provider.tts!.synthesize({ model: "live", voice: "nova", output_format: "pcm_24000", language: "en", provider_options: { style: "calm" }, text: "Hi there." }))
    expect(text).toBe("Hi there.")
    expect(seen?.voice).toBe("nova")
    expect(seen?.language).toBe("en")
    expect(seen?.outputFormat).toEqual({ type: "audio/pcm", rate: 24000 })
    expect(seen?.providerOptions).toEqual({ acme: { style: "calm" } })
    expect(seen?.abortSignal).toBeInstanceOf(AbortSignal)
  }))

it.effect("doGenerate gets the voice and the format by name; bytes of another format are labelled as what they are", () =>
  Effect.gen(function*() {
    let seen: SpeechModelV4CallOptions | undefined
    const model = new MockSpeechModelV4({
      doGenerate: async (options) => {
        seen = options
        return { audio: wav({ seconds: 0.1, sampleRate: 8000 }), warnings: [], response: { timestamp: new Date(0), modelId: "m" } }
      }
    })
    const out = yield* Stream.runCollect(fromAiSdk({ id: "acme", models: { tts: { m: model } } }).tts!.synthesize({ model: "m", voice: "nova", output_format: "mp3", text: "Hi." }))
    expect([seen?.voice, seen?.outputFormat, seen?.text]).toEqual(["nova", "mp3", "Hi."])
    expect(out.at(-1)).toMatchObject({ output_format: "wav", media_type: "audio/wav", warnings: ["mp3 was requested but the model produced wav"] })
  }))

it.effect("a voice outside a closed list and a format the model lacks are refused before any call", () =>
  Effect.gen(function*() {
    const voice = yield* Effect.flip(tts().validate({ model: "mock-speak", voice: "shimmer" }))
    expect(voice).toMatchObject({ _tag: "InvalidRequest", field: "voice.tts.voice", value: "shimmer", allowed: ["alloy", "coral"] })
    const format = yield* Effect.flip(tts().validate({ model: "mock-speak", voice: "alloy", output_format: "flac" }))
    expect(format).toMatchObject({ _tag: "UnsupportedFormat", field: "voice.tts.output_format", format: "flac", allowed: ["mp3"] })
    const model = yield* Effect.flip(tts().validate({ model: "mock-shout", voice: "alloy" }))
    expect(model).toMatchObject({ _tag: "UnknownModel", field: "voice.tts.model", allowed: ["mock-speak", "mock-speak-live"] })
  }))

it.effect("a streaming model's error parts are warnings; a stream that then ends without finish fails with the last", () =>
  Effect.gen(function*() {
    const chunk = { type: "audio" as const, audio: speechMp3, audioFormat: { type: "audio/mpeg" } }
    const recovering = new Experimental_MockStreamingSpeechModelV4({
      doStream: async () => ({
        stream: convertArrayToReadableStream([chunk, { type: "error" as const, error: { code: 500, message: "voice glitch" } }, { type: "finish" as const }])
      })
    })
    const out = yield* Stream.runCollect(fromAiSdk({ id: "acme", models: { tts: { m: recovering } } }).tts!.synthesize({ model: "m", voice: "v", text: SENTENCE }))
    expect(out.at(-1)).toMatchObject({
      type: "summary",
      output_format: "mp3",
      media_type: "audio/mpeg",
      warnings: ["the model reported an error: Provider unavailable (acme): voice glitch"]
    })
    const broken = new Experimental_MockStreamingSpeechModelV4({
      doStream: async () => ({ stream: convertArrayToReadableStream([chunk, { type: "error" as const, error: { code: 429, message: "too many" } }]) })
    })
    const seen: Array<string> = []
    const error = yield* Effect.flip(Stream.runForEach(
      fromAiSdk({ id: "acme", models: { tts: { m: broken } } }).tts!.synthesize({ model: "m", voice: "v", text: SENTENCE }),
      (o) => Effect.sync(() => void seen.push(o.type))
    ))
    expect(seen).toEqual(["audio"])
    expect(error).toMatchObject({ _tag: "RateLimited", provider: "acme", status: 429 })
  }))
