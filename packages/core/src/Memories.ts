/**
 * Memory: the facts an assistant keeps across threads, per `memory_scope` (e.g. the end user's
 * id), so one assistant serves many users without leaks. This module is the behaviour over the
 * `MemoryStore`: which mode a message runs in (`"Auto"` reads and writes, `"Readonly"` reads,
 * `"off"` neither), the worker that owns background writes, and the programs behind
 * `pb.memory.*` — list, search, add, update, delete, restore, history, reset, stats, operation,
 * wait. Retrieval is `Stages.recall`; the write of a turn (one operation: extract facts, compare
 * them with similar memories, apply ADD / UPDATE / DELETE / NONE) lives in
 * `internal/memoryWrite.ts`.
 *
 * Nothing is ever lost: every change is a history row, a delete is soft and `restore` undoes
 * it, and a write that cannot be decoded ends `FAILED` with the LLM's raw reply.
 *
 * @since 0.3.0
 */
import { Clock, Context, Effect, Layer, Schema } from "effect"
import type { Assistant, AssistantFields } from "./AssistantStore.ts"
import { AssistantStore } from "./AssistantStore.ts"
import { InvalidRequest } from "./Errors.ts"
import * as Recall from "./internal/stages/recall.ts"
import type { MessageRequest } from "./MessageRequest.ts"
import type { RetrievedMemory } from "./MessageResponse.ts"
import { type Memory, type MemoryHistory, type MemoryOperation, type MemoryStats, MemoryStore, type StoredMemoryOperation } from "./MemoryStore.ts"
import { type MemoryPage, MemoryPageOptions, type MemoryPageResult, SearchLimitOptions } from "./Paging.ts"
import type { Resolved } from "./ProviderRegistry.ts"
import { ProviderRegistry } from "./ProviderRegistry.ts"
import { makeId } from "./Run.ts"
import { PipelineSettings } from "./Settings.ts"
import * as Validation from "./Validation.ts"

// ---------------------------------------------------------------------------------------------
// Modes and scopes
// ---------------------------------------------------------------------------------------------

/** The memory modes a request or an assistant may name. */
export const modes = ["Auto", "Readonly", "off"] as const

/** How a message uses memory. */
export type Mode = (typeof modes)[number]

/** The scope of a request that names none. */
export const DEFAULT_SCOPE = "default"

/**
 * Refuses a `memory` that is not one of {@link modes} with an `InvalidRequest` listing them —
 * run on the raw request, before it is decoded, so the error names the allowed values.
 */
export const checkMode = (request: unknown): Effect.Effect<void, InvalidRequest> => {
  if (typeof request !== "object" || request === null || !("memory" in request)) return Effect.void
  const value = (request as { readonly memory?: unknown }).memory
  return value === undefined || (typeof value === "string" && (modes as ReadonlyArray<string>).includes(value))
    ? Effect.void
    : Effect.fail(new InvalidRequest({ field: "memory", value, allowed: [...modes], reason: "not a memory mode" }))
}

/** What a message does with memory, decided before it runs. */
export interface Plan {
  readonly mode: "Auto" | "Readonly"
  readonly assistant: Assistant
  readonly scope: string
  /** The LLM that extracts and decides (`"Auto"` only). */
  readonly llm: Resolved<"llm"> | undefined
}

/**
 * Decides a message's memory: the request's mode, else the assistant's; `undefined` when it is
 * `"off"`. For `"Auto"` the memory LLM — the assistant's `memory_llm_provider` /
 * `memory_model_name`, else the turn's LLM — must exist, or the message is refused
 * (`InvalidRequest`, field `memory`) before any vendor call. A named embedding model must be
 * registered and give the assistant's `embedding_dims`.
 */
export const plan = Effect.fnUntraced(function*(
  request: MessageRequest,
  assistant: Assistant,
  turnLlm: Resolved<"llm"> | undefined
) {
  const mode = request.memory ?? assistant.memory
  if (mode === "off") return undefined
  const registry = yield* ProviderRegistry
  const embedding = Recall.embeddingOf(assistant)
  if (embedding !== undefined) {
    // the model, and the dimensions it is asked for, checked as a request to embed one text would be
    yield* Validation.validateEmbedding(registry, { ...embedding, texts: ["memory"] }, "assistant.embedding")
  }
  let llm: Resolved<"llm"> | undefined
  if (mode === "Auto") {
    llm = assistant.memory_llm_provider !== undefined && assistant.memory_model_name !== undefined
      ? yield* Validation.validateModel(registry, "llm", assistant.memory_llm_provider, assistant.memory_model_name, {
        provider: "memory_llm_provider",
        model: "memory_model_name"
      }, undefined)
      : turnLlm
    if (llm === undefined) {
      return yield* new InvalidRequest({
        field: "memory",
        value: mode,
        reason: "memory \"Auto\" needs an LLM to extract facts: the turn names none (send_to_llm is false) and the assistant " +
          "sets no memory_llm_provider and memory_model_name"
      })
    }
  }
  const result: Plan = { mode, assistant, scope: request.memory_scope ?? DEFAULT_SCOPE, llm }
  return result
})

