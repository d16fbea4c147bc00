/**
 * The pure `validate` hooks: the closed catalogues, and each model-dependent option rule, with
 * the exact field, value and allowed list of its error — before any request.
 */
import type { ImageSpec, LlmSpec, SttSpec, TtsSpec } from "@patchbay/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { IMAGE_SIZES, INPUT_FORMATS, MAX_UPLOAD_BYTES } from "../src/index.ts"
import { failure, fields, replayed } from "./support/harness.ts"

const { provider, fetch } = replayed()
const stt = provider.stt!
const tts = provider.tts!
const llm = provider.llm!
const image = provider.image!

const mp3 = { size: 21312, container: "mp3" }
const sttSpec = (model: string, options?: Record<string, unknown>, extra: Partial<SttSpec> = {}): SttSpec => ({
  model,
  language: "en",
  audio: mp3,
  ...(options === undefined ? {} : { provider_options: options }),
  ...extra
})
const ttsSpec = (model: string, voice: string, options?: Record<string, unknown>, output_format = "mp3"): TtsSpec => ({
  model,
  voice,
  output_format,
  ...(options === undefined ? {} : { provider_options: options })
})
const accepts = (effect: Effect.Effect<void, unknown>) => Effect.runPromise(effect)

const OPT = "voice.stt.provider_options.openai"
const TTS_OPT = "voice.tts.provider_options.openai"

