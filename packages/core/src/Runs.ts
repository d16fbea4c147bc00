/**
 * The runs in flight in this process, by id, so `cancel(run_id)` can reach them. It holds no
 * state — runs, paused or not, are recorded in the `RunStore` — only the signal that stops a run
 * this process is working on.
 *
 * @since 0.1.0
 */
import { Context, Deferred, Effect, Layer, type Scope } from "effect"
import type { NotFound, StoreUnavailable } from "./Errors.ts"
import * as RunState from "./internal/runState.ts"
import type { RunStore } from "./RunStore.ts"

/** @category models */
export interface RunsShape {
  /** Registers a run's cancel signal for the lifetime of the scope. */
  readonly register: (runId: string, cancel: Deferred.Deferred<void>) => Effect.Effect<void, never, Scope.Scope>
  /** Signals a run in flight in this process to stop; false when none runs here under that id. */
  readonly signal: (runId: string) => Effect.Effect<boolean>
}

/** The cancel signals of the runs in flight in this process. @category services */
export class Runs extends Context.Service<Runs, RunsShape>()("@patchbay/core/Runs") {
  static readonly layer: Layer.Layer<Runs> = Layer.sync(Runs, () => {
    const running = new Map<string, Deferred.Deferred<void>>()
    return {
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
  })
}

/**
 * Cancels a run of the current tenant. One in flight: every vendor request of it is aborted and
 * the run ends normally with `run_ended{status: "cancelled"}`, keeping its partial content. One
 * paused for tool outputs: it is `cancelled` and can no longer be resumed. Any other run (or
 * another tenant's) is `NotFound` (kind run).
 */
export const cancel = (runId: string): Effect.Effect<void, NotFound | StoreUnavailable, Runs | RunStore> =>
  Runs.use((runs) => RunState.cancel(runId, runs.signal))
