/**
 * Rebuilding errors from the wire: a Patchbay server answers every failure with
 * `{ detail, code, retryable, …fields }` (`code` the error's `_tag`, its fields in snake_case),
 * and the client rejects with the very tagged error the server failed with — core's
 * `NotFound`, `ThreadBusy`, `RateLimited`, … or the HTTP-only errors of `@patchbay/api` — so
 * code written against `createPatchbay` catches the same classes over HTTP.
 *
 * @since 0.1.0
 */
import { HeadersTooLarge, InternalError, RequestTimeout, Unauthorized, UnsupportedMediaType } from "@patchbay/api"
import {
  AuthenticationFailed,
  Cancelled,
  InputTooLarge,
  InvalidRequest,
  MissingApiKey,
  NotFound,
  PermissionDenied,
  ProviderTimeout,
  ProviderUnavailable,
  QuotaExceeded,
  RateLimited,
  StoreUnavailable,
  ThreadBusy,
  UnknownModel,
  UnknownProvider,
  UnsupportedFormat
} from "@patchbay/core/schema"
import { Schema, SchemaIssue } from "effect"

/** The error classes a server may answer with, by `code`. */
const classes = {
  AuthenticationFailed,
  Cancelled,
  InputTooLarge,
  InvalidRequest,
  MissingApiKey,
  NotFound,
  PermissionDenied,
  ProviderTimeout,
  ProviderUnavailable,
  QuotaExceeded,
  RateLimited,
  StoreUnavailable,
  ThreadBusy,
  UnknownModel,
  UnknownProvider,
  UnsupportedFormat,
  Unauthorized,
  UnsupportedMediaType,
  RequestTimeout,
  HeadersTooLarge,
  InternalError
} as const

const camel = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

/** Whether a failure is an error body the server answered with (decoded, so without a `_tag`). */
export const isErrorBody = (u: unknown): u is { readonly detail: string; readonly code: string; readonly retryable: boolean } =>
  typeof u === "object" && u !== null && !("_tag" in u) &&
  typeof (u as { readonly code?: unknown }).code === "string" &&
  typeof (u as { readonly detail?: unknown }).detail === "string"

/** Thrown when the server answers an error the client has no class for (a newer server's, or one whose fields do not fit). */
export class ServerError extends Error {
  override readonly name = "ServerError"
  /** The error's `_tag` on the server. */
  readonly code: string
  readonly retryable: boolean
  /** The error's own fields, as sent (snake_case). */
  readonly fields: Readonly<Record<string, unknown>>
  constructor(code: string, retryable: boolean, fields: Readonly<Record<string, unknown>>, detail: string) {
    super(detail)
    this.code = code
    this.retryable = retryable
    this.fields = fields
  }
}

/**
 * The tagged error an error body stands for: its `code`'s class with the body's fields
 * (camelCased) and, when the class keeps a vendor's `detail`, the detail its message ends with;
 * or a {@link ServerError} carrying the body when no class fits.
 */
export const fromErrorBody = (body: Readonly<Record<string, unknown>> & { readonly detail: string; readonly code: string; readonly retryable: boolean }): unknown => {
  const { detail, code, retryable, ...rest } = body
  const fields: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(rest)) fields[camel(key)] = value
  const cls = (classes as Readonly<Record<string, Schema.Top>>)[code]
  if (cls !== undefined) {
    const decode = Schema.decodeUnknownExit(cls as Schema.Codec<unknown, unknown>)
    const decoded = decode({ ...fields, _tag: code })
    if (decoded._tag === "Success") {
      // a vendor's own `detail` travels inside the message (`…: detail`): take it back out
      const message = (decoded.value as Error).message
      if (message === detail || !detail.startsWith(`${message}: `)) return decoded.value
      const withDetail = decode({ ...fields, detail: detail.slice(message.length + 2), _tag: code })
      return withDetail._tag === "Success" && (withDetail.value as Error).message === detail ? withDetail.value : decoded.value
    }
  }
  return new ServerError(code, retryable, rest, detail)
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const pathToField = (path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>): string =>
  path.reduce<string>((out, segment) => {
    const key = typeof segment === "object" ? segment.key : segment
    return typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`
  }, "")

/**
 * The `InvalidRequest` for input the API's declaration refuses before any request is sent (the
 * client encodes bodies, queries and path parameters with its schemas): the field's path, its
 * value in `input`, and the schema's reason — worded as core's own validation words it.
 */
export const fromSchemaError = (error: Schema.SchemaError, input: object = {}): InvalidRequest => {
  const first = formatter(error.issue).issues[0]
  const field = first === undefined ? "" : pathToField(first.path ?? [])
  return new InvalidRequest({
    field: field === "" ? "request" : field,
    ...(field === "" || !(field in input) ? {} : { value: (input as Readonly<Record<string, unknown>>)[field] }),
    reason: first?.message ?? "does not match the expected shape"
  })
}
