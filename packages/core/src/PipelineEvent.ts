/**
 * `PipelineEvent`: the one tagged union a streaming message emits. Every event carries
 * `type`, `thread_id`, `run_id` and an increasing `seq`; the non-streaming response is exactly
 * the fold of these events.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Media } from "./Media.ts"
import { RetrievedMemory, RunStatus } from "./MessageResponse.ts"
import { ToolCall } from "./Tools.ts"
import { Usage } from "./Usage.ts"
import { SttRecord, TtsRecord, Word } from "./VoiceRecords.ts"
import { Warning } from "./Warning.ts"

const event = <Type extends string, Fields extends Schema.Struct.Fields>(type: Type, fields: Fields) =>
  Schema.Struct({
    type: Schema.Literal(type),
    thread_id: Schema.String,
    run_id: Schema.String,
    seq: Schema.Number,
    ...fields
  })

/** `message_id` is the turn's last message: the assistant's, or the user's when the LLM is skipped. */
export const RunStarted = event("run_started", { assistant_id: Schema.String, message_id: Schema.String })
export const SttStreamStart = event("stt_stream_start", { provider: Schema.String, model: Schema.String })
export const SttTextDelta = event("stt_text_delta", { delta: Schema.String })
export const SttStreamEnd = event("stt_stream_end", { transcript: Schema.String, record: SttRecord })
/** Realtime: the utterance heard so far; each replaces the previous one (not a delta). */
export const SttPartial = event("stt_partial", { text: Schema.String })
/** Realtime: a settled utterance, with per-word times when they were asked for and given. */
export const SttCommitted = event("stt_committed", { text: Schema.String, words: Schema.optionalKey(Schema.Array(Word)) })
/** Only the new text: a delta, as `stt_text_delta` is. */
export const ContentStreaming = event("content_streaming", { content: Schema.String })
export const ToolCallEvent = event("tool_call", { tool_call: ToolCall })
export const ToolSubmitRequired = event("tool_submit_required", { tool_calls: Schema.Array(ToolCall) })
export const MediaGenerated = event("media_generated", { media: Media })
export const TtsStreamStart = event("tts_stream_start", {
  provider: Schema.String,
  model: Schema.String,
  voice: Schema.String,
  output_format: Schema.String
})
/** `data` is base64 of the chunk's bytes; the chunks of one stream join into the stored file. */
export const TtsAudioChunk = event("tts_audio_chunk", { data: Schema.String, index: Schema.Number })
export const TtsStreamEnd = event("tts_stream_end", {
  audio_url: Schema.String,
  document_id: Schema.String,
  duration_seconds: Schema.NullOr(Schema.Number),
  record: TtsRecord
})
/** The memories retrieved for the turn, before the LLM call, when memory is read. */
export const MemoryRetrieved = event("memory_retrieved", { memories: Schema.Array(RetrievedMemory) })
/**
 * `reason` is null, or why the run was cancelled or failed; `model_provider`/`model_name` name
 * the LLM that served, after any fallback.
 */
export const RunEnded = event("run_ended", {
  status: RunStatus,
  reason: Schema.NullOr(Schema.String),
  usage: Usage,
  warnings: Schema.Array(Warning),
  /** The memory operation writing this turn's facts (memory `"Auto"`), else null. */
  memory_operation_id: Schema.NullOr(Schema.String),
  message_id: Schema.String,
  model_provider: Schema.optionalKey(Schema.String),
  model_name: Schema.optionalKey(Schema.String)
})
/** `code` is the failing error's `_tag`. */
export const ErrorEvent = event("error", { code: Schema.String, message: Schema.String, retryable: Schema.Boolean })

/** @category schemas */
export const PipelineEvent = Schema.Union([
  RunStarted,
  SttStreamStart,
  SttTextDelta,
  SttPartial,
  SttCommitted,
  SttStreamEnd,
  ContentStreaming,
  ToolCallEvent,
  ToolSubmitRequired,
  MediaGenerated,
  TtsStreamStart,
  TtsAudioChunk,
  TtsStreamEnd,
  MemoryRetrieved,
  RunEnded,
  ErrorEvent
])
export type PipelineEvent = typeof PipelineEvent.Type
export type PipelineEventType = PipelineEvent["type"]
