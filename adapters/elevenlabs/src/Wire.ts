/**
 * The vendor's response bodies, as it sends them (snake_case), from the spec's
 * `SpeechToTextChunkResponseModel`, `StreamingAudioChunkWithTimestampsResponseModel` and the
 * three error shapes. The SDK turns responses into camelCase objects and drops `null`s; the
 * adapter keeps the body as it came (`provider_output`) and decodes it with these schemas, so a
 * changed API is noticed instead of passing `undefined` on.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const optionalNullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** One character of a word, with `timestamps_granularity: "character"`. @category schemas */
export const SttCharacter = Schema.Struct({
  text: Schema.String,
  start: optionalNullable(Schema.Number),
  end: optionalNullable(Schema.Number)
})

/** One word, spacing or audio event (`SpeechToTextWordResponseModel`). @category schemas */
export const SttWord = Schema.Struct({
  text: Schema.String,
  /** `word`, `spacing` or `audio_event`; a newer type is kept as is. */
  type: Schema.String,
  start: optionalNullable(Schema.Number),
  end: optionalNullable(Schema.Number),
  speaker_id: optionalNullable(Schema.String),
  logprob: Schema.Number,
  characters: optionalNullable(Schema.Array(SttCharacter)),
  channel_index: optionalNullable(Schema.Number)
})
/** @category models */
export type SttWord = typeof SttWord.Type

/**
 * `POST /v1/speech-to-text`, one channel (`SpeechToTextChunkResponseModel`). `language_code` is
 * ISO 639-3 (`eng`) in practice, ISO 639-1 (`en`) in the spec's own example: both are normalized.
 *
 * @category schemas
 */
export const SttResponse = Schema.Struct({
  language_code: Schema.String,
  language_probability: Schema.Number,
  text: Schema.String,
  words: Schema.Array(SttWord),
  transcription_id: optionalNullable(Schema.String),
  audio_duration_secs: optionalNullable(Schema.Number)
})
/** @category models */
export type SttResponse = typeof SttResponse.Type

/** Per-character timings of synthesized speech (`CharacterAlignmentResponseModel`). @category schemas */
export const Alignment = Schema.Struct({
  characters: Schema.Array(Schema.String),
  character_start_times_seconds: Schema.Array(Schema.Number),
  character_end_times_seconds: Schema.Array(Schema.Number)
})
/** @category models */
export type Alignment = typeof Alignment.Type

/**
 * One line of `/stream/with-timestamps` (NDJSON), or the body of `/with-timestamps`: a slice of
 * audio in base64 and the alignment of the characters it speaks (either may be `null`).
 *
 * @category schemas
 */
export const AudioWithTimestamps = Schema.Struct({
  audio_base64: Schema.String,
  alignment: optionalNullable(Alignment),
  normalized_alignment: optionalNullable(Alignment)
})
/** @category models */
export type AudioWithTimestamps = typeof AudioWithTimestamps.Type

/**
 * The structured error (the current shape and the legacy one, which has only `status` and
 * `message`): `{"detail": {"type", "code", "message", "status", "request_id", "param"}}`.
 *
 * @category schemas
 */
export const ErrorDetail = Schema.Struct({
  type: optionalNullable(Schema.String),
  code: optionalNullable(Schema.String),
  status: optionalNullable(Schema.String),
  message: optionalNullable(Schema.String),
  request_id: optionalNullable(Schema.String),
  param: optionalNullable(Schema.String)
})
/** @category models */
export type ErrorDetail = typeof ErrorDetail.Type

/** A schema validation failure (`HTTPValidationError`, declared as 422 on every endpoint). @category schemas */
export const ValidationIssue = Schema.Struct({
  loc: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
  msg: Schema.String,
  type: Schema.String
})
/** @category models */
export type ValidationIssue = typeof ValidationIssue.Type

/** Every error body: `{ detail: { … } }`, `{ detail: [ … ] }`, or `{ detail: "text" }`. @category schemas */
export const ErrorBody = Schema.Struct({
  detail: Schema.Union([Schema.Array(ValidationIssue), ErrorDetail, Schema.String])
})
/** @category models */
export type ErrorBody = typeof ErrorBody.Type
