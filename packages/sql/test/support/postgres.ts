/**
 * PostgreSQL for tests: a fresh database per test on the server the global set-up provided, and
 * the rule for when PostgreSQL is missing — skip with the reason locally, fail in CI.
 */
import { inject, test } from "vitest"

import { freshPostgresDatabase as freshOn } from "./throwawayPostgres.ts"

/** A fresh, empty database on the test server (named with this run's prefix, dropped after the run). */
export const freshPostgresDatabase = (url: string): Promise<string> => freshOn(url, inject("databasePrefix"))

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

