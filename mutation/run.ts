/**
 * Mutation testing of the adapters against the conformance battery alone: how many plausible
 * single bugs put into an adapter's capability, wire and error-mapping code the battery notices.
 * Stryker mutates a fixed list of each adapter's source files (below) and, for every mutant, runs
 * only that adapter's battery test file (`test/<name>.conformance.test.ts`) — never its unit
 * tests, since the measure is what the battery promises third-party authors.
 *
 A measuring tool like `pnpm bench`, not part of `pnpm test` or CI. The files hold about 2,700
 * mutants (openai 1,353, elevenlabs 1,082, openrouter 304), hours of work on two cores, so by
 * default a seeded sample of them is run: `--sample` mutants per adapter (100), drawn uniformly
 * with `--seed` (14) from every mutant Stryker's instrumenter makes of the files; the same seed
 * and sources give the same sample. A run of the three adapters then takes about an hour.
 *
 *   pnpm mutation                                  the sample, every adapter, one after the other
 *   pnpm mutation openai --concurrency 1           one adapter, one test runner
 *   pnpm mutation --sample 200 --seed 7            another sample
 *   pnpm mutation --all                            every mutant of the files (hours)
 *   pnpm mutation openai --only reports/mutation/openai.summary.json
 *                                                  only the mutants listed (a summary: its survivors)
 *   pnpm mutation --from-report                    no new Stryker run: the last run's JSON reports again
 *
 * A sampled mutant is given to Stryker as its exact source range; mutants nested inside that
 * range (a sampled block statement holds its lines' mutants) are run too but left out of the
 * figures, which count the sample only.
 *
 * Stryker works in a copy of the repository (`.stryker-tmp/`) whose `node_modules` folders are
 * links to the real ones, so the battery in the copy imports the mutated adapter from `../src`
 * and `@patchbay/conformance` and `@patchbay/core` from the checkout. The JSON report of each
 * adapter lands in `reports/mutation/<name>.json`; a summary (killed, survived, timed out, no
 * coverage, score) is printed at the end, with every surviving mutant's place and replacement.
 *
 * No TypeScript checker: `@stryker-mutator/typescript-checker` needs the compiler API that the
 * TypeScript 7 native compiler does not have, so mutants that would not type-check are run too
 * (the battery kills them like any other when they misbehave).
 */
import { Stryker } from "@stryker-mutator/core"
import { Instrumenter } from "@stryker-mutator/instrumenter"
import { spawnSync } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

// `@stryker-mutator/api` is not a dependency of ours (pnpm does not hoist it): its types via core.
type PartialStrykerOptions = ConstructorParameters<typeof Stryker>[0]
type MutantResult = Awaited<ReturnType<Stryker["runMutationTest"]>>[number]

const root = fileURLToPath(new URL("..", import.meta.url))

/** Per adapter: the files mutated, relative to `adapters/<name>/src/`. */
export const targets: Record<string, ReadonlyArray<string>> = {
  openai: ["Chat.ts", "Speech.ts", "Transcription.ts", "Image.ts", "internal/Errors.ts"],
  elevenlabs: ["Speech.ts", "Transcription.ts", "internal/Errors.ts"],
  openrouter: ["Chat.ts", "Image.ts", "Wire.ts", "index.ts"]
}

// Stryker runs only the tests that covered a mutant: each check must play its cassettes itself
// (the name of `FRESH_PLAYS_VARIABLE` in conformance/src/internal/checks/common.ts).
process.env["PATCHBAY_CONFORMANCE_FRESH_PLAYS"] = "1"

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name)
  return at === -1 ? undefined : args[at + 1]
}
const concurrency = Number(flag("--concurrency") ?? 2)
const only = flag("--only")
const sampleSize = Number(flag("--sample") ?? 100)
const seed = Number(flag("--seed") ?? 14)
const everything = args.includes("--all")
const fromReport = args.includes("--from-report")
const flagValues = new Set([flag("--concurrency"), flag("--only"), flag("--sample"), flag("--seed")])
const named = args.filter((arg) => !arg.startsWith("--") && !flagValues.has(arg))
const adapters = named.length > 0 ? named : Object.keys(targets)

/** A mutant as the figures name it; `line` is 1-based, `column` 0-based, as in Stryker's results. */
interface Listed {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly mutator: string
  readonly replacement: string
}

/** Mutants to run again, from a file written by an earlier run (`survivors` of its summary). */
const onlyList: ReadonlyArray<Listed> | undefined = only === undefined ? undefined : (() => {
  // A list of mutants, or a summary (`reports/mutation/<name>.summary.json`) whose survivors to run.
  const read = JSON.parse(readFileSync(only, "utf8")) as ReadonlyArray<Listed> | { readonly survivors: ReadonlyArray<Listed> }
  return "survivors" in read ? read.survivors : read
})()
const keyOf = (m: Listed) => `${m.file}:${m.line}:${m.column}:${m.mutator}:${m.replacement}`

