/**
 * Retries, timeouts and fallback for vendor requests, in one place. The rules (DESIGN,
 * "The pipeline"):
 * - a request is retried — jittered exponential backoff, at least the vendor's `retry-after`,
 *   a bounded number of times — only while it has yielded nothing, and only for errors that say
 *   they are retryable (429, 5xx, timeouts);
 * - a request that goes quiet for longer than its stage's timeout fails as `ProviderTimeout`;
 * - the next vendor of a fallback list is tried only while the stage has produced no output.
 */
import { Cause, Duration, Effect, Schedule, Stream } from "effect"
import { type ProviderError, ProviderTimeout } from "../Errors.ts"
import type { RetrySettings } from "../Settings.ts"

/** The wait a vendor asked for (`retry-after`), in milliseconds; 0 when it named none. */
const retryAfterMs = (error: ProviderError): number =>
  "retryAfter" in error && typeof error.retryAfter === "number" ? error.retryAfter * 1000 : 0

/**
 * The retry policy as a `Schedule` fed with each failure: exponential from `baseDelayMs`,
 * jittered, capped at `maxDelayMs`, never shorter than the vendor's `retry-after`, at most
 * `times` retries — and only while `allowed()` holds and the error says it is retryable (a
 * vendor asking to wait longer than `maxRetryAfterMs` is not retried).
 */
export const retrySchedule = (policy: RetrySettings, allowed: () => boolean = () => true): Schedule.Schedule<unknown, ProviderError> => {
  const jittered: Schedule.Schedule<Duration.Duration, ProviderError> = Schedule.jittered(Schedule.exponential(Duration.millis(policy.baseDelayMs)))
  const backoff = Schedule.modifyDelay(jittered, ({ duration, input }) =>
    Effect.succeed(Duration.millis(Math.max(Math.min(Duration.toMillis(duration), policy.maxDelayMs), retryAfterMs(input)))))
  const bounded: Schedule.Schedule<Duration.Duration, ProviderError> = Schedule.max([backoff, Schedule.recurs(policy.times)])
  return Schedule.while(
    bounded,
    ({ input }) => input.retryable && retryAfterMs(input) <= policy.maxRetryAfterMs && allowed()
  )
}

/**
 * Retries a vendor request given as a stream while it has yielded nothing. Once an element went
 * out, a failure is final: the caller already used part of the answer.
 */
export const retryStream = <A, R>(
  make: () => Stream.Stream<A, ProviderError, R>,
  policy: RetrySettings,
  canRetry: () => boolean = () => true
): Stream.Stream<A, ProviderError, R> =>
  Stream.suspend(() => {
    let yielded = false
    return Stream.suspend(() => {
      yielded = false
      return make()
    }).pipe(
      // per chunk, not per element: the hot path of token streams
      Stream.mapArray((chunk) => {
        yielded = true
        return chunk
      }),
      Stream.retry(retrySchedule(policy, () => !yielded && canRetry()))
    )
  })

/** Retries a vendor request that answers once (nothing is yielded before it succeeds). */
export const retryEffect = <A, R>(
  effect: Effect.Effect<A, ProviderError, R>,
  policy: RetrySettings,
  canRetry: () => boolean = () => true
): Effect.Effect<A, ProviderError, R> => Effect.retry(effect, retrySchedule(policy, canRetry))

/** Fails a stream with `ProviderTimeout` when it goes longer than `ms` without an element. */
export const idleTimeout = <A, E, R>(
  stream: Stream.Stream<A, E, R>,
  ms: number | undefined,
  context: { readonly provider: string; readonly stage: string }
): Stream.Stream<A, E | ProviderTimeout, R> =>
  ms === undefined || !Number.isFinite(ms)
    ? stream
    : stream.pipe(
      Stream.timeoutOrElse({
        duration: Duration.millis(ms),
        orElse: () => Stream.fail(new ProviderTimeout({ provider: context.provider, stage: context.stage, timeoutMs: ms }))
      })
    )

/** Fails an effect with `ProviderTimeout` when it takes longer than `ms`. */
export const timeoutEffect = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  ms: number | undefined,
  context: { readonly provider: string; readonly stage: string }
): Effect.Effect<A, E | ProviderTimeout, R> =>
  ms === undefined || !Number.isFinite(ms)
    ? effect
    : effect.pipe(
      Effect.timeoutOrElse({
        duration: Duration.millis(ms),
        orElse: () => Effect.fail(new ProviderTimeout({ provider: context.provider, stage: context.stage, timeoutMs: ms }))
      })
    )

const typedFailure = <E>(cause: Cause.Cause<E>): E | undefined => {
  const found = Cause.findErrorOption(cause)
  return found._tag === "Some" ? found.value : undefined
}

/**
 * Tries each candidate in order while nothing has been output: the first one to yield an
 * element serves the whole stream. `onServe` learns which one did, before its first element.
 */
export const fallbackStream = <A, R>(
  candidates: ReadonlyArray<() => Stream.Stream<A, ProviderError, R>>,
  onServe: (index: number) => Effect.Effect<void> = () => Effect.void
): Stream.Stream<A, ProviderError, R> => {
  const from = (i: number): Stream.Stream<A, ProviderError, R> =>
    Stream.suspend(() => {
      const make = candidates[i]
      if (make === undefined) return Stream.empty
      let yielded = false
      return make().pipe(
        Stream.mapArrayEffect((chunk) =>
          yielded ? Effect.succeed(chunk) : Effect.as(Effect.andThen(Effect.sync(() => void (yielded = true)), onServe(i)), chunk)
        ),
        Stream.catchCause((cause) =>
          yielded || i + 1 >= candidates.length || typedFailure(cause) === undefined ? Stream.failCause(cause) : from(i + 1)
        )
      )
    })
  return from(0)
}
