/**
 * Every error status of DESIGN's table, each with its exact JSON body and `x-should-retry`
 * (and `Retry-After` for a rate limit), through `toWebHandler`.
 */
import { AuthenticationFailed, ProviderTimeout, ProviderUnavailable, QuotaExceeded, RateLimited } from "@patchbay/core"
import { describe, expect, it, vi } from "vitest"
import { type ScenarioOptions, webServer } from "./support/server.ts"

/** A server for one test, disposed after `body`. */
const withServer = async (options: ScenarioOptions, body: (s: Awaited<ReturnType<typeof webServer>>) => Promise<void>) => {
  const s = await webServer(options)
  try {
    await body(s)
  } finally {
    await s.dispose()
  }
}

/** The status, `x-should-retry` and JSON body of a response. */
const answer = async (response: Response) => ({
  status: response.status,
  retry: response.headers.get("x-should-retry"),
  body: await response.json()
})

describe("400", () => {
  it("InvalidRequest: a message with no content and no audio", () =>
    withServer({}, async (s) => {
      expect(await answer(await s.call("/threads/messages", { json: {} }))).toEqual({
        status: 400,
        retry: "false",
        body: {
          detail: "Invalid request at content: send content, an audio file, or both",
          code: "InvalidRequest",
          retryable: false,
          field: "content",
          reason: "send content, an audio file, or both"
        }
      })
    }))

  it("InvalidRequest: a body that is not JSON", () =>
    withServer({}, async (s) => {
      const response = await s.call("/threads/messages", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" })
      const { body, retry, status } = await answer(response)
      expect([status, retry, body.code, body.field]).toEqual([400, "false", "InvalidRequest", "body"])
      expect(body.reason).toMatch(/^not valid JSON: /)
    }))

  it("InvalidRequest: a JSON body nested deeper than limits.maxJsonDepth", () =>
    withServer({ server: { limits: { maxJsonDepth: 3 } } }, async (s) => {
      expect(await answer(await s.call("/threads/messages", { json: { content: "Hi", provider_options: { a: { b: { c: 1 } } } } }))).toEqual({
        status: 400,
        retry: "false",
        body: { detail: "Invalid request at body: nested deeper than 3 levels", code: "InvalidRequest", retryable: false, field: "body", reason: "nested deeper than 3 levels" }
      })
    }))

  it("UnknownProvider", () =>
    withServer({}, async (s) => {
      const { body, retry, status } = await answer(await s.call("/threads/messages", { json: { content: "Hi", llm_provider: "nope", model_name: "x" } }))
      expect([status, retry]).toEqual([400, "false"])
      expect(body).toMatchObject({ code: "UnknownProvider", retryable: false, provider: "nope", field: "llm_provider", registered: ["fake"] })
    }))

  it("UnknownModel, with the models allowed", () =>
    withServer({}, async (s) => {
      const { body, retry, status } = await answer(await s.call("/threads/messages", { json: { content: "Hi", llm_provider: "fake", model_name: "nope" } }))
      expect([status, retry]).toEqual([400, "false"])
      expect(body).toMatchObject({ code: "UnknownModel", retryable: false, model: "nope", field: "model_name", allowed: ["fake-llm"] })
    }))
})

it("404 NotFound", () =>
  withServer({}, async (s) => {
    expect(await answer(await s.call("/runs/run_missing"))).toEqual({
      status: 404,
      retry: "false",
      body: { detail: "No run with id \"run_missing\"", code: "NotFound", retryable: false, kind: "run", id: "run_missing" }
    })
  }))

it("408 RequestTimeout: a body that stops arriving", () =>
  withServer({ server: { limits: { bodyIdleTimeoutMs: 50 } } }, async (s) => {
    const silent = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode("{\"content\":"))
    })
    const response = await s.call("/threads/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: silent,
      duplex: "half"
    } as RequestInit)
    expect(await answer(response)).toEqual({
      status: 408,
      retry: "true",
      body: { detail: "Request timeout: the body sent nothing for 50 ms", code: "RequestTimeout", retryable: true, timeout_ms: 50 }
    })
  }))

it("409 ThreadBusy: a second message while the thread's run is active", () =>
  withServer({ llm: { firstToken: "1 hour" } }, async (s) => {
    const thread = await (await s.call("/assistants/asst_default/threads", { json: {} })).json()
    const first = await s.call(`/threads/${thread.thread_id}/messages`, { json: { content: "One", stream: true } })
    const reader = first.body!.getReader()
    const started = JSON.parse(new TextDecoder().decode((await reader.read()).value).slice("data: ".length))
    const { body, retry, status } = await answer(await s.call(`/threads/${thread.thread_id}/messages`, { json: { content: "Two" } }))
    expect([status, retry]).toEqual([409, "false"])
    expect(body).toEqual({
      detail: `Thread "${thread.thread_id}" has an active run "${started.run_id}": wait for it to end (or submit its tool outputs), or cancel it, before sending another message`,
      code: "ThreadBusy",
      retryable: false,
      thread_id: thread.thread_id,
      run_id: started.run_id
    })
    await s.call(`/runs/${started.run_id}/cancel`, { method: "POST" })
    await reader.cancel()
  }))

it("413 InputTooLarge: a JSON body past limits.maxJsonBytes", () =>
  withServer({ server: { limits: { maxJsonBytes: 64 } } }, async (s) => {
    expect(await answer(await s.call("/threads/messages", { json: { content: "x".repeat(100) } }))).toEqual({
      status: 413,
      retry: "false",
      body: { detail: "Input at body is 114 bytes; the provider accepts at most 64 bytes", code: "InputTooLarge", retryable: false, field: "body", limit: 64, size: 114 }
    })
  }))

