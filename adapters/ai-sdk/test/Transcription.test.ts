/**
 * The STT bridge: `doGenerate` results become transcripts; `doStream` is used when the model
 * has one (feature detection), fed the audio as a counted stream in its format; the byte limit
 * holds for streams of unknown length.
 */
import type { Experimental_TranscriptionModelV4StreamOptions as StreamOptions, TranscriptionModelV4CallOptions } from "@ai-sdk/provider"
import { expect, it } from "@effect/vitest"
import { AudioInput, type SttProvider } from "@patchbay/core"
import { pcm16, wav } from "@patchbay/core/testing"
import { convertArrayToReadableStream, MockTranscriptionModelV4 } from "ai/test"
import { Effect, Stream } from "effect"
import { fromAiSdk } from "../src/index.ts"
import { liveTranscriptionModel, SENTENCE, speechMp3, transcriptionModel } from "./support/MockModels.ts"

const sttOf = (models: Record<string, MockTranscriptionModelV4>, limit?: number): SttProvider =>
  fromAiSdk({
    id: "mock",
    models: { stt: models },
    catalogue: limit === undefined ? [] : Object.keys(models).map((id) => ({ id, capability: "stt" as const, max_input_bytes: limit }))
  }).stt!

const mp3 = () => AudioInput.fromBytes(speechMp3, "speech.mp3")

/** An audio input of unknown length (a one-shot stream). */
const streamed = (bytes: Uint8Array) =>
  AudioInput.fromStream(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream())

it.effect("doGenerate's result is the transcript: text, ISO language, words, segments, duration, usage, request id", () =>
  Effect.gen(function*() {
    const transcript = yield* sttOf({ "mock-listen": transcriptionModel() }).transcribe({ model: "mock-listen", language: "en", audio: mp3() })
    expect(transcript).toEqual({
      type: "transcript",
      text: SENTENCE,
      language: "en",
      duration_seconds: 2.664,
      segments: [{ text: SENTENCE, start: 0.05, end: 2.6 }],
      words: [
        { text: "Patchbay", start: 0.05, end: 0.52, type: "word" },
        { text: "turns", start: 0.52, end: 0.8, type: "word" },
        { text: "speech", start: 0.8, end: 1.16, type: "word" },
        { text: "into", start: 1.16, end: 1.36, type: "word" },
        { text: "text", start: 1.36, end: 1.72, type: "word" },
        { text: "and", start: 1.72, end: 1.88, type: "word" },
        { text: "back", start: 1.88, end: 2.14, type: "word" },
        { text: "again.", start: 2.14, end: 2.6, type: "word" }
      ],
      usage: { audio_seconds: 2.664 },
      request_id: "req_mock_stt",
      provider_output: { text: SENTENCE, duration: 2.664 }
    })
  }))

it.effect("the audio, its media type and the language (under the model's options key) reach doGenerate", () =>
  Effect.gen(function*() {
    const model = transcriptionModel()
    let seen: TranscriptionModelV4CallOptions | undefined
    const spy = new MockTranscriptionModelV4({
      provider: "mock.transcription",
      doGenerate: (options) => {
        seen = options
        return model.doGenerate(options)
      }
    })
    yield* sttOf({ "mock-listen": spy }).transcribe({ model: "mock-listen", language: "fr", provider_options: { prompt: "Patchbay" }, audio: mp3() })
    expect(seen?.audio).toEqual(speechMp3)
    expect(seen?.mediaType).toBe("audio/mpeg")
    expect(seen?.providerOptions).toEqual({ mock: { language: "fr", prompt: "Patchbay" } })
    expect(seen?.abortSignal).toBeInstanceOf(AbortSignal)
  }))

it.effect("a model with doStream streams: deltas as they arrive, then the whole transcript", () =>
  Effect.gen(function*() {
    const stt = sttOf({ "mock-listen-live": liveTranscriptionModel() })
    const out = yield* Stream.runCollect(stt.transcribeStream!({ model: "mock-listen-live", audio: mp3() }))
    expect(out.map((o) => (o.type === "delta" ? o.delta : `[${o.text}]`))).toEqual([
      "Patchbay turns speech",
      " into text and back again.",
      `[${SENTENCE}]`
    ])
    expect(out.at(-1)).toMatchObject({ type: "transcript", language: "en", duration_seconds: 2.664, usage: {} })
  }))

