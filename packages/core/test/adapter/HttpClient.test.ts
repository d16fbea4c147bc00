/**
 * The fetch client and the response helpers: auth, a missing key before any request, failed
 * answers mapped (status, vendor code in any case, request id, `retry-after`, the field at
 * fault), bodies that do not decode or break, interruption reaching the request, uploads
 * counted past their limit.
 */
import { expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, Schema, Stream } from "effect"
import { TestClock } from "effect/testing"
import { InputTooLarge, InvalidRequest, MissingApiKey, ProviderUnavailable, QuotaExceeded, RateLimited, UnknownModel, unanswerableRequest } from "../../src/index.ts"
import {
  abortable,
  abortableScoped,
  countedStreamBody,
  decodeJsonResponse,
  failedResponse,
  jsonBody,
  makeHttpClient,
  streamFailure
} from "../../src/adapter/index.ts"

interface Seen {
  readonly url: string
  readonly headers: Headers
  readonly body: string | undefined
  readonly signal: AbortSignal | undefined
}

const fakeFetch = (answer: (seen: Seen) => Response | Promise<Response>) => {
  const seen: Array<Seen> = []
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const entry: Seen = {
      url: String(input),
      headers: new Headers(init?.headers),
      body: typeof init?.body === "string" ? init.body : undefined,
      signal: init?.signal ?? undefined
    }
    seen.push(entry)
    return answer(entry)
  }) as typeof globalThis.fetch
  return { fetch, seen }
}

const ErrorBody = Schema.Struct({ error: Schema.Struct({ code: Schema.optionalKey(Schema.String), message: Schema.optionalKey(Schema.String), param: Schema.optionalKey(Schema.String) }) })
const readError = (body: unknown) => Schema.decodeUnknownOption(ErrorBody)(body).pipe((o) => (o._tag === "Some" ? o.value.error : undefined))
const Answer = Schema.Struct({ id: Schema.String })

const client = (fetch: typeof globalThis.fetch, options: { readonly apiKey?: string } = { apiKey: "kit-test-key-0001" }) =>
  makeHttpClient({
    provider: "acme",
    options: { fetch, ...options },
    keyVariable: "PATCHBAY_KIT_TEST_KEY",
    defaultBaseURL: "https://api.acme.test/v1/",
    readError
  })

it.effect("posts JSON with the bearer key and reads the decoded answer, its raw body and request id", () =>
  Effect.gen(function*() {
    const { fetch, seen } = fakeFetch(() => Response.json({ id: "img_1", extra: 1 }, { headers: { "x-request-id": "req_1" } }))
    const answer = yield* client(fetch).postForJson("/images", jsonBody({ prompt: "a fox" }), Answer)
    expect([answer.value, answer.body, answer.requestId]).toEqual([{ id: "img_1" }, { id: "img_1", extra: 1 }, "req_1"])
    expect([seen[0]?.url, seen[0]?.headers.get("authorization"), seen[0]?.headers.get("content-type"), seen[0]?.body]).toEqual([
      "https://api.acme.test/v1/images",
      "Bearer kit-test-key-0001",
      "application/json",
      "{\"prompt\":\"a fox\"}"
    ])
  }))

it.effect("without a key the call fails with MissingApiKey before any request", () =>
  Effect.gen(function*() {
    const { fetch, seen } = fakeFetch(() => Response.json({}))
    const error = yield* Effect.flip(client(fetch, {}).post("/images", jsonBody({}))).pipe(
      Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: {} }))
    )
    expect([error, seen.length]).toEqual([new MissingApiKey({ provider: "acme", variable: "PATCHBAY_KIT_TEST_KEY" }), 0])
  }))

