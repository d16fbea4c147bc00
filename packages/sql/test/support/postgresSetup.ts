/**
 * vitest global set-up: finds the PostgreSQL the store suite runs against and hands its URL to
 * the tests (`inject("databaseUrl")`). `PATCHBAY_TEST_DATABASE_URL` wins; otherwise, when
 * PostgreSQL's programs are installed, a throwaway cluster is started here and stopped after the
 * run. With neither, the URL is empty: the PostgreSQL tests skip with their reason locally and
 * fail when `CI` is set (never a silent skip in CI).
 */
import type { TestProject } from "vitest/node"
import { dropPostgresDatabases, findPostgresBin, startThrowawayPostgres } from "./throwawayPostgres.ts"

declare module "vitest" {
  export interface ProvidedContext {
    readonly databaseUrl: string
    readonly databaseProblem: string
    /** The prefix of this run's test databases (dropped at the end when the server is not throwaway). */
    readonly databasePrefix: string
  }
}

export default async function setup(project: TestProject) {
  const prefix = `patchbay_test_${process.pid}_${Date.now()}`
  project.provide("databasePrefix", prefix)
  const given = process.env["PATCHBAY_TEST_DATABASE_URL"]
  if (given !== undefined && given !== "") {
    project.provide("databaseUrl", given)
    project.provide("databaseProblem", "")
    return () => dropPostgresDatabases(given, prefix)
  }
  const bin = findPostgresBin()
  if (bin === undefined) {
    project.provide("databaseUrl", "")
    project.provide("databaseProblem", "PostgreSQL is not installed (no initdb/pg_ctl) and PATCHBAY_TEST_DATABASE_URL is not set")
    return
  }
  try {
    const cluster = await startThrowawayPostgres(bin)
    project.provide("databaseUrl", cluster.url)
    project.provide("databaseProblem", "")
    return () => cluster.stop()
  } catch (error) {
    const output = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error)
    project.provide("databaseUrl", "")
    project.provide("databaseProblem", `a throwaway PostgreSQL cluster did not start: ${output.trim()}`)
    return
  }
}
