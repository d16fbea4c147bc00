/**
 * The pure `validate` hooks: every rule fails with the tagged error naming the exact request
 * field, the value and what is allowed — and no request is ever made.
 */
import type { SttSpec, TtsSpec } from "@patchbay/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { elevenlabs, outputFormats } from "../src/index.ts"

const refusingFetch: typeof fetch = () => {
  throw new Error("validate made a request")
}
const provider = elevenlabs({ fetch: refusingFetch })
const OPTIONS = "voice.stt.provider_options.elevenlabs"
const TTS_OPTIONS = "voice.tts.provider_options.elevenlabs"
const mp3 = { size: 21_312, container: "mp3" }

const sttRefusal = (spec: Partial<SttSpec> & { provider_options?: Record<string, unknown> }) =>
  Effect.runPromise(Effect.flip(provider.stt!.validate({ model: "scribe_v2", audio: mp3, ...spec })))
const sttAccepts = (spec: Partial<SttSpec>) => Effect.runPromise(provider.stt!.validate({ model: "scribe_v2", audio: mp3, ...spec }))
const ttsRefusal = (spec: Partial<TtsSpec>) =>
  Effect.runPromise(Effect.flip(provider.tts!.validate({ model: "eleven_flash_v2_5", voice: "21m00Tcm4TlvDq8ikWAM", ...spec })))
const ttsAccepts = (spec: Partial<TtsSpec>) =>
  Effect.runPromise(provider.tts!.validate({ model: "eleven_flash_v2_5", voice: "21m00Tcm4TlvDq8ikWAM", ...spec }))

