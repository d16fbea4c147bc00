/**
 * OpenAI's response bodies and stream events, as it sends them (snake_case), from the OpenAPI
 * spec. Decoding them is how the adapter notices a changed API instead of passing `undefined`
 * on; fields the adapter does not read are kept in `provider_output` untouched.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const optional = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** `{ error: { message, type, param, code } }`, the body of every failed response and of a failed stream event. */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    message: optional(Schema.String),
    type: optional(Schema.String),
    param: optional(Schema.String),
    code: optional(Schema.Union([Schema.String, Schema.Number]))
  })
})
export type ErrorBody = typeof ErrorBody.Type

// ---------------------------------------------------------------------------------------------
// Transcriptions
// ---------------------------------------------------------------------------------------------

/** `TranscriptTextUsageTokens`: the gpt-4o transcribe models bill tokens. `type` is missing in some stream events. */
export const UsageTokens = Schema.Struct({
  type: Schema.optionalKey(Schema.Literal("tokens")),
  input_tokens: Schema.Number,
  input_token_details: optional(Schema.Struct({
    text_tokens: optional(Schema.Number),
    audio_tokens: optional(Schema.Number)
  })),
  output_tokens: Schema.Number,
  total_tokens: Schema.Number
})
export type UsageTokens = typeof UsageTokens.Type

/** `TranscriptTextUsageDuration`: `whisper-1` and the diarize model bill seconds of audio. */
export const UsageDuration = Schema.Struct({
  type: Schema.Literal("duration"),
  seconds: Schema.Number
})
export type UsageDuration = typeof UsageDuration.Type

/** Either usage shape of a transcription. */
export const TranscriptionUsage = Schema.Union([UsageDuration, UsageTokens])
export type TranscriptionUsage = typeof TranscriptionUsage.Type

const Logprob = Schema.Struct({ token: Schema.String, logprob: Schema.Number, bytes: optional(Schema.Array(Schema.Number)) })
const DetectedLanguage = Schema.Struct({ code: Schema.String })

/** `response_format=json` (`CreateTranscriptionResponseJson`). */
export const TranscriptionJson = Schema.Struct({
  text: Schema.String,
  logprobs: optional(Schema.Array(Logprob)),
  /** `gpt-transcribe`: the languages detected; empty when none could be. */
  languages: optional(Schema.Array(DetectedLanguage)),
  usage: optional(TranscriptionUsage)
})
export type TranscriptionJson = typeof TranscriptionJson.Type

/** A word of `verbose_json` (`TranscriptionWord`). */
export const TranscriptionWord = Schema.Struct({ word: Schema.String, start: Schema.Number, end: Schema.Number })

/** A segment of `verbose_json` (`TranscriptionSegment`); the fields the adapter does not read stay in `provider_output`. */
export const TranscriptionSegment = Schema.Struct({
  id: Schema.Number,
  start: Schema.Number,
  end: Schema.Number,
  text: Schema.String
})

/** `response_format=verbose_json` (`whisper-1`). `language` is an English name such as `"english"`. */
export const TranscriptionVerboseJson = Schema.Struct({
  task: optional(Schema.String),
  language: Schema.String,
  duration: Schema.Number,
  text: Schema.String,
  words: optional(Schema.Array(TranscriptionWord)),
  segments: optional(Schema.Array(TranscriptionSegment)),
  usage: optional(TranscriptionUsage)
})
export type TranscriptionVerboseJson = typeof TranscriptionVerboseJson.Type

/** A speaker's segment (`TranscriptionDiarizedSegment`, also the `transcript.text.segment` event). */
export const DiarizedSegment = Schema.Struct({
  type: Schema.Literal("transcript.text.segment"),
  id: Schema.String,
  start: Schema.Number,
  end: Schema.Number,
  text: Schema.String,
  speaker: Schema.String
})
export type DiarizedSegment = typeof DiarizedSegment.Type

/** `response_format=diarized_json` (`gpt-4o-transcribe-diarize`). */
export const TranscriptionDiarizedJson = Schema.Struct({
  task: optional(Schema.String),
  duration: Schema.Number,
  text: Schema.String,
  segments: Schema.Array(DiarizedSegment),
  usage: optional(TranscriptionUsage)
})
export type TranscriptionDiarizedJson = typeof TranscriptionDiarizedJson.Type

/** `transcript.text.delta`: the next piece of the transcript. */
export const TranscriptTextDelta = Schema.Struct({
  type: Schema.Literal("transcript.text.delta"),
  delta: Schema.String,
  logprobs: optional(Schema.Array(Logprob)),
  segment_id: optional(Schema.String)
})

/** `transcript.text.done`: the whole transcript and, for token-billed models, the usage. */
export const TranscriptTextDone = Schema.Struct({
  type: Schema.Literal("transcript.text.done"),
  text: Schema.String,
  logprobs: optional(Schema.Array(Logprob)),
  languages: optional(Schema.Array(DetectedLanguage)),
  usage: optional(TranscriptionUsage)
})
export type TranscriptTextDone = typeof TranscriptTextDone.Type