it.effect("a failed answer is mapped: vendor code in any case, request id, retry-after, field at fault", () =>
  Effect.gen(function*() {
    const quota = fakeFetch(() => Response.json({ error: { code: "INSUFFICIENT_QUOTA", message: "no credit" } }, { status: 429, headers: { "request-id": "req_2" } }))
    expect(yield* Effect.flip(client(quota.fetch).post("/chat", jsonBody({})))).toEqual(
      new QuotaExceeded({ provider: "acme", status: 429, requestId: "req_2", detail: "no credit" })
    )
    const limited = fakeFetch(() => new Response("slow down", { status: 429, headers: { "retry-after": "7" } }))
    expect(yield* Effect.flip(client(limited.fetch).post("/chat", jsonBody({})))).toEqual(
      new RateLimited({ provider: "acme", status: 429, retryAfter: 7, detail: "slow down" })
    )
    const model = fakeFetch(() => Response.json({ error: { code: "Model_Not_Found", message: "no such model", param: "model" } }, { status: 404 }))
    expect(yield* Effect.flip(client(model.fetch).post("/chat", jsonBody({}), { model: "acme-9", fieldOf: (p) => (p === "model" ? "model_name" : undefined) }))).toEqual(
      new UnknownModel({ provider: "acme", status: 404, model: "acme-9", field: "model_name", allowed: [], detail: "no such model" })
    )
  }))

it.effect("failedResponse reads a retry-after date against the Effect clock", () =>
  Effect.gen(function*() {
    yield* TestClock.setTime(Date.parse("2026-12-01T12:00:00Z"))
    const response = new Response("", { status: 503, headers: { "retry-after": "Tue, 01 Dec 2026 12:00:30 GMT" } })
    expect(yield* failedResponse("acme", response, () => undefined)).toEqual(new ProviderUnavailable({ provider: "acme", status: 503, retryAfter: 30 }))
  }))

it.effect("a connection failure is ProviderUnavailable with the cause, secrets removed", () =>
  Effect.gen(function*() {
    const { fetch } = fakeFetch(() => Promise.reject(new TypeError("fetch failed", { cause: new Error("Bearer kit-test-key-0001 refused") })))
    expect(yield* Effect.flip(client(fetch).post("/chat", jsonBody({})))).toEqual(
      new ProviderUnavailable({ provider: "acme", detail: "the request failed: fetch failed: Bearer [redacted] refused" })
    )
  }))

it.effect("a request no transport can answer (an unmatched replay) is a final InvalidRequest, secrets removed", () =>
  Effect.gen(function*() {
    const mismatch = Object.assign(new Error("no interaction matches POST /v1/chat\n  model: \"a\" ≠ \"b\"\n  key kit-test-key-0001"), {
      [unanswerableRequest]: true
    })
    const { fetch } = fakeFetch(() => Promise.reject(new TypeError("fetch failed", { cause: mismatch })))
    const error = yield* Effect.flip(client(fetch).post("/chat", jsonBody({})))
    expect(error).toEqual(
      new InvalidRequest({ provider: "acme", field: "request", reason: "no interaction matches POST /v1/chat\n  model: \"a\" ≠ \"b\"\n  key [redacted]" })
    )
    expect(error.retryable).toBe(false)
  }))

it.effect("a body that is not JSON, or not the expected shape, is ProviderUnavailable", () =>
  Effect.gen(function*() {
    const notJson = yield* Effect.flip(decodeJsonResponse("acme", new Response("<html>"), Answer))
    const wrong = yield* Effect.flip(decodeJsonResponse("acme", Response.json({ id: 1 }), Answer))
    expect([notJson._tag, notJson.detail?.startsWith("the response is not JSON: "), wrong._tag, wrong.detail?.startsWith("unexpected response: ")]).toEqual([
      "ProviderUnavailable",
      true,
      "ProviderUnavailable",
      true
    ])
  }))

it.effect("audio bytes stream as they arrive; a body that breaks is ProviderUnavailable after them", () =>
  Effect.gen(function*() {
    let pulls = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(new Uint8Array([1, 2]))
        else controller.error(new Error("connection reset"))
      }
    })
    const { fetch } = fakeFetch(() => new Response(body, { headers: { "x-request-id": "req_3" } }))
    const answer = yield* client(fetch).postForBytes("/speech", jsonBody({}))
    const chunks: Array<Uint8Array> = []
    const error = yield* Effect.flip(Stream.runForEach(answer.bytes, (chunk) => Effect.sync(() => chunks.push(chunk))))
    expect([chunks, error]).toEqual([
      [new Uint8Array([1, 2])],
      new ProviderUnavailable({ provider: "acme", requestId: "req_3", detail: "the speech stream broke: connection reset" })
    ])
  }))

