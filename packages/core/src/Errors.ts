/**
 * The tagged errors of Patchbay. Every failure a caller can act on is one of these classes,
 * carrying the data needed to act on it: the vendor (`provider`), whether trying again can
 * help (`retryable`), and, when the vendor answered, its HTTP `status` and `requestId`.
 *
 * Errors serialize (`toJSON`, `String`, `util.inspect`) to their fields and message only. They
 * never hold an API key: keys live in `Redacted` values, and vendor messages pass through
 * {@link redactSecrets} before they are stored in `detail`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { redactSecrets } from "./Secrets.ts"

/** Fields every vendor-facing error may carry. */
const vendorFields = {
  /** The provider id (`"openai"`, `"elevenlabs"`, …) when a vendor is involved. */
  provider: Schema.optionalKey(Schema.String),
  /** The vendor's HTTP status when it answered. */
  status: Schema.optionalKey(Schema.Number),
  /** The vendor's request id when it answered (for support tickets). */
  requestId: Schema.optionalKey(Schema.String),
  /** The vendor's own explanation, with secrets removed. */
  detail: Schema.optionalKey(Schema.String)
}

const from = (provider: string | undefined) => (provider === undefined ? "" : ` (${provider})`)
const withDetail = (text: string, detail: string | undefined) =>
  detail === undefined || detail === "" ? text : `${text}: ${detail}`
const LISTED = 24
const list = (values: ReadonlyArray<string>) => {
  if (values.length === 0) return "none"
  const shown = values.slice(0, LISTED).map((v) => JSON.stringify(v)).join(", ")
  return values.length > LISTED ? `${shown}, … (${values.length - LISTED} more)` : shown
}

/**
 * The request is malformed: a field is missing, has the wrong type, or a value is not allowed.
 * `field` is the path in wire (snake_case) form, e.g. `voice.tts.voice`.
 *
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  field: Schema.String,
  value: Schema.optionalKey(Schema.Unknown),
  allowed: Schema.optionalKey(Schema.Array(Schema.String)),
  reason: Schema.String,
  ...vendorFields
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    const allowed = this.allowed === undefined ? "" : `; allowed: ${list(this.allowed)}`
    return withDetail(`Invalid request${from(this.provider)} at ${this.field}: ${this.reason}${allowed}`, this.detail)
  }
}

/**
 * No provider with that id is registered.
 *
 * @category errors
 */
export class UnknownProvider extends Schema.TaggedError<UnknownProvider>()("UnknownProvider", {
  provider: Schema.String,
  field: Schema.String,
  /** The providers registered (with `capability`, when it is set). */
  registered: Schema.Array(Schema.String),
  capability: Schema.optionalKey(Schema.String),
  /** True when the provider is registered but lacks `capability` (e.g. STT of an LLM-only vendor). */
  registeredWithout: Schema.optionalKey(Schema.Boolean)
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    const what = this.capability === undefined ? "provider" : `${this.capability} provider`
    if (this.capability !== undefined && this.registeredWithout === true) {
      const name = this.capability.toUpperCase()
      return `Provider ${JSON.stringify(this.provider)} at ${this.field} has no ${name}; registered providers with ${name}: ${list(this.registered)}`
    }
    return `Unknown ${what} ${JSON.stringify(this.provider)} at ${this.field}; registered: ${list(this.registered)}. ` +
      `Register it in createPatchbay({ providers }) or ProviderRegistry.`
  }
}

/**
 * The model is not in the provider's closed catalogue, or the vendor said it does not exist.
 *
 * @category errors
 */
export class UnknownModel extends Schema.TaggedError<UnknownModel>()("UnknownModel", {
  model: Schema.String,
  field: Schema.String,
  allowed: Schema.Array(Schema.String),
  ...vendorFields
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    const allowed = this.allowed.length === 0 ? "" : `; allowed: ${list(this.allowed)}`
    return withDetail(`Unknown model ${JSON.stringify(this.model)}${from(this.provider)} at ${this.field}${allowed}`, this.detail)
  }
}

