/**
 * The vendor's three error shapes, mapped once to Patchbay's tagged errors with the status,
 * the request id, `retry-after`, the request field at fault and retryability.
 */
import { ElevenLabsError, ElevenLabsTimeoutError } from "@elevenlabs/elevenlabs-js"
import { describe, expect, it } from "vitest"
import { errorFacts, type FailureContext, fromResponse, fromSdkError } from "../src/internal/Errors.ts"

const stt: FailureContext = {
  capability: "stt",
  model: "scribe_v2",
  size: 21_312,
  limit: 4_999_999_999,
  fields: (param) => (param === "model_id" ? "voice.stt.model" : `voice.stt.provider_options.elevenlabs.${param}`)
}
const tts: FailureContext = {
  capability: "tts",
  model: "eleven_flash_v2_5",
  voice: "21m00Tcm4TlvDq8ikWAM",
  characters: 47,
  characterLimit: 40_000,
  fields: (param) => (param === "voice_settings" ? "voice.tts.provider_options.elevenlabs.voice_settings" : `voice.tts.${param}`)
}
const NOW = Date.parse("2026-11-26T12:00:00Z")
const respond = (status: number, body: unknown, headers: Record<string, string> = {}, context = stt) =>
  fromResponse({ status, body, headers: new Headers(headers) }, context, NOW)

describe("reading the three shapes", () => {
  it("the current structured shape: code, message, request id and parameter", () => {
    expect(errorFacts({
      detail: { type: "validation_error", code: "invalid_parameters", message: "Bad keyterm", status: "invalid_parameters", request_id: "r1", param: "keyterms" }
    })).toEqual({ code: "invalid_parameters", message: "Bad keyterm", requestId: "r1", param: "keyterms" })
  })

  it("the legacy shape: status as the code", () => {
    expect(errorFacts({ detail: { status: "invalid_api_key", message: "Invalid API key" } })).toEqual({
      code: "invalid_api_key",
      message: "Invalid API key",
      requestId: undefined,
      param: undefined
    })
  })

  it("the 422 HTTPValidationError: the first location (without body/query) as the parameter, every message", () => {
    expect(errorFacts({
      detail: [
        { loc: ["body", "voice_settings", "stability"], msg: "Input should be less than or equal to 1", type: "less_than_equal" },
        { loc: ["query", "output_format"], msg: "Input should be 'mp3_44100_128'", type: "enum" }
      ]
    })).toEqual({
      code: "less_than_equal",
      message: "body.voice_settings.stability: Input should be less than or equal to 1; query.output_format: Input should be 'mp3_44100_128'",
      requestId: undefined,
      param: "voice_settings.stability"
    })
  })

  it("a plain string detail, a text body, nothing", () => {
    expect(errorFacts({ detail: "Not Found" }).message).toBe("Not Found")
    expect(errorFacts("Internal Server Error").message).toBe("Internal Server Error")
    expect(errorFacts(undefined)).toEqual({ code: undefined, message: undefined, requestId: undefined, param: undefined })
  })
})