// ---------------------------------------------------------------------------------------------
// The worker that owns background writes
// ---------------------------------------------------------------------------------------------

/** @category models */
export interface MemoryWorkerShape {
  /**
   * Runs a memory write in the background, owned by the runtime: it outlives the turn that
   * started it and is interrupted when the runtime is disposed.
   */
  readonly fork: (write: Effect.Effect<void>) => Effect.Effect<void>
}

/**
 * Where background memory writes run. Its default owns none, so a program that runs a message
 * with memory `"Auto"` must provide {@link layerWorker} (`createPatchbay` does); without it such
 * a message is refused before any vendor call.
 *
 * @category services
 */
export const MemoryWorker = Context.Reference<MemoryWorkerShape | undefined>("@patchbay/core/MemoryWorker", {
  defaultValue: () => undefined
})

/** A worker whose writes are fibers of the layer's scope: closing the runtime interrupts them. */
export const layerWorker: Layer.Layer<never> = Layer.effect(
  MemoryWorker,
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const worker: MemoryWorkerShape = { fork: (write) => Effect.asVoid(Effect.forkIn(write, scope)) }
    return worker
  })
)

/** The worker in context; `InvalidRequest` (field `memory`) when the runtime owns none. */
export const requireWorker: Effect.Effect<MemoryWorkerShape, InvalidRequest> = Effect.gen(function*() {
  const worker = yield* MemoryWorker
  if (worker !== undefined) return worker
  return yield* new InvalidRequest({
    field: "memory",
    value: "Auto",
    reason: "this runtime runs no background memory writes: provide Memory.layerWorker (createPatchbay does)"
  })
})

// ---------------------------------------------------------------------------------------------
// Adjusting memories directly (pb.memory.*)
// ---------------------------------------------------------------------------------------------

const iso = (ms: number) => new Date(ms).toISOString()

/** The fields of a memory written directly. @category schemas */
export const MemoryInput = Schema.Struct({
  content: Schema.String.check(Schema.isNonEmpty()),
  memory_scope: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  metadata: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  /** ISO 8601: after this time the memory is no longer retrieved. */
  expires_at: Schema.optionalKey(Schema.NullOr(Schema.String))
})
export type MemoryInput = typeof MemoryInput.Type

/** The fields an update may change. @category schemas */
export const MemoryUpdate = Schema.Struct({
  content: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  metadata: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  expires_at: Schema.optionalKey(Schema.NullOr(Schema.String))
})
export type MemoryUpdate = typeof MemoryUpdate.Type

const checkExpiry = (expires_at: string | null | undefined) =>
  expires_at === undefined || expires_at === null || !Number.isNaN(Date.parse(expires_at))
    ? Effect.void
    : Effect.fail(new InvalidRequest({ field: "expires_at", value: expires_at, reason: "expected an ISO 8601 time" }))

/** The assistant, checked to exist (`NotFound`, kind assistant). */
const assistantOf = (assistantId: string) => AssistantStore.use((assistants) => assistants.get(assistantId))

const decodeMemoryPage = Validation.decodeWith(MemoryPageOptions)
const decodeSearchLimit = Validation.decodeWith(SearchLimitOptions)

/** A page of an assistant's memories, optionally of one scope, oldest first. */
export const list = Effect.fn("Memories.list")(function*(
  assistantId: string,
  options: MemoryPage & { readonly memory_scope?: string | undefined; readonly include_deleted?: boolean | undefined } = {}
) {
  yield* decodeMemoryPage(options)
  yield* assistantOf(assistantId)
  const page: MemoryPageResult<Memory> = yield* MemoryStore.use((store) => store.list(assistantId, options))
  return page
})

/** One memory (soft-deleted ones too). */
export const get = Effect.fn("Memories.get")(function*(assistantId: string, memoryId: string) {
  yield* assistantOf(assistantId)
  return yield* MemoryStore.use((store) => store.get(assistantId, memoryId))
})

/** Adds a memory directly (history `ADD`, no operation). */
export const add = Effect.fn("Memories.add")(function*(assistantId: string, input: unknown) {
  const fields = yield* Validation.decodeWith(MemoryInput)(input)
  yield* checkExpiry(fields.expires_at)
  yield* assistantOf(assistantId)
  const at = iso(yield* Clock.currentTimeMillis)
  const memory: Memory = {
    id: makeId("mem"),
    content: fields.content,
    memory_scope: fields.memory_scope ?? DEFAULT_SCOPE,
    metadata: fields.metadata ?? {},
    created_at: at,
    updated_at: at,
    ...(fields.expires_at === undefined ? {} : { expires_at: fields.expires_at })
  }
  const stored = yield* MemoryStore.use((store) => store.put(assistantId, memory, { history_id: makeId("hist") }))
  return stored
})

