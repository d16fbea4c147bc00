/**
 * The options of `fromAiSdk`: which AI SDK models serve which Patchbay capability, what the
 * catalogue says about them, and how a request's `provider_options` become the AI SDK call's
 * settings. Every hook has a default, so `fromAiSdk({ id, models })` is a complete provider.
 *
 * @since 0.1.0
 */
import type {
  EmbeddingModelV4,
  EmbeddingModelV4CallOptions,
  ImageModelV4,
  JSONObject,
  SharedV4ProviderOptions,
  ImageModelV4CallOptions,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  SpeechModelV4,
  SpeechModelV4CallOptions,
  TranscriptionModelV4,
  TranscriptionModelV4CallOptions
} from "@ai-sdk/provider"
import {
  type Capability,
  type EmbeddingSpec,
  type HttpFailure,
  type ImageSpec,
  InvalidRequest,
  type LlmSpec,
  type ModelInfo,
  type ProviderError,
  type SttSpec,
  type TtsSpec,
  type ValidationError
} from "@patchbay/core"
import { Effect } from "effect"

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T]

/**
 * An AI SDK model type whose optional members may also be `undefined`, as the SDK's own mock
 * models declare them; so both real and mock models are accepted under
 * `exactOptionalPropertyTypes`.
 */
export type Lenient<T> = Omit<T, OptionalKeys<T>> & { readonly [K in OptionalKeys<T>]?: T[K] | undefined }

/** A language model (specification V4). */
export type LanguageModel = Lenient<LanguageModelV4>
/** A transcription model (specification V4); one with `doStream` streams. */
export type TranscriptionModel = Lenient<TranscriptionModelV4>
/** A speech model (specification V4); one with the experimental `doStream` streams. */
export type SpeechModel = Lenient<SpeechModelV4>
/** An image model (specification V4). */
export type ImageModel = Lenient<ImageModelV4>
/** An AI SDK embedding model (`openai.embedding("text-embedding-3-small")`, `cohere.embedding(…)`, …). */
export type EmbeddingModel = Lenient<EmbeddingModelV4>

/** A model, or an Effect that makes it on first use (e.g. after reading an API key lazily). */
export type Lazy<M> = M | Effect.Effect<M, ProviderError>

/**
 * Where the models of one capability come from.
 *
 * - A record `{ [modelId]: model }` is a **closed** catalogue: exactly these ids, anything
 *   else is `UnknownModel` before any call.
 * - A function `(modelId) => model` is an **open** catalogue: any id matching the capability's
 *   pattern (see {@link AiSdkOptions.modelPatterns}) is handed to it when a call is made,
 *   never during `validate`. It may return an Effect, to read a key lazily.
 */
export type ModelSource<M> = Readonly<Record<string, M>> | ((modelId: string) => Lazy<M>)

/**
 * An image model: an AI SDK `ImageModelV4`, or a language model that answers with image
 * files (Gemini image models, OpenRouter's image-capable chat models).
 */
export type ImageCapableModel = ImageModel | LanguageModel

/** The AI SDK models behind each capability; give only the capabilities you serve. */
export interface AiSdkModels {
  readonly llm?: ModelSource<LanguageModel> | undefined
  /** Models with a `doStream` stream transcripts (feature detection, per model). */
  readonly stt?: ModelSource<TranscriptionModel> | undefined
  /** Models that implement the experimental streaming-speech `doStream` stream audio; others give one chunk. */
  readonly tts?: ModelSource<SpeechModel> | undefined
  readonly image?: ModelSource<ImageCapableModel> | undefined
  /**
   * Embedding models. A model's `maxEmbeddingsPerCall`, when it states a number, becomes the
   * catalogue's `max_texts_per_call` (so `Stages.embed` splits batches); one stated as a promise
   * is read at call time and the call split there.
   */
  readonly embedding?: ModelSource<EmbeddingModel> | undefined
}

/** A catalogue entry without the provider id, which `fromAiSdk` fills in. */
export type ModelDetails = Omit<ModelInfo, "provider">

/** What the LLM call's settings may set: everything but the prompt, the tools and the signal. */
export type LlmCallSettings = Partial<Omit<LanguageModelV4CallOptions, "prompt" | "tools" | "abortSignal">>
/** What the transcription call's settings may set. */
export type SttCallSettings = Partial<Omit<TranscriptionModelV4CallOptions, "audio" | "mediaType" | "abortSignal">>
/** What the speech call's settings may set (the voice and format come from the request unless set here). */
export type TtsCallSettings = Partial<Omit<SpeechModelV4CallOptions, "text" | "abortSignal">>
/**
 * What the image call's settings may set. For a language model answering with images, only
 * `providerOptions`, `seed` and `headers` apply; `size` and `aspectRatio` are reported as
 * unsupported warnings unless the hook moves them into `providerOptions`.
 */
export type ImageCallSettings = Partial<Pick<ImageModelV4CallOptions, "providerOptions" | "n" | "size" | "aspectRatio" | "seed" | "headers">>

/** What the embedding call's settings may set (the texts and `dimensions` are the request's own). */
export type EmbeddingCallSettings = Partial<Pick<EmbeddingModelV4CallOptions, "providerOptions" | "headers">>

/** What a settings hook knows besides the spec: the key the AI SDK model reads its options under. */
export interface SettingsContext {
  /** The provider-options key of the AI SDK provider (`openai`, `anthropic`, `openrouter`, …). */
  readonly key: string
  /** The request field the options came from, for errors (`provider_options.openrouter`). */
  readonly field: string
}

/**
 * Turns a validated spec (its `provider_options` are the options under this provider's key)
 * into the AI SDK call's settings. Pure: `validate` runs it too, so a bad option fails before
 * any call, as `InvalidRequest` naming `context.field`.
 */
