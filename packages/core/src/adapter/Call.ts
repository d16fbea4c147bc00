/**
 * Calling a vendor so that interrupting the call aborts the HTTP request: every call gets an
 * `AbortSignal` that fires when the effect is interrupted (or, for a response whose body is read
 * later, when the enclosing scope closes), and a rejection is mapped once to a tagged error.
 *
 * @since 0.2.0
 */
import { Clock, Effect, type Scope } from "effect"

/** An error's message followed by those of its causes: `fetch failed: connect ECONNREFUSED`. */
export const describeCause = (cause: unknown): string => {
  if (!(cause instanceof Error)) return String(cause)
  const inner = cause.cause instanceof Error ? `: ${describeCause(cause.cause)}` : ""
  return `${cause.message}${inner}`
}

/**
 * Runs a promise-returning call with an `AbortSignal` that interrupting the effect fires. A
 * rejection goes through `onFailure` with the current time (from Effect's `Clock`, for
 * `retry-after` dates).
 *
 * @example
 * ```ts
 * abortable((signal) => sdk.audio.speech.create(body, { signal }), (cause, now) => toProviderError(cause, now))
 * ```
 */
export const abortable = <A, E>(
  run: (signal: AbortSignal) => Promise<A>,
  onFailure: (cause: unknown, now: number) => E
): Effect.Effect<A, E> =>
  Effect.tryPromise({ try: run, catch: (cause) => cause }).pipe(
    Effect.catch((cause) => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.fail(onFailure(cause, now))))
  )

/**
 * Like {@link abortable}, for a call whose response body is read after it returns (a stream):
 * the signal also fires when the scope closes — the stream ended, failed or was interrupted —
 * so an interrupted stream stops the body too.
 */
export const abortableScoped = <A, E>(
  run: (signal: AbortSignal) => Promise<A>,
  onFailure: (cause: unknown, now: number) => E
): Effect.Effect<A, E, Scope.Scope> =>
  Effect.flatMap(
    Effect.acquireRelease(Effect.sync(() => new AbortController()), (controller) => Effect.sync(() => controller.abort())),
    (controller) => abortable((signal) => run(AbortSignal.any([signal, controller.signal])), onFailure)
  )