interface Located {
  readonly fileName: string
  readonly mutatorName: string
  readonly replacement?: string | undefined
  readonly location: { readonly start: { readonly line: number; readonly column: number }; readonly end: { readonly line: number; readonly column: number } }
}

/** A mutant as the instrumenter makes it: its location's lines and columns are 0-based. */
const listed = (mutant: Located): Listed => ({
  file: path.relative(root, path.resolve(root, mutant.fileName)),
  line: mutant.location.start.line + 1,
  column: mutant.location.start.column,
  mutator: mutant.mutatorName,
  replacement: mutant.replacement ?? ""
})

/** A mutant as Stryker's results give it: lines and columns 1-based (the report's schema). */
const reported = (result: Pick<MutantResult, "fileName" | "mutatorName" | "replacement" | "location">): Listed =>
  listed({ ...result, location: { start: { line: result.location.start.line - 1, column: result.location.start.column - 1 }, end: result.location.end } })

/** Stryker's `file:line:column-line:column` pattern for exactly a mutant's source range (lines 1-based, columns 0-based). */
const rangeOf = (mutant: Located): string => {
  const { start, end } = mutant.location
  return `${listed(mutant).file}:${start.line + 1}:${start.column}-${end.line + 1}:${end.column}`
}

const quiet = {
  isTraceEnabled: () => false,
  isDebugEnabled: () => false,
  isInfoEnabled: () => false,
  isWarnEnabled: () => true,
  isErrorEnabled: () => true,
  isFatalEnabled: () => true,
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: console.warn,
  error: console.error,
  fatal: console.error
}

/** Every mutant Stryker's instrumenter makes of the files, in its order. */
const mutantsOf = async (files: ReadonlyArray<string>): Promise<ReadonlyArray<Located>> => {
  const sources = files.map((name) => ({ name, content: readFileSync(path.join(root, name), "utf8"), mutate: true as const }))
  const result = await new Instrumenter(quiet).instrument(sources, { plugins: null, excludedMutations: [], ignorers: [] })
  return result.mutants
}

/** A seeded pseudo-random number generator (mulberry32): the same seed draws the same sample. */
const random = (state: number) => () => {
  state = (state + 0x6d2b79f5) | 0
  let t = Math.imul(state ^ (state >>> 15), 1 | state)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** `size` mutants drawn without replacement (a partial Fisher–Yates shuffle), in source order. */
const sample = <A>(all: ReadonlyArray<A>, size: number, next: () => number): ReadonlyArray<A> => {
  const pool = [...all]
  const n = Math.min(size, pool.length)
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(next() * (pool.length - i))
    const picked = pool[j] as A
    pool[j] = pool[i] as A
    pool[i] = picked
  }
  return pool.slice(0, n).sort((a, b) => all.indexOf(a) - all.indexOf(b))
}

/** Which mutants an adapter's run measures: its `mutate` patterns and, unless every one counts, their keys. */
const selectionFor = async (name: string): Promise<{ mutate: ReadonlyArray<string>; measured: ReadonlySet<string> | undefined }> => {
  const dir = `adapters/${name}`
  const files = (targets[name] ?? []).map((file) => `${dir}/src/${file}`)
  if (onlyList !== undefined) {
    const mine = onlyList.filter((m) => m.file.startsWith(`${dir}/`))
    const all = await mutantsOf(files)
    const wanted = new Set(mine.map(keyOf))
    const found = all.filter((m) => wanted.has(keyOf(listed(m))))
    if (found.length < mine.length) console.warn(`${name}: ${mine.length - found.length} listed mutant(s) no longer exist in the sources`)
    return { mutate: found.map(rangeOf), measured: wanted }
  }
  if (everything) return { mutate: files, measured: undefined }
  const picked = sample(await mutantsOf(files), sampleSize, random(seed))
  return { mutate: picked.map(rangeOf), measured: new Set(picked.map((m) => keyOf(listed(m)))) }
}

const optionsFor = (name: string, mutate: ReadonlyArray<string>): PartialStrykerOptions => {
  const dir = `adapters/${name}`
  return {
    testRunner: "vitest",
    plugins: [fileURLToPath(import.meta.resolve("@stryker-mutator/vitest-runner"))],
    vitest: { configFile: `${dir}/vitest.config.ts`, dir },
    testFiles: [`${dir}/test/${name}.conformance.test.ts`],
    mutate: [...mutate],
    coverageAnalysis: "perTest",
    concurrency,
    // A busy shared machine: a mutant is a timeout only well past a normal run.
    timeoutMS: 20_000,
    timeoutFactor: 2,
    reporters: ["progress", "json"],
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    ignorePatterns: ["/out", "/tmp", "/reports", "/coverage", "/packages/cli/demo", "/docs", "/bench", "/examples"],
    // Stryker rewrites the sandbox's tsconfig with the TypeScript compiler API, which TypeScript 7
    // lacks (`ts.parseConfigFileTextToJson is not a function`); every path in ours stays inside the
    // sandbox, so nothing needs rewriting: point it at a file that does not exist.
    tsconfigFile: "mutation/no-tsconfig-rewrite.json",
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
    logLevel: "warn" as NonNullable<PartialStrykerOptions["logLevel"]>
  }
}

