/**
 * The HTTP API, declared once: routes, parameters, bodies, answers and errors. The server
 * implements it, the OpenAPI document is derived from it, and a typed client can be built from
 * it — all from this one declaration, which imports nothing Node-only.
 *
 * Backboard-shaped routes, JSON in snake_case. Message routes also take multipart form data
 * (fields before `audio_file`); with `stream: true` they answer Server-Sent Events, `data:
 * {json}` per pipeline event. Every route but `/health`, `/docs`, `/openapi.json` and signed
 * media needs a key (`X-API-Key` or `Authorization: Bearer`).
 *
 * @since 0.1.0
 */
import { MessageRequest, MessageResponse, PipelineEvent } from "@patchbay/core/schema"
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { commonErrors, ErrorResponses, pipelineErrors } from "./Errors.ts"
import {
  Assistant,
  AssistantCreate,
  AssistantUpdate,
  Deleted,
  Health,
  Memory,
  MemoryCreate,
  MemoryHistory,
  MemoryList,
  MemoryOperation,
  MemoryPageQuery,
  MemoryReset,
  MemoryScopeQuery,
  MemorySearch,
  MemoryStats,
  MemoryUpdate,
  MessagePageQuery,
  Models,
  MultipartMessage,
  PageQuery,
  ProviderSummary,
  RealtimeSttQuery,
  RealtimeToken,
  RetrievedMemory,
  Run,
  Thread,
  ThreadCreate,
  ThreadToolOutputs,
  ThreadWithMessages,
  ToolOutputs
} from "./Schemas.ts"

/** A message as JSON, or as multipart form data with its audio. */
const messagePayload = [MessageRequest, MultipartMessage.pipe(HttpApiSchema.asMultipartStream())] as const

/** A run's answer: the folded response, or its events as Server-Sent Events when `stream` is true. */
const runSuccess = [MessageResponse, HttpApiSchema.StreamSse({ data: PipelineEvent })] as const

const assistantId = { assistant_id: Schema.String }
const threadId = { thread_id: Schema.String }
const runId = { run_id: Schema.String }

/** Assistants and their threads. @category groups */
export const Assistants = HttpApiGroup.make("assistants")
  .add(
    HttpApiEndpoint.post("create", "/assistants", { payload: AssistantCreate, success: Assistant, error: commonErrors }),
    HttpApiEndpoint.get("list", "/assistants", { query: PageQuery, success: Schema.Array(Assistant), error: commonErrors }),
    HttpApiEndpoint.get("get", "/assistants/:assistant_id", { params: assistantId, success: Assistant, error: commonErrors }),
    HttpApiEndpoint.put("update", "/assistants/:assistant_id", {
      params: assistantId,
      payload: AssistantUpdate,
      success: Assistant,
      error: commonErrors
    }),
    HttpApiEndpoint.delete("delete", "/assistants/:assistant_id", { params: assistantId, success: Deleted, error: commonErrors }),
    HttpApiEndpoint.post("createThread", "/assistants/:assistant_id/threads", {
      params: assistantId,
      payload: ThreadCreate,
      success: Thread,
      error: commonErrors
    }),
    HttpApiEndpoint.get("listThreads", "/assistants/:assistant_id/threads", {
      params: assistantId,
      query: PageQuery,
      success: Schema.Array(Thread),
      error: commonErrors
    })
  )
  .annotate(OpenApi.Description, "Assistants: persistent configurations that own threads (and memories).")

/** Threads and their messages. @category groups */
export const Threads = HttpApiGroup.make("threads")
  .add(
    HttpApiEndpoint.get("list", "/threads", { query: PageQuery, success: Schema.Array(Thread), error: commonErrors }),
    HttpApiEndpoint.post("sendMessage", "/threads/messages", { payload: messagePayload, success: runSuccess, error: pipelineErrors })
      .annotate(OpenApi.Description, "One call: without thread_id a thread (of assistant_id, default asst_default) is created."),
    HttpApiEndpoint.post("toolOutputs", "/threads/tool-outputs", { payload: ThreadToolOutputs, success: runSuccess, error: pipelineErrors })
      .annotate(OpenApi.Description, "Resumes the thread's run paused for tool outputs."),
    HttpApiEndpoint.get("get", "/threads/:thread_id", {
      params: threadId,
      query: MessagePageQuery,
      success: ThreadWithMessages,
      error: commonErrors
    }),
    HttpApiEndpoint.delete("delete", "/threads/:thread_id", { params: threadId, success: Deleted, error: commonErrors }),
    HttpApiEndpoint.post("addMessage", "/threads/:thread_id/messages", {
      params: threadId,
      payload: messagePayload,
      success: runSuccess,
      error: pipelineErrors
    })
  )
  .annotate(OpenApi.Description, "Threads, their messages, and the messages that run the pipeline.")

