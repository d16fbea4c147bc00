import { expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type AudioFacts, Validation } from "../src/index.ts"
import * as Registry from "../src/ProviderRegistry.ts"
import { vendors } from "./support/catalogues.ts"

const mp3: AudioFacts = { size: 120_000, container: "mp3" }
const llm = { llm_provider: "openai", model_name: "gpt-4.1" }

const validate = (request: unknown, audio: AudioFacts | undefined = undefined, defaults: Validation.LlmDefaults = {}) =>
  Effect.gen(function*() {
    const v = vendors()
    const registry = Registry.make([v.openai, v.elevenlabs, v.router])
    const decoded = yield* Validation.decodeMessageRequest(request)
    const result = yield* Effect.result(Validation.validateMessage(registry, decoded, audio, defaults))
    return { result, calls: v.calls }
  })

const failure = (request: unknown, audio?: AudioFacts, defaults?: Validation.LlmDefaults) =>
  Effect.gen(function*() {
    const { result, calls } = yield* validate(request, audio, defaults)
    expect(calls.vendor).toEqual([])
    if (result._tag === "Success") throw new Error("expected validation to fail")
    return result.failure
  })

it.effect("the seed's full voice request passes and every stage's validate hook is called once", () =>
  Effect.gen(function*() {
    const { result, calls } = yield* validate({
      ...llm,
      voice: {
        stt: { provider: "elevenlabs", model: "scribe_v2", language: "en", provider_options: { elevenlabs: { diarize: true } } },
        tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "coral", output_format: "mp3", provider_options: { openai: { instructions: "Calm" } } }
      },
      send_to_llm: "true"
    }, mp3)
    if (result._tag === "Failure") throw result.failure
    expect(calls.vendor).toEqual([])
    expect(calls.validate.map((c) => `${c.provider}/${c.capability}`)).toEqual(["elevenlabs/stt", "openai/tts", "openai/llm"])
    expect(calls.validate[0]?.spec).toEqual({ model: "scribe_v2", language: "en", provider_options: { diarize: true }, audio: mp3 })
    expect(calls.validate[1]?.spec).toEqual({ model: "gpt-4o-mini-tts", voice: "coral", output_format: "mp3", language: undefined, provider_options: { instructions: "Calm" } })
    expect(result.success.sendToLlm).toBe(true)
    expect(result.success.tts?.[0]?.outputFormatId).toBe("mp3")
    expect(result.success.warnings).toEqual([])
  }))

it.effect("request rules: no content and no audio", () =>
  Effect.gen(function*() {
    expect(yield* failure({ ...llm })).toMatchObject({ _tag: "InvalidRequest", field: "content" })
  }))

it.effect("request rules: audio without voice.stt, and voice.stt without audio", () =>
  Effect.gen(function*() {
    expect(yield* failure({ ...llm }, mp3)).toMatchObject({ _tag: "InvalidRequest", field: "voice.stt" })
    const noAudio = yield* failure({ ...llm, content: "hi", voice: { stt: { provider: "openai", model: "whisper-1" } } })
    expect(noAudio).toMatchObject({ _tag: "InvalidRequest", field: "audio_file" })
  }))

it.effect("request rules: the LLM comes from the request, the thread, the instance, or fails on llm_provider", () =>
  Effect.gen(function*() {
    expect(yield* failure({ content: "hi" })).toMatchObject({ _tag: "InvalidRequest", field: "llm_provider" })
    const fromThread = yield* validate({ content: "hi" }, undefined, {
      thread: { provider: "router", model: "acme/thread-model" },
      instance: { provider: "openai", model: "gpt-4.1" }
    })
    if (fromThread.result._tag === "Failure") throw fromThread.result.failure
    expect(fromThread.result.success.llm?.map((r) => r.modelId)).toEqual(["acme/thread-model"])
    const fromInstance = yield* validate({ content: "hi" }, undefined, { instance: { provider: "openai", model: "gpt-4.1" } })
    if (fromInstance.result._tag === "Failure") throw fromInstance.result.failure
    expect(fromInstance.result.success.llm?.map((r) => r.modelId)).toEqual(["gpt-4.1"])
    expect(yield* failure({ content: "hi", llm_provider: "openai" })).toMatchObject({ _tag: "InvalidRequest", field: "model_name" })
  }))

it.effect("request rules: send_to_llm false needs no LLM", () =>
  Effect.gen(function*() {
    const { result } = yield* validate({ send_to_llm: "false", voice: { stt: { provider: "openai", model: "whisper-1" } } }, mp3)
    if (result._tag === "Failure") throw result.failure
    expect(result.success.llm).toBeUndefined()
    expect(result.success.sendToLlm).toBe(false)
  }))