/** {@link UnsupportedFormat}'s `format` for an input of zero bytes. */
export const EMPTY_INPUT = "empty"
/** {@link UnsupportedFormat}'s `format` for an input whose first bytes are text, not audio. */
export const TEXT_INPUT = "text"

/**
 * The audio or output format is not one the model takes or produces. An input that is empty or
 * text has `format` {@link EMPTY_INPUT} or {@link TEXT_INPUT}, and says so.
 *
 * @category errors
 */
export class UnsupportedFormat extends Schema.TaggedError<UnsupportedFormat>()("UnsupportedFormat", {
  format: Schema.String,
  field: Schema.String,
  allowed: Schema.Array(Schema.String),
  model: Schema.optionalKey(Schema.String),
  ...vendorFields
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    const model = this.model === undefined ? "" : ` for ${this.model}`
    if (this.format === EMPTY_INPUT) return withDetail(`The file is empty: no audio at ${this.field}`, this.detail)
    if (this.format === TEXT_INPUT) {
      const allowed = this.allowed.length === 0 ? "" : `; audio${model}${from(this.provider)}: ${list(this.allowed)}`
      return withDetail(`This is not audio (looks like text) at ${this.field}${allowed}`, this.detail)
    }
    return withDetail(
      `Unsupported format ${JSON.stringify(this.format)}${model}${from(this.provider)} at ${this.field}; allowed: ${list(this.allowed)}`,
      this.detail
    )
  }
}

/**
 * The input is larger than the vendor accepts. `limit` and `size` are in bytes; `size` is what
 * was counted so far when the input was a stream of unknown length.
 *
 * @category errors
 */
export class InputTooLarge extends Schema.TaggedError<InputTooLarge>()("InputTooLarge", {
  limit: Schema.Number,
  size: Schema.Number,
  field: Schema.String,
  model: Schema.optionalKey(Schema.String),
  ...vendorFields
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    const model = this.model === undefined ? "" : ` ${this.model}`
    return withDetail(
      `Input at ${this.field} is ${this.size} bytes; ${this.provider ?? "the provider"}${model} accepts at most ${this.limit} bytes`,
      this.detail
    )
  }
}

/**
 * No API key was given to the adapter's factory and the environment variable is unset.
 * Raised lazily, on first use, before any network call.
 *
 * @category errors
 */
export class MissingApiKey extends Schema.TaggedError<MissingApiKey>()("MissingApiKey", {
  provider: Schema.String,
  variable: Schema.String,
  /** Other vendors the same request needs whose keys are missing too, when the caller knows them. */
  others: Schema.optionalKey(Schema.Array(Schema.Struct({ provider: Schema.String, variable: Schema.String })))
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    const all = [{ provider: this.provider, variable: this.variable }, ...(this.others ?? [])]
    if (all.length === 1) return `No API key for ${this.provider}: set ${this.variable} or pass apiKey to the ${this.provider}() factory`
    const and = (items: ReadonlyArray<string>) => `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`
    return `No API key for ${and(all.map((v) => v.provider))}: set ${and(all.map((v) => v.variable))} ` +
      `or pass apiKey to the ${and(all.map((v) => `${v.provider}()`))} factories`
  }
}

/** @category errors */
export class AuthenticationFailed extends Schema.TaggedError<AuthenticationFailed>()("AuthenticationFailed", {
  ...vendorFields
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    return withDetail(`Authentication failed${from(this.provider)}: check the API key`, this.detail)
  }
}

/** @category errors */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>()("PermissionDenied", {
  ...vendorFields
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    return withDetail(`Permission denied${from(this.provider)}: the key may not use this model or feature`, this.detail)
  }
}

/**
 * The account has no credit or quota left (e.g. OpenAI's 429 `insufficient_quota`). Not
 * retryable: waiting does not help.
 *
 * @category errors
 */
export class QuotaExceeded extends Schema.TaggedError<QuotaExceeded>()("QuotaExceeded", {
  ...vendorFields
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    return withDetail(`Quota exceeded${from(this.provider)}: add credit or raise the plan's limit`, this.detail)
  }
}