/** Changes a memory's content, metadata or expiry (history `UPDATE`). A soft-deleted one is `NotFound`: restore it first. */
export const update = Effect.fn("Memories.update")(function*(assistantId: string, memoryId: string, input: unknown) {
  const fields = yield* Validation.decodeWith(MemoryUpdate)(input)
  yield* checkExpiry(fields.expires_at)
  yield* assistantOf(assistantId)
  const store = yield* MemoryStore
  const current = yield* store.get(assistantId, memoryId)
  if (current.deleted_at !== undefined && current.deleted_at !== null) {
    return yield* new InvalidRequest({ field: "memory_id", value: memoryId, reason: "the memory is deleted: restore it before updating it" })
  }
  const at = iso(yield* Clock.currentTimeMillis)
  const next: Memory = {
    ...current,
    ...(fields.content === undefined ? {} : { content: fields.content }),
    ...(fields.metadata === undefined ? {} : { metadata: fields.metadata }),
    ...(fields.expires_at === undefined ? {} : { expires_at: fields.expires_at }),
    updated_at: at
  }
  return yield* store.put(assistantId, next, { history_id: makeId("hist") })
})

/** Soft-deletes a memory (history `DELETE`): it is no longer retrieved, and {@link restore} brings it back. */
export const remove = Effect.fn("Memories.delete")(function*(assistantId: string, memoryId: string) {
  yield* assistantOf(assistantId)
  return yield* MemoryStore.use((store) => store.softDelete(assistantId, memoryId, { history_id: makeId("hist") }))
})

/** Restores a soft-deleted memory (history `RESTORE`). */
export const restore = Effect.fn("Memories.restore")(function*(assistantId: string, memoryId: string) {
  yield* assistantOf(assistantId)
  return yield* MemoryStore.use((store) => store.restore(assistantId, memoryId, { history_id: makeId("hist") }))
})

/** A memory's changes, oldest first. */
export const history = Effect.fn("Memories.history")(function*(assistantId: string, memoryId: string) {
  yield* assistantOf(assistantId)
  const rows: ReadonlyArray<MemoryHistory> = yield* MemoryStore.use((store) => store.history(assistantId, memoryId))
  return rows
})

/** A memory operation as the wire shows it (`NotFound`, kind operation, for an unknown one). */
export const operation = Effect.fn("Memories.operation")(function*(operationId: string) {
  return toWire(yield* MemoryStore.use((store) => store.getOperation(operationId)))
})

/** An operation's wire record, without what the store keeps beside it (its assistant, scope and lease). */
export const toWire = (stored: StoredMemoryOperation): MemoryOperation => ({
  operation_id: stored.operation_id,
  status: stored.status,
  error: stored.error,
  raw_output: stored.raw_output,
  events: stored.events,
  created_at: stored.created_at,
  completed_at: stored.completed_at
})

/**
 * The memories of a scope most similar to `query`, best first, as the LLM would get them: the
 * same hybrid search as `Stages.recall` (lexical, fused with vectors when the assistant names an
 * embedding model), without waiting for running writes. Deleted and expired memories are not
 * found. `limit` defaults to the assistant's `memory_top_k`.
 */
export const search = Effect.fn("Memories.search")(function*(
  assistantId: string,
  query: string,
  options: { readonly memory_scope?: string | undefined; readonly limit?: number | undefined } = {}
) {
  yield* decodeSearchLimit(options)
  const assistant = yield* assistantOf(assistantId)
  const found = yield* Recall.search({ assistant, scope: options.memory_scope ?? DEFAULT_SCOPE }, query, options.limit ?? assistant.memory_top_k)
  return found.map(({ memory, score }): RetrievedMemory => ({ id: memory.id, memory: memory.content, score }))
})

/**
 * Soft-deletes every live memory of one scope, or of every scope when `memory_scope` is absent:
 * each gets a `DELETE` history row, and `restore` brings any of them back. Returns how many.
 */
export const reset = Effect.fn("Memories.reset")(function*(assistantId: string, options: { readonly memory_scope?: string | undefined } = {}) {
  yield* assistantOf(assistantId)
  const deleted_count = yield* MemoryStore.use((store) => store.reset(assistantId, options.memory_scope))
  return { deleted_count }
})

