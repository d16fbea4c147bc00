/**
 * The run registry of one process: the runs in flight, so `cancel(run_id)` can reach them, and
 * the runs paused for the caller's tool outputs, so `submitToolOutputs` can resume them. It
 * holds no events and no content — those travel in the run's stream and the thread store — only
 * what is needed to stop or continue a run by its id.
 *
 * @since 0.1.0
 */
import { Context, Deferred, Effect, Layer, Schema, type Scope } from "effect"
import { InvalidRequest, NotFound } from "./Errors.ts"
import type { PreparedRun } from "./Pipeline.ts"
import type { LlmMessage } from "./Provider.ts"
import { type ToolCall, ToolOutput } from "./Tools.ts"
import { decodeWith } from "./Validation.ts"

/** A run waiting for the caller's tool outputs. */
export interface PausedRun {
  /** The request as the pipeline prepared it, to resume under the same run id. */
  readonly prepared: PreparedRun
  /** The conversation up to the pause, the assistant's tool calls last. */
  readonly messages: ReadonlyArray<LlmMessage>
  /** The calls whose outputs the caller must submit. */
  readonly pending: ReadonlyArray<ToolCall>
}

/** @category models */
export interface RunsShape {
  /** Registers a run's cancel signal for the lifetime of the scope. */
  readonly register: (runId: string, cancel: Deferred.Deferred<void>) => Effect.Effect<void, never, Scope.Scope>
  /**
   * Cancels a run in flight, or abandons one paused for tool outputs; `NotFound` (kind run) when
   * no such run is running or paused.
   */
  readonly cancel: (runId: string) => Effect.Effect<void, NotFound>
  /** Keeps a run that paused for tool outputs. */
  readonly pause: (runId: string, paused: PausedRun) => Effect.Effect<void>
  /** Takes a paused run back to resume it; `NotFound` when none waits under that id. */
  readonly resume: (runId: string) => Effect.Effect<PausedRun, NotFound>
}

/** The runs in flight, and those paused for tool outputs, of this process. @category services */
export class Runs extends Context.Service<Runs, RunsShape>()("@patchbay/core/Runs") {
  static readonly layer: Layer.Layer<Runs> = Layer.sync(Runs, () => {
    const running = new Map<string, Deferred.Deferred<void>>()
    const paused = new Map<string, PausedRun>()
    return {
      register: (runId, cancel) =>
        Effect.acquireRelease(
          Effect.sync(() => void running.set(runId, cancel)),
          () => Effect.sync(() => void running.delete(runId))
        ),
      cancel: (runId) =>
        Effect.suspend(() => {
          const cancel = running.get(runId)
          if (cancel !== undefined) return Effect.asVoid(Deferred.succeed(cancel, undefined))
          // A run waiting for tool outputs is abandoned: it can no longer be resumed.
          if (paused.delete(runId)) return Effect.void
          return Effect.fail(new NotFound({ kind: "run", id: runId }))
        }),
      pause: (runId, run) => Effect.sync(() => void paused.set(runId, run)),
      resume: (runId) =>
        Effect.suspend(() => {
          const run = paused.get(runId)
          if (run === undefined) return Effect.fail(new NotFound({ kind: "run", id: runId }))
          paused.delete(runId)
          return Effect.succeed(run)
        })
    }
  })
}

/**
 * Cancels a run in flight: every vendor request of it is aborted and the run ends normally with
 * `run_ended{status: "cancelled"}`, keeping its partial content.
 */
export const cancel = (runId: string): Effect.Effect<void, NotFound, Runs> => Runs.use((runs) => runs.cancel(runId))

/**
 * Takes a run paused for tool outputs to resume it, checking the outputs first: exactly one for
 * each pending call. Refused outputs (`InvalidRequest`) leave the run paused.
 */
export const takePaused = Effect.fn("Runs.takePaused")(function*(runId: string, outputs: ReadonlyArray<ToolOutput>) {
  const runs = yield* Runs
  const decoded = yield* decodeWith(Schema.Array(ToolOutput), "tool_outputs")(outputs)
  const paused = yield* runs.resume(runId)
  const refuse = (error: InvalidRequest) => Effect.andThen(runs.pause(runId, paused), Effect.fail(error))
  const pendingIds = paused.pending.map((call) => call.id)
  for (const [i, output] of decoded.entries()) {
    if (!pendingIds.includes(output.tool_call_id)) {
      return yield* refuse(new InvalidRequest({
        field: `tool_outputs[${i}].tool_call_id`,
        value: output.tool_call_id,
        allowed: pendingIds,
        reason: "no pending tool call has this id"
      }))
    }
    if (decoded.findIndex((o) => o.tool_call_id === output.tool_call_id) !== i) {
      return yield* refuse(new InvalidRequest({ field: `tool_outputs[${i}].tool_call_id`, value: output.tool_call_id, reason: "given twice" }))
    }
  }
  const missing = pendingIds.filter((id) => !decoded.some((o) => o.tool_call_id === id))
  if (missing.length > 0) {
    return yield* refuse(new InvalidRequest({ field: "tool_outputs", value: missing, reason: `no output for ${missing.join(", ")}` }))
  }
  return { paused, outputs: decoded }
})
