/**
 * `ThreadStore` on SQL: a thread is one row (its record as JSON), its messages rows in order of
 * arrival (`seq`). Every query filters on the current tenant; another tenant's thread is
 * `NotFound`. Appending is one short write transaction.
 */
import { CurrentTenant, NotFound, Paging, type StoredMessage, type Thread, type ThreadStoreShape } from "@patchbay/core"
import { Effect } from "effect"
import { type Db, parse, run, transaction } from "./db.ts"

type Shape = ThreadStoreShape

const notFound = (id: string) => new NotFound({ kind: "thread", id })

interface ThreadRow {
  readonly record: string
  readonly updated_at: string
}

/** The thread's `updated_at` lives in its column (appends move it without rewriting the record). */
const fromRow = (row: ThreadRow): Thread => ({ ...parse<Thread>(row), updated_at: row.updated_at })

export const make = (db: Db): Shape => {
  const { sql } = db

  const find = (tenant: string, threadId: string) =>
    Effect.flatMap(
      sql<ThreadRow>`SELECT record, updated_at FROM threads WHERE tenant_id = ${tenant} AND thread_id = ${threadId}`,
      (rows) => rows[0] === undefined ? Effect.fail(notFound(threadId)) : Effect.succeed(fromRow(rows[0]))
    )

  const create: Shape["create"] = (thread) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      run(
        db,
        Effect.as(
          sql`INSERT INTO threads ${
            sql.insert({
              tenant_id: tenant,
              thread_id: thread.thread_id,
              assistant_id: thread.assistant_id,
              record: JSON.stringify(thread),
              created_at: thread.created_at,
              updated_at: thread.updated_at
            })
          }`,
          thread
        )
      ))

  const get: Shape["get"] = (threadId) => Effect.flatMap(CurrentTenant, (tenant) => run(db, find(tenant, threadId)))

  const list: Shape["list"] = (filter = {}) =>
    Effect.flatMap(CurrentTenant, (tenant) => {
      const { limit, skip } = Paging.resolvePage(filter)
      const byAssistant = filter.assistant_id === undefined ? sql`` : sql`AND assistant_id = ${filter.assistant_id}`
      return run(
        db,
        Effect.map(
          sql<ThreadRow>`SELECT record, updated_at FROM threads WHERE tenant_id = ${tenant} ${byAssistant} ORDER BY seq DESC LIMIT ${limit} OFFSET ${skip}`,
          (rows) => rows.map(fromRow)
        )
      )
    })

  /**
   * Appends (or replaces) one message and moves the thread's `updated_at` forward, failing with
   * `NotFound` for a thread that is not the tenant's. On PostgreSQL it is one statement (one round
   * trip, one commit); SQLite has no data-modifying CTE, so two statements in the caller's
   * transaction (both in process, no round trips).
   */
  const append = (tenant: string, message: StoredMessage) => {
    const row = {
      tenant_id: tenant,
      thread_id: message.thread_id,
      message_id: message.message_id,
      record: JSON.stringify(message),
      created_at: message.created_at
    }
    const touched = db.dialect === "pg"
      ? sql<{ readonly message_id: string }>`WITH touched AS (UPDATE threads SET updated_at = GREATEST(updated_at, ${message.created_at}) WHERE tenant_id = ${tenant} AND thread_id = ${message.thread_id} RETURNING thread_id) INSERT INTO messages (tenant_id, thread_id, message_id, record, created_at) SELECT ${tenant}, thread_id, ${message.message_id}, ${row.record}, ${message.created_at} FROM touched ON CONFLICT (tenant_id, thread_id, message_id) DO UPDATE SET record = excluded.record RETURNING message_id`
      : Effect.flatMap(
        sql<{ readonly thread_id: string }>`UPDATE threads SET updated_at = MAX(updated_at, ${message.created_at}) WHERE tenant_id = ${tenant} AND thread_id = ${message.thread_id} RETURNING thread_id`,
        (rows) =>
          rows.length === 0
            ? Effect.succeed(rows)
            : sql`INSERT INTO messages ${sql.insert(row)} ON CONFLICT (tenant_id, thread_id, message_id) DO UPDATE SET record = excluded.record RETURNING message_id`
      )
    return Effect.flatMap(touched, (rows) => rows.length === 0 ? Effect.fail(notFound(message.thread_id)) : Effect.void)
  }

  const save: Shape["save"] = (messages) =>
    Effect.flatMap(CurrentTenant, (tenant) => {
      if (messages.length === 1 && db.dialect === "pg") return run(db, append(tenant, messages[0]!))
      return messages.length === 0
        ? Effect.void
        : transaction(db, Effect.forEach(messages, (message) => append(tenant, message), { discard: true }))
    })

  const messagesOf: Shape["messages"] = (threadId, page = {}) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      run(
        db,
        Effect.gen(function*() {
          yield* find(tenant, threadId)
          const { limit } = Paging.resolvePage({ limit: page.limit })
          let before = sql``
          if (page.before !== undefined) {
            const at = yield* sql<{ readonly seq: number | string }>`SELECT seq FROM messages WHERE tenant_id = ${tenant} AND thread_id = ${threadId} AND message_id = ${page.before}`
            if (at[0] === undefined) return []
            before = sql`AND seq < ${Number(at[0].seq)}`
          }
          const rows = yield* sql<{ readonly record: string }>`SELECT record FROM messages WHERE tenant_id = ${tenant} AND thread_id = ${threadId} ${before} ORDER BY seq DESC LIMIT ${limit}`
          return rows.map((row) => parse<StoredMessage>(row)).reverse()
        })
      ))

  const remove: Shape["delete"] = (threadId) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      transaction(
        db,
        Effect.gen(function*() {
          yield* find(tenant, threadId)
          yield* sql`DELETE FROM messages WHERE tenant_id = ${tenant} AND thread_id = ${threadId}`
          yield* sql`DELETE FROM threads WHERE tenant_id = ${tenant} AND thread_id = ${threadId}`
        })
      ))

  const deleteByAssistant: Shape["deleteByAssistant"] = (assistantId) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      transaction(
        db,
        Effect.gen(function*() {
          const rows = yield* sql<{ readonly thread_id: string }>`SELECT thread_id FROM threads WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId} ORDER BY seq`
          const ids = rows.map((row) => row.thread_id)
          if (ids.length > 0) {
            yield* sql`DELETE FROM messages WHERE tenant_id = ${tenant} AND ${sql.in("thread_id", ids)}`
            yield* sql`DELETE FROM threads WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`
          }
          return ids
        })
      ))

  return { create, get, list, save, messages: messagesOf, delete: remove, deleteByAssistant }
}