describe("STT validate", () => {
  it("accepts the seed's scribe_v2 request with diarize and word timestamps", async () => {
    await sttAccepts({ language: "en", provider_options: { diarize: true, timestamps_granularity: "word", keyterms: ["Patchbay"] } })
  })

  it("refuses a model outside the closed catalogue, listing the models", async () => {
    expect(await sttRefusal({ model: "scribe_v2_realtime" })).toMatchObject({
      _tag: "UnknownModel",
      field: "voice.stt.model",
      model: "scribe_v2_realtime",
      allowed: ["scribe_v1", "scribe_v2"],
      provider: "elevenlabs"
    })
  })

  it("refuses keyterms and no_verbatim on scribe_v1: they are scribe_v2 only", async () => {
    expect(await sttRefusal({ model: "scribe_v1", provider_options: { keyterms: ["Patchbay"] } })).toMatchObject({
      _tag: "InvalidRequest",
      field: `${OPTIONS}.keyterms`,
      value: ["Patchbay"],
      allowed: ["scribe_v2"]
    })
    expect(await sttRefusal({ model: "scribe_v1", provider_options: { no_verbatim: true } })).toMatchObject({
      _tag: "InvalidRequest",
      field: `${OPTIONS}.no_verbatim`,
      allowed: ["scribe_v2"]
    })
  })

  it("refuses keyterms the vendor would: too long, too many words, forbidden characters, more than 1000", async () => {
    const long = "x".repeat(50)
    expect(await sttRefusal({ provider_options: { keyterms: ["fine", long] } })).toMatchObject({ field: `${OPTIONS}.keyterms[1]`, value: long })
    expect(await sttRefusal({ provider_options: { keyterms: ["one two three four five six"] } })).toMatchObject({ field: `${OPTIONS}.keyterms[0]` })
    expect(await sttRefusal({ provider_options: { keyterms: ["a{b}"] } })).toMatchObject({ field: `${OPTIONS}.keyterms[0]`, value: "a{b}" })
    expect(await sttRefusal({ provider_options: { keyterms: Array.from({ length: 1001 }, (_, i) => `t${i}`) } })).toMatchObject({
      field: `${OPTIONS}.keyterms`
    })
  })

  it("names the option of a value out of range or of the wrong type", async () => {
    expect(await sttRefusal({ provider_options: { num_speakers: 33 } })).toMatchObject({ _tag: "InvalidRequest", field: `${OPTIONS}.num_speakers`, value: 33 })
    expect(await sttRefusal({ provider_options: { num_speakers: 1.5 } })).toMatchObject({ field: `${OPTIONS}.num_speakers` })
    expect(await sttRefusal({ provider_options: { timestamps_granularity: "sentence" } })).toMatchObject({
      field: `${OPTIONS}.timestamps_granularity`,
      value: "sentence"
    })
    expect(await sttRefusal({ provider_options: { diarize: "yes" } })).toMatchObject({ field: `${OPTIONS}.diarize`, value: "yes" })
    expect(await sttRefusal({ provider_options: { temperature: 2.5 } })).toMatchObject({ field: `${OPTIONS}.temperature` })
  })

  it("refuses an unknown option instead of dropping it, listing the options", async () => {
    const error = await sttRefusal({ provider_options: { diarise: true } })
    expect(error).toMatchObject({ _tag: "InvalidRequest", field: `${OPTIONS}.diarise`, value: true })
    expect((error as { allowed?: ReadonlyArray<string> }).allowed).toContain("diarize")
  })

  it("applies the rules between options", async () => {
    expect(await sttRefusal({ provider_options: { diarization_threshold: 0.2 } })).toMatchObject({ field: `${OPTIONS}.diarization_threshold` })
    expect(await sttRefusal({ provider_options: { diarize: true, num_speakers: 2, diarization_threshold: 0.2 } })).toMatchObject({
      field: `${OPTIONS}.diarization_threshold`
    })
    await sttAccepts({ provider_options: { diarize: true, diarization_threshold: 0.2 } })
    expect(await sttRefusal({ provider_options: { detect_speaker_roles: true } })).toMatchObject({ field: `${OPTIONS}.detect_speaker_roles` })
    expect(await sttRefusal({ provider_options: { entity_redaction: "pii" } })).toMatchObject({ field: `${OPTIONS}.entity_redaction` })
    expect(await sttRefusal({ provider_options: { entity_detection: "all", entity_redaction_mode: "redacted" } })).toMatchObject({
      field: `${OPTIONS}.entity_redaction_mode`
    })
  })

  it("refuses a language that is not ISO 639-1", async () => {
    expect(await sttRefusal({ language: "eng" })).toMatchObject({ _tag: "InvalidRequest", field: "voice.stt.language", value: "eng" })
  })

  it("refuses audio over the spec's limit (under 5,000,000,000 bytes) and audio it cannot recognize, from the facts alone", async () => {
    expect(await sttRefusal({ audio: { size: 5_000_000_000, container: "mp3" } })).toMatchObject({
      _tag: "InputTooLarge",
      field: "audio_file",
      limit: 4_999_999_999,
      size: 5_000_000_000,
      model: "scribe_v2"
    })
    await sttAccepts({ audio: { size: 4_999_999_999, container: "mp3" } })
    expect(await sttRefusal({ audio: { size: 100, container: undefined } })).toMatchObject({ _tag: "UnsupportedFormat", field: "audio_file" })
  })

  it("takes the limit from the factory when configured", async () => {
    const small = elevenlabs({ fetch: refusingFetch, maxUploadBytes: 1_000 })
    expect(small.models.find((m) => m.id === "scribe_v1")?.max_input_bytes).toBe(1_000)
    const error = await Effect.runPromise(Effect.flip(small.stt!.validate({ model: "scribe_v1", audio: { size: 1_001, container: "wav" } })))
    expect(error).toMatchObject({ _tag: "InputTooLarge", limit: 1_000, size: 1_001 })
  })
})

