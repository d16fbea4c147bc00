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
import type { Assistant } from "./AssistantStore.ts"
import { AssistantStore } from "./AssistantStore.ts"
import { InvalidRequest } from "./Errors.ts"
import type { MessageRequest } from "./MessageRequest.ts"
import { type Memory, type MemoryHistory, type MemoryOperation, MemoryStore, type StoredMemoryOperation } from "./MemoryStore.ts"
import type { MemoryPage, MemoryPageResult } from "./Paging.ts"
import type { Resolved } from "./ProviderRegistry.ts"
import { ProviderRegistry } from "./ProviderRegistry.ts"
import { makeId } from "./Run.ts"
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
 * registered.
 */
export const plan = Effect.fnUntraced(function*(
  request: MessageRequest,
  assistant: Assistant,
  turnLlm: Resolved<"llm"> | undefined
) {
  const mode = request.memory ?? assistant.memory
  if (mode === "off") return undefined
  const registry = yield* ProviderRegistry
  if (assistant.embedding_provider !== undefined && assistant.embedding_model_name !== undefined) {
    yield* registry.resolve("embedding", assistant.embedding_provider, assistant.embedding_model_name, {
      provider: "embedding_provider",
      model: "embedding_model_name"
    })
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

/** A page of an assistant's memories, optionally of one scope, oldest first. */
export const list = Effect.fn("Memory.list")(function*(
  assistantId: string,
  options: MemoryPage & { readonly memory_scope?: string | undefined; readonly include_deleted?: boolean | undefined } = {}
) {
  yield* assistantOf(assistantId)
  const page: MemoryPageResult<Memory> = yield* MemoryStore.use((store) => store.list(assistantId, options))
  return page
})

/** One memory (soft-deleted ones too). */
export const get = Effect.fn("Memory.get")(function*(assistantId: string, memoryId: string) {
  yield* assistantOf(assistantId)
  return yield* MemoryStore.use((store) => store.get(assistantId, memoryId))
})

/** Adds a memory directly (history `ADD`, no operation). */
export const add = Effect.fn("Memory.add")(function*(assistantId: string, input: unknown) {
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
export const update = Effect.fn("Memory.update")(function*(assistantId: string, memoryId: string, input: unknown) {
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
export const remove = Effect.fn("Memory.delete")(function*(assistantId: string, memoryId: string) {
  yield* assistantOf(assistantId)
  return yield* MemoryStore.use((store) => store.softDelete(assistantId, memoryId, { history_id: makeId("hist") }))
})

/** Restores a soft-deleted memory (history `RESTORE`). */
export const restore = Effect.fn("Memory.restore")(function*(assistantId: string, memoryId: string) {
  yield* assistantOf(assistantId)
  return yield* MemoryStore.use((store) => store.restore(assistantId, memoryId, { history_id: makeId("hist") }))
})

/** A memory's changes, oldest first. */
export const history = Effect.fn("Memory.history")(function*(assistantId: string, memoryId: string) {
  yield* assistantOf(assistantId)
  const rows: ReadonlyArray<MemoryHistory> = yield* MemoryStore.use((store) => store.history(assistantId, memoryId))
  return rows
})

/** A memory operation as the wire shows it (`NotFound`, kind operation, for an unknown one). */
export const operation = Effect.fn("Memory.operation")(function*(operationId: string) {
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
