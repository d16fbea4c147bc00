/**
 * Mapping the vendor's failures to Patchbay's tagged errors, once. The API answers with three
 * body shapes — `{"detail": {code, status, message, request_id, param}}` (current),
 * `{"detail": {status, message}}` (legacy) and `{"detail": [{loc, msg, type}]}` (422 schema
 * validation) — which are read here and handed to core's `fromHttpFailure` with the status, the
 * request id (`request-id` header), `retry-after` and the request field at fault. Two cases are
 * ElevenLabs' own: an unknown voice (404, or `voice_not_found`) is `NotFound` of kind `voice`,
 * and text over the model's limit (`max_character_limit_exceeded`) is `InputTooLarge`.
 */
import { ElevenLabsError, ElevenLabsTimeoutError } from "@elevenlabs/elevenlabs-js"
import {
  fromHttpFailure,
  fromRequestFailure,
  InputTooLarge,
  NotFound,
  parseRetryAfter,
  type ProviderError,
  ProviderTimeout,
  ProviderUnavailable,
  redactSecrets
} from "@patchbay/core"
import { Schema } from "effect"
import { PROVIDER } from "../Models.ts"
import { ErrorBody } from "../Wire.ts"

/** What a failure needs beyond the response to be mapped: the call's model, voice, sizes and fields. */
export interface FailureContext {
  readonly capability: "stt" | "tts"
  readonly model: string
  /** TTS: the voice requested, for `NotFound`. */
  readonly voice?: string | undefined
  /** STT: the upload's size and limit, for `InputTooLarge`. */
  readonly size?: number | undefined
  readonly limit?: number | undefined
  /** TTS: the text's length and the model's limit in characters. */
  readonly characters?: number | undefined
  readonly characterLimit?: number | undefined
  /** The request field of each vendor parameter (`model_id` → `voice.stt.model`). */
  readonly fields: (param: string) => string
}

/** What the body of a failed response says, whichever of the three shapes it has. */
export interface ErrorFacts {
  readonly code: string | undefined
  readonly message: string | undefined
  readonly requestId: string | undefined
  /** The vendor parameter at fault, with any nested path (`voice_settings.stability`). */
  readonly param: string | undefined
}

const decodeBody = Schema.decodeUnknownOption(ErrorBody)

