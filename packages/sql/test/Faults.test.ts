/**
 * Faults answer `StoreUnavailable` naming what to fix — retryable only where a retry helps —
 * and never hang: a corrupt or locked SQLite file, a folder that does not exist, a wrong
 * PostgreSQL URL, a database server that goes away mid-run (the run fails, and is recorded
 * failed once the server is back).
 */
import { expect, it } from "@effect/vitest"
import { createPatchbay, type PipelineEvent, type RunRecord, type StoreUnavailable, ThreadStore } from "@patchbay/core"
import { Effect, Layer } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { DatabaseSync } from "node:sqlite"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { describe, inject } from "vitest"
import { postgres, sqlite } from "../src/index.ts"
import { freshPostgresDatabase, postgresSkipReason } from "./support/postgres.ts"
import { findPostgresBin, startThrowawayPostgres } from "./support/throwawayPostgres.ts"
import { serveUpstream, upstreamProvider } from "./support/upstream.ts"

const dir = mkdtempSync(join(tmpdir(), "patchbay-faults-"))
const thread = (id: string) => ({ thread_id: id, assistant_id: "asst_default", created_at: "2030-01-01T00:00:00.000Z", updated_at: "2030-01-01T00:00:00.000Z" })

/** The failure of building `layer`, or "opened". */
const openFailure = (layer: Layer.Layer<ThreadStore, StoreUnavailable | unknown>) =>
  Effect.match(Effect.scoped(Layer.build(layer)), { onFailure: (error) => error, onSuccess: () => "opened" as const })

describe("SQLite faults", () => {
  it.live("a file that is not a SQLite database: not retryable, says to restore it or choose another file", () =>
    Effect.gen(function*() {
      const filename = join(dir, "corrupt.db")
      writeFileSync(filename, "this is not a database ".repeat(200))
      expect(yield* openFailure(sqlite({ filename }))).toMatchObject({
        _tag: "StoreUnavailable",
        store: filename,
        retryable: false,
        detail: `${filename} is not a readable SQLite database (corrupt, or another kind of file): restore it from a backup or point \`filename\` at another file`
      })
    }))

  it.live("a folder that does not exist: not retryable, names the folder problem", () =>
    Effect.gen(function*() {
      const filename = join(dir, "missing", "folder", "x.db")
      expect(yield* openFailure(sqlite({ filename }))).toMatchObject({
        _tag: "StoreUnavailable",
        retryable: false,
        detail: `${filename} cannot be opened: check that its folder exists and this process may write there`
      })
    }))

  it.live("a file locked by another process: a write fails retryable after the retry budget, then succeeds once released", () =>
    Effect.gen(function*() {
      const filename = join(dir, "locked.db")
      yield* Effect.gen(function*() {
        const threads = yield* ThreadStore
        yield* threads.create(thread("t1"))
        const holder = new DatabaseSync(filename)
        holder.exec("BEGIN EXCLUSIVE")
        const error = yield* Effect.flip(threads.create(thread("t2")))
        expect(error).toMatchObject({
          _tag: "StoreUnavailable",
          retryable: true,
          detail: `${filename} is locked by another process or connection: retry, and if it stays locked find the process holding it`
        })
        // Reads are not blocked by a writer in WAL mode.
        expect((yield* threads.get("t1")).thread_id).toBe("t1")
        holder.exec("ROLLBACK")
        holder.close()
        yield* threads.create(thread("t2"))
        expect((yield* threads.list()).map((t) => t.thread_id)).toEqual(["t2", "t1"])
      }).pipe(Effect.provide(sqlite({ filename, busyRetryFor: "50 millis" })))
    }))
})

