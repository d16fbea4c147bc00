import { expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Redacted } from "effect"
import { inspect } from "node:util"
import {
  AuthenticationFailed,
  Cancelled,
  fromHttpFailure,
  fromRequestFailure,
  InputTooLarge,
  InvalidRequest,
  isProviderError,
  MissingApiKey,
  NotFound,
  parseRetryAfter,
  PermissionDenied,
  ProviderTimeout,
  ProviderUnavailable,
  QuotaExceeded,
  RateLimited,
  redactSecrets,
  rememberSecret,
  StoreUnavailable,
  ThreadBusy,
  unanswerableRequest,
  UnknownModel,
  UnknownProvider,
  UnsupportedFormat
} from "../src/index.ts"

const openAiKey = "sk" + "-proj-Z9yX8wV7uT6sR5qP4oN3mL2kJ1iH0gF"
const elevenKey = "sk_3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4"
const oddKey = "plain-token-without-shape-42"

it("fromHttpFailure maps statuses and vendor codes to the tagged errors, retryability by type", () => {
  const base = { provider: "openai", requestId: "req_1" }
  const cases: Array<[Parameters<typeof fromHttpFailure>[0], string, boolean]> = [
    [{ ...base, status: 401 }, "AuthenticationFailed", false],
    [{ ...base, status: 403 }, "PermissionDenied", false],
    [{ ...base, status: 402 }, "QuotaExceeded", false],
    [{ ...base, status: 429, code: "insufficient_quota" }, "QuotaExceeded", false],
    [{ ...base, status: 429, retryAfter: 3 }, "RateLimited", true],
    [{ ...base, status: 408 }, "ProviderTimeout", true],
    [{ ...base, status: 500 }, "ProviderUnavailable", true],
    [{ ...base, status: 503 }, "ProviderUnavailable", true],
    [{ ...base, status: 404, model: "whisper-9" }, "UnknownModel", false],
    [{ ...base, status: 400, code: "model_not_found", model: "gpt-9" }, "UnknownModel", false],
    [{ ...base, status: 413, size: 30_000_000, limit: 26_214_400 }, "InputTooLarge", false],
    [{ ...base, status: 422, field: "voice" }, "InvalidRequest", false],
    // Codes in upper case (as some vendors send them) are the same codes.
    [{ ...base, status: 429, code: "INSUFFICIENT_QUOTA" }, "QuotaExceeded", false],
    [{ ...base, status: 400, code: "MODEL_NOT_FOUND", model: "nova-9" }, "UnknownModel", false],
    [{ ...base, status: 429, code: "TOO_MANY_REQUESTS" }, "RateLimited", true],
    [{ ...base, status: 400, code: "BAD_REQUEST" }, "InvalidRequest", false]
  ]
  for (const [failure, tag, retryable] of cases) {
    const error = fromHttpFailure(failure)
    expect([failure.status, error._tag]).toEqual([failure.status, tag])
    expect(error.retryable).toBe(retryable)
    expect(isProviderError(error)).toBe(true)
  }
  const limited = fromHttpFailure({ ...base, status: 429, retryAfter: 3 })
  expect(limited).toMatchObject({ _tag: "RateLimited", provider: "openai", status: 429, requestId: "req_1", retryAfter: 3 })
  // A 429 without retry-after: RateLimited with no retryAfter at all.
  const bare = fromHttpFailure({ ...base, status: 429 })
  expect(bare._tag).toBe("RateLimited")
  expect("retryAfter" in bare && bare.retryAfter !== undefined).toBe(false)
  const model = fromHttpFailure({ ...base, status: 404, model: "whisper-9" })
  expect(model).toMatchObject({ _tag: "UnknownModel", model: "whisper-9", field: "model" })
})

