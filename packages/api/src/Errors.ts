/**
 * The errors of the HTTP API: how every failure is written on the wire, and the four errors only
 * HTTP has. A failure answers the JSON `{ detail, code, retryable, …fields }` — `code` the
 * error's `_tag`, `detail` its message, and its own fields in snake_case — never a
 * problem-details body, so a client rebuilds the very tagged error the server failed with. The
 * HTTP status follows from the code ({@link statusOf}); every error response also carries
 * `x-should-retry: true|false` from `retryable`, which OpenAI's SDKs obey.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { HttpApiSchema } from "effect/http-api"

/**
 * The request carries no Patchbay API key, or one that is unknown or revoked. Send it as
 * `X-API-Key` or `Authorization: Bearer`.
 *
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  /** Why: no key was sent, the key sent is not valid, or a realtime token is unknown, expired or used. */
  reason: Schema.Literals(["missing", "invalid", "token"])
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    switch (this.reason) {
      case "missing":
        return "Missing API key: send a Patchbay key as X-API-Key or Authorization: Bearer"
      case "invalid":
        return "Invalid API key: the Patchbay key sent is unknown or revoked"
      case "token":
        return "Invalid realtime token: it is unknown, expired or already used; ask POST /realtime/tokens for a new one"
    }
  }
}

/**
 * The request body is of a media type the route does not take. `allowed` lists the ones it does.
 *
 * @category errors
 */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", {
  /** The Content-Type sent (empty when none was). */
  contentType: Schema.String,
  allowed: Schema.Array(Schema.String)
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    const sent = this.contentType === "" ? "no Content-Type" : `Content-Type ${JSON.stringify(this.contentType)}`
    return `Unsupported media type: ${sent}; send one of ${this.allowed.join(", ")}`
  }
}

/**
 * The request body stopped arriving for longer than the server waits (`limits.bodyIdleTimeoutMs`).
 *
 * @category errors
 */
export class RequestTimeout extends Schema.TaggedError<RequestTimeout>()("RequestTimeout", {
  timeoutMs: Schema.Number
}) {
  get retryable(): boolean {
    return true
  }
  override get message(): string {
    return `Request timeout: the body sent nothing for ${this.timeoutMs} ms`
  }
}

/**
 * The request's headers are larger than the server takes (`limits.maxHeaderBytes`).
 *
 * @category errors
 */
export class HeadersTooLarge extends Schema.TaggedError<HeadersTooLarge>()("HeadersTooLarge", {
  limit: Schema.Number,
  size: Schema.Number
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    return `Request headers are ${this.size} bytes; the server takes at most ${this.limit}`
  }
}

/**
 * A failure the server did not expect. The body says no more than that (no stack trace, no
 * internals); the server's log has the rest under the response's `x-request-id`.
 *
 * @category errors
 */
export class InternalError extends Schema.TaggedError<InternalError>()("InternalError", {}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    return "Internal server error"
  }
}

/** The HTTP status of each error code; a code not listed is a vendor-side failure (502). */
const statuses: Readonly<Record<string, number>> = {
  InvalidRequest: 400,
  UnknownProvider: 400,
  UnknownModel: 400,
  UnsupportedFormat: 400,
  Unauthorized: 401,
  NotFound: 404,
  RouteNotFound: 404,
  RequestTimeout: 408,
  ThreadBusy: 409,
  InputTooLarge: 413,
  UnsupportedMediaType: 415,
  RateLimited: 429,
  BudgetExceeded: 429,
  HeadersTooLarge: 431,
  InternalError: 500,
  Cancelled: 499,
  AuthenticationFailed: 502,
  PermissionDenied: 502,
  QuotaExceeded: 502,
  MissingApiKey: 502,
  ProviderUnavailable: 503,
  StoreUnavailable: 503,
  ProviderTimeout: 504
}

/** The HTTP status an error code answers with (see DESIGN's table); 502 for other vendor failures. */
export const statusOf = (code: string): number => statuses[code] ?? 502

