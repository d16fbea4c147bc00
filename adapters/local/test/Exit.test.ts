/**
 * Nothing outlives a request: a program that made a successful, a failed (engine not installed)
 * and a cancelled request of each capability exits by itself, without `process.exit` — no engine
 * process, pipe or timer stays behind.
 */
import { EXIT_GUARD_MS, runToExit as runScriptToExit } from "@patchbay/conformance"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { makeFakes } from "./support/Fakes.ts"

const script = fileURLToPath(new URL("./support/OneRequest.ts", import.meta.url))
const GUARD_MS = EXIT_GUARD_MS

const runToExit = (args: ReadonlyArray<string>) => runScriptToExit(script, args)

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
