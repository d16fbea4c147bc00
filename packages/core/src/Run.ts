/**
 * A run: one message's journey through the stages. Stages report what they do by emitting
 * events into the `Run` in context, which stamps them with the thread and run ids and an
 * increasing `seq`; {@link toStream} turns any program of stages into the event stream a client
 * sees. This is how `Pipeline.addMessage` and a user's own flow built from `Stages` emit the
 * same events.
 *
 * @since 0.1.0
 */
import { type Cause, Context, Effect, Queue, Stream } from "effect"
import type { PipelineEvent } from "./PipelineEvent.ts"

type Distribute<E> = E extends PipelineEvent ? Omit<E, "thread_id" | "run_id" | "seq"> : never

/** An event before the run stamps it: its `type` and payload. */
export type EventBody = Distribute<PipelineEvent>

/** @category models */
export interface RunShape {
  readonly thread_id: string
  readonly run_id: string
  /** Stamps the event with the run's ids and the next `seq`, and hands it to the client. */
  readonly emit: (event: EventBody) => Effect.Effect<void>
  /** The same, synchronously, for hot loops that already run inside an effect. */
  readonly emitUnsafe: (event: EventBody) => void
}

/** The run in context. @category services */
export class Run extends Context.Service<Run, RunShape>()("@patchbay/core/Run") {}

/** Unique ids with a readable prefix (`thr_`, `run_`, `msg_`), URL-safe. */
export const makeId = (prefix: string): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return `${prefix}_${Buffer.from(bytes).toString("base64url")}`
}

/**
 * Runs a program of stages and streams the events it emits, in order, as they happen. The
 * program's own failure fails the stream after the events emitted before it; interrupting the
 * stream interrupts the program (and every vendor request in it).
 *
 * @example
 * ```ts
 * const events = Run.toStream({ thread_id, run_id }, Stages.speak({ tts, text: "Hello!" }))
 * ```
 */
export const toStream = <A, E, R>(
  ids: { readonly thread_id: string; readonly run_id: string },
  program: Effect.Effect<A, E, R | Run>
): Stream.Stream<PipelineEvent, E, Exclude<R, Run>> =>
  Stream.callback<PipelineEvent, E, Exclude<R, Run>>((queue) => {
    let seq = 0
    const emitUnsafe = (event: EventBody): void => {
      Queue.offerUnsafe(queue, { ...event, thread_id: ids.thread_id, run_id: ids.run_id, seq: seq++ } as PipelineEvent)
    }
    const run: RunShape = { ...ids, emit: (event) => Effect.sync(() => emitUnsafe(event)), emitUnsafe }
    return program.pipe(
      Effect.provideService(Run, run),
      Effect.exit,
      Effect.flatMap((exit) =>
        exit._tag === "Success"
          ? Queue.end(queue)
          : Queue.failCause(queue, exit.cause as Cause.Cause<E>)
      ),
      Effect.forkScoped
    ) as Effect.Effect<unknown, never, Exclude<R, Run>>
  }, { bufferSize: Number.POSITIVE_INFINITY })

/** Emits an event into the run in context. */
export const emit = (event: EventBody): Effect.Effect<void, never, Run> =>
  Run.use((run) => run.emit(event))
