/**
 * `MemoryStore`: an assistant's memories, the history of every change to them, and the memory
 * operations that wrote them. Memories belong to an assistant and a `memory_scope` (e.g. the end
 * user's id), so one assistant serves many users without leaks. Nothing is ever lost: every
 * change writes a history row in the same step, and a delete is a soft delete that `restore`
 * undoes. This module is the storage only (search, extraction and retrieval build on it).
 * Every method is scoped by `CurrentTenant`; another tenant's ids answer `NotFound`.
 *
 * @since 0.2.0
 */
import { Clock, Context, Effect, Layer } from "effect"
import { NotFound, type StoreUnavailable } from "./Errors.ts"
import { type MemoryPage, memoryPageOf, type MemoryPageResult } from "./Paging.ts"
import { CurrentTenant } from "./Tenant.ts"

/** A stored memory. `content` is its text (a retrieved memory's is `memory`: Backboard's names). Times are ISO 8601. */
export interface Memory {
  readonly id: string
  readonly content: string
  readonly memory_scope: string
  readonly metadata: Readonly<Record<string, unknown>>
  readonly created_at: string
  readonly updated_at: string
  readonly expires_at?: string | null | undefined
  /** Set while soft-deleted. */
  readonly deleted_at?: string | null | undefined
}

/** The kinds of change a history row records. */
export type MemoryEvent = "ADD" | "UPDATE" | "DELETE" | "RESTORE"

/** One change to a memory. */
export interface MemoryHistory {
  readonly id: string
  readonly memory_id: string
  readonly event: MemoryEvent
  readonly old_content: string | null
  readonly new_content: string | null
  /** The operation that made the change; null for a change made directly. */
  readonly operation_id: string | null
  readonly created_at: string
}

/** The states of a memory operation. */
export type MemoryOperationStatus = "IN_PROGRESS" | "COMPLETED" | "FAILED"

/** A memory operation, as the wire shows it. */
export interface MemoryOperation {
  readonly operation_id: string
  readonly status: MemoryOperationStatus
  /** Null, or why it failed. */
  readonly error: string | null
  /** Null, or the LLM's reply that failed. */
  readonly raw_output: string | null
  readonly events: ReadonlyArray<{ readonly memory_id: string; readonly event: MemoryEvent }>
  readonly created_at: string
  readonly completed_at: string | null
}

/** A stored memory operation: the wire record and what it belongs to. */
export interface StoredMemoryOperation extends MemoryOperation {
  readonly assistant_id: string
  readonly memory_scope: string
}

/** Which memories {@link MemoryStoreShape.list} returns. */
export interface MemoryFilter extends MemoryPage {
  /** Only this scope's; all scopes when absent. */
  readonly memory_scope?: string | undefined
  /** Soft-deleted memories too (default false). */
  readonly include_deleted?: boolean | undefined
}

/** Which change made a write, recorded on its history row. */
export interface ChangeBy {
  readonly operation_id?: string | null | undefined
  /** The history row's id (the caller's, so it can be repeated safely). */
  readonly history_id: string
}

/**
 * The operations of a memory store, each scoped by `CurrentTenant` and by assistant. The time
 * of every change is the Effect `Clock`'s.
 *
 * @category models
 */
export interface MemoryStoreShape {
  /**
   * Stores a memory, new (history `ADD`) or replacing the one with its id (history `UPDATE`,
   * with the old and new content), in one step.
   */
  readonly put: (assistantId: string, memory: Memory, by: ChangeBy) => Effect.Effect<Memory, StoreUnavailable>
  /** A memory, soft-deleted or not. */
  readonly get: (assistantId: string, memoryId: string) => Effect.Effect<Memory, NotFound | StoreUnavailable>
  /** A page of the assistant's memories, oldest first. */
  readonly list: (assistantId: string, filter?: MemoryFilter) => Effect.Effect<MemoryPageResult<Memory>, StoreUnavailable>
  /** Sets `deleted_at` (history `DELETE`); deleting a deleted memory changes nothing. */
  readonly softDelete: (assistantId: string, memoryId: string, by: ChangeBy) => Effect.Effect<Memory, NotFound | StoreUnavailable>
  /** Clears `deleted_at` (history `RESTORE`); restoring a live memory changes nothing. */
  readonly restore: (assistantId: string, memoryId: string, by: ChangeBy) => Effect.Effect<Memory, NotFound | StoreUnavailable>
  /** A memory's changes, oldest first. */
  readonly history: (assistantId: string, memoryId: string) => Effect.Effect<ReadonlyArray<MemoryHistory>, NotFound | StoreUnavailable>
  /** Stores an operation, new or replacing the one with its id. */
  readonly putOperation: (operation: StoredMemoryOperation) => Effect.Effect<StoredMemoryOperation, StoreUnavailable>
  readonly getOperation: (operationId: string) => Effect.Effect<StoredMemoryOperation, NotFound | StoreUnavailable>
  /** Deletes the assistant's memories, their history and its operations. */
  readonly deleteByAssistant: (assistantId: string) => Effect.Effect<void, StoreUnavailable>
}

