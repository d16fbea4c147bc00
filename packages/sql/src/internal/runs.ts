/**
 * `RunStore` on SQL. The lifecycle columns (`status`, `reason`, `owner`, `lease_until`,
 * `expires_at`, `updated_at`) are authoritative; `record` holds the rest (usage, warnings, and
 * while paused the tool calls and the state needed to resume). A unique index over a thread's
 * active runs makes "one active run per thread" hold across processes: a second start fails in
 * the database and answers `ThreadBusy`. A paused run past its expiry or a running one past its
 * lease is settled when read, and by `sweep`.
 *
 * A cancel asked from another process is the `cancel_requested_at` column of the running run.
 * The process running it learns of it through `LISTEN`/`NOTIFY` on PostgreSQL (one listening
 * connection per process, see {@link cancelNotices}), and by reading the row every
 * `runs.cancelPollMs` on SQLite, which has no way to announce it.
 */
import { CurrentTenant, isActive, NotFound, notPaused, RunReason, type RunStoreShape, startedRun, type StoredRun, type StoredRunStatus, ThreadBusy } from "@patchbay/core"
import type { PgClient } from "@effect/sql-pg"
import { Clock, Deferred, Effect, Queue, Schedule, type Scope } from "effect"
import type { SqlError } from "effect/sql"
import { type Db, isUniqueViolation, run as run_, transaction } from "./db.ts"

type Shape = RunStoreShape

interface Row {
  readonly status: StoredRunStatus
  readonly reason: string | null
  readonly owner: string | null
  readonly lease_until: string | null
  readonly expires_at: string | null
  readonly updated_at: string
  readonly cancel_requested_at: string | null
  readonly record: string
}

type Rest = Omit<StoredRun, "status" | "reason" | "owner" | "lease_until" | "expires_at" | "updated_at" | "cancel_requested_at">

const columns = "status, reason, owner, lease_until, expires_at, updated_at, cancel_requested_at, record"

const fromRow = (row: Row): StoredRun => {
  const rest = JSON.parse(row.record) as Rest
  const { paused, tool_calls, ...always } = rest
  const run: StoredRun = {
    ...always,
    status: row.status,
    reason: row.reason,
    owner: row.owner,
    lease_until: row.lease_until,
    updated_at: row.updated_at
  }
  if (row.status === "requires_action") {
    return { ...run, tool_calls, paused, ...(row.expires_at === null ? {} : { expires_at: row.expires_at }) }
  }
  return row.status === "in_progress" && row.cancel_requested_at !== null ? { ...run, cancel_requested_at: row.cancel_requested_at } : run
}

const toRest = (run: StoredRun): string => {
  const { cancel_requested_at: _c, expires_at: _e, lease_until: _l, owner: _o, reason: _r, status: _s, updated_at: _u, ...rest } = run
  return JSON.stringify(rest)
}

const iso = (ms: number) => new Date(ms).toISOString()

const withoutCancel = (run: StoredRun): StoredRun => {
  const { cancel_requested_at: _cancel, ...rest } = run
  return rest
}
const now = Effect.map(Clock.currentTimeMillis, iso)

/** The state a run has settled into by `stamp`, or undefined when nothing lapsed. */
const settled = (run: StoredRun, stamp: string): StoredRun | undefined => {
  if (run.status === "requires_action" && run.expires_at !== undefined && run.expires_at <= stamp) {
    const { expires_at: _expires, paused: _paused, tool_calls: _calls, ...rest } = run
    return { ...rest, status: "cancelled", reason: RunReason.expired, updated_at: stamp }
  }
  if (run.status === "in_progress" && run.lease_until !== null && run.lease_until <= stamp) {
    return { ...run, status: "failed", reason: RunReason.ownerLost, owner: null, lease_until: null, updated_at: stamp }
  }
  return undefined
}

/**
 * Makes the store; `notices` (PostgreSQL) tells a running run's process of a cancel at once,
 * else (SQLite) that process looks at the run's row.
 */
// ---------------------------------------------------------------------------------------------
// Cancel notices on PostgreSQL
// ---------------------------------------------------------------------------------------------

/** The channel cancel requests are announced on; the payload names the run (see {@link noticeKey}). */
export const cancelChannel = "patchbay_run_cancel"

