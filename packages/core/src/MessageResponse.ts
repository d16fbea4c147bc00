/**
 * `MessageResponse`: the non-streaming result of a message, the fold of its event stream. The
 * turn's messages carry their `voice_records`; produced images and audio are `attachments`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Media } from "./Media.ts"
import { ToolCall } from "./Tools.ts"
import { Usage } from "./Usage.ts"
import { VoiceRecords } from "./VoiceRecords.ts"
import { Warning } from "./Warning.ts"

/** How a run ended. */
export const RunStatus = Schema.Literals(["completed", "requires_action", "cancelled", "failed"])
export type RunStatus = typeof RunStatus.Type

/** One message of the turn. @category schemas */
export const TurnMessage = Schema.Struct({
  message_id: Schema.String,
  role: Schema.Literals(["user", "assistant"]),
  content: Schema.String,
  voice_records: Schema.optionalKey(VoiceRecords),
  attachments: Schema.optionalKey(Schema.Array(Media)),
  status: RunStatus
})
export type TurnMessage = typeof TurnMessage.Type

/**
 * A memory retrieved for the turn: its id, its text (`memory`, Backboard's name) and its fused
 * relevance score (higher is closer).
 *
 * @category schemas
 */
export const RetrievedMemory = Schema.Struct({
  id: Schema.String,
  memory: Schema.String,
  score: Schema.Number
})
export type RetrievedMemory = typeof RetrievedMemory.Type

/** @category schemas */
export const MessageResponse = Schema.Struct({
  content: Schema.String,
  thread_id: Schema.String,
  run_id: Schema.String,
  message_id: Schema.String,
  /** The thread's assistant; `asst_default` when none was named. */
  assistant_id: Schema.String,
  status: RunStatus,
  tool_calls: Schema.optionalKey(Schema.Array(ToolCall)),
  model_provider: Schema.optionalKey(Schema.String),
  model_name: Schema.optionalKey(Schema.String),
  usage: Usage,
  input_tokens: Schema.optionalKey(Schema.Number),
  output_tokens: Schema.optionalKey(Schema.Number),
  total_tokens: Schema.optionalKey(Schema.Number),
  attachments: Schema.Array(Media),
  /** The memories the LLM was given (empty when memory was not read). */
  retrieved_memories: Schema.Array(RetrievedMemory),
  /** The memory operation writing this turn's facts (`"Auto"`), else null. */
  memory_operation_id: Schema.NullOr(Schema.String),
  warnings: Schema.Array(Warning),
  messages: Schema.Array(TurnMessage)
})
export type MessageResponse = typeof MessageResponse.Type
