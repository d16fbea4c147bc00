/**
 * OpenRouter's wire format, where it needs more than the AI SDK provider gives: the error
 * envelope (also inside an HTTP 200 stream, as a chunk with `error` and `finish_reason:
 * "error"`), the usage with its `cost`, and generated images — `choices[].message.images` /
 * `choices[].delta.images`, data URLs, whose items some upstream providers send without the
 * `type: "image_url"` that `@openrouter/ai-sdk-provider` requires (its schema silently drops
 * such items). {@link repairImageParts} adds the missing `type` on the way in, streaming.
 * Keep-alive comment lines (`: OPENROUTER PROCESSING`) pass untouched; the SSE parser skips them.
 *
 * @since 0.1.0
 */
import { type HttpFailure, type ProviderError, ProviderTimeout } from "@patchbay/core"
import { APICallError } from "ai"
import { Option, Schema } from "effect"
import { PROVIDER } from "./Models.ts"

/**
 * OpenRouter's error envelope, for failed responses and for error chunks of a stream:
 * `{ error: { code, message, metadata?: { error_type, provider_name, raw, … } } }`.
 *
 * @category schemas
 */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.Number, Schema.String]))),
    message: Schema.String,
    metadata: Schema.optionalKey(Schema.NullOr(Schema.Struct({
      error_type: Schema.optionalKey(Schema.String),
      provider_name: Schema.optionalKey(Schema.NullOr(Schema.String)),
      provider_code: Schema.optionalKey(Schema.String)
    })))
  })
})
export type ErrorBody = typeof ErrorBody.Type

/** The error object of a stream's error chunk, as the AI SDK provider hands it on. */
export const StreamError = ErrorBody.fields.error
export type StreamError = typeof StreamError.Type

/** OpenRouter usage as the AI SDK provider reports it in `providerMetadata.openrouter.usage`. */
const ProviderMetadata = Schema.Struct({
  openrouter: Schema.Struct({ usage: Schema.Struct({ cost: Schema.optionalKey(Schema.Number) }) })
})

const decodeMetadata = Schema.decodeUnknownOption(ProviderMetadata)
const decodeStreamError = Schema.decodeUnknownOption(StreamError)
const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

/** The call's cost in USD, from the AI SDK's provider metadata. */
export const costOf = (providerMetadata: unknown): number | undefined =>
  Option.getOrUndefined(decodeMetadata(providerMetadata))?.openrouter.usage.cost

const notAModel = /is not a valid model id|no endpoints found|model .* (?:does not exist|not found)/i

/**
 * OpenRouter's errors, where the bridge's generic mapping needs help: an id OpenRouter does not
 * know (a 400 or 404 saying so) is `UnknownModel`; a 524 edge timeout is `ProviderTimeout`;
 * an error chunk in a stream takes the status its `code` names and its `metadata.error_type`.
 * Anything else falls through to the generic mapping (`undefined`).
 */
export const readError = (error: unknown): HttpFailure | ProviderError | undefined => {
  if (APICallError.isInstance(error)) {
    const sent = error.requestBodyValues
    const model = typeof sent === "object" && sent !== null && typeof (sent as { model?: unknown }).model === "string"
      ? (sent as { model: string }).model
      : undefined
    const body = Option.getOrUndefined(decodeErrorBody(error.data))?.error
    const message = error.message === "" ? body?.message : error.message
    if ((error.statusCode === 400 || error.statusCode === 404) && notAModel.test(`${message ?? ""} ${body?.message ?? ""}`)) {
      return { provider: PROVIDER, status: error.statusCode, code: "model_not_found", model, message }
    }
    if (error.statusCode === 524) return new ProviderTimeout({ provider: PROVIDER, status: 524, ...(message === undefined ? {} : { detail: message }) })
    return undefined
  }
  const chunk = Option.getOrUndefined(decodeStreamError(error))
  if (chunk === undefined) return undefined
  const status = typeof chunk.code === "number" ? chunk.code : Number(chunk.code)
  if (!Number.isInteger(status) || status < 400 || status > 599) return undefined
  const provider = chunk.metadata?.provider_name
  return {
    provider: PROVIDER,
    status,
    code: chunk.metadata?.error_type,
    message: provider === undefined || provider === null ? chunk.message : `[${provider}] ${chunk.message}`
  }
}

