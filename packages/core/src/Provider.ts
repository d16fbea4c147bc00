/**
 * The provider contracts: what an adapter implements to put a vendor behind Patchbay. A
 * `PatchbayProvider` bundles up to five capabilities (STT, TTS, LLM, image, embedding) and its model
 * catalogue. Each capability has a pure `validate` hook, called before any network call by
 * the pipeline and by the conformance battery, and effectful operations that stream where the
 * vendor streams; the provider may expose `credentials`, which checks its key without a call.
 * Interrupting an operation must abort the vendor request.
 *
 * @since 0.1.0
 */
import type { Effect, Stream } from "effect"
import type { AudioInput } from "./AudioInput.ts"
import type { MissingApiKey, ProviderError, ValidationError } from "./Errors.ts"
import type { ModelInfo, Openness } from "./ModelInfo.ts"
import type { ToolCall, ToolDefinition } from "./Tools.ts"
import type { Usage } from "./Usage.ts"
import type { Segment, Speaker, Word } from "./VoiceRecords.ts"

/** What every capability shares: whether its model list is the vendor's fixed set. */
export interface CapabilityBase {
  /** `closed`: models outside the catalogue are refused before any request. */
  readonly catalogue: Openness
  /** For open catalogues: the syntax an id must have (e.g. `vendor/model`). */
  readonly modelPattern?: RegExp | undefined
}

// ---------------------------------------------------------------------------------------------
// Speech to text
// ---------------------------------------------------------------------------------------------

/** An STT request without its audio bytes: what `validate` sees. */
export interface SttSpec {
  readonly model: string
  /** ISO 639-1; absent lets the vendor detect the language. */
  readonly language?: string | undefined
  /** The options under this vendor's key in `provider_options`, not yet validated. */
  readonly provider_options?: Readonly<Record<string, unknown>> | undefined
  /** What is known of the audio before it is read: its size (when known) and sniffed container. */
  readonly audio?: AudioFacts | undefined
}

/** What is known of an audio input before it is read. */
export interface AudioFacts {
  readonly size: number | undefined
  readonly container: string | undefined
}

/** @category models */
export interface SttRequest extends SttSpec {
  readonly audio: AudioInput
}

/** An incremental piece of a transcript. */
export interface SttDelta {
  readonly type: "delta"
  readonly delta: string
}

/** A whole transcript as the vendor returned it, normalized. */
export interface Transcript {
  readonly type: "transcript"
  readonly text: string
  /** ISO 639-1, or null when the vendor did not say. */
  readonly language: string | null
  readonly language_probability?: number | undefined
  /** As the vendor reported it; the pipeline measures the audio itself for the record. */
  readonly duration_seconds?: number | undefined
  readonly words?: ReadonlyArray<Word> | undefined
  readonly segments?: ReadonlyArray<Segment> | undefined
  readonly speakers?: ReadonlyArray<Speaker> | undefined
  readonly usage: Usage
  readonly request_id?: string | undefined
  readonly warnings?: ReadonlyArray<string> | undefined
  /** The vendor's wire response body, snake_case. */
  readonly provider_output: unknown
}

/** @category models */
export interface SttProvider extends CapabilityBase {
  readonly validate: (spec: SttSpec) => Effect.Effect<void, ValidationError>
  readonly transcribe: (request: SttRequest) => Effect.Effect<Transcript, ProviderError>
  /** Present when the vendor streams transcripts; the final element is the whole `Transcript`. */
  readonly transcribeStream?: ((request: SttRequest) => Stream.Stream<SttDelta | Transcript, ProviderError>) | undefined
  /**
   * Present when the vendor transcribes live audio over a duplex connection (see
   * {@link RealtimeSttSpec}). Opens the vendor session when the stream starts, sends `input`'s
   * audio as it arrives, and emits `session_started`, then `partial` and `committed` events as
   * the vendor sends them, and a last `summary` once `input` has ended and the vendor has
   * committed what it held. Interrupting the stream closes the vendor connection.
   */
  readonly realtime?:
    | ((spec: RealtimeSttSpec, input: Stream.Stream<RealtimeSttInput>) => Stream.Stream<RealtimeSttEvent, ProviderError>)
    | undefined
  /**
   * Refuses a realtime request before connecting: provider options of the vendor's realtime API
   * (the generic checks — realtime model, audio format, language — are the pipeline's, from the
   * catalogue). Absent, the options are not checked beyond being an object.
   */
  readonly validateRealtime?: ((spec: RealtimeSttSpec) => Effect.Effect<void, ValidationError>) | undefined
}

// ---------------------------------------------------------------------------------------------
// Realtime speech to text
// ---------------------------------------------------------------------------------------------

/**
 * The audio formats a realtime session takes, by generic id: `pcm_<rate>` is 16-bit signed
 * little-endian mono PCM at that sample rate; `ulaw_8000` and `alaw_8000` are G.711 at 8 kHz.
 * Catalogue entries list the ones each realtime model accepts (`ModelInfo.realtime_formats`).
 */
export type RealtimeAudioFormat = string

