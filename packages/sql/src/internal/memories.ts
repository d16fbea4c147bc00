/**
 * `MemoryStore` on SQL: memories (record as JSON; `content`, `expires_at` and the embedding also
 * in columns of their own for search), their history rows and operations. Every change writes
 * its history row in the same transaction and bumps the scope's version row, so caches of
 * vectors elsewhere see it.
 *
 * Search: SQLite ranks with FTS5's `bm25()` (Porter stemmer), PostgreSQL with `ts_rank_cd` over
 * the `english` configuration. The query is built from the words of the user's text alone
 * (`MemorySearch.queryWords`), OR-ed, so no text is ever a syntax error. Vectors are little-endian
 * float32 bytes, scored in process (`MemorySearch.VectorCache`).
 */
import {
  type ChangeBy,
  CurrentTenant,
  historyId,
  type Memory,
  type MemoryEvent,
  type MemoryHistory,
  MemorySearch,
  type MemoryStoreShape,
  NotFound,
  Paging,
  settleOperation,
  type StoredMemoryOperation
} from "@patchbay/core"
import { Clock, Effect, Option } from "effect"
import type { SqlError } from "effect/sql"
import { type Db, parse, run, transaction } from "./db.ts"

type Shape = MemoryStoreShape
type Operation = StoredMemoryOperation

/** An embedding as stored: its float32 values' bytes (a copy). */
export const vectorBytes = (vector: Float32Array): Uint8Array =>
  new Uint8Array(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength))

/** An embedding as read back, bit for bit (the bytes are copied, so alignment never matters). */
export const vectorOf = (bytes: Uint8Array): Float32Array => {
  if (bytes.byteLength % 4 !== 0) throw new Error(`MemoryStore: a stored vector of ${bytes.byteLength} bytes is not float32`)
  return new Float32Array(new Uint8Array(bytes).buffer)
}

const count = (value: number | string | bigint | null | undefined): number => Number(value ?? 0)

