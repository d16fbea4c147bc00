/**
 * The turn, built from its events — the one reducer behind both the stored messages and the
 * non-streaming response, so the two can never drift apart. The pipeline feeds it each event
 * as the run emits it (and persists from it when the run ends, however it ends); the fold runs
 * it over the collected stream. What the messages need beyond the events — the request's content
 * and the message ids — is the prepared run's ({@link shapeOf}).
 */
import type { Media } from "../Media.ts"
import type { RetrievedMemory, RunStatus, TurnMessage } from "../MessageResponse.ts"
import { mediaTypeOfOutputFormat } from "../ModelInfo.ts"
import type { PreparedRun } from "../Pipeline.ts"
import type { LlmMessage } from "../Provider.ts"
import type { EventBody } from "../Run.ts"
import type { StoredMessage } from "../ThreadStore.ts"
import type { ToolCall, ToolOutput } from "../Tools.ts"
import type { Usage } from "../Usage.ts"
import type { Warning } from "../Warning.ts"
import type { SttRecord, TtsRecord, VoiceRecords } from "../VoiceRecords.ts"

/** What a turn's events say so far. */
export interface Turn {
  stt: SttRecord | undefined
  /** The reply's text: every `content_streaming` delta joined. */
  content: string
  /** The caller's tool calls the run paused for. */
  pending: ReadonlyArray<ToolCall> | undefined
  /** Images and speech produced, in the order they were announced. */
  attachments: Array<Media>
  tts: TtsRecord | undefined
  /** The memories retrieved for the LLM (`memory_retrieved`). */
  retrieved: ReadonlyArray<RetrievedMemory>
  /** What `run_ended` said, once it came. */
  ended: {
    readonly status: RunStatus
    readonly memory_operation_id: string | null
    readonly usage: Usage
    readonly warnings: ReadonlyArray<Warning>
    readonly llm: { readonly provider: string; readonly model: string } | undefined
  } | undefined
}

/** A turn before any event. */
export const empty = (): Turn => ({ stt: undefined, content: "", pending: undefined, attachments: [], tts: undefined, retrieved: [], ended: undefined })

/** Adds one event to the turn (in place: deltas are the hot path). */
export const add = (turn: Turn, event: EventBody): void => {
  switch (event.type) {
    case "content_streaming":
      turn.content += event.content
      break
    case "stt_stream_end":
      turn.stt = event.record
      break
    case "tool_submit_required":
      turn.pending = event.tool_calls
      break
    case "media_generated":
      turn.attachments.push(event.media)
      break
    case "tts_stream_end":
      turn.tts = event.record
      turn.attachments.push({ url: event.audio_url, document_id: event.document_id, media_type: mediaTypeOfOutputFormat(event.record.output_format) })
      break
    case "memory_retrieved":
      turn.retrieved = event.memories
      break
    case "run_ended":
      turn.ended = {
        status: event.status,
        memory_operation_id: event.memory_operation_id,
        usage: event.usage,
        warnings: event.warnings,
        llm: event.model_provider !== undefined && event.model_name !== undefined
          ? { provider: event.model_provider, model: event.model_name }
          : undefined
      }
      break
  }
}

/** Builds the turn from a whole stream of events. */
export const reduce = (events: Iterable<EventBody>): Turn => {
  const turn = empty()
  for (const event of events) add(turn, event)
  return turn
}

/** A thread's history as the LLM reads it; failed turns are left out. */
export const toLlm = (history: ReadonlyArray<StoredMessage>): Array<LlmMessage> =>
  history.filter((m) => m.status !== "failed").map((m): LlmMessage =>
    m.role === "tool"
      ? { role: "tool", tool_call_id: m.tool_call_id ?? "", content: m.content }
      : m.role === "assistant"
      ? { role: "assistant", content: m.content, ...(m.tool_calls === undefined ? {} : { tool_calls: m.tool_calls }) }
      : { role: "user", content: m.content }
  )

/** The user's message: the content, then the transcript. */
export const userText = (content: string | undefined, transcript: string | undefined) =>
  [content, transcript].filter((t): t is string => t !== undefined && t !== "").join("\n\n")

/** Where a turn's messages come from: its request and ids. */
export interface TurnShape {
  readonly content: string | undefined
  readonly sendToLlm: boolean
  readonly user_message_id: string
  /** The id of the turn's last message: the assistant's, or the user's when the LLM is skipped. */
  readonly message_id: string
  /** True when the run resumes after tool outputs: the user's message is already stored. */
  readonly resumed: boolean
}

/** The shape of a prepared run's turn: a resumed run has its user's message stored already. */
export const shapeOf = (prepared: PreparedRun): TurnShape => ({
  content: prepared.valid.request.content,
  sendToLlm: prepared.valid.sendToLlm,
  user_message_id: prepared.user_message_id,
  message_id: prepared.message_id,
  resumed: prepared.continuation !== undefined
})

/**
 * The messages of the turn: the user's (unless resumed) and the assistant's (unless the LLM was
 * skipped), the voice records and produced media on the last one.
 */
export const messages = (shape: TurnShape, turn: Turn, status: RunStatus): Array<TurnMessage> => {
  const records: VoiceRecords | undefined = turn.stt === undefined && turn.tts === undefined
    ? undefined
    : { ...(turn.stt === undefined ? {} : { stt: turn.stt }), ...(turn.tts === undefined ? {} : { tts: turn.tts }) }
  const user = userText(shape.content, turn.stt?.transcript)
  const last: TurnMessage = {
    message_id: shape.message_id,
    role: shape.sendToLlm ? "assistant" : "user",
    content: shape.sendToLlm ? turn.content : user,
    ...(records === undefined ? {} : { voice_records: records }),
    ...(turn.attachments.length === 0 ? {} : { attachments: turn.attachments }),
    status
  }
  return !shape.sendToLlm || shape.resumed
    ? [last]
    : [{ message_id: shape.user_message_id, role: "user", content: user, status: "completed" }, last]
}

/**
 * The turn as the thread stores it: its {@link messages}, with the tool outputs that resumed it
 * before the reply, the pending tool calls on the assistant's message, and produced media by id
 * only (URLs are signed when messages are read).
 */
export const stored = (
  shape: TurnShape,
  turn: Turn,
  status: RunStatus,
  ids: { readonly thread_id: string; readonly run_id: string; readonly created_at: string },
  outputs: ReadonlyArray<ToolOutput & { readonly message_id: string }>
): Array<StoredMessage> => {
  const all = messages(shape, turn, status).map(({ attachments, ...message }): StoredMessage => ({
    ...ids,
    ...message,
    ...(attachments === undefined ? {} : { attachments: attachments.map(({ document_id, media_type }) => ({ document_id, media_type })) }),
    ...(message.role === "assistant" && turn.pending !== undefined ? { tool_calls: turn.pending } : {})
  }))
  const tools = outputs.map((output): StoredMessage => ({
    ...ids,
    message_id: output.message_id,
    role: "tool",
    tool_call_id: output.tool_call_id,
    content: output.output,
    status: "completed"
  }))
  return [...all.slice(0, -1), ...tools, ...all.slice(-1)]
}