it.effect("16-bit mono WAV reaches doStream as raw audio/pcm at its rate, header dropped; other files in their own type", () =>
  Effect.gen(function*() {
    const calls: Array<{ format: StreamOptions["inputAudioFormat"]; bytes: number }> = []
    const model = new MockTranscriptionModelV4({
      doStream: async ({ audio, inputAudioFormat }) => {
        let bytes = 0
        const reader = audio.getReader()
        for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += typeof r.value === "string" ? 0 : r.value.byteLength
        calls.push({ format: inputAudioFormat, bytes })
        return { stream: convertArrayToReadableStream([{ type: "finish" as const, text: "", segments: [] }]) }
      }
    })
    const stt = sttOf({ live: model })
    yield* Stream.runDrain(stt.transcribeStream!({ model: "live", audio: AudioInput.fromBytes(wav({ seconds: 0.5, sampleRate: 24000 })) }))
    yield* Stream.runDrain(stt.transcribeStream!({ model: "live", audio: mp3() }))
    expect(calls).toEqual([
      { format: { type: "audio/pcm", rate: 24000 }, bytes: pcm16({ seconds: 0.5, sampleRate: 24000 }).byteLength },
      { format: { type: "audio/mpeg" }, bytes: speechMp3.byteLength }
    ])
  }))

it.effect("a vendor that only sends final segments: each final is the next delta", () =>
  Effect.gen(function*() {
    const model = new MockTranscriptionModelV4({
      doStream: async () => ({
        stream: convertArrayToReadableStream([
          { type: "transcript-partial" as const, text: "Patch" },
          { type: "transcript-final" as const, text: "Patchbay turns speech" },
          { type: "transcript-final" as const, text: "into text and back again." },
          { type: "finish" as const, text: SENTENCE, segments: [] }
        ])
      })
    })
    const out = yield* Stream.runCollect(sttOf({ live: model }).transcribeStream!({ model: "live", audio: mp3() }))
    expect(out.map((o) => (o.type === "delta" ? o.delta : o.text))).toEqual(["Patchbay turns speech", " into text and back again.", SENTENCE])
  }))

it.effect("without doStream, transcribeStream is one delta holding the transcript; no streaming model, no transcribeStream", () =>
  Effect.gen(function*() {
    const both = sttOf({ "mock-listen": transcriptionModel(), "mock-listen-live": liveTranscriptionModel() })
    const out = yield* Stream.runCollect(both.transcribeStream!({ model: "mock-listen", audio: mp3() }))
    expect(out.map((o) => o.type)).toEqual(["delta", "transcript"])
    expect(out[0]).toEqual({ type: "delta", delta: SENTENCE })
    expect(sttOf({ "mock-listen": transcriptionModel() }).transcribeStream).toBeUndefined()
  }))

it.effect("audio of unknown length over the model's limit fails InputTooLarge, whole or streamed", () =>
  Effect.gen(function*() {
    const model = transcriptionModel()
    const whole = yield* Effect.flip(sttOf({ m: model }, 10_000).transcribe({ model: "m", audio: yield* streamed(speechMp3) }))
    expect(whole).toMatchObject({ _tag: "InputTooLarge", provider: "mock", field: "audio_file", limit: 10_000 })
    expect((whole as { size: number }).size).toBeGreaterThan(10_000)
    const live = yield* Effect.flip(Stream.runDrain(sttOf({ m: liveTranscriptionModel() }, 10_000).transcribeStream!({ model: "m", audio: yield* streamed(speechMp3) })))
    expect(live).toMatchObject({ _tag: "InputTooLarge", limit: 10_000 })
    const known = yield* Effect.flip(sttOf({ m: model }, 10_000).validate({ model: "m", audio: { size: 21_312, container: "mp3" } }))
    expect(known).toMatchObject({ _tag: "InputTooLarge", size: 21_312, limit: 10_000 })
  }))

it.effect("error parts do not end a transcript stream; one that then ends without finish fails with the last", () =>
  Effect.gen(function*() {
    const recovering = new MockTranscriptionModelV4({
      doStream: async () => ({
        stream: convertArrayToReadableStream([
          { type: "error" as const, error: { code: 503, message: "upstream hiccup" } },
          { type: "transcript-delta" as const, delta: SENTENCE },
          { type: "finish" as const, text: SENTENCE, segments: [] }
        ])
      })
    })
    const out = yield* Stream.runCollect(sttOf({ live: recovering }).transcribeStream!({ model: "live", audio: mp3() }))
    expect(out.at(-1)).toMatchObject({ type: "transcript", text: SENTENCE, warnings: ["the model reported an error: Provider unavailable (mock): upstream hiccup"] })
    const broken = new MockTranscriptionModelV4({
      doStream: async () => ({
        stream: convertArrayToReadableStream([
          { type: "transcript-delta" as const, delta: "Patch" },
          { type: "error" as const, error: { code: 429, message: "Too many streams" } }
        ])
      })
    })
    const error = yield* Effect.flip(Stream.runDrain(sttOf({ live: broken }).transcribeStream!({ model: "live", audio: mp3() })))
    expect(error).toMatchObject({ _tag: "RateLimited", provider: "mock", status: 429, detail: "Too many streams" })
  }))
