/**
 * The battery: one call in an adapter's test file registers the whole conformance suite as
 * vitest tests — a `describe` per capability the provider declares (then `process`), an `it` per
 * check, starting with the `validate` hook. A check that does not apply (no cassette for it, an
 * in-process provider, a model that does not stream) is registered as a skipped test named
 * "<check>: skipped: <reason>", so nothing passes without having run and nothing disappears
 * silently; the report lists it as skipped with the reason. With
 * `PATCHBAY_CONFORMANCE_RESULTS=<dir>` each run writes its rows to `<dir>/<adapter>.json` for
 * `pnpm conformance:report`.
 *
 * @example
 * ```ts
 * // adapters/acme/test/acme.conformance.test.ts
 * import { runConformance } from "@patchbay/conformance"
 * import { acme } from "../src/index.ts"
 *
 * runConformance({
 *   name: "acme",
 *   make: ({ fetch, apiKey }) => acme({ fetch, apiKey }),
 *   cassettes: new URL("./cassettes/", import.meta.url)
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, it } from "vitest"
import * as Cassette from "./Cassette.ts"
import { type CheckGroup, type CheckResult, checksFor, runCheck } from "./Checks.ts"
import { isRecordMode, recordSubject } from "./Record.ts"
import { RESULTS_VARIABLE, writeResults } from "./Results.ts"
import { type ConformanceOptions, makeSubject, type Subject } from "./Subject.ts"

export { resultsFileName, writeResults } from "./Results.ts"
export type { ResultsFile } from "./Results.ts"

const groups = (subject: Subject): ReadonlyMap<CheckGroup, ReturnType<typeof checksFor>> => {
  const out = new Map<CheckGroup, Array<ReturnType<typeof checksFor>[number]>>()
  for (const check of checksFor(subject)) {
    const list = out.get(check.group) ?? []
    list.push(check)
    out.set(check.group, list)
  }
  return out
}

/**
 * The functions of a test runner the battery registers with: vitest's by default; any runner
 * with the same shape (bun:test, node:test adapters) or a recording fake in tests. `skip`
 * registers a test that does not run (vitest's `it.skip`): a check that does not apply.
 */
export interface TestApi {
  readonly describe: (name: string, body: () => void) => void
  readonly it: (name: string, body: () => unknown, timeout?: number) => void
  readonly skip: (name: string, body: () => unknown) => void
  readonly beforeAll: (body: () => unknown, timeout?: number) => void
  readonly afterAll: (body: () => unknown) => void
}

/**
 * Registers the battery with a test runner's functions. `env` decides record mode and where
 * results go (`process.env` by default). {@link runConformance} is this with vitest.
 *
 * @category running
 */
export const registerBattery = (
  options: ConformanceOptions,
  api: TestApi,
  env: Readonly<Record<string, string | undefined>> = process.env
): void => {
  const subject = makeSubject(options)
  const results: Array<CheckResult> = []
  const liveKey = options.record === undefined ? undefined : env[options.record.apiKeyVariable]
  const recording = isRecordMode(env) && liveKey !== undefined && liveKey !== ""
  let recorded = false

  api.describe(`conformance: ${subject.name}`, () => {
    if (recording) {
      api.beforeAll(async () => {
        await Effect.runPromise(recordSubject(subject, liveKey as string, options.record?.upstream))
        recorded = true
      }, 300_000)
    }
    for (const [group, list] of groups(subject)) {
      api.describe(group, () => {
        for (const check of list) {
          const plan = check.plan(subject)
          if (plan._tag === "Skip") {
            results.push({
              adapter: subject.name,
              group,
              check: check.name,
              title: check.title,
              status: "skipped",
              detail: plan.reason,
              cassettes: []
            })
            api.skip(`${check.name}: skipped: ${plan.reason}`, () => {})
            continue
          }
          api.it(`${check.name}: ${check.title}`, async () => {
            // After recording, the planned cassettes are read again: their interactions changed.
            const current = recorded ? { ...subject, cassettes: plan.cassettes.map((c) => Cassette.loadSync(c.file)) } : subject
            const result = await runCheck(check, current)
            results.push(result)
            if (result.status === "fail") throw new Error(`${check.id}: ${result.detail ?? "failed"}`)
          }, subject.timeoutMs + 5_000)
        }
      })
    }
    api.afterAll(() => {
      const dir = env[RESULTS_VARIABLE]
      if (dir !== undefined && dir !== "") writeResults(dir, { adapter: subject.name, mode: subject.mode, results })
    })
  })
}

/**
 * Registers the conformance battery for an adapter as vitest tests. Call it at the top level of
 * a test file. The cassettes are read and validated now: a bad one throws a `CassetteError`
 * naming the file and the JSON path, and the file fails to collect.
 *
 * @category running
 */
export const runConformance = (options: ConformanceOptions): void =>
  registerBattery(options, { describe, it, skip: it.skip, beforeAll, afterAll })
