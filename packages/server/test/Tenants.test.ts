/**
 * Tenants: every route that takes an id answers 404 for another tenant's, exactly as for an id
 * that does not exist, and leaves the owner's data as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { webServer } from "./support/server.ts"
import { weatherReply, weatherTool } from "./support/tools.ts"

let s: Awaited<ReturnType<typeof webServer>>
/** acme's ids. */
let ids: { assistant: string; thread: string; run: string; document: string; memory: string; operation: string }

beforeAll(async () => {
  s = await webServer({ llm: { reply: weatherReply } })
  const assistant = await (await s.call("/assistants", { json: { name: "Acme's" } })).json()
  const spoken = await (await s.call("/threads/messages", {
    json: { content: "Hi", assistant_id: assistant.assistant_id, voice: { tts: { provider: "fake", model: "fake-tts", voice: "ada" } } }
  })).json()
  const paused = await (await s.call(`/threads/${spoken.thread_id}/messages`, { json: { content: "Weather?", tools: [weatherTool] } })).json()
  expect(paused.status).toBe("requires_action")
  const memory = await (await s.call(`/assistants/${assistant.assistant_id}/memories`, { json: { content: "Lives in Oslo", memory_scope: "user_1" } })).json()
  const remembered = await (await s.call("/threads/messages", { json: { content: "Hello", assistant_id: assistant.assistant_id, memory: "Auto" } })).json()
  expect(remembered.memory_operation_id).toMatch(/^memop_/)
  ids = {
    assistant: assistant.assistant_id,
    thread: spoken.thread_id,
    run: paused.run_id,
    document: spoken.attachments[0].document_id,
    memory: memory.id,
    operation: remembered.memory_operation_id
  }
})
afterAll(() => s.dispose())

