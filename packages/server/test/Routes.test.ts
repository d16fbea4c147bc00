/**
 * The routes over `toWebHandler`: assistants, threads, messages (JSON and SSE), the catalogue,
 * health and the OpenAPI document, each with its exact answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readEvents, webServer } from "./support/server.ts"

let s: Awaited<ReturnType<typeof webServer>>
beforeAll(async () => {
  s = await webServer()
})
afterAll(() => s.dispose())

describe("public routes", () => {
  it("/health answers without a key", async () => {
    const response = await s.call("/health", { key: null })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: "ok" })
    expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/)
  })

  it("/openapi.json is the declaration's OpenAPI 3.1 document, with integers as integers", async () => {
    const response = await s.call("/openapi.json", { key: null })
    expect(response.status).toBe(200)
    const doc = await response.json()
    expect(doc.openapi).toBe("3.1.0")
    expect(doc.info.title).toBe("Patchbay")
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      "/assistants",
      "/assistants/{assistant_id}",
      "/assistants/{assistant_id}/threads",
      "/threads",
      "/threads/messages",
      "/threads/tool-outputs",
      "/threads/{thread_id}",
      "/threads/{thread_id}/messages",
      "/threads/{thread_id}/runs/{run_id}",
      "/threads/{thread_id}/runs/{run_id}/cancel",
      "/threads/{thread_id}/runs/{run_id}/submit-tool-outputs",
      "/runs/{run_id}",
      "/runs/{run_id}/cancel",
      "/runs/{run_id}/submit-tool-outputs",
      "/media/{document_id}",
      "/models",
      "/providers",
      "/health"
    ]))
    const message = doc.paths["/threads/{thread_id}/messages"].post
    expect(Object.keys(message.requestBody.content)).toEqual(["application/json", "multipart/form-data"])
    expect(Object.keys(message.responses["200"].content)).toEqual(["application/json", "text/event-stream"])
    expect(JSON.stringify(doc).match(/"NaN"/g)).toBeNull()
    expect(doc.components.schemas.Assistant.properties.memory_top_k.type).toBe("integer")
  })

  it("/docs serves the API reference page", async () => {
    const response = await s.call("/docs", { key: null })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/html")
  })

  it("keeps the client's x-request-id", async () => {
    const response = await s.call("/health", { key: null, headers: { "x-request-id": "abc-123" } })
    expect(response.headers.get("x-request-id")).toBe("abc-123")
  })
})

describe("keys", () => {
  it("401 without a key, with the error body and x-should-retry", async () => {
    const response = await s.call("/threads", { key: null })
    expect(response.status).toBe(401)
    expect(response.headers.get("x-should-retry")).toBe("false")
    expect(response.headers.get("x-request-id")).not.toBeNull()
    expect(await response.json()).toEqual({
      detail: "Missing API key: send a Patchbay key as X-API-Key or Authorization: Bearer",
      code: "Unauthorized",
      retryable: false,
      reason: "missing"
    })
  })

  it("401 for an unknown key, which the body does not repeat", async () => {
    const response = await s.call("/threads", { key: "pb_not-a-real-key" })
    expect(response.status).toBe(401)
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({
      detail: "Invalid API key: the Patchbay key sent is unknown or revoked",
      code: "Unauthorized",
      retryable: false,
      reason: "invalid"
    })
    expect(text).not.toContain("pb_not-a-real-key")
  })

  it("takes the key as Authorization: Bearer too", async () => {
    const response = await s.call("/threads", { key: null, headers: { authorization: `Bearer ${s.keys.acme}` } })
    expect(response.status).toBe(200)
  })
})

describe("assistants and threads", () => {
  it("creates, reads, updates, lists and deletes an assistant", async () => {
    const created = await s.call("/assistants", { json: { name: "Helper", system_prompt: "Be brief." } })
    expect(created.status).toBe(200)
    const assistant = await created.json()
    expect(assistant).toMatchObject({ name: "Helper", system_prompt: "Be brief.", memory: "off", memory_top_k: 10 })
    expect(assistant.assistant_id).toMatch(/^asst_/)

    expect(await (await s.call(`/assistants/${assistant.assistant_id}`)).json()).toEqual(assistant)
    const updated = await (await s.call(`/assistants/${assistant.assistant_id}`, { method: "PUT", json: { name: "Helper 2" } })).json()
    expect(updated).toMatchObject({ assistant_id: assistant.assistant_id, name: "Helper 2", system_prompt: "Be brief." })

    const listed = await (await s.call("/assistants?skip=0&limit=10")).json()
    expect(listed.map((a: { assistant_id: string }) => a.assistant_id)).toEqual(["asst_default", assistant.assistant_id])

    const thread = await (await s.call(`/assistants/${assistant.assistant_id}/threads`, { json: {} })).json()
    expect(thread).toMatchObject({ assistant_id: assistant.assistant_id })
    const threads = await (await s.call(`/assistants/${assistant.assistant_id}/threads`)).json()
    expect(threads.map((t: { thread_id: string }) => t.thread_id)).toEqual([thread.thread_id])

    const deleted = await s.call(`/assistants/${assistant.assistant_id}`, { method: "DELETE" })
    expect(await deleted.json()).toEqual({ deleted: true, id: assistant.assistant_id })
    expect((await s.call(`/assistants/${assistant.assistant_id}`)).status).toBe(404)
    expect((await s.call(`/threads/${thread.thread_id}`)).status).toBe(404)
  })

  it("an unknown field of an assistant is ignored with a warning", async () => {
    const response = await s.call("/assistants", { json: { name: "W", colour: "blue" } })
    expect(response.status).toBe(200)
    expect(response.headers.get("x-patchbay-warnings")).toBe("unknown field \"colour\" was ignored")
    expect(await response.json()).not.toHaveProperty("colour")
  })

  it("a wrong field type answers 400 naming the field", async () => {
    const response = await s.call("/assistants", { json: { name: "X", memory_top_k: "ten" } })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: "InvalidRequest", field: "memory_top_k", retryable: false })
  })

  it("asst_default cannot be deleted", async () => {
    const response = await s.call("/assistants/asst_default", { method: "DELETE" })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      detail: "Invalid request at assistant_id: the default assistant cannot be deleted; update it instead",
      code: "InvalidRequest",
      retryable: false,
      field: "assistant_id",
      value: "asst_default",
      reason: "the default assistant cannot be deleted; update it instead"
    })
  })

  it("a malformed query parameter answers 400 naming it", async () => {
    const response = await s.call("/threads?limit=many")
    expect(response.status).toBe(400)
    expect(response.headers.get("x-should-retry")).toBe("false")
    expect(await response.json()).toMatchObject({ code: "InvalidRequest", field: "limit", retryable: false })
  })

  it("an unknown route answers 404 with the error body", async () => {
    const response = await s.call("/nowhere")
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ detail: "No route for GET /nowhere", code: "RouteNotFound", retryable: false })
  })
})

describe("messages", () => {
  it("one call: a JSON message creates a thread and answers the folded response", async () => {
    const response = await s.call("/threads/messages", { json: { content: "Hello?" } })
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body).toMatchObject({
      content: "Hello! How can I help?",
      assistant_id: "asst_default",
      status: "completed",
      model_provider: "fake",
      model_name: "fake-llm",
      warnings: []
    })
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant"])
    const thread = await (await s.call(`/threads/${body.thread_id}?limit=1`)).json()
    expect(thread.messages.map((m: { content: string }) => m.content)).toEqual(["Hello! How can I help?"])
    const run = await (await s.call(`/runs/${body.run_id}`)).json()
    expect(run).toMatchObject({ run_id: body.run_id, thread_id: body.thread_id, status: "completed", reason: null })
    expect(await (await s.call(`/threads/${body.thread_id}/runs/${body.run_id}`)).json()).toEqual(run)
  })

  it("unknown fields are ignored with a warning, in the header and the response", async () => {
    const response = await s.call("/threads/messages", { json: { content: "Hi", colour: "blue" } })
    expect(response.status).toBe(200)
    expect(response.headers.get("x-patchbay-warnings")).toBe("unknown field \"colour\" was ignored")
    expect((await response.json()).warnings).toEqual([{ code: "unknown_field", message: "unknown field \"colour\" was ignored" }])
  })

  it("a message to a thread continues it", async () => {
    const first = await (await s.call("/threads/messages", { json: { content: "One" } })).json()
    const second = await s.call(`/threads/${first.thread_id}/messages`, { json: { content: "Two" } })
    expect(second.status).toBe(200)
    expect((await second.json()).thread_id).toBe(first.thread_id)
    const thread = await (await s.call(`/threads/${first.thread_id}`)).json()
    expect(thread.messages.map((m: { content: string }) => m.content)).toEqual(["One", "Hello! How can I help?", "Two", "Hello! How can I help?"])
  })

  it("stream: true answers Server-Sent Events, one pipeline event per data line", async () => {
    const response = await s.call("/threads/messages", { json: { content: "Hi", stream: true } })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const { events, lines } = await readEvents(response)
    expect(events.map((e) => e.type)).toEqual(["run_started", ...Array(5).fill("content_streaming"), "run_ended"])
    expect(events.map((e) => e["content"]).filter((c) => c !== undefined).join("")).toBe("Hello! How can I help?")
    expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "completed" })
    expect(lines.filter((line) => line !== "").every((line) => line.startsWith("data: "))).toBe(true)
    expect(events.map((e) => e["seq"])).toEqual([0, 1, 2, 3, 4, 5, 6])
  })

  it("takes the seed's string booleans: send_to_llm \"false\" skips the LLM", async () => {
    const calls = s.fakes.llm.log.requests.length
    const response = await s.call("/threads/messages", { json: { content: "Just store this", send_to_llm: "false" } })
    expect(await response.json()).toMatchObject({ content: "Just store this", status: "completed", messages: [{ role: "user", content: "Just store this" }] })
    expect(s.fakes.llm.log.requests.length).toBe(calls)
  })

  it("a message to an unknown thread is 404", async () => {
    const response = await s.call("/threads/thr_missing/messages", { json: { content: "Hi" } })
    expect(response.status).toBe(404)
    expect(response.headers.get("x-should-retry")).toBe("false")
    expect(await response.json()).toEqual({ detail: "No thread with id \"thr_missing\"", code: "NotFound", retryable: false, kind: "thread", id: "thr_missing" })
  })
})

describe("the catalogue", () => {
  it("/providers and /models list what is registered", async () => {
    expect(await (await s.call("/providers")).json()).toEqual([
      { id: "fake", capabilities: ["stt", "tts", "llm"], models: ["fake-stt", "fake-tts", "fake-llm"] }
    ])
    const models = await (await s.call("/models")).json()
    expect(models.map((m: { id: string }) => m.id)).toEqual(["fake-stt", "fake-tts", "fake-llm"])
  })
})
