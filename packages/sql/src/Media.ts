/**
 * Media metadata in the SQL database: the stores of `sqlite(...)` and `postgres(...)` also
 * provide core's `Stores.MediaMetadata`, so the media store that `createPatchbay` (or
 * `Stores.layerMedia`) builds over them keeps each document's metadata (with `tenant_id`,
 * thread and assistant) as a row of the `media` table, on the stores' own client, while the
 * bytes stay in whatever backend the media options name (a folder, memory, or another backend).
 *
 * The signing secret follows the database: the given secret, else `PATCHBAY_MEDIA_SECRET`; else
 * SQLite keeps a secret it generated once (a `settings` row), so URLs in stored messages still
 * verify after a restart, while PostgreSQL — shared by several instances, each of which must
 * verify the URLs the others sign — refuses to start without one (`MediaSecretRequired`).
 *
 * @since 0.1.0
 */
import { type MediaBackend, MediaSecretRequired, type StoredMedia, type Stores } from "@patchbay/core"
import { Config, Effect, Option, Redacted } from "effect"
import type { SqlError } from "effect/sql"
import { type Db, run, unavailable } from "./internal/db.ts"
import { storedSecret } from "./internal/keys.ts"

/** The secret the options or the environment give, or the database's rule. */
const resolveSecret = (db: Db) => (given: Redacted.Redacted<string> | string | undefined) =>
  Effect.gen(function*() {
    const value = typeof given === "string" ? given : given === undefined ? "" : Redacted.value(given)
    if (value !== "") return value
    const fromEnv = yield* Config.option(Config.Redacted("PATCHBAY_MEDIA_SECRET"))
    if (Option.isSome(fromEnv) && Redacted.value(fromEnv.value) !== "") return Redacted.value(fromEnv.value)
    if (db.dialect === "pg") return yield* new MediaSecretRequired({ store: db.name })
    return yield* run(db, storedSecret(db))
  })

/** Metadata in the `media` table, bytes in `bytes`. SQL failures are defects here (the backend's errors are `never`). */
const sqlBackend = (db: Db, bytes: MediaBackend): MediaBackend => {
  const { sql } = db
  const orDie = <A>(effect: Effect.Effect<A, SqlError.SqlError>) => Effect.orDie(Effect.mapError(effect, (e) => unavailable(db, e)))
  const readMeta = (id: string) =>
    orDie(Effect.map(
      sql<{ readonly record: string }>`SELECT record FROM media WHERE document_id = ${id}`,
      (rows) => rows[0] === undefined ? Option.none<StoredMedia>() : Option.some(JSON.parse(rows[0].record) as StoredMedia)
    ))
  return {
    write: (meta, data) =>
      Effect.andThen(
        bytes.write(meta, data),
        orDie(sql`INSERT INTO media ${
          sql.insert({
            tenant_id: meta.tenant_id,
            document_id: meta.document_id,
            thread_id: meta.thread_id ?? null,
            assistant_id: meta.assistant_id ?? null,
            record: JSON.stringify(meta),
            created_at: meta.created_at
          })
        }`)
      ),
    read: (id) =>
      Effect.gen(function*() {
        const meta = yield* readMeta(id)
        if (Option.isNone(meta)) return Option.none()
        const stored = yield* bytes.read(id)
        return Option.map(stored, (found) => ({ meta: meta.value, bytes: found.bytes }))
      }),
    readMeta,
    list: (tenantId, filter) =>
      orDie(Effect.map(
        sql<{ readonly record: string }>`SELECT record FROM media WHERE tenant_id = ${tenantId} ${
          filter.thread_id === undefined ? sql`` : sql`AND thread_id = ${filter.thread_id}`
        } ${filter.assistant_id === undefined ? sql`` : sql`AND assistant_id = ${filter.assistant_id}`} ORDER BY seq`,
        (rows) => rows.map((row) => JSON.parse(row.record) as StoredMedia)
      )),
    delete: (id) => Effect.andThen(orDie(sql`DELETE FROM media WHERE document_id = ${id}`), bytes.delete(id)),
    // ranges streamed straight from the bytes' backend (a bucket never loads a whole object for one)
    ...(bytes.stream === undefined ? {} : { stream: bytes.stream })
  }
}

/**
 * The media metadata of the stores on `db` (core's `Stores.MediaMetadata`), on their client.
 *
 * @since 0.2.0
 */
export const metadata = (db: Db): Stores.MediaMetadataShape => ({
  backend: (bytes) => sqlBackend(db, bytes),
  secret: resolveSecret(db)
})
