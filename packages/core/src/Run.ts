/**
 * A run: one message's journey through the stages. Stages report what they do by emitting
 * events into the `Run` in context, which stamps them with the thread and run ids and an
 * increasing `seq`; {@link toStream} turns any program of stages into the event stream a client
 * sees. This is how `Pipeline.addMessage` and a user's own flow built from `Stages` emit the
 * same events.
 *
 * The stream has backpressure: a client that reads slowly slows the run down. Once
 * {@link defaultBufferSize} events wait unread, `emit` waits until the client takes them, so a
 * run never holds more than twice that many events for its client (those waiting, and those
 * the client took and is still handling), however fast its vendors answer. A stage that hands
 * over a vendor's batch at once (`emitUnsafe`, then `backpressure`) adds at most that batch.
 *
 * @since 0.1.0
 */
import { Cause, Channel, Context, Deferred, Effect, type Exit, type Pull, Stream } from "effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import type { PipelineEvent } from "./PipelineEvent.ts"

type Distribute<E> = E extends PipelineEvent ? Omit<E, "thread_id" | "run_id" | "seq"> : never

/** An event before the run stamps it: its `type` and payload. */
export type EventBody = Distribute<PipelineEvent>

/** @category models */
export interface RunShape {
  readonly thread_id: string
  readonly run_id: string
  /**
   * Stamps the event with the run's ids and the next `seq` and hands it to the client; waits
   * while the client has a full buffer of events unread.
   */
  readonly emit: (event: EventBody) => Effect.Effect<void>
  /**
   * Stamps and hands over synchronously, never waiting. For hot loops (token deltas): emit a
   * batch with it, then yield {@link RunShape.backpressure}.
   */
  readonly emitUnsafe: (event: EventBody) => void
  /** Waits while the client has a full buffer of events unread. */
  readonly backpressure: Effect.Effect<void>
  /**
   * Hands over an event another run already stamped, unchanged (its own ids and `seq`), e.g. the
   * replies of a listening session that answers each utterance; waits like `emit`. Absent on a
   * run that cannot carry other runs' events.
   */
  readonly forward?: ((event: PipelineEvent) => Effect.Effect<void>) | undefined
}

/** The run in context. @category services */
export class Run extends Context.Service<Run, RunShape>()("@patchbay/core/Run") {}

/** Unique ids with a readable prefix (`thr_`, `run_`, `msg_`), URL-safe. */
export const makeId = (prefix: string): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return `${prefix}_${Buffer.from(bytes).toString("base64url")}`
}

/** How many events may wait unread before `emit` waits for the client. */
export const defaultBufferSize = 64

/** The most events one pull hands the client. */
const segment = 4096

/**
 * Runs a program of stages and streams the events it emits, in order, as they happen. The
 * program's own failure fails the stream after the events emitted before it; interrupting the
 * stream interrupts the program (and every vendor request in it). A client reading slowly slows
 * the program down: at most `bufferSize` events wait unread (see the module's notes).
 *
 * @example
 * ```ts
 * const events = Run.toStream({ thread_id, run_id }, Stages.speak({ tts, text: "Hello!" }))
 * ```
 */
