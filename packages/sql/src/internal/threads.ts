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

export const make = (db: Db): Shape => {
  const { sql } = db

  const find = (tenant: string, threadId: string) =>
    Effect.flatMap(
      sql<{ readonly record: string }>`SELECT record FROM threads WHERE tenant_id = ${tenant} AND thread_id = ${threadId}`,
      (rows) => rows[0] === undefined ? Effect.fail(notFound(threadId)) : Effect.succeed(parse<Thread>(rows[0]))
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
          sql<{ readonly record: string }>`SELECT record FROM threads WHERE tenant_id = ${tenant} ${byAssistant} ORDER BY seq DESC LIMIT ${limit} OFFSET ${skip}`,
          (rows) => rows.map((row) => parse<Thread>(row))
        )
      )
    })

  const save: Shape["save"] = (messages) =>
    messages.length === 0 ? Effect.void : Effect.flatMap(CurrentTenant, (tenant) =>
      transaction(
        db,
        Effect.gen(function*() {
          const threads = new Map<string, Thread>()
          for (const message of messages) {
            const thread = threads.get(message.thread_id) ?? (yield* find(tenant, message.thread_id))
            yield* sql`INSERT INTO messages ${
              sql.insert({
                tenant_id: tenant,
                thread_id: message.thread_id,
                message_id: message.message_id,
                record: JSON.stringify(message),
                created_at: message.created_at
              })
            } ON CONFLICT (tenant_id, thread_id, message_id) DO UPDATE SET record = excluded.record`
            threads.set(
              message.thread_id,
              message.created_at > thread.updated_at ? { ...thread, updated_at: message.created_at } : thread
            )
          }
          for (const thread of threads.values()) {
            yield* sql`UPDATE threads SET record = ${JSON.stringify(thread)}, updated_at = ${thread.updated_at} WHERE tenant_id = ${tenant} AND thread_id = ${thread.thread_id} AND updated_at < ${thread.updated_at}`
          }
        })
      ))

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