describe("TTS validate", () => {
  it("accepts every model of the catalogue with a well-formed voice id", async () => {
    for (const model of ["eleven_v3", "eleven_multilingual_v2", "eleven_flash_v2_5", "eleven_turbo_v2_5", "eleven_flash_v2", "eleven_turbo_v2"]) {
      await ttsAccepts({ model })
    }
  })

  it("refuses a model outside the closed catalogue", async () => {
    expect(await ttsRefusal({ model: "eleven_monolingual_v1" })).toMatchObject({
      _tag: "UnknownModel",
      field: "voice.tts.model",
      allowed: ["eleven_v3", "eleven_multilingual_v2", "eleven_flash_v2_5", "eleven_turbo_v2_5", "eleven_flash_v2", "eleven_turbo_v2"]
    })
  })

  it("refuses a voice that is not an ElevenLabs voice id (a name), showing the syntax", async () => {
    expect(await ttsRefusal({ voice: "Rachel" })).toMatchObject({
      _tag: "InvalidRequest",
      field: "voice.tts.voice",
      value: "Rachel",
      allowed: ["21m00Tcm4TlvDq8ikWAM", "JBFqnCBsd6RMkjVDRZzb", "/^[A-Za-z0-9]{20}$/"]
    })
    await ttsAccepts({ voice: "AbCdEfGhIjKlMnOpQrSt" }) // any account's id of the right shape
  })

  it("accepts every output format family the spec allows, by vendor id or generic name", async () => {
    for (const format of [...outputFormats.map((f) => f.id), "mp3", "pcm", "opus", "ulaw", "alaw", "wav"]) {
      await ttsAccepts({ output_format: format })
    }
  })

  it("refuses formats the vendor does not produce, listing generic and vendor names", async () => {
    for (const format of ["flac", "aac", "mp3_48000_320", "pcm_96000"]) {
      const error = await ttsRefusal({ output_format: format })
      expect(error).toMatchObject({ _tag: "UnsupportedFormat", field: "voice.tts.output_format", format, model: "eleven_flash_v2_5" })
      const allowed = (error as { allowed: ReadonlyArray<string> }).allowed
      expect(allowed).toEqual(expect.arrayContaining(["mp3", "pcm", "wav", "opus", "ulaw", "alaw", "mp3_44100_128", "wav_48000", "opus_48000_192"]))
      expect(allowed).toHaveLength(6 + 28)
    }
  })

  it("refuses language_code on eleven_multilingual_v2, which does not take it", async () => {
    expect(await ttsRefusal({ model: "eleven_multilingual_v2", provider_options: { language_code: "de" } })).toMatchObject({
      _tag: "InvalidRequest",
      field: `${TTS_OPTIONS}.language_code`,
      value: "de",
      allowed: ["eleven_v3", "eleven_flash_v2_5", "eleven_turbo_v2_5", "eleven_flash_v2", "eleven_turbo_v2"]
    })
    expect(await ttsRefusal({ provider_options: { language_code: "english" } })).toMatchObject({ field: `${TTS_OPTIONS}.language_code` })
  })

  it("refuses a language the English-only models do not speak", async () => {
    expect(await ttsRefusal({ model: "eleven_flash_v2", language: "fr" })).toMatchObject({
      _tag: "InvalidRequest",
      field: "voice.tts.language",
      value: "fr",
      allowed: ["en"]
    })
    expect(await ttsRefusal({ model: "eleven_turbo_v2", provider_options: { language_code: "fr" } })).toMatchObject({
      field: `${TTS_OPTIONS}.language_code`,
      allowed: ["en"]
    })
  })

  it("names the voice setting out of the spec's range, and refuses unknown settings", async () => {
    expect(await ttsRefusal({ provider_options: { voice_settings: { stability: 1.5 } } })).toMatchObject({
      field: `${TTS_OPTIONS}.voice_settings.stability`,
      value: 1.5
    })
    expect(await ttsRefusal({ provider_options: { voice_settings: { speed: 2 } } })).toMatchObject({ field: `${TTS_OPTIONS}.voice_settings.speed` })
    expect(await ttsRefusal({ provider_options: { voice_settings: { pitch: 1 } } })).toMatchObject({ field: `${TTS_OPTIONS}.voice_settings.pitch` })
    expect(await ttsRefusal({ provider_options: { seed: -1 } })).toMatchObject({ field: `${TTS_OPTIONS}.seed` })
    expect(await ttsRefusal({ provider_options: { previous_request_ids: ["a", "b", "c", "d"] } })).toMatchObject({
      field: `${TTS_OPTIONS}.previous_request_ids`
    })
    expect(await ttsRefusal({ provider_options: { optimize_streaming_latency: 3 } })).toMatchObject({ field: `${TTS_OPTIONS}.optimize_streaming_latency` })
  })
})