/** How a realtime session decides an utterance has ended. */
export type CommitStrategy = "vad" | "manual"

/** A realtime STT session's parameters: what `validateRealtime` sees. */
export interface RealtimeSttSpec {
  readonly model: string
  /** ISO 639-1; absent lets the vendor detect the language. */
  readonly language?: string | undefined
  /** A generic id from the model's `realtime_formats` (`pcm_16000`, `ulaw_8000`, …). */
  readonly audio_format: RealtimeAudioFormat
  /** `vad`: the vendor commits when the speaker pauses; `manual`: on each {@link Commit}. */
  readonly commit: CommitStrategy
  /** Ask for per-word times on committed utterances, where the vendor gives them. */
  readonly include_timestamps?: boolean | undefined
  /** The options under this vendor's key in `provider_options`, not yet validated. */
  readonly provider_options?: Readonly<Record<string, unknown>> | undefined
}

/** Tells a realtime session that the current utterance is finished (`commit: "manual"`). */
export interface Commit {
  readonly type: "commit"
}

/** The one {@link Commit} value. */
export const Commit: Commit = { type: "commit" }

/** What a realtime session reads: audio bytes in the session's format, and commits. */
export type RealtimeSttInput = Uint8Array | Commit

/** What a realtime session emits, in order: `session_started`, partials and commits, `summary`. */
export type RealtimeSttEvent =
  | {
    readonly type: "session_started"
    /** The vendor's id of the session, when it gives one. */
    readonly session_id?: string | undefined
  }
  | {
    /** The utterance so far; each partial replaces the previous one (it is not a delta). */
    readonly type: "partial"
    readonly text: string
  }
  | {
    /** A settled utterance. */
    readonly type: "committed"
    readonly text: string
    readonly words?: ReadonlyArray<Word> | undefined
    /** ISO 639-1, when the vendor says. */
    readonly language?: string | null | undefined
  }
  | {
    /** The last event: the session is over. */
    readonly type: "summary"
    /** `audio_seconds` sent (measured from the bytes), and what the vendor reported. */
    readonly usage: Usage
    readonly session_id?: string | undefined
    readonly warnings?: ReadonlyArray<string> | undefined
    /** The vendor's session metadata, snake_case. */
    readonly provider_output: unknown
  }

// ---------------------------------------------------------------------------------------------
// Text to speech
// ---------------------------------------------------------------------------------------------

/** A TTS request without its text: what `validate` sees. */
export interface TtsSpec {
  readonly model: string
  readonly voice: string
  /** The vendor's format id, already resolved from a generic name by the pipeline, or as given. */
  readonly output_format?: string | undefined
  readonly language?: string | undefined
  readonly provider_options?: Readonly<Record<string, unknown>> | undefined
}

/** @category models */
export interface TtsRequest extends TtsSpec {
  readonly text: string
  /** Text spoken just before and after this piece, for vendors that use it for prosody. */
  readonly previous_text?: string | undefined
  readonly next_text?: string | undefined
}

/** A piece of the audio file, in order. */
export interface AudioChunk {
  readonly type: "audio"
  readonly data: Uint8Array
}

/** The last element of a synthesis stream. */
export interface SpeechSummary {
  readonly type: "summary"
  /** The vendor's id of the format produced. */
  readonly output_format: string
  readonly media_type: string
  /** Characters billed, when the vendor says; else the characters sent. */
  readonly characters: number
  readonly words?: ReadonlyArray<Word> | undefined
  readonly usage: Usage
  readonly request_id?: string | undefined
  readonly warnings?: ReadonlyArray<string> | undefined
  /** The vendor's wire response metadata (headers of interest, alignment, …), snake_case. */
  readonly provider_output: unknown
}

/** @category models */
export interface TtsProvider extends CapabilityBase {
  readonly validate: (spec: TtsSpec) => Effect.Effect<void, ValidationError>
  /** Streams audio chunks as the vendor produces them (one chunk if it cannot stream), then the summary. */
  readonly synthesize: (request: TtsRequest) => Stream.Stream<AudioChunk | SpeechSummary, ProviderError>
}

// ---------------------------------------------------------------------------------------------
// Language model
// ---------------------------------------------------------------------------------------------

/** A part of a user message: text, or an image (for models that take images). */
export type LlmContentPart =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "image"; readonly data: Uint8Array; readonly media_type: string }

/** The conversation given to an LLM. */
export type LlmMessage =
  | { readonly role: "system"; readonly content: string }
  | { readonly role: "user"; readonly content: string | ReadonlyArray<LlmContentPart> }
  | { readonly role: "assistant"; readonly content: string; readonly tool_calls?: ReadonlyArray<ToolCall> | undefined }
  | { readonly role: "tool"; readonly tool_call_id: string; readonly content: string }

/** An LLM request without anything to validate beyond the model and options. */
export interface LlmSpec {
  readonly model: string
  readonly tools?: ReadonlyArray<ToolDefinition> | undefined
  readonly provider_options?: Readonly<Record<string, unknown>> | undefined
}

/** @category models */
export interface LlmRequest extends LlmSpec {
  readonly messages: ReadonlyArray<LlmMessage>
}

