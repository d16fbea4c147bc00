/**
 * The AI SDK's shapes (provider specification V4) on one side, Patchbay's on the other: the
 * prompt and tools a language model takes, the usage, warnings and finish reasons it reports,
 * the bytes of generated files, and — once, for every capability — its errors turned into
 * core's tagged errors (`APICallError` with its status, headers and body, error parts of a
 * stream, the SDK's own error classes).
 *
 * @since 0.1.0
 */
import {
  APICallError,
  EmptyResponseBodyError,
  InvalidArgumentError,
  InvalidPromptError,
  InvalidResponseDataError,
  JSONParseError,
  type JSONValue,
  type LanguageModelV4FinishReason,
  type LanguageModelV4FunctionTool,
  type LanguageModelV4Message,
  type LanguageModelV4Prompt,
  type LanguageModelV4Usage,
  LoadAPIKeyError,
  NoContentGeneratedError,
  NoSuchModelError,
  type SharedV4Warning,
  TypeValidationError,
  UnsupportedFunctionalityError
} from "@ai-sdk/provider"
import {
  Cancelled,
  fromHttpFailure,
  fromRequestFailure,
  type HttpFailure,
  InvalidRequest,
  isProviderError,
  type LlmEvent,
  type LlmMessage,
  MissingApiKey,
  parseRetryAfter,
  type ProviderError,
  ProviderTimeout,
  ProviderUnavailable,
  redactSecrets,
  type ToolDefinition,
  UnknownModel,
  type Usage
} from "@patchbay/core"

// ---------------------------------------------------------------------------------------------
// Prompt and tools
// ---------------------------------------------------------------------------------------------

const parseArguments = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * Patchbay's conversation as an AI SDK prompt: tool calls with their parsed arguments, tool
 * results named after the call they answer, images as file parts.
 */
export const toPrompt = (messages: ReadonlyArray<LlmMessage>): LanguageModelV4Prompt => {
  const toolNames = new Map<string, string>()
  return messages.map((message): LanguageModelV4Message => {
    switch (message.role) {
      case "system":
        return { role: "system", content: message.content }
      case "user":
        return {
          role: "user",
          content: typeof message.content === "string"
            ? [{ type: "text", text: message.content }]
            : message.content.map((part) =>
              part.type === "text"
                ? { type: "text" as const, text: part.text }
                : { type: "file" as const, mediaType: part.media_type, data: { type: "data" as const, data: part.data } }
            )
        }
      case "assistant": {
        const calls = message.tool_calls ?? []
        for (const call of calls) toolNames.set(call.id, call.function.name)
        return {
          role: "assistant",
          content: [
            ...(message.content === "" ? [] : [{ type: "text" as const, text: message.content }]),
            ...calls.map((call) => ({
              type: "tool-call" as const,
              toolCallId: call.id,
              toolName: call.function.name,
              input: parseArguments(call.function.arguments)
            }))
          ]
        }
      }
      case "tool":
        return {
          role: "tool",
          content: [{
            type: "tool-result",
            toolCallId: message.tool_call_id,
            toolName: toolNames.get(message.tool_call_id) ?? "",
            output: { type: "text", value: message.content }
          }]
        }
    }
  })
}

/** Tools in the OpenAI function format as AI SDK function tools. */
export const toTools = (tools: ReadonlyArray<ToolDefinition> | undefined): Array<LanguageModelV4FunctionTool> | undefined =>
  tools === undefined || tools.length === 0
    ? undefined
    : tools.map((tool) => ({
      type: "function",
      name: tool.function.name,
      ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
      inputSchema: (tool.function.parameters ?? { type: "object", properties: {} }) as LanguageModelV4FunctionTool["inputSchema"],
      ...(tool.function.strict === undefined ? {} : { strict: tool.function.strict })
    }))

// ---------------------------------------------------------------------------------------------
// Usage, warnings, finish reasons
// ---------------------------------------------------------------------------------------------

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const count = (u: unknown): number | undefined => (typeof u === "number" && Number.isFinite(u) && u >= 0 ? u : undefined)

