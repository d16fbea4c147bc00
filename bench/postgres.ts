/**
 * A PostgreSQL database for a benchmark: `PATCHBAY_TEST_DATABASE_URL`'s server, else a throwaway
 * cluster started when PostgreSQL's programs are installed (as the sql tests do), else none. Each
 * run gets a fresh database named after `prefix`; `done` drops it, or stops the cluster it started.
 */
import {
  dropPostgresDatabases,
  findPostgresBin,
  freshPostgresDatabase,
  startThrowawayPostgres
} from "../packages/sql/test/support/throwawayPostgres.ts"

/** A fresh database, or undefined (with the reason printed) when no PostgreSQL is at hand. */
export const benchPostgres = async (prefix: string): Promise<{ readonly url: string; readonly done: () => void } | undefined> => {
  const given = process.env["PATCHBAY_TEST_DATABASE_URL"] ?? ""
  const bin = given === "" ? findPostgresBin() : undefined
  const cluster = bin === undefined ? undefined : await startThrowawayPostgres(bin)
  const server = cluster?.url ?? given
  if (server === "") {
    console.log("PostgreSQL: skipped (no PATCHBAY_TEST_DATABASE_URL and PostgreSQL's programs are not installed)")
    return undefined
  }
  try {
    const url = await freshPostgresDatabase(server, prefix)
    return { url, done: () => (cluster === undefined ? void dropPostgresDatabases(server, prefix) : cluster.stop()) }
  } catch (error) {
    cluster?.stop()
    throw error
  }
}
