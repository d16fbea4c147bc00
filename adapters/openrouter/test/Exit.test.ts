/**
 * Nothing outlives a request: a program that made a successful, a failed (no network) and a
 * cancelled request of each capability exits by itself, without `process.exit` — no timer,
 * socket or stream of the SDK's stays behind.
 */
import { type Loopback, serveLoopback, closedPort, EXIT_GUARD_MS, runToExit as runScriptToExit } from "@patchbay/conformance"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { serve } from "./support/FakeUpstream.ts"

const script = fileURLToPath(new URL("./support/OneRequest.ts", import.meta.url))
const GUARD_MS = EXIT_GUARD_MS

const runToExit = (args: ReadonlyArray<string>) => runScriptToExit(script, args)


let fake: Loopback
let silent: Loopback
beforeAll(async () => {
  const picture = new Uint8Array(readFileSync(new URL("./cassettes/images/robot-red.png", import.meta.url)))
  let n = 0
  fake = await serve({ picture: () => picture, id: (prefix) => `${prefix}${++n}`, created: 1795651200, intervalMs: 0 })
  silent = await serveLoopback(() => new Promise<Response>(() => {})) // reads the request, never answers
})
afterAll(async () => {
  await fake.close()
  await silent.close()
})

describe("a program using the OpenRouter adapter exits by itself after", () => {
  it("a successful chat and image", async () => {
    expect(await runToExit(["ok", fake.url])).toEqual({ exited: true, code: 0, stdout: "ok ok\n", stderr: "" })
  }, GUARD_MS + 5_000)

  it("a chat and image that failed for lack of network", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    expect(await runToExit(["fail", url])).toEqual({ exited: true, code: 0, stdout: "ProviderUnavailable ProviderUnavailable\n", stderr: "" })
  }, GUARD_MS + 5_000)

  it("a chat and image cancelled while waiting for the answer", async () => {
    expect(await runToExit(["cancel", silent.url])).toEqual({ exited: true, code: 0, stdout: "cancelled cancelled\n", stderr: "" })
  }, GUARD_MS + 5_000)
})