it.effect("server-sent events are decoded with the vendor's schema up to [DONE]; one that does not decode fails", () =>
  Effect.gen(function*() {
    const sse = "data: {\"id\":\"a\"}\n\nretry: 100\n\ndata: {\"id\":\"b\"}\n\ndata: [DONE]\n\ndata: {\"id\":\"c\"}\n\n"
    const ok = fakeFetch(() => new Response(sse, { headers: { "content-type": "text/event-stream" } }))
    const { events } = yield* client(ok.fetch).postForEvents("/chat", jsonBody({}), Answer)
    expect(yield* Stream.runCollect(events)).toEqual([{ id: "a" }, { id: "b" }])
    const bad = fakeFetch(() => new Response("data: {\"id\":\"a\"}\n\ndata: nope\n\n"))
    const answer = yield* client(bad.fetch).postForEvents("/chat", jsonBody({}), Answer)
    expect(yield* Effect.flip(Stream.runDrain(answer.events))).toEqual(new ProviderUnavailable({ provider: "acme", detail: "unexpected chat event: nope" }))
  }))

it.effect("an error reported mid-stream is mapped by its code, in any case", () =>
  Effect.sync(() => {
    expect([
      streamFailure("acme", { code: "Insufficient_Quota", message: "spent" }, "req_4"),
      streamFailure("acme", { code: "rate_limit_exceeded" }, undefined),
      streamFailure("acme", { code: "overloaded", message: "busy" }, undefined),
      streamFailure("acme", { code: "INVALID_ARGUMENT", message: "temperature must be at most 2", param: "temperature" }, "req_5"),
      streamFailure("acme", { code: "context_length_exceeded" }, undefined)
    ]).toEqual([
      new QuotaExceeded({ provider: "acme", requestId: "req_4", detail: "spent" }),
      new RateLimited({ provider: "acme", detail: "the stream reported an error" }),
      new ProviderUnavailable({ provider: "acme", detail: "busy" }),
      new InvalidRequest({
        provider: "acme",
        status: 400,
        requestId: "req_5",
        detail: "temperature must be at most 2",
        field: "temperature",
        reason: "rejected by acme (HTTP 400)"
      }),
      new InvalidRequest({ provider: "acme", status: 400, detail: "the stream reported an invalid request", field: "request", reason: "rejected by acme (HTTP 400)" })
    ])
  }))

it.live("interrupting a call aborts its request", () =>
  Effect.gen(function*() {
    let signal: AbortSignal | undefined
    const fiber = yield* Effect.forkChild(abortable((s) => {
      signal = s
      return new Promise<never>(() => {})
    }, (cause) => cause))
    yield* Effect.yieldNow
    yield* Fiber.interrupt(fiber)
    expect(signal?.aborted).toBe(true)
  }))

it.effect("a scoped call's request is aborted when its scope closes", () =>
  Effect.gen(function*() {
    let signal: AbortSignal | undefined
    yield* Effect.scoped(abortableScoped((s) => {
      signal = s
      return Promise.resolve("answered")
    }, (cause) => cause))
    expect(signal?.aborted).toBe(true)
  }))

it.effect("a counted stream past its limit aborts the upload with InputTooLarge", () =>
  Effect.gen(function*() {
    const { fetch } = fakeFetch(async () => new Response("", { status: 200 }))
    const reading = (async (input: string | URL | Request, init?: RequestInit) => {
      await new Response(init?.body ?? null).arrayBuffer()
      return fetch(input, init)
    }) as typeof globalThis.fetch
    let pulls = 0
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++
        controller.enqueue(new Uint8Array(400))
      }
    })
    const body = countedStreamBody(endless, "audio/mpeg", { provider: "acme", limit: 1000, model: "acme-listen-1" })
    const error = yield* Effect.flip(client(reading).post("/upload", body))
    expect(error).toEqual(new InputTooLarge({ provider: "acme", field: "audio_file", limit: 1000, size: 1200, model: "acme-listen-1" }))
    expect(pulls).toBeLessThan(10)
  }))
