/**
 * The wire shapes of the HTTP API beyond core's: assistants, threads with their messages, runs,
 * tool outputs, the catalogue and health — by Backboard's snake_case names, as the stores return
 * them. Integers are `Schema.Int`, so the OpenAPI document says `integer`.
 *
 * @since 0.1.0
 */
import { Media, ModelInfo, pageRules, RunStatus, ToolCall, ToolDefinition, ToolOutput, Usage, VoiceConfig, VoiceRecords, Warning } from "@patchbay/core/schema"
import { Schema } from "effect"

const MemoryMode = Schema.Literals(["Auto", "Readonly", "off"])

const assistantFields = {
  system_prompt: Schema.optionalKey(Schema.String),
  llm_provider: Schema.optionalKey(Schema.String),
  model_name: Schema.optionalKey(Schema.String),
  tools: Schema.optionalKey(Schema.Array(ToolDefinition)),
  voice: Schema.optionalKey(VoiceConfig),
  memory_llm_provider: Schema.optionalKey(Schema.String),
  memory_model_name: Schema.optionalKey(Schema.String),
  embedding_provider: Schema.optionalKey(Schema.String),
  embedding_model_name: Schema.optionalKey(Schema.String),
  embedding_dims: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  custom_fact_extraction_prompt: Schema.optionalKey(Schema.String),
  custom_update_memory_prompt: Schema.optionalKey(Schema.String),
  metadata: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
}

/** An assistant: Backboard's persistent configuration. Times are ISO 8601. @category schemas */
export const Assistant = Schema.Struct({
  assistant_id: Schema.String,
  name: Schema.String,
  ...assistantFields,
  memory: MemoryMode,
  memory_top_k: Schema.Int,
  created_at: Schema.String,
  updated_at: Schema.String
}).annotate({ identifier: "Assistant" })
export type Assistant = typeof Assistant.Type

const TopK = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 }))

/** The fields of a new assistant. @category schemas */
export const AssistantCreate = Schema.Struct({
  name: Schema.String.check(Schema.isNonEmpty()),
  ...assistantFields,
  memory: Schema.optionalKey(MemoryMode),
  memory_top_k: Schema.optionalKey(TopK)
}).annotate({ identifier: "AssistantCreate" })

/** The fields an update changes; the others stay. @category schemas */
export const AssistantUpdate = Schema.Struct({
  name: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  ...assistantFields,
  memory: Schema.optionalKey(MemoryMode),
  memory_top_k: Schema.optionalKey(TopK)
}).annotate({ identifier: "AssistantUpdate" })

const threadDefaults = {
  system_prompt: Schema.optionalKey(Schema.String),
  llm_provider: Schema.optionalKey(Schema.String),
  model_name: Schema.optionalKey(Schema.String),
  tools: Schema.optionalKey(Schema.Array(ToolDefinition))
}

/** A thread and the defaults its messages inherit. @category schemas */
export const Thread = Schema.Struct({
  thread_id: Schema.String,
  assistant_id: Schema.String,
  created_at: Schema.String,
  updated_at: Schema.String,
  ...threadDefaults
}).annotate({ identifier: "Thread" })
export type Thread = typeof Thread.Type

/** The body of `POST /assistants/{id}/threads` (Backboard sends `{}`). @category schemas */
export const ThreadCreate = Schema.Struct(threadDefaults).annotate({ identifier: "ThreadCreate" })

/** A stored message as it is read, its media URLs freshly signed. @category schemas */
export const Message = Schema.Struct({
  message_id: Schema.String,
  thread_id: Schema.String,
  run_id: Schema.String,
  role: Schema.Literals(["user", "assistant", "tool"]),
  content: Schema.String,
  status: RunStatus,
  created_at: Schema.String,
  tool_calls: Schema.optionalKey(Schema.Array(ToolCall)),
  tool_call_id: Schema.optionalKey(Schema.String),
  voice_records: Schema.optionalKey(VoiceRecords),
  attachments: Schema.optionalKey(Schema.Array(Media))
}).annotate({ identifier: "Message" })

/** A thread with a page of its messages, oldest first. @category schemas */
export const ThreadWithMessages = Schema.Struct({
  ...Thread.fields,
  messages: Schema.Array(Message)
}).annotate({ identifier: "ThreadWithMessages" })

/** A run's status: the two active ones, then the three final ones. @category schemas */
export const StoredRunStatus = Schema.Literals(["in_progress", "requires_action", "completed", "cancelled", "failed"])

/** A run. @category schemas */
export const Run = Schema.Struct({
  run_id: Schema.String,
  thread_id: Schema.String,
  assistant_id: Schema.String,
  status: StoredRunStatus,
  reason: Schema.NullOr(Schema.String),
  tool_calls: Schema.optionalKey(Schema.Array(ToolCall)),
  expires_at: Schema.optionalKey(Schema.String),
  usage: Usage,
  warnings: Schema.Array(Warning),
  created_at: Schema.String,
  updated_at: Schema.String
}).annotate({ identifier: "Run" })