export type SettingsHook<Spec, Settings> = (spec: Spec, context: SettingsContext) => Effect.Effect<Settings, ValidationError>

/** The settings hooks, per capability. */
export interface AiSdkSettings {
  readonly llm?: SettingsHook<LlmSpec, LlmCallSettings> | undefined
  readonly stt?: SettingsHook<SttSpec, SttCallSettings> | undefined
  readonly tts?: SettingsHook<TtsSpec, TtsCallSettings> | undefined
  readonly image?: SettingsHook<ImageSpec, ImageCallSettings> | undefined
  readonly embedding?: SettingsHook<EmbeddingSpec, EmbeddingCallSettings> | undefined
}

/** What a usage hook sees at the end of a call, to add what the standard usage lacks (e.g. cost). */
export interface UsageSource {
  readonly capability: Capability
  /** The AI SDK's provider metadata of the call (its finish part's, for streams). */
  readonly providerMetadata: Readonly<Record<string, unknown>> | undefined
  /** The vendor's raw usage object, when the AI SDK passes it on. */
  readonly raw: unknown
}

/**
 * The options of {@link fromAiSdk}.
 *
 * @example
 * ```ts
 * import { openai } from "@ai-sdk/openai"
 * const provider = fromAiSdk({
 *   id: "openai-sdk",
 *   models: { llm: { "gpt-4.1": openai("gpt-4.1") }, stt: { "whisper-1": openai.transcription("whisper-1") } },
 *   catalogue: [{ id: "whisper-1", capability: "stt", max_input_bytes: 26_214_400 }]
 * })
 * ```
 */
export interface AiSdkOptions {
  /** The Patchbay provider id, e.g. `"anthropic"`; also the key of its `provider_options`. */
  readonly id: string
  readonly models: AiSdkModels
  /**
   * Catalogue entries merged over what the bridge derives from the models (capability,
   * streaming). For a closed source each entry must name one of its models; for an open source
   * they are the listed examples.
   */
  readonly catalogue?: ReadonlyArray<ModelDetails> | undefined
  /** The syntax of model ids for open sources; any non-blank id when absent. */
  readonly modelPatterns?: Partial<Record<Capability, RegExp>> | undefined
  /**
   * The key the AI SDK models read `providerOptions` under. Default: the first segment of the
   * model's `provider` (`openai.chat` → `openai`).
   */
  readonly providerOptionsKey?: string | undefined
  /** How `provider_options` become call settings; default: passed through under the key. */
  readonly settings?: AiSdkSettings | undefined
  /**
   * Reads a vendor's own error shape (an error part of a stream, an `APICallError`'s body) the
   * generic mapping does not understand. Return `undefined` to fall back to it.
   */
  readonly errors?: ((error: unknown) => HttpFailure | ProviderError | undefined) | undefined
  /** Adds vendor usage the AI SDK only passes in provider metadata (e.g. a cost). */
  readonly usage?: ((source: UsageSource) => { readonly cost_usd?: number | undefined }) | undefined
}

/** Provider options must be an object of JSON values; the AI SDK model validates their content. */
const isOptionsObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * The default settings: the options under this provider's key go to the AI SDK model,
 * unchanged, under its own key. The model validates them when called; a refusal is
 * `InvalidRequest` naming the options' field.
 */
export const passThrough = <Spec extends { readonly provider_options?: Readonly<Record<string, unknown>> | undefined }>(
  spec: Spec,
  context: SettingsContext
): Effect.Effect<{ readonly providerOptions?: SharedV4ProviderOptions }, InvalidRequest> => {
  const options = spec.provider_options
  if (options === undefined) return Effect.succeed({})
  if (!isOptionsObject(options)) {
    return Effect.fail(new InvalidRequest({ field: context.field, value: options, reason: "expected an object of options" }))
  }
  return Effect.succeed({ providerOptions: { [context.key]: options as JSONObject } })
}

/**
 * The default STT settings: the options pass through under the key, with the request's
 * `language` added as `language` (the name OpenAI, Groq and Deepgram models read; the AI SDK's
 * transcription call has no language field). A model that names it otherwise needs a hook.
 */
export const defaultSttSettings = (spec: SttSpec, context: SettingsContext): Effect.Effect<SttCallSettings, InvalidRequest> =>
  Effect.map(passThrough(spec, context), (settings) =>
    spec.language === undefined
      ? settings
      : { providerOptions: { [context.key]: { language: spec.language, ...settings.providerOptions?.[context.key] } } })

const pixelSize = /^([1-9]\d{0,4})x([1-9]\d{0,4})$/
const aspectRatio = /^([1-9]\d{0,2}):([1-9]\d{0,2})$/

/**
 * The default image settings: the options pass through under the key; `size` is a pixel size
 * (`1024x1024`) or an aspect ratio (`16:9`), anything else is `InvalidRequest` naming `size`.
 */
export const defaultImageSettings = (spec: ImageSpec, context: SettingsContext): Effect.Effect<ImageCallSettings, InvalidRequest> =>
  Effect.flatMap(passThrough(spec, context), (settings) => {
    const size = spec.size
    if (size === undefined) return Effect.succeed(settings)
    if (pixelSize.test(size)) return Effect.succeed({ ...settings, size: size as `${number}x${number}` })
    if (aspectRatio.test(size)) return Effect.succeed({ ...settings, aspectRatio: size as `${number}:${number}` })
    return Effect.fail(new InvalidRequest({ field: "size", value: size, reason: "expected a pixel size such as \"1024x1024\" or an aspect ratio such as \"16:9\"" }))
  })