/** A run as cancel notices name it: its tenant and id. */
const noticeKey = (tenant: string, runId: string) => `${tenant} ${runId}`

/** PostgreSQL's `LISTEN`/`NOTIFY` for cancel requests, shared by every run of this process. */
export interface CancelNotices {
  readonly notify: (key: string) => Effect.Effect<void, SqlError.SqlError>
  /**
   * Runs `check` once the process listens, then again at every notice for `key` (and whenever
   * the listening connection comes back after a failure, as notices may have been missed),
   * until it answers true.
   */
  readonly until: <E>(key: string, check: Effect.Effect<boolean, E>) => Effect.Effect<void, E>
}

/**
 * One listening connection per process (taken from the pool at the first run that waits, kept
 * until the store closes), fanning notices out to the runs waiting here. When the connection
 * fails (the server went away) it is opened again a second later, and every waiting run looks at
 * its row again.
 */
export const cancelNotices = (db: Db): Effect.Effect<CancelNotices, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const pg = db.sql as PgClient.PgClient
    const waiting = new Map<string, Set<Deferred.Deferred<void>>>()
    let listening: Deferred.Deferred<void> | undefined
    const wake = (key: string) => {
      for (const waiter of waiting.get(key) ?? []) Deferred.doneUnsafe(waiter, Effect.void)
    }
    const wakeAll = () => {
      for (const key of waiting.keys()) wake(key)
    }
    const listen = (ready: Deferred.Deferred<void>) =>
      Effect.scoped(Effect.gen(function*() {
        const queue = yield* pg.listen(cancelChannel)
        Deferred.doneUnsafe(ready, Effect.void)
        wakeAll()
        while (true) wake((yield* Queue.take(queue)).payload)
      })).pipe(
        Effect.catchCause(() => Effect.sleep(1000)),
        Effect.forever
      )
    /** Starts the listener at the first wait; resolves once it listened (or failed) once. */
    const started = Effect.suspend(() => {
      if (listening !== undefined) return Deferred.await(listening)
      const ready = Deferred.makeUnsafe<void>()
      listening = ready
      return Effect.andThen(Effect.forkIn(listen(ready), scope), Deferred.await(ready))
    })
    return {
      notify: (key) => pg.notify(cancelChannel, key),
      until: (key, check) =>
        Effect.gen(function*() {
          const set = waiting.get(key) ?? new Set()
          waiting.set(key, set)
          const cleanup = Effect.sync(() => {
            if (set.size === 0) waiting.delete(key)
          })
          yield* Effect.gen(function*() {
            while (true) {
              const waiter = Deferred.makeUnsafe<void>()
              set.add(waiter)
              // Registered first: a notice arriving while the row is read is not lost.
              yield* Effect.raceFirst(started, Deferred.await(waiter))
              if (yield* check) return
              yield* Deferred.await(waiter).pipe(Effect.ensuring(Effect.sync(() => set.delete(waiter))))
            }
          }).pipe(Effect.ensuring(cleanup))
        })
    }
  })

