/**
 * Reading a vendor's answer: a failed response mapped to the tagged error (status, the vendor's
 * code and message, request id, `retry-after`, the request field at fault — core's
 * `fromHttpFailure` decides retryability once), a JSON body decoded against the vendor's wire
 * schema, and a body streamed as bytes. A body that does not decode, or breaks half way, is
 * `ProviderUnavailable`: the vendor changed or failed, not the caller.
 *
 * @since 0.2.0
 */
import { Clock, Effect, Schema, Stream } from "effect"
import { fromHttpFailure, parseRetryAfter, type ProviderError, ProviderUnavailable, QuotaExceeded, RateLimited } from "../Errors.ts"
import { redactSecrets } from "../Secrets.ts"
import { describeCause } from "./Call.ts"

/** Headers, as `Response` and the SDKs' errors carry them. */
export interface HeadersLike {
  get(name: string): string | null
}

/** What a vendor's error body says, whatever its shape. */
export interface VendorError {
  /** The vendor's error code, matched case-insensitively (`insufficient_quota`). */
  readonly code?: string | undefined
  readonly message?: string | undefined
  /** The vendor's name of the parameter at fault (`model`, `voice_settings.stability`). */
  readonly param?: string | undefined
  /** A request id given in the body rather than a header. */
  readonly requestId?: string | undefined
}

/** What a failure needs beyond the response: the request's model, the field at fault, sizes. */
export interface FailureContext {
  readonly model?: string | undefined
  /** The request field to blame when the vendor names none. */
  readonly field?: string | undefined
  /** The request field of a vendor parameter (`model_id` → `voice.stt.model`). */
  readonly fieldOf?: ((param: string) => string | undefined) | undefined
  /** The upload's size and the limit, for `InputTooLarge` on 413. */
  readonly size?: number | undefined
  readonly limit?: number | undefined
}

/** The vendor's request id: `x-request-id`, else `request-id`. */
export const requestIdOf = (headers: HeadersLike): string | undefined =>
  headers.get("x-request-id") ?? headers.get("request-id") ?? undefined

/**
 * Maps a failed HTTP answer to the tagged error. `now` is the time in milliseconds (for a
 * `retry-after` date).
 */
export const httpFailure = (
  provider: string,
  response: { readonly status: number; readonly headers: HeadersLike },
  vendor: VendorError,
  context: FailureContext,
  now: number
): ProviderError =>
  fromHttpFailure({
    provider,
    status: response.status,
    code: vendor.code,
    message: vendor.message,
    requestId: requestIdOf(response.headers) ?? vendor.requestId,
    retryAfter: parseRetryAfter(response.headers, now),
    model: context.model,
    field: (vendor.param === undefined ? undefined : context.fieldOf?.(vendor.param) ?? vendor.param) ?? context.field,
    size: context.size,
    limit: context.limit
  })

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * Reads a failed `Response` (its body as JSON when it is JSON, else as text) and maps it.
 * `readError` picks the vendor's code, message and parameter out of the body; without it, or
 * when it finds no message, the body's first 500 characters are the message.
 */
export const failedResponse = (
  provider: string,
  response: Response,
  readError: (body: unknown) => VendorError | undefined,
  context: FailureContext = {}
): Effect.Effect<ProviderError> =>
  Effect.gen(function*() {
    const text = yield* Effect.promise(() => response.text().catch(() => ""))
    const vendor = readError(parseJson(text)) ?? {}
    const message = vendor.message ?? (text === "" ? undefined : text.slice(0, 500))
    const now = yield* Clock.currentTimeMillis
    return httpFailure(provider, response, { ...vendor, message }, context, now)
  })

/**
 * Reads a JSON response and decodes it with the vendor's wire schema. Returns the body as it
 * came (for `provider_output`) and the decoded value.
 */
export const decodeJsonResponse = <S extends Schema.Decoder<unknown>>(
  provider: string,
  response: Response,
  schema: S
): Effect.Effect<{ readonly body: unknown; readonly decoded: S["Type"] }, ProviderUnavailable> =>
  Effect.tryPromise({
    try: () => response.json() as Promise<unknown>,
    catch: (cause) => new ProviderUnavailable({ provider, detail: `the response is not JSON: ${describeCause(cause)}` })
  }).pipe(
    Effect.flatMap((body) =>
      Schema.decodeUnknownEffect(schema)(body).pipe(
        Effect.map((decoded) => ({ body, decoded: decoded as S["Type"] })),
        Effect.mapError((error) => new ProviderUnavailable({ provider, detail: `unexpected response: ${error.message}` }))
      )
    )
  )

const quotaCodes = new Set(["insufficient_quota", "quota_exceeded", "billing_hard_limit_reached"])
const rateCodes = new Set(["rate_limit_exceeded", "rate_limited", "too_many_requests"])
const invalidCodes = new Set(["invalid_request_error", "invalid_request", "bad_request", "invalid_argument", "context_length_exceeded"])

/**
 * Maps an error a vendor reports inside a stream that had started (an `error` event): the HTTP
 * status was 200, so only the code says what happened — a spent quota (`QuotaExceeded`), a rate
 * limit (`RateLimited`), a request the vendor refuses (`invalid_request_error`, `bad_request`,
 * `invalid_argument`, `context_length_exceeded`: mapped as its 400 would be, a final
 * `InvalidRequest` naming `param`, else `request`), or, anything else, the vendor failing
 * (`ProviderUnavailable`). Codes are matched case-insensitively.
 */
export const streamFailure = (provider: string, vendor: VendorError, requestId: string | undefined): ProviderError => {
  const code = vendor.code?.toLowerCase()
  if (code !== undefined && invalidCodes.has(code)) {
    return fromHttpFailure({
      provider,
      status: 400,
      code: vendor.code,
      message: vendor.message ?? "the stream reported an invalid request",
      requestId: requestId ?? vendor.requestId,
      field: vendor.param ?? "request"
    })
  }
  const fields = {
    provider,
    ...(requestId === undefined ? {} : { requestId }),
    detail: redactSecrets(vendor.message ?? "the stream reported an error")
  }
  if (code !== undefined && quotaCodes.has(code)) return new QuotaExceeded(fields)
  if (code !== undefined && rateCodes.has(code)) return new RateLimited(fields)
  return new ProviderUnavailable(fields)
}

/** A body that broke half way (a dropped connection): retryable, after the output already sent. */
export const streamBroke = (provider: string, what: string, cause: unknown, requestId: string | undefined): ProviderUnavailable =>
  new ProviderUnavailable({
    provider,
    ...(requestId === undefined ? {} : { requestId }),
    detail: redactSecrets(`the ${what} stream broke: ${describeCause(cause)}`)
  })

/** A response body as a stream of bytes; a missing body, or one that breaks, is `ProviderUnavailable`. */
export const responseBytes = (provider: string, response: Response, what: string): Stream.Stream<Uint8Array, ProviderUnavailable> => {
  const body = response.body
  const requestId = requestIdOf(response.headers)
  if (body === null) return Stream.fail(streamBroke(provider, what, new Error("the response has no body"), requestId))
  return Stream.fromReadableStream({ evaluate: () => body, onError: (cause) => streamBroke(provider, what, cause, requestId) })
}