export const toStream = <A, E, R>(
  ids: { readonly thread_id: string; readonly run_id: string },
  program: Effect.Effect<A, E, R | Run>,
  options: { readonly bufferSize?: number | undefined } = {}
): Stream.Stream<PipelineEvent, E, Exclude<R, Run>> => {
  const capacity = Math.max(1, options.bufferSize ?? defaultBufferSize)
  return Stream.fromChannel(Channel.fromTransform((_, scope) =>
    Effect.suspend(() => {
      // The events the client has not taken yet, in arrays of at most `segment` events: an emit
      // is one push into a small array, and each pull hands one array over whole. (A queue's
      // per-message bookkeeping, or one array grown to a whole vendor chunk of deltas, cost more
      // than the rest of an emit on the token hot path.)
      const full: Array<Array<PipelineEvent>> = []
      let tail: Array<PipelineEvent> = []
      let count = 0
      let ended: Exit.Exit<unknown, E> | undefined
      /** Completed when an event arrives or the program ends; the client waits on it. */
      let arrived: Deferred.Deferred<void> | undefined
      /** Completed when the client takes events; emitters past the bound wait on it. */
      let room: Deferred.Deferred<void> | undefined
      const wakeClient = (): void => {
        if (arrived !== undefined) {
          Deferred.doneUnsafe(arrived, Effect.void)
          arrived = undefined
        }
      }
      const hand = (event: PipelineEvent): void => {
        if (tail.length === segment) {
          full.push(tail)
          tail = []
        }
        tail.push(event)
        count++
        wakeClient()
      }
      const waitForRoom: Effect.Effect<void> = Effect.suspend(() => {
        if (count < capacity) return Effect.void
        room ??= Deferred.makeUnsafe<void>()
        return Effect.andThen(Deferred.await(room), waitForRoom)
      })
      let seq = 0
      const emitUnsafe = (event: EventBody): void => {
        // Text deltas are the hot path: built as a literal (same keys, same order) rather than
        // spread, so each one is a single small object instead of one plus a property store.
        const stamped = event.type === "content_streaming"
          ? { type: event.type, content: event.content, thread_id: ids.thread_id, run_id: ids.run_id, seq: seq++ }
          : { ...event, thread_id: ids.thread_id, run_id: ids.run_id, seq: seq++ }
        hand(stamped as PipelineEvent)
      }
      const run: RunShape = {
        ...ids,
        emit: (event) => Effect.andThen(Effect.sync(() => emitUnsafe(event)), waitForRoom),
        emitUnsafe,
        backpressure: waitForRoom,
        forward: (event) => Effect.andThen(Effect.sync(() => hand(event)), waitForRoom)
      }
      const pull: Pull.Pull<NonEmptyReadonlyArray<PipelineEvent>, E> = Effect.suspend(() => {
        if (count > 0) {
          let taken: Array<PipelineEvent>
          if (full.length > 0) taken = full.shift()!
          else {
            taken = tail
            tail = []
          }
          count -= taken.length
          // The client took events: wake the emitters (they wait again if still past the bound).
          if (room !== undefined) {
            Deferred.doneUnsafe(room, Effect.void)
            room = undefined
          }
          return Effect.succeed(taken as unknown as NonEmptyReadonlyArray<PipelineEvent>)
        }
        if (ended !== undefined) return ended._tag === "Success" ? Cause.done() : Effect.failCause(ended.cause)
        arrived ??= Deferred.makeUnsafe<void>()
        return Effect.andThen(Deferred.await(arrived), pull)
      })
      // The program runs in the stream's scope: the client stopping reading interrupts it.
      return program.pipe(
        Effect.provideService(Run, run),
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.sync(() => {
            ended = exit
            wakeClient()
          })
        ),
        Effect.forkIn(scope, { startImmediately: true }),
        Effect.as(pull)
      )
    })
  )) as Stream.Stream<PipelineEvent, E, Exclude<R, Run>>
}

/** Emits an event into the run in context; waits while the client has a full buffer unread. */
export const emit = (event: EventBody): Effect.Effect<void, never, Run> =>
  Run.use((run) => run.emit(event))

/**
 * Runs a program with `f` seeing every event it emits, before the client does: how the pipeline
 * builds the turn it stores from the very events it streams.
 */
export const observe = (f: (event: EventBody) => void) => <A, E, R>(program: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | Run> =>
  Effect.updateService(program, Run, (run) => ({
    ...run,
    emit: (event) => Effect.andThen(Effect.sync(() => f(event)), run.emit(event)),
    emitUnsafe: (event) => {
      f(event)
      run.emitUnsafe(event)
    }
  }))
