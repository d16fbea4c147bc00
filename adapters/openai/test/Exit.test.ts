/**
 * Nothing outlives a request: a program that made a successful, a failed (no network) and a
 * cancelled request of each capability (embeddings too) exits by itself, without `process.exit` — no timer,
 * socket or stream of the SDK's stays behind.
 */
import { type Loopback, serveLoopback, closedPort, EXIT_GUARD_MS, runToExit as runScriptToExit } from "@patchbay/conformance"
import { silentMp3 } from "@patchbay/core/testing"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { serve } from "./support/FakeUpstream.ts"

const script = fileURLToPath(new URL("./support/OneRequest.ts", import.meta.url))
const GUARD_MS = EXIT_GUARD_MS

const runToExit = (args: ReadonlyArray<string>) => runScriptToExit(script, args)


let fake: Loopback
let silent: Loopback
beforeAll(async () => {
  const speech = silentMp3({ seconds: 0.5, sampleRate: 24000, bitrateKbps: 32 })
  let n = 0
  fake = await serve({
    heard: async () => ({ text: "How do I get to the station?", duration: 2 }),
    timings: () => [],
    speak: async () => ({ bytes: speech, duration: 0.5 }),
    answer: () => ({ text: "Walk north. Then cross the bridge." }),
    id: (prefix) => `${prefix}${++n}`,
    created: 1795651200,
    pace: () => ({ firstMs: 0, intervalMs: 0 })
  })
  silent = await serveLoopback(() => new Promise<Response>(() => {})) // reads the request, never answers
})
afterAll(async () => {
  await fake.close()
  await silent.close()
})

describe("a program using the OpenAI adapter exits by itself after", () => {
  it("a successful transcription, chat, speech and embedding", async () => {
    expect(await runToExit(["ok", fake.url])).toEqual({ exited: true, code: 0, stdout: "ok ok ok ok\n", stderr: "" })
  }, GUARD_MS + 5_000)

  it("a transcription, chat, speech and embedding that failed for lack of network", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    expect(await runToExit(["fail", url])).toEqual({ exited: true, code: 0, stdout: "ProviderUnavailable ProviderUnavailable ProviderUnavailable ProviderUnavailable\n", stderr: "" })
  }, GUARD_MS + 5_000)

  it("a transcription, chat, speech and embedding cancelled while waiting for the answer", async () => {
    expect(await runToExit(["cancel", silent.url])).toEqual({ exited: true, code: 0, stdout: "cancelled cancelled cancelled cancelled\n", stderr: "" })
  }, GUARD_MS + 5_000)
})
