/**
 * Nothing outlives a request: a program that made a successful, a failed (no network) and a
 * cancelled request of each capability exits by itself, without `process.exit` — no timer,
 * socket or stream of the SDK's stays behind.
 */
import { type Loopback, serveLoopback } from "@patchbay/conformance"
import { silentMp3 } from "@patchbay/core/testing"
import { spawn } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { serve } from "./support/FakeUpstream.ts"

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

/** A loopback port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

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
  it("a successful transcription, chat and speech", async () => {
    expect(await runToExit(["ok", fake.url])).toEqual({ exited: true, code: 0, stdout: "ok ok ok\n", stderr: "" })
  }, GUARD_MS + 5_000)

  it("a transcription, chat and speech that failed for lack of network", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    expect(await runToExit(["fail", url])).toEqual({ exited: true, code: 0, stdout: "ProviderUnavailable ProviderUnavailable ProviderUnavailable\n", stderr: "" })
  }, GUARD_MS + 5_000)

  it("a transcription, chat and speech cancelled while waiting for the answer", async () => {
    expect(await runToExit(["cancel", silent.url])).toEqual({ exited: true, code: 0, stdout: "cancelled cancelled cancelled\n", stderr: "" })
  }, GUARD_MS + 5_000)
})
