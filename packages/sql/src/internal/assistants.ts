/**
 * `AssistantStore` on SQL: one row per assistant, its record as JSON. Each tenant's default
 * assistant (`asst_default`) is written the first time the tenant's assistants are touched, so it
 * lists first and can be updated but never deleted.
 */
import {
  applyUpdate,
  type Assistant,
  type AssistantStoreShape,
  CurrentTenant,
  DEFAULT_ASSISTANT_ID,
  defaultAssistant,
  defaultNotDeletable,
  NotFound,
  Paging
} from "@patchbay/core"
import { Clock, Effect } from "effect"
import { type Db, parse, run, transaction } from "./db.ts"

type Shape = AssistantStoreShape

export const make = (db: Db): Shape => {
  const { sql } = db
  /** Tenants whose default assistant this process has seen written (it is never deleted). */
  const seeded = new Set<string>()

  const insert = (tenant: string, assistant: Assistant, ignoreExisting: boolean) =>
    sql`INSERT INTO assistants ${
      sql.insert({
        tenant_id: tenant,
        assistant_id: assistant.assistant_id,
        record: JSON.stringify(assistant),
        created_at: assistant.created_at,
        updated_at: assistant.updated_at
      })
    } ${ignoreExisting ? sql`ON CONFLICT (tenant_id, assistant_id) DO NOTHING` : sql``}`

  const seed = (tenant: string) =>
    seeded.has(tenant) ? Effect.void : Effect.gen(function*() {
      const found = yield* sql`SELECT 1 AS found FROM assistants WHERE tenant_id = ${tenant} AND assistant_id = ${DEFAULT_ASSISTANT_ID}`
      if (found.length === 0) {
        yield* transaction(db, insert(tenant, defaultAssistant(yield* Clock.currentTimeMillis), true))
      }
      seeded.add(tenant)
    })

  const find = (tenant: string, assistantId: string) =>
    Effect.flatMap(
      sql<{ readonly record: string }>`SELECT record FROM assistants WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`,
      (rows) =>
        rows[0] === undefined
          ? Effect.fail(new NotFound({ kind: "assistant", id: assistantId }))
          : Effect.succeed(parse<Assistant>(rows[0]))
    )

  const tenantSeeded = Effect.flatMap(CurrentTenant, (tenant) => Effect.as(run(db, seed(tenant)), tenant))

  return {
    create: (assistant) =>
      Effect.flatMap(tenantSeeded, (tenant) => run(db, Effect.as(insert(tenant, assistant, false), assistant))),
    get: (assistantId) => Effect.flatMap(tenantSeeded, (tenant) => run(db, find(tenant, assistantId))),
    update: (assistantId, update) =>
      Effect.flatMap(tenantSeeded, (tenant) =>
        transaction(
          db,
          Effect.gen(function*() {
            const updated = applyUpdate(yield* find(tenant, assistantId), update, yield* Clock.currentTimeMillis)
            yield* sql`UPDATE assistants SET record = ${JSON.stringify(updated)}, updated_at = ${updated.updated_at} WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`
            return updated
          })
        )),
    delete: (assistantId) =>
      assistantId === DEFAULT_ASSISTANT_ID
        ? Effect.fail(defaultNotDeletable())
        : Effect.flatMap(CurrentTenant, (tenant) =>
          transaction(
            db,
            Effect.gen(function*() {
              yield* find(tenant, assistantId)
              yield* sql`DELETE FROM assistants WHERE tenant_id = ${tenant} AND assistant_id = ${assistantId}`
            })
          )),
    list: (page) =>
      Effect.flatMap(tenantSeeded, (tenant) => {
        const { limit, skip } = Paging.resolvePage(page)
        return run(
          db,
          Effect.map(
            sql<{ readonly record: string }>`SELECT record FROM assistants WHERE tenant_id = ${tenant} ORDER BY seq LIMIT ${limit} OFFSET ${skip}`,
            (rows) => rows.map((row) => parse<Assistant>(row))
          )
        )
      })
  }
}