describe("STT validate", () => {
  it("accepts each model with the options it supports", async () => {
    await accepts(stt.validate(sttSpec("whisper-1", { response_format: "verbose_json", timestamp_granularities: ["word", "segment"], temperature: 0.2, prompt: "Patchbay" })))
    await accepts(stt.validate(sttSpec("whisper-1", { response_format: "vtt" })))
    await accepts(stt.validate(sttSpec("whisper-1", { timestamp_granularities: ["word"] }))) // verbose_json is whisper-1's default
    await accepts(stt.validate(sttSpec("gpt-4o-transcribe", { include: ["logprobs"], prompt: "Patchbay", chunking_strategy: { type: "server_vad", threshold: 0.6 } })))
    await accepts(stt.validate(sttSpec("gpt-4o-mini-transcribe-2025-12-15", { response_format: "json" })))
    await accepts(stt.validate(sttSpec("gpt-4o-transcribe-diarize", { response_format: "text", chunking_strategy: "auto", known_speaker_names: ["agent"], known_speaker_references: ["data:audio/wav;base64,AAAA"] })))
    await accepts(stt.validate(sttSpec("gpt-transcribe", { languages: ["en", "fr"], keywords: ["Patchbay"] })))
  })

  it("refuses a model outside the closed catalogue with the list", async () => {
    expect(fields(await failure(stt.validate(sttSpec("whisper-2"))))).toMatchObject({
      _tag: "UnknownModel",
      provider: "openai",
      model: "whisper-2",
      field: "voice.stt.model",
      allowed: ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-mini-transcribe-2025-12-15", "gpt-4o-transcribe-diarize", "gpt-transcribe"]
    })
  })

  it("refuses a language that is not ISO 639-1", async () => {
    expect(fields(await failure(stt.validate(sttSpec("whisper-1", undefined, { language: "english" }))))).toMatchObject({
      _tag: "InvalidRequest",
      field: "voice.stt.language",
      value: "english"
    })
  })

  it("refuses audio over 26,214,400 bytes and containers OpenAI does not take", async () => {
    expect(fields(await failure(stt.validate(sttSpec("whisper-1", undefined, { audio: { size: MAX_UPLOAD_BYTES + 1, container: "mp3" } }))))).toMatchObject({
      _tag: "InputTooLarge",
      field: "audio_file",
      limit: 26_214_400,
      size: 26_214_401
    })
    expect(fields(await failure(stt.validate(sttSpec("gpt-4o-transcribe", undefined, { audio: { size: 10_401, container: "aac" } }))))).toMatchObject({
      _tag: "UnsupportedFormat",
      field: "audio_file",
      format: "aac",
      allowed: INPUT_FORMATS
    })
  })

  it("refuses an unknown option, naming it and listing the options", async () => {
    expect(fields(await failure(stt.validate(sttSpec("whisper-1", { respones_format: "json" }))))).toMatchObject({
      _tag: "InvalidRequest",
      field: `${OPT}.respones_format`,
      value: "json",
      allowed: ["response_format", "timestamp_granularities", "temperature", "prompt", "include", "chunking_strategy", "known_speaker_names", "known_speaker_references", "languages", "keywords"]
    })
  })

  it("refuses a malformed option at its path", async () => {
    expect(fields(await failure(stt.validate(sttSpec("whisper-1", { response_format: "xml" }))))).toMatchObject({
      _tag: "InvalidRequest",
      field: `${OPT}.response_format`,
      value: "xml"
    })
    expect(fields(await failure(stt.validate(sttSpec("whisper-1", { timestamp_granularities: ["word", "sentence"] }))))).toMatchObject({
      _tag: "InvalidRequest",
      field: `${OPT}.timestamp_granularities[1]`,
      value: "sentence"
    })
  })

  it("verbose_json only on whisper-1; each model's own formats", async () => {
    expect(fields(await failure(stt.validate(sttSpec("gpt-4o-transcribe", { response_format: "verbose_json" }))))).toMatchObject({
      _tag: "InvalidRequest",
      field: `${OPT}.response_format`,
      value: "verbose_json",
      allowed: ["json"]
    })
    expect(fields(await failure(stt.validate(sttSpec("whisper-1", { response_format: "diarized_json" }))))).toMatchObject({
      field: `${OPT}.response_format`,
      value: "diarized_json",
      allowed: ["verbose_json", "json", "text", "srt", "vtt"]
    })
    expect(fields(await failure(stt.validate(sttSpec("gpt-4o-transcribe-diarize", { response_format: "srt" }))))).toMatchObject({
      field: `${OPT}.response_format`,
      value: "srt",
      allowed: ["diarized_json", "json", "text"]
    })
  })

  it("timestamps only on whisper-1, and only with verbose_json", async () => {
    const other = fields(await failure(stt.validate(sttSpec("gpt-4o-mini-transcribe", { timestamp_granularities: ["word"] }))))
    expect(other).toMatchObject({ _tag: "InvalidRequest", field: `${OPT}.timestamp_granularities`, value: ["word"] })
    expect(other.reason).toBe("gpt-4o-mini-transcribe returns no timestamps; whisper-1 does, with response_format \"verbose_json\"")
    const format = fields(await failure(stt.validate(sttSpec("whisper-1", { response_format: "json", timestamp_granularities: ["segment"] }))))
    expect(format).toMatchObject({ field: `${OPT}.timestamp_granularities`, value: ["segment"] })
    expect(format.reason).toBe("timestamps come only with response_format \"verbose_json\" (the request asks for \"json\")")
  })

  it("the temperature is between 0 and 1", async () => {
    expect(fields(await failure(stt.validate(sttSpec("whisper-1", { temperature: 1.5 }))))).toMatchObject({
      field: `${OPT}.temperature`,
      value: 1.5,
      allowed: ["0 to 1"]
    })
  })

  it("no prompt on the diarize model", async () => {
    const error = fields(await failure(stt.validate(sttSpec("gpt-4o-transcribe-diarize", { prompt: "Patchbay" }))))
    expect(error).toMatchObject({ _tag: "InvalidRequest", field: `${OPT}.prompt`, value: "Patchbay", reason: "gpt-4o-transcribe-diarize takes no prompt" })
  })

  it("logprobs only on the gpt-4o transcribe models, with json", async () => {
    expect(fields(await failure(stt.validate(sttSpec("whisper-1", { include: ["logprobs"] }))))).toMatchObject({ field: `${OPT}.include`, value: ["logprobs"] })
    expect(fields(await failure(stt.validate(sttSpec("gpt-4o-transcribe-diarize", { include: ["logprobs"] }))))).toMatchObject({ field: `${OPT}.include` })
  })

  it("the diarize model always uses chunking_strategy \"auto\"", async () => {
    expect(fields(await failure(stt.validate(sttSpec("gpt-4o-transcribe-diarize", { chunking_strategy: { type: "server_vad" } }))))).toMatchObject({
      field: `${OPT}.chunking_strategy`,
      value: { type: "server_vad" },
      allowed: ["auto"]
    })
  })

  it("known speakers only on the diarize model, a reference per name", async () => {
    expect(fields(await failure(stt.validate(sttSpec("whisper-1", { known_speaker_names: ["agent"] }))))).toMatchObject({ field: `${OPT}.known_speaker_names`, value: ["agent"] })
    expect(fields(await failure(stt.validate(sttSpec("gpt-4o-transcribe-diarize", { known_speaker_names: ["agent", "customer"], known_speaker_references: ["data:audio/wav;base64,AAAA"] }))))).toMatchObject({
      field: `${OPT}.known_speaker_references`,
      value: ["data:audio/wav;base64,AAAA"]
    })
    expect(fields(await failure(stt.validate(sttSpec("gpt-4o-transcribe-diarize", { known_speaker_names: ["agent"], known_speaker_references: ["https://example.com/a.wav"] }))))).toMatchObject({
      field: `${OPT}.known_speaker_references[0]`
    })
  })

  it("languages and keywords only on gpt-transcribe, languages in ISO 639-1", async () => {
    expect(fields(await failure(stt.validate(sttSpec("whisper-1", { keywords: ["Patchbay"] }))))).toMatchObject({ field: `${OPT}.keywords` })
    expect(fields(await failure(stt.validate(sttSpec("gpt-transcribe", { languages: ["en", "french"] }))))).toMatchObject({ field: `${OPT}.languages[1]`, value: "french" })
  })
})

