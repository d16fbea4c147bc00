/**
 * Store benchmark (`pnpm bench:store`): the costs a conversation pays on each SQL store, with
 * durability on (SQLite in WAL with `synchronous=NORMAL`; PostgreSQL with `fsync` on, its
 * default):
 *
 *   append       one message appended to a thread (`ThreadStore.save`, one transaction): p50, p99
 *   last 50      the last 50 messages of a 10,000-message thread (`ThreadStore.messages`): p50, p99
 *   concurrent   100 threads adding messages at once (10 each): total time, messages per second
 *
 * Targets: SQLite append p50 under 1 ms, PostgreSQL under 3 ms.
 *
 * Then, with two instances on one database — A, a Patchbay in a child process, and B, one in
 * this process (`packages/sql/test/support/instance.ts`, as the tests use):
 *
 *   cancel       B's `cancel(run_id)` of a run A executes (streaming from a loopback fake vendor)
 *                → A's vendor request aborted (seen at the fake vendor), and → A's `run_ended`
 *                reaching B (through A's stdout): p50, p99, max. PostgreSQL: `NOTIFY`; SQLite:
 *                A looks at its run's row every `runs.cancelPollMs` (default 200 ms).
 *   resume       B's `submitToolOutputs` of a run A paused → its first event: p50, p99, max
 *
 * Target: cancel under 500 ms on PostgreSQL. `BENCH_STORE_ROUNDS` changes the rounds (default 20).
 *
 * SQLite uses a file in a temporary folder. PostgreSQL uses `PATCHBAY_TEST_DATABASE_URL`, else a
 * throwaway cluster started here when PostgreSQL's programs are installed, else it is skipped
 * (and says so). `BENCH_STORE_APPENDS` changes the number of timed appends (default 2000).
 */
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createPatchbay, type PipelineEvent, type StoredMessage, type StoresLayer, ThreadStore } from "../packages/core/src/index.ts"
import { postgres, sqlite } from "../packages/sql/src/index.ts"
import { startInstance } from "../packages/sql/test/support/child.ts"
import { fakeLlmProvider, weather } from "../packages/sql/test/support/instanceLlm.ts"
import { serveUpstream } from "../packages/sql/test/support/upstream.ts"
import { durabilitySettings } from "../packages/sql/test/support/throwawayPostgres.ts"
import { benchPostgres } from "./postgres.ts"

const appends = Number(process.env["BENCH_STORE_APPENDS"] ?? 2000)
const historySize = 10_000

const message = (threadId: string, n: number): StoredMessage => ({
  message_id: `m_${n}`,
  thread_id: threadId,
  run_id: `run_${n}`,
  role: n % 2 === 0 ? "user" : "assistant",
  content: `Message ${n}: a sentence of about the length people say in one turn of a voice conversation.`,
  status: "completed",
  created_at: new Date(Date.UTC(2030, 0, 1) + n).toISOString()
})

const thread = (id: string) => ({
  thread_id: id,
  assistant_id: "asst_default",
  created_at: "2030-01-01T00:00:00.000Z",
  updated_at: "2030-01-01T00:00:00.000Z"
})

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
const ms = (n: number) => `${n.toFixed(3)} ms`

interface Figures {
  readonly appendP50: number
  readonly appendP99: number
  readonly lastP50: number
  readonly lastP99: number
  readonly concurrentMs: number
  readonly concurrentRate: number
}

const measure = (layer: StoresLayer) =>
  Effect.gen(function*() {
    const threads = yield* ThreadStore
    const timed = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.gen(function*() {
        const start = performance.now()
        yield* effect
        return performance.now() - start
      })

    // append: warm up, then time each append on one thread.
    yield* threads.create(thread("t_append"))
    for (let n = 0; n < 100; n++) yield* threads.save([message("t_append", n)])
    const appendTimes: Array<number> = []
    for (let n = 100; n < 100 + appends; n++) appendTimes.push(yield* timed(threads.save([message("t_append", n)])))
    appendTimes.sort((a, b) => a - b)

    // last 50 of a 10,000-message thread (filled in batches, not timed).
    yield* threads.create(thread("t_long"))
    for (let n = 0; n < historySize; n += 500) {
      yield* threads.save(Array.from({ length: 500 }, (_, i) => message("t_long", n + i)))
    }
    const lastTimes: Array<number> = []
    for (let i = 0; i < 200; i++) {
      lastTimes.push(yield* timed(Effect.flatMap(threads.messages("t_long", { limit: 50 }), (page) =>
        page.length === 50 ? Effect.void : Effect.die(new Error(`got ${page.length} messages`)))))
    }
    lastTimes.sort((a, b) => a - b)

    // 100 threads adding 10 messages each, all at once.
    const ids = Array.from({ length: 100 }, (_, i) => `t_c${i}`)
    yield* Effect.forEach(ids, (id) => threads.create(thread(id)), { discard: true })
    const concurrentMs = yield* timed(Effect.forEach(
      ids,
      (id) => Effect.forEach(Array.from({ length: 10 }, (_, n) => n), (n) => threads.save([message(id, n)]), { discard: true }),
      { concurrency: "unbounded", discard: true }
    ))
    return {
      appendP50: quantile(appendTimes, 0.5),
      appendP99: quantile(appendTimes, 0.99),
      lastP50: quantile(lastTimes, 0.5),
      lastP99: quantile(lastTimes, 0.99),
      concurrentMs,
      concurrentRate: 1000 / (concurrentMs / 1000)
    } satisfies Figures
  }).pipe(Effect.provide(layer))

