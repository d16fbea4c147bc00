/**
 * Several instances on one database: each test runs Patchbay in child processes (`instance.ts`)
 * beside the test's own runtime, on one SQLite file or one PostgreSQL database.
 *
 * - A process killed mid-run (SIGKILL) leaves its run `in_progress` only until its lease lapses:
 *   then the next process that looks (or its background sweep) marks it `failed` (`owner lost`)
 *   and the thread takes a new message; while the process lived, its lease was renewed.
 *
 * - Resume anywhere: a run paused for tool outputs in one instance is resumed by another (two
 *   runtimes on one SQLite file; two processes on one PostgreSQL database), and it streams and
 *   stores exactly what resuming it where it paused does (ids and times aside); two processes
 *   resuming one run at once: one does, the other gets `InvalidRequest`.
 *
 * - Cancel anywhere: `cancel(run_id)` in one instance stops a run another process is executing
 *   (PostgreSQL: `NOTIFY`; SQLite: the running process looks at its row every
 *   `runs.cancelPollMs`): the fake vendor sees its request aborted, and the run is stored
 *   `cancelled` with its partial content.
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
import { describe, expect, inject, it } from "vitest"
import { postgres, sqlite } from "../src/index.ts"
import { type Instance, startInstance } from "./support/child.ts"
import { fakeLlmProvider, weather } from "./support/instanceLlm.ts"
import { freshPostgresDatabase, postgresSkipReason } from "./support/postgres.ts"
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
    const child = await startInstance({ store: "sqlite", target: filename, upstream: upstream.url, runs: { leaseMs: 3000 } })
    const events: Array<PipelineEvent> = []
    const streaming = firstOf("content_streaming", events)
    const sent = child.call({ op: "send", content: "Count", llm: "upstream" }, streaming.onEvent)
    sent.catch(() => {}) // the child is killed before the run ends
    const first = await streaming.promise
    const runId = first.run_id
    const threadId = first.thread_id

    const stores = ManagedRuntime.make(sqlite({ filename }))
    const row = () => stores.runPromise(RunStore.use((runs) => runs.get(runId)))
    // The run goes on longer than its lease (four renewals, a third of it apart): it never reads as lost.
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

/**
 * Replaces what differs between two runs of one scenario: ids (by order of first appearance),
 * times, and the fake LLM's request counter.
 */
const normalize = (value: unknown): unknown => {
  const ids = new Map<string, string>()
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v)) return "<time>"
      if (/^fake_llm_\d+$/.test(v)) return "fake_llm_#"
      const id = /^([a-z]+)_[A-Za-z0-9_-]{16}$/.exec(v)
      if (id !== null) {
        if (!ids.has(v)) ids.set(v, `${id[1]}#${ids.size + 1}`)
        return ids.get(v)
      }
      return v
    }
    if (Array.isArray(v)) return v.map(walk)
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
    return v
  }
  return walk(value)
}

/** What a resumed run leaves: its events, its thread's messages, its record. */
const outcome = async (pb: ReturnType<typeof createPatchbay>, events: ReadonlyArray<PipelineEvent>) => {
  const { run_id, thread_id } = events[0]!
  return normalize({ events, thread: await pb.threads.get(thread_id), run: await pb.runs.get(run_id) })
}

const collect = async (events: AsyncIterable<PipelineEvent>) => {
  const all: Array<PipelineEvent> = []
  for await (const event of events) all.push(event)
  return all
}

const open = (stores: Parameters<typeof createPatchbay>[0]["stores"]) =>
  createPatchbay({
    providers: [fakeLlmProvider()],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    stores,
    media: { secret: "instances-test-media-secret" }
  })

const outputs = [{ tool_call_id: "call_w", output: "sunny" }]

describe("SQLite: resume anywhere", () => {
  it("a run paused in runtime A and resumed by runtime B streams and stores what A resuming it does", async () => {
    const filename = join(dir, `resume-${++n}.db`)
    const a = open(sqlite({ filename }))
    const b = open(sqlite({ filename }))
    const pauseIn = async (pb: typeof a) => {
      const events = await collect(await pb.sendMessage("Weather?", { stream: true, tools: [weather] }))
      expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "requires_action" })
      return events[0]!.run_id
    }
    const here = await pauseIn(a)
    const byA = await outcome(a, await collect(await a.submitToolOutputs(here, outputs, { stream: true })))
    const there = await pauseIn(a)
    const byB = await outcome(b, await collect(await b.submitToolOutputs(there, outputs, { stream: true })))
    expect(byB).toEqual(byA)
    expect(byA).toMatchObject({ run: { status: "completed" }, thread: { messages: [{ content: "Weather?" }, { content: "" }, {}, { content: "It is sunny today." }] } })
    // Read from A, B's resume is the same too.
    expect(await outcome(a, [{ run_id: there, thread_id: (await a.runs.get(there)).thread_id } as PipelineEvent]))
      .toEqual(await outcome(b, [{ run_id: there, thread_id: (await b.runs.get(there)).thread_id } as PipelineEvent]))
    await Promise.all([a.dispose(), b.dispose()])
  }, 60_000)
})

