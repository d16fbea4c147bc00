/**
 * The OpenAI catalogue: every model the adapter serves, what it takes and what it produces.
 * The audio models, their voices and output formats are closed sets — anything else is refused
 * before a request, with the list of what is allowed. The chat models are an open family
 * (OpenAI adds models often): an id outside the list gets a syntax check, and the vendor's own
 * 404 `model_not_found` becomes `UnknownModel`.
 *
 * Sources: the OpenAI OpenAPI spec (`CreateTranscriptionRequest`, `AudioResponseFormat`,
 * `CreateSpeechRequest`, `VoiceIdsShared`, `CreateImageRequest`, `CreateEmbeddingRequest`) and, where the spec is silent,
 * OpenAI's guides (the 26,214,400-byte upload limit, 24 kHz speech, the voices of `tts-1`). The
 * realtime formats are the SDK's `RealtimeAudioFormats` (`audio/pcm` at 24 kHz only,
 * `audio/pcmu`, `audio/pcma`).
 *
 * @since 0.1.0
 */
import type { ModelInfo, OutputFormat } from "@patchbay/core"

/** The provider id, and the key its options sit under in `provider_options`. */
export const PROVIDER = "openai"

// ---------------------------------------------------------------------------------------------
// Speech to text
// ---------------------------------------------------------------------------------------------

/** The transcription models. */
export type SttModel =
  | "whisper-1"
  | "gpt-4o-transcribe"
  | "gpt-4o-mini-transcribe"
  | "gpt-4o-mini-transcribe-2025-12-15"
  | "gpt-4o-transcribe-diarize"
  | "gpt-transcribe"

/** The `response_format` values of `POST /audio/transcriptions`. */
export type TranscriptionFormat = "json" | "text" | "srt" | "verbose_json" | "vtt" | "diarized_json"

/** What one transcription model supports, from the spec's model matrix. */
export interface SttFeatures {
  /** The `response_format` values it accepts, the default first. */
  readonly responseFormats: ReadonlyArray<TranscriptionFormat>
  /** What the adapter asks for when the request names no format. */
  readonly defaultFormat: TranscriptionFormat
  /** `timestamp_granularities[]` (with `verbose_json`). */
  readonly timestamps: boolean
  /** `include[]=logprobs` (with `json`). */
  readonly logprobs: boolean
  /** `stream=true` (server-sent `transcript.text.delta` events). */
  readonly streaming: boolean
  /** `prompt`. */
  readonly prompt: boolean
  /** Speaker labels (`diarized_json`, `known_speaker_names[]`); always sent with `chunking_strategy=auto`. */
  readonly diarization: boolean
  /** `languages[]` and `keywords[]`. */
  readonly hints: boolean
}

const whisper: SttFeatures = {
  responseFormats: ["verbose_json", "json", "text", "srt", "vtt"],
  defaultFormat: "verbose_json",
  timestamps: true,
  logprobs: false,
  streaming: false,
  prompt: true,
  diarization: false,
  hints: false
}
const gpt4oTranscribe: SttFeatures = {
  responseFormats: ["json"],
  defaultFormat: "json",
  timestamps: false,
  logprobs: true,
  streaming: true,
  prompt: true,
  diarization: false,
  hints: false
}
const diarize: SttFeatures = {
  responseFormats: ["diarized_json", "json", "text"],
  defaultFormat: "diarized_json",
  timestamps: false,
  logprobs: false,
  streaming: true,
  prompt: false,
  diarization: true,
  hints: false
}
const gptTranscribe: SttFeatures = {
  responseFormats: ["json"],
  defaultFormat: "json",
  timestamps: false,
  logprobs: false,
  streaming: false,
  prompt: true,
  diarization: false,
  hints: true
}