/** The body of `…/submit-tool-outputs`: one output per pending call. @category schemas */
export const ToolOutputs = Schema.Struct({
  tool_outputs: Schema.Array(ToolOutput),
  stream: Schema.optionalKey(Schema.Boolean)
}).annotate({ identifier: "ToolOutputs" })

/** The body of `/threads/tool-outputs`: the thread's paused run gets the outputs. @category schemas */
export const ThreadToolOutputs = Schema.Struct({
  thread_id: Schema.String,
  tool_outputs: Schema.Array(ToolOutput),
  stream: Schema.optionalKey(Schema.Boolean)
}).annotate({ identifier: "ThreadToolOutputs" })

/** What a delete answers. @category schemas */
export const Deleted = Schema.Struct({
  deleted: Schema.Boolean,
  id: Schema.String
}).annotate({ identifier: "Deleted" })

/** A registered provider and what it offers. @category schemas */
export const ProviderSummary = Schema.Struct({
  id: Schema.String,
  capabilities: Schema.Array(Schema.String),
  models: Schema.Array(Schema.String)
}).annotate({ identifier: "Provider" })

/** The models of every registered provider. @category schemas */
export const Models = Schema.Array(ModelInfo)

/** `/health`. @category schemas */
export const Health = Schema.Struct({ status: Schema.Literal("ok") }).annotate({ identifier: "Health" })

/** `skip`/`limit` of a list. @category schemas */
export const PageQuery = {
  skip: Schema.optionalKey(Schema.NumberFromString.check(...pageRules.skip)),
  limit: Schema.optionalKey(Schema.NumberFromString.check(...pageRules.limit))
}

/** `limit`/`before` of a thread's messages. @category schemas */
export const MessagePageQuery = {
  limit: Schema.optionalKey(Schema.NumberFromString.check(...pageRules.limit)),
  before: Schema.optionalKey(Schema.String)
}

/**
 * A message sent as multipart form data, as Backboard's SDK sends it: text fields first
 * (`voice`, `tools`, `provider_options`, `llm_fallback` as JSON strings; `send_to_llm` and
 * `stream` as `"true"`/`"false"`), then the `audio_file` part. Only for the OpenAPI document:
 * the server reads the parts as they stream.
 *
 * @category schemas
 */
export const MultipartMessage = Schema.Struct({
  content: Schema.optionalKey(Schema.String),
  voice: Schema.optionalKey(Schema.String.annotate({ description: "the voice object as a JSON string" })),
  send_to_llm: Schema.optionalKey(Schema.Literals(["true", "false"])),
  stream: Schema.optionalKey(Schema.Literals(["true", "false"])),
  llm_provider: Schema.optionalKey(Schema.String),
  model_name: Schema.optionalKey(Schema.String),
  system_prompt: Schema.optionalKey(Schema.String),
  tools: Schema.optionalKey(Schema.String.annotate({ description: "the tools as a JSON string" })),
  provider_options: Schema.optionalKey(Schema.String.annotate({ description: "provider_options as a JSON string" })),
  llm_fallback: Schema.optionalKey(Schema.String.annotate({ description: "llm_fallback as a JSON string" })),
  image_generation: Schema.optionalKey(Schema.Literal("auto")),
  image_model_provider: Schema.optionalKey(Schema.String),
  image_model_name: Schema.optionalKey(Schema.String),
  assistant_id: Schema.optionalKey(Schema.String),
  memory: Schema.optionalKey(MemoryMode),
  memory_scope: Schema.optionalKey(Schema.String),
  audio_file: Schema.optionalKey(Schema.String.annotate({ format: "binary", description: "the audio, after every other field" }))
}).annotate({ identifier: "MultipartMessage" })

// ---------------------------------------------------------------------------------------------
// Memories
// ---------------------------------------------------------------------------------------------

const Metadata = Schema.Record(Schema.String, Schema.Unknown)

/**
 * A stored memory: its text is `content` (a retrieved one's is `memory`, Backboard's names).
 * `deleted_at` is set while it is soft-deleted; `expires_at` hides it from retrieval once passed.
 *
 * @category schemas
 */
export const Memory = Schema.Struct({
  id: Schema.String,
  content: Schema.String,
  memory_scope: Schema.String,
  metadata: Metadata,
  created_at: Schema.String,
  updated_at: Schema.String,
  expires_at: Schema.optionalKey(Schema.NullOr(Schema.String)),
  deleted_at: Schema.optionalKey(Schema.NullOr(Schema.String))
}).annotate({ identifier: "Memory" })

/** A page of memories with the totals (`page` from 1). @category schemas */
export const MemoryList = Schema.Struct({
  memories: Schema.Array(Memory),
  total_count: Schema.Int,
  page: Schema.Int,
  page_size: Schema.Int,
  total_pages: Schema.Int
}).annotate({ identifier: "MemoryList" })

/** The body of `POST /assistants/{id}/memories`: a memory written directly. @category schemas */
export const MemoryCreate = Schema.Struct({
  content: Schema.String.check(Schema.isNonEmpty()),
  memory_scope: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  metadata: Schema.optionalKey(Metadata),
  expires_at: Schema.optionalKey(Schema.NullOr(Schema.String.annotate({ description: "ISO 8601" })))
}).annotate({ identifier: "MemoryCreate" })

