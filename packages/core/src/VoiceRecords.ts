/**
 * `voice_records`: the normalized account of what the speech stages did for a message —
 * transcript, words, speakers, durations measured from the audio, usage, latency, and the
 * vendor's raw response — in one shape whatever the vendor.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Usage } from "./Usage.ts"

/** One word (or spacing, or audio event such as laughter) with its times in seconds. */
export const Word = Schema.Struct({
  text: Schema.String,
  start: Schema.Number,
  end: Schema.Number,
  type: Schema.optionalKey(Schema.Literals(["word", "spacing", "audio_event"])),
  speaker: Schema.optionalKey(Schema.String),
  logprob: Schema.optionalKey(Schema.Number)
})
export type Word = typeof Word.Type

/** A stretch of speech, usually a sentence or one speaker's turn. */
export const Segment = Schema.Struct({
  text: Schema.String,
  start: Schema.Number,
  end: Schema.Number,
  speaker: Schema.optionalKey(Schema.String)
})
export type Segment = typeof Segment.Type

/** A speaker the vendor distinguished, with the total time they spoke. */
export const Speaker = Schema.Struct({
  id: Schema.String,
  speaking_seconds: Schema.optionalKey(Schema.Number)
})
export type Speaker = typeof Speaker.Type

/** Milliseconds from the request to its first byte of result, and to its end, by the Effect `Clock`. */
export const LatencyMs = Schema.Struct({
  first_byte: Schema.Number,
  total: Schema.Number
})
export type LatencyMs = typeof LatencyMs.Type

/** @category schemas */
export const SttRecord = Schema.Struct({
  provider: Schema.String,
  model: Schema.String,
  /** ISO 639-1, or null when the vendor did not say (never guessed). */
  language: Schema.NullOr(Schema.String),
  transcript: Schema.String,
  /** Measured from the audio's bytes; null when they could not be measured (a warning says so). */
  duration_seconds: Schema.NullOr(Schema.Number),
  request_id: Schema.optionalKey(Schema.String),
  warnings: Schema.optionalKey(Schema.Array(Schema.String)),
  words: Schema.optionalKey(Schema.Array(Word)),
  segments: Schema.optionalKey(Schema.Array(Segment)),
  speakers: Schema.optionalKey(Schema.Array(Speaker)),
  usage: Usage,
  latency_ms: LatencyMs,
  /** The vendor's wire response body, snake_case, as it came. */
  provider_output: Schema.Unknown
})
export type SttRecord = typeof SttRecord.Type

/** @category schemas */
export const TtsRecord = Schema.Struct({
  provider: Schema.String,
  model: Schema.String,
  voice: Schema.String,
  /** The vendor's name of the format produced (`mp3_44100_128`, `mp3`). */
  output_format: Schema.String,
  audio_url: Schema.String,
  document_id: Schema.String,
  /** Measured from the stored audio; null when it could not be measured (a warning says so). */
  duration_seconds: Schema.NullOr(Schema.Number),
  characters: Schema.Number,
  words: Schema.optionalKey(Schema.Array(Word)),
  usage: Usage,
  latency_ms: LatencyMs,
  request_id: Schema.optionalKey(Schema.String),
  warnings: Schema.optionalKey(Schema.Array(Schema.String)),
  provider_output: Schema.Unknown
})
export type TtsRecord = typeof TtsRecord.Type

/** @category schemas */
export const VoiceRecords = Schema.Struct({
  stt: Schema.optionalKey(SttRecord),
  tts: Schema.optionalKey(TtsRecord)
})
export type VoiceRecords = typeof VoiceRecords.Type
