/**
 * `postgres({ url })`: every Patchbay store in one PostgreSQL database, on `@effect/sql-pg`
 * (a pure TypeScript client) — for several processes sharing one state.
 *
 * @since 0.1.0
 */
import { PgClient } from "@effect/sql-pg"
import type { StoresLayer } from "@patchbay/core"
import { Duration, Effect, Redacted } from "effect"
import { Reactivity } from "effect/reactivity"
import { redactUrl } from "./internal/db.ts"
import { makeLayer } from "./internal/layer.ts"

/**
 * Options of {@link postgres}.
 *
 * @since 0.1.0
 */
export interface PostgresOptions {
  /** `postgres://user:password@host:port/database`; the password never appears in messages. */
  readonly url: string | Redacted.Redacted<string>
  /** Connections in the pool (default 10). */
  readonly maxConnections?: number | undefined
  /** How long to wait for a connection before failing with `StoreUnavailable` (default 5 s). */
  readonly connectTimeout?: Duration.Input | undefined
}

/**
 * Every store in the PostgreSQL database at `url`, for `createPatchbay({ stores })`. The schema
 * is created or migrated at start (one process at a time, under an advisory lock). A wrong URL,
 * a refused password or an unreachable server fail with `StoreUnavailable`, never hang.
 *
 * @example
 * const pb = createPatchbay({ providers, stores: postgres({ url: process.env.DATABASE_URL! }) })
 *
 * @since 0.1.0
 */
export const postgres = (options: PostgresOptions): StoresLayer => {
  const url = typeof options.url === "string" ? options.url : Redacted.value(options.url)
  return makeLayer(
    "pg",
    `PostgreSQL ${redactUrl(url)}`,
    Effect.provide(
      PgClient.make({
        url: Redacted.make(url),
        maxConnections: options.maxConnections ?? 10,
        connectTimeout: options.connectTimeout ?? Duration.seconds(5)
      }),
      Reactivity.layer
    )
  )
}