/** The feature matrix of every transcription model. */
export const sttFeatures: Readonly<Record<SttModel, SttFeatures>> = {
  "whisper-1": whisper,
  "gpt-4o-transcribe": gpt4oTranscribe,
  "gpt-4o-mini-transcribe": gpt4oTranscribe,
  "gpt-4o-mini-transcribe-2025-12-15": gpt4oTranscribe,
  "gpt-4o-transcribe-diarize": diarize,
  "gpt-transcribe": gptTranscribe
}

/** The upload limit of `POST /audio/transcriptions`: 25 MiB, as the server's 413 prints it. */
export const MAX_UPLOAD_BYTES = 26_214_400

/**
 * The containers OpenAI transcribes (flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm), by the
 * names `Audio.sniff` gives them: m4a is mp4, mpeg and mpga are mp3.
 */
export const INPUT_FORMATS: ReadonlyArray<string> = ["flac", "mp3", "mp4", "ogg", "wav", "webm"]

/** The transcription models of realtime transcription sessions (`wss://…/v1/realtime?intent=transcription`). */
export type RealtimeSttModel = "gpt-4o-transcribe" | "gpt-4o-mini-transcribe"

/** The realtime models, in catalogue order. */
export const REALTIME_MODELS: ReadonlyArray<RealtimeSttModel> = ["gpt-4o-transcribe", "gpt-4o-mini-transcribe"]

/** Narrows a string to a realtime transcription model. */
export const isRealtimeModel = (id: string): id is RealtimeSttModel => (REALTIME_MODELS as ReadonlyArray<string>).includes(id)

/**
 * The audio a realtime session takes, by generic id: `audio/pcm` (16-bit little-endian mono at
 * 24 kHz, the only PCM rate the API accepts), `audio/pcmu` (G.711 μ-law) and `audio/pcma`
 * (G.711 A-law), both at 8 kHz.
 */
export const REALTIME_FORMATS: ReadonlyArray<string> = ["pcm_24000", "ulaw_8000", "alaw_8000"]

const stt = (id: SttModel, display_name: string): ModelInfo => {
  const features = sttFeatures[id]
  return {
    id,
    provider: PROVIDER,
    capability: "stt",
    display_name,
    streaming: features.streaming,
    input_formats: INPUT_FORMATS,
    max_input_bytes: MAX_UPLOAD_BYTES,
    ...(isRealtimeModel(id) ? { realtime: true, realtime_formats: REALTIME_FORMATS } : {}),
    diarization: features.diarization,
    word_timestamps: features.timestamps
  }
}

// ---------------------------------------------------------------------------------------------
// Text to speech
// ---------------------------------------------------------------------------------------------

/** The speech models. */
export type TtsModel = "tts-1" | "tts-1-hd" | "gpt-4o-mini-tts" | "gpt-4o-mini-tts-2025-12-15"

/** The built-in voices of every speech model. */
export type Voice =
  | "alloy"
  | "ash"
  | "ballad"
  | "coral"
  | "echo"
  | "fable"
  | "onyx"
  | "nova"
  | "sage"
  | "shimmer"
  | "verse"
  | "marin"
  | "cedar"

/** The voices `tts-1` and `tts-1-hd` speak (OpenAI's text-to-speech guide). */
export const CLASSIC_VOICES: ReadonlyArray<Voice> = ["alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer"]

/** Every built-in voice (the spec's list), spoken by the `gpt-4o-mini-tts` models. */
export const VOICES: ReadonlyArray<Voice> = [
  "alloy",
  "ash",
  "ballad",
  "coral",
  "echo",
  "fable",
  "onyx",
  "nova",
  "sage",
  "shimmer",
  "verse",
  "marin",
  "cedar"
]

/** A custom voice id (`voice_1234`); it is sent as `{ "id": "voice_1234" }`. */
export const CUSTOM_VOICE = /^voice_[A-Za-z0-9_-]+$/

/** The output formats, by the vendor's own names (which are the generic ones). */
export type OutputFormatId = "mp3" | "opus" | "aac" | "flac" | "wav" | "pcm"

