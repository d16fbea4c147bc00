/**
 * `MemoryStore` on SQL: memories (record as JSON, `content` also in its own column for full-text
 * search), their history rows and operations. Every change writes its history row in the same
 * transaction and bumps the scope's version row, so caches of vectors elsewhere see it.
 */
import {
  type ChangeBy,
  CurrentTenant,
  type Memory,
  type MemoryEvent,
  type MemoryHistory,
  type MemoryStoreShape,
  NotFound,
  Paging,
  type StoredMemoryOperation
} from "@patchbay/core"
import { Clock, Effect } from "effect"
import { type Db, parse, run, transaction } from "./db.ts"

type Shape = MemoryStoreShape
type Operation = StoredMemoryOperation

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

  const record = (
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
    return Effect.andThen(
      sql`INSERT INTO memory_history ${
        sql.insert({
          tenant_id: tenant,
          assistant_id: assistantId,
          history_id: row.id,
          memory_id: row.memory_id,
          record: JSON.stringify(row),
          created_at: at
        })
      }`,
      bumpScope(tenant, assistantId, memory.memory_scope)
    )
  }

  const write = (tenant: string, memory: Memory) =>
    sql`UPDATE memories SET content = ${memory.content}, memory_scope = ${memory.memory_scope}, record = ${
      JSON.stringify(memory)
    }, updated_at = ${memory.updated_at}, deleted_at = ${memory.deleted_at ?? null} WHERE tenant_id = ${tenant} AND memory_id = ${memory.id}`

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
    put: (assistantId, memory, by) =>
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
                  deleted_at: memory.deleted_at ?? null
                })
              }`
            } else {
              yield* write(tenant, memory)
            }
            const old = existing === undefined ? null : parse<Memory>(existing).content
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
          Effect.flatMap(
            sql<{ readonly record: string }>`SELECT record FROM memory_operations WHERE tenant_id = ${tenant} AND operation_id = ${operationId}`,
            (rows) =>
              rows[0] === undefined
                ? Effect.fail(new NotFound({ kind: "operation", id: operationId }))
                : Effect.succeed(parse<Operation>(rows[0]))
          )
        )),
    // Search on SQL comes in the next change; until then these fail loudly.
    searchText: () => Effect.die(new Error("MemoryStore.searchText: not yet implemented on SQL")),
    scopeVersion: () => Effect.die(new Error("MemoryStore.scopeVersion: not yet implemented on SQL")),
    vectors: () => Effect.die(new Error("MemoryStore.vectors: not yet implemented on SQL")),
    reset: () => Effect.die(new Error("MemoryStore.reset: not yet implemented on SQL")),
    stats: () => Effect.die(new Error("MemoryStore.stats: not yet implemented on SQL")),
    runningOperation: () => Effect.die(new Error("MemoryStore.runningOperation: not yet implemented on SQL")),
    renewOperation: () => Effect.die(new Error("MemoryStore.renewOperation: not yet implemented on SQL")),
    deleteByAssistant: (assistantId) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        transaction(
          db,
          Effect.gen(function*() {
            yield* sql`DELETE FROM memory_history WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`
            yield* sql`DELETE FROM memory_operations WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`
            yield* sql`DELETE FROM memories WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`
            yield* sql`DELETE FROM memory_scope_versions WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`
          })
        ))
  }
}
