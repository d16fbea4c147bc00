/**
 * Mapping OpenAI's failures to Patchbay's tagged errors, once for every capability. An HTTP
 * error (the SDK's `APIError`, built from the `{ error: { message, type, param, code } }`
 * envelope) goes through core's `fromHttpFailure` with its status, code (`insufficient_quota` →
 * `QuotaExceeded`, `model_not_found` → `UnknownModel`), message, `x-request-id` and
 * `retry-after`; `param` names the request field at fault. A failure without a response (a
 * dropped connection, a timeout) and an error event in the middle of a stream get their own
 * tags. Realtime sessions add two: an `error` event on the session's socket, and an upgrade the
 * service refuses. Vendor messages are redacted by core before an error keeps them.
 */
import {
  Cancelled,
  fromHttpFailure,
  fromRequestFailure,
  NotFound,
  parseRetryAfter,
  type ProviderError,
  ProviderTimeout,
  ProviderUnavailable,
  redactSecrets,
  UnknownModel
} from "@patchbay/core"
import { describeCause as describe, streamFailure } from "@patchbay/core/adapter"
import type { IncomingHttpHeaders } from "node:http"
import { APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai"
import type { RealtimeError } from "openai/resources/realtime/realtime"
import { MAX_UPLOAD_BYTES, PROVIDER } from "../Models.ts"
import { EmbeddingOptions, ImageOptions, LlmOptions, SttOptions, TtsOptions } from "../Options.ts"
import type { ErrorBody } from "../Wire.ts"

/** Which call failed: enough to name the request field at fault and fill the error's data. */
export interface FailureContext {
  readonly capability: "stt" | "tts" | "llm" | "image" | "embedding"
  readonly model: string
  /** The upload's size in bytes, when known (for a 413). */
  readonly size?: number | undefined
  /** The voice asked for (for a 404 on a custom voice). */
  readonly voice?: string | undefined
}

/** Where each capability's fields sit in a `MessageRequest`. */
const layout = {
  stt: {
    base: "voice.stt",
    options: Object.keys(SttOptions.fields),
    fields: { model: "voice.stt.model", file: "audio_file", language: "voice.stt.language" } as Record<string, string>
  },
  tts: {
    base: "voice.tts",
    options: Object.keys(TtsOptions.fields),
    fields: {
      model: "voice.tts.model",
      voice: "voice.tts.voice",
      response_format: "voice.tts.output_format",
      input: "content"
    } as Record<string, string>
  },
  llm: {
    base: "",
    options: Object.keys(LlmOptions.fields),
    fields: { model: "model_name", messages: "content", tools: "tools" } as Record<string, string>
  },
  image: {
    base: "",
    options: Object.keys(ImageOptions.fields),
    fields: { model: "image_model_name", prompt: "prompt", size: "size", image: "input_images", "image[]": "input_images" } as Record<string, string>
  },
  embedding: {
    base: "",
    options: Object.keys(EmbeddingOptions.fields),
    fields: { model: "model", input: "texts", dimensions: "dimensions" } as Record<string, string>
  }
} as const

/** The path of an option under `provider_options.openai` for a capability (`voice.stt.provider_options.openai.prompt`). */
export const optionField = (capability: FailureContext["capability"], name: string): string => {
  const base = layout[capability].base
  return `${base === "" ? "" : `${base}.`}provider_options.${PROVIDER}.${name}`
}

/** The request field a vendor `param` names, else the stage itself. */
export const fieldOf = (capability: FailureContext["capability"], param: string | null | undefined): string => {
  const { base, fields, options } = layout[capability]
  if (param === null || param === undefined || param === "") return base === "" ? "request" : base
  const own = fields[param]
  if (own !== undefined) return own
  const name = param.replace(/\[\]$/, "")
  return options.includes(name) ? optionField(capability, name) : param
}

const modelCodes = new Set(["model_not_found", "model_not_available", "invalid_model"])

/** The size the server counted, from its 413 message ("… exceeded (27262976 bytes read)"). */
const sizeFromMessage = (message: string | undefined): number | undefined => {
  const found = message?.match(/\((\d+) bytes read\)/)?.[1]
  return found === undefined ? undefined : Number(found)
}

/**
 * Maps an HTTP failure the SDK reports (`APIError` with a status) to the tagged error: status,
 * code, message, request id, retry-after, the model and the field at fault.
 */
const fromApiError = (error: APIError, context: FailureContext, now: number): ProviderError => {
  const status = error.status as number
  const body = error.error as { readonly message?: unknown; readonly type?: unknown } | undefined
  const message = typeof body?.message === "string" ? body.message : error.message
  const code = error.code ?? (typeof body?.type === "string" ? body.type : undefined)
  const requestId = error.requestID ?? undefined
  const retryAfter = error.headers === undefined ? undefined : parseRetryAfter(error.headers, now)
  const param = error.param
  const namesModel = (code !== null && code !== undefined && modelCodes.has(code)) || param === "model"
  if (status === 404 && !namesModel && param === "voice" && context.voice !== undefined) {
    return new NotFound({
      provider: PROVIDER,
      status,
      kind: "voice",
      id: context.voice,
      ...(requestId === undefined ? {} : { requestId }),
      detail: redactSecrets(message)
    })
  }
  const mapped = fromHttpFailure({
    provider: PROVIDER,
    status,
    code: code ?? undefined,
    message,
    requestId,
    retryAfter,
    model: namesModel || status === 404 ? context.model : undefined,
    field: fieldOf(context.capability, param),
    ...(status === 413
      ? {
        field: context.capability === "stt" ? "audio_file" : fieldOf(context.capability, param),
        size: sizeFromMessage(message) ?? context.size,
        limit: context.capability === "stt" ? MAX_UPLOAD_BYTES : undefined
      }
      : {})
  })
  // fromHttpFailure names the field `model`; in a request it is the stage's own model field.
  if (mapped._tag !== "UnknownModel") return mapped
  return new UnknownModel({
    provider: PROVIDER,
    status,
    model: mapped.model,
    field: fieldOf(context.capability, "model"),
    allowed: mapped.allowed,
    ...(mapped.requestId === undefined ? {} : { requestId: mapped.requestId }),
    ...(mapped.detail === undefined ? {} : { detail: mapped.detail })
  })
}

/**
 * Maps anything a request can fail with — the SDK's `APIError`s, a timeout, an abort, a dropped
 * connection — to a tagged error. `now` is the time in milliseconds, for `retry-after` dates.
 */
export const toProviderError = (cause: unknown, context: FailureContext, now: number): ProviderError => {
  if (cause instanceof APIUserAbortError) return new Cancelled({ provider: PROVIDER })
  if (cause instanceof APIConnectionTimeoutError) {
    return new ProviderTimeout({ provider: PROVIDER, detail: redactSecrets(describe(cause)) })
  }
  if (cause instanceof APIError && typeof cause.status === "number") return fromApiError(cause, context, now)
  return fromRequestFailure(PROVIDER, cause, `the request failed: ${describe(cause)}`)
}

/**
 * Maps an error reported inside a stream that had started (an event with an `error` key): the
 * HTTP status was 200, so only the code (or, without one, the type) says what happened. An
 * `invalid_request_error` is what a 400 carries, and maps as the 400 would: a final
 * `InvalidRequest` naming the request field (as the HTTP path maps it, given the capability).
 */
export const fromStreamError = (error: ErrorBody["error"], requestId: string | undefined, capability?: FailureContext["capability"]): ProviderError => {
  const code = typeof error.code === "string" ? error.code : error.type ?? undefined
  const param = capability === undefined ? (typeof error.param === "string" ? error.param : "request") : fieldOf(capability, error.param)
  const mapped = streamFailure(PROVIDER, { code, message: error.message ?? undefined, param }, requestId)
  if (mapped._tag !== "ProviderUnavailable" || error.type !== "invalid_request_error") return mapped
  return fromHttpFailure({
    provider: PROVIDER,
    status: 400,
    code,
    message: error.message ?? undefined,
    requestId,
    field: param
  })
}

const realtimeAuthNames = new Set(["authentication_error", "invalid_api_key", "invalid_authentication", "unauthorized"])

/**
 * Maps an `error` event of a realtime session: authentication (`invalid_api_key`) →
 * `AuthenticationFailed`, a rate limit (`rate_limit_exceeded`) → `RateLimited`, a spent quota →
 * `QuotaExceeded`, `invalid_request_error` → `InvalidRequest` naming `param`, anything else
 * (`server_error`) → `ProviderUnavailable`.
 */
export const fromRealtimeError = (error: RealtimeError): ProviderError => {
  const names = [error.code, error.type].filter((n): n is string => typeof n === "string").map((n) => n.toLowerCase())
  const code = error.code ?? undefined
  if (names.some((n) => realtimeAuthNames.has(n))) return fromHttpFailure({ provider: PROVIDER, status: 401, code, message: error.message })
  if (!names.includes("insufficient_quota") && names.some((n) => n.startsWith("rate_limit"))) {
    return fromHttpFailure({ provider: PROVIDER, status: 429, code, message: error.message })
  }
  return fromStreamError(
    {
      message: error.message,
      type: error.type,
      ...(typeof error.param === "string" ? { param: error.param } : {}),
      ...(typeof error.code === "string" ? { code: error.code } : {})
    },
    undefined
  )
}

/**
 * Maps a realtime upgrade the service refused, by its HTTP status and `{ error }` body, like any
 * HTTP failure (401 → `AuthenticationFailed`, 429 → `RateLimited`, 5xx → `ProviderUnavailable`).
 * `now` is the time in milliseconds, for a `retry-after` date.
 */
export const fromRefusedUpgrade = (status: number, body: string, headers: IncomingHttpHeaders, now: number): ProviderError => {
  let vendor: { readonly message?: unknown; readonly code?: unknown; readonly type?: unknown } = {}
  try {
    const parsed = JSON.parse(body) as { readonly error?: typeof vendor } | null
    vendor = parsed?.error ?? {}
  } catch {
    // Not JSON: the status says enough.
  }
  const header = (name: string) => {
    const value = headers[name]
    return typeof value === "string" ? value : null
  }
  const code = typeof vendor.code === "string" ? vendor.code : typeof vendor.type === "string" ? vendor.type : undefined
  return fromHttpFailure({
    provider: PROVIDER,
    status,
    code,
    message: typeof vendor.message === "string" ? vendor.message : `the realtime connection was refused (HTTP ${status})`,
    requestId: header("x-request-id") ?? undefined,
    retryAfter: parseRetryAfter({ get: header }, now),
    field: "voice.stt"
  })
}