/** Runs, under their thread and on their own. @category groups */
export const Runs = HttpApiGroup.make("runs")
  .add(
    HttpApiEndpoint.get("getInThread", "/threads/:thread_id/runs/:run_id", { params: { ...threadId, ...runId }, success: Run, error: commonErrors }),
    HttpApiEndpoint.post("cancelInThread", "/threads/:thread_id/runs/:run_id/cancel", {
      params: { ...threadId, ...runId },
      success: Run,
      error: commonErrors
    }),
    HttpApiEndpoint.post("submitInThread", "/threads/:thread_id/runs/:run_id/submit-tool-outputs", {
      params: { ...threadId, ...runId },
      payload: ToolOutputs,
      success: runSuccess,
      error: pipelineErrors
    }),
    HttpApiEndpoint.get("get", "/runs/:run_id", { params: runId, success: Run, error: commonErrors }),
    HttpApiEndpoint.post("cancel", "/runs/:run_id/cancel", { params: runId, success: Run, error: commonErrors }),
    HttpApiEndpoint.post("submit", "/runs/:run_id/submit-tool-outputs", { params: runId, payload: ToolOutputs, success: runSuccess, error: pipelineErrors })
  )
  .annotate(OpenApi.Description, "Runs: get one, cancel it, or resume it with tool outputs.")

const memoryId = { ...assistantId, memory_id: Schema.String }

/**
 * An assistant's memories, per `memory_scope`: list, add, search, stats, one memory (read,
 * update, soft delete), its history, restore, reset — and the operations that write a turn's
 * facts. Another tenant's ids answer 404.
 *
 * @category groups
 */
export const Memories = HttpApiGroup.make("memories")
  .add(
    HttpApiEndpoint.get("list", "/assistants/:assistant_id/memories", { params: assistantId, query: MemoryPageQuery, success: MemoryList, error: commonErrors })
      .annotate(OpenApi.Description, "A page of the assistant's memories, oldest first (page from 1, page_size 100 by default)."),
    HttpApiEndpoint.post("add", "/assistants/:assistant_id/memories", { params: assistantId, payload: MemoryCreate, success: Memory, error: commonErrors }),
    HttpApiEndpoint.delete("reset", "/assistants/:assistant_id/memories", {
      params: assistantId,
      query: MemoryScopeQuery,
      success: MemoryReset,
      error: commonErrors
    }).annotate(OpenApi.Description, "Soft-deletes every memory of memory_scope, or of every scope when absent; each can be restored."),
    HttpApiEndpoint.post("search", "/assistants/:assistant_id/memories/search", {
      params: assistantId,
      payload: MemorySearch,
      success: Schema.Array(RetrievedMemory),
      error: commonErrors
    }).annotate(OpenApi.Description, "The memories of a scope most similar to query, best first, as the LLM would get them."),
    HttpApiEndpoint.get("stats", "/assistants/:assistant_id/memories/stats", { params: assistantId, success: MemoryStats, error: commonErrors }),
    HttpApiEndpoint.get("get", "/assistants/:assistant_id/memories/:memory_id", { params: memoryId, success: Memory, error: commonErrors }),
    HttpApiEndpoint.put("update", "/assistants/:assistant_id/memories/:memory_id", {
      params: memoryId,
      payload: MemoryUpdate,
      success: Memory,
      error: commonErrors
    }),
    HttpApiEndpoint.delete("delete", "/assistants/:assistant_id/memories/:memory_id", { params: memoryId, success: Memory, error: commonErrors })
      .annotate(OpenApi.Description, "Soft-deletes the memory (answered with its deleted_at); restore undoes it."),
    HttpApiEndpoint.get("history", "/assistants/:assistant_id/memories/:memory_id/history", {
      params: memoryId,
      success: Schema.Array(MemoryHistory),
      error: commonErrors
    }),
    HttpApiEndpoint.post("restore", "/assistants/:assistant_id/memories/:memory_id/restore", { params: memoryId, success: Memory, error: commonErrors }),
    HttpApiEndpoint.get("operation", "/assistants/memories/operations/:operation_id", {
      params: { operation_id: Schema.String },
      success: MemoryOperation,
      error: commonErrors
    }).annotate(OpenApi.Description, "A memory operation: IN_PROGRESS, then COMPLETED or FAILED (with error and raw_output).")
  )
  .annotate(OpenApi.Description, "Memories: the facts an assistant keeps per memory_scope, their history and the operations that write them.")