export const make = (db: Db): Shape => {
  const { sql } = db
  const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

  const find = (tenant: string, assistantId: string, memoryId: string) =>
    Effect.flatMap(
      sql<{ readonly record: string }>`SELECT record FROM memories WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId} AND memory_id = ${memoryId}`,
      (rows) =>
        rows[0] === undefined ? Effect.fail(new NotFound({ kind: "memory", id: memoryId })) : Effect.succeed(parse<Memory>(rows[0]))
    )

  const bumpScope = (tenant: string, assistantId: string, scope: string) =>
    sql`INSERT INTO memory_scope_versions (tenant_id, assistant_id, memory_scope, version) VALUES (${tenant}, ${assistantId}, ${scope}, 1) ON CONFLICT (tenant_id, assistant_id, memory_scope) DO UPDATE SET version = memory_scope_versions.version + 1`

  /** Writes `next` over an operation still `IN_PROGRESS`; false when another writer ended it first. */
  const casOperation = (tenant: string, next: Operation) =>
    Effect.map(
      sql<{ readonly operation_id: string }>`UPDATE memory_operations SET status = ${next.status}, record = ${
        JSON.stringify(next)
      } WHERE tenant_id = ${tenant} AND operation_id = ${next.operation_id} AND status = 'IN_PROGRESS' RETURNING operation_id`,
      (rows) => rows.length > 0
    )

  /** The operation as it reads at `at`: one past its lease is stored `FAILED` (owner lost) first. */
  const settle = (tenant: string, operation: Operation, at: string): Effect.Effect<Operation, SqlError.SqlError> => {
    const next = settleOperation(operation, at)
    if (next === undefined) return Effect.succeed(operation)
    return Effect.flatMap(casOperation(tenant, next), (written) =>
      written
        ? Effect.succeed(next)
        : Effect.map(
          sql<{ readonly record: string }>`SELECT record FROM memory_operations WHERE tenant_id = ${tenant} AND operation_id = ${operation.operation_id}`,
          (rows) => rows[0] === undefined ? next : parse<Operation>(rows[0])
        ))
  }

  /** The `memory_history` row of one change. */
  const historyRow = (
    tenant: string,
    assistantId: string,
    memory: Memory,
    event: MemoryEvent,
    oldContent: string | null,
    by: ChangeBy,
    at: string
  ) => {
    const row: MemoryHistory = {
      id: by.history_id,
      memory_id: memory.id,
      event,
      old_content: oldContent,
      new_content: event === "DELETE" ? null : memory.content,
      operation_id: by.operation_id ?? null,
      created_at: at
    }
    return { tenant_id: tenant, assistant_id: assistantId, history_id: row.id, memory_id: row.memory_id, record: JSON.stringify(row), created_at: at }
  }

  /** Records one change: its history row, and its scope's version bump. */
  const record = (
    tenant: string,
    assistantId: string,
    memory: Memory,
    event: MemoryEvent,
    oldContent: string | null,
    by: ChangeBy,
    at: string
  ) =>
    Effect.andThen(
      sql`INSERT INTO memory_history ${sql.insert(historyRow(tenant, assistantId, memory, event, oldContent, by, at))}`,
      bumpScope(tenant, assistantId, memory.memory_scope)
    )

  /** Writes a memory's record and columns; its vector too when `vector` is given (null: none). */
  const write = (tenant: string, memory: Memory, vector?: Uint8Array | null) =>
    sql`UPDATE memories SET content = ${memory.content}, memory_scope = ${memory.memory_scope}, record = ${
      JSON.stringify(memory)
    }, updated_at = ${memory.updated_at}, deleted_at = ${memory.deleted_at ?? null}, expires_at = ${memory.expires_at ?? null}${
      vector === undefined ? sql`` : sql`, vector = ${vector}`
    } WHERE tenant_id = ${tenant} AND memory_id = ${memory.id}`


  const setDeleted = (deleted: boolean) => (assistantId: string, memoryId: string, by: ChangeBy) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      transaction(
        db,
        Effect.gen(function*() {
          const memory = yield* find(tenant, assistantId, memoryId)
          const isDeleted = memory.deleted_at !== undefined && memory.deleted_at !== null
          if (isDeleted === deleted) return memory
          const at = yield* now
          const { deleted_at: _deleted, ...rest } = memory
          const next: Memory = deleted ? { ...rest, deleted_at: at, updated_at: at } : { ...rest, updated_at: at }
          yield* write(tenant, next)
          yield* record(tenant, assistantId, next, deleted ? "DELETE" : "RESTORE", deleted ? next.content : null, by, at)
          return next
        })
      ))

  return {
    put: (assistantId, memory, by, vector) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        transaction(
          db,
          Effect.gen(function*() {
            const at = yield* now
            const rows = yield* sql<{ readonly assistant_id: string; readonly record: string }>`SELECT assistant_id, record FROM memories WHERE tenant_id = ${tenant} AND memory_id = ${memory.id}`
            const existing = rows[0]
            if (existing !== undefined && existing.assistant_id !== assistantId) {
              return yield* Effect.die(new Error(`MemoryStore: memory id ${memory.id} is taken`))
            }
            if (existing === undefined) {
              yield* sql`INSERT INTO memories ${
                sql.insert({
                  tenant_id: tenant,
                  assistant_id: assistantId,
                  memory_id: memory.id,
                  memory_scope: memory.memory_scope,
                  content: memory.content,
                  record: JSON.stringify(memory),
                  created_at: memory.created_at,
                  updated_at: memory.updated_at,
                  deleted_at: memory.deleted_at ?? null,
                  expires_at: memory.expires_at ?? null,
                  vector: vector === undefined ? null : vectorBytes(vector)
                })
              }`
            } else {
              yield* write(tenant, memory, vector === undefined ? null : vectorBytes(vector))
            }
            const before = existing === undefined ? undefined : parse<Memory>(existing)
            // A memory moved to another scope changes that scope too.
            if (before !== undefined && before.memory_scope !== memory.memory_scope) yield* bumpScope(tenant, assistantId, before.memory_scope)
            const old = before === undefined ? null : before.content
            yield* record(tenant, assistantId, memory, existing === undefined ? "ADD" : "UPDATE", old, by, at)
            return memory
          })
        )),
    get: (assistantId, memoryId) => Effect.flatMap(CurrentTenant, (tenant) => run(db, find(tenant, assistantId, memoryId))),
    list: (assistantId, filter = {}) =>
      Effect.flatMap(CurrentTenant, (tenant) => {
        const { page, page_size } = Paging.resolveMemoryPage(filter)
        const where = sql`tenant_id = ${tenant} AND assistant_id = ${assistantId} ${
          filter.memory_scope === undefined ? sql`` : sql`AND memory_scope = ${filter.memory_scope}`
        } ${filter.include_deleted === true ? sql`` : sql`AND deleted_at IS NULL`}`
        return run(
          db,
          Effect.gen(function*() {
            const counted = yield* sql<{ readonly total: number | string | bigint }>`SELECT COUNT(*) AS total FROM memories WHERE ${where}`
            const total = Number(counted[0]?.total ?? 0)
            const rows = yield* sql<{ readonly record: string }>`SELECT record FROM memories WHERE ${where} ORDER BY seq LIMIT ${page_size} OFFSET ${
              (page - 1) * page_size
            }`
            return {
              memories: rows.map((row) => parse<Memory>(row)),
              total_count: total,
              page,
              page_size,
              total_pages: Math.ceil(total / page_size)
            }
          })
        )
      }),
    softDelete: setDeleted(true),
    restore: setDeleted(false),
    history: (assistantId, memoryId) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        run(
          db,
          Effect.gen(function*() {
            yield* find(tenant, assistantId, memoryId)
            const rows = yield* sql<{ readonly record: string }>`SELECT record FROM memory_history WHERE tenant_id = ${tenant} AND memory_id = ${memoryId} ORDER BY seq`
            return rows.map((row) => parse<MemoryHistory>(row))
          })
        )),
    putOperation: (operation) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        run(
          db,
          Effect.as(
            sql`INSERT INTO memory_operations ${
              sql.insert({
                tenant_id: tenant,
                assistant_id: operation.assistant_id,
                operation_id: operation.operation_id,
                memory_scope: operation.memory_scope,
                status: operation.status,
                record: JSON.stringify(operation),
                created_at: operation.created_at
              })
            } ON CONFLICT (tenant_id, operation_id) DO UPDATE SET status = excluded.status, record = excluded.record`,
            operation
          )
        )),
    getOperation: (operationId) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        run(
          db,
          Effect.gen(function*() {
            const rows = yield* sql<{ readonly record: string }>`SELECT record FROM memory_operations WHERE tenant_id = ${tenant} AND operation_id = ${operationId}`
            if (rows[0] === undefined) return yield* new NotFound({ kind: "operation", id: operationId })
            return yield* settle(tenant, parse<Operation>(rows[0]), yield* now)
          })
        )),
    runningOperation: (assistantId, memoryScope) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        run(
          db,
          Effect.gen(function*() {
            const at = yield* now
            const rows = yield* sql<{ readonly record: string }>`SELECT record FROM memory_operations WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId} AND memory_scope = ${memoryScope} AND status = 'IN_PROGRESS' ORDER BY seq`
            const current = yield* Effect.forEach(rows, (row) => settle(tenant, parse<Operation>(row), at))
            return Option.fromUndefinedOr(current.filter((operation) => operation.status === "IN_PROGRESS").at(-1))
          })
        )),
    renewOperation: (operationId, leaseExpiresAt) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        transaction(
          db,
          Effect.gen(function*() {
            const rows = yield* sql<{ readonly record: string }>`SELECT record FROM memory_operations WHERE tenant_id = ${tenant} AND operation_id = ${operationId}`
            if (rows[0] === undefined) return false
            const current = yield* settle(tenant, parse<Operation>(rows[0]), yield* now)
            if (current.status !== "IN_PROGRESS") return false
            return yield* casOperation(tenant, { ...current, lease_expires_at: leaseExpiresAt })
          })
        )),
    searchText: (assistantId, query) =>
      Effect.flatMap(CurrentTenant, (tenant) => {
        const words = MemorySearch.queryWords(query.text)
        if (words.length === 0 || query.limit <= 0) return Effect.succeed([])
        const scope = sql`m.tenant_id = ${tenant} AND m.assistant_id = ${assistantId} AND m.memory_scope = ${query.memory_scope} AND m.deleted_at IS NULL AND (m.expires_at IS NULL OR m.expires_at > ${query.now})`
        // Only letters and digits reach the engine: each word quoted for FTS5, bare for to_tsquery.
        const rows = db.dialect === "sqlite"
          ? sql<{ readonly record: string; readonly score: number }>`SELECT m.record AS record, -bm25(memories_fts) AS score FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid WHERE memories_fts MATCH ${
            words.map((word) => `"${word}"`).join(" OR ")
          } AND ${scope} ORDER BY score DESC, m.seq LIMIT ${query.limit}`
          : sql<{ readonly record: string; readonly score: number }>`SELECT m.record AS record, ts_rank_cd(m.search, q) AS score FROM memories m, to_tsquery('english', ${
            words.join(" | ")
          }) q WHERE m.search @@ q AND ${scope} ORDER BY score DESC, m.seq LIMIT ${query.limit}`
        return run(db, Effect.map(rows, (found) => found.map((row) => ({ memory: parse<Memory>(row), score: Number(row.score) }))))
      }),
    scopeVersion: (assistantId, memoryScope) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        run(
          db,
          Effect.map(
            sql<{ readonly version: number | string | bigint }>`SELECT version FROM memory_scope_versions WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId} AND memory_scope = ${memoryScope}`,
            (rows) => count(rows[0]?.version)
          )
        )),
    vectors: (assistantId, memoryScope) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        run(
          db,
          // One statement, so one snapshot: the entries are exactly those of the version read with them.
          Effect.map(
            sql<{ readonly version: number | string | bigint; readonly record: string | null; readonly vector: Uint8Array | null }>`SELECT v.version AS version, m.record AS record, m.vector AS vector FROM (SELECT COALESCE((SELECT version FROM memory_scope_versions WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId} AND memory_scope = ${memoryScope}), 0) AS version) v LEFT JOIN memories m ON m.tenant_id = ${tenant} AND m.assistant_id = ${assistantId} AND m.memory_scope = ${memoryScope} AND m.deleted_at IS NULL AND m.vector IS NOT NULL ORDER BY m.seq`,
            (rows) => ({
              version: count(rows[0]?.version),
              entries: rows.flatMap((row) =>
                row.record === null || row.vector === null ? [] : [{ memory: parse<Memory>(row), vector: vectorOf(row.vector) }]
              )
            })
          )
        )),
    reset: (assistantId, memoryScope, operationId) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        transaction(
          db,
          Effect.gen(function*() {
            const at = yield* now
            const rows = yield* sql<{ readonly record: string }>`SELECT record FROM memories WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId} ${
              memoryScope === undefined ? sql`` : sql`AND memory_scope = ${memoryScope}`
            } AND deleted_at IS NULL ORDER BY seq`
            const deleted = rows.map((row): Memory => ({ ...parse<Memory>(row), deleted_at: at, updated_at: at }))
            for (const next of deleted) yield* write(tenant, next)
            // History rows in batches, and one version bump per scope touched.
            const history = deleted.map((next) =>
              historyRow(tenant, assistantId, next, "DELETE", next.content, { history_id: historyId(), operation_id: operationId ?? null }, at)
            )
            for (let i = 0; i < history.length; i += 500) {
              const [first, ...rest] = history.slice(i, i + 500)
              yield* sql`INSERT INTO memory_history ${sql.insert([first!, ...rest])}`
            }
            for (const scope of new Set(deleted.map((next) => next.memory_scope))) yield* bumpScope(tenant, assistantId, scope)
            return rows.length
          })
        )),
    stats: (assistantId) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        run(
          db,
          Effect.map(
            sql<{ readonly live: number | string | bigint | null; readonly gone: number | string | bigint | null; readonly scopes: number | string | bigint }>`SELECT SUM(CASE WHEN deleted_at IS NULL THEN 1 ELSE 0 END) AS live, SUM(CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END) AS gone, COUNT(DISTINCT CASE WHEN deleted_at IS NULL THEN memory_scope END) AS scopes FROM memories WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`,
            (rows) => ({ total_count: count(rows[0]?.live), deleted_count: count(rows[0]?.gone), scopes: count(rows[0]?.scopes) })
          )
        )),
    deleteByAssistant: (assistantId) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        transaction(
          db,
          Effect.gen(function*() {
            yield* sql`DELETE FROM memory_history WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`
            yield* sql`DELETE FROM memory_operations WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`
            yield* sql`DELETE FROM memories WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`
            // Versions only ever rise: a cache must not take a new scope for the deleted one.
            yield* sql`UPDATE memory_scope_versions SET version = version + 1 WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`
          })
        ))
  }
}
