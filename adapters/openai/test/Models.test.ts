/**
 * The catalogue: every entry is a valid `ModelInfo`, the audio models, voices and formats are
 * closed and complete, the STT limit and input formats are OpenAI's, and the public surface of
 * the package does not change by accident.
 */
import { ModelInfo, resolveOutputFormat } from "@patchbay/core"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as OpenAI from "../src/index.ts"

const { models } = OpenAI
const ids = (capability: string) => models.filter((m) => m.capability === capability).map((m) => m.id)

describe("the catalogue", () => {
  it("every entry decodes as ModelInfo, under the provider id \"openai\"", () => {
    for (const model of models) {
      expect(Schema.decodeUnknownSync(ModelInfo)(model)).toEqual(model)
      expect(model.provider).toBe("openai")
    }
    expect(OpenAI.openai().models).toBe(models)
  })

  it("lists the seed's models: four transcription, three speech (with snapshots), gpt-4.1, gpt-image-1", () => {
    expect(ids("stt")).toEqual(["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-mini-transcribe-2025-12-15", "gpt-4o-transcribe-diarize", "gpt-transcribe"])
    expect(ids("tts")).toEqual(["tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15"])
    expect(ids("llm")).toContain("gpt-4.1")
    expect(ids("image")).toEqual(["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"])
  })

  it("transcription: the 26,214,400-byte limit, OpenAI's input formats, streaming, timestamps and diarization per model", () => {
    const stt = models.filter((m) => m.capability === "stt")
    for (const m of stt) {
      expect(m.max_input_bytes).toBe(26_214_400)
      expect(m.input_formats).toEqual(["flac", "mp3", "mp4", "ogg", "wav", "webm"])
    }
    const by = Object.fromEntries(stt.map((m) => [m.id, [m.streaming, m.word_timestamps, m.diarization]]))
    expect(by).toEqual({
      "whisper-1": [false, true, false],
      "gpt-4o-transcribe": [true, false, false],
      "gpt-4o-mini-transcribe": [true, false, false],
      "gpt-4o-mini-transcribe-2025-12-15": [true, false, false],
      "gpt-4o-transcribe-diarize": [true, false, true],
      "gpt-transcribe": [false, false, false]
    })
  })

  it("the response formats of each transcription model, from the spec's matrix", () => {
    const formats = Object.fromEntries(Object.entries(OpenAI.sttFeatures).map(([id, f]) => [id, f.responseFormats]))
    expect(formats).toEqual({
      "whisper-1": ["verbose_json", "json", "text", "srt", "vtt"],
      "gpt-4o-transcribe": ["json"],
      "gpt-4o-mini-transcribe": ["json"],
      "gpt-4o-mini-transcribe-2025-12-15": ["json"],
      "gpt-4o-transcribe-diarize": ["diarized_json", "json", "text"],
      "gpt-transcribe": ["json"]
    })
  })

  it("speech: six 24 kHz formats (mp3 by default), closed voices with custom voice_… ids, 4096 characters", () => {
    for (const m of models.filter((m) => m.capability === "tts")) {
      expect(m.output_formats?.map((f) => [f.id, f.format, f.sample_rate])).toEqual([
        ["mp3", "mp3", 24000],
        ["opus", "opus", 24000],
        ["aac", "aac", 24000],
        ["flac", "flac", 24000],
        ["wav", "wav", 24000],
        ["pcm", "pcm", 24000]
      ])
      expect(resolveOutputFormat(m, undefined)?.id).toBe("mp3")
      expect(m.voices?.catalogue).toBe("closed")
      expect(new RegExp(m.voices?.pattern ?? "^$").test("voice_1234")).toBe(true)
      expect(m.max_input_characters).toBe(4096)
      expect(m.streaming).toBe(true)
    }
    expect(models.find((m) => m.id === "gpt-4o-mini-tts")?.voices?.ids).toEqual(OpenAI.VOICES)
    expect(models.find((m) => m.id === "tts-1")?.voices?.ids).toEqual(["alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer"])
  })

  it("the capabilities' catalogues: closed for audio and images, open (with a syntax) for chat", () => {
    const provider = OpenAI.openai()
    expect([provider.stt?.catalogue, provider.tts?.catalogue, provider.llm?.catalogue, provider.image?.catalogue]).toEqual(["closed", "closed", "open", "closed"])
    expect(provider.llm?.modelPattern).toBe(OpenAI.LLM_MODEL_PATTERN)
  })
})

it("the package's public names (a change here is a change of the public API)", () => {
  expect(Object.keys(OpenAI).sort()).toEqual([
    "CUSTOM_VOICE",
    "EmbeddingOptions",
    "IMAGE_SIZES",
    "INPUT_FORMATS",
    "ImageOptions",
    "KEY_VARIABLE",
    "LLM_MODEL_PATTERN",
    "LlmOptions",
    "MAX_EMBEDDING_INPUTS",
    "MAX_EMBEDDING_TOKENS",
    "MAX_SPEECH_CHARACTERS",
    "MAX_UPLOAD_BYTES",
    "OUTPUT_FORMATS",
    "PROVIDER",
    "REALTIME_FORMATS",
    "REALTIME_MODELS",
    "RealtimeSttOptions",
    "SttOptions",
    "TtsOptions",
    "VOICES",
    "decodeVector",
    "layer",
    "models",
    "openai",
    "sttFeatures",
    "ttsFeatures"
  ])
})