/**
 * The vendor asked us to slow down. `retryAfter` is in seconds when the vendor said.
 *
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  retryAfter: Schema.optionalKey(Schema.Number),
  ...vendorFields
}) {
  get retryable(): boolean {
    return true
  }
  override get message(): string {
    const after = this.retryAfter === undefined ? "" : `; retry after ${this.retryAfter}s`
    return withDetail(`Rate limited${from(this.provider)}${after}`, this.detail)
  }
}

/**
 * The host a DNS lookup failed for, read from a transport failure's description
 * (`getaddrinfo ENOTFOUND api.openai.com`, `EAI_AGAIN`); undefined for any other failure.
 */
export const unresolvedHost = (detail: string | undefined): string | undefined => {
  if (detail === undefined) return undefined
  const match = /\b(?:ENOTFOUND|EAI_AGAIN|EAI_NONAME)\s+([\w.-]+)/.exec(detail)
  return match === null ? undefined : match[1]
}

/**
 * The vendor failed or could not be reached (5xx, connection errors). Retryable unless
 * `permanent` says trying again cannot help (e.g. a local program that is not installed).
 *
 * @category errors
 */
export class ProviderUnavailable extends Schema.TaggedError<ProviderUnavailable>()("ProviderUnavailable", {
  retryAfter: Schema.optionalKey(Schema.Number),
  permanent: Schema.optionalKey(Schema.Boolean),
  ...vendorFields
}) {
  get retryable(): boolean {
    return this.permanent !== true
  }
  override get message(): string {
    const host = unresolvedHost(this.detail)
    const what = host === undefined ? "" : `: the host ${host} could not be resolved (no network, or a wrong base URL)`
    return withDetail(`Provider unavailable${from(this.provider)}${what}`, this.detail)
  }
}

/** A vendor request or a stage took longer than its timeout. @category errors */
export class ProviderTimeout extends Schema.TaggedError<ProviderTimeout>()("ProviderTimeout", {
  timeoutMs: Schema.optionalKey(Schema.Number),
  stage: Schema.optionalKey(Schema.String),
  ...vendorFields
}) {
  get retryable(): boolean {
    return true
  }
  override get message(): string {
    const stage = this.stage === undefined ? "" : ` in ${this.stage}`
    const after = this.timeoutMs === undefined ? "" : ` after ${this.timeoutMs} ms`
    return withDetail(`Timed out${stage}${from(this.provider)}${after}`, this.detail)
  }
}

/** The run or request was cancelled by the caller. @category errors */
export class Cancelled extends Schema.TaggedError<Cancelled>()("Cancelled", {
  runId: Schema.optionalKey(Schema.String),
  ...vendorFields
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    return this.runId === undefined ? "Cancelled" : `Run ${this.runId} was cancelled`
  }
}

/** The kinds of reference a {@link NotFound} names. */
export const NotFoundKind = Schema.Literals([
  "thread",
  "assistant",
  "run",
  "document",
  "memory",
  "operation",
  "key",
  "file",
  "voice"
])
export type NotFoundKind = typeof NotFoundKind.Type

/**
 * A referenced thread, assistant, run, document, memory, operation, key, file or voice does not
 * exist — or belongs to another tenant, which answers the same.
 *
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  kind: NotFoundKind,
  id: Schema.String,
  ...vendorFields
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    // a local file is named by its path; a vendor's file (with `provider`) by its id
    if (this.kind === "file" && this.provider === undefined) return withDetail(`File not found: no file at path ${JSON.stringify(this.id)}`, this.detail)
    return withDetail(`No ${this.kind} with id ${JSON.stringify(this.id)}${from(this.provider)}`, this.detail)
  }
}

/**
 * The thread already has an active run (`in_progress` or `requires_action`): a thread runs one
 * message at a time. The active run is untouched. Not retryable as is: wait for the run to end,
 * submit its tool outputs, or cancel it.
 *
 * @category errors
 */
export class ThreadBusy extends Schema.TaggedError<ThreadBusy>()("ThreadBusy", {
  threadId: Schema.String,
  /** The thread's active run. */
  runId: Schema.String,
  ...vendorFields
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    return `Thread ${JSON.stringify(this.threadId)} has an active run ${JSON.stringify(this.runId)}: ` +
      `wait for it to end (or submit its tool outputs), or cancel it, before sending another message`
  }
}

