/**
 * The vendor's response bodies, as it sends them (snake_case). Decoding them is how the adapter
 * notices a changed API instead of passing `undefined` on.
 */
import { Option, Schema } from "effect"

/** `{ error: { code, message, param? } }`, the body of every failed response. */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({ code: Schema.optionalKey(Schema.String), message: Schema.optionalKey(Schema.String), param: Schema.optionalKey(Schema.String) })
})
export type ErrorBody = typeof ErrorBody.Type

/** The code, message and parameter of a failed response's body, when it has the vendor's shape. */
export const errorOf = (body: unknown) => Option.getOrUndefined(Schema.decodeUnknownOption(ErrorBody)(body))?.error

/** A word or a segment: its text, its start and end in seconds, and who said it. */
const Span = Schema.Struct({ text: Schema.String, start: Schema.Number, end: Schema.Number, speaker: Schema.optionalKey(Schema.String) })

/** `POST /v1/transcriptions` */
export const Transcription = Schema.Struct({
  id: Schema.String, text: Schema.String,
  /** ISO 639-1, or null when detection was not confident. */
  language: Schema.NullOr(Schema.String),
  language_probability: Schema.optionalKey(Schema.Number),
  duration: Schema.optionalKey(Schema.Number),
  words: Schema.optionalKey(Schema.Array(Span)),
  segments: Schema.optionalKey(Schema.Array(Span)),
  speakers: Schema.optionalKey(Schema.Array(Schema.Struct({ id: Schema.String, speaking_seconds: Schema.optionalKey(Schema.Number) }))),
  usage: Schema.optionalKey(Schema.Struct({ audio_seconds: Schema.optionalKey(Schema.Number) }))
})
export type Transcription = typeof Transcription.Type

/** One `data:` event of `POST /v1/chat` (streamed). */
export const ChatEvent = Schema.Union([
  Schema.Struct({ type: Schema.Literal("text"), delta: Schema.String }),
  /** A fragment of the tool call at `index`: its id and name once, its arguments piece by piece. */
  Schema.Struct({
    type: Schema.Literal("tool_call"), index: Schema.Number,
    id: Schema.optionalKey(Schema.String), name: Schema.optionalKey(Schema.String), arguments: Schema.optionalKey(Schema.String)
  }),
  Schema.Struct({ type: Schema.Literal("usage"), input_tokens: Schema.Number, output_tokens: Schema.Number }),
  Schema.Struct({ type: Schema.Literal("done"), finish_reason: Schema.Literals(["stop", "length", "tool_calls", "content_filter"]) })
])
export type ChatEvent = typeof ChatEvent.Type

/** `POST /v1/images` */
export const Images = Schema.Struct({
  created: Schema.Number,
  data: Schema.Array(Schema.Struct({ b64_png: Schema.String, revised_prompt: Schema.optionalKey(Schema.String) })),
  usage: Schema.optionalKey(Schema.Struct({ cost_usd: Schema.optionalKey(Schema.Number) }))
})