/** The body of `PUT /assistants/{id}/memories/{memory_id}`: the fields it changes. @category schemas */
export const MemoryUpdate = Schema.Struct({
  content: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  metadata: Schema.optionalKey(Metadata),
  expires_at: Schema.optionalKey(Schema.NullOr(Schema.String.annotate({ description: "ISO 8601" })))
}).annotate({ identifier: "MemoryUpdate" })

/** The body of `POST /assistants/{id}/memories/search`. @category schemas */
export const MemorySearch = Schema.Struct({
  query: Schema.String,
  memory_scope: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  limit: Schema.optionalKey(Schema.Number.check(...pageRules.searchLimit))
}).annotate({ identifier: "MemorySearch" })

/** A memory found by a search or retrieved for a turn, with its fused score. @category schemas */
export const RetrievedMemory = Schema.Struct({
  id: Schema.String,
  memory: Schema.String,
  score: Schema.Number
}).annotate({ identifier: "RetrievedMemory" })

const MemoryEvent = Schema.Literals(["ADD", "UPDATE", "DELETE", "RESTORE"])

/** One change to a memory: the content before and after, and the operation that made it (null when made directly). @category schemas */
export const MemoryHistory = Schema.Struct({
  id: Schema.String,
  memory_id: Schema.String,
  event: MemoryEvent,
  old_content: Schema.NullOr(Schema.String),
  new_content: Schema.NullOr(Schema.String),
  operation_id: Schema.NullOr(Schema.String),
  created_at: Schema.String
}).annotate({ identifier: "MemoryHistory" })

/** A memory operation: the write of a turn in `"Auto"`. @category schemas */
export const MemoryOperation = Schema.Struct({
  operation_id: Schema.String,
  status: Schema.Literals(["IN_PROGRESS", "COMPLETED", "FAILED"]),
  error: Schema.NullOr(Schema.String),
  raw_output: Schema.NullOr(Schema.String),
  events: Schema.Array(Schema.Struct({ memory_id: Schema.String, event: MemoryEvent })),
  created_at: Schema.String,
  completed_at: Schema.NullOr(Schema.String)
}).annotate({ identifier: "MemoryOperation" })

/** An assistant's memory counts. @category schemas */
export const MemoryStats = Schema.Struct({
  total_count: Schema.Int,
  deleted_count: Schema.Int,
  scopes: Schema.Int
}).annotate({ identifier: "MemoryStats" })

/** What a reset answers: how many memories it soft-deleted. @category schemas */
export const MemoryReset = Schema.Struct({ deleted_count: Schema.Int }).annotate({ identifier: "MemoryReset" })

/** `page`/`page_size` of a memory list, its scope, and whether deleted memories are listed too. @category schemas */
export const MemoryPageQuery = {
  page: Schema.optionalKey(Schema.NumberFromString.check(...pageRules.page)),
  page_size: Schema.optionalKey(Schema.NumberFromString.check(...pageRules.limit)),
  memory_scope: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  include_deleted: Schema.optionalKey(Schema.Literals(["true", "false"]))
}

/** The scope a reset deletes (every scope when absent). @category schemas */
export const MemoryScopeQuery = {
  memory_scope: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty()))
}

/** `POST /realtime/tokens`: a single-use token for one realtime WebSocket, valid briefly. @category schemas */
export const RealtimeToken = Schema.Struct({
  /** Sent as `?token=` on `GET /realtime/stt` (browsers cannot set headers on a WebSocket). */
  token: Schema.String,
  /** ISO 8601: the token is refused after this instant, and once it has been used. */
  expires_at: Schema.String,
  expires_in: Schema.Number
}).annotate({ identifier: "RealtimeToken" })

/**
 * The query of `GET /realtime/stt`: which realtime model listens, to audio of which format,
 * committing utterances how. With `thread_id`, the session's transcript is stored as a message of
 * that thread with its `voice_records.stt`.
 *
 * @category schemas
 */
export const RealtimeSttQuery = {
  provider: Schema.String,
  model: Schema.String,
  /** A generic realtime format of the model (`pcm_16000`, `ulaw_8000`, …). */
  audio_format: Schema.String,
  language: Schema.optionalKey(Schema.String),
  /** `vad` (default): the vendor commits at pauses; `manual`: on each `{ "type": "commit" }`. */
  commit: Schema.optionalKey(Schema.Literals(["vad", "manual"])),
  include_timestamps: Schema.optionalKey(Schema.Literals(["true", "false"])),
  /** The thread the session belongs to: its transcript is stored there, or each utterance answered (`respond`). */
  thread_id: Schema.optionalKey(Schema.String),
  /** With `thread_id`: answer each committed utterance as a message of the thread; its run's events follow. */
  respond: Schema.optionalKey(Schema.Literals(["true", "false"])),
  /** A token from `POST /realtime/tokens`, instead of a key header. */
  token: Schema.optionalKey(Schema.String)
}