it.effect("request rules: image_generation auto needs an image provider and model", () =>
  Effect.gen(function*() {
    expect(yield* failure({ ...llm, content: "draw", image_generation: "auto" })).toMatchObject({ _tag: "InvalidRequest", field: "image_model_provider" })
    expect(yield* failure({ ...llm, content: "draw", image_generation: "auto", image_model_provider: "openai" })).toMatchObject({
      _tag: "InvalidRequest",
      field: "image_model_name"
    })
    expect(yield* failure({ ...llm, content: "draw", image_generation: "auto", image_model_provider: "openai", image_model_name: "dall-e-9" })).toMatchObject({
      _tag: "UnknownModel",
      field: "image_model_name",
      allowed: ["gpt-image-1"]
    })
  }))

it.effect("an unknown provider or a model outside a closed catalogue names the field, value and what is allowed", () =>
  Effect.gen(function*() {
    expect(yield* failure({ ...llm, voice: { stt: { provider: "acme", model: "x" } } }, mp3)).toMatchObject({
      _tag: "UnknownProvider",
      field: "voice.stt.provider",
      provider: "acme",
      registered: ["openai", "elevenlabs"]
    })
    expect(yield* failure({ ...llm, voice: { stt: { provider: "openai", model: "whisper-2" } } }, mp3)).toMatchObject({
      _tag: "UnknownModel",
      field: "voice.stt.model",
      model: "whisper-2",
      allowed: ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"]
    })
    expect(yield* failure({ content: "hi", llm_provider: "openai", model_name: "gpt-5-turbo-max" })).toMatchObject({
      _tag: "UnknownModel",
      field: "model_name",
      allowed: ["gpt-4.1"]
    })
  }))

it.effect("an audio format the model does not take is refused, judged by the sniffed container", () =>
  Effect.gen(function*() {
    const stt = { ...llm, voice: { stt: { provider: "openai", model: "whisper-1" } } }
    expect(yield* failure(stt, { size: 1000, container: "aac" })).toMatchObject({
      _tag: "UnsupportedFormat",
      field: "audio_file",
      format: "aac",
      provider: "openai",
      model: "whisper-1",
      allowed: ["flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm"]
    })
    expect(yield* failure(stt, { size: 1000, container: undefined })).toMatchObject({ _tag: "UnsupportedFormat", format: "unrecognized audio" })
  }))

it.effect("a file over the vendor's limit is refused with the limit and the size", () =>
  Effect.gen(function*() {
    const stt = { ...llm, voice: { stt: { provider: "openai", model: "whisper-1" } } }
    expect(yield* failure(stt, { size: 26_214_401, container: "mp3" })).toMatchObject({
      _tag: "InputTooLarge",
      field: "audio_file",
      limit: 26_214_400,
      size: 26_214_401,
      provider: "openai"
    })
    const { result } = yield* validate(stt, { size: 26_214_400, container: "mp3" })
    expect(result._tag).toBe("Success")
  }))

it.effect("a language that is not ISO 639-1 is refused", () =>
  Effect.gen(function*() {
    for (const language of ["english", "eng", "EN", "en-US"]) {
      const error = yield* failure({ ...llm, voice: { stt: { provider: "openai", model: "whisper-1", language } } }, mp3)
      expect(error).toMatchObject({ _tag: "InvalidRequest", field: "voice.stt.language", value: language })
      expect(error._tag === "InvalidRequest" && error.allowed?.includes("en")).toBe(true)
    }
    expect(yield* failure({ ...llm, content: "hi", voice: { tts: { provider: "openai", model: "tts-1", voice: "alloy", language: "xx" } } })).toMatchObject({
      _tag: "InvalidRequest",
      field: "voice.tts.language",
      value: "xx"
    })
  }))

it.effect("output formats: generic and vendor names resolve; others are refused listing both kinds", () =>
  Effect.gen(function*() {
    const tts = (output_format: string) => ({
      ...llm,
      content: "hi",
      voice: { tts: { provider: "elevenlabs", model: "eleven_flash_v2_5", voice: "21m00Tcm4TlvDq8ikWAM", output_format } }
    })
    const generic = yield* validate(tts("mp3"))
    if (generic.result._tag === "Failure") throw generic.result.failure
    expect(generic.result.success.tts?.[0]?.outputFormatId).toBe("mp3_44100_128")
    const pcm = yield* validate(tts("pcm"))
    if (pcm.result._tag === "Failure") throw pcm.result.failure
    expect(pcm.result.success.tts?.[0]?.outputFormatId).toBe("pcm_16000")
    const vendorName = yield* validate(tts("mp3_22050_32"))
    if (vendorName.result._tag === "Failure") throw vendorName.result.failure
    expect(vendorName.result.success.tts?.[0]?.outputFormatId).toBe("mp3_22050_32")
    expect(yield* failure(tts("opus"))).toMatchObject({
      _tag: "UnsupportedFormat",
      field: "voice.tts.output_format",
      format: "opus",
      model: "eleven_flash_v2_5",
      allowed: ["mp3", "pcm", "ulaw", "mp3_44100_128", "mp3_22050_32", "pcm_16000", "ulaw_8000"]
    })
    expect(yield* failure(tts("wav_44100"))).toMatchObject({ _tag: "UnsupportedFormat", format: "wav_44100" })
  }))

