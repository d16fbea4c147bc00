/**
 * What the executable loads: `--version` and `--help` are answered from the package's own text,
 * before Effect, the core or any adapter is imported. Observed with a module resolve hook in a
 * child process (the modules resolved, not how long they took).
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { usage, version } from "../src/Help.ts"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const hook = `data:text/javascript,${encodeURIComponent(
  `import { registerHooks } from "node:module"
registerHooks({ resolve(specifier, context, next) { const found = next(specifier, context); process.stderr.write("resolved " + found.url + "\\n"); return found } })`
)}`

const run = (...args: ReadonlyArray<string>) => {
  const ran = spawnSync(process.execPath, ["--import", hook, bin, ...args], { encoding: "utf8" })
  const resolved = ran.stderr.split("\n").flatMap((line) => (line.startsWith("resolved ") ? [line.slice("resolved ".length)] : []))
  return { code: ran.status, stdout: ran.stdout, files: resolved.filter((url) => url.startsWith("file:")).map((url) => fileURLToPath(url)) }
}

describe("the patchbay executable", () => {
  for (const flag of ["--version", "-V"]) {
    it(`${flag} loads nothing but bin.ts and Help.ts`, () => {
      const ran = run(flag)
      expect(ran.code).toBe(0)
      expect(ran.stdout).toBe(`${version}\n`)
      expect(ran.files).toEqual([bin, fileURLToPath(new URL("../src/Help.ts", import.meta.url))])
    })
  }

  it("--help prints the usage the same way", () => {
    const ran = run("--help")
    expect([ran.code, ran.stdout]).toEqual([0, usage])
    expect(ran.files.map((f) => f.split("/").at(-1))).toEqual(["bin.ts", "Help.ts"])
  })

  it("a command loads the rest (Effect among it)", () => {
    const ran = run("providers", "nosuch")
    expect(ran.code).toBe(2)
    expect(ran.files.some((f) => f.includes("/effect/"))).toBe(true)
    // only the demo keeps its threads in SQLite: @patchbay/sql (and its PostgreSQL client) is loaded by it alone
    expect(ran.files.filter((f) => f.includes("/packages/sql/") || f.includes("/@effect/sql-pg/"))).toEqual([])
  })
})
