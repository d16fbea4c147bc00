/**
 * How long the `patchbay` command takes to start and answer, against the floor of starting Node
 * at all (`node -e 0`) measured in the same run, interleaved round by round so a busy machine
 * slows every command alike.
 *
 *   patchbay --version   must load nothing but the executable (target: under 150 ms)
 *   patchbay providers   loads the adapters and lists their catalogues (target: under 1.5 s)
 *
 * In the workspace the executable is `src/bin.ts`, so Node strips its types first, which costs
 * any `.ts` entry about 100 ms before it runs (measured here too, as `node <empty>.ts`). A
 * published package runs `dist/bin.js`: `--version` is also measured that way, on `bin.ts` and
 * `Help.ts` with their types stripped (what the build emits for them) in a temporary folder.
 *
 * The executable enables Node's compile cache (`module.enableCompileCache()`, which keeps it in
 * `<tmpdir>/node-compile-cache`), so each command is measured twice: "cold", every run with a
 * new, empty temporary directory (`TMPDIR`), as a first run after installing; and "warm", every
 * run sharing one directory whose cache a run before the measured ones filled. Only what the
 * executable itself puts in the cache is cached, as in real use (`NODE_COMPILE_CACHE` would
 * cache everything from the first module on). The operating system's file cache is warm in
 * both. Figures are medians of `--runs` (10) runs.
 *
 * Run: `pnpm bench:cli` (or `node bench/cli-startup.ts --runs 20`).
 */
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { stripTypeScriptTypes } from "node:module"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const bin = path.join(root, "packages/cli/src/bin.ts")
const runsFlag = process.argv.indexOf("--runs")
const runs = runsFlag === -1 ? 10 : Number(process.argv[runsFlag + 1])

interface Command {
  readonly label: string
  readonly args: ReadonlyArray<string>
  readonly target?: number
}

/** `bin.ts` and `Help.ts` as the build emits them (types stripped, `.ts` imports as `.js`), with the package.json they read. */
const published = mkdtempSync(path.join(tmpdir(), "patchbay-bench-dist-"))
mkdirSync(path.join(published, "dist"))
copyFileSync(path.join(root, "packages/cli/package.json"), path.join(published, "package.json"))
for (const name of ["bin", "Help"]) {
  const source = readFileSync(path.join(root, `packages/cli/src/${name}.ts`), "utf8")
  writeFileSync(path.join(published, "dist", `${name}.js`), stripTypeScriptTypes(source).replace(/from "\.\/Help\.ts"/, "from \"./Help.js\""))
}
writeFileSync(path.join(published, "empty.ts"), "const nothing: number = 0\n")
process.on("exit", () => rmSync(published, { recursive: true, force: true }))

const commands: ReadonlyArray<Command> = [
  { label: "node -e 0", args: ["-e", "0"] },
  { label: "node <empty>.ts", args: [path.join(published, "empty.ts")] },
  { label: "patchbay --version", args: [bin, "--version"] },
  { label: "  as published", args: [path.join(published, "dist/bin.js"), "--version"], target: 150 },
  { label: "patchbay providers", args: [bin, "providers"], target: 1500 }
]

// No vendor key: `providers` must not reach the network, and no key may change what loads.
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(OPENAI|ELEVENLABS|OPENROUTER)_API_KEY$/.test(name) && name !== "NODE_COMPILE_CACHE" && name !== "TMPDIR")
)

const once = (command: Command, cacheDir: string): number => {
  const started = performance.now()
  const ran = spawnSync(process.execPath, command.args, {
    cwd: root,
    env: { ...baseEnv, TMPDIR: cacheDir },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const ms = performance.now() - started
  if (ran.status !== 0) {
    throw new Error(`${command.label} exited with ${ran.status}: ${ran.stderr.toString().slice(0, 400)}`)
  }
  return ms
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const measure = (mode: "cold" | "warm"): Map<string, number> => {
  const times = new Map<string, Array<number>>(commands.map((c) => [c.label, []]))
  const shared = mkdtempSync(path.join(tmpdir(), "patchbay-bench-cache-"))
  try {
    if (mode === "warm") for (const command of commands) once(command, shared)
    for (let round = 0; round < runs; round++) {
      for (const command of commands) {
        const dir = mode === "warm" ? shared : mkdtempSync(path.join(tmpdir(), "patchbay-bench-cache-"))
        try {
          times.get(command.label)!.push(once(command, dir))
        } finally {
          if (dir !== shared) rmSync(dir, { recursive: true, force: true })
        }
      }
    }
  } finally {
    rmSync(shared, { recursive: true, force: true })
  }
  return new Map([...times].map(([label, xs]) => [label, median(xs)]))
}

const report = (mode: "cold" | "warm", medians: Map<string, number>) => {
  const floor = medians.get("node -e 0")!
  console.log(`\n${mode} compile cache (median of ${runs} runs)`)
  for (const command of commands) {
    const ms = medians.get(command.label)!
    const verdict = command.target === undefined ? "" : ms <= command.target ? `  (target < ${command.target} ms: met)` : `  (target < ${command.target} ms: MISSED)`
    console.log(`  ${command.label.padEnd(20)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / floor).toFixed(2).padStart(6)} × node -e 0${verdict}`)
  }
}

console.log(`patchbay start-up, ${process.version}, ${runs} runs per command`)
report("cold", measure("cold"))
report("warm", measure("warm"))