export const make = (db: Db, notices?: CancelNotices): Shape => {
  const { sql } = db

  /** Writes `next` over a run still in `expected` status; false when another writer got there first. */
  const write = (tenant: string, next: StoredRun, expected: StoredRunStatus) =>
    Effect.map(
      sql<{ readonly run_id: string }>`UPDATE runs SET status = ${next.status}, reason = ${next.reason}, owner = ${next.owner}, lease_until = ${next.lease_until}, expires_at = ${
        next.expires_at ?? null
      }, updated_at = ${next.updated_at}, cancel_requested_at = ${next.cancel_requested_at ?? null}, record = ${toRest(next)} WHERE tenant_id = ${tenant} AND run_id = ${next.run_id} AND status = ${expected} RETURNING run_id`,
      (rows) => rows.length > 0
    )

  const settle = (tenant: string, run: StoredRun, stamp: string): Effect.Effect<StoredRun, SqlError.SqlError> => {
    const next = settled(run, stamp)
    return next === undefined ? Effect.succeed(run) : Effect.as(write(tenant, next, run.status), next)
  }

  const find = (tenant: string, runId: string) =>
    Effect.gen(function*() {
      const rows = yield* sql<Row>`SELECT ${sql.literal(columns)} FROM runs WHERE tenant_id = ${tenant} AND run_id = ${runId}`
      if (rows[0] === undefined) return yield* new NotFound({ kind: "run", id: runId })
      return yield* settle(tenant, fromRow(rows[0]), yield* now)
    })

  const activeOf = (tenant: string, threadId: string) =>
    Effect.map(
      sql<Row>`SELECT ${sql.literal(columns)} FROM runs WHERE tenant_id = ${tenant} AND thread_id = ${threadId} AND status IN ('in_progress', 'requires_action')`,
      (rows) => rows.map(fromRow)
    )

  const start: Shape["start"] = (start) =>
    Effect.gen(function*() {
      const tenant = yield* CurrentTenant
      const at = yield* now
      const run = startedRun(start, at)
      const busy = (runId: string) => new ThreadBusy({ threadId: start.thread_id, runId })
      const body = Effect.gen(function*() {
        for (const active of yield* activeOf(tenant, start.thread_id)) {
          const current = yield* settle(tenant, active, at)
          if (isActive(current.status)) return yield* busy(current.run_id)
        }
        yield* sql`INSERT INTO runs ${
          sql.insert({
            tenant_id: tenant,
            run_id: run.run_id,
            thread_id: run.thread_id,
            assistant_id: run.assistant_id,
            status: run.status,
            reason: null,
            owner: run.owner,
            lease_until: run.lease_until,
            expires_at: null,
            record: toRest(run),
            created_at: at,
            updated_at: at
          })
        }`
        return run
      })
      // Two processes starting runs on one thread at once: the unique index lets one through.
      return yield* sql.withTransaction(body).pipe(
        Effect.catchIf(isUniqueViolation, () =>
          Effect.flatMap(activeOf(tenant, start.thread_id), (active) => Effect.fail(busy(active[0]?.run_id ?? "(unknown)")))),
        (effect) => run_(db, effect)
      )
    })

  // A read settles a lapsed run with one conditional write (atomic alone): no transaction needed.
  const get: Shape["get"] = (runId) => Effect.flatMap(CurrentTenant, (tenant) => run_(db, find(tenant, runId)))

  const listByThread: Shape["listByThread"] = (threadId) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      run_(
        db,
        Effect.gen(function*() {
          const at = yield* now
          const rows = yield* sql<Row>`SELECT ${sql.literal(columns)} FROM runs WHERE tenant_id = ${tenant} AND thread_id = ${threadId} ORDER BY seq`
          return yield* Effect.forEach(rows, (row) => settle(tenant, fromRow(row), at))
        })
      ))

  const renew: Shape["renew"] = (runId, owner, leaseUntil) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      run_(
        db,
        Effect.map(
          sql<{ readonly run_id: string }>`UPDATE runs SET lease_until = ${leaseUntil} WHERE tenant_id = ${tenant} AND run_id = ${runId} AND status = 'in_progress' AND owner = ${owner} RETURNING run_id`,
          (rows) => rows.length > 0
        )
      ))

  const owned = (run: StoredRun, owner: string) => run.status === "in_progress" && run.owner === owner

  /** Reads a run, and when `change` gives a next state, writes it over the state it read. */
  const update = (runId: string, change: (run: StoredRun, at: string) => Effect.Effect<StoredRun | undefined, any>) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      transaction(
        db,
        Effect.gen(function*() {
          const current = yield* find(tenant, runId)
          const next = yield* change(current, yield* now)
          if (next === undefined) return current
          yield* write(tenant, next, current.status)
          return next
        })
      ))

  const pause: Shape["pause"] = (runId, pause) =>
    update(runId, (run, at) =>
      Effect.succeed(
        owned(run, pause.owner)
          ? {
            ...withoutCancel(run),
            status: "requires_action" as const,
            tool_calls: pause.tool_calls,
            expires_at: pause.expires_at,
            paused: pause.paused,
            usage: pause.usage,
            warnings: pause.warnings,
            owner: null,
            lease_until: null,
            updated_at: at
          }
          : undefined
      )) as ReturnType<Shape["pause"]>

  const claim: Shape["claim"] = (runId, owner, leaseUntil) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      transaction(
        db,
        Effect.gen(function*() {
          const current = yield* find(tenant, runId)
          if (current.status !== "requires_action" || current.paused === undefined) return yield* notPaused(current)
          const { expires_at: _expires, paused: _paused, tool_calls: _calls, ...rest } = current
          const next: StoredRun = { ...rest, status: "in_progress", owner, lease_until: leaseUntil, updated_at: yield* now }
          if (!(yield* write(tenant, next, current.status))) return yield* notPaused(yield* find(tenant, runId))
          return current
        })
      ))

  const finish: Shape["finish"] = (runId, finish) =>
    update(runId, (run, at) =>
      Effect.succeed(
        owned(run, finish.owner)
          ? {
            ...run,
            status: finish.status,
            reason: finish.reason,
            usage: finish.usage,
            warnings: finish.warnings,
            owner: null,
            lease_until: null,
            updated_at: at
          }
          : undefined
      )) as ReturnType<Shape["finish"]>

  const cancel: Shape["cancel"] = (runId) =>
    update(runId, (run, at) => {
      if (run.status !== "requires_action") return Effect.succeed(undefined)
      const { expires_at: _expires, paused: _paused, tool_calls: _calls, ...rest } = run
      return Effect.succeed({ ...rest, status: "cancelled" as const, reason: RunReason.cancelled, updated_at: at })
    }) as ReturnType<Shape["cancel"]>

  // Every tenant's lapsed runs; the record keeps what it had (a cancelled run's read omits its pause).
  const sweep: Shape["sweep"] = (nowMs) =>
    transaction(
      db,
      Effect.gen(function*() {
        const at = iso(nowMs)
        const expired = yield* sql<{ readonly run_id: string }>`UPDATE runs SET status = 'cancelled', reason = ${RunReason.expired}, expires_at = NULL, updated_at = ${at} WHERE status = 'requires_action' AND expires_at <= ${at} RETURNING run_id`
        const lost = yield* sql<{ readonly run_id: string }>`UPDATE runs SET status = 'failed', reason = ${RunReason.ownerLost}, owner = NULL, lease_until = NULL, updated_at = ${at} WHERE status = 'in_progress' AND lease_until <= ${at} RETURNING run_id`
        return { expired: expired.map((row) => row.run_id), lost: lost.map((row) => row.run_id) }
      })
    )

  const requestCancel: Shape["requestCancel"] = (runId) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      run_(
        db,
        Effect.gen(function*() {
          const current = yield* find(tenant, runId)
          if (current.status !== "in_progress") return current
          const rows = yield* sql<{ readonly run_id: string }>`UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, ${yield* now}) WHERE tenant_id = ${tenant} AND run_id = ${runId} AND status = 'in_progress' RETURNING run_id`
          if (rows.length > 0 && notices !== undefined) yield* notices.notify(noticeKey(tenant, runId))
          return yield* find(tenant, runId)
        })
      ))

  /** Whether a cancel of the run was requested (false for a run that is gone: its scope ends it). */
  const isRequested = (tenant: string, runId: string) =>
    Effect.map(
      sql<{ readonly cancel_requested_at: string | null }>`SELECT cancel_requested_at FROM runs WHERE tenant_id = ${tenant} AND run_id = ${runId}`,
      (rows) => rows[0]?.cancel_requested_at != null
    )

  const cancelRequested: Shape["cancelRequested"] = (runId, pollMs) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      run_(
        db,
        notices === undefined
          // SQLite: nothing can tell this process; it looks at the row every `pollMs`.
          ? Effect.asVoid(Effect.repeat(isRequested(tenant, runId), { until: (requested) => requested, schedule: Schedule.spaced(pollMs) }))
          // PostgreSQL: the row is read once the notices are listened for, then again at each notice.
          : notices.until(noticeKey(tenant, runId), isRequested(tenant, runId))
      ))

  const deleteByThread: Shape["deleteByThread"] = (threadId) =>
    Effect.flatMap(CurrentTenant, (tenant) =>
      run_(db, Effect.asVoid(sql`DELETE FROM runs WHERE tenant_id = ${tenant} AND thread_id = ${threadId}`)))

  return { start, get, listByThread, renew, pause, claim, finish, cancel, requestCancel, cancelRequested, sweep, deleteByThread }
}