/** Builds a `Usage` with only the fields that were reported. */
export const usageOf = (fields: { readonly [K in keyof Usage]?: number | undefined }): Usage => {
  const out: { -readonly [K in keyof Usage]: Usage[K] } = {}
  for (const [key, value] of Object.entries(fields) as Array<[keyof Usage, number | undefined]>) {
    if (count(value) !== undefined) out[key] = value as number
  }
  return out
}

/**
 * A language model's usage: input and output tokens as reported; the total is the vendor's
 * own `total_tokens` when its raw usage has one, else the sum of the two reported counts.
 */
export const languageModelUsage = (usage: LanguageModelV4Usage | undefined): Usage => {
  if (usage === undefined) return {}
  const input = count(usage.inputTokens.total)
  const output = count(usage.outputTokens.total)
  const rawTotal = isRecord(usage.raw) ? count(usage.raw["total_tokens"] ?? usage.raw["totalTokens"]) : undefined
  const total = rawTotal ?? (input !== undefined && output !== undefined ? input + output : undefined)
  return usageOf({ input_tokens: input, output_tokens: output, total_tokens: total })
}

/**
 * Usage from a vendor's own JSON usage object (transcription and speech models pass it on
 * as is): token counts, billed audio seconds and characters under their common names.
 */
export const usageFromJson = (raw: unknown): Usage => {
  if (!isRecord(raw)) return {}
  const pick = (...names: ReadonlyArray<string>) => names.map((n) => count(raw[n])).find((v) => v !== undefined)
  const seconds = raw["type"] === "duration" ? count(raw["seconds"]) : pick("audio_seconds", "audioSeconds", "duration_seconds")
  return usageOf({
    input_tokens: pick("input_tokens", "inputTokens", "prompt_tokens"),
    output_tokens: pick("output_tokens", "outputTokens", "completion_tokens"),
    audio_tokens: pick("audio_tokens", "audioTokens"),
    total_tokens: pick("total_tokens", "totalTokens"),
    audio_seconds: seconds,
    characters: pick("characters", "character_count", "input_characters", "inputCharacters")
  })
}

/** One AI SDK warning as the sentence a record's `warnings` holds. */
export const warningText = (warning: SharedV4Warning): string => {
  switch (warning.type) {
    case "unsupported":
      return `${warning.feature} is not supported${warning.details === undefined ? "" : `: ${warning.details}`}`
    case "compatibility":
      return `${warning.feature} runs in compatibility mode${warning.details === undefined ? "" : `: ${warning.details}`}`
    case "deprecated":
      return `${warning.setting} is deprecated: ${warning.message}`
    case "other":
      return warning.message
  }
}

/** The finish reasons Patchbay's `finish` event carries. */
export type FinishReason = Extract<LlmEvent, { type: "finish" }>["reason"]

/**
 * The AI SDK's unified finish reason in Patchbay's terms; `error` and `interrupted` (the
 * vendor's stream ended without completing) are failures, not reasons.
 */
export const finishReason = (reason: LanguageModelV4FinishReason): FinishReason | "error" | "interrupted" => {
  switch (reason.unified) {
    case "stop":
      return "stop"
    case "length":
      return "length"
    case "content-filter":
      return "content_filter"
    case "tool-calls":
      return "tool_calls"
    case "error":
      return "error"
    case "interrupted":
      return "interrupted"
    case "other":
      return "other"
  }
}

// ---------------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------------

/** Generated data as bytes: the AI SDK gives base64 text or bytes. */
export const toBytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === "string" ? new Uint8Array(Buffer.from(data.replace(/^data:[^,]*,/, ""), "base64")) : data

const startsWith = (bytes: Uint8Array, signature: ReadonlyArray<number>, at = 0) =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b)

/**
 * The media type of an image from its first bytes (PNG, JPEG, GIF, WebP), else the declared
 * one: the bytes decide, so a result is labelled with what it is.
 */
export const imageMediaType = (bytes: Uint8Array, declared: string | undefined): string => {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png"
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg"
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return "image/gif"
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return "image/webp"
  return declared ?? "application/octet-stream"
}