// ---------------------------------------------------------------------------------------------
// Images without their `type`
// ---------------------------------------------------------------------------------------------

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Gives every image item of `choices[].message|delta.images` its `type: "image_url"`; true when one changed. */
const repairChoices = (body: unknown): boolean => {
  if (!isRecord(body) || !Array.isArray(body["choices"])) return false
  let changed = false
  for (const choice of body["choices"]) {
    if (!isRecord(choice)) continue
    for (const holder of [choice["message"], choice["delta"]]) {
      if (!isRecord(holder) || !Array.isArray(holder["images"])) continue
      holder["images"] = holder["images"].map((item: unknown) => {
        if (!isRecord(item) || item["type"] === "image_url") return item
        const url = typeof item["image_url"] === "string" ? item["image_url"] : isRecord(item["image_url"]) ? item["image_url"]["url"] : undefined
        if (typeof url !== "string" || item["type"] !== undefined) return item
        changed = true
        return { ...item, type: "image_url", image_url: isRecord(item["image_url"]) ? item["image_url"] : { url } }
      })
    }
  }
  return changed
}

/** A JSON body with its image items repaired; the text unchanged when nothing needed it. */
export const repairJson = (text: string): string => {
  if (!text.includes("\"images\"")) return text
  try {
    const body: unknown = JSON.parse(text)
    return repairChoices(body) ? JSON.stringify(body) : text
  } catch {
    return text
  }
}

/** One SSE line (without its `\n`) with the JSON of a `data:` field repaired. */
const repairLine = (raw: string): string => {
  const cr = raw.endsWith("\r") ? "\r" : ""
  const match = /^data:( ?)(.*)$/s.exec(cr === "" ? raw : raw.slice(0, -1))
  if (match === null) return raw
  const data = match[2] ?? ""
  const fixed = repairJson(data)
  return fixed === data ? raw : `data:${match[1] ?? ""}${fixed}${cr}`
}

/** Repairs each `data:` line of a server-sent-events body as it passes; whole lines go on at once. */
const repairSse = (): TransformStream<Uint8Array, Uint8Array> => {
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  let pending = ""
  return new TransformStream({
    transform(chunk, controller) {
      pending += decoder.decode(chunk, { stream: true })
      const lines = pending.split("\n")
      pending = lines.pop() ?? ""
      if (lines.length > 0) controller.enqueue(encoder.encode(lines.map((l) => `${repairLine(l)}\n`).join("")))
    },
    flush(controller) {
      pending += decoder.decode()
      if (pending !== "") controller.enqueue(encoder.encode(repairLine(pending)))
    }
  })
}

/**
 * Wraps a `fetch` so that OpenRouter's image items always carry `type: "image_url"` before
 * `@openrouter/ai-sdk-provider` reads them — JSON bodies whole, event streams line by line as
 * they arrive. Everything else (status, headers, the abort signal, failures, comment lines)
 * passes through unchanged.
 */
export const repairImageParts = (inner: typeof fetch): typeof fetch => {
  const repaired = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]): Promise<Response> => {
    const response = await inner(input, init)
    if (!response.ok || response.body === null) return response
    const type = response.headers.get("content-type") ?? ""
    const rewrap = (body: BodyInit) => new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
    if (type.includes("text/event-stream")) return rewrap(response.body.pipeThrough(repairSse()))
    if (type.includes("json")) return rewrap(repairJson(await response.text()))
    return response
  }
  return repaired as typeof fetch
}
