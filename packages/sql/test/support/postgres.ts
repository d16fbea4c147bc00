/**
 * PostgreSQL for tests: a fresh database per test on the server the global set-up provided, and
 * the rule for when PostgreSQL is missing — skip with the reason locally, fail in CI.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { inject, test } from "vitest"

let count = 0

/** Creates an empty database on the server at `url` and returns its URL. */
export const freshPostgresDatabase = async (url: string): Promise<string> => {
  const name = `patchbay_test_${process.pid}_${Date.now()}_${++count}`
  await Effect.runPromise(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`CREATE DATABASE ${name}`)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })), Effect.scoped)
  )
  const fresh = new URL(url)
  fresh.pathname = `/${name}`
  return fresh.toString()
}

/**
 * Why the PostgreSQL tests cannot run here, or undefined when they can. In CI a missing
 * PostgreSQL registers a failing test instead: never a silent skip.
 */
export const postgresSkipReason = (): string | undefined => {
  if (inject("databaseUrl") !== "") return undefined
  const problem = inject("databaseProblem")
  if (process.env["CI"] !== undefined && process.env["CI"] !== "") {
    test("PostgreSQL is reachable in CI", () => {
      throw new Error(`CI runs the PostgreSQL store tests, but ${problem}: .ci/run starts a cluster and exports PATCHBAY_TEST_DATABASE_URL`)
    })
  }
  return problem
}