/** What an LLM stream yields: text deltas, whole tool calls, media, usage, then `finish`. */
export type LlmEvent =
  | { readonly type: "text_delta"; readonly delta: string }
  | { readonly type: "tool_call"; readonly tool_call: ToolCall }
  | { readonly type: "media"; readonly data: Uint8Array; readonly media_type: string }
  | { readonly type: "usage"; readonly usage: Usage }
  | {
    readonly type: "finish"
    readonly reason: "stop" | "length" | "tool_calls" | "content_filter" | "other"
    readonly request_id?: string | undefined
    readonly warnings?: ReadonlyArray<string> | undefined
    readonly provider_output?: unknown
  }

/** @category models */
export interface LlmProvider extends CapabilityBase {
  readonly validate: (spec: LlmSpec) => Effect.Effect<void, ValidationError>
  readonly stream: (request: LlmRequest) => Stream.Stream<LlmEvent, ProviderError>
}

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

/** An image given to or produced by an image model. */
export interface ImageData {
  readonly data: Uint8Array
  readonly media_type: string
}

/** @category models */
export interface ImageSpec {
  readonly model: string
  readonly size?: string | undefined
  readonly provider_options?: Readonly<Record<string, unknown>> | undefined
}

/** An edit is a generate with input images. @category models */
export interface ImageRequest extends ImageSpec {
  readonly prompt: string
  readonly input_images?: ReadonlyArray<ImageData> | undefined
}

/** @category models */
export interface ImageResult {
  readonly images: ReadonlyArray<ImageData>
  readonly usage: Usage
  readonly revised_prompt?: string | undefined
  readonly request_id?: string | undefined
  readonly warnings?: ReadonlyArray<string> | undefined
  readonly provider_output: unknown
}

/** @category models */
export interface ImageProvider extends CapabilityBase {
  readonly validate: (spec: ImageSpec) => Effect.Effect<void, ValidationError>
  readonly generate: (request: ImageRequest) => Effect.Effect<ImageResult, ProviderError>
}

// ---------------------------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------------------------

/**
 * An embedding request: what `validate` sees is the whole request (the texts are small and
 * their emptiness and length are what it checks).
 *
 * @category models
 */
export interface EmbeddingSpec {
  readonly model: string
  /** The texts to embed, in order; one vector comes back per text. */
  readonly texts: ReadonlyArray<string>
  /** The vector length asked for; absent, the model's default (`ModelInfo.dimensions`). */
  readonly dimensions?: number | undefined
  readonly provider_options?: Readonly<Record<string, unknown>> | undefined
}

/** @category models */
export type EmbeddingRequest = EmbeddingSpec

/** The vectors of one vendor call, in the order of its texts. @category models */
export interface EmbeddingResult {
  /** One vector per text, exactly as the vendor gave its floats. */
  readonly vectors: ReadonlyArray<Float32Array>
  /** Tokens read (`input_tokens`), as the vendor reported them. */
  readonly usage: Usage
  readonly request_id?: string | undefined
  readonly warnings?: ReadonlyArray<string> | undefined
  /** The vendor's wire response body, snake_case, its vectors replaced by a note of their size. */
  readonly provider_output: unknown
}

/**
 * An embedding model. `validate` refuses an empty text, a single text over the model's limit,
 * and `dimensions` the model cannot give; a batch larger than one call takes is not the hook's
 * business (`Stages.embed` splits it by `ModelInfo.max_texts_per_call`). `embed` is one vendor
 * call.
 *
 * @category models
 */
export interface EmbeddingProvider extends CapabilityBase {
  readonly validate: (spec: EmbeddingSpec) => Effect.Effect<void, ValidationError>
  readonly embed: (request: EmbeddingRequest) => Effect.Effect<EmbeddingResult, ProviderError>
}

// ---------------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------------

/**
 * What every adapter factory returns: an id, the model catalogue, and the capabilities it
 * implements.
 *
 * @example
 * ```ts
 * const provider: PatchbayProvider = { id: "acme", models: [], stt: acmeStt }
 * ```
 * @category models
 */
export interface PatchbayProvider {
  readonly id: string
  readonly models: ReadonlyArray<ModelInfo>
  readonly stt?: SttProvider | undefined
  readonly tts?: TtsProvider | undefined
  readonly llm?: LlmProvider | undefined
  readonly image?: ImageProvider | undefined
  readonly embedding?: EmbeddingProvider | undefined
  /**
   * Succeeds when the provider has what it needs to call its vendor (its API key); makes no
   * network call. The pipeline runs it for every provider a request calls first, before any
   * vendor call, so one `MissingApiKey` names every vendor whose key is missing. A provider
   * without it (one that needs no key) is not checked.
   */
  readonly credentials?: Effect.Effect<void, MissingApiKey> | undefined
}

/** The capability interfaces by name. */
export interface Capabilities {
  readonly stt: SttProvider
  readonly tts: TtsProvider
  readonly llm: LlmProvider
  readonly image: ImageProvider
  readonly embedding: EmbeddingProvider
}
