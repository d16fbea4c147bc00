/**
 * `KeyStore` on SQL: API keys stored by their SHA-256 hash only (the plaintext is never written),
 * found by hash from any tenant (that is how a request's tenant is learnt), otherwise scoped by
 * the current tenant.
 */
import { CurrentTenant, hashKey, type KeyStoreShape, NotFound, Paging, type StoredKey, toApiKey } from "@patchbay/core"
import { Clock, Effect, Option, Redacted } from "effect"
import { type Db, parse, run, transaction } from "./db.ts"

type Shape = KeyStoreShape

/** The name of the settings row holding the generated signing secret. */
const secretSetting = "media_secret"

/**
 * The database's own signing secret, generated once: insert-if-absent then read, so two
 * processes starting at once agree on one secret.
 */
export const storedSecret = (db: Db) =>
  Effect.gen(function*() {
    const { sql } = db
    const generated = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")
    yield* sql`INSERT INTO settings (tenant_id, name, value) VALUES ('*', ${secretSetting}, ${generated}) ON CONFLICT (tenant_id, name) DO NOTHING`
    const rows = yield* sql<{ readonly value: string }>`SELECT value FROM settings WHERE tenant_id = '*' AND name = ${secretSetting}`
    return rows[0]?.value ?? generated
  })

export const make = (db: Db): Shape => {
  const { sql } = db

  const find = (tenant: string, keyId: string) =>
    Effect.flatMap(
      sql<{ readonly record: string }>`SELECT record FROM api_keys WHERE tenant_id = ${tenant} AND key_id = ${keyId}`,
      (rows) =>
        rows[0] === undefined ? Effect.fail(new NotFound({ kind: "key", id: keyId })) : Effect.succeed(parse<StoredKey>(rows[0]))
    )

  return {
    insert: (stored) =>
      run(
        db,
        Effect.as(
          sql`INSERT INTO api_keys ${
            sql.insert({
              tenant_id: stored.tenant_id,
              key_id: stored.key_id,
              hash: stored.hash,
              record: JSON.stringify(stored),
              created_at: stored.created_at,
              revoked_at: stored.revoked_at
            })
          }`,
          toApiKey(stored)
        )
      ),
    resolve: (plaintext) =>
      run(
        db,
        Effect.flatMap(
          sql<{ readonly tenant_id: string; readonly key_id: string }>`SELECT tenant_id, key_id FROM api_keys WHERE hash = ${
            hashKey(plaintext)
          } AND revoked_at IS NULL`,
          (rows) =>
            rows[0] === undefined
              // The plaintext is a secret: the error names no part of it.
              ? Effect.fail(new NotFound({ kind: "key", id: "(presented key)" }))
              : Effect.succeed({ tenant_id: rows[0].tenant_id, key_id: rows[0].key_id })
        )
      ),
    get: (keyId) => Effect.flatMap(CurrentTenant, (tenant) => run(db, Effect.map(find(tenant, keyId), toApiKey))),
    list: (page) =>
      Effect.flatMap(CurrentTenant, (tenant) => {
        const { limit, skip } = Paging.resolvePage(page)
        return run(
          db,
          Effect.map(
            sql<{ readonly record: string }>`SELECT record FROM api_keys WHERE tenant_id = ${tenant} ORDER BY seq LIMIT ${limit} OFFSET ${skip}`,
            (rows) => rows.map((row) => toApiKey(parse<StoredKey>(row)))
          )
        )
      }),
    revoke: (keyId) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        transaction(
          db,
          Effect.gen(function*() {
            const key = yield* find(tenant, keyId)
            if (key.revoked_at !== null) return toApiKey(key)
            const revoked: StoredKey = { ...key, revoked_at: new Date(yield* Clock.currentTimeMillis).toISOString() }
            yield* sql`UPDATE api_keys SET record = ${JSON.stringify(revoked)}, revoked_at = ${revoked.revoked_at} WHERE tenant_id = ${tenant} AND key_id = ${keyId}`
            return toApiKey(revoked)
          })
        )),
    signingSecret: run(db, Effect.map(storedSecret(db), (secret) => Option.some(Redacted.make(secret))))
  }
}
