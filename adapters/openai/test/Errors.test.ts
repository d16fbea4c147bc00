/**
 * OpenAI's failures mapped to Patchbay's tagged errors: the `{ error: { message, type, param,
 * code } }` envelope by status and code, `retry-after` in its three spellings, `x-request-id`,
 * the request field `param` names, 413's sizes, errors without a response, and error events in
 * the middle of a stream. Keys never appear in an error.
 */
import type { Cassette } from "@patchbay/conformance"
import { type ProviderError, isProviderError } from "@patchbay/core"
import { Effect, Stream } from "effect"
import { inspect } from "node:util"
import { describe, expect, it } from "vitest"
import { openai } from "../src/index.ts"
import { audio, failure, fields, replayed, TEST_KEY } from "./support/harness.ts"

const BASE = "https://api.openai.com/v1"

const envelope = (status: number, error: { message: string; type: string; param?: string | null; code?: string | null }, headers: Record<string, string> = {}): Cassette.CassetteResponse => ({
  status,
  headers: { "content-type": "application/json", "x-request-id": `req_${status}`, ...headers },
  body: { type: "json", json: { error: { param: null, code: null, ...error } } }
})

type Capability = "stt" | "tts" | "llm" | "image"
const paths: Record<Capability, string> = { stt: "/audio/transcriptions", tts: "/audio/speech", llm: "/chat/completions", image: "/images/generations" }

/** Calls a capability against one response and returns the error it fails with. */
const failWith = async (capability: Capability, response: Cassette.CassetteResponse, model?: string): Promise<ProviderError> => {
  const { provider, fetch } = replayed([{ request: { method: "POST", url: `${BASE}${paths[capability]}`, ignore: ["body"] }, response }])
  const input = await audio()
  const call: Effect.Effect<unknown, ProviderError> = capability === "stt"
    ? provider.stt!.transcribe({ model: model ?? "whisper-1", audio: input })
    : capability === "tts"
    ? Stream.runDrain(provider.tts!.synthesize({ model: model ?? "tts-1", voice: "voice_9999", output_format: "mp3", text: "Hello." }))
    : capability === "llm"
    ? Stream.runDrain(provider.llm!.stream({ model: model ?? "gpt-4.1", messages: [{ role: "user", content: "Hi" }] }))
    : provider.image!.generate({ model: model ?? "gpt-image-1", prompt: "a fox" })
  const error = await failure(call)
  expect(fetch.log).toHaveLength(1) // no retries: they belong to the pipeline
  return error
}

