/**
 * The options each capability takes under `provider_options.openai`, with OpenAI's own
 * snake_case names, exactly as they go on the wire. These schemas check each option's shape;
 * the rules that depend on the model (`verbose_json` and timestamps only on `whisper-1`, no
 * `prompt` on the diarize model, `instructions` only on `gpt-4o-mini-tts`, …) live in each
 * capability's `validate` hook. An option name that is not listed here is refused, so a typo
 * never silently drops an option.
 *
 * @example
 * ```ts
 * voice: {
 *   stt: { provider: "openai", model: "whisper-1",
 *          provider_options: { openai: { response_format: "verbose_json", timestamp_granularities: ["word", "segment"] } } },
 *   tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "coral",
 *          provider_options: { openai: { instructions: "Calm and professional", speed: 1.1 } } }
 * }
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const Text = Schema.String
const Finite = Schema.Number.check(Schema.isFinite())
const Int = Schema.Number.check(Schema.isInt())

// ---------------------------------------------------------------------------------------------
// Speech to text
// ---------------------------------------------------------------------------------------------

/** `chunking_strategy` as a server-VAD object; sent as `chunking_strategy[type]=server_vad`, … */
export const ServerVad = Schema.Struct({
  type: Schema.Literal("server_vad"),
  prefix_padding_ms: Schema.optionalKey(Int.check(Schema.isGreaterThanOrEqualTo(0))),
  silence_duration_ms: Schema.optionalKey(Int.check(Schema.isGreaterThanOrEqualTo(0))),
  threshold: Schema.optionalKey(Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })))
})

/** Transcription options (`POST /audio/transcriptions`). */
export const SttOptions = Schema.Struct({
  /** `json`, `text`, `srt`, `verbose_json`, `vtt` or `diarized_json`; which ones depends on the model. */
  response_format: Schema.optionalKey(Schema.Literals(["json", "text", "srt", "verbose_json", "vtt", "diarized_json"])),
  /** `word` and/or `segment` timings; `whisper-1` with `verbose_json` only. Sent as `timestamp_granularities[]`. */
  timestamp_granularities: Schema.optionalKey(Schema.Array(Schema.Literals(["word", "segment"])).check(Schema.isMinLength(1))),
  /** Sampling temperature, 0 to 1. */
  temperature: Schema.optionalKey(Finite),
  /** Text to guide the style or continue a previous segment; not on `gpt-4o-transcribe-diarize`. */
  prompt: Schema.optionalKey(Text),
  /** `["logprobs"]`: token log probabilities (`json` on the gpt-4o transcribe models). Sent as `include[]`. */
  include: Schema.optionalKey(Schema.Array(Schema.Literal("logprobs"))),
  /** `"auto"` or a server-VAD object; the diarize model always uses `"auto"`. */
  chunking_strategy: Schema.optionalKey(Schema.Union([Schema.Literal("auto"), ServerVad])),
  /** Up to 4 speaker names for the diarize model, paired with `known_speaker_references`. */
  known_speaker_names: Schema.optionalKey(Schema.Array(Text).check(Schema.isMaxLength(4))),
  /** Up to 4 audio samples (`data:audio/…;base64,…` URLs, 2 to 10 s each), one per known speaker. */
  known_speaker_references: Schema.optionalKey(
    Schema.Array(Text.check(Schema.isPattern(/^data:audio\/[A-Za-z0-9.+-]+;base64,/))).check(Schema.isMaxLength(4))
  ),
  /** Candidate languages (ISO 639-1); `gpt-transcribe` only. Sent as `languages[]`. */
  languages: Schema.optionalKey(Schema.Array(Text).check(Schema.isMinLength(1))),
  /** Words or phrases to bias recognition; `gpt-transcribe` only. Sent as `keywords[]`. */
  keywords: Schema.optionalKey(Schema.Array(Text))
})
export type SttOptions = typeof SttOptions.Type

/** `turn_detection` as semantic VAD: a turn-detection model decides when the speaker is done. */
export const SemanticVad = Schema.Struct({
  type: Schema.Literal("semantic_vad"),
  /** How soon it commits: `low` waits longer, `high` commits sooner; `auto` is `medium`. */
  eagerness: Schema.optionalKey(Schema.Literals(["low", "medium", "high", "auto"]))
})

/**
 * Realtime transcription options (a transcription session's `session.update`), for
 * `commit: "vad"` sessions' turn detection and for the transcription itself. The model,
 * language and audio format are the session's own fields.
 */
export const RealtimeSttOptions = Schema.Struct({
  /** Server VAD (`threshold`, `prefix_padding_ms`, `silence_duration_ms`) or semantic VAD; `commit: "vad"` only. */
  turn_detection: Schema.optionalKey(Schema.Union([ServerVad, SemanticVad])),
  /** Filters the audio before VAD and the model: `near_field` (headsets) or `far_field` (laptops, rooms). */
  noise_reduction: Schema.optionalKey(Schema.Literals(["near_field", "far_field"])),
  /** Text to guide the transcription's style or vocabulary. */
  prompt: Schema.optionalKey(Text),
  /** `["item.input_audio_transcription.logprobs"]`: token log probabilities, kept in the summary's `provider_output`. */
  include: Schema.optionalKey(Schema.Array(Schema.Literal("item.input_audio_transcription.logprobs")))
})
export type RealtimeSttOptions = typeof RealtimeSttOptions.Type

