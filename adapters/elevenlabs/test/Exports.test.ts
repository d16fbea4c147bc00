/**
 * The package's public surface, as a list: an accidental change to what `@patchbay/elevenlabs`
 * exports shows here in review (TypeScript 7 has no compiler API for an API-report tool).
 */
import { ProviderRegistry } from "@patchbay/core"
import { Effect, Layer } from "effect"
import { expect, it } from "vitest"
import * as ElevenLabs from "../src/index.ts"

it("exports exactly these names", () => {
  expect(Object.keys(ElevenLabs).sort()).toEqual([
    "DEFAULT_OUTPUT_FORMAT",
    "KEY_VARIABLE",
    "MAX_UPLOAD_BYTES",
    "PROVIDER",
    "PronunciationDictionaryLocator",
    "RealtimeSttOptions",
    "SttOptions",
    "TtsOptions",
    "VOICE_ID_PATTERN",
    "VoiceSettings",
    "catalogue",
    "elevenlabs",
    "layer",
    "models",
    "outputFormats",
    "realtimeFormatIds",
    "realtimeSttModelIds",
    "sttModelIds",
    "ttsModelIds"
  ])
})

it("the catalogue: two closed batch STT models and a realtime one, six TTS models with every output format of the spec and an open voice catalogue", () => {
  const { models } = ElevenLabs
  expect(models.filter((m) => m.capability === "stt").map((m) => [m.id, m.max_input_bytes, m.diarization, m.word_timestamps])).toEqual([
    ["scribe_v1", 4_999_999_999, true, true],
    ["scribe_v2", 4_999_999_999, true, true],
    ["scribe_v2_realtime", undefined, false, true]
  ])
  expect(models.filter((m) => m.capability === "stt").map((m) => [m.id, m.streaming, m.realtime, m.realtime_formats])).toEqual([
    ["scribe_v1", false, undefined, undefined],
    ["scribe_v2", false, undefined, undefined],
    ["scribe_v2_realtime", true, true, ["pcm_8000", "pcm_16000", "pcm_22050", "pcm_24000", "pcm_44100", "pcm_48000", "ulaw_8000"]]
  ])
  const tts = models.filter((m) => m.capability === "tts")
  expect(tts.map((m) => [m.id, m.max_input_characters, m.languages])).toEqual([
    ["eleven_v3", 5_000, undefined],
    ["eleven_multilingual_v2", 10_000, undefined],
    ["eleven_flash_v2_5", 40_000, undefined],
    ["eleven_turbo_v2_5", 40_000, undefined],
    ["eleven_flash_v2", 30_000, ["en"]],
    ["eleven_turbo_v2", 30_000, ["en"]]
  ])
  for (const model of tts) {
    expect(model.output_formats).toHaveLength(28)
    expect([model.default_output_format, model.streaming, model.voices?.catalogue]).toEqual(["mp3_44100_128", true, "open"])
  }
  expect(ElevenLabs.outputFormats.find((f) => f.id === "opus_48000_192")).toEqual({ id: "opus_48000_192", format: "opus", sample_rate: 48000, bitrate: 192, channels: 1 })
  expect(ElevenLabs.outputFormats.find((f) => f.id === "ulaw_8000")).toEqual({ id: "ulaw_8000", format: "ulaw", sample_rate: 8000, channels: 1 })
})

it("layer() adds the provider to the registry in context, under its id", async () => {
  const program = Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const resolved = yield* registry.resolve("stt", "elevenlabs", "scribe_v2", { provider: "voice.stt.provider", model: "voice.stt.model" })
    return [(yield* registry.list).map((p) => p.id), resolved.model?.max_input_bytes]
  })
  const layer = ElevenLabs.layer({ apiKey: "k", maxUploadBytes: 123 }).pipe(Layer.provideMerge(ProviderRegistry.layer()))
  expect(await Effect.runPromise(program.pipe(Effect.provide(layer)))).toEqual([["elevenlabs"], 123])
})