/** Reads an error body (parsed JSON, or text) into its code, message, request id and parameter. */
export const errorFacts = (body: unknown): ErrorFacts => {
  const parsed = typeof body === "string" ? parseJson(body) : body
  const decoded = decodeBody(parsed)
  if (decoded._tag === "None") {
    const text = typeof body === "string" ? body : undefined
    return { code: undefined, message: text === undefined || text === "" ? undefined : text.slice(0, 500), requestId: undefined, param: undefined }
  }
  const detail = decoded.value.detail
  if (typeof detail === "string") return { code: undefined, message: detail, requestId: undefined, param: undefined }
  if (Array.isArray(detail)) {
    const issues = detail as ReadonlyArray<{ readonly loc: ReadonlyArray<string | number>; readonly msg: string; readonly type: string }>
    const first = issues[0]
    const path = (first?.loc ?? []).filter((part, i) => !(i === 0 && (part === "body" || part === "query" || part === "path")))
    return {
      code: first?.type,
      message: issues.map((issue) => `${issue.loc.join(".")}: ${issue.msg}`).join("; "),
      requestId: undefined,
      param: path.length === 0 ? undefined : path.map(String).join(".")
    }
  }
  const fields = detail as {
    readonly code?: string | null
    readonly status?: string | null
    readonly message?: string | null
    readonly request_id?: string | null
    readonly param?: string | null
  }
  return {
    code: fields.code ?? fields.status ?? undefined,
    message: fields.message ?? undefined,
    requestId: fields.request_id ?? undefined,
    param: fields.param ?? undefined
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Codes the vendor uses for text longer than the model takes. */
const textTooLong = new Set(["max_character_limit_exceeded", "text_too_long"])

/** The request field for a vendor parameter path: its first segment mapped, the rest kept. */
const fieldOf = (param: string | undefined, context: FailureContext): string | undefined => {
  if (param === undefined) return undefined
  const [head = "", ...rest] = param.split(".")
  return [context.fields(head), ...rest].join(".")
}

/** Maps a failed HTTP response (status, parsed body, headers) to the tagged error. */
export const fromResponse = (
  response: { readonly status: number; readonly body: unknown; readonly headers: { get(name: string): string | null } },
  context: FailureContext,
  now: number
): ProviderError => {
  const facts = errorFacts(response.body)
  const requestId = response.headers.get("request-id") ?? response.headers.get("x-request-id") ?? facts.requestId
  const vendor = {
    provider: PROVIDER,
    status: response.status,
    ...(requestId === undefined ? {} : { requestId }),
    ...(facts.message === undefined ? {} : { detail: redactSecrets(facts.message) })
  }
  const code = facts.code?.toLowerCase()
  if (context.capability === "tts" && (response.status === 404 || code === "voice_not_found")) {
    return new NotFound({ ...vendor, kind: "voice", id: context.voice ?? "" })
  }
  if (code !== undefined && textTooLong.has(code)) {
    return new InputTooLarge({
      ...vendor,
      field: "text",
      model: context.model,
      limit: context.characterLimit ?? 0,
      size: context.characters ?? 0
    })
  }
  return fromHttpFailure({
    provider: PROVIDER,
    status: response.status,
    code: facts.code,
    message: facts.message,
    requestId,
    retryAfter: parseRetryAfter(response.headers, now),
    model: context.model,
    field: fieldOf(facts.param, context) ?? (response.status === 413 ? "audio_file" : undefined),
    size: context.size,
    limit: context.limit
  })
}

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** An error's message with those of its causes, innermost last: `fetch failed (ECONNRESET)`. */
const describeChain = (cause: unknown): string => {
  const messages: Array<string> = []
  for (let current: unknown = cause, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const message = describe(current)
    if (messages.at(-1) !== message) messages.push(message)
    current = current instanceof Error ? current.cause : undefined
  }
  return messages.length <= 1 ? (messages[0] ?? "") : `${messages[0]} (${messages.slice(1).join(": ")})`
}

/**
 * Maps whatever an SDK call rejected with: an HTTP failure (`ElevenLabsError` with a status),
 * the SDK's own timeout, a connection failure, or a response the SDK could not parse.
 */
export const fromSdkError = (cause: unknown, context: FailureContext, now: number): ProviderError => {
  if (cause instanceof ElevenLabsTimeoutError) {
    return new ProviderTimeout({ provider: PROVIDER, stage: context.capability, detail: redactSecrets(describe(cause)) })
  }
  if (cause instanceof ElevenLabsError && cause.statusCode !== undefined && cause.statusCode >= 400) {
    const headers = cause.rawResponse?.headers ?? new Headers()
    return fromResponse({ status: cause.statusCode, body: cause.body, headers }, context, now)
  }
  if (cause instanceof ElevenLabsError) return fromRequestFailure(PROVIDER, cause, `the request failed: ${describeChain(cause)}`)
  return new ProviderUnavailable({ provider: PROVIDER, detail: redactSecrets(`unexpected response: ${describe(cause)}`) })
}

/**
 * Maps a request that got no answer — refused, unresolvable, reset, or past the SDK's deadline —
 * as the SDK would have reported it had its `fetch` rejected.
 */
export const fromTransportFailure = (
  failure: { readonly cause: unknown; readonly timedOut: boolean },
  context: FailureContext
): ProviderError =>
  failure.timedOut
    ? new ProviderTimeout({ provider: PROVIDER, stage: context.capability, detail: "the request timed out before its response started" })
    : fromRequestFailure(PROVIDER, failure.cause, `the request failed: ${describeChain(failure.cause)}`)