/** The assistant's memory counts: `{ total_count, deleted_count, scopes }`. */
export const stats = Effect.fn("Memories.stats")(function*(assistantId: string) {
  yield* assistantOf(assistantId)
  const counts: MemoryStats = yield* MemoryStore.use((store) => store.stats(assistantId))
  return counts
})

/**
 * Waits until a memory operation has ended (`COMPLETED` or `FAILED`) and returns it — polling
 * the store every `memory.pollMs`, so it sees an operation run by any process over the same
 * stores. With `timeoutMs`, it returns the operation as it stands (still `IN_PROGRESS`) once that
 * time has passed. An operation always ends: by its own timeout, or, when its process died, as
 * `FAILED` (`owner lost`) once its lease lapses.
 */
export const wait = Effect.fn("Memories.wait")(function*(operationId: string, options: { readonly timeoutMs?: number | undefined } = {}) {
  const settings = yield* PipelineSettings
  const store = yield* MemoryStore
  const deadline = options.timeoutMs === undefined ? Infinity : (yield* Clock.currentTimeMillis) + options.timeoutMs
  for (;;) {
    const current = yield* store.getOperation(operationId)
    if (current.status !== "IN_PROGRESS") return toWire(current)
    const now = yield* Clock.currentTimeMillis
    if (now >= deadline) return toWire(current)
    yield* Effect.sleep(Math.max(1, Math.min(settings.memory.pollMs, deadline - now)))
  }
})

/**
 * Refuses to change an assistant's embedding model or dimensions once it has memories (live or
 * deleted): their stored vectors have the old model's dimensions, and mixing them would make
 * vector search meaningless. Create a new assistant, or delete this one's memories with it.
 */
export const checkEmbeddingChange = Effect.fnUntraced(function*(current: Assistant, update: Partial<AssistantFields>) {
  const fields = ["embedding_provider", "embedding_model_name", "embedding_dims"] as const
  const changed = fields.find((field) => field in update && update[field] !== current[field])
  if (changed === undefined) return
  const counts = yield* MemoryStore.use((store) => store.stats(current.assistant_id))
  const stored = counts.total_count + counts.deleted_count
  if (stored === 0) return
  return yield* new InvalidRequest({
    field: changed,
    value: update[changed],
    reason: `the embedding model and dimensions are fixed once an assistant has memories (${current.assistant_id} has ${stored}, ` +
      "deleted ones included): their vectors would not compare. Create a new assistant for the new embedding model."
  })
})

// ---------------------------------------------------------------------------------------------
// The facade's shape
// ---------------------------------------------------------------------------------------------

/** `pb.memory`: an assistant's memories, by their wire field names. */
export interface PatchbayMemory {
  /** A page of memories (`page` from 1, `page_size` 100), oldest first, of one scope or all. */
  readonly list: (assistantId: string, options?: {
    readonly memory_scope?: string | undefined
    readonly page?: number | undefined
    readonly page_size?: number | undefined
    readonly include_deleted?: boolean | undefined
  }) => Promise<MemoryPageResult<Memory>>
  /** The memories of a scope (default `"default"`) most similar to `query`, best first, as the LLM would get them. */
  readonly search: (
    assistantId: string,
    query: string,
    options?: { readonly memory_scope?: string | undefined; readonly limit?: number | undefined }
  ) => Promise<ReadonlyArray<RetrievedMemory>>
  /** Adds a memory directly (history `ADD`). */
  readonly add: (assistantId: string, memory: MemoryInput) => Promise<Memory>
  /** Changes a memory's content, metadata or `expires_at` (history `UPDATE`). */
  readonly update: (assistantId: string, memoryId: string, fields: MemoryUpdate) => Promise<Memory>
  /** Soft-deletes a memory (history `DELETE`); `restore` undoes it. */
  readonly delete: (assistantId: string, memoryId: string) => Promise<Memory>
  /** Brings a deleted memory back (history `RESTORE`). */
  readonly restore: (assistantId: string, memoryId: string) => Promise<Memory>
  /** A memory's changes, oldest first. */
  readonly history: (assistantId: string, memoryId: string) => Promise<ReadonlyArray<MemoryHistory>>
  /** Soft-deletes every memory of one scope, or of the whole assistant when no scope is given. */
  readonly reset: (assistantId: string, options?: { readonly memory_scope?: string | undefined }) => Promise<{ readonly deleted_count: number }>
  readonly stats: (assistantId: string) => Promise<MemoryStats>
  /** A memory operation: its status, error and raw reply when it failed, and its changes. */
  readonly operation: (operationId: string) => Promise<MemoryOperation>
  /** Waits for a memory operation to end and returns it (as it stands after `timeoutMs`, when given). */
  readonly wait: (operationId: string, options?: { readonly timeoutMs?: number | undefined }) => Promise<MemoryOperation>
}
