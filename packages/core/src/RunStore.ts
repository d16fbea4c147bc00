/**
 * `RunStore`: every run, as long as its thread lives. A run is `in_progress` while a process
 * works on it (holding an owner lease it renews; any process may ask it to stop through the
 * store — `requestCancel` / `cancelRequested`), `requires_action` while it waits for the
 * caller's tool outputs (with everything needed to resume it from any process, until it
 * expires), then `completed`, `cancelled` or `failed` with a reason. A thread has at most one
 * active run (`in_progress` or `requires_action`): `start` refuses another with `ThreadBusy`,
 * atomically. Every method is scoped by `CurrentTenant`: another tenant's run answers `NotFound`.
 *
 * Every method first ends the runs it touches that are stale, as {@link RunStoreShape.sweep}
 * would: a run never reads as paused past its expiry, nor as running past its owner's lease.
 *
 * Records hold only data that serializes to JSON (the SQL stores keep them in JSON columns):
 * the paused state is the wire request and the conversation, never live objects.
 *
 * @since 0.2.0
 */
import { Clock, Context, Deferred, Effect, Layer } from "effect"
import { InvalidRequest, NotFound, type StoreUnavailable, ThreadBusy } from "./Errors.ts"
import type { LlmMessage } from "./Provider.ts"
import { CurrentTenant } from "./Tenant.ts"
import type { ToolCall } from "./Tools.ts"
import type { Usage } from "./Usage.ts"
import type { Warning } from "./Warning.ts"

/** Every status a stored run can have; the first two are active. */
export type StoredRunStatus = "in_progress" | "requires_action" | "completed" | "cancelled" | "failed"

/** True for `in_progress` and `requires_action`. */
export const isActive = (status: StoredRunStatus): boolean => status === "in_progress" || status === "requires_action"

/** The reasons the stores write themselves. */
export const RunReason = {
  /** A paused run whose `expires_at` passed. */
  expired: "expired",
  /** An `in_progress` run whose owner stopped renewing its lease (the process died). */
  ownerLost: "owner lost",
  /** A paused run cancelled by the caller. */
  cancelled: "cancelled by the caller"
} as const

/** A run as the wire shows it (`pb.runs.get`, `GET /runs/{id}`). Times are ISO 8601. */
export interface RunRecord {
  readonly run_id: string
  readonly thread_id: string
  readonly assistant_id: string
  readonly status: StoredRunStatus
  /** Null, or why the run was cancelled or failed (e.g. `"expired"`). */
  readonly reason: string | null
  /** The calls waiting for outputs, while `requires_action`. */
  readonly tool_calls?: ReadonlyArray<ToolCall> | undefined
  /** When a paused run expires. */
  readonly expires_at?: string | undefined
  readonly usage: Usage
  readonly warnings: ReadonlyArray<Warning>
  readonly created_at: string
  readonly updated_at: string
}

/**
 * What a run paused for tool outputs needs to resume in any process: the wire request (decoded
 * and validated again on resume), the LLM conversation up to the pause (the assistant's tool
 * calls last), the calls pending, and the ids the turn keeps.
 */
export interface PausedState {
  /** The wire (encoded, snake_case) message request, with `thread_id` and `assistant_id` set. */
  readonly request: Readonly<Record<string, unknown>>
  readonly messages: ReadonlyArray<LlmMessage>
  readonly pending: ReadonlyArray<ToolCall>
  readonly user_message_id: string
}

/** A stored run: the wire record, its owner's lease, and the paused state while `requires_action`. */
export interface StoredRun extends RunRecord {
  /** The process working on it while `in_progress`, else null. */
  readonly owner: string | null
  /** When the owner's lease lapses (ISO 8601), while `in_progress`. */
  readonly lease_until: string | null
  readonly paused?: PausedState | undefined
  /** When a cancel of the running run was requested from a process other than its owner's. */
  readonly cancel_requested_at?: string | undefined
}

/** The wire record of a stored run (without owner, lease and paused state). */
export const toRecord = (run: StoredRun): RunRecord => {
  const { cancel_requested_at: _cancel, lease_until: _lease, owner: _owner, paused: _paused, ...record } = run
  return record
}