/**
 * Every format is 24 kHz mono; `pcm` is headerless signed 16-bit little-endian and `opus` comes
 * in an Ogg container.
 */
export const OUTPUT_FORMATS: ReadonlyArray<OutputFormat> = [
  { id: "mp3", format: "mp3", sample_rate: 24000, channels: 1 },
  { id: "opus", format: "opus", sample_rate: 24000, channels: 1 },
  { id: "aac", format: "aac", sample_rate: 24000, channels: 1 },
  { id: "flac", format: "flac", sample_rate: 24000, channels: 1 },
  { id: "wav", format: "wav", sample_rate: 24000, channels: 1 },
  { id: "pcm", format: "pcm", sample_rate: 24000, channels: 1 }
]

/** The longest `input` one speech request takes, in characters. */
export const MAX_SPEECH_CHARACTERS = 4096

/** What one speech model supports. */
export interface TtsFeatures {
  /** `instructions` (tone, accent, pacing). */
  readonly instructions: boolean
  /** `stream_format: "sse"` (base64 audio events and token usage); else only the chunked body. */
  readonly sse: boolean
  readonly voices: ReadonlyArray<Voice>
}

/** The feature matrix of every speech model. */
export const ttsFeatures: Readonly<Record<TtsModel, TtsFeatures>> = {
  "tts-1": { instructions: false, sse: false, voices: CLASSIC_VOICES },
  "tts-1-hd": { instructions: false, sse: false, voices: CLASSIC_VOICES },
  "gpt-4o-mini-tts": { instructions: true, sse: true, voices: VOICES },
  "gpt-4o-mini-tts-2025-12-15": { instructions: true, sse: true, voices: VOICES }
}

const tts = (id: TtsModel, display_name: string): ModelInfo => ({
  id,
  provider: PROVIDER,
  capability: "tts",
  display_name,
  streaming: true,
  output_formats: OUTPUT_FORMATS,
  default_output_format: "mp3",
  voices: { catalogue: "closed", ids: ttsFeatures[id].voices, pattern: CUSTOM_VOICE.source },
  max_input_characters: MAX_SPEECH_CHARACTERS
})

// ---------------------------------------------------------------------------------------------
// Chat
// ---------------------------------------------------------------------------------------------

/** Chat models listed in the catalogue; any id matching {@link LLM_MODEL_PATTERN} is accepted too. */
export type LlmModel =
  | "gpt-4.1"
  | "gpt-4.1-mini"
  | "gpt-4.1-nano"
  | "gpt-4o"
  | "gpt-4o-mini"
  | "o3"
  | "o4-mini"

/** The syntax of OpenAI chat model ids: `gpt-…`, `o1…`/`o3…`/`o4…`, `chatgpt-…`, fine-tunes `ft:…`. */
export const LLM_MODEL_PATTERN = /^(?:gpt-[A-Za-z0-9._-]+|o\d[A-Za-z0-9._-]*|chatgpt-[A-Za-z0-9._-]+|ft:[A-Za-z0-9._:-]+)$/

const llm = (id: LlmModel, display_name: string, image_input: boolean, context_window: number): ModelInfo => ({
  id,
  provider: PROVIDER,
  capability: "llm",
  display_name,
  streaming: true,
  tools: true,
  image_input,
  context_window
})

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

/** The GPT image models (base64 output, generation and edits). */
export type ImageModel = "gpt-image-1" | "gpt-image-1-mini" | "gpt-image-1.5"

/** The sizes the GPT image models produce. */
export const IMAGE_SIZES: ReadonlyArray<string> = ["auto", "1024x1024", "1536x1024", "1024x1536"]

/** The most input images one edit takes. */
export const MAX_EDIT_IMAGES = 16

const image = (id: ImageModel, display_name: string): ModelInfo => ({
  id,
  provider: PROVIDER,
  capability: "image",
  display_name,
  image_input: true
})

// ---------------------------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------------------------

