/**
 * What a battery run leaves for the report: one JSON file per adapter with a row per check,
 * written to the directory `PATCHBAY_CONFORMANCE_RESULTS` names. The battery writes these files
 * and the report reads them; both import this module, and neither imports the other.
 *
 * @since 0.2.0
 */
import { mkdirSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import type { CheckResult } from "./Checks.ts"

/** The environment variable naming the directory batteries write their results to. */
export const RESULTS_VARIABLE = "PATCHBAY_CONFORMANCE_RESULTS"

/** What one battery run writes for the report. @category models */
export interface ResultsFile {
  readonly adapter: string
  readonly mode: "http" | "in-process"
  readonly results: ReadonlyArray<CheckResult>
}

/** A file name for an adapter's results. */
export const resultsFileName = (adapter: string): string => `${adapter.replace(/[^A-Za-z0-9._-]+/g, "-")}.json`

/** Writes a run's results where the report command collects them. */
export const writeResults = (dir: string, file: ResultsFile): string => {
  mkdirSync(dir, { recursive: true })
  const target = path.join(dir, resultsFileName(file.adapter))
  writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`)
  return target
}
