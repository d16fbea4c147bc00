/**
 * What each entry of the package loads. `@patchbay/conformance/cassette` is for programs that
 * replay vendor calls (the `patchbay` command, its demo): it must not bring in the test runner
 * the battery registers with. Observed with a module resolve hook in a child process (a generous
 * cap each: loading the battery in a child takes seconds on a loaded machine).
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const hook = `data:text/javascript,${encodeURIComponent(
  `import { registerHooks } from "node:module"
registerHooks({ resolve(specifier, context, next) { const found = next(specifier, context); process.stderr.write("resolved " + found.url + "\\n"); return found } })`
)}`

const resolvedBy = (entry: string): ReadonlyArray<string> => {
  const ran = spawnSync(process.execPath, ["--import", hook, "--input-type=module", "-e", `await import(${JSON.stringify(entry)})`], {
    cwd: packageDir,
    encoding: "utf8"
  })
  expect(ran.status, ran.stderr).toBe(0)
  return ran.stderr.split("\n").flatMap((line) => (line.startsWith("resolved file:") ? [fileURLToPath(line.slice("resolved ".length))] : []))
}

const testRunner = /\/node_modules\/(\.pnpm\/)?(vitest|@vitest|chai|vite|@effect\+vitest|@effect\/vitest)[@/]/

describe("the package's entries", () => {
  it("@patchbay/conformance/cassette loads no test runner and not the battery", () => {
    const files = resolvedBy("@patchbay/conformance/cassette")
    expect(files.some((f) => f.endsWith("/conformance/src/cassette/index.ts"))).toBe(true)
    expect(files.filter((f) => testRunner.test(f))).toEqual([])
    expect(files.filter((f) => /\/conformance\/src\/(Battery|Checks|Report)\.ts$/.test(f))).toEqual([])
  }, 60_000)

  it("@patchbay/conformance, with the battery, loads vitest", () => {
    expect(resolvedBy("@patchbay/conformance").some((f) => testRunner.test(f))).toBe(true)
  }, 60_000)
})