it("parseRetryAfter reads seconds, milliseconds and HTTP dates", () => {
  const headers = (h: Record<string, string>) => new Headers(h)
  expect(parseRetryAfter(headers({ "retry-after": "7" }), 0)).toBe(7)
  expect(parseRetryAfter(headers({ "retry-after-ms": "1500", "retry-after": "9" }), 0)).toBe(1.5)
  const now = Date.parse("2026-11-26T00:00:00Z")
  expect(parseRetryAfter(headers({ "retry-after": "Thu, 26 Nov 2026 00:00:30 GMT" }), now)).toBe(30)
  expect(parseRetryAfter(headers({}), 0)).toBeUndefined()
  expect(parseRetryAfter(headers({ "retry-after": "soon" }), 0)).toBeUndefined()
})

it("redactSecrets removes key-shaped text and remembered keys", () => {
  expect(redactSecrets(`Incorrect API key provided: ${openAiKey}.`)).toBe("Incorrect API key provided: [redacted].")
  expect(redactSecrets(`invalid key ${elevenKey}`)).toBe("invalid key [redacted]")
  expect(redactSecrets("Authorization: Bearer " + "abcdefghijklmnop1234")).toBe("Authorization: [redacted]")
  expect(redactSecrets("sent Bearer " + "abcdefghijklmnop1234 twice")).toBe("sent Bearer [redacted] twice")
  const header = "xi-api-key"
  expect(redactSecrets(`{"${header}": "${oddKey}"}`)).toBe(`{"${header}": "[redacted]"}`)
  expect(redactSecrets(`token ${oddKey} rejected`)).toBe(`token ${oddKey} rejected`)
  rememberSecret(Redacted.make(oddKey))
  expect(redactSecrets(`token ${oddKey} rejected`)).toBe("token [redacted] rejected")
})

it("secrets are absent from every serialized error", () => {
  rememberSecret(oddKey)
  const vendorSays = `Incorrect API key provided: ${openAiKey} (also ${elevenKey}, ${oddKey}); Authorization: Bearer ${openAiKey}`
  const base = { provider: "openai", requestId: "req_9", message: vendorSays }
  const fromVendor = [401, 402, 403, 404, 408, 413, 422, 429, 500].map((status) => fromHttpFailure({ ...base, status }))
  const direct = [
    new MissingApiKey({ provider: "openai", variable: "OPENAI_API_KEY" }),
    new InvalidRequest({ field: "voice.tts.voice", value: "bad", allowed: ["alloy"], reason: "no such voice" }),
    new UnknownProvider({ provider: "x", field: "llm_provider", registered: ["openai"] }),
    new UnknownModel({ provider: "openai", model: "m", field: "model_name", allowed: ["gpt-4.1"] }),
    new UnsupportedFormat({ provider: "openai", format: "aiff", field: "audio_file", allowed: ["mp3"] }),
    new InputTooLarge({ provider: "openai", field: "audio_file", limit: 1, size: 2 }),
    new Cancelled({ runId: "run_1" }),
    new NotFound({ kind: "thread", id: "thr_x" })
  ]
  expect(fromVendor.map((e) => e._tag)).toEqual([
    "AuthenticationFailed",
    "QuotaExceeded",
    "PermissionDenied",
    "NotFound",
    "ProviderTimeout",
    "InputTooLarge",
    "InvalidRequest",
    "RateLimited",
    "ProviderUnavailable"
  ])
  for (const error of [...fromVendor, ...direct]) {
    const forms = [JSON.stringify(error), String(error), error.message, inspect(error, { depth: 5 }), error.stack ?? ""]
    for (const form of forms) {
      expect(form).not.toContain(openAiKey)
      expect(form).not.toContain(elevenKey)
      expect(form).not.toContain(oddKey)
    }
  }
  expect(fromVendor[0]?.message).toBe(
    "Authentication failed (openai): check the API key: Incorrect API key provided: [redacted] (also [redacted], [redacted]); Authorization: [redacted]"
  )
})

