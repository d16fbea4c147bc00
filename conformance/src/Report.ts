/**
 * The conformance report: a Markdown table of adapter × capability × check → pass / fail /
 * skipped (with the reason the check does not apply), with the failures listed under it. `pnpm conformance:report` (this module run
 * as a script) runs every `*.conformance.test.ts` of the workspace with vitest, offline, each
 * battery writing its rows to a temporary directory, then prints the table to stdout (vitest's
 * own output goes to stderr). It exits non-zero when a check fails.
 *
 * @since 0.1.0
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { RESULTS_VARIABLE, type ResultsFile } from "./Results.ts"
import { type CheckGroup, type CheckResult, checks } from "./Checks.ts"

export { RESULTS_VARIABLE } from "./Results.ts"

/** Which test files the report runs: vitest's file filter. */
export const TEST_FILTER = "conformance.test"

const groupOrder: ReadonlyArray<CheckGroup> = ["stt", "tts", "llm", "image", "embedding", "process"]

const escape = (text: string) => text.replace(/\|/g, "\\|").replace(/\n+/g, " ")

const cell = (result: CheckResult | undefined): string => {
  switch (result?.status) {
    case undefined:
      return "—"
    case "pass":
      return "pass"
    case "fail":
      return "**fail**"
    case "skipped":
      return `skipped: ${escape(result.detail ?? "")}`
  }
}

/** Reads every results file of a directory. */
export const readResults = (dir: string): ReadonlyArray<ResultsFile> =>
  readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => JSON.parse(readFileSync(path.join(dir, name), "utf8")) as ResultsFile)

/**
 * Formats results as Markdown: one row per check (in the battery's order), one column per
 * adapter; "—" where an adapter does not declare the capability, "skipped: <reason>" where a check
 * does not apply to it. Failures follow the table.
 *
 * @category formatting
 */
export const formatReport = (files: ReadonlyArray<ResultsFile>): string => {
  const adapters = [...files].sort((a, b) => a.adapter.localeCompare(b.adapter))
  const key = (group: string, check: string) => `${group}.${check}`
  const known = new Map(checks.map((c, i) => [c.id, i]))
  const rows = new Map<string, { group: CheckGroup; check: string; title: string }>()
  for (const file of adapters) {
    for (const r of file.results) rows.set(key(r.group, r.check), { group: r.group, check: r.check, title: r.title })
  }
  const ordered = [...rows.entries()].sort(([a, x], [b, y]) =>
    (known.get(a) ?? 10_000 + groupOrder.indexOf(x.group)) - (known.get(b) ?? 10_000 + groupOrder.indexOf(y.group)) || a.localeCompare(b)
  )
  const lookup = new Map(adapters.map((f) => [f.adapter, new Map(f.results.map((r) => [key(r.group, r.check), r]))]))
  const lines: Array<string> = [
    "# Conformance report",
    "",
    ...adapters.map((f) => {
      const count = (s: CheckResult["status"]) => f.results.filter((r) => r.status === s).length
      return `- **${f.adapter}** (${f.mode}): ${count("pass")} pass, ${count("fail")} fail, ${count("skipped")} skipped`
    }),
    "",
    `| capability | check | what it proves | ${adapters.map((f) => escape(f.adapter)).join(" | ")} |`,
    `| --- | --- | --- | ${adapters.map(() => "---").join(" | ")} |`,
    ...ordered.map(([id, row]) =>
      `| ${row.group} | ${row.check} | ${escape(row.title)} | ${adapters.map((f) => cell(lookup.get(f.adapter)?.get(id))).join(" | ")} |`
    )
  ]
  const failures = adapters.flatMap((f) =>
    f.results.filter((r) => r.status === "fail").map((r) => `- ${f.adapter} · ${r.group} · ${r.check}: ${escape(r.detail ?? "")}`)
  )
  if (failures.length > 0) lines.push("", "## Failures", "", ...failures)
  return `${lines.join("\n")}\n`
}

/** What a report run produced. */
export interface ReportRun {
  readonly markdown: string
  /** 0 when every check passed or was skipped (it does not apply). */
  readonly exitCode: number
}

/**
 * Runs the batteries of a workspace with vitest and formats their results. `root` is the
 * workspace (its `vitest.config.ts` lists the projects); vitest's output goes to `log`.
 *
 * @category running
 */
export const runReport = async (options: {
  readonly root: string
  readonly filter?: string | undefined
  readonly log?: NodeJS.WritableStream | undefined
}): Promise<ReportRun> => {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-conformance-"))
  try {
    const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs")
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [vitest, "run", options.filter ?? TEST_FILTER], {
        cwd: options.root,
        env: { ...process.env, [RESULTS_VARIABLE]: dir, PATCHBAY_RECORD: "" },
        stdio: ["ignore", "pipe", "pipe"]
      })
      const log = options.log ?? process.stderr
      child.stdout.pipe(log, { end: false })
      child.stderr.pipe(log, { end: false })
      child.on("error", reject)
      child.on("close", (status) => resolve(status ?? 1))
    })
    const files = readResults(dir)
    if (files.length === 0) {
      return { markdown: `# Conformance report\n\nNo battery ran (vitest exited with ${code}; no file matched "${options.filter ?? TEST_FILTER}").\n`, exitCode: 1 }
    }
    const failed = files.some((f) => f.results.some((r) => r.status === "fail"))
    return { markdown: formatReport(files), exitCode: failed || code !== 0 ? 1 : 0 }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const rootFlag = process.argv.indexOf("--root")
  const root = rootFlag === -1 ? process.cwd() : path.resolve(process.argv[rootFlag + 1] ?? ".")
  const { markdown, exitCode } = await runReport({ root })
  process.stdout.write(markdown)
  process.exitCode = exitCode
}
