/**
 * Several instances on one database: each test runs Patchbay in child processes (`instance.ts`)
 * beside the test's own runtime, on one SQLite file or one PostgreSQL database.
 *
 * - A process killed mid-run (SIGKILL) leaves its run `in_progress` only until its lease lapses:
 *   then the next process that looks (or its background sweep) marks it `failed` (`owner lost`)
 *   and the thread takes a new message; while the process lived, its lease was renewed.
 *
 * No assertion depends on how fast the machine is: waits are on events, counts and rows, with
 * generous caps (the tests' timeouts).
 */
import { createPatchbay, type PipelineEvent, RunStore } from "@patchbay/core"
import { Effect, ManagedRuntime } from "effect"
import { mkdtempSync } from "node:fs"
import { DatabaseSync } from "node:sqlite"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { describe, expect, it } from "vitest"
import { sqlite } from "../src/index.ts"
import { startInstance } from "./support/child.ts"
import { fakeLlmProvider } from "./support/instanceLlm.ts"
import { serveUpstream, upstreamProvider } from "./support/upstream.ts"

const dir = mkdtempSync(join(tmpdir(), "patchbay-instances-"))
let n = 0

/** Polls `read` (with a short pause between reads, never a deadline) until `done` holds. */
const until = async <A>(read: () => A | Promise<A>, done: (value: A) => boolean): Promise<A> => {
  for (;;) {
    const value = await read()
    if (done(value)) return value
    await sleep(20)
  }
}

/** Resolves with the first streamed event of `type`, passing every event to `all`. */
const firstOf = (type: PipelineEvent["type"], all: Array<PipelineEvent>) => {
  let found: (event: PipelineEvent) => void = () => {}
  const promise = new Promise<PipelineEvent>((resolve) => (found = resolve))
  return {
    promise,
    onEvent: (event: PipelineEvent) => {
      all.push(event)
      if (event.type === type) found(event)
    }
  }
}

describe("SQLite: a process that dies mid-run", () => {
  it("renewed its lease while it ran; once killed, its run ends failed (owner lost) when the lease lapses, and the thread takes a new message", async () => {
    const filename = join(dir, `crash-${++n}.db`)
    const upstream = await serveUpstream()
    const child = await startInstance({ store: "sqlite", target: filename, upstream: upstream.url, runs: { leaseMs: 1500 } })
    const events: Array<PipelineEvent> = []
    const streaming = firstOf("content_streaming", events)
    const sent = child.call({ op: "send", content: "Count", llm: "upstream" }, streaming.onEvent)
    sent.catch(() => {}) // the child is killed before the run ends
    const first = await streaming.promise
    const runId = first.run_id
    const threadId = first.thread_id

    const stores = ManagedRuntime.make(sqlite({ filename }))
    const row = () => stores.runPromise(RunStore.use((runs) => runs.get(runId)))
    // The run goes on for several leases: its owner renewed the lease each time, and it never read as lost.
    const leases = new Set<string>()
    await until(row, (run) => {
      expect(run.status).toBe("in_progress")
      leases.add(run.lease_until!)
      return leases.size >= 5
    })

    await child.kill("SIGKILL")
    const lost = await until(row, (run) => run.status !== "in_progress")
    expect(lost).toMatchObject({ status: "failed", reason: "owner lost", owner: null, lease_until: null })
    await stores.dispose()

    const pb = createPatchbay({
      providers: [fakeLlmProvider(), upstreamProvider(upstream.url)],
      defaults: { llm: { provider: "fake", model: "fake-llm" } },
      stores: sqlite({ filename })
    })
    expect((await pb.runs.get(runId)).status).toBe("failed")
    const next = await pb.sendMessage("Again", { threadId })
    expect([next.status, next.content]).toEqual(["completed", "Hello there."])
    await pb.dispose()
    await upstream.close()
  }, 120_000)

  it("the background sweep (runs.sweepIntervalMs) settles a dead process's run without anyone reading it", async () => {
    const filename = join(dir, `sweep-${++n}.db`)
    const upstream = await serveUpstream()
    const child = await startInstance({ store: "sqlite", target: filename, upstream: upstream.url, runs: { leaseMs: 300 } })
    const events: Array<PipelineEvent> = []
    const streaming = firstOf("content_streaming", events)
    child.call({ op: "send", content: "Count", llm: "upstream" }, streaming.onEvent).catch(() => {})
    const runId = (await streaming.promise).run_id
    await child.kill("SIGKILL")

    const pb = createPatchbay({
      providers: [fakeLlmProvider()],
      stores: sqlite({ filename }),
      settings: { runs: { sweepIntervalMs: 50 } }
    })
    await pb.threads.list() // builds the runtime, which starts the sweep
    // The row as stored, read without settling it.
    const raw = new DatabaseSync(filename, { readOnly: true })
    const stored = () => raw.prepare("SELECT status, reason FROM runs WHERE run_id = ?").get(runId) as { status: string; reason: string | null }
    expect(await until(stored, (run) => run.status !== "in_progress")).toEqual({ status: "failed", reason: "owner lost" })
    raw.close()
    await pb.dispose()
    await upstream.close()
  }, 120_000)
})
