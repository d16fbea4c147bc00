/**
 * Builds every store on one opened database: migrate first (refusing a newer schema), then hand
 * the same client to each store and to the media metadata. Used by `sqlite(...)` and `postgres(...)`.
 */
import { AssistantStore, KeyStore, MemoryStore, RunStore, Stores, type StoresLayer, ThreadStore } from "@patchbay/core"
import { Context, Effect, Layer, type Scope } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import * as media from "../Media.ts"
import { type Dialect, migrate } from "../Migrations.ts"
import * as assistants from "./assistants.ts"
import { type Db, unavailable } from "./db.ts"
import * as keys from "./keys.ts"
import * as memories from "./memories.ts"
import * as runs from "./runs.ts"
import * as threads from "./threads.ts"

/** Every store of `db`, and its media metadata, as a context; `notices` tells running runs of cancels (PostgreSQL). */
export const storesOf = (db: Db, notices?: runs.CancelNotices) =>
  Context.make(ThreadStore, threads.make(db)).pipe(
    Context.add(AssistantStore, assistants.make(db)),
    Context.add(RunStore, runs.make(db, notices)),
    Context.add(MemoryStore, memories.make(db)),
    Context.add(KeyStore, keys.make(db)),
    Context.add(Stores.MediaMetadata, media.metadata(db))
  )

/** Opens a client with `open`, migrates it, and provides every store on it. */
export const makeLayer = (
  dialect: Dialect,
  name: string,
  open: Effect.Effect<SqlClient.SqlClient, SqlError.SqlError, Scope.Scope>
): StoresLayer =>
  Layer.effectContext(
    Effect.gen(function*() {
      const sql = yield* open
      yield* migrate(dialect).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      const db = { sql, dialect, name }
      return storesOf(db, dialect === "pg" ? yield* runs.cancelNotices(db) : undefined)
    }).pipe(Effect.mapError((error) => unavailable({ dialect, name }, error)))
  )
