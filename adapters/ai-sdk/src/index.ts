/**
 * @patchbay/ai-sdk — the bridge: any Vercel AI SDK model (provider specification V4) becomes
 * a Patchbay capability, so every vendor the AI SDK supports works in the pipeline unchanged.
 * Language models serve the LLM, transcription models STT, speech models TTS, image models
 * (or language models that answer with images) the image tool, and embedding models embeddings. Models are called through
 * their own `do*` methods — never the `ai` helpers, which retry — with the caller's abort
 * signal, and their errors, warnings and usage become Patchbay's.
 *
 * @example
 * ```ts
 * import { anthropic } from "@ai-sdk/anthropic"
 * import { fromAiSdk } from "@patchbay/ai-sdk"
 * import { createPatchbay } from "@patchbay/core"
 *
 * const pb = createPatchbay({
 *   providers: [fromAiSdk({ id: "anthropic", models: { llm: { "claude-sonnet-4-5": anthropic("claude-sonnet-4-5") } } })]
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type InvalidRequest, type PatchbayProvider, ProviderRegistry } from "@patchbay/core"
import type { Layer } from "effect"
import * as Chat from "./Chat.ts"
import * as Embedding from "./Embedding.ts"
import * as Image from "./Image.ts"
import { makeModels } from "./internal/Models.ts"
import type { AiSdkOptions, EmbeddingModel, ImageCapableModel, ImageModel, LanguageModel, SpeechModel, TranscriptionModel } from "./Options.ts"
import * as Speech from "./Speech.ts"
import * as Transcription from "./Transcription.ts"

export type {
  AiSdkModels,
  AiSdkOptions,
  AiSdkSettings,
  EmbeddingCallSettings,
  EmbeddingModel,
  ImageCallSettings,
  ImageCapableModel,
  ImageModel,
  LanguageModel,
  Lazy,
  Lenient,
  LlmCallSettings,
  ModelDetails,
  ModelSource,
  SettingsContext,
  SettingsHook,
  SpeechModel,
  SttCallSettings,
  TranscriptionModel,
  TtsCallSettings,
  UsageSource
} from "./Options.ts"
export { defaultImageSettings, defaultSttSettings, passThrough } from "./Options.ts"
export * as Wire from "./Wire.ts"

/**
 * Builds a Patchbay provider over AI SDK models. Never throws for a missing key (models read
 * theirs when called; a lazy model factory may fail with `MissingApiKey` on first use); throws
 * only for a catalogue entry that names no model of a closed source, a programming error.
 *
 * @example
 * ```ts
 * const provider = fromAiSdk({
 *   id: "groq",
 *   models: {
 *     llm: (modelId) => groq(modelId),                         // open: any id
 *     stt: { "whisper-large-v3": groq.transcription("whisper-large-v3") }
 *   },
 *   catalogue: [{ id: "whisper-large-v3", capability: "stt", max_input_bytes: 26_214_400 }]
 * })
 * ```
 * @category constructors
 */
export const fromAiSdk = (options: AiSdkOptions): PatchbayProvider => {
  const { llm, stt, tts, image, embedding } = options.models
  const llmModels = llm === undefined
    ? undefined
    : makeModels<LanguageModel>(options, "llm", llm, () => ({ streaming: true }))
  const sttModels = stt === undefined
    ? undefined
    : makeModels<TranscriptionModel>(options, "stt", stt, (model) => ({ streaming: Transcription.streams(model) }))
  const ttsModels = tts === undefined
    ? undefined
    : makeModels<SpeechModel>(options, "tts", tts, (model) => ({ streaming: Speech.streams(model) }))
  const imageModels = image === undefined
    ? undefined
    : makeModels<ImageCapableModel>(options, "image", image, (model) =>
      Image.isLanguageModel(model)
        ? { image_input: true }
        : typeof (model as ImageModel).supportsFileInputs === "boolean"
        ? { image_input: (model as ImageModel).supportsFileInputs as boolean }
        : {})
  const embeddingModels = embedding === undefined
    ? undefined
    : makeModels<EmbeddingModel>(options, "embedding", embedding, (model) => {
      const limit = Embedding.statedLimit(model)
      return limit === undefined ? {} : { max_texts_per_call: limit }
    })
  return {
    id: options.id,
    models: [
      ...(sttModels?.entries ?? []),
      ...(ttsModels?.entries ?? []),
      ...(llmModels?.entries ?? []),
      ...(imageModels?.entries ?? []),
      ...(embeddingModels?.entries ?? [])
    ],
    ...(sttModels === undefined ? {} : { stt: Transcription.make(options, sttModels) }),
    ...(ttsModels === undefined ? {} : { tts: Speech.make(options, ttsModels) }),
    ...(llmModels === undefined ? {} : { llm: Chat.make(options, llmModels) }),
    ...(imageModels === undefined ? {} : { image: Image.make(options, imageModels) }),
    ...(embeddingModels === undefined ? {} : { embedding: Embedding.make(options, embeddingModels) })
  }
}

/**
 * A layer that adds the bridged provider to the `ProviderRegistry` in context, for Effect users.
 *
 * @example
 * ```ts
 * const providers = layer({ id: "mistral", models: { llm: { "mistral-large-latest": mistral("mistral-large-latest") } } })
 *   .pipe(Layer.provideMerge(ProviderRegistry.layer()))
 * ```
 * @category layers
 */
export const layer = (options: AiSdkOptions): Layer.Layer<never, InvalidRequest, ProviderRegistry> =>
  ProviderRegistry.register(fromAiSdk(options))

export { Chat, Embedding, Image, Speech, Transcription }