it.effect("voices: closed lists refuse unknown names listing the voices; custom voice ids pass the pattern", () =>
  Effect.gen(function*() {
    const tts = (voice: string) => ({ ...llm, content: "hi", voice: { tts: { provider: "openai", model: "gpt-4o-mini-tts", voice } } })
    const error = yield* failure(tts("bella"))
    expect(error).toMatchObject({ _tag: "InvalidRequest", field: "voice.tts.voice", value: "bella" })
    expect(error._tag === "InvalidRequest" && error.allowed).toEqual([
      "alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse", "/^voice_[A-Za-z0-9]+$/"
    ])
    expect((yield* validate(tts("voice_abc123"))).result._tag).toBe("Success")
    const eleven = (voice: string) => ({ ...llm, content: "hi", voice: { tts: { provider: "elevenlabs", model: "eleven_flash_v2_5", voice } } })
    expect((yield* validate(eleven("pNInz6obpgDQGcFmaJgB"))).result._tag).toBe("Success")
    expect(yield* failure(eleven("not a voice id"))).toMatchObject({ _tag: "InvalidRequest", field: "voice.tts.voice" })
  }))

it.effect("fallbacks are validated too, and one on another provider must name its own voice", () =>
  Effect.gen(function*() {
    const base = { provider: "openai", model: "gpt-4o-mini-tts", voice: "coral" }
    expect(yield* failure({ ...llm, content: "hi", voice: { tts: { ...base, fallback: [{ provider: "elevenlabs", model: "eleven_flash_v2_5" }] } } })).toMatchObject({
      _tag: "InvalidRequest",
      field: "voice.tts.fallback[0].voice"
    })
    expect(yield* failure({ ...llm, content: "hi", voice: { tts: { ...base, fallback: [{ provider: "elevenlabs", model: "eleven_v9", voice: "21m00Tcm4TlvDq8ikWAM" }] } } })).toMatchObject({
      _tag: "UnknownModel",
      field: "voice.tts.fallback[0].model"
    })
    expect(yield* failure({ ...llm, content: "hi", llm_fallback: [{ provider: "router", model: "bad id" }] })).toMatchObject({
      _tag: "UnknownModel",
      field: "llm_fallback[0].model"
    })
    const ok = yield* validate({
      ...llm,
      voice: {
        stt: { provider: "openai", model: "whisper-1", fallback: [{ provider: "elevenlabs", model: "scribe_v2" }] },
        tts: { ...base, fallback: [{ provider: "elevenlabs", model: "eleven_flash_v2_5", voice: "21m00Tcm4TlvDq8ikWAM" }] }
      },
      llm_fallback: [{ provider: "router", model: "acme/backup" }]
    }, mp3)
    if (ok.result._tag === "Failure") throw ok.result.failure
    expect(ok.calls.validate.map((c) => `${c.provider}/${c.capability}`)).toEqual([
      "openai/stt",
      "elevenlabs/stt",
      "openai/tts",
      "elevenlabs/tts",
      "openai/llm",
      "router/llm"
    ])
  }))

it.effect("an adapter's own validate hook refuses malformed provider options before any request", () =>
  Effect.gen(function*() {
    const error = yield* failure({
      ...llm,
      content: "hi",
      voice: { tts: { provider: "openai", model: "tts-1", voice: "alloy", provider_options: { openai: { bogus: 1 } } } }
    })
    expect(error).toMatchObject({ _tag: "InvalidRequest", field: "provider_options.openai.bogus", provider: "openai" })
  }))

it.effect("options under another vendor's key are ignored with a warning", () =>
  Effect.gen(function*() {
    const { result } = yield* validate({
      ...llm,
      content: "hi",
      provider_options: { openai: { temperature: 0.2 }, anthropic: { top_k: 3 } },
      voice: { tts: { provider: "openai", model: "tts-1", voice: "alloy", provider_options: { elevenlabs: { seed: 1 } } } }
    })
    if (result._tag === "Failure") throw result.failure
    expect(result.success.warnings).toEqual([
      "voice.tts.provider_options.elevenlabs is ignored: the stage is served by openai",
      "provider_options.anthropic is ignored: no stage of this message is served by anthropic"
    ])
  }))

it.effect("a user tool may not take the built-in image tool's name while image_generation is auto", () =>
  Effect.gen(function*() {
    const error = yield* failure({
      ...llm,
      content: "draw",
      image_generation: "auto",
      image_model_provider: "openai",
      image_model_name: "gpt-image-1",
      tools: [{ type: "function", function: { name: "generate_image" } }]
    })
    expect(error).toMatchObject({ _tag: "InvalidRequest", field: "tools[0].function.name", value: "generate_image" })
  }))
