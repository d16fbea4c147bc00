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
 * SQLite uses a file in a temporary folder. PostgreSQL uses `PATCHBAY_TEST_DATABASE_URL`, else a
 * throwaway cluster started here when PostgreSQL's programs are installed, else it is skipped
 * (and says so). `BENCH_STORE_APPENDS` changes the number of timed appends (default 2000).
 */
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type StoredMessage, type StoresLayer, ThreadStore } from "../packages/core/src/index.ts"
import { postgres, sqlite } from "../packages/sql/src/index.ts"
import { dropPostgresDatabases, durabilitySettings, findPostgresBin, freshPostgresDatabase, startThrowawayPostgres } from "../packages/sql/test/support/throwawayPostgres.ts"

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

const noStop = () => {}

const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-store-"))
try {
  report("SQLite (WAL, synchronous=NORMAL)", await Effect.runPromise(measure(sqlite({ filename: join(dir, "bench.db") }))), 1)

  let url = process.env["PATCHBAY_TEST_DATABASE_URL"] ?? ""
  let stop = noStop
  const bin = url === "" ? findPostgresBin() : undefined
  if (bin !== undefined) {
    const cluster = await startThrowawayPostgres(bin)
    url = cluster.url
    stop = cluster.stop
  }
  if (url === "") {
    console.log("PostgreSQL: skipped (no PATCHBAY_TEST_DATABASE_URL and PostgreSQL's programs are not installed)")
  } else {
    try {
      const serverUrl = url
      url = await freshPostgresDatabase(url, "patchbay_bench")
      const previousStop = stop
      stop = () => {
        if (previousStop === noStop) void dropPostgresDatabases(serverUrl, "patchbay_bench")
        previousStop()
      }
      const durability = await durabilitySettings(url)
      report(`PostgreSQL (fsync=${durability.fsync}, synchronous_commit=${durability.synchronous_commit})`, await Effect.runPromise(measure(postgres({ url }))), 3)
    } finally {
      stop()
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
