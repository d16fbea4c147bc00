/**
 * The options each capability takes under `provider_options.elevenlabs`, with the vendor's own
 * snake_case names exactly as they go on the wire, and their ranges from the spec. Rules that
 * depend on the model or on another option (`keyterms` only on scribe_v2, `diarization_threshold`
 * only with `diarize`) live in the capabilities' `validate` hooks.
 *
 * @example
 * ```ts
 * const voice = {
 *   stt: { provider: "elevenlabs", model: "scribe_v2", language: "en",
 *          provider_options: { elevenlabs: { diarize: true, timestamps_granularity: "word", keyterms: ["Patchbay"] } } },
 *   tts: { provider: "elevenlabs", model: "eleven_flash_v2_5", voice: "21m00Tcm4TlvDq8ikWAM", output_format: "pcm",
 *          provider_options: { elevenlabs: { voice_settings: { stability: 0.4, speed: 1.1 }, seed: 7 } } }
 * }
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const unit = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
const int = (minimum: number, maximum: number) => Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum, maximum }))
/** One entity type or category, or a list of them (`"all"`, `"pii"`, `["email_address", "phi"]`). */
const Entities = Schema.Union([Schema.String, Schema.Array(Schema.String)])

/**
 * Speech-to-text options (`POST /v1/speech-to-text`). The upload, `model_id` and `language_code`
 * (from the request's `language`) are not options. Webhooks, multichannel output and additional
 * export formats change the response's shape and are not offered.
 *
 * @category schemas
 */
export const SttOptions = Schema.Struct({
  /** Label who speaks (`speaker_id` on words → `speaker` on words and segments, and `speakers`). Default false. */
  diarize: Schema.optionalKey(Schema.Boolean),
  /** The most speakers the audio holds, 1–32. */
  num_speakers: Schema.optionalKey(int(1, 32)),
  /** 0.1–0.4; only with `diarize` and without `num_speakers`. */
  diarization_threshold: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0.1, maximum: 0.4 }))),
  /** `word` (default) times each word; `character` also each character (kept in `provider_output`); `none` gives no times. */
  timestamps_granularity: Schema.optionalKey(Schema.Literals(["none", "word", "character"])),
  /** Mark sounds such as `(laughter)` as `audio_event` words. Default true. */
  tag_audio_events: Schema.optionalKey(Schema.Boolean),
  /** Words to recognise more accurately: at most 1000, each under 50 characters and 5 words. scribe_v2 only. */
  keyterms: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Drop filler words, false starts and non-speech sounds. scribe_v2 only. */
  no_verbatim: Schema.optionalKey(Schema.Boolean),
  /** 0–2; randomness of the transcription. */
  temperature: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 2 }))),
  /** 0–2147483647; best-effort determinism. */
  seed: Schema.optionalKey(int(0, 2_147_483_647)),
  /** Label speakers `agent` and `customer` (needs `diarize`). */
  detect_speaker_roles: Schema.optionalKey(Schema.Boolean),
  /** Match speakers against the workspace's speaker library (with `diarize`). */
  use_speaker_library: Schema.optionalKey(Schema.Boolean),
  /** Detect entities (`entities` in `provider_output`); 30 % surcharge. */
  entity_detection: Schema.optionalKey(Entities),
  /** Redact entities from the text; a subset of `entity_detection`. */
  entity_redaction: Schema.optionalKey(Entities),
  /** `redacted`, `entity_type` or `enumerated_entity_type` (default); only with `entity_redaction`. */
  entity_redaction_mode: Schema.optionalKey(Schema.String),
  /** `false` is zero-retention mode (enterprise); sent as a query parameter. */
  enable_logging: Schema.optionalKey(Schema.Boolean)
})
/** @category models */
export type SttOptions = typeof SttOptions.Type

/**
 * Realtime speech-to-text options (the query of `wss://…/v1/speech-to-text/realtime`, through the
 * SDK's `speechToText.realtime.connect`), with the SDK's ranges. The model, `audio_format`,
 * `commit_strategy`, `language_code` and `include_timestamps` come from the session itself, not
 * from options. Entity detection, transcript edits and language detection answer with messages
 * of their own, which a session does not surface, and are not offered.
 *
 * @category schemas
 */