describe("another tenant's ids answer 404", () => {
  const routes: ReadonlyArray<readonly [string, () => [string, RequestInit & { json?: unknown }], string]> = [
    ["GET /assistants/{id}", () => [`/assistants/${ids.assistant}`, {}], "assistant"],
    ["PUT /assistants/{id}", () => [`/assistants/${ids.assistant}`, { method: "PUT", json: { name: "Mine now" } }], "assistant"],
    ["DELETE /assistants/{id}", () => [`/assistants/${ids.assistant}`, { method: "DELETE" }], "assistant"],
    ["POST /assistants/{id}/threads", () => [`/assistants/${ids.assistant}/threads`, { json: {} }], "assistant"],
    ["GET /assistants/{id}/threads", () => [`/assistants/${ids.assistant}/threads`, {}], "assistant"],
    ["GET /threads/{id}", () => [`/threads/${ids.thread}`, {}], "thread"],
    ["DELETE /threads/{id}", () => [`/threads/${ids.thread}`, { method: "DELETE" }], "thread"],
    ["POST /threads/{id}/messages", () => [`/threads/${ids.thread}/messages`, { json: { content: "Hi" } }], "thread"],
    ["POST /threads/messages with thread_id", () => ["/threads/messages", { json: { content: "Hi", thread_id: ids.thread } }], "thread"],
    ["POST /threads/messages with assistant_id", () => ["/threads/messages", { json: { content: "Hi", assistant_id: ids.assistant } }], "assistant"],
    ["POST /threads/tool-outputs", () => ["/threads/tool-outputs", { json: { thread_id: ids.thread, tool_outputs: [{ tool_call_id: "call_w", output: "x" }] } }], "thread"],
    ["GET /threads/{id}/runs/{run_id}", () => [`/threads/${ids.thread}/runs/${ids.run}`, {}], "thread"],
    ["POST /threads/{id}/runs/{run_id}/cancel", () => [`/threads/${ids.thread}/runs/${ids.run}/cancel`, { method: "POST" }], "thread"],
    [
      "POST /threads/{id}/runs/{run_id}/submit-tool-outputs",
      () => [`/threads/${ids.thread}/runs/${ids.run}/submit-tool-outputs`, { json: { tool_outputs: [{ tool_call_id: "call_w", output: "x" }] } }],
      "thread"
    ],
    ["GET /runs/{run_id}", () => [`/runs/${ids.run}`, {}], "run"],
    ["POST /runs/{run_id}/cancel", () => [`/runs/${ids.run}/cancel`, { method: "POST" }], "run"],
    ["POST /runs/{run_id}/submit-tool-outputs", () => [`/runs/${ids.run}/submit-tool-outputs`, { json: { tool_outputs: [{ tool_call_id: "call_w", output: "x" }] } }], "run"],
    ["GET /media/{document_id} (unsigned)", () => [`/media/${ids.document}`, {}], "document"],
    ["GET /assistants/{id}/memories", () => [`/assistants/${ids.assistant}/memories`, {}], "assistant"],
    ["POST /assistants/{id}/memories", () => [`/assistants/${ids.assistant}/memories`, { json: { content: "Mine now" } }], "assistant"],
    ["DELETE /assistants/{id}/memories", () => [`/assistants/${ids.assistant}/memories`, { method: "DELETE" }], "assistant"],
    ["DELETE /assistants/{id}/memories?memory_scope", () => [`/assistants/${ids.assistant}/memories?memory_scope=user_1`, { method: "DELETE" }], "assistant"],
    ["POST /assistants/{id}/memories/search", () => [`/assistants/${ids.assistant}/memories/search`, { json: { query: "Oslo", memory_scope: "user_1" } }], "assistant"],
    ["GET /assistants/{id}/memories/stats", () => [`/assistants/${ids.assistant}/memories/stats`, {}], "assistant"],
    ["GET /assistants/{id}/memories/{memory_id}", () => [`/assistants/${ids.assistant}/memories/${ids.memory}`, {}], "assistant"],
    ["PUT /assistants/{id}/memories/{memory_id}", () => [`/assistants/${ids.assistant}/memories/${ids.memory}`, { method: "PUT", json: { content: "x" } }], "assistant"],
    ["DELETE /assistants/{id}/memories/{memory_id}", () => [`/assistants/${ids.assistant}/memories/${ids.memory}`, { method: "DELETE" }], "assistant"],
    ["GET /assistants/{id}/memories/{memory_id}/history", () => [`/assistants/${ids.assistant}/memories/${ids.memory}/history`, {}], "assistant"],
    ["POST /assistants/{id}/memories/{memory_id}/restore", () => [`/assistants/${ids.assistant}/memories/${ids.memory}/restore`, { method: "POST" }], "assistant"],
    // the memory id under the caller's own assistant: the memory is not theirs either
    ["GET /assistants/asst_default/memories/{memory_id}", () => [`/assistants/asst_default/memories/${ids.memory}`, {}], "memory"],
    ["PUT /assistants/asst_default/memories/{memory_id}", () => [`/assistants/asst_default/memories/${ids.memory}`, { method: "PUT", json: { content: "x" } }], "memory"],
    ["DELETE /assistants/asst_default/memories/{memory_id}", () => [`/assistants/asst_default/memories/${ids.memory}`, { method: "DELETE" }], "memory"],
    ["GET /assistants/asst_default/memories/{memory_id}/history", () => [`/assistants/asst_default/memories/${ids.memory}/history`, {}], "memory"],
    ["POST /assistants/asst_default/memories/{memory_id}/restore", () => [`/assistants/asst_default/memories/${ids.memory}/restore`, { method: "POST" }], "memory"],
    ["GET /assistants/memories/operations/{operation_id}", () => [`/assistants/memories/operations/${ids.operation}`, {}], "operation"]
  ]

  for (const [name, request, kind] of routes) {
    it(name, async () => {
      const [path, init] = request()
      const response = await s.as(s.keys.globex)(path, init)
      expect(response.status).toBe(404)
      expect(response.headers.get("x-should-retry")).toBe("false")
      const body = await response.json()
      expect(body).toMatchObject({ code: "NotFound", kind, retryable: false })
    })
  }

  it("lists show none of it", async () => {
    const other = s.as(s.keys.globex)
    expect(await (await other("/threads")).json()).toEqual([])
    expect((await (await other("/assistants")).json()).map((a: { assistant_id: string }) => a.assistant_id)).toEqual(["asst_default"])
    expect(await (await other("/assistants/asst_default/memories")).json()).toMatchObject({ memories: [], total_count: 0 })
    expect(await (await other("/assistants/asst_default/memories/search", { json: { query: "Oslo", memory_scope: "user_1" } })).json()).toEqual([])
  })

  it("and the owner's data is untouched", async () => {
    expect((await (await s.call(`/assistants/${ids.assistant}`)).json()).name).toBe("Acme's")
    expect((await (await s.call(`/runs/${ids.run}`)).json()).status).toBe("requires_action")
    const thread = await (await s.call(`/threads/${ids.thread}`)).json()
    expect(thread.messages).toHaveLength(4)
    expect((await s.call(`/media/${ids.document}`)).status).toBe(200)
    const memory = await (await s.call(`/assistants/${ids.assistant}/memories/${ids.memory}`)).json()
    expect(memory).toMatchObject({ content: "Lives in Oslo", memory_scope: "user_1" })
    expect(memory.deleted_at ?? null).toBeNull()
    expect(await (await s.call(`/assistants/${ids.assistant}/memories/${ids.memory}/history`)).json()).toHaveLength(1)
    expect((await s.call(`/assistants/memories/operations/${ids.operation}`)).status).toBe(200)
  })
})