/** Response headers as a `Headers` (the AI SDK gives a plain record). */
export const headersOf = (headers: Readonly<Record<string, string>> | undefined): Headers => {
  const out = new Headers()
  for (const [name, value] of Object.entries(headers ?? {})) {
    try {
      out.set(name, value)
    } catch {
      // a header name fetch would refuse cannot matter here
    }
  }
  return out
}

const requestIdHeaders = ["x-request-id", "request-id", "x-amzn-requestid", "x-goog-request-id"]

/** The vendor's request id from its response headers, when it sent one. */
export const requestIdOf = (headers: Readonly<Record<string, string>> | undefined): string | undefined => {
  const all = headersOf(headers)
  for (const name of requestIdHeaders) {
    const value = all.get(name)
    if (value !== null && value !== "") return value
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** What the error mapping needs to know about the call that failed. */
export interface ErrorContext {
  /** The Patchbay provider id. */
  readonly provider: string
  readonly model: string
  /** The request field a rejected request is blamed on (`messages`, `prompt`, `audio_file`, …). */
  readonly field: string
  /** Where the options came from (`provider_options.openrouter`). */
  readonly optionsField: string
  /** The request field naming the model (`model_name`, `voice.stt.model`, …). */
  readonly modelField: string
  /** A vendor-specific reader, tried first (see `AiSdkOptions.errors`). */
  readonly vendor?: ((error: unknown) => HttpFailure | ProviderError | undefined) | undefined
}

/** The parts of a vendor's JSON error body the mapping reads. */
interface VendorError {
  readonly code?: string | undefined
  readonly status?: number | undefined
  readonly message?: string | undefined
}

/**
 * Reads the common error envelopes: `{ error: { code, message, type, metadata: { error_type } } }`
 * (OpenAI, OpenRouter, …), a bare `{ code, message }` (an error part of a stream), `{ detail }`.
 */
export const vendorError = (body: unknown): VendorError => {
  if (typeof body === "string") {
    try {
      return vendorError(JSON.parse(body))
    } catch {
      return body.trim() === "" ? {} : { message: body.slice(0, 500) }
    }
  }
  if (!isRecord(body)) return {}
  const inner = isRecord(body["error"]) ? body["error"] : body
  const metadata = isRecord(inner["metadata"]) ? inner["metadata"] : {}
  const rawCode = inner["code"]
  const numeric = typeof rawCode === "number" ? rawCode : typeof rawCode === "string" && /^\d{3}$/.test(rawCode) ? Number(rawCode) : undefined
  const status = numeric ?? (typeof inner["status"] === "number" ? inner["status"] : undefined)
  const named = [metadata["error_type"], typeof rawCode === "string" && numeric === undefined ? rawCode : undefined, inner["type"]]
    .find((v): v is string => typeof v === "string" && v !== "")
  const detail = isRecord(inner["detail"]) ? inner["detail"]["message"] : inner["detail"]
  const message = [inner["message"], detail, typeof body["error"] === "string" ? body["error"] : undefined]
    .find((v): v is string => typeof v === "string" && v !== "")
  return {
    ...(named === undefined ? {} : { code: named }),
    ...(status === undefined ? {} : { status }),
    ...(message === undefined ? {} : { message })
  }
}

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : isRecord(error) && typeof error["message"] === "string" ? error["message"] : String(error)

const unavailable = (context: ErrorContext, detail: string, status?: number) =>
  new ProviderUnavailable({ provider: context.provider, detail: redactSecrets(detail), ...(status === undefined ? {} : { status }) })

const isHttpFailure = (u: unknown): u is HttpFailure =>
  isRecord(u) && typeof u["status"] === "number" && typeof u["provider"] === "string" && !("_tag" in u)

const fromFailure = (context: ErrorContext, failure: Omit<HttpFailure, "provider" | "model" | "field"> & Partial<HttpFailure>) =>
  fromHttpFailure({ model: context.model, field: context.field, ...failure, provider: context.provider })

const keyVariable = (message: string): string => /\b([A-Z][A-Z0-9_]*_API_KEY)\b/.exec(message)?.[1] ?? "the provider's API key variable"

/**
 * Maps anything an AI SDK model throws or streams to core's tagged error — once, for every
 * capability. `now` (milliseconds) resolves an HTTP-date `retry-after`.
 *
 * - `APICallError`: its status, `retry-after`, request id and the vendor's error body go
 *   through `fromHttpFailure`; no status means the vendor was not reached
 *   (`ProviderUnavailable`); an error body inside a 200 takes the status its `code` names.
 * - An error part of a stream (a bare vendor error object) maps by its `code` the same way.
 * - `LoadAPIKeyError` → `MissingApiKey`; `NoSuchModelError` → `UnknownModel`; invalid
 *   arguments and prompts → `InvalidRequest`; responses the SDK could not read →
 *   `ProviderUnavailable`; an abort → `Cancelled`; a timeout → `ProviderTimeout`.
 */
export const toProviderError = (context: ErrorContext, error: unknown, now: number): ProviderError => {
  if (isProviderError(error)) return error
  const vendor = context.vendor?.(error)
  if (vendor !== undefined) return isHttpFailure(vendor) ? fromHttpFailure(vendor) : vendor
  if (APICallError.isInstance(error)) {
    const headers = headersOf(error.responseHeaders)
    const body = vendorError(error.data ?? error.responseBody)
    const requestId = requestIdOf(error.responseHeaders)
    const status = error.statusCode === undefined || error.statusCode === 0
      ? undefined
      : error.statusCode >= 200 && error.statusCode < 300
      ? body.status ?? 502
      : error.statusCode
    if (status === undefined) {
      const cause = error.cause
      if (cause instanceof Error && cause.name === "AbortError") return new Cancelled({ provider: context.provider })
      if (cause instanceof Error && cause.name === "TimeoutError") return new ProviderTimeout({ provider: context.provider, detail: describe(cause) })
      return fromRequestFailure(context.provider, error, `the request failed: ${error.message}`)
    }
    return fromFailure(context, {
      status,
      code: body.code,
      message: error.message === "" ? body.message : error.message,
      requestId,
      retryAfter: parseRetryAfter(headers, now)
    })
  }
  if (LoadAPIKeyError.isInstance(error)) return new MissingApiKey({ provider: context.provider, variable: keyVariable(error.message) })
  if (NoSuchModelError.isInstance(error)) {
    return new UnknownModel({ provider: context.provider, model: error.modelId, field: context.modelField, allowed: [], detail: redactSecrets(error.message) })
  }
  if (InvalidArgumentError.isInstance(error)) {
    const field = error.argument === "providerOptions" ? context.optionsField : context.field
    return new InvalidRequest({ provider: context.provider, field, reason: redactSecrets(error.message) })
  }
  if (InvalidPromptError.isInstance(error) || UnsupportedFunctionalityError.isInstance(error)) {
    return new InvalidRequest({ provider: context.provider, field: context.field, reason: redactSecrets(error.message) })
  }
  if (
    TypeValidationError.isInstance(error) || InvalidResponseDataError.isInstance(error) || JSONParseError.isInstance(error) ||
    EmptyResponseBodyError.isInstance(error) || NoContentGeneratedError.isInstance(error)
  ) {
    return unavailable(context, `the response could not be read: ${error.message}`)
  }
  if (error instanceof Error && error.name === "AbortError") return new Cancelled({ provider: context.provider })
  if (error instanceof Error && error.name === "TimeoutError") return new ProviderTimeout({ provider: context.provider, detail: describe(error) })
  if (!(error instanceof Error) && isRecord(error)) {
    const body = vendorError(error)
    if (body.status !== undefined && body.status >= 400 && body.status < 600) {
      return fromFailure(context, { status: body.status, code: body.code, message: body.message })
    }
  }
  return fromRequestFailure(context.provider, error, describe(error))
}

/** A JSON value from anything the AI SDK reports, for `provider_output`. */
export const jsonValue = (u: unknown): JSONValue | undefined => {
  if (u === undefined) return undefined
  try {
    return JSON.parse(JSON.stringify(u)) as JSONValue
  } catch {
    return undefined
  }
}