const report = (name: string, f: Figures, target: number) => {
  console.log(`${name}`)
  console.log(`  append one message      p50 ${ms(f.appendP50)}  p99 ${ms(f.appendP99)}  (target p50 < ${target} ms: ${f.appendP50 < target ? "met" : "MISSED"})`)
  console.log(`  last 50 of 10,000       p50 ${ms(f.lastP50)}  p99 ${ms(f.lastP99)}`)
  console.log(`  100 threads, 10 each    ${ms(f.concurrentMs)} total, ${Math.round(f.concurrentRate)} messages/s`)
}

const rounds = Number(process.env["BENCH_STORE_ROUNDS"] ?? 20)

const spread = (times: Array<number>) => {
  times.sort((a, b) => a - b)
  return `p50 ${ms(quantile(times, 0.5))}  p99 ${ms(quantile(times, 0.99))}  max ${ms(times.at(-1) ?? NaN)}`
}

/** Cancel and resume across two instances: A in a child process on `target`, B here on `stores`. */
const instances = async (name: string, store: "sqlite" | "pg", target: string, stores: StoresLayer, cancelTarget?: number) => {
  const upstream = await serveUpstream()
  const a = await startInstance({ store, target, upstream: upstream.url })
  const b = createPatchbay({
    providers: [fakeLlmProvider()],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    stores,
    media: { secret: "instances-test-media-secret" } // the secret the child instance signs with
  })
  try {
    const aborted: Array<number> = []
    const ended: Array<number> = []
    for (let i = 0; i < rounds; i++) {
      let runId = ""
      let streaming: () => void = () => {}
      const started = new Promise<void>((resolve) => (streaming = resolve))
      const run = a.call({ op: "send", content: "Count", llm: "upstream" }, (event) => {
        runId = event.run_id
        if (event.type === "content_streaming") streaming()
      })
      await started
      const start = performance.now()
      const abort = upstream.until(upstream.aborted, i + 1).then(() => performance.now() - start)
      await b.cancel(runId)
      aborted.push(await abort)
      const events = await run
      ended.push(performance.now() - start)
      if (events.at(-1)?.type !== "run_ended") throw new Error("the run did not end")
    }
    const resumed: Array<number> = []
    for (let i = 0; i < rounds; i++) {
      const paused = await a.call({ op: "send", content: "Weather?", tools: [weather] })
      const runId = paused[0]!.run_id
      const start = performance.now()
      const events = (await b.submitToolOutputs(runId, [{ tool_call_id: "call_w", output: "sunny" }], { stream: true }))[Symbol.asyncIterator]()
      const first = await events.next()
      resumed.push(performance.now() - start)
      if (first.done === true) throw new Error("no event")
      for (let next: IteratorResult<PipelineEvent> = first; next.done !== true; next = await events.next()) {
        // drain the resumed run
      }
    }
    const p50 = quantile(aborted, 0.5)
    console.log(`${name}: two instances, ${rounds} rounds`)
    console.log(`  cancel → A's vendor request aborted   ${spread(aborted)}${
      cancelTarget === undefined ? "" : `  (target < ${cancelTarget} ms: ${p50 < cancelTarget && (aborted.at(-1) ?? Infinity) < cancelTarget ? "met" : "MISSED"})`
    }`)
    console.log(`  cancel → A's run_ended seen by B      ${spread(ended)}`)
    console.log(`  resume: submit in B → first event      ${spread(resumed)}`)
  } finally {
    await a.kill()
    await b.dispose()
    await upstream.close()
  }
}

const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-store-"))
try {
  report("SQLite (WAL, synchronous=NORMAL)", await Effect.runPromise(measure(sqlite({ filename: join(dir, "bench.db") }))), 1)
  const shared = join(dir, "instances.db")
  await instances("SQLite (runs.cancelPollMs 200 ms)", "sqlite", shared, sqlite({ filename: shared }))

  const pg = await benchPostgres("patchbay_bench")
  if (pg !== undefined) {
    try {
      const { url } = pg
      const durability = await durabilitySettings(url)
      report(`PostgreSQL (fsync=${durability.fsync}, synchronous_commit=${durability.synchronous_commit})`, await Effect.runPromise(measure(postgres({ url }))), 3)
      await instances("PostgreSQL (LISTEN/NOTIFY)", "pg", url, postgres({ url }), 500)
    } finally {
      pg.done()
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