/**
 * A store's database cannot be used: unreachable, locked, corrupt, or of a newer schema.
 * `store` names the database (a file or a URL without its password), `detail` what to fix;
 * `retryable` is true when trying again can help (a lock, a connection lost).
 *
 * @category errors
 */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  store: Schema.String,
  detail: Schema.String,
  retryable: Schema.Boolean,
  provider: Schema.optionalKey(Schema.String),
  status: Schema.optionalKey(Schema.Number),
  requestId: Schema.optionalKey(Schema.String)
}) {
  override get message(): string {
    return `Store unavailable (${this.store}): ${this.detail}`
  }
}

/**
 * Stores shared by several processes (PostgreSQL) need one media-signing secret given to every
 * instance, so each verifies the media URLs the others sign; none was given. `store` names the
 * database. Not retryable: set `PATCHBAY_MEDIA_SECRET` (or `media.secret`) on every instance.
 *
 * @category errors
 */
export class MediaSecretRequired extends Schema.TaggedError<MediaSecretRequired>()("MediaSecretRequired", {
  store: Schema.String
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    return `A media secret is required with ${this.store}: every instance sharing this database must verify the media URLs ` +
      `the others sign, so they all need the same secret. Set PATCHBAY_MEDIA_SECRET (or createPatchbay's media.secret) ` +
      `to one long random value on every instance`
  }
}

/** The union of every tagged error a provider or the pipeline can fail with. */
export type ProviderError =
  | InvalidRequest
  | UnknownProvider
  | UnknownModel
  | UnsupportedFormat
  | InputTooLarge
  | MissingApiKey
  | AuthenticationFailed
  | PermissionDenied
  | QuotaExceeded
  | RateLimited
  | ProviderUnavailable
  | ProviderTimeout
  | Cancelled
  | NotFound
  | ThreadBusy
  | StoreUnavailable

/** The schema of {@link ProviderError}, for wire encoding and decoding. */
export const ProviderError = Schema.Union([
  InvalidRequest,
  UnknownProvider,
  UnknownModel,
  UnsupportedFormat,
  InputTooLarge,
  MissingApiKey,
  AuthenticationFailed,
  PermissionDenied,
  QuotaExceeded,
  RateLimited,
  ProviderUnavailable,
  ProviderTimeout,
  Cancelled,
  NotFound,
  ThreadBusy,
  StoreUnavailable
])

/** The errors a pure `validate` hook may fail with. */
export type ValidationError = InvalidRequest | UnknownModel | UnsupportedFormat | InputTooLarge

/** True for any of Patchbay's tagged errors. */
export const isProviderError = (u: unknown): u is ProviderError => Schema.is(ProviderError)(u)

/**
 * What an HTTP adapter knows about a failed vendor response.
 */
export interface HttpFailure {
  readonly provider: string
  readonly status: number
  /** The vendor's error code (`insufficient_quota`, `model_not_found`, …) when it sent one; matched case-insensitively. */
  readonly code?: string | undefined
  /** The vendor's message; secrets in it are removed. */
  readonly message?: string | undefined
  readonly requestId?: string | undefined
  /** `retry-after` in seconds, already parsed (see {@link parseRetryAfter}). */
  readonly retryAfter?: number | undefined
  /** The model the request named, for `UnknownModel`. */
  readonly model?: string | undefined
  /** The request field at fault: for `InvalidRequest` (default `request`) and `UnknownModel` (default `model`). */
  readonly field?: string | undefined
  /** The input size in bytes, for `InputTooLarge` on 413. */
  readonly size?: number | undefined
  readonly limit?: number | undefined
}

const quotaCodes = new Set(["insufficient_quota", "quota_exceeded", "billing_hard_limit_reached"])
const modelCodes = new Set(["model_not_found", "model_not_available", "invalid_model"])

/**
 * Maps a vendor's HTTP failure to the tagged error. Retryability is decided here, once, by the
 * error type: 408 and 5xx → `ProviderUnavailable`/`ProviderTimeout`, 429 → `RateLimited`
 * (or `QuotaExceeded` when the vendor's code says the quota is spent), other 4xx are final.
 *
 * @category constructors
 */