/** What {@link RunStoreShape.start} takes. */
export interface StartRun {
  readonly run_id: string
  readonly thread_id: string
  readonly assistant_id: string
  readonly owner: string
  readonly lease_until: string
}

/** What {@link RunStoreShape.pause} takes. */
export interface PauseRun {
  readonly owner: string
  readonly tool_calls: ReadonlyArray<ToolCall>
  readonly expires_at: string
  readonly paused: PausedState
  readonly usage: Usage
  readonly warnings: ReadonlyArray<Warning>
}

/** What {@link RunStoreShape.finish} takes. */
export interface FinishRun {
  readonly owner: string
  readonly status: "completed" | "cancelled" | "failed"
  readonly reason: string | null
  readonly usage: Usage
  readonly warnings: ReadonlyArray<Warning>
}

/** What {@link RunStoreShape.sweep} changed. */
export interface Swept {
  /** Paused runs past `expires_at`, now `cancelled` with reason `expired`. */
  readonly expired: ReadonlyArray<string>
  /** Running runs whose lease lapsed, now `failed` with reason `owner lost`. */
  readonly lost: ReadonlyArray<string>
}

/** A run as `start` records it: `in_progress`, nothing used nor warned yet, owned by the starter. */
export const startedRun = (start: StartRun, at: string): StoredRun => ({
  run_id: start.run_id,
  thread_id: start.thread_id,
  assistant_id: start.assistant_id,
  status: "in_progress",
  reason: null,
  usage: {},
  warnings: [],
  created_at: at,
  updated_at: at,
  owner: start.owner,
  lease_until: start.lease_until
})

/** The `InvalidRequest` for tool outputs (or a claim) on a run that is not paused. */
export const notPaused = (run: RunRecord): InvalidRequest =>
  new InvalidRequest({
    field: "run_id",
    value: run.run_id,
    reason: `the run is ${run.status}, not requires_action: only a run paused for tool outputs takes them`
  })

/**
 * The operations of a run store, each scoped by `CurrentTenant`. The time of every change is
 * the Effect `Clock`'s (so `TestClock` drives expiry and leases in tests).
 *
 * @category models
 */
export interface RunStoreShape {
  /**
   * Records a new `in_progress` run owned by `owner`, atomically refusing it with `ThreadBusy`
   * (naming the active run, which stays untouched) when its thread has an active run.
   */
  readonly start: (run: StartRun) => Effect.Effect<StoredRun, ThreadBusy | StoreUnavailable>
  readonly get: (runId: string) => Effect.Effect<StoredRun, NotFound | StoreUnavailable>
  /** The thread's runs, oldest first. */
  readonly listByThread: (threadId: string) => Effect.Effect<ReadonlyArray<StoredRun>, StoreUnavailable>
  /**
   * Extends the lease of an `in_progress` run held by `owner`; false when the run is no longer
   * that owner's or no longer running (swept, cancelled), so the owner stops.
   */
  readonly renew: (runId: string, owner: string, leaseUntil: string) => Effect.Effect<boolean, StoreUnavailable>
  /** `in_progress` → `requires_action` with the paused state; the lease is released. */
  readonly pause: (runId: string, pause: PauseRun) => Effect.Effect<StoredRun, NotFound | StoreUnavailable>
  /**
   * Atomically takes a paused run back: `requires_action` → `in_progress` owned by `owner`,
   * returning the run as it was paused, with its paused state (then cleared from the store). A
   * run that is not paused (or expired) is refused with {@link notPaused} (`InvalidRequest`,
   * field `run_id`).
   */
  readonly claim: (runId: string, owner: string, leaseUntil: string) => Effect.Effect<StoredRun, NotFound | InvalidRequest | StoreUnavailable>
  /**
   * Ends an `in_progress` run. A run no longer `in_progress` (swept, cancelled meanwhile) is
   * left as it is and returned unchanged.
   */
  readonly finish: (runId: string, finish: FinishRun) => Effect.Effect<StoredRun, NotFound | StoreUnavailable>
  /**
   * Cancels a paused run (`requires_action` → `cancelled`, reason {@link RunReason.cancelled});
   * any other run is returned unchanged (a running one is stopped through its process's signal).
   */
  readonly cancel: (runId: string) => Effect.Effect<StoredRun, NotFound | StoreUnavailable>
  /**
   * Asks the process running an `in_progress` run to stop it (a cancel from another process):
   * records `cancel_requested_at` and, where the store can, tells the owner at once (PostgreSQL:
   * `NOTIFY`). Any other run is returned unchanged. The owner ends the run itself, keeping its
   * partial content; an owner that died leaves it to its lease.
   */
  readonly requestCancel: (runId: string) => Effect.Effect<StoredRun, NotFound | StoreUnavailable>
  /**
   * Completes once a cancel of the run was requested ({@link requestCancel}), from any process.
   * Stores that cannot be told look at the run's row every `pollMs` (SQLite); the memory store
   * and PostgreSQL (`LISTEN`) are told at once. Interrupt it when the run ends.
   */
  readonly cancelRequested: (runId: string, pollMs: number) => Effect.Effect<void, StoreUnavailable>
  /**
   * For every tenant: paused runs past `expires_at` → `cancelled` (reason `expired`); running
   * runs whose lease lapsed → `failed` (reason `owner lost`). Unscoped: it is housekeeping.
   */
  readonly sweep: (now: number) => Effect.Effect<Swept, StoreUnavailable>
  /** Deletes the thread's runs. */
  readonly deleteByThread: (threadId: string) => Effect.Effect<void, StoreUnavailable>
}