describe("mapping", () => {
  it("401 invalid key → AuthenticationFailed, with the request-id header", () => {
    const error = respond(401, { detail: { status: "invalid_api_key", message: "Invalid API key" } }, { "request-id": "req_1" })
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", provider: "elevenlabs", status: 401, requestId: "req_1", detail: "Invalid API key" })
    expect(error.retryable).toBe(false)
  })

  it("401 quota_exceeded (either shape) → QuotaExceeded, not retryable", () => {
    for (const detail of [{ status: "quota_exceeded", message: "out" }, { code: "quota_exceeded", status: "quota_exceeded", message: "out", request_id: "b1" }]) {
      const error = respond(401, { detail })
      expect(error).toMatchObject({ _tag: "QuotaExceeded", status: 401 })
      expect(error.retryable).toBe(false)
    }
  })

  it("429 concurrency (every code the vendor uses) → RateLimited, retryable; retryAfter only when the vendor says", () => {
    for (const code of ["too_many_concurrent_requests", "concurrent_limit_exceeded", "rate_limit_exceeded", "system_busy"]) {
      const error = respond(429, { detail: { status: code, message: "slow down" } })
      expect(error).toMatchObject({ _tag: "RateLimited", status: 429 })
      expect(error.retryable).toBe(true)
      expect((error as { retryAfter?: number }).retryAfter).toBeUndefined()
    }
    expect(respond(429, { detail: { status: "system_busy" } }, { "retry-after": "3" })).toMatchObject({ retryAfter: 3 })
    expect(respond(429, {}, { "retry-after": "Thu, 26 Nov 2026 12:00:05 GMT" })).toMatchObject({ retryAfter: 5 })
  })

  it("422 → InvalidRequest naming the request field of the vendor's parameter, nested path kept", () => {
    const error = respond(422, { detail: [{ loc: ["body", "voice_settings", "stability"], msg: "too high", type: "less_than_equal" }] }, {}, tts)
    expect(error).toMatchObject({ _tag: "InvalidRequest", status: 422, field: "voice.tts.provider_options.elevenlabs.voice_settings.stability" })
    expect(respond(400, { detail: { code: "invalid_parameters", message: "no", param: "keyterms" } })).toMatchObject({
      _tag: "InvalidRequest",
      status: 400,
      field: "voice.stt.provider_options.elevenlabs.keyterms"
    })
  })

  it("an unknown voice (404, or 400 voice_not_found) → NotFound of kind voice", () => {
    expect(respond(404, { detail: { status: "voice_not_found", message: "no voice" } }, {}, tts)).toMatchObject({
      _tag: "NotFound",
      kind: "voice",
      id: "21m00Tcm4TlvDq8ikWAM",
      status: 404
    })
    expect(respond(400, { detail: { status: "voice_not_found", message: "no voice" } }, {}, tts)).toMatchObject({ _tag: "NotFound", kind: "voice", status: 400 })
  })

  it("text over the model's limit → InputTooLarge in characters; an upload refused with 413 → InputTooLarge in bytes", () => {
    expect(respond(400, { detail: { status: "max_character_limit_exceeded", message: "too long" } }, {}, tts)).toMatchObject({
      _tag: "InputTooLarge",
      field: "text",
      limit: 40_000,
      size: 47,
      status: 400,
      model: "eleven_flash_v2_5"
    })
    expect(respond(413, "Request Entity Too Large")).toMatchObject({ _tag: "InputTooLarge", field: "audio_file", limit: 4_999_999_999, size: 21_312, status: 413 })
  })

  it("403 → PermissionDenied; 5xx → ProviderUnavailable (retryable)", () => {
    expect(respond(403, { detail: { status: "only_for_creator+", message: "upgrade" } })).toMatchObject({ _tag: "PermissionDenied", status: 403 })
    const error = respond(502, "Bad Gateway")
    expect(error).toMatchObject({ _tag: "ProviderUnavailable", status: 502, detail: "Bad Gateway" })
    expect(error.retryable).toBe(true)
  })

  it("a key echoed back by the vendor never reaches the error", () => {
    const error = respond(401, { detail: { status: "invalid_api_key", message: "Invalid API key: sk_0123456789abcdef0123456789abcdef" } })
    expect(JSON.stringify(error)).not.toContain("sk_0123456789abcdef")
    expect(error.message).not.toContain("sk_0123456789abcdef")
  })
})

describe("what the SDK rejects with", () => {
  it("an HTTP failure carries its status, body and headers", () => {
    const cause = new ElevenLabsError({
      statusCode: 429,
      body: { detail: { status: "too_many_concurrent_requests", message: "busy" } },
      rawResponse: { headers: new Headers({ "request-id": "r9", "retry-after": "2" }), redirected: false, status: 429, statusText: "", type: "basic", url: "" }
    })
    expect(fromSdkError(cause, tts, NOW)).toMatchObject({ _tag: "RateLimited", status: 429, requestId: "r9", retryAfter: 2, detail: "busy" })
  })

  it("the SDK's own timeout → ProviderTimeout; a connection failure → ProviderUnavailable; a body it cannot parse → ProviderUnavailable", () => {
    expect(fromSdkError(new ElevenLabsTimeoutError("Timeout exceeded when calling POST /v1/speech-to-text."), stt, NOW)).toMatchObject({
      _tag: "ProviderTimeout",
      stage: "stt"
    })
    const connection = fromSdkError(new ElevenLabsError({ message: "fetch failed", cause: new Error("ECONNRESET") }), stt, NOW)
    expect(connection).toMatchObject({ _tag: "ProviderUnavailable", detail: "the request failed: fetch failed (ECONNRESET)" })
    expect(fromSdkError(new TypeError("response -> words: Expected list"), stt, NOW)).toMatchObject({
      _tag: "ProviderUnavailable",
      detail: "unexpected response: response -> words: Expected list"
    })
  })
})
