/**
 * `MemoryStore`: an assistant's memories, the history of every change to them, and the memory
 * operations that wrote them. Memories belong to an assistant and a `memory_scope` (e.g. the end
 * user's id), so one assistant serves many users without leaks. Nothing is ever lost: every
 * change writes a history row in the same step, and a delete is a soft delete that `restore`
 * undoes. This module is the storage and its search: lexical search per scope (`searchText`),
 * the embeddings stored with memories (`vectors`, scored in process by `MemorySearch`), and a
 * version per scope that every change bumps, so a process's cache of vectors can tell it is
 * stale. Extraction and retrieval build on it. Every method is scoped by `CurrentTenant`;
 * another tenant's ids answer `NotFound`.
 *
 * The in-memory store ranks with Okapi BM25 (k1 = 1.2, b = 0.75) over lower-cased word tokens
 * (runs of letters and digits) with a light suffix stemmer (plurals, `-ing`, `-ed`; not Porter),
 * the collection being the scope's live, unexpired memories. Every store leaves English stop words
 * out of the query (`MemorySearch.queryWords`).
 *
 * @since 0.2.0
 */
import { Clock, Context, Effect, Layer, Option } from "effect"
import { NotFound, type StoreUnavailable } from "./Errors.ts"
import { type Bag, bagOf, bm25 } from "./internal/lexical.ts"
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

/** A stored memory operation: the wire record, what it belongs to, and its owner's lease. */
export interface StoredMemoryOperation extends MemoryOperation {
  readonly assistant_id: string
  readonly memory_scope: string
  /**
   * While `IN_PROGRESS`: when the owner's lease lapses (ISO 8601) unless renewed with
   * {@link MemoryStoreShape.renewOperation}; a read after it settles the operation `FAILED` with
   * error {@link OWNER_LOST}. Null once the operation ended (or for one that holds no lease).
   * Not part of the wire shape {@link MemoryOperation}.
   */
  readonly lease_expires_at: string | null
}

/** The error of an operation whose owner stopped renewing its lease (its process died). */
export const OWNER_LOST = "owner lost"

/** A lexical query of one scope: see {@link MemoryStoreShape.searchText}. */
export interface TextQuery {
  readonly memory_scope: string
  /** The user's text, any characters: it is reduced to words, never parsed as query syntax. */
  readonly text: string
  /** At most this many results. */
  readonly limit: number
  /** The time (ISO 8601) against which `expires_at` is compared: a memory expiring at or before it is left out. */
  readonly now: string
}

/** A memory with its score from one search (higher is better; the scale is the engine's). */
export interface ScoredMemory {
  readonly memory: Memory
  readonly score: number
}

/** A memory and its stored embedding. */
export interface MemoryVector {
  readonly memory: Memory
  readonly vector: Float32Array
}

/** A scope's embeddings as of one version of the scope: see {@link MemoryStoreShape.vectors}. */
export interface ScopeVectors {
  /** The scope's version the entries were read at (0 for a scope never written). */
  readonly version: number
  /** Every live memory of the scope that has a vector, expired ones included (their `expires_at` says so), oldest first. */
  readonly entries: ReadonlyArray<MemoryVector>
}

