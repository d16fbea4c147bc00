/**
 * Nothing outlives a request: a program that made a successful, a failed (no network) and a
 * cancelled request of each capability, through the bridge, exits by itself, without `process.exit` — no timer,
 * socket or stream of the SDK's stays behind.
 */
import { type Loopback, serveLoopback, closedPort, EXIT_GUARD_MS, runToExit as runScriptToExit } from "@patchbay/conformance"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const script = fileURLToPath(new URL("./support/OneRequest.ts", import.meta.url))
const GUARD_MS = EXIT_GUARD_MS

const runToExit = (args: ReadonlyArray<string>) => runScriptToExit(script, args)


let silent: Loopback
beforeAll(async () => {
  silent = await serveLoopback(() => new Promise<Response>(() => {})) // reads the request, never answers
})
afterAll(async () => {
  await silent.close()
})

describe("a program using the AI SDK bridge exits by itself after", () => {
  it("a successful chat and transcription", async () => {
    expect(await runToExit(["ok"])).toEqual({ exited: true, code: 0, stdout: "ok ok\n", stderr: "" })
  }, GUARD_MS + 5_000)

  it("a chat and transcription that failed for lack of network", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    expect(await runToExit(["fail", url])).toEqual({ exited: true, code: 0, stdout: "ProviderUnavailable ProviderUnavailable\n", stderr: "" })
  }, GUARD_MS + 5_000)

  it("a chat and transcription cancelled while waiting for the answer", async () => {
    expect(await runToExit(["cancel", silent.url])).toEqual({ exited: true, code: 0, stdout: "cancelled cancelled\n", stderr: "" })
  }, GUARD_MS + 5_000)
})
