/**
 * The `patchbay` executable itself, run as a program: where it keeps Node's compile cache (a
 * command that loads the CLI proper; `--version` and `--help` answer before it and cache nothing).
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

/** Runs `patchbay <args>` with the given environment (no inherited cache settings). */
const run = (args: ReadonlyArray<string>, env: Record<string, string>) => {
  const base = { ...process.env }
  delete base["XDG_CACHE_HOME"]
  delete base["NODE_COMPILE_CACHE"]
  return promisify(execFile)(process.execPath, [bin, ...args], { env: { ...base, ...env } })
}

describe("the compile cache", () => {
  it("lives in a folder of its own under the user's cache directory ($XDG_CACHE_HOME)", async () => {
    const cache = mkdtempSync(path.join(tmpdir(), "patchbay-xdg-"))
    await run(["help", "say"], { XDG_CACHE_HOME: cache })
    expect(readdirSync(cache)).toEqual(["patchbay"])
    expect(readdirSync(path.join(cache, "patchbay"))).toEqual(["compile-cache"])
    expect(readdirSync(path.join(cache, "patchbay", "compile-cache")).length).toBeGreaterThan(0)
  }, 30_000)

  it("under ~/.cache without XDG_CACHE_HOME", async () => {
    const home = mkdtempSync(path.join(tmpdir(), "patchbay-home-"))
    await run(["help", "say"], { HOME: home })
    expect(readdirSync(path.join(home, ".cache", "patchbay", "compile-cache")).length).toBeGreaterThan(0)
  }, 30_000)
})