/** The embedding models. */
export type EmbeddingModel = "text-embedding-3-small" | "text-embedding-3-large" | "text-embedding-ada-002"

/** The most texts one `POST /embeddings` takes (the spec's `maxItems`). */
export const MAX_EMBEDDING_INPUTS = 2048

/** The longest text, in tokens, every embedding model takes (the spec's `input`). */
export const MAX_EMBEDDING_TOKENS = 8192

/**
 * An embedding model: its default length, and whether `dimensions` may shorten it (the
 * `text-embedding-3` models; `ada-002` gives only its own). The per-text limit is in tokens,
 * which only OpenAI counts: no character limit is claimed, and OpenAI's 400 is the refusal.
 */
const embedding = (id: EmbeddingModel, display_name: string, dimensions: number, shortens: boolean): ModelInfo => ({
  id,
  provider: PROVIDER,
  capability: "embedding",
  display_name,
  dimensions,
  ...(shortens ? { min_dimensions: 1, max_dimensions: dimensions } : {}),
  max_texts_per_call: MAX_EMBEDDING_INPUTS,
  max_input_tokens: MAX_EMBEDDING_TOKENS
})

// ---------------------------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------------------------

/** Every model of the adapter, as `ModelInfo`. */
export const models: ReadonlyArray<ModelInfo> = [
  stt("whisper-1", "Whisper"),
  stt("gpt-4o-transcribe", "GPT-4o Transcribe"),
  stt("gpt-4o-mini-transcribe", "GPT-4o mini Transcribe"),
  stt("gpt-4o-mini-transcribe-2025-12-15", "GPT-4o mini Transcribe (2025-12-15)"),
  stt("gpt-4o-transcribe-diarize", "GPT-4o Transcribe Diarize"),
  stt("gpt-transcribe", "GPT Transcribe"),
  tts("tts-1", "TTS-1"),
  tts("tts-1-hd", "TTS-1 HD"),
  tts("gpt-4o-mini-tts", "GPT-4o mini TTS"),
  tts("gpt-4o-mini-tts-2025-12-15", "GPT-4o mini TTS (2025-12-15)"),
  llm("gpt-4.1", "GPT-4.1", true, 1_047_576),
  llm("gpt-4.1-mini", "GPT-4.1 mini", true, 1_047_576),
  llm("gpt-4.1-nano", "GPT-4.1 nano", true, 1_047_576),
  llm("gpt-4o", "GPT-4o", true, 128_000),
  llm("gpt-4o-mini", "GPT-4o mini", true, 128_000),
  llm("o3", "o3", true, 200_000),
  llm("o4-mini", "o4-mini", true, 200_000),
  image("gpt-image-1", "GPT Image 1"),
  image("gpt-image-1-mini", "GPT Image 1 mini"),
  image("gpt-image-1.5", "GPT Image 1.5"),
  embedding("text-embedding-3-small", "Text Embedding 3 small", 1536, true),
  embedding("text-embedding-3-large", "Text Embedding 3 large", 3072, true),
  embedding("text-embedding-ada-002", "Text Embedding Ada 002", 1536, false)
]

/** The catalogue entries of one capability. */
export const modelsOf = (capability: ModelInfo["capability"]): ReadonlyArray<ModelInfo> =>
  models.filter((m) => m.capability === capability)

/** The ids of one capability's models. */
export const idsOf = (capability: ModelInfo["capability"]): ReadonlyArray<string> => modelsOf(capability).map((m) => m.id)

/** Narrows a string to a transcription model of the catalogue. */
export const isSttModel = (id: string): id is SttModel => Object.hasOwn(sttFeatures, id)

/** Narrows a string to a speech model of the catalogue. */
export const isTtsModel = (id: string): id is TtsModel => Object.hasOwn(ttsFeatures, id)

/** Narrows a string to an image model of the catalogue. */
export const isImageModel = (id: string): id is ImageModel => idsOf("image").includes(id)
