/**
 * `sqlite({ filename })`: every Patchbay store in one SQLite file, on Node's built-in
 * `node:sqlite` — the embedded default. One process writes at a time (see `SqliteClient`); for
 * several processes on one database use `postgres(...)`.
 *
 * @since 0.1.0
 */
import type { StoresLayer } from "@patchbay/core"
import { Effect } from "effect"
import { Reactivity } from "effect/reactivity"
import { makeLayer } from "./internal/layer.ts"
import * as SqliteClient from "./SqliteClient.ts"

/**
 * Options of {@link sqlite}.
 *
 * @since 0.1.0
 */
export interface SqliteOptions extends SqliteClientConfigShared {
  /** The database file, created (with its schema) when missing, e.g. `"out/patchbay.db"`. */
  readonly filename: string
}

type SqliteClientConfigShared = Omit<SqliteClient.SqliteClientConfig, "filename">

/**
 * Every store in the SQLite file `filename`, for `createPatchbay({ stores })`. Opening fails with
 * `StoreUnavailable` naming what to fix: a corrupt or locked file, a folder that cannot be
 * written, a database of a newer schema.
 *
 * @example
 * const pb = createPatchbay({ providers, stores: sqlite({ filename: "out/patchbay.db" }) })
 *
 * @since 0.1.0
 */
export const sqlite = (options: SqliteOptions): StoresLayer =>
  makeLayer("sqlite", options.filename, Effect.provide(SqliteClient.make(options), Reactivity.layer))