// ---------------------------------------------------------------------------------------------
// Text to speech
// ---------------------------------------------------------------------------------------------

/** Speech options (`POST /audio/speech`). The voice, model and format are the request's own fields. */
export const TtsOptions = Schema.Struct({
  /** 0.25 to 4.0; 1.0 is the default. */
  speed: Schema.optionalKey(Finite),
  /** How to speak (tone, accent, pacing), at most 4096 characters; `gpt-4o-mini-tts` models only. */
  instructions: Schema.optionalKey(Text),
  /**
   * `sse` (base64 audio events, then token usage) or `audio` (the chunked body). Default: `sse`
   * where the model supports it (`gpt-4o-mini-tts`), else `audio`.
   */
  stream_format: Schema.optionalKey(Schema.Literals(["sse", "audio"]))
})
export type TtsOptions = typeof TtsOptions.Type

// ---------------------------------------------------------------------------------------------
// Chat
// ---------------------------------------------------------------------------------------------

const ToolChoice = Schema.Union([
  Schema.Literals(["none", "auto", "required"]),
  Schema.Struct({ type: Schema.Literal("function"), function: Schema.Struct({ name: Text }) })
])

/** Chat options (`POST /chat/completions`). */
export const LlmOptions = Schema.Struct({
  temperature: Schema.optionalKey(Finite.check(Schema.isBetween({ minimum: 0, maximum: 2 }))),
  top_p: Schema.optionalKey(Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  /** The most tokens the reply may use (reasoning included). */
  max_completion_tokens: Schema.optionalKey(Int.check(Schema.isGreaterThanOrEqualTo(1))),
  frequency_penalty: Schema.optionalKey(Finite.check(Schema.isBetween({ minimum: -2, maximum: 2 }))),
  presence_penalty: Schema.optionalKey(Finite.check(Schema.isBetween({ minimum: -2, maximum: 2 }))),
  seed: Schema.optionalKey(Int),
  stop: Schema.optionalKey(Schema.Union([Text, Schema.Array(Text).check(Schema.isMaxLength(4))])),
  /** Reasoning models (`o3`, `o4-mini`, …). */
  reasoning_effort: Schema.optionalKey(Schema.Literals(["none", "minimal", "low", "medium", "high", "xhigh"])),
  /** `{ type: "json_object" }` or `{ type: "json_schema", json_schema: { name, schema, strict? } }`. */
  response_format: Schema.optionalKey(Schema.Union([
    Schema.Struct({ type: Schema.Literals(["text", "json_object"]) }),
    Schema.Struct({
      type: Schema.Literal("json_schema"),
      json_schema: Schema.Struct({
        name: Text,
        description: Schema.optionalKey(Text),
        schema: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
        strict: Schema.optionalKey(Schema.Boolean)
      })
    })
  ])),
  tool_choice: Schema.optionalKey(ToolChoice),
  parallel_tool_calls: Schema.optionalKey(Schema.Boolean),
  service_tier: Schema.optionalKey(Schema.Literals(["auto", "default", "flex", "scale", "priority"])),
  store: Schema.optionalKey(Schema.Boolean),
  metadata: Schema.optionalKey(Schema.Record(Schema.String, Text)),
  user: Schema.optionalKey(Text),
  safety_identifier: Schema.optionalKey(Text),
  prompt_cache_key: Schema.optionalKey(Text),
  logit_bias: Schema.optionalKey(Schema.Record(Schema.String, Finite))
})
export type LlmOptions = typeof LlmOptions.Type

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

/** Image options (`POST /images/generations` and `POST /images/edits`). The size is the request's own. */
export const ImageOptions = Schema.Struct({
  /** How many images, 1 to 10. */
  n: Schema.optionalKey(Int.check(Schema.isBetween({ minimum: 1, maximum: 10 }))),
  quality: Schema.optionalKey(Schema.Literals(["low", "medium", "high", "auto"])),
  /** `transparent` needs `output_format` png or webp. */
  background: Schema.optionalKey(Schema.Literals(["transparent", "opaque", "auto"])),
  output_format: Schema.optionalKey(Schema.Literals(["png", "jpeg", "webp"])),
  /** 0 to 100, with `output_format` jpeg or webp. */
  output_compression: Schema.optionalKey(Int.check(Schema.isBetween({ minimum: 0, maximum: 100 }))),
  /** Generation only. */
  moderation: Schema.optionalKey(Schema.Literals(["low", "auto"])),
  /** Edits only: how closely the output keeps the input images' features. */
  input_fidelity: Schema.optionalKey(Schema.Literals(["high", "low"])),
  user: Schema.optionalKey(Text)
})
export type ImageOptions = typeof ImageOptions.Type

// ---------------------------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------------------------

/**
 * Embedding options (`POST /embeddings`). The texts and `dimensions` are the request's own;
 * `encoding_format` is always `base64` (the adapter decodes the floats).
 */
export const EmbeddingOptions = Schema.Struct({
  user: Schema.optionalKey(Text)
})
export type EmbeddingOptions = typeof EmbeddingOptions.Type