const skip = postgresSkipReason()
describe.skipIf(skip !== undefined)(`PostgreSQL faults${skip === undefined ? "" : ` (skipped: ${skip})`}`, () => {
  it.live("nothing listening at the URL: retryable, says to check the URL and the server; the password is not shown", () =>
    Effect.gen(function*() {
      const error = yield* openFailure(postgres({ url: "postgres://patchbay:s3cret@127.0.0.1:1/patchbay", connectTimeout: "2 seconds" }))
      expect(error).toMatchObject({ _tag: "StoreUnavailable", store: "PostgreSQL postgres://patchbay:***@127.0.0.1:1/patchbay", retryable: true })
      expect((error as StoreUnavailable).detail).toMatch(/^cannot reach the database \(.*\): check the URL, that the server is running and reachable, and retry$/)
      expect(JSON.stringify(error)).not.toContain("s3cret")
    }), 30_000)

  it.live("a database that does not exist on the server: names it", () =>
    Effect.gen(function*() {
      const url = new URL(inject("databaseUrl"))
      url.pathname = "/no_such_database"
      const error = yield* openFailure(postgres({ url: url.toString() }))
      expect(error).toMatchObject({ _tag: "StoreUnavailable" })
      expect((error as StoreUnavailable).detail).toContain(`"no_such_database" does not exist`)
    }), 30_000)

  const bin = findPostgresBin()
  // Locally without PostgreSQL's programs this one skips; in CI it runs and fails when they are missing.
  const inCi = process.env["CI"] !== undefined && process.env["CI"] !== ""
  it.live.skipIf(bin === undefined && !inCi)("the server going away mid-run: the next call fails retryable, without hanging", () =>
    Effect.gen(function*() {
      if (bin === undefined) return yield* Effect.die(new Error("CI runs this test, but initdb and pg_ctl were not found: .ci/run installs Debian's postgresql"))
      const cluster = yield* Effect.acquireRelease(Effect.promise(() => startThrowawayPostgres(bin)), (c) => Effect.sync(() => c.stop()))
      const url = yield* Effect.promise(() => freshPostgresDatabase(cluster.url))
      yield* Effect.gen(function*() {
        const threads = yield* ThreadStore
        yield* threads.create(thread("t1"))
        cluster.stop()
        const error = yield* Effect.flip(threads.get("t1"))
        expect(error).toMatchObject({ _tag: "StoreUnavailable", retryable: true })
      }).pipe(Effect.provide(postgres({ url, connectTimeout: "2 seconds" })))
    }).pipe(Effect.scoped), 60_000)

  it.live.skipIf(bin === undefined && !inCi)("the server going away mid-run: the run fails with StoreUnavailable, and is recorded failed once the server is back", () =>
    Effect.promise(async () => {
      if (bin === undefined) throw new Error("CI runs this test, but initdb and pg_ctl were not found: .ci/run installs Debian's postgresql")
      const cluster = await startThrowawayPostgres(bin)
      const upstream = await serveUpstream({ words: ["One", " two"] })
      const pb = createPatchbay({
        providers: [upstreamProvider(upstream.url)],
        stores: postgres({ url: await freshPostgresDatabase(cluster.url), connectTimeout: "2 seconds" }),
        media: { secret: "faults-test-media-secret" }
      })
      try {
        const events: Array<PipelineEvent> = []
        const stream = (await pb.sendMessage("Count", { stream: true, llmProvider: "upstream", modelName: "fake-llm" }))[Symbol.asyncIterator]()
        let text = ""
        while (text !== "One two") {
          const next = await stream.next()
          events.push(next.value as PipelineEvent)
          if (next.value?.type === "content_streaming") text += next.value.content
        }
        const runId = events[0]!.run_id
        cluster.pause()
        upstream.finish() // the reply ends while the database is away
        const failure = await (async () => {
          for (let next = await stream.next(); !next.done; next = await stream.next()) events.push(next.value)
        })().then(() => undefined, (error: unknown) => error)
        expect(failure).toMatchObject({ _tag: "StoreUnavailable", retryable: true })
        expect(events.slice(-2)).toMatchObject([
          { type: "error", code: "StoreUnavailable", retryable: true },
          { type: "run_ended", status: "failed" }
        ])

        cluster.resume()
        // Read until the store answers again and the background write has landed.
        let run: RunRecord | undefined
        while (run?.status !== "failed") {
          run = await pb.runs.get(runId).catch(() => undefined)
          await sleep(50)
        }
        expect(run.reason).toMatch(/^StoreUnavailable: Store unavailable \(PostgreSQL .*\): cannot reach the database/)
        // The thread takes a new message.
        const next = pb.sendMessage("Again", { threadId: run.thread_id, llmProvider: "upstream", modelName: "fake-llm" })
        await upstream.until(upstream.started, 2)
        upstream.finish()
        expect(await next).toMatchObject({ status: "completed", content: "One two" })
      } finally {
        await pb.dispose()
        await upstream.close()
        cluster.stop()
      }
    }), 120_000)
})