interface Owned<A> {
  readonly tenant: string
  readonly assistant_id: string
  value: A
}

/** An in-memory store: fine for one process, gone on restart. */
export const makeMemory = (): MemoryStoreShape => {
  const memories = new Map<string, Owned<Memory>>()
  const history: Array<Owned<MemoryHistory>> = []
  const operations = new Map<string, Owned<StoredMemoryOperation>>()
  const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())
  const find = (assistantId: string, memoryId: string) =>
    Effect.flatMap(CurrentTenant, (tenant) => {
      const entry = memories.get(memoryId)
      return entry === undefined || entry.tenant !== tenant || entry.assistant_id !== assistantId
        ? Effect.fail(new NotFound({ kind: "memory", id: memoryId }))
        : Effect.succeed(entry)
    })
  const record = (entry: Owned<Memory>, event: MemoryEvent, old_content: string | null, by: ChangeBy, created_at: string) =>
    history.push({
      tenant: entry.tenant,
      assistant_id: entry.assistant_id,
      value: {
        id: by.history_id,
        memory_id: entry.value.id,
        event,
        old_content,
        new_content: event === "DELETE" ? null : entry.value.content,
        operation_id: by.operation_id ?? null,
        created_at
      }
    })
  const setDeleted = (deleted: boolean) => (assistantId: string, memoryId: string, by: ChangeBy) =>
    Effect.gen(function*() {
      const entry = yield* find(assistantId, memoryId)
      const isDeleted = entry.value.deleted_at !== undefined && entry.value.deleted_at !== null
      if (isDeleted === deleted) return entry.value
      const at = yield* now
      const { deleted_at: _deleted, ...rest } = entry.value
      entry.value = deleted ? { ...rest, deleted_at: at, updated_at: at } : { ...rest, updated_at: at }
      record(entry, deleted ? "DELETE" : "RESTORE", deleted ? entry.value.content : null, by, at)
      return entry.value
    })
  return {
    put: (assistantId, memory, by) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const at = yield* now
        const existing = memories.get(memory.id)
        if (existing !== undefined && (existing.tenant !== tenant || existing.assistant_id !== assistantId)) {
          return yield* Effect.die(new Error(`MemoryStore: memory id ${memory.id} is taken`))
        }
        const entry: Owned<Memory> = { tenant, assistant_id: assistantId, value: memory }
        memories.set(memory.id, entry)
        record(entry, existing === undefined ? "ADD" : "UPDATE", existing?.value.content ?? null, by, at)
        return memory
      }),
    get: (assistantId, memoryId) => Effect.map(find(assistantId, memoryId), (entry) => entry.value),
    list: (assistantId, filter = {}) =>
      Effect.map(CurrentTenant, (tenant) =>
        memoryPageOf(
          [...memories.values()]
            .filter((entry) =>
              entry.tenant === tenant && entry.assistant_id === assistantId &&
              (filter.memory_scope === undefined || entry.value.memory_scope === filter.memory_scope) &&
              (filter.include_deleted === true || entry.value.deleted_at === undefined || entry.value.deleted_at === null)
            )
            .map((entry) => entry.value),
          filter
        )),
    softDelete: setDeleted(true),
    restore: setDeleted(false),
    history: (assistantId, memoryId) =>
      Effect.map(find(assistantId, memoryId), (entry) =>
        history.filter((row) => row.tenant === entry.tenant && row.value.memory_id === memoryId).map((row) => row.value)),
    putOperation: (operation) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const existing = operations.get(operation.operation_id)
        if (existing !== undefined && existing.tenant !== tenant) {
          return yield* Effect.die(new Error(`MemoryStore: operation id ${operation.operation_id} is taken`))
        }
        operations.set(operation.operation_id, { tenant, assistant_id: operation.assistant_id, value: operation })
        return operation
      }),
    getOperation: (operationId) =>
      Effect.flatMap(CurrentTenant, (tenant) => {
        const entry = operations.get(operationId)
        return entry === undefined || entry.tenant !== tenant
          ? Effect.fail(new NotFound({ kind: "operation", id: operationId }))
          : Effect.succeed(entry.value)
      }),
    deleteByAssistant: (assistantId) =>
      Effect.map(CurrentTenant, (tenant) => {
        const mine = (entry: Owned<unknown>) => entry.tenant === tenant && entry.assistant_id === assistantId
        for (const [id, entry] of memories) if (mine(entry)) memories.delete(id)
        for (const [id, entry] of operations) if (mine(entry)) operations.delete(id)
        for (let i = history.length - 1; i >= 0; i--) if (mine(history[i]!)) history.splice(i, 1)
      })
  }
}

/** @category services */
export class MemoryStore extends Context.Service<MemoryStore, MemoryStoreShape>()("@patchbay/core/MemoryStore") {
  /** The in-memory store. */
  static readonly layerMemory: Layer.Layer<MemoryStore> = Layer.sync(MemoryStore, makeMemory)
}