/**
 * The wire body of every error. `code` is the error's `_tag`; the optional fields are the
 * error's own, in snake_case (`retry_after`, `request_id`, `thread_id`, …); a field not listed
 * here may appear too, and a client keeps it.
 *
 * @category schemas
 */
export const ErrorBody = Schema.Struct({
  detail: Schema.String,
  code: Schema.String,
  retryable: Schema.Boolean,
  field: Schema.optionalKey(Schema.String),
  value: Schema.optionalKey(Schema.Unknown),
  allowed: Schema.optionalKey(Schema.Array(Schema.String)),
  reason: Schema.optionalKey(Schema.String),
  provider: Schema.optionalKey(Schema.String),
  status: Schema.optionalKey(Schema.Int),
  kind: Schema.optionalKey(Schema.String),
  id: Schema.optionalKey(Schema.String),
  model: Schema.optionalKey(Schema.String),
  format: Schema.optionalKey(Schema.String),
  limit: Schema.optionalKey(Schema.Int),
  size: Schema.optionalKey(Schema.Int),
  retry_after: Schema.optionalKey(Schema.Number.check(Schema.isFinite())),
  request_id: Schema.optionalKey(Schema.String),
  thread_id: Schema.optionalKey(Schema.String),
  run_id: Schema.optionalKey(Schema.String),
  content_type: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "Error", description: "{ detail, code (the error's _tag), retryable, …the error's own fields }" })
export type ErrorBody = typeof ErrorBody.Type

/** The error body as a response of one status, for the declaration. */
const at = (status: number, description: string) =>
  ErrorBody.pipe(HttpApiSchema.status(status)).annotate({ description })

/** The error responses the routes declare, by status. @category schemas */
export const ErrorResponses = {
  400: at(400, "InvalidRequest, UnknownProvider, UnknownModel, UnsupportedFormat"),
  401: at(401, "Unauthorized: missing or wrong Patchbay key"),
  404: at(404, "NotFound (also another tenant's id)"),
  408: at(408, "RequestTimeout: the body stopped arriving"),
  409: at(409, "ThreadBusy: the thread has an active run"),
  413: at(413, "InputTooLarge"),
  415: at(415, "UnsupportedMediaType (with allowed)"),
  429: at(429, "RateLimited (with Retry-After), BudgetExceeded"),
  431: at(431, "HeadersTooLarge"),
  500: at(500, "InternalError"),
  502: at(502, "AuthenticationFailed, PermissionDenied, QuotaExceeded, MissingApiKey and other vendor failures"),
  503: at(503, "ProviderUnavailable, StoreUnavailable"),
  504: at(504, "ProviderTimeout")
} as const

/** The errors every route that needs a key can answer. */
export const commonErrors = [ErrorResponses[400], ErrorResponses[401], ErrorResponses[404], ErrorResponses[431], ErrorResponses[500], ErrorResponses[503]] as const

/** The errors of routes that run the pipeline. */
export const pipelineErrors = [
  ...commonErrors,
  ErrorResponses[408],
  ErrorResponses[409],
  ErrorResponses[413],
  ErrorResponses[415],
  ErrorResponses[429],
  ErrorResponses[502],
  ErrorResponses[504]
] as const

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/**
 * The wire body of a tagged error: its message as `detail`, its `_tag` as `code`, its
 * `retryable`, and its own fields in snake_case. (A vendor's own `detail` is already part of
 * the message.)
 */
export const toErrorBody = (error: { readonly _tag: string; readonly message: string; readonly retryable?: boolean | undefined }): ErrorBody => {
  const body: Record<string, unknown> = { detail: error.message, code: error._tag, retryable: error.retryable === true }
  for (const [key, value] of Object.entries(error)) {
    if (key === "_tag" || key === "detail" || key === "retryable" || key === "message" || value === undefined) continue
    body[snake(key)] = value
  }
  return body as ErrorBody
}
