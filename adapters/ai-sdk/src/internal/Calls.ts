/**
 * Calling an AI SDK model: directly through its `do*` method (never the `ai` helpers, which
 * retry — retries belong to the pipeline), with an `AbortSignal` that aborts when the caller
 * is interrupted, and every failure mapped once by `Wire.toProviderError`.
 */
import type { ProviderError } from "@patchbay/core"
import { Clock, Effect, type Scope, Stream } from "effect"
import { type ErrorContext, toProviderError } from "../Wire.ts"

/** The part type of a streaming result. */
export type PartOf<R extends { readonly stream: ReadableStream<unknown> }> = R["stream"] extends ReadableStream<infer P> ? P : never

/**
 * A one-shot call (`doGenerate`): the signal aborts when the Effect is interrupted.
 */
export const once = <A>(context: ErrorContext, call: (signal: AbortSignal) => PromiseLike<A>): Effect.Effect<A, ProviderError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.tryPromise({
      try: (signal) => Promise.resolve(call(signal)),
      catch: (error) => toProviderError(context, error, now)
    }))

/**
 * A streaming call (`doStream`): the signal lives as long as the stream does and aborts when
 * it ends or is interrupted, so interrupting mid-stream aborts the vendor request too. Returns
 * the call's result and its parts as a stream of typed failures.
 */
export const streaming = <R extends { readonly stream: ReadableStream<unknown> }>(
  context: ErrorContext,
  call: (signal: AbortSignal) => PromiseLike<R>
): Effect.Effect<{ readonly result: R; readonly parts: Stream.Stream<PartOf<R>, ProviderError> }, ProviderError, Scope.Scope> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const controller = yield* Effect.acquireRelease(
      Effect.sync(() => new AbortController()),
      (c) => Effect.sync(() => c.abort())
    )
    const result = yield* Effect.tryPromise({
      try: () => Promise.resolve(call(controller.signal)),
      catch: (error) => toProviderError(context, error, now)
    })
    const parts = Stream.fromReadableStream<PartOf<R>, ProviderError>({
      evaluate: () => result.stream as ReadableStream<PartOf<R>>,
      onError: (error) => toProviderError(context, error, now)
    })
    return { result, parts }
  })

/** What every streamed AI SDK call keeps besides its output: metadata, warnings, errors, the end. */
export interface StreamProgress {
  warnings: Array<string>
  errors: Array<unknown>
  headers: Record<string, string> | undefined
  body: unknown
  finished: boolean
}

/**
 * Records the stream parts every AI SDK model shares: `response-metadata` (headers, body) and
 * `error` (non-fatal by the interface's contract: a stream that then ends without `finish` fails
 * with the last one). Returns false for any other part.
 */
export const recordSharedPart = (
  progress: StreamProgress,
  part: { readonly type: string; readonly headers?: Record<string, string> | undefined; readonly body?: unknown; readonly error?: unknown },
  context: ErrorContext,
  now: number
): boolean => {
  if (part.type === "response-metadata") {
    if (part.headers !== undefined) progress.headers = part.headers
    if (part.body !== undefined) progress.body = part.body
    return true
  }
  if (part.type === "error") {
    progress.errors.push(part.error)
    progress.warnings.push(`the model reported an error: ${toProviderError(context, part.error, now).message}`)
    return true
  }
  return false
}