it.effect("a key read through Config.Redacted never shows in logs or strings", () =>
  Effect.gen(function*() {
    const key = yield* Config.Redacted("OPENAI_API_KEY")
    expect(String(key)).not.toContain(openAiKey)
    expect(JSON.stringify({ key })).not.toContain(openAiKey)
    expect(inspect(key)).not.toContain(openAiKey)
    expect(Redacted.value(key)).toBe(openAiKey)
  }).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ OPENAI_API_KEY: openAiKey })))))

it("error messages say what to do", () => {
  expect(new MissingApiKey({ provider: "openai", variable: "OPENAI_API_KEY" }).message).toBe(
    "No API key for openai: set OPENAI_API_KEY or pass apiKey to the openai() factory"
  )
  expect(new RateLimited({ provider: "elevenlabs", retryAfter: 2 }).message).toBe("Rate limited (elevenlabs); retry after 2s")
  expect(new QuotaExceeded({ provider: "openai" }).message).toBe("Quota exceeded (openai): add credit or raise the plan's limit")
  expect(new ProviderTimeout({ provider: "openai", stage: "tts", timeoutMs: 5000 }).message).toBe("Timed out in tts (openai) after 5000 ms")
  expect(new ProviderUnavailable({ provider: "openai", status: 503 }).message).toBe("Provider unavailable (openai)")
  expect(new PermissionDenied({ provider: "openai" }).retryable).toBe(false)
  expect(new AuthenticationFailed({ provider: "openai" }).retryable).toBe(false)
  expect(new UnknownProvider({ provider: "acme", field: "voice.stt.provider", registered: ["openai", "elevenlabs"], capability: "stt" }).message).toBe(
    "Unknown stt provider \"acme\" at voice.stt.provider; registered: \"openai\", \"elevenlabs\". Register it in createPatchbay({ providers }) or ProviderRegistry."
  )
})

it("the stores' errors say what to do, and keep their tag through the ProviderError schema", () => {
  const busy = new ThreadBusy({ threadId: "thr_1", runId: "run_1" })
  expect([busy.retryable, busy.message]).toEqual([
    false,
    "Thread \"thr_1\" has an active run \"run_1\": wait for it to end (or submit its tool outputs), or cancel it, before sending another message"
  ])
  const down = new StoreUnavailable({ store: "sqlite ./out/patchbay.db", detail: "the file is locked by another program; retry shortly", retryable: true })
  expect([down.retryable, down.message]).toEqual([true, "Store unavailable (sqlite ./out/patchbay.db): the file is locked by another program; retry shortly"])
  expect(isProviderError(busy) && isProviderError(down)).toBe(true)
  expect(new NotFound({ kind: "assistant", id: "asst_x" }).message).toBe("No assistant with id \"asst_x\"")
  for (const kind of ["memory", "operation", "key"] as const) expect(new NotFound({ kind, id: "x" })._tag).toBe("NotFound")
})

it("fromRequestFailure: a request without a response is ProviderUnavailable (retryable), unless a test transport refused it", () => {
  const dropped = fromRequestFailure("acme", new TypeError("fetch failed", { cause: new Error("ECONNRESET") }), "the request failed: fetch failed")
  expect(dropped).toBeInstanceOf(ProviderUnavailable)
  expect([dropped.message, dropped.retryable]).toEqual(["Provider unavailable (acme): the request failed: fetch failed", true])

  const mismatch = Object.assign(new Error("no interaction of a.json matches POST /v1/x\n  body.model: recorded \"a\", sent \"b\""), { [unanswerableRequest]: true })
  const wrapped = new Error("Connection error.", { cause: mismatch })
  const refused = fromRequestFailure("acme", wrapped, "the request failed: Connection error.")
  expect(refused).toBeInstanceOf(InvalidRequest)
  expect(refused).toMatchObject({ provider: "acme", field: "request" })
  expect([refused.message, refused.retryable]).toEqual([
    "Invalid request (acme) at request: no interaction of a.json matches POST /v1/x\n  body.model: recorded \"a\", sent \"b\"",
    false
  ])
})