it("415 UnsupportedMediaType, listing the types accepted", () =>
  withServer({}, async (s) => {
    expect(await answer(await s.call("/threads/messages", { method: "POST", headers: { "content-type": "text/plain" }, body: "Hi" }))).toEqual({
      status: 415,
      retry: "false",
      body: {
        detail: "Unsupported media type: Content-Type \"text/plain\"; send one of application/json, multipart/form-data",
        code: "UnsupportedMediaType",
        retryable: false,
        content_type: "text/plain",
        allowed: ["application/json", "multipart/form-data"]
      }
    })
  }))

it("429 RateLimited, with Retry-After", () =>
  withServer({ llm: { failures: [new RateLimited({ provider: "fake", retryAfter: 7, status: 429 })] } }, async (s) => {
    const response = await s.call("/threads/messages", { json: { content: "Hi" } })
    expect(response.headers.get("retry-after")).toBe("7")
    expect(await answer(response)).toEqual({
      status: 429,
      retry: "true",
      body: { detail: "Rate limited (fake); retry after 7s", code: "RateLimited", retryable: true, retry_after: 7, provider: "fake", status: 429 }
    })
  }))

it("431 HeadersTooLarge", () =>
  withServer({ server: { limits: { maxHeaderBytes: 1024 } } }, async (s) => {
    const { body, retry, status } = await answer(await s.call("/threads", { headers: { "x-padding": "p".repeat(2000) } }))
    expect([status, retry, body.code, body.limit, body.retryable]).toEqual([431, "false", "HeadersTooLarge", 1024, false])
    expect(body.size).toBeGreaterThan(2000)
  }))

describe("502: the vendor refused the server's own credentials or account", () => {
  it("AuthenticationFailed", () =>
    withServer({ llm: { failures: [new AuthenticationFailed({ provider: "fake", status: 401 })] } }, async (s) => {
      expect(await answer(await s.call("/threads/messages", { json: { content: "Hi" } }))).toEqual({
        status: 502,
        retry: "false",
        body: { detail: "Authentication failed (fake): check the API key", code: "AuthenticationFailed", retryable: false, provider: "fake", status: 401 }
      })
    }))

  it("QuotaExceeded", () =>
    withServer({ llm: { failures: [new QuotaExceeded({ provider: "fake", status: 429 })] } }, async (s) => {
      const { body, retry, status } = await answer(await s.call("/threads/messages", { json: { content: "Hi" } }))
      expect([status, retry, body.code, body.retryable]).toEqual([502, "false", "QuotaExceeded", false])
    }))
})

it("503 ProviderUnavailable", () =>
  withServer({ llm: { failures: [new ProviderUnavailable({ provider: "fake", status: 503 })] } }, async (s) => {
    expect(await answer(await s.call("/threads/messages", { json: { content: "Hi" } }))).toEqual({
      status: 503,
      retry: "true",
      body: { detail: "Provider unavailable (fake)", code: "ProviderUnavailable", retryable: true, provider: "fake", status: 503 }
    })
  }))

it("504 ProviderTimeout", () =>
  withServer({ llm: { failures: [new ProviderTimeout({ provider: "fake", timeoutMs: 1000, stage: "llm" })] } }, async (s) => {
    expect(await answer(await s.call("/threads/messages", { json: { content: "Hi" } }))).toEqual({
      status: 504,
      retry: "true",
      body: { detail: "Timed out in llm (fake) after 1000 ms", code: "ProviderTimeout", retryable: true, timeout_ms: 1000, stage: "llm", provider: "fake" }
    })
  }))

it("a failure after the stream started is told in the stream: error, then run_ended failed", () =>
  withServer({ llm: { failMidway: { after: 1, error: new ProviderUnavailable({ provider: "fake", status: 502 }) } } }, async (s) => {
    const response = await s.call("/threads/messages", { json: { content: "Hi", stream: true } })
    expect(response.status).toBe(200)
    const text = await response.text()
    const events = text.split("\n").filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice(6)))
    expect(events.map((e) => e.type)).toEqual(["run_started", "content_streaming", "error", "run_ended"])
    expect(events[2]).toMatchObject({ code: "ProviderUnavailable", retryable: true })
    expect(events[3]).toMatchObject({ status: "failed" })
  }))

it("500 InternalError for a bug: nothing of it in the body, the request id to find it in the log (without the key)", () => {
  const logged: Array<string> = []
  const spy = vi.spyOn(console, "error").mockImplementation((...args: Array<unknown>) => void logged.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")))
  const spyLog = vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => void logged.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")))
  return withServer({
    llm: {
      reply: () => {
        throw new Error("a bug holding sk-test-000000 in its message")
      }
    }
  }, async (s) => {
    const response = await s.call("/threads/messages", { json: { content: "Hi" } })
    const text = await response.text()
    expect(response.status).toBe(500)
    expect(response.headers.get("x-should-retry")).toBe("false")
    expect(response.headers.get("x-request-id")).toMatch(/^req_/)
    expect(JSON.parse(text)).toEqual({ detail: "Internal server error", code: "InternalError", retryable: false })
    expect(text).not.toContain("sk-test")
    const line = logged.find((l) => l.includes("request failed"))
    expect(line).toContain("a bug holding [redacted] in its message")
    expect(line).toContain(response.headers.get("x-request-id")!)
  }).finally(() => {
    spy.mockRestore()
    spyLog.mockRestore()
  })
})