const iso = (ms: number) => new Date(ms).toISOString()

/** An in-memory store: fine for one process, gone on restart. */
export const makeMemory = (): RunStoreShape => {
  const runs = new Map<string, { readonly tenant: string; run: StoredRun }>()
  /** The runs of each thread (by tenant and thread id): `start` and `listByThread` look only there. */
  const byThread = new Map<string, Array<{ readonly tenant: string; run: StoredRun }>>()
  const threadKey = (tenant: string, threadId: string) => `${tenant}\u0000${threadId}`
  const ofThread = (tenant: string, threadId: string) => byThread.get(threadKey(tenant, threadId)) ?? []
  const now = Effect.map(Clock.currentTimeMillis, iso)
  /** Ends the run as `sweep` would when it is stale at `stamp`; true when it did. */
  const settle = (entry: { run: StoredRun }, stamp: string): boolean => {
    const run = entry.run
    if (run.status === "requires_action" && run.expires_at !== undefined && run.expires_at <= stamp) {
      const { expires_at: _expires, paused: _paused, tool_calls: _calls, ...rest } = run
      entry.run = { ...rest, status: "cancelled", reason: RunReason.expired, updated_at: stamp }
      return true
    }
    if (run.status === "in_progress" && run.lease_until !== null && run.lease_until <= stamp) {
      const { cancel_requested_at: _cancel, ...running } = run
      entry.run = { ...running, status: "failed", reason: RunReason.ownerLost, owner: null, lease_until: null, updated_at: stamp }
      return true
    }
    return false
  }
  const find = (runId: string) =>
    Effect.gen(function*() {
      const tenant = yield* CurrentTenant
      const entry = runs.get(runId)
      if (entry === undefined || entry.tenant !== tenant) return yield* new NotFound({ kind: "run", id: runId })
      settle(entry, yield* now)
      return entry
    })
  const owned = (run: StoredRun, owner: string) => run.status === "in_progress" && run.owner === owner
  /** Who waits for a cancel request of each run (tenant and run id). */
  const waiting = new Map<string, Set<Deferred.Deferred<void>>>()
  const key = (tenant: string, runId: string) => `${tenant}\u0000${runId}`
  return {
    start: (start) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const at = yield* now
        for (const entry of ofThread(tenant, start.thread_id)) {
          if ((settle(entry, at), isActive(entry.run.status))) {
            return yield* new ThreadBusy({ threadId: start.thread_id, runId: entry.run.run_id })
          }
        }
        const run = startedRun(start, at)
        const entry = { tenant, run }
        runs.set(run.run_id, entry)
        const key = threadKey(tenant, start.thread_id)
        const list = byThread.get(key)
        if (list === undefined) byThread.set(key, [entry])
        else list.push(entry)
        return run
      }),
    get: (runId) => Effect.map(find(runId), (entry) => entry.run),
    listByThread: (threadId) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const at = yield* now
        const found = ofThread(tenant, threadId)
        for (const entry of found) settle(entry, at)
        return found.map((entry) => entry.run)
      }),
    renew: (runId, owner, leaseUntil) =>
      Effect.map(CurrentTenant, (tenant) => {
        const entry = runs.get(runId)
        if (entry === undefined || entry.tenant !== tenant || !owned(entry.run, owner)) return false
        entry.run = { ...entry.run, lease_until: leaseUntil }
        return true
      }),
    pause: (runId, pause) =>
      Effect.gen(function*() {
        const entry = yield* find(runId)
        if (!owned(entry.run, pause.owner)) return entry.run
        const { cancel_requested_at: _cancel, ...run } = entry.run
        entry.run = {
          ...run,
          status: "requires_action",
          tool_calls: pause.tool_calls,
          expires_at: pause.expires_at,
          paused: pause.paused,
          usage: pause.usage,
          warnings: pause.warnings,
          owner: null,
          lease_until: null,
          updated_at: yield* now
        }
        return entry.run
      }),
    claim: (runId, owner, leaseUntil) =>
      Effect.gen(function*() {
        const entry = yield* find(runId)
        const at = yield* now
        const run = entry.run
        if (run.status !== "requires_action" || run.paused === undefined) {
          return yield* notPaused(run)
        }
        const { cancel_requested_at: _cancel, expires_at: _expires, paused: _paused, tool_calls: _calls, ...rest } = run
        entry.run = { ...rest, status: "in_progress", owner, lease_until: leaseUntil, updated_at: at }
        return run
      }),
    finish: (runId, finish) =>
      Effect.gen(function*() {
        const entry = yield* find(runId)
        if (!owned(entry.run, finish.owner)) return entry.run
        const { cancel_requested_at: _cancel, ...run } = entry.run
        entry.run = {
          ...run,
          status: finish.status,
          reason: finish.reason,
          usage: finish.usage,
          warnings: finish.warnings,
          owner: null,
          lease_until: null,
          updated_at: yield* now
        }
        return entry.run
      }),
    cancel: (runId) =>
      Effect.gen(function*() {
        const entry = yield* find(runId)
        if (entry.run.status !== "requires_action") return entry.run
        const { expires_at: _expires, paused: _paused, tool_calls: _calls, ...rest } = entry.run
        entry.run = { ...rest, status: "cancelled", reason: RunReason.cancelled, updated_at: yield* now }
        return entry.run
      }),
    requestCancel: (runId) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const entry = yield* find(runId)
        if (entry.run.status !== "in_progress") return entry.run
        if (entry.run.cancel_requested_at === undefined) entry.run = { ...entry.run, cancel_requested_at: yield* now }
        for (const waiter of waiting.get(key(tenant, runId)) ?? []) Deferred.doneUnsafe(waiter, Effect.void)
        return entry.run
      }),
    cancelRequested: (runId) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const waiter = Deferred.makeUnsafe<void>()
        const set = waiting.get(key(tenant, runId)) ?? new Set()
        waiting.set(key(tenant, runId), set.add(waiter))
        const entry = runs.get(runId)
        if (entry?.tenant === tenant && entry.run.cancel_requested_at !== undefined) Deferred.doneUnsafe(waiter, Effect.void)
        yield* Deferred.await(waiter).pipe(
          Effect.ensuring(Effect.sync(() => {
            set.delete(waiter)
            if (set.size === 0) waiting.delete(key(tenant, runId))
          }))
        )
      }),
    sweep: (at) =>
      Effect.sync(() => {
        const expired: Array<string> = []
        const lost: Array<string> = []
        for (const entry of runs.values()) {
          const was = entry.run.status
          if (settle(entry, iso(at))) (was === "requires_action" ? expired : lost).push(entry.run.run_id)
        }
        return { expired, lost }
      }),
    deleteByThread: (threadId) =>
      Effect.map(CurrentTenant, (tenant) => {
        for (const entry of ofThread(tenant, threadId)) runs.delete(entry.run.run_id)
        byThread.delete(threadKey(tenant, threadId))
      })
  }
}

/** @category services */
export class RunStore extends Context.Service<RunStore, RunStoreShape>()("@patchbay/core/RunStore") {
  /** The in-memory store. */
  static readonly layerMemory: Layer.Layer<RunStore> = Layer.sync(RunStore, makeMemory)
}
