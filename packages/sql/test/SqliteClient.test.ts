/**
 * The SQLite client's settings, as SQLite itself reports them: WAL, `synchronous=NORMAL`,
 * transactions that take the write lock first (`BEGIN IMMEDIATE`), one lock per file shared by
 * every client of that file in a process, and a busy database reported, not waited on forever.
 */
import { expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Reactivity } from "effect/reactivity"
import { SqlClient } from "effect/sql"
import { mkdtempSync } from "node:fs"
import { DatabaseSync } from "node:sqlite"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as SqliteClient from "../src/SqliteClient.ts"

const dir = mkdtempSync(join(tmpdir(), "patchbay-sqlite-"))

it.live("opens in WAL mode with synchronous=NORMAL", () =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    expect(yield* sql`PRAGMA journal_mode`).toEqual([{ journal_mode: "wal" }])
    expect(yield* sql`PRAGMA synchronous`).toEqual([{ synchronous: 1 }])
  }).pipe(Effect.provide(SqliteClient.layer({ filename: join(dir, "settings.db") }))))

it.live("a transaction holds the write lock from its start (BEGIN IMMEDIATE)", () =>
  Effect.gen(function*() {
    const filename = join(dir, "immediate.db")
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE t (x INTEGER)`
    const other = new DatabaseSync(filename, { timeout: 0 })
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT COUNT(*) AS n FROM t`
      // Only read so far, yet another connection cannot write: the lock was taken at BEGIN.
      expect(() => other.exec("INSERT INTO t VALUES (1)")).toThrow(/database is locked/)
    }))
    other.exec("INSERT INTO t VALUES (1)")
    other.close()
  }).pipe(Effect.provide(SqliteClient.layer({ filename: join(dir, "immediate.db") }))))

it.live("two clients of one file in one process take turns instead of meeting SQLite's lock", () =>
  Effect.gen(function*() {
    const filename = join(dir, "shared.db")
    const a = yield* SqliteClient.make({ filename, busyRetryFor: 0 })
    const b = yield* SqliteClient.make({ filename, busyRetryFor: 0 })
    yield* a`CREATE TABLE t (x INTEGER)`
    // Interleaved transactions of both clients: none fails as busy though no retry is allowed.
    yield* Effect.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).withTransaction(Effect.andThen(Effect.yieldNow, (i % 2 === 0 ? a : b)`INSERT INTO t VALUES (${i})`))),
      { concurrency: "unbounded" }
    )
    expect(yield* a`SELECT COUNT(*) AS n FROM t`).toEqual([{ n: 20 }])
  }).pipe(Effect.scoped, Effect.provide(Reactivity.layer)))

it.live("a database locked by another process is retried without blocking, then reported as a retryable lock error", () =>
  Effect.gen(function*() {
    const filename = join(dir, "busy.db")
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE t (x INTEGER)`
    const holder = new DatabaseSync(filename)
    holder.exec("BEGIN IMMEDIATE")
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    const error = yield* Effect.flip(sql`INSERT INTO t VALUES (1)`)
    clearInterval(timer)
    holder.exec("ROLLBACK")
    holder.close()
    expect(error.reason._tag).toBe("LockTimeoutError")
    expect(error.isRetryable).toBe(true)
    // The event loop kept running while the write waited (a blocking wait would starve the timer).
    expect(ticks).toBeGreaterThan(0)
  }).pipe(Effect.provide(SqliteClient.layer({ filename: join(dir, "busy.db"), busyRetryFor: "100 millis" }))))