export const fromHttpFailure = (failure: HttpFailure): ProviderError => {
  const vendor = {
    provider: failure.provider,
    status: failure.status,
    ...(failure.requestId === undefined ? {} : { requestId: failure.requestId }),
    ...(failure.message === undefined ? {} : { detail: redactSecrets(failure.message) })
  }
  // Vendors are not consistent about case (`INSUFFICIENT_QUOTA`, `Model_Not_Found`).
  const code = failure.code?.toLowerCase()
  const status = failure.status
  if (code !== undefined && quotaCodes.has(code)) return new QuotaExceeded(vendor)
  if (code !== undefined && modelCodes.has(code)) {
    return new UnknownModel({ ...vendor, model: failure.model ?? "", field: failure.field ?? "model", allowed: [] })
  }
  switch (status) {
    case 401:
      return new AuthenticationFailed(vendor)
    case 402:
      return new QuotaExceeded(vendor)
    case 403:
      return new PermissionDenied(vendor)
    case 404:
      return failure.model !== undefined
        ? new UnknownModel({ ...vendor, model: failure.model, field: failure.field ?? "model", allowed: [] })
        : new NotFound({ ...vendor, kind: "file", id: failure.field ?? "" })
    case 408:
      return new ProviderTimeout(vendor)
    case 413:
      return new InputTooLarge({
        ...vendor,
        field: failure.field ?? "audio_file",
        limit: failure.limit ?? 0,
        size: failure.size ?? 0,
        ...(failure.model === undefined ? {} : { model: failure.model })
      })
    case 429:
      return new RateLimited({ ...vendor, ...(failure.retryAfter === undefined ? {} : { retryAfter: failure.retryAfter }) })
  }
  if (status >= 500) {
    return new ProviderUnavailable({ ...vendor, ...(failure.retryAfter === undefined ? {} : { retryAfter: failure.retryAfter }) })
  }
  return new InvalidRequest({ ...vendor, field: failure.field ?? "request", reason: `rejected by ${failure.provider} (HTTP ${status})` })
}

/**
 * Parses a `retry-after` header (seconds, or an HTTP date) or `retry-after-ms` into seconds.
 * `now` is the current time in milliseconds, from the Effect `Clock` in pipeline code.
 */
export const parseRetryAfter = (
  headers: { get(name: string): string | null },
  now: number
): number | undefined => {
  const ms = headers.get("retry-after-ms")
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms) / 1000)
  const value = headers.get("retry-after")
  if (value === null || value.trim() === "") return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000)
}

/**
 * The mark (a property set to `true`) of an error a test transport fails a request with because
 * it has no answer for it — a cassette replay that matches no interaction. That is a programming
 * error in a test, a cassette or an adapter, never an outage: {@link fromRequestFailure} maps it
 * to a final `InvalidRequest`, so nothing retries it.
 */
export const unanswerableRequest: unique symbol = Symbol.for("@patchbay/core/unanswerable-request")

/** The first error of a cause chain marked {@link unanswerableRequest}. */
const unanswerableIn = (cause: unknown): Error | undefined => {
  for (let current: unknown = cause, depth = 0; current instanceof Error && depth < 8; depth++) {
    if ((current as { readonly [unanswerableRequest]?: unknown })[unanswerableRequest] === true) return current
    current = current.cause
  }
  return undefined
}

/**
 * Maps a request that failed without a vendor response (no connection, a dropped one):
 * `ProviderUnavailable` (retryable) with `detail`; but when a test transport refused the request
 * ({@link unanswerableRequest} anywhere in the cause chain), a final `InvalidRequest` whose
 * reason is the transport's own message (for a replay: each difference on its own line).
 *
 * @category constructors
 */
export const fromRequestFailure = (provider: string, cause: unknown, detail: string): ProviderError => {
  const refused = unanswerableIn(cause)
  return refused === undefined
    ? new ProviderUnavailable({ provider, detail: redactSecrets(detail) })
    : new InvalidRequest({ provider, field: "request", reason: redactSecrets(refused.message) })
}