interface Summary {
  readonly adapter: string
  readonly measured: number
  readonly killed: number
  readonly survived: number
  readonly timeout: number
  readonly noCoverage: number
  readonly errors: number
  readonly score: number
  readonly seconds: number
  readonly survivors: ReadonlyArray<Listed>
}

interface ReportFile {
  readonly files: Record<string, { readonly mutants: ReadonlyArray<Omit<MutantResult, "fileName">> }>
}

const readReport = (name: string) => {
  const report = JSON.parse(readFileSync(path.join(root, `reports/mutation/${name}.json`), "utf8")) as ReportFile
  return Object.entries(report.files).flatMap(([fileName, file]) => file.mutants.map((m) => ({ ...m, fileName })))
}

type Result = Pick<MutantResult, "fileName" | "mutatorName" | "replacement" | "location" | "status" | "static">

/** The offset of a 1-based line and column in a text. */
const offsetOf = (text: string, line: number, column: number): number => {
  let at = 0
  for (let l = 1; l < line; l++) at = text.indexOf("\n", at) + 1
  return at + column - 1
}

/**
 * Static mutants (code that runs when a module loads: a constant, a schema, a function
 * expression bound to a name) need the module loaded again, which Stryker's vitest runner does
 * not do between mutants: such a mutant "survives" whatever the battery does, and its coverage is
 * not seen (reported as no coverage). Each static survivor and each mutant without coverage is
 * therefore run again here the plain way: the mutation written into the file, the battery run by
 * vitest in a child process, the file restored.
 */
const verifyStatic = (name: string, results: ReadonlyArray<Result>): ReadonlyArray<Result> =>
  results.map((result) => {
    const suspect = (result.status === "Survived" && result.static === true) || result.status === "NoCoverage"
    if (!suspect) return result
    const file = path.resolve(root, result.fileName)
    const original = readFileSync(file, "utf8")
    const { start, end } = result.location
    const mutated = original.slice(0, offsetOf(original, start.line, start.column)) + (result.replacement ?? "")
      + original.slice(offsetOf(original, end.line, end.column))
    try {
      writeFileSync(file, mutated)
      const run = spawnSync(process.execPath, [vitestBin, "run", `test/${name}.conformance.test.ts`], {
        cwd: path.join(root, "adapters", name),
        stdio: "ignore",
        timeout: 600_000
      })
      return { ...result, status: run.status === 0 ? "Survived" : "Killed" }
    } finally {
      writeFileSync(file, original)
    }
  })

const vitestBin = path.join(root, "node_modules/vitest/vitest.mjs")

const summaries: Array<Summary> = []
process.chdir(root)
for (const name of adapters) {
  if (targets[name] === undefined) throw new Error(`unknown adapter ${name}; known: ${Object.keys(targets).join(", ")}`)
  const started = Date.now()
  const { mutate, measured } = await selectionFor(name)
  if (mutate.length === 0) continue
  // `--from-report`: no run, the figures of the last one again (its JSON report, read as Stryker's results).
  const all: ReadonlyArray<Result> = fromReport
    ? readReport(name)
    : await new Stryker(optionsFor(name, mutate)).runMutationTest()
  const sampled = measured === undefined ? all : all.filter((r) => measured.has(keyOf(reported(r))))
  const results = args.includes("--no-static-check") ? sampled : verifyStatic(name, sampled)
  const count = (...statuses: ReadonlyArray<string>) => results.filter((r) => statuses.includes(r.status)).length
  const killed = count("Killed", "Timeout")
  const survivors = results.filter((r) => r.status === "Survived" || r.status === "NoCoverage").map(reported)
  const summary: Summary = {
    adapter: name,
    measured: results.length,
    killed,
    survived: survivors.length,
    timeout: count("Timeout"),
    noCoverage: count("NoCoverage"),
    errors: count("RuntimeError", "CompileError"),
    score: Math.round((killed / Math.max(1, killed + survivors.length)) * 1000) / 10,
    seconds: Math.round((Date.now() - started) / 1000),
    survivors
  }
  summaries.push(summary)
  mkdirSync(path.join(root, "reports/mutation"), { recursive: true })
  writeFileSync(path.join(root, `reports/mutation/${name}.summary.json`), JSON.stringify(summary, null, 2) + "\n")
}

for (const s of summaries) {
  console.log(
    `${s.adapter}: ${s.measured} mutants, ${s.killed} killed (${s.timeout} by timeout), ${s.survived} survived (${s.noCoverage} without coverage),`
      + ` ${s.errors} runtime/compile errors — score ${s.score}% in ${s.seconds}s`
  )
  for (const m of s.survivors) console.log(`  survived ${m.file}:${m.line}:${m.column + 1} ${m.mutator} → ${m.replacement.split("\n")[0]}`)
}