describe("TTS validate", () => {
  it("accepts the built-in voices of each model and custom voice ids", async () => {
    await accepts(tts.validate(ttsSpec("tts-1", "alloy", { speed: 0.25 })))
    await accepts(tts.validate(ttsSpec("tts-1-hd", "shimmer", { speed: 4 }, "pcm")))
    await accepts(tts.validate(ttsSpec("gpt-4o-mini-tts", "cedar", { instructions: "Calm", stream_format: "audio" }, "opus")))
    await accepts(tts.validate(ttsSpec("tts-1", "voice_1234")))
    await accepts(tts.validate(ttsSpec("gpt-4o-mini-tts-2025-12-15", "voice_abc_DEF-9", { stream_format: "sse" }, "wav")))
  })

  it("refuses a model outside the closed catalogue", async () => {
    expect(fields(await failure(tts.validate(ttsSpec("tts-2", "alloy"))))).toMatchObject({
      _tag: "UnknownModel",
      field: "voice.tts.model",
      allowed: ["tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15"]
    })
  })

  it("refuses any other voice name with the model's voices", async () => {
    expect(fields(await failure(tts.validate(ttsSpec("tts-1", "ballad"))))).toMatchObject({
      _tag: "InvalidRequest",
      field: "voice.tts.voice",
      value: "ballad",
      allowed: ["alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "/^voice_[A-Za-z0-9_-]+$/"]
    })
    expect(fields(await failure(tts.validate(ttsSpec("gpt-4o-mini-tts", "Rachel"))))).toMatchObject({
      field: "voice.tts.voice",
      value: "Rachel",
      allowed: ["alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar", "/^voice_[A-Za-z0-9_-]+$/"]
    })
    expect(fields(await failure(tts.validate(ttsSpec("gpt-4o-mini-tts", "voice_"))))).toMatchObject({ field: "voice.tts.voice", value: "voice_" })
  })

  it("refuses an output format OpenAI does not produce", async () => {
    expect(fields(await failure(tts.validate(ttsSpec("tts-1", "alloy", undefined, "ulaw"))))).toMatchObject({
      _tag: "UnsupportedFormat",
      field: "voice.tts.output_format",
      format: "ulaw",
      allowed: ["mp3", "opus", "aac", "flac", "wav", "pcm"]
    })
  })

  it("speed between 0.25 and 4.0", async () => {
    expect(fields(await failure(tts.validate(ttsSpec("gpt-4o-mini-tts", "alloy", { speed: 4.5 }))))).toMatchObject({
      field: `${TTS_OPT}.speed`,
      value: 4.5,
      allowed: ["0.25 to 4.0"]
    })
    expect(fields(await failure(tts.validate(ttsSpec("tts-1", "alloy", { speed: 0.2 }))))).toMatchObject({ field: `${TTS_OPT}.speed`, value: 0.2 })
  })

  it("instructions only on the gpt-4o-mini-tts models", async () => {
    expect(fields(await failure(tts.validate(ttsSpec("tts-1-hd", "alloy", { instructions: "Calm and professional" }))))).toMatchObject({
      field: `${TTS_OPT}.instructions`,
      value: "Calm and professional",
      reason: "tts-1-hd takes no instructions; the gpt-4o-mini-tts models do"
    })
  })

  it("no server-sent events from tts-1", async () => {
    expect(fields(await failure(tts.validate(ttsSpec("tts-1", "alloy", { stream_format: "sse" }))))).toMatchObject({
      field: `${TTS_OPT}.stream_format`,
      value: "sse",
      allowed: ["audio"]
    })
  })

  it("refuses options of other vendors' shapes", async () => {
    expect(fields(await failure(tts.validate(ttsSpec("tts-1", "alloy", { voice_settings: { stability: 0.5 } }))))).toMatchObject({
      field: `${TTS_OPT}.voice_settings`,
      allowed: ["speed", "instructions", "stream_format"]
    })
  })
})

describe("LLM validate", () => {
  const spec = (model: string, provider_options?: Record<string, unknown>, tools?: LlmSpec["tools"]): LlmSpec => ({
    model,
    ...(provider_options === undefined ? {} : { provider_options }),
    ...(tools === undefined ? {} : { tools })
  })
  const weather = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object" } } }]

  it("accepts listed models and any OpenAI-shaped id (the catalogue is open)", async () => {
    for (const model of ["gpt-4.1", "gpt-5.2-mini", "o3-pro", "chatgpt-4o-latest", "ft:gpt-4.1-mini:acme:support:AbC123"]) {
      await accepts(llm.validate(spec(model, { temperature: 0.7, seed: 7, reasoning_effort: "low" })))
    }
    expect(llm.catalogue).toBe("open")
  })

  it("refuses an id that cannot be OpenAI's", async () => {
    expect(fields(await failure(llm.validate(spec("claude-3-opus"))))).toMatchObject({ _tag: "UnknownModel", field: "model_name", model: "claude-3-opus" })
  })

  it("checks the options' ranges at their paths", async () => {
    expect(fields(await failure(llm.validate(spec("gpt-4.1", { temperature: 3 }))))).toMatchObject({ field: "provider_options.openai.temperature", value: 3 })
    expect(fields(await failure(llm.validate(spec("gpt-4.1", { n: 2 }))))).toMatchObject({ field: "provider_options.openai.n", value: 2 })
  })

  it("tool_choice names one of the request's tools; parallel_tool_calls needs tools", async () => {
    expect(fields(await failure(llm.validate(spec("gpt-4.1", { tool_choice: { type: "function", function: { name: "get_time" } } }, weather))))).toMatchObject({
      field: "provider_options.openai.tool_choice",
      allowed: ["get_weather"]
    })
    expect(fields(await failure(llm.validate(spec("gpt-4.1", { parallel_tool_calls: false }))))).toMatchObject({
      field: "provider_options.openai.parallel_tool_calls",
      value: false
    })
    await accepts(llm.validate(spec("gpt-4.1", { tool_choice: { type: "function", function: { name: "get_weather" } }, parallel_tool_calls: false }, weather)))
  })
})

describe("image validate", () => {
  const spec = (model: string, provider_options?: Record<string, unknown>, size?: string): ImageSpec => ({
    model,
    ...(provider_options === undefined ? {} : { provider_options }),
    ...(size === undefined ? {} : { size })
  })

  it("accepts the GPT image models, their sizes and options", async () => {
    await accepts(image.validate(spec("gpt-image-1", { quality: "high", background: "transparent", output_format: "webp", output_compression: 80, n: 2 }, "1536x1024")))
    await accepts(image.validate(spec("gpt-image-1.5", undefined, "auto")))
  })

  it("refuses other models (dall-e) with the list", async () => {
    expect(fields(await failure(image.validate(spec("dall-e-3"))))).toMatchObject({
      _tag: "UnknownModel",
      field: "image_model_name",
      allowed: ["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"]
    })
  })

  it("refuses a size the models do not make", async () => {
    expect(fields(await failure(image.validate(spec("gpt-image-1", undefined, "512x512"))))).toMatchObject({ field: "size", value: "512x512", allowed: IMAGE_SIZES })
  })

  it("a transparent background and compression need a format that has them", async () => {
    expect(fields(await failure(image.validate(spec("gpt-image-1", { background: "transparent", output_format: "jpeg" }))))).toMatchObject({
      field: "provider_options.openai.background",
      value: "transparent",
      allowed: ["png", "webp"]
    })
    expect(fields(await failure(image.validate(spec("gpt-image-1", { output_compression: 50 }))))).toMatchObject({
      field: "provider_options.openai.output_compression",
      value: 50,
      allowed: ["jpeg", "webp"]
    })
    expect(fields(await failure(image.validate(spec("gpt-image-1", { quality: "hd" }))))).toMatchObject({ field: "provider_options.openai.quality", value: "hd" })
  })
})

it("validate never makes a request", () => {
  expect(fetch.log).toHaveLength(0)
})