/** Produced media. @category groups */
export const MediaGroup = HttpApiGroup.make("media")
  .add(
    HttpApiEndpoint.get("get", "/media/:document_id", {
      params: { document_id: Schema.String },
      query: { exp: Schema.optionalKey(Schema.String), sig: Schema.optionalKey(Schema.String) },
      success: HttpApiSchema.StreamUint8Array({ contentType: ["audio/mpeg", "image/png", "application/octet-stream"] }),
      error: [ErrorResponses[400], ErrorResponses[401], ErrorResponses[404], ErrorResponses[500]]
    }).annotate(
      OpenApi.Description,
      "A stored document. A signed URL (exp, sig) needs no key; without a signature, the owning tenant's key is accepted. Range requests answer 206."
    )
  )

/** The catalogue: providers and their models. @category groups */
export const Catalogue = HttpApiGroup.make("catalogue")
  .add(
    HttpApiEndpoint.get("models", "/models", { success: Models, error: commonErrors }),
    HttpApiEndpoint.get("providers", "/providers", { success: Schema.Array(ProviderSummary), error: commonErrors })
  )

/**
 * Realtime speech-to-text over a WebSocket. `GET /realtime/stt` upgrades (answering errors as
 * JSON before it does); the client sends binary frames of audio in `audio_format` (or
 * `{ "type": "input_audio_chunk", "audio": <base64> }`), `{ "type": "commit" }` and, when its
 * audio ends, `{ "type": "end" }`; the server sends `session_started`, `partial_transcript`,
 * `committed_transcript`, `error` and `session_ended { transcript, record }` as JSON text frames.
 *
 * @category groups
 */
export const Realtime = HttpApiGroup.make("realtime")
  .add(
    HttpApiEndpoint.post("token", "/realtime/tokens", { success: RealtimeToken, error: commonErrors })
      .annotate(
        OpenApi.Description,
        "A single-use token for one WebSocket of the key's tenant, accepted as ?token= for a short time. An optional JSON body " +
          "naming the session (the socket's query parameters: provider, model, audio_format, …) is checked first, answering its errors as JSON."
      ),
    HttpApiEndpoint.get("stt", "/realtime/stt", { query: RealtimeSttQuery, success: Schema.Void, error: pipelineErrors })
      .annotate(
        OpenApi.Description,
        "Upgrades to a WebSocket (101). Audio in as binary frames or input_audio_chunk messages, commit and end messages; " +
          "session_started, partial_transcript, committed_transcript, error and session_ended out."
      )
  )
  .annotate(OpenApi.Description, "Realtime speech-to-text: live audio in, partial and committed transcripts out.")

/** Liveness. @category groups */
export const System = HttpApiGroup.make("system")
  .add(HttpApiEndpoint.get("health", "/health", { success: Health }))

/**
 * Core's wire schemas use plain numbers, which the JSON Schema generator spells as a number or
 * the strings "NaN" and "Infinity"; the wire never carries those (JSON has no such numbers), so
 * the document says `number`.
 */
const nonFinite = JSON.stringify(["-Infinity", "Infinity", "NaN"])
const finiteNumbers = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(finiteNumbers)
  if (typeof node !== "object" || node === null) return node
  const anyOf = (node as { readonly anyOf?: unknown }).anyOf
  if (Array.isArray(anyOf)) {
    const kept = anyOf.filter((member) => !(typeof member === "object" && member !== null && (member as { readonly type?: unknown }).type === "string" &&
      JSON.stringify([...((member as { readonly enum?: ReadonlyArray<string> }).enum ?? [])].sort()) === nonFinite))
    if (kept.length !== anyOf.length) {
      const { anyOf: _anyOf, ...rest } = node as Record<string, unknown>
      return finiteNumbers(kept.length === 1 ? { ...rest, ...(kept[0] as object) } : { ...rest, anyOf: kept })
    }
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, finiteNumbers(value)]))
}

/**
 * The Patchbay HTTP API. The OpenAI-compatible `/v1` routes are a group of their own, to be
 * added beside these.
 *
 * @category api
 */
export const Api = HttpApi.make("patchbay")
  .add(Assistants, Threads, Runs, Memories, MediaGroup, Catalogue, Realtime, System)
  .annotate(OpenApi.Title, "Patchbay")
  .annotate(OpenApi.Description, "Threads, messages with audio, streaming events, assistants and run controls over many AI vendors.")
  .annotate(OpenApi.Transform, (spec) => finiteNumbers(spec) as typeof spec)
