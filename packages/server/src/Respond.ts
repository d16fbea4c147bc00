/**
 * How the server answers a failure: the JSON body of `@patchbay/api` (`{ detail, code,
 * retryable, …fields }`), the status its code maps to, `x-should-retry` from `retryable`, and
 * `Retry-After` for a rate limit. Anything that is not one of our tagged errors — a defect, a
 * bug — answers 500 `InternalError` with nothing of its internals; the log has it, under the
 * response's request id.
 *
 * @since 0.1.0
 */
import { InternalError, statusOf, toErrorBody } from "@patchbay/api"
import { InvalidRequest, isProviderError, redactSecrets } from "@patchbay/core"
import { Cause, Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import { HttpApiError } from "effect/http-api"

/** A failure the server answers with its own body: any tagged error with a message and `retryable`. */
export interface Answerable {
  readonly _tag: string
  readonly message: string
  readonly retryable: boolean
}

const answerableTags = new Set(["Unauthorized", "UnsupportedMediaType", "RequestTimeout", "HeadersTooLarge", "InternalError"])

/** True for core's tagged errors and the API's own. */
export const isAnswerable = (u: unknown): u is Answerable =>
  isProviderError(u) || (typeof u === "object" && u !== null && answerableTags.has((u as { _tag?: unknown })._tag as string))

/** The response of a tagged error. */
export const errorResponse = (error: Answerable): HttpServerResponse.HttpServerResponse => {
  const body = toErrorBody(error)
  const retryAfter = (error as { readonly retryAfter?: unknown }).retryAfter
  return HttpServerResponse.jsonUnsafe(body, {
    status: statusOf(error._tag),
    headers: {
      "x-should-retry": String(error.retryable),
      ...(typeof retryAfter === "number" ? { "retry-after": String(Math.ceil(retryAfter)) } : {})
    }
  })
}

/** A route that does not exist. */
const routeNotFound = (method: string, url: string): Answerable => ({
  _tag: "RouteNotFound",
  message: `No route for ${method} ${url.split("?")[0]}`,
  retryable: false
})

/** The answer to effect's own server errors: an unknown route, an unreadable request. */
const serverErrorOf = (value: unknown): Answerable | undefined => {
  if (typeof value !== "object" || value === null || (value as { _tag?: unknown })._tag !== "HttpServerError") return undefined
  const reason = (value as { readonly reason?: { readonly _tag?: string; readonly request?: { readonly method: string; readonly url: string } } }).reason
  if (reason?._tag === "RouteNotFound") return routeNotFound(reason.request?.method ?? "", reason.request?.url ?? "")
  if (reason?._tag === "RequestParseError") return new InvalidRequest({ field: "body", reason: "the request could not be read" })
  return undefined
}

/**
 * The error a failed cause answers with: its first tagged failure or defect; a request that
 * did not decode against the declaration (a malformed path parameter or query) is
 * `InvalidRequest` naming the part; anything else is `InternalError`.
 */
export const errorOfCause = (cause: Cause.Cause<unknown>): Answerable => {
  for (const reason of cause.reasons) {
    const value = Cause.isFailReason(reason) ? reason.error : Cause.isDieReason(reason) ? reason.defect : undefined
    if (value === undefined) continue
    if (isAnswerable(value)) return value
    const served = serverErrorOf(value)
    if (served !== undefined) return served
    if (HttpApiError.HttpApiSchemaError.is(value) && value.kind !== "Body" && value.kind !== "ResponseHeaders") {
      const text = String((value.cause as { readonly message?: unknown } | undefined)?.message ?? "")
      // The path names the parameter (`at ["limit"]`); the first line says what is wrong.
      const path = /at \[(.*)\]\s*$/.exec(text)?.[1]
      const field = path === undefined ? value.kind.toLowerCase() : path.split(",").map((p) => p.trim().replace(/^"|"$/g, "")).join(".")
      const reason = text.split("\n")[0]?.trim() || "does not match the expected shape"
      return new InvalidRequest({ field, reason })
    }
  }
  return new InternalError()
}

/** Answers every failure of `effect` with its error response (logging the unexpected ones). */
export const answerFailures = <R>(
  effect: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R> =>
  Effect.catchCause(effect, (cause) => {
    const error = errorOfCause(cause)
    const response = errorResponse(error)
    // The log has the bug, with anything shaped like a key removed (a Patchbay key too).
    return error._tag === "InternalError" && !Cause.hasInterruptsOnly(cause)
      ? Effect.as(Effect.logError(`request failed: ${redactSecrets(Cause.pretty(cause)).replace(/\bpb_[A-Za-z0-9_-]{20,}/g, "[redacted]")}`), response)
      : Effect.succeed(response)
  })
