/**
 * The runs in flight in this process, by id, so `cancel(run_id)` can reach them. It holds no
 * state — runs, paused or not, are recorded in the `RunStore` — only the signal that stops a run
 * this process is working on (a cancel from another process reaches it through the store). Also
 * the background sweep of lapsed and expired runs.
 *
 * @since 0.1.0
 */
import { Clock, Context, Deferred, Effect, Layer, type Scope } from "effect"
import type { NotFound, StoreUnavailable } from "./Errors.ts"
import * as RunState from "./internal/runState.ts"
import { RunStore } from "./RunStore.ts"

/** @category models */
export interface RunsShape {
  /** Registers a run's cancel signal for the lifetime of the scope. */
  readonly register: (runId: string, cancel: Deferred.Deferred<void>) => Effect.Effect<void, never, Scope.Scope>
  /** Signals a run in flight in this process to stop; false when none runs here under that id. */
  readonly signal: (runId: string) => Effect.Effect<boolean>
  /** Runs `effect` in the background for as long as this runtime lives (e.g. a write waiting for its store to come back). */
  readonly background: <R>(effect: Effect.Effect<void, never, R>) => Effect.Effect<void, never, R>
}

/** The cancel signals of the runs in flight in this process. @category services */
export class Runs extends Context.Service<Runs, RunsShape>()("@patchbay/core/Runs") {
  static readonly layer: Layer.Layer<Runs> = Layer.effect(Runs)(Effect.gen(function*() {
    const scope = yield* Effect.scope
    const running = new Map<string, Deferred.Deferred<void>>()
    return {
      background: (effect) => Effect.asVoid(Effect.forkIn(effect, scope)),
      register: (runId, cancel) =>
        Effect.acquireRelease(
          Effect.sync(() => void running.set(runId, cancel)),
          () => Effect.sync(() => void running.delete(runId))
        ),
      signal: (runId) =>
        Effect.suspend(() => {
          const cancel = running.get(runId)
          return cancel === undefined ? Effect.succeed(false) : Effect.as(Deferred.succeed(cancel, undefined), true)
        })
    }
  }))
}

/**
 * Cancels a run of the current tenant. One in flight, in this process or another over the same
 * stores: every vendor request of it is aborted and the run ends normally with
 * `run_ended{status: "cancelled"}`, keeping its partial content (another process is asked
 * through the `RunStore` and stops the run at once on PostgreSQL, within `runs.cancelPollMs` on
 * SQLite). One paused for tool outputs: it is `cancelled` and can no longer be resumed. Any
 * other run (or another tenant's) is `NotFound` (kind run).
 */
export const cancel = (runId: string): Effect.Effect<void, NotFound | StoreUnavailable, Runs | RunStore> =>
  Runs.use((runs) => RunState.cancel(runId, runs.signal))

/**
 * Settles every tenant's lapsed and expired runs (`RunStore.sweep`) every `intervalMs`, for as
 * long as the scope is open; a sweep that fails (the store is away) is tried at the next tick.
 */
export const sweepEvery = (intervalMs: number): Effect.Effect<never, never, RunStore> =>
  Effect.gen(function*() {
    const runs = yield* RunStore
    const sweep = Effect.flatMap(Clock.currentTimeMillis, runs.sweep)
    return yield* Effect.forever(Effect.andThen(Effect.sleep(Math.max(1, intervalMs)), Effect.ignore(sweep)))
  })

/** A layer running {@link sweepEvery} in the background while it is built; nothing when `intervalMs` is 0. */
export const sweeper = (intervalMs: number): Layer.Layer<never, never, RunStore> =>
  intervalMs > 0 ? Layer.effectDiscard(Effect.forkScoped(sweepEvery(intervalMs))) : Layer.empty