/** One event of a streamed transcription (`stream=true`). */
export const TranscriptionStreamEvent = Schema.Union([TranscriptTextDelta, DiarizedSegment, TranscriptTextDone])
export type TranscriptionStreamEvent = typeof TranscriptionStreamEvent.Type

// ---------------------------------------------------------------------------------------------
// Speech
// ---------------------------------------------------------------------------------------------

/** `speech.audio.delta`: a base64 piece of the audio file. */
export const SpeechAudioDelta = Schema.Struct({ type: Schema.Literal("speech.audio.delta"), audio: Schema.String })

/** `speech.audio.done`: the end, with the token usage. */
export const SpeechAudioDone = Schema.Struct({
  type: Schema.Literal("speech.audio.done"),
  usage: optional(Schema.Struct({ input_tokens: Schema.Number, output_tokens: Schema.Number, total_tokens: Schema.Number }))
})
export type SpeechAudioDone = typeof SpeechAudioDone.Type

/** One event of `stream_format=sse`. */
export const SpeechStreamEvent = Schema.Union([SpeechAudioDelta, SpeechAudioDone])
export type SpeechStreamEvent = typeof SpeechStreamEvent.Type

// ---------------------------------------------------------------------------------------------
// Chat completions
// ---------------------------------------------------------------------------------------------

/** `CompletionUsage`, on the last chunk with `stream_options.include_usage`. */
export const CompletionUsage = Schema.Struct({
  prompt_tokens: Schema.Number,
  completion_tokens: Schema.Number,
  total_tokens: Schema.Number,
  prompt_tokens_details: optional(Schema.Struct({ cached_tokens: optional(Schema.Number), audio_tokens: optional(Schema.Number) })),
  completion_tokens_details: optional(Schema.Struct({
    reasoning_tokens: optional(Schema.Number),
    audio_tokens: optional(Schema.Number),
    accepted_prediction_tokens: optional(Schema.Number),
    rejected_prediction_tokens: optional(Schema.Number)
  }))
})
export type CompletionUsage = typeof CompletionUsage.Type

/** A tool-call fragment (`ChatCompletionMessageToolCallChunk`): only `index` is always there. */
export const ToolCallChunk = Schema.Struct({
  index: Schema.Number,
  id: optional(Schema.String),
  type: optional(Schema.Literal("function")),
  function: optional(Schema.Struct({ name: optional(Schema.String), arguments: optional(Schema.String) }))
})

/** One `chat.completion.chunk` of a streamed chat completion. */
export const ChatCompletionChunk = Schema.Struct({
  id: Schema.String,
  object: optional(Schema.String),
  created: Schema.Number,
  model: Schema.String,
  system_fingerprint: optional(Schema.String),
  service_tier: optional(Schema.String),
  choices: Schema.Array(Schema.Struct({
    index: Schema.Number,
    delta: Schema.Struct({
      role: optional(Schema.String),
      content: optional(Schema.String),
      refusal: optional(Schema.String),
      tool_calls: optional(Schema.Array(ToolCallChunk))
    }),
    finish_reason: optional(Schema.String)
  })),
  usage: optional(CompletionUsage)
})
export type ChatCompletionChunk = typeof ChatCompletionChunk.Type

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

/** `ImageGenUsage`: tokens of the prompt (text and input images) and of the output images. */
export const ImageUsage = Schema.Struct({
  input_tokens: Schema.Number,
  output_tokens: Schema.Number,
  total_tokens: Schema.Number,
  input_tokens_details: optional(Schema.Struct({ text_tokens: optional(Schema.Number), image_tokens: optional(Schema.Number) })),
  output_tokens_details: optional(Schema.Struct({ text_tokens: optional(Schema.Number), image_tokens: optional(Schema.Number) }))
})

/** `ImagesResponse` of `POST /images/generations` and `POST /images/edits`. */
export const ImagesResponse = Schema.Struct({
  created: Schema.Number,
  data: optional(Schema.Array(Schema.Struct({
    b64_json: optional(Schema.String),
    url: optional(Schema.String),
    revised_prompt: optional(Schema.String)
  }))),
  background: optional(Schema.String),
  output_format: optional(Schema.String),
  size: optional(Schema.String),
  quality: optional(Schema.String),
  usage: optional(ImageUsage)
})
export type ImagesResponse = typeof ImagesResponse.Type

/**
 * `CreateEmbeddingResponse` of `POST /embeddings`. With `encoding_format: "base64"` each
 * `embedding` is a base64 string of little-endian float32s; a float list is accepted too.
 */
export const EmbeddingsResponse = Schema.Struct({
  object: Schema.String,
  model: Schema.String,
  data: Schema.Array(Schema.Struct({
    object: Schema.String,
    index: Schema.Number,
    embedding: Schema.Union([Schema.String, Schema.Array(Schema.Number)])
  })),
  usage: Schema.Struct({ prompt_tokens: Schema.Number, total_tokens: Schema.Number })
})
export type EmbeddingsResponse = typeof EmbeddingsResponse.Type
