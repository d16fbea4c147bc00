/**
 * Small providers with catalogues shaped like real vendors', for validation tests. Their
 * operations record calls and fail, so a test can prove that nothing reached a vendor.
 */
import { Effect, Stream } from "effect"
import { InvalidRequest, ProviderUnavailable, type ModelInfo, type PatchbayProvider, type ValidationError } from "../../src/index.ts"

export interface Calls {
  readonly validate: Array<{ readonly provider: string; readonly capability: string; readonly spec: unknown }>
  readonly vendor: Array<string>
}

const openAiVoices = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"]
const openAiAudio = ["flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm"]
const openAiFormats = ["mp3", "opus", "aac", "flac", "wav", "pcm"] as const

const openAiModels: ReadonlyArray<ModelInfo> = [
  ...["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"].map((id): ModelInfo => ({
    id,
    provider: "openai",
    capability: "stt",
    input_formats: openAiAudio,
    max_input_bytes: 26_214_400
  })),
  ...["tts-1", "gpt-4o-mini-tts"].map((id): ModelInfo => ({
    id,
    provider: "openai",
    capability: "tts",
    streaming: true,
    output_formats: openAiFormats.map((f) => ({ id: f, format: f })),
    default_output_format: "mp3",
    voices: { catalogue: "closed", ids: openAiVoices, pattern: "^voice_[A-Za-z0-9]+$" }
  })),
  { id: "gpt-4.1", provider: "openai", capability: "llm", streaming: true, tools: true },
  { id: "gpt-image-1", provider: "openai", capability: "image", image_input: true }
]

const elevenModels: ReadonlyArray<ModelInfo> = [
  { id: "scribe_v2", provider: "elevenlabs", capability: "stt", input_formats: ["wav", "mp3", "ogg", "flac", "webm", "mp4", "aac"], max_input_bytes: 4_999_999_999 },
  {
    id: "eleven_flash_v2_5",
    provider: "elevenlabs",
    capability: "tts",
    streaming: true,
    output_formats: [
      { id: "mp3_44100_128", format: "mp3", sample_rate: 44100, bitrate: 128 },
      { id: "mp3_22050_32", format: "mp3", sample_rate: 22050, bitrate: 32 },
      { id: "pcm_16000", format: "pcm", sample_rate: 16000 },
      { id: "ulaw_8000", format: "ulaw", sample_rate: 8000 }
    ],
    default_output_format: "mp3_44100_128",
    voices: { catalogue: "open", ids: ["21m00Tcm4TlvDq8ikWAM"], pattern: "^[A-Za-z0-9]{20}$" }
  }
]

const refuse = (calls: Calls, provider: string, capability: string) => (spec: unknown): Effect.Effect<void, ValidationError> =>
  Effect.suspend(() => {
    calls.validate.push({ provider, capability, spec })
    const options = (spec as { provider_options?: Record<string, unknown> }).provider_options
    if (options !== undefined && "bogus" in options) {
      return Effect.fail(new InvalidRequest({ provider, field: `provider_options.${provider}.bogus`, reason: "unknown option" }))
    }
    return Effect.void
  })

const vendor = (calls: Calls, name: string) =>
  Effect.suspend(() => {
    calls.vendor.push(name)
    return Effect.fail(new ProviderUnavailable({ provider: name, detail: "test providers never answer" }))
  })

const build = (id: string, models: ReadonlyArray<ModelInfo>, calls: Calls, catalogue: "open" | "closed"): PatchbayProvider => ({
  id,
  models,
  stt: { catalogue: "closed", validate: refuse(calls, id, "stt"), transcribe: () => vendor(calls, id) },
  tts: { catalogue: "closed", validate: refuse(calls, id, "tts"), synthesize: () => Stream.fromEffect(vendor(calls, id)) },
  ...(models.some((m) => m.capability === "llm")
    ? {
      llm: { catalogue, validate: refuse(calls, id, "llm"), stream: () => Stream.fromEffect(vendor(calls, id)) },
      image: { catalogue, validate: refuse(calls, id, "image"), generate: () => vendor(calls, id) }
    }
    : {})
})

/** An OpenAI-shaped and an ElevenLabs-shaped provider sharing one call log. */
export const vendors = () => {
  const calls: Calls = { validate: [], vendor: [] }
  return {
    calls,
    openai: build("openai", openAiModels, calls, "closed"),
    elevenlabs: build("elevenlabs", elevenModels, calls, "closed"),
    /** An open-catalogue LLM provider, like OpenRouter: `vendor/model` ids. */
    router: {
      id: "router",
      models: [{ id: "acme/known-model", provider: "router", capability: "llm" }],
      llm: {
        catalogue: "open",
        modelPattern: /^[a-z0-9-]+\/[A-Za-z0-9._:-]+$/,
        validate: refuse(calls, "router", "llm"),
        stream: () => Stream.fromEffect(vendor(calls, "router"))
      }
    } satisfies PatchbayProvider
  }
}