/** An assistant's memory counts, the wire shape of memory stats. */
export interface MemoryStats {
  /** Live memories (not soft-deleted), all scopes: the `total_count` an unfiltered list reports. */
  readonly total_count: number
  /** Soft-deleted memories, all scopes (restorable). */
  readonly deleted_count: number
  /** How many distinct scopes hold at least one live memory. */
  readonly scopes: number
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
   * with the old and new content), in one step, with its embedding: `vector` replaces the stored
   * one, and without it the memory has none. Like every change, it bumps the scope's version
   * in the same step.
   */
  readonly put: (assistantId: string, memory: Memory, by: ChangeBy, vector?: Float32Array) => Effect.Effect<Memory, StoreUnavailable>
  /** A memory, soft-deleted or not. */
  readonly get: (assistantId: string, memoryId: string) => Effect.Effect<Memory, NotFound | StoreUnavailable>
  /** A page of the assistant's memories, oldest first. */
  readonly list: (assistantId: string, filter?: MemoryFilter) => Effect.Effect<MemoryPageResult<Memory>, StoreUnavailable>
  /** Sets `deleted_at` (history `DELETE`, scope version bumped); deleting a deleted memory changes nothing. */
  readonly softDelete: (assistantId: string, memoryId: string, by: ChangeBy) => Effect.Effect<Memory, NotFound | StoreUnavailable>
  /** Clears `deleted_at` (history `RESTORE`, scope version bumped); restoring a live memory changes nothing. */
  readonly restore: (assistantId: string, memoryId: string, by: ChangeBy) => Effect.Effect<Memory, NotFound | StoreUnavailable>
  /** A memory's changes, oldest first. */
  readonly history: (assistantId: string, memoryId: string) => Effect.Effect<ReadonlyArray<MemoryHistory>, NotFound | StoreUnavailable>
  /**
   * Lexical search of one scope, best first: the live, unexpired memories sharing at least one
   * word with `text` (terms are OR-ed, stemmed where the engine stems, English stop words left
   * out). Text with no such word in it finds nothing; no text is ever a query syntax error.
   */
  readonly searchText: (assistantId: string, query: TextQuery) => Effect.Effect<ReadonlyArray<ScoredMemory>, StoreUnavailable>
  /** The scope's version: 0 before its first change, then raised by every put, delete, restore and reset in it. */
  readonly scopeVersion: (assistantId: string, memoryScope: string) => Effect.Effect<number, StoreUnavailable>
  /** The scope's live memories that have a vector, read in one snapshot with the version they belong to. */
  readonly vectors: (assistantId: string, memoryScope: string) => Effect.Effect<ScopeVectors, StoreUnavailable>
  /**
   * Soft-deletes every live memory of the scope (of every scope when `memoryScope` is absent),
   * each with a `DELETE` history row (made by `operationId` when given), in one step, bumping the
   * version of each scope it touched once; returns how many it deleted. `restore` undoes each.
   */
  readonly reset: (assistantId: string, memoryScope?: string, operationId?: string) => Effect.Effect<number, StoreUnavailable>
  /** The assistant's memory counts. */
  readonly stats: (assistantId: string) => Effect.Effect<MemoryStats, StoreUnavailable>
  /** Stores an operation, new or replacing the one with its id. */
  readonly putOperation: (operation: StoredMemoryOperation) => Effect.Effect<StoredMemoryOperation, StoreUnavailable>
  /** An operation; one `IN_PROGRESS` past its lease is settled `FAILED` ({@link OWNER_LOST}) first, and stored so. */
  readonly getOperation: (operationId: string) => Effect.Effect<StoredMemoryOperation, NotFound | StoreUnavailable>
  /** The scope's newest `IN_PROGRESS` operation, after settling lapsed ones as `getOperation` does; none when nothing runs. */
  readonly runningOperation: (assistantId: string, memoryScope: string) => Effect.Effect<Option.Option<StoredMemoryOperation>, StoreUnavailable>
  /** Extends an `IN_PROGRESS` operation's lease; false when it is no longer running (ended, or settled as lost) or unknown. */
  readonly renewOperation: (operationId: string, leaseExpiresAt: string) => Effect.Effect<boolean, StoreUnavailable>
  /** Deletes the assistant's memories, their history and its operations (scope versions are bumped, never reset). */
  readonly deleteByAssistant: (assistantId: string) => Effect.Effect<void, StoreUnavailable>
}

interface Owned<A> {
  readonly tenant: string
  readonly assistant_id: string
  value: A
}

interface StoredMemory extends Owned<Memory> {
  /** The content's bag of terms, kept for BM25. */
  bag: Bag
  vector: Float32Array | undefined
}

const isLive = (memory: Memory) => memory.deleted_at === undefined || memory.deleted_at === null
const isUnexpired = (memory: Memory, now: string) =>
  memory.expires_at === undefined || memory.expires_at === null || memory.expires_at > now