describe("HTTP errors", () => {
  it("401 → AuthenticationFailed with status and request id", async () => {
    const error = await failWith("llm", envelope(401, { message: "Incorrect API key provided: sk-proj-abc***xyz.", type: "invalid_request_error", code: "invalid_api_key" }))
    expect(fields(error)).toMatchObject({ _tag: "AuthenticationFailed", provider: "openai", status: 401, requestId: "req_401" })
    expect(error.retryable).toBe(false)
  })

  it("403 → PermissionDenied", async () => {
    expect(fields(await failWith("image", envelope(403, { message: "Your organization must be verified to use gpt-image-1.", type: "invalid_request_error" })))).toMatchObject({ _tag: "PermissionDenied", status: 403 })
  })

  it("404 model_not_found → UnknownModel naming the model and its request field", async () => {
    expect(fields(await failWith("llm", envelope(404, { message: "The model `gpt-9` does not exist or you do not have access to it.", type: "invalid_request_error", code: "model_not_found" }), "gpt-9"))).toMatchObject({
      _tag: "UnknownModel",
      model: "gpt-9",
      field: "model_name",
      status: 404,
      requestId: "req_404"
    })
  })

  it("404 on a custom voice → NotFound (kind voice)", async () => {
    expect(fields(await failWith("tts", envelope(404, { message: "Voice voice_9999 not found.", type: "invalid_request_error", param: "voice" })))).toMatchObject({
      _tag: "NotFound",
      kind: "voice",
      id: "voice_9999",
      status: 404
    })
  })

  it("408 → ProviderTimeout; 500, 502 and 503 → ProviderUnavailable, retryable", async () => {
    expect(fields(await failWith("llm", envelope(408, { message: "Request timed out.", type: "server_error" })))).toMatchObject({ _tag: "ProviderTimeout", status: 408 })
    for (const status of [500, 502, 503]) {
      const error = await failWith("tts", envelope(status, { message: "The server had an error.", type: "server_error" }, { "retry-after": "3" }))
      expect(fields(error)).toMatchObject({ _tag: "ProviderUnavailable", status, retryAfter: 3 })
      expect(error.retryable).toBe(true)
    }
  })

  it("a gateway's HTML error page still maps by status", async () => {
    const error = await failWith("image", { status: 502, headers: { "content-type": "text/html" }, body: { type: "text", text: "<html><body>502 Bad Gateway</body></html>" } })
    expect(fields(error)).toMatchObject({ _tag: "ProviderUnavailable", status: 502 })
  })

  it("429 → RateLimited with retry-after in seconds, milliseconds or as a date", async () => {
    const limited = { message: "Rate limit reached.", type: "requests", code: "rate_limit_exceeded" }
    expect(fields(await failWith("llm", envelope(429, limited, { "retry-after": "7" })))).toMatchObject({ _tag: "RateLimited", status: 429, retryAfter: 7 })
    expect(fields(await failWith("llm", envelope(429, limited, { "retry-after-ms": "1500", "retry-after": "2" })))).toMatchObject({ retryAfter: 1.5 })
    const date = new Date(Date.now() + 30_000).toUTCString()
    const dated = fields(await failWith("llm", envelope(429, limited, { "retry-after": date })))
    expect(dated.retryAfter).toBeGreaterThan(25)
    expect(dated.retryAfter).toBeLessThanOrEqual(30)
    expect((await failWith("llm", envelope(429, limited))).retryable).toBe(true)
  })

  it("429 insufficient_quota → QuotaExceeded, not retryable; so is 400 billing_hard_limit_reached", async () => {
    const quota = await failWith("stt", envelope(429, { message: "You exceeded your current quota.", type: "insufficient_quota", code: "insufficient_quota" }))
    expect(fields(quota)).toMatchObject({ _tag: "QuotaExceeded", status: 429, requestId: "req_429" })
    expect(quota.retryable).toBe(false)
    expect(fields(await failWith("image", envelope(400, { message: "Billing hard limit has been reached.", type: "invalid_request_error", code: "billing_hard_limit_reached" })))).toMatchObject({
      _tag: "QuotaExceeded",
      status: 400
    })
    // the type alone says so when the code is missing
    expect(fields(await failWith("llm", envelope(429, { message: "Quota.", type: "insufficient_quota" })))).toMatchObject({ _tag: "QuotaExceeded" })
  })

  it("413 → InputTooLarge with OpenAI's limit and the size the server counted", async () => {
    expect(fields(await failWith("stt", envelope(413, { message: "Maximum content size limit (26214400) exceeded (26228170 bytes read)", type: "server_error" })))).toMatchObject({
      _tag: "InputTooLarge",
      field: "audio_file",
      limit: 26_214_400,
      size: 26_228_170,
      status: 413
    })
  })

  it("400 and 422 → InvalidRequest at the request field `param` names", async () => {
    const invalid = (param: string) => envelope(400, { message: `Invalid value for '${param}'.`, type: "invalid_request_error", param, code: "invalid_value" })
    expect(fields(await failWith("stt", invalid("file")))).toMatchObject({ _tag: "InvalidRequest", field: "audio_file", status: 400 })
    expect(fields(await failWith("stt", invalid("response_format")))).toMatchObject({ field: "voice.stt.provider_options.openai.response_format" })
    expect(fields(await failWith("stt", invalid("timestamp_granularities[]")))).toMatchObject({ field: "voice.stt.provider_options.openai.timestamp_granularities" })
    expect(fields(await failWith("tts", invalid("response_format")))).toMatchObject({ field: "voice.tts.output_format" })
    expect(fields(await failWith("tts", invalid("speed")))).toMatchObject({ field: "voice.tts.provider_options.openai.speed" })
    expect(fields(await failWith("llm", invalid("messages")))).toMatchObject({ field: "content" })
    expect(fields(await failWith("llm", invalid("temperature")))).toMatchObject({ field: "provider_options.openai.temperature" })
    expect(fields(await failWith("image", invalid("size")))).toMatchObject({ field: "size" })
    expect(fields(await failWith("image", envelope(422, { message: "Unprocessable.", type: "invalid_request_error" })))).toMatchObject({ _tag: "InvalidRequest", field: "request", status: 422 })
  })

  it("every mapped error is one of Patchbay's tagged errors, carrying OpenAI's message without secrets", async () => {
    const error = await failWith("llm", envelope(401, { message: `Incorrect API key provided: ${TEST_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: "invalid_request_error", code: "invalid_api_key" }))
    expect(isProviderError(error)).toBe(true)
    for (const text of [error.message, String(error), JSON.stringify(error), inspect(error)]) {
      expect(text).not.toContain(TEST_KEY)
      expect(text).not.toContain("sk-test")
    }
    expect(error.message).toContain("[redacted]")
  })
})

describe("failures without a response", () => {
  it("a connection that fails → ProviderUnavailable (retryable), without status", async () => {
    const provider = openai({ apiKey: TEST_KEY, fetch: async () => { throw new TypeError("fetch failed", { cause: new Error("getaddrinfo ENOTFOUND api.openai.com") }) } })
    const error = await failure(provider.image!.generate({ model: "gpt-image-1", prompt: "a fox" }))
    expect(fields(error)).toMatchObject({ _tag: "ProviderUnavailable", provider: "openai" })
    expect((error as { status?: number }).status).toBeUndefined()
    expect(error.retryable).toBe(true)
    expect(error.message).toContain("ENOTFOUND")
  })
})

describe("errors inside a stream", () => {
  const midStream = async (error: Record<string, unknown>) => {
    const { provider } = replayed([{
      request: { method: "POST", url: `${BASE}/chat/completions`, ignore: ["body"] },
      response: {
        status: 200,
        headers: { "content-type": "text/event-stream", "x-request-id": "req_mid" },
        body: { type: "sse", chunks: [{ data: { id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4.1", choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] } }, { data: { error } }] }
      }
    }])
    return failure(Stream.runDrain(provider.llm!.stream({ model: "gpt-4.1", messages: [] })))
  }

  it("maps by code: a quota, a rate limit, else the vendor failing; with the request id", async () => {
    expect(fields(await midStream({ message: "Quota.", type: "insufficient_quota", code: "insufficient_quota" }))).toMatchObject({ _tag: "QuotaExceeded", requestId: "req_mid" })
    expect(fields(await midStream({ message: "Slow down.", type: "requests", code: "rate_limit_exceeded" }))).toMatchObject({ _tag: "RateLimited", requestId: "req_mid" })
    const server = await midStream({ message: "The server had an error.", type: "server_error", code: null })
    expect(fields(server)).toMatchObject({ _tag: "ProviderUnavailable", detail: "The server had an error.", requestId: "req_mid" })
    expect((server as { status?: number }).status).toBeUndefined() // the HTTP status was 200
  })

  it("an invalid request in band names the request field its param names, as the HTTP path does", async () => {
    const overlong = await midStream({ message: "Too long.", type: "invalid_request_error", param: "messages", code: "context_length_exceeded" })
    expect(fields(overlong)).toMatchObject({ _tag: "InvalidRequest", field: "content", requestId: "req_mid" })
    const option = await midStream({ message: "Bad value.", type: "invalid_request_error", param: "temperature", code: null })
    expect(fields(option)).toMatchObject({ _tag: "InvalidRequest", field: "provider_options.openai.temperature", requestId: "req_mid" })
    const unnamed = await midStream({ message: "Bad request.", type: "invalid_request_error", param: null, code: null })
    expect(fields(unnamed)).toMatchObject({ _tag: "InvalidRequest", field: "request" })
  })
})
