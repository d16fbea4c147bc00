/**
 * Nothing outlives a request: a program that made a successful, a failed (engine not installed)
 * and a cancelled request of each capability exits by itself, without `process.exit` — no engine
 * process, pipe or timer stays behind.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { makeFakes } from "./support/Fakes.ts"

const script = fileURLToPath(new URL("./support/OneRequest.ts", import.meta.url))
/** Only a guard against a hung test run: the assertion is that the process exits by itself. */
const GUARD_MS = 20_000

/** Runs the script; resolves with its exit code and output, or `exited: false` if the guard fired. */
const runToExit = (args: ReadonlyArray<string>) =>
  new Promise<{ readonly exited: boolean; readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const guard = setTimeout(() => {
      child.kill("SIGKILL")
      resolve({ exited: false, code: null, stdout, stderr })
    }, GUARD_MS)
    child.on("exit", (code) => {
      clearTimeout(guard)
      resolve({ exited: true, code, stdout, stderr })
    })
  })

const fakes = makeFakes()
afterAll(() => fakes.dispose())

describe("a program using the local adapter exits by itself after", () => {
  it("a successful speech and transcription", async () => {
    expect(await runToExit(["ok"])).toEqual({ exited: true, code: 0, stdout: "ok ok\n", stderr: "" })
  }, GUARD_MS + 5_000)

  it("a speech and transcription whose engines are not installed", async () => {
    expect(await runToExit(["fail", fakes.missing])).toEqual({ exited: true, code: 0, stdout: "ProviderUnavailable ProviderUnavailable\n", stderr: "" })
  }, GUARD_MS + 5_000)

  it("a speech and transcription cancelled while the engine runs", async () => {
    expect(await runToExit(["cancel", fakes.hangs])).toEqual({ exited: true, code: 0, stdout: "cancelled cancelled\n", stderr: "" })
    expect(fakes.running(fakes.hangs)).toEqual([])
  }, GUARD_MS + 5_000)
})
