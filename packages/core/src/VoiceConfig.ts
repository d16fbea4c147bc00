/**
 * The `voice` object of a message, exactly as the seed writes it: which vendor and model turn
 * the user's audio into text (`stt`) and the reply into speech (`tts`), with the vendor's own
 * options under its key and fallbacks tried before any output.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** Options keyed by vendor id: `{ openai: { instructions: "…" } }`, vendor's snake_case names inside. */
export const ProviderOptions = Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.Unknown))
export type ProviderOptions = typeof ProviderOptions.Type

/** One alternative tried, in order, when the stage's vendor fails before its first output. */
export const FallbackEntry = Schema.Struct({
  provider: Schema.String,
  model: Schema.String,
  /** TTS only: a fallback on another provider must name its own voice. */
  voice: Schema.optionalKey(Schema.String)
})
export type FallbackEntry = typeof FallbackEntry.Type

/** @category schemas */
export const SttConfig = Schema.Struct({
  provider: Schema.String,
  model: Schema.String,
  /** ISO 639-1 (`en`); absent lets the vendor detect it. */
  language: Schema.optionalKey(Schema.String),
  provider_options: Schema.optionalKey(ProviderOptions),
  fallback: Schema.optionalKey(Schema.Array(FallbackEntry))
})
export type SttConfig = typeof SttConfig.Type

/** @category schemas */
export const TtsConfig = Schema.Struct({
  provider: Schema.String,
  model: Schema.String,
  voice: Schema.String,
  /** A generic name (`mp3`, `wav`, `pcm`, `opus`, `flac`, `aac`, `ulaw`, `alaw`) or the vendor's own. */
  output_format: Schema.optionalKey(Schema.String),
  /** ISO 639-1, for vendors that take a language hint. */
  language: Schema.optionalKey(Schema.String),
  provider_options: Schema.optionalKey(ProviderOptions),
  fallback: Schema.optionalKey(Schema.Array(FallbackEntry))
})
export type TtsConfig = typeof TtsConfig.Type

/** @category schemas */
export const VoiceConfig = Schema.Struct({
  stt: Schema.optionalKey(SttConfig),
  tts: Schema.optionalKey(TtsConfig)
})
export type VoiceConfig = typeof VoiceConfig.Type
