/**
 * The newcomer's way in: `./scripts/dev setup` says where Node and pnpm are and prints the one
 * line that puts them on PATH (also written to an env file), and the `patchbay` command runs
 * through `./scripts/dev patchbay …` (in the caller's folder) and `pnpm patchbay …`.
 */
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../..", import.meta.url))
const dev = path.join(root, "scripts/dev")
const { version } = JSON.parse(readFileSync(path.join(root, "packages/cli/package.json"), "utf8")) as { version: string }
const run = promisify(execFile)

/** The `pnpm` on PATH, if any. */
/** In CI the toolchain is always set up by `./scripts/dev`, so these tests run (and fail when it is not), never skip. */
const inCi = process.env["CI"] !== undefined && process.env["CI"] !== ""
const pnpm = (process.env["PATH"] ?? "").split(path.delimiter).map((dir) => path.join(dir, "pnpm")).find((file) => existsSync(file))
/** Its `node_modules` when it is pnpm 12.4.2 as `./scripts/dev` installs it (`…/pnpm-12.4.2/node_modules/.bin/pnpm`). */
const pnpmModules = pnpm !== undefined && pnpm.endsWith(path.join("pnpm-12.4.2", "node_modules", ".bin", "pnpm")) ? path.dirname(path.dirname(pnpm)) : undefined

/** A toolchain folder holding this machine's pnpm (the Node running the tests is on PATH): nothing to fetch. */
const toolchain = (modules: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-toolchain-"))
  mkdirSync(path.join(dir, "pnpm-12.4.2"))
  symlinkSync(modules, path.join(dir, "pnpm-12.4.2", "node_modules"))
  return dir
}

describe("scripts/dev", () => {
  it.skipIf(pnpmModules === undefined && !inCi)("setup prints the line that puts Node and pnpm on PATH, and writes it to <cache>/env", async () => {
    const cache = toolchain(pnpmModules ?? "")
    const env = { ...process.env, PATCHBAY_TOOLCHAIN_DIR: cache }
    const { stdout, stderr } = await run(dev, ["setup"], { cwd: root, env, timeout: 120_000 })
    const nodeBin = path.dirname(process.execPath)
    const line = `export PATH="${nodeBin}:${cache}/pnpm-12.4.2/node_modules/.bin:$PATH"\n`
    expect(stdout).toBe(line)
    expect(readFileSync(path.join(cache, "env"), "utf8")).toBe(line)
    expect(stderr).toContain(`patchbay setup: ready: node ${process.version} in ${nodeBin}, pnpm 12.4.2 in ${cache}/pnpm-12.4.2/node_modules/.bin\n`)
    expect(stderr).toContain(`. ${cache}/env`)

    const elsewhere = mkdtempSync(path.join(tmpdir(), "patchbay-caller-"))
    const cli = await run(dev, ["patchbay", "--version"], { cwd: elsewhere, env, timeout: 120_000 })
    expect(cli.stdout).toBe(`${version}\n`)
    const missing = await run(dev, ["patchbay", "transcribe", "here.mp3", "--stt", "openai/whisper-1"], { cwd: elsewhere, env, timeout: 120_000 }).catch((e: { stderr: string; code: number }) => e)
    expect(missing.stderr).toContain(`(it is read relative to ${elsewhere})`) // run in the caller's folder
  }, 300_000)

  it.skipIf(pnpm === undefined && !inCi)("pnpm patchbay <args> runs the command", async () => {
    const { stdout } = await run(pnpm ?? "pnpm", ["--silent", "patchbay", "--version"], { cwd: root, timeout: 60_000 })
    expect(stdout).toBe(`${version}\n`)
  }, 120_000)
})
