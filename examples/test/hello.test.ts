/**
 * The starter script runs as a user would run it: a program of its own, importing the workspace's
 * packages from `examples/`, exiting by itself with the audio written.
 */
import { execFile } from "node:child_process"
import { accessSync, constants, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const script = fileURLToPath(new URL("../hello.ts", import.meta.url))
/** CI installs espeak-ng (`.ci/run`), so there this test runs, and fails without it, never skips. */
const inCi = process.env["CI"] !== undefined && process.env["CI"] !== ""
const hasEspeak = (process.env["PATH"] ?? "").split(path.delimiter).some((dir) => {
  try {
    accessSync(path.join(dir, "espeak-ng"), constants.X_OK)
    return true
  } catch {
    return false
  }
})

describe("examples/hello.ts", () => {
  it.skipIf(!hasEspeak && !inCi)("imports @patchbay/* from the workspace, speaks with espeak-ng and writes a WAV file", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "patchbay-hello-")), "hello.wav")
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, out], { timeout: 20_000 })
    expect(stdout).toMatch(/^hello\.wav: audio\/wav, \d+ bytes, [\d.]+ s\n$/)
    expect(stderr).toBe("")
    expect(readFileSync(out).subarray(0, 4).toString("latin1")).toBe("RIFF")
  }, 30_000)
})