/**
 * What an operation has become by `now` (ISO 8601): an `IN_PROGRESS` one whose lease lapsed is
 * `FAILED` with error {@link OWNER_LOST}, completed at `now`, lease cleared. Undefined when nothing
 * lapsed. Every store settles operations on read with it.
 */
export const settleOperation = (operation: StoredMemoryOperation, now: string): StoredMemoryOperation | undefined =>
  operation.status === "IN_PROGRESS" && operation.lease_expires_at !== null && operation.lease_expires_at <= now
    ? { ...operation, status: "FAILED", error: OWNER_LOST, completed_at: now, lease_expires_at: null }
    : undefined

/** A history row id for a change the store makes by itself (reset). */
export const historyId = (): string => `hist_${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("base64url")}`

/** An in-memory store: fine for one process, gone on restart. */
export const makeMemory = (): MemoryStoreShape => {
  const memories = new Map<string, StoredMemory>()
  const history: Array<Owned<MemoryHistory>> = []
  const operations = new Map<string, Owned<StoredMemoryOperation>>()
  const versions = new Map<string, number>()
  const versionKey = (tenant: string, assistantId: string, scope: string) => JSON.stringify([tenant, assistantId, scope])
  const bump = (tenant: string, assistantId: string, scope: string) => {
    const key = versionKey(tenant, assistantId, scope)
    versions.set(key, (versions.get(key) ?? 0) + 1)
  }
  const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())
  const find = (assistantId: string, memoryId: string) =>
    Effect.flatMap(CurrentTenant, (tenant) => {
      const entry = memories.get(memoryId)
      return entry === undefined || entry.tenant !== tenant || entry.assistant_id !== assistantId
        ? Effect.fail(new NotFound({ kind: "memory", id: memoryId }))
        : Effect.succeed(entry)
    })
  /** Records a change: its history row and (unless `bumped` says the caller bumps once for many) its scope's version. */
  const record = (entry: Owned<Memory>, event: MemoryEvent, old_content: string | null, by: ChangeBy, created_at: string, bumped = true) => {
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
    if (bumped) bump(entry.tenant, entry.assistant_id, entry.value.memory_scope)
  }
  const markDeleted = (entry: StoredMemory, by: ChangeBy, at: string, bumped = true) => {
    entry.value = { ...entry.value, deleted_at: at, updated_at: at }
    record(entry, "DELETE", entry.value.content, by, at, bumped)
  }
  const setDeleted = (deleted: boolean) => (assistantId: string, memoryId: string, by: ChangeBy) =>
    Effect.gen(function*() {
      const entry = yield* find(assistantId, memoryId)
      if (!isLive(entry.value) === deleted) return entry.value
      const at = yield* now
      if (deleted) {
        markDeleted(entry, by, at)
      } else {
        const { deleted_at: _deleted, ...rest } = entry.value
        entry.value = { ...rest, updated_at: at }
        record(entry, "RESTORE", null, by, at)
      }
      return entry.value
    })
  const scopeOf = (tenant: string, assistantId: string, scope: string) =>
    [...memories.values()].filter((entry) =>
      entry.tenant === tenant && entry.assistant_id === assistantId && entry.value.memory_scope === scope && isLive(entry.value)
    )
  /** Settles `entry` at `at` when its lease lapsed; returns its current value. */
  const settled = (entry: Owned<StoredMemoryOperation>, at: string) => {
    const next = settleOperation(entry.value, at)
    if (next !== undefined) entry.value = next
    return entry.value
  }
  return {
    put: (assistantId, memory, by, vector) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const at = yield* now
        const existing = memories.get(memory.id)
        if (existing !== undefined && (existing.tenant !== tenant || existing.assistant_id !== assistantId)) {
          return yield* Effect.die(new Error(`MemoryStore: memory id ${memory.id} is taken`))
        }
        const entry: StoredMemory = {
          tenant,
          assistant_id: assistantId,
          value: memory,
          bag: bagOf(memory.content),
          vector: vector === undefined ? undefined : Float32Array.from(vector)
        }
        memories.set(memory.id, entry)
        // A memory moved to another scope changes that scope too.
        if (existing !== undefined && existing.value.memory_scope !== memory.memory_scope) {
          bump(tenant, assistantId, existing.value.memory_scope)
        }
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
              (filter.include_deleted === true || isLive(entry.value))
            )
            .map((entry) => entry.value),
          filter
        )),
    softDelete: setDeleted(true),
    restore: setDeleted(false),
    history: (assistantId, memoryId) =>
      Effect.map(find(assistantId, memoryId), (entry) =>
        history.filter((row) => row.tenant === entry.tenant && row.value.memory_id === memoryId).map((row) => row.value)),
    searchText: (assistantId, query) =>
      Effect.map(CurrentTenant, (tenant) => {
        const docs = scopeOf(tenant, assistantId, query.memory_scope).filter((entry) => isUnexpired(entry.value, query.now))
        return bm25(query.text, docs.map((entry) => entry.bag))
          .slice(0, Math.max(0, query.limit))
          .map(({ index, score }) => ({ memory: docs[index]!.value, score }))
      }),
    scopeVersion: (assistantId, memoryScope) =>
      Effect.map(CurrentTenant, (tenant) => versions.get(versionKey(tenant, assistantId, memoryScope)) ?? 0),
    vectors: (assistantId, memoryScope) =>
      Effect.map(CurrentTenant, (tenant) => ({
        version: versions.get(versionKey(tenant, assistantId, memoryScope)) ?? 0,
        entries: scopeOf(tenant, assistantId, memoryScope).flatMap((entry) =>
          entry.vector === undefined ? [] : [{ memory: entry.value, vector: Float32Array.from(entry.vector) }]
        )
      })),
    reset: (assistantId, memoryScope, operationId) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const at = yield* now
        // One version bump per scope touched, as the SQL stores do.
        const scopes = new Set<string>()
        let count = 0
        for (const entry of memories.values()) {
          if (
            entry.tenant === tenant && entry.assistant_id === assistantId && isLive(entry.value) &&
            (memoryScope === undefined || entry.value.memory_scope === memoryScope)
          ) {
            markDeleted(entry, { history_id: historyId(), operation_id: operationId ?? null }, at, false)
            scopes.add(entry.value.memory_scope)
            count++
          }
        }
        for (const scope of scopes) bump(tenant, assistantId, scope)
        return count
      }),
    stats: (assistantId) =>
      Effect.map(CurrentTenant, (tenant) => {
        let total_count = 0
        let deleted_count = 0
        const scopes = new Set<string>()
        let count = 0
        for (const entry of memories.values()) {
          if (entry.tenant !== tenant || entry.assistant_id !== assistantId) continue
          if (isLive(entry.value)) {
            total_count++
            scopes.add(entry.value.memory_scope)
            count++
          } else {
            deleted_count++
          }
        }
        return { total_count, deleted_count, scopes: scopes.size }
      }),
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
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const entry = operations.get(operationId)
        if (entry === undefined || entry.tenant !== tenant) return yield* new NotFound({ kind: "operation", id: operationId })
        return settled(entry, yield* now)
      }),
    runningOperation: (assistantId, memoryScope) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const at = yield* now
        let running: StoredMemoryOperation | undefined
        for (const entry of operations.values()) {
          if (entry.tenant !== tenant || entry.assistant_id !== assistantId || entry.value.memory_scope !== memoryScope) continue
          const operation = settled(entry, at)
          if (operation.status === "IN_PROGRESS") running = operation
        }
        return Option.fromUndefinedOr(running)
      }),
    renewOperation: (operationId, leaseExpiresAt) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const entry = operations.get(operationId)
        if (entry === undefined || entry.tenant !== tenant || settled(entry, yield* now).status !== "IN_PROGRESS") return false
        entry.value = { ...entry.value, lease_expires_at: leaseExpiresAt }
        return true
      }),
    deleteByAssistant: (assistantId) =>
      Effect.map(CurrentTenant, (tenant) => {
        const mine = (entry: Owned<unknown>) => entry.tenant === tenant && entry.assistant_id === assistantId
        for (const [id, entry] of memories) {
          if (mine(entry)) {
            bump(tenant, assistantId, entry.value.memory_scope)
            memories.delete(id)
          }
        }
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
