/**
 * Retries, timeouts and fallback for vendor requests, in one place. The rules (DESIGN,
 * "The pipeline"):
 * - a request is retried — jittered exponential backoff, at least the vendor's `retry-after`,
 *   a bounded number of times — only while it has yielded nothing, and only for errors that say
 *   they are retryable (429, 5xx, timeouts);
 * - a request that goes quiet for longer than its stage's timeout fails as `ProviderTimeout`;
 * - the next vendor of a fallback list is tried only while the stage has produced no output.
 */
import { Cause, Duration, Effect, Random, Stream } from "effect"
import { type ProviderError, ProviderTimeout } from "../Errors.ts"
import type { RetrySettings } from "../Settings.ts"

/** How long to wait before retry `attempt` (0-based) after `error`. */
export const backoff = (policy: RetrySettings, attempt: number, error: ProviderError): Effect.Effect<Duration.Duration> =>
  Effect.map(Random.next, (random) => {
    const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
    const jittered = exponential * (0.5 + random / 2) // between half and all of it
    const retryAfter = "retryAfter" in error && typeof error.retryAfter === "number" ? error.retryAfter * 1000 : 0
    return Duration.millis(Math.max(jittered, retryAfter))
  })

/** Whether an error may be retried under the policy, given the attempt number. */
const mayRetry = (policy: RetrySettings, attempt: number, error: ProviderError) => {
  if (!error.retryable || attempt >= policy.times) return false
  const retryAfter = "retryAfter" in error && typeof error.retryAfter === "number" ? error.retryAfter * 1000 : 0
  return retryAfter <= policy.maxRetryAfterMs
}

const typedFailure = <E>(cause: Cause.Cause<E>): E | undefined => {
  const found = Cause.findErrorOption(cause)
  return found._tag === "Some" ? found.value : undefined
}

/**
 * Retries a vendor request given as a stream while it has yielded nothing. Once an element went
 * out, a failure is final: the caller already used part of the answer.
 */
export const retryStream = <A, R>(
  make: () => Stream.Stream<A, ProviderError, R>,
  policy: RetrySettings,
  canRetry: () => boolean = () => true
): Stream.Stream<A, ProviderError, R> => {
  const attempt = (n: number): Stream.Stream<A, ProviderError, R> =>
    Stream.suspend(() => {
      let yielded = false
      return make().pipe(
        // per chunk, not per element: the hot path of token streams
        Stream.mapArray((chunk) => {
          yielded = true
          return chunk
        }),
        Stream.catchCause((cause) => {
          const error = typedFailure(cause)
          if (error === undefined || yielded || !canRetry() || !mayRetry(policy, n, error)) return Stream.failCause(cause)
          return Stream.unwrap(Effect.as(Effect.flatMap(backoff(policy, n, error), Effect.sleep), attempt(n + 1)))
        })
      )
    })
  return attempt(0)
}

/** Retries a vendor request that answers once (nothing is yielded before it succeeds). */
export const retryEffect = <A, R>(
  effect: Effect.Effect<A, ProviderError, R>,
  policy: RetrySettings,
  canRetry: () => boolean = () => true
): Effect.Effect<A, ProviderError, R> => {
  const attempt = (n: number): Effect.Effect<A, ProviderError, R> =>
    Effect.catch(effect, (error: ProviderError) =>
      canRetry() && mayRetry(policy, n, error)
        ? Effect.andThen(Effect.flatMap(backoff(policy, n, error), Effect.sleep), attempt(n + 1))
        : Effect.fail(error))
  return attempt(0)
}

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

/** Tries each candidate effect in order; the first to succeed serves. */
export const fallbackEffect = <A, R>(
  candidates: ReadonlyArray<() => Effect.Effect<A, ProviderError, R>>
): Effect.Effect<{ readonly value: A; readonly index: number }, ProviderError, R> => {
  const from = (i: number): Effect.Effect<{ readonly value: A; readonly index: number }, ProviderError, R> =>
    Effect.catch(
      Effect.map(Effect.suspend(() => candidates[i]!()), (value) => ({ value, index: i })),
      (error: ProviderError) => (i + 1 >= candidates.length ? Effect.fail(error) : from(i + 1))
    )
  return from(0)
}
