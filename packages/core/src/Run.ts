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
 * the client took and is still handling), however fast its vendors answer.
 *
 * @since 0.1.0
 */
import { type Cause, Context, Deferred, Effect, Queue, Stream } from "effect"
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
  return Stream.suspend(() => {
    // Filled by the callback below; the events live in an unbounded queue so a synchronous emit
    // never drops one, and the bound is kept by making emitters wait for the client's next take.
    let events: Queue.Queue<PipelineEvent, E | Cause.Done> | undefined
    /** Completed when the client takes what waits; emitters past the bound wait on it. */
    let room: Deferred.Deferred<void> | undefined
    const waitForRoom: Effect.Effect<void> = Effect.suspend(() => {
      if (events === undefined || Queue.sizeUnsafe(events) < capacity) return Effect.void
      room ??= Deferred.makeUnsafe<void>()
      return Effect.andThen(Deferred.await(room), waitForRoom)
    })
    return Stream.callback<PipelineEvent, E, Exclude<R, Run>>((queue) => {
      events = queue
      let seq = 0
      const emitUnsafe = (event: EventBody): void => {
        // Text deltas are the hot path: built as a literal (same keys, same order) rather than
        // spread, so each one is a single small object instead of one plus a property store.
        const stamped = event.type === "content_streaming"
          ? { type: event.type, content: event.content, thread_id: ids.thread_id, run_id: ids.run_id, seq: seq++ }
          : { ...event, thread_id: ids.thread_id, run_id: ids.run_id, seq: seq++ }
        Queue.offerUnsafe(queue, stamped as PipelineEvent)
      }
      const run: RunShape = {
        ...ids,
        emit: (event) => Effect.andThen(Effect.sync(() => emitUnsafe(event)), waitForRoom),
        emitUnsafe,
        backpressure: waitForRoom,
        forward: (event) => Effect.andThen(Effect.sync(() => Queue.offerUnsafe(queue, event)), waitForRoom)
      }
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
    }, { bufferSize: Number.POSITIVE_INFINITY }).pipe(
      // The client took every waiting event: wake the emitters.
      Stream.mapArray((chunk) => {
        if (room !== undefined) {
          Deferred.doneUnsafe(room, Effect.void)
          room = undefined
        }
        return chunk
      })
    )
  })
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