export const RealtimeSttOptions = Schema.Struct({
  /** Seconds of silence that end an utterance, 0.3–3. Only with `commit: "vad"`. */
  vad_silence_threshold_secs: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0.3, maximum: 3 }))),
  /** How sure voice activity detection must be that someone speaks, 0.1–0.9. Only with `commit: "vad"`. */
  vad_threshold: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0.1, maximum: 0.9 }))),
  /** The shortest speech voice activity detection counts, 50–2000 ms. Only with `commit: "vad"`. */
  min_speech_duration_ms: Schema.optionalKey(int(50, 2000)),
  /** The shortest silence voice activity detection counts, 50–2000 ms. Only with `commit: "vad"`. */
  min_silence_duration_ms: Schema.optionalKey(int(50, 2000)),
  /** Other languages the audio may hold (ISO 639-1), to make language identification more reliable. */
  secondary_languages: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Words to recognise more accurately: at most 50, each at most 20 characters. */
  keyterms: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Drop filler words, false starts and disfluencies. */
  no_verbatim: Schema.optionalKey(Schema.Boolean),
  /** Filter out background speech and noise; not together with word timestamps. */
  filter_background_audio: Schema.optionalKey(Schema.Boolean),
  /** `false` is zero-retention mode (enterprise). */
  enable_logging: Schema.optionalKey(Schema.Boolean),
  /** Text said before the session, as context; sent with the first audio chunk. */
  previous_text: Schema.optionalKey(Schema.String)
})
/** @category models */
export type RealtimeSttOptions = typeof RealtimeSttOptions.Type

/**
 * Voice settings for one request (`VoiceSettingsResponseModel`); `style` and `speed` take the
 * ranges of the spec's `TtsVoiceSettings`.
 *
 * @category schemas
 */
export const VoiceSettings = Schema.Struct({
  stability: Schema.optionalKey(unit),
  similarity_boost: Schema.optionalKey(unit),
  style: Schema.optionalKey(unit),
  use_speaker_boost: Schema.optionalKey(Schema.Boolean),
  speed: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0.7, maximum: 1.2 })))
})
/** @category models */
export type VoiceSettings = typeof VoiceSettings.Type

/** A pronunciation dictionary and (optionally) its version. @category schemas */
export const PronunciationDictionaryLocator = Schema.Struct({
  pronunciation_dictionary_id: Schema.String,
  version_id: Schema.optionalKey(Schema.String)
})
/** @category models */
export type PronunciationDictionaryLocator = typeof PronunciationDictionaryLocator.Type

const atMostThree = <S extends Schema.Top>(item: S) => Schema.Array(item).check(Schema.isMaxLength(3))

/**
 * Text-to-speech options (the body of `/v1/text-to-speech/{voice_id}[/stream][/with-timestamps]`,
 * plus `enable_logging` in the query). `with_timestamps` is the adapter's own: it selects the
 * `/with-timestamps` variant, whose character alignment becomes the summary's word timings.
 *
 * @category schemas
 */
export const TtsOptions = Schema.Struct({
  voice_settings: Schema.optionalKey(VoiceSettings),
  /** ISO 639-1; enforces a language. Not for eleven_multilingual_v2. Defaults to the request's `language`. */
  language_code: Schema.optionalKey(Schema.String),
  /** 0–4294967295; best-effort determinism. */
  seed: Schema.optionalKey(int(0, 4_294_967_295)),
  /** Text before this piece, for continuity; overrides what the pipeline passes. */
  previous_text: Schema.optionalKey(Schema.String),
  /** Text after this piece, for continuity; overrides what the pipeline passes. */
  next_text: Schema.optionalKey(Schema.String),
  /** Up to 3 request ids of earlier generations (they win over `previous_text`). */
  previous_request_ids: Schema.optionalKey(atMostThree(Schema.String)),
  /** Up to 3 request ids of later generations (they win over `next_text`). */
  next_request_ids: Schema.optionalKey(atMostThree(Schema.String)),
  /** Up to 3 pronunciation dictionaries, applied in order. */
  pronunciation_dictionary_locators: Schema.optionalKey(atMostThree(PronunciationDictionaryLocator)),
  /** `auto` (default), `on` or `off`: spell out numbers, dates, … */
  apply_text_normalization: Schema.optionalKey(Schema.Literals(["auto", "on", "off"])),
  /** Language-specific normalization (Japanese); adds latency. */
  apply_language_text_normalization: Schema.optionalKey(Schema.Boolean),
  /** `false` is zero-retention mode (enterprise); sent as a query parameter. */
  enable_logging: Schema.optionalKey(Schema.Boolean),
  /** Use the `/with-timestamps` endpoint: audio as NDJSON chunks with character alignment → word timings. */
  with_timestamps: Schema.optionalKey(Schema.Boolean)
})
/** @category models */
export type TtsOptions = typeof TtsOptions.Type

/** Nested structs whose unknown keys are refused too, by option name. */
export const nestedStructs: Readonly<Record<string, Schema.Struct<Schema.Struct.Fields>>> = {
  voice_settings: VoiceSettings
}