/**
 * Process A (a child) streams a never-ending reply from the fake vendor; B (this runtime) cancels
 * the run once A has streamed its first words: A's vendor request is aborted, and the run is
 * stored `cancelled` with what A had streamed.
 */
const cancelAnywhere = async (store: "sqlite" | "pg", target: string, stores: Parameters<typeof open>[0]) => {
  const upstream = await serveUpstream({ words: ["One", " two", " three"] })
  const child = await startInstance({ store, target, upstream: upstream.url, runs: { cancelPollMs: 100 } })
  const b = open(stores)
  try {
    let text = ""
    let runId = ""
    let streamed: () => void = () => {}
    const words = new Promise<void>((resolve) => (streamed = resolve))
    const run = child.call({ op: "send", content: "Count", llm: "upstream" }, (event) => {
      runId = event.run_id
      if (event.type === "content_streaming") text += event.content
      if (text === "One two three") streamed()
    })
    await words
    expect((await b.runs.get(runId)).status).toBe("in_progress")
    await b.cancel(runId)
    await upstream.until(upstream.aborted, 1)
    const events = await run
    expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "cancelled" })
    const stored = await b.runs.get(runId)
    expect([stored.status, stored.reason]).toEqual(["cancelled", "cancelled by the caller"])
    const thread = await b.threads.get(stored.thread_id)
    expect(thread.messages).toMatchObject([
      { role: "user", content: "Count", status: "completed" },
      { role: "assistant", content: "One two three", status: "cancelled" }
    ])
    expect([upstream.started(), upstream.aborted()]).toEqual([1, 1])
    // The thread is free again.
    expect((await b.sendMessage("Again", { threadId: stored.thread_id })).content).toBe("Hello there.")
  } finally {
    await child.kill()
    await b.dispose()
    await upstream.close()
  }
}

describe("SQLite: cancel anywhere", () => {
  it("cancel(run_id) in one process stops a run another process executes: its vendor request is aborted, the run stored cancelled with its partial content", async () => {
    const filename = join(dir, `cancel-${++n}.db`)
    await cancelAnywhere("sqlite", filename, sqlite({ filename }))
  }, 120_000)

})

const skip = postgresSkipReason()
describe.skipIf(skip !== undefined)(`PostgreSQL: several processes${skip === undefined ? "" : ` (skipped: ${skip})`}`, () => {
  it("a run paused in process A and resumed by process B streams and stores what A resuming it does", async () => {
    const url = await freshPostgresDatabase(inject("databaseUrl"))
    const upstream = await serveUpstream()
    const child: Instance = await startInstance({ store: "pg", target: url, upstream: upstream.url })
    const b = open(postgres({ url }))
    try {
      const pauseInA = async () => {
        const events = await child.call({ op: "send", content: "Weather?", tools: [weather] })
        expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "requires_action" })
        return events[0]!.run_id
      }
      const here = await pauseInA()
      const byA = await outcome(b, await child.call({ op: "submit", runId: here, outputs }))
      const there = await pauseInA()
      const byB = await outcome(b, await collect(await b.submitToolOutputs(there, outputs, { stream: true })))
      expect(byB).toEqual(byA)
      expect(byA).toMatchObject({ run: { status: "completed" }, thread: { messages: [{ content: "Weather?" }, { content: "" }, {}, { content: "It is sunny today." }] } })
    } finally {
      await child.kill()
      await b.dispose()
      await upstream.close()
    }
  }, 120_000)

  it("two processes submitting tool outputs for one paused run at once: one resumes it, the other gets InvalidRequest (run_id)", async () => {
    const url = await freshPostgresDatabase(inject("databaseUrl"))
    const upstream = await serveUpstream()
    const child: Instance = await startInstance({ store: "pg", target: url, upstream: upstream.url })
    const b = open(postgres({ url }))
    try {
      for (let round = 0; round < 3; round++) {
        const paused = await child.call({ op: "send", content: "Weather?", tools: [weather] })
        const runId = paused[0]!.run_id
        const results = await Promise.allSettled([
          child.call({ op: "submit", runId, outputs }),
          b.submitToolOutputs(runId, outputs)
        ])
        const won = results.filter((r) => r.status === "fulfilled")
        const lost = results.filter((r) => r.status === "rejected")
        expect([won.length, lost.length]).toEqual([1, 1])
        expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ _tag: "InvalidRequest" })
        const thread = await b.threads.get((await b.runs.get(runId)).thread_id)
        expect(thread.messages.map((m) => m.content)).toEqual(["Weather?", "", "sunny", "It is sunny today."])
        expect((await b.runs.get(runId)).status).toBe("completed")
      }
    } finally {
      await child.kill()
      await b.dispose()
      await upstream.close()
    }
  }, 120_000)

  it("cancel(run_id) in one process stops a run another process executes, through LISTEN/NOTIFY: its vendor request is aborted, the run stored cancelled with its partial content", async () => {
    const url = await freshPostgresDatabase(inject("databaseUrl"))
    await cancelAnywhere("pg", url, postgres({ url }))
  }, 120_000)
})
