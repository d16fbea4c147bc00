/**
 * Produced media with its metadata in the SQL database: `sqliteMedia(...)` / `postgresMedia(...)`
 * give a `MediaStore` whose documents' metadata (with `tenant_id`, thread and assistant) are rows
 * of the `media` table, while the bytes stay where a media store keeps them (a folder, or memory).
 *
 * Media URLs survive restarts: URLs are signed with `secret`, else `PATCHBAY_MEDIA_SECRET`, else a
 * secret the database generated once and keeps (a `settings` row), so URLs in stored messages
 * still verify after a restart — and, on PostgreSQL, on every process sharing the database.
 *
 * @since 0.1.0
 */
import { PgClient } from "@effect/sql-pg"
import {
  fileSystemBackend,
  type MediaBackend,
  MediaStore,
  memoryBackend,
  type StoredMedia,
  type StoreUnavailable
} from "@patchbay/core"
import { Config, Duration, Effect, Layer, Option, Redacted, type Scope } from "effect"
import { Reactivity } from "effect/reactivity"
import { SqlClient, type SqlError } from "effect/sql"
import { mkdir } from "node:fs/promises"
import { resolve } from "node:path"
import { type Db, redactUrl, unavailable } from "./internal/db.ts"
import { storedSecret } from "./internal/keys.ts"
import { type Dialect, migrate } from "./Migrations.ts"
import type { PostgresOptions } from "./Postgres.ts"
import * as SqliteClient from "./SqliteClient.ts"

/** A media store's options (core's `MediaStoreOptions`). */
type MediaStoreOptions = NonNullable<Parameters<typeof MediaStore.layerBackend>[1]>

/**
 * Options of {@link sqliteMedia} and {@link postgresMedia} besides the database.
 *
 * @since 0.1.0
 */
export interface SqlMediaOptions extends Omit<MediaStoreOptions, "makeDocumentId"> {
  /** The folder for the bytes (created when missing); in memory when absent. */
  readonly dir?: string | undefined
}

const resolveSecret = (db: Db, given: MediaStoreOptions["secret"]) =>
  Effect.gen(function*() {
    const value = typeof given === "string" ? given : given === undefined ? "" : Redacted.value(given)
    if (value !== "") return value
    const fromEnv = yield* Config.option(Config.Redacted("PATCHBAY_MEDIA_SECRET"))
    if (Option.isSome(fromEnv) && Redacted.value(fromEnv.value) !== "") return Redacted.value(fromEnv.value)
    return yield* storedSecret(db)
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
    delete: (id) => Effect.andThen(orDie(sql`DELETE FROM media WHERE document_id = ${id}`), bytes.delete(id))
  }
}

const makeMediaLayer = (
  dialect: Dialect,
  name: string,
  open: Effect.Effect<SqlClient.SqlClient, SqlError.SqlError, Scope.Scope>,
  options: SqlMediaOptions
): Layer.Layer<MediaStore, StoreUnavailable | Config.ConfigError> =>
  Layer.unwrap(
    Effect.gen(function*() {
      const sql = yield* open
      const db: Db = { sql, dialect, name }
      yield* migrate(dialect).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      const secret = yield* resolveSecret(db, options.secret)
      let bytes = memoryBackend()
      if (options.dir !== undefined) {
        const dir = resolve(options.dir)
        yield* Effect.promise(() => mkdir(dir, { recursive: true }))
        bytes = fileSystemBackend(dir)
      }
      const { dir: _dir, ...storeOptions } = options
      return MediaStore.layerBackend(sqlBackend(db, bytes), { ...storeOptions, secret })
    }).pipe(Effect.mapError((error) => error._tag === "ConfigError" ? error : unavailable({ dialect, name }, error)))
  )

/**
 * A `MediaStore` with its metadata in the SQLite file `filename` (the file `sqlite(...)` uses)
 * and the bytes in `dir` (or memory). URLs it signs verify after a restart.
 *
 * @since 0.1.0
 */
export const sqliteMedia = (options: SqlMediaOptions & { readonly filename: string }) => {
  const { filename, ...media } = options
  return makeMediaLayer("sqlite", filename, Effect.provide(SqliteClient.make({ filename }), Reactivity.layer), media)
}

/**
 * A `MediaStore` with its metadata in the PostgreSQL database at `url`, the bytes in `dir` (or
 * memory). Every process sharing the database signs with the same secret.
 *
 * @since 0.1.0
 */
export const postgresMedia = (options: SqlMediaOptions & PostgresOptions) => {
  const { connectTimeout, maxConnections, url, ...media } = options
  const plain = typeof url === "string" ? url : Redacted.value(url)
  return makeMediaLayer(
    "pg",
    `PostgreSQL ${redactUrl(plain)}`,
    Effect.provide(
      PgClient.make({ url: Redacted.make(plain), maxConnections: maxConnections ?? 2, connectTimeout: connectTimeout ?? Duration.seconds(5) }),
      Reactivity.layer
    ),
    media
  )
}
