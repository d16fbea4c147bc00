/**
 * The memory routes over `toWebHandler`, each with its exact answer: a memory added, listed,
 * read, searched, updated, deleted, restored and reset, its history, the assistant's stats; the
 * message routes with `memory` and `memory_scope` (JSON, multipart and events), their
 * `retrieved_memories` and `memory_operation_id`, and the operation they start; bad input and
 * unknown ids.
 */
import { scriptedMemoryLlm } from "@patchbay/core/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readEvents, webServer } from "./support/server.ts"

let s: Awaited<ReturnType<typeof webServer>>
/** The assistant the tests use (memory "Auto"). */
let assistantId = ""

const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
const memoryIdLike = expect.stringMatching(/^mem_/)

beforeAll(async () => {
  s = await webServer({
    llm: {
      reply: scriptedMemoryLlm({
        chat: (request) => /Lives in Oslo/.test(String(request.messages.find((m) => m.role === "system")?.content ?? "")) ? "You live in Oslo." : "Noted.",
        facts: (conversation) => (conversation.includes("Oslo") ? ["Lives in Oslo"] : [])
      })
    }
  })
  assistantId = (await (await s.call("/assistants", { json: { name: "Concierge", memory: "Auto" } })).json()).assistant_id
})
afterAll(() => s.dispose())

const memories = (rest = "") => `/assistants/${assistantId}/memories${rest}`

/** Polls the operation route until the operation has ended. */
const settled = async (operationId: string) => {
  let operation: { status: string } = { status: "IN_PROGRESS" }
  const poll = async () => (operation = await (await s.call(`/assistants/memories/operations/${operationId}`)).json())
  await poll()
  for (let i = 0; i < 400 && operation.status === "IN_PROGRESS"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
    await poll()
  }
  return operation as Record<string, unknown>
}

describe("adjusting memories", () => {
  it("add, get, list, update, search, delete, restore, history and stats answer exactly", async () => {
    const added = await s.call(memories(), { json: { content: "Likes tea", memory_scope: "user_1", metadata: { source: "form" } } })
    expect(added.status).toBe(200)
    const memory = await added.json()
    expect(memory).toEqual({
      id: memoryIdLike,
      content: "Likes tea",
      memory_scope: "user_1",
      metadata: { source: "form" },
      created_at: iso,
      updated_at: memory.created_at
    })

    expect(await (await s.call(memories(`/${memory.id}`))).json()).toEqual(memory)
    expect(await (await s.call(memories("?memory_scope=user_1"))).json()).toEqual({
      memories: [memory],
      total_count: 1,
      page: 1,
      page_size: 100,
      total_pages: 1
    })

    const updated = await (await s.call(memories(`/${memory.id}`), { method: "PUT", json: { content: "Likes green tea" } })).json()
    expect(updated).toEqual({ ...memory, content: "Likes green tea", updated_at: iso })

    const found = await s.call(memories("/search"), { json: { query: "Which tea?", memory_scope: "user_1" } })
    expect(found.status).toBe(200)
    expect(await found.json()).toEqual([{ id: memory.id, memory: "Likes green tea", score: 1 / 61 }])

    expect(await (await s.call(memories("/stats"))).json()).toEqual({ total_count: 1, deleted_count: 0, scopes: 1 })

    const deleted = await s.call(memories(`/${memory.id}`), { method: "DELETE" })
    expect(deleted.status).toBe(200)
    expect(await deleted.json()).toEqual({ ...updated, updated_at: iso, deleted_at: iso })
    expect(await (await s.call(memories("?memory_scope=user_1"))).json()).toMatchObject({ memories: [], total_count: 0 })
    expect((await (await s.call(memories("?memory_scope=user_1&include_deleted=true"))).json()).memories.map((m: { id: string }) => m.id))
      .toEqual([memory.id])
    expect(await (await s.call(memories("/search"), { json: { query: "tea", memory_scope: "user_1" } })).json()).toEqual([])
    expect(await (await s.call(memories("/stats"))).json()).toEqual({ total_count: 0, deleted_count: 1, scopes: 0 })

    const restored = await s.call(memories(`/${memory.id}/restore`), { method: "POST" })
    expect(restored.status).toBe(200)
    const back = await restored.json()
    expect({ ...back, updated_at: updated.updated_at, deleted_at: undefined }).toEqual({ ...updated, deleted_at: undefined })
    expect(back.deleted_at ?? null).toBeNull()

    const history = await (await s.call(memories(`/${memory.id}/history`))).json()
    const row = (event: string, old_content: string | null, new_content: string | null) => ({
      id: expect.any(String),
      memory_id: memory.id,
      event,
      old_content,
      new_content,
      operation_id: null,
      created_at: iso
    })
    expect(history).toEqual([
      row("ADD", null, "Likes tea"),
      row("UPDATE", "Likes tea", "Likes green tea"),
      row("DELETE", "Likes green tea", null),
      row("RESTORE", null, "Likes green tea")
    ])
  })

  it("lists page with page and page_size", async () => {
    const ids: Array<string> = []
    for (const content of ["One", "Two", "Three"]) {
      ids.push((await (await s.call(memories(), { json: { content, memory_scope: "paged" } })).json()).id)
    }
    const page = await (await s.call(memories("?memory_scope=paged&page=2&page_size=2"))).json()
    expect(page).toMatchObject({ total_count: 3, page: 2, page_size: 2, total_pages: 2 })
    expect(page.memories.map((m: { id: string }) => m.id)).toEqual([ids[2]])
  })

  it("DELETE /memories?memory_scope resets one scope, and each memory can be restored", async () => {
    await s.call(memories(), { json: { content: "Kept", memory_scope: "other" } })
    const reset = await s.call(memories("?memory_scope=paged"), { method: "DELETE" })
    expect(reset.status).toBe(200)
    expect(await reset.json()).toEqual({ deleted_count: 3 })
    expect(await (await s.call(memories("?memory_scope=paged"))).json()).toMatchObject({ memories: [], total_count: 0 })
    expect((await (await s.call(memories("?memory_scope=other"))).json()).total_count).toBe(1)
    const all = await (await s.call(memories(), { method: "DELETE" })).json()
    expect(all).toEqual({ deleted_count: 2 })
    expect(await (await s.call(memories("/stats"))).json()).toEqual({ total_count: 0, deleted_count: 5, scopes: 0 })
  })
})

describe("messages with memory", () => {
  it("\"Auto\" answers a memory_operation_id whose operation writes the fact; \"Readonly\" retrieves it in another thread", async () => {
    const first = await (await s.call("/threads/messages", {
      json: { content: "Hi! I live in Oslo.", assistant_id: assistantId, memory_scope: "user_42" }
    })).json()
    expect(first).toMatchObject({ content: "Noted.", status: "completed", retrieved_memories: [] })
    expect(first.memory_operation_id).toMatch(/^memop_/)

    const operation = await settled(first.memory_operation_id)
    expect(operation).toEqual({
      operation_id: first.memory_operation_id,
      status: "COMPLETED",
      error: null,
      raw_output: null,
      events: [{ memory_id: memoryIdLike, event: "ADD" }],
      created_at: iso,
      completed_at: iso
    })
    const memoryId = (operation["events"] as Array<{ memory_id: string }>)[0]!.memory_id
    const history = await (await s.call(memories(`/${memoryId}/history`))).json()
    expect(history.map((h: { event: string; operation_id: string }) => [h.event, h.operation_id])).toEqual([["ADD", first.memory_operation_id]])

    const second = await (await s.call("/threads/messages", {
      json: { content: "Where do I live?", assistant_id: assistantId, memory: "Readonly", memory_scope: "user_42" }
    })).json()
    expect(second).toMatchObject({ content: "You live in Oslo.", memory_operation_id: null })
    expect(second.thread_id).not.toBe(first.thread_id)
    expect(second.retrieved_memories).toEqual([{ id: memoryId, memory: "Lives in Oslo", score: 1 / 61 }])

    const otherUser = await (await s.call("/threads/messages", {
      json: { content: "Where do I live?", assistant_id: assistantId, memory: "Readonly", memory_scope: "user_7" }
    })).json()
    expect(otherUser).toMatchObject({ content: "Noted.", retrieved_memories: [], memory_operation_id: null })
  })

  it("multipart messages take memory and memory_scope as fields", async () => {
    const form = new FormData()
    form.append("content", "Where do I live?")
    form.append("assistant_id", assistantId)
    form.append("memory", "Readonly")
    form.append("memory_scope", "user_42")
    const response = await s.call("/threads/messages", { method: "POST", body: form })
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.retrieved_memories.map((m: { memory: string }) => m.memory)).toEqual(["Lives in Oslo"])
    expect(body.memory_operation_id).toBeNull()
  })

  it("streamed, memory_retrieved comes before the content and run_ended carries memory_operation_id", async () => {
    const response = await s.call("/threads/messages", {
      json: { content: "Where do I live?", assistant_id: assistantId, memory: "Readonly", memory_scope: "user_42", stream: true }
    })
    const { events } = await readEvents(response)
    expect(events.map((e) => e.type)).toEqual(["run_started", "memory_retrieved", ...Array(4).fill("content_streaming"), "run_ended"])
    expect(events[1]).toMatchObject({ memories: [{ memory: "Lives in Oslo", score: 1 / 61 }] })
    expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "completed", memory_operation_id: null })
  })

  it("memory \"off\" neither reads nor writes", async () => {
    const body = await (await s.call("/threads/messages", {
      json: { content: "I live in Oslo.", assistant_id: assistantId, memory: "off", memory_scope: "user_42" }
    })).json()
    expect(body).toMatchObject({ retrieved_memories: [], memory_operation_id: null })
  })
})

describe("bad input", () => {
  const sometimes = {
    detail: "Invalid request at memory: not a memory mode; allowed: \"Auto\", \"Readonly\", \"off\"",
    code: "InvalidRequest",
    retryable: false,
    field: "memory",
    value: "sometimes",
    allowed: ["Auto", "Readonly", "off"],
    reason: "not a memory mode"
  }

  it("memory: \"sometimes\" is 400 listing the allowed modes, before any vendor call (JSON)", async () => {
    const calls = s.fakes.llm.log.requests.length
    const response = await s.call("/threads/messages", { json: { content: "Hi", memory: "sometimes" } })
    expect(response.status).toBe(400)
    expect(response.headers.get("x-should-retry")).toBe("false")
    expect(await response.json()).toEqual(sometimes)
    expect(s.fakes.llm.log.requests.length).toBe(calls)
  })

  it("memory: \"sometimes\" is 400 listing the allowed modes (multipart)", async () => {
    const form = new FormData()
    form.append("content", "Hi")
    form.append("memory", "sometimes")
    const response = await s.call("/threads/messages", { method: "POST", body: form })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual(sometimes)
  })

  it("a memory without content, a search without a query, a bad page: 400 naming the field", async () => {
    const noContent = await s.call(memories(), { json: { memory_scope: "x" } })
    expect(noContent.status).toBe(400)
    expect(await noContent.json()).toMatchObject({ code: "InvalidRequest", field: "content", retryable: false })
    const noQuery = await s.call(memories("/search"), { json: { memory_scope: "x" } })
    expect(noQuery.status).toBe(400)
    expect(await noQuery.json()).toMatchObject({ code: "InvalidRequest", field: "query" })
    const badLimit = await s.call(memories("/search"), { json: { query: "tea", limit: 0 } })
    expect(badLimit.status).toBe(400)
    expect(await badLimit.json()).toMatchObject({ code: "InvalidRequest", field: "limit" })
    const badPage = await s.call(memories("?page=0"))
    expect(badPage.status).toBe(400)
    expect(await badPage.json()).toMatchObject({ code: "InvalidRequest", field: "page" })
    const badExpiry = await s.call(memories(), { json: { content: "Soon gone", expires_at: "tomorrow" } })
    expect(badExpiry.status).toBe(400)
    expect(await badExpiry.json()).toMatchObject({ code: "InvalidRequest", field: "expires_at", value: "tomorrow" })
  })

  it("an unknown field of a memory is ignored with a warning", async () => {
    const response = await s.call(memories(), { json: { content: "Has a cat", colour: "blue" } })
    expect(response.status).toBe(200)
    expect(response.headers.get("x-patchbay-warnings")).toBe("unknown field \"colour\" was ignored")
    expect(await response.json()).not.toHaveProperty("colour")
  })

  it("a deleted memory is restored before it is updated", async () => {
    const memory = await (await s.call(memories(), { json: { content: "Short-lived" } })).json()
    await s.call(memories(`/${memory.id}`), { method: "DELETE" })
    const response = await s.call(memories(`/${memory.id}`), { method: "PUT", json: { content: "Changed" } })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: "InvalidRequest", field: "memory_id", value: memory.id })
  })
})

describe("unknown ids answer 404", () => {
  it("an unknown assistant, memory and operation", async () => {
    const assistant = await s.call("/assistants/asst_nope/memories")
    expect(assistant.status).toBe(404)
    expect(await assistant.json()).toEqual({ detail: "No assistant with id \"asst_nope\"", code: "NotFound", retryable: false, kind: "assistant", id: "asst_nope" })
    const memory = await s.call(memories("/mem_nope"))
    expect(memory.status).toBe(404)
    expect(await memory.json()).toEqual({ detail: "No memory with id \"mem_nope\"", code: "NotFound", retryable: false, kind: "memory", id: "mem_nope" })
    const operation = await s.call("/assistants/memories/operations/memop_nope")
    expect(operation.status).toBe(404)
    expect(await operation.json()).toEqual({
      detail: "No operation with id \"memop_nope\"",
      code: "NotFound",
      retryable: false,
      kind: "operation",
      id: "memop_nope"
    })
  })

  it("and every memory route of an unknown memory", async () => {
    for (const [path, init] of [
      [memories("/mem_nope"), { method: "PUT", json: { content: "x" } }],
      [memories("/mem_nope"), { method: "DELETE" }],
      [memories("/mem_nope/history"), {}],
      [memories("/mem_nope/restore"), { method: "POST" }]
    ] as const) {
      const response = await s.call(path, init)
      expect(response.status).toBe(404)
      expect(await response.json()).toMatchObject({ code: "NotFound", kind: "memory", id: "mem_nope" })
    }
  })
})

describe("the OpenAPI document", () => {
  it("declares the memory routes", async () => {
    const doc = await (await s.call("/openapi.json", { key: null })).json()
    expect(Object.keys(doc.paths).filter((p) => p.includes("memories"))).toEqual([
      "/assistants/{assistant_id}/memories",
      "/assistants/{assistant_id}/memories/search",
      "/assistants/{assistant_id}/memories/stats",
      "/assistants/{assistant_id}/memories/{memory_id}",
      "/assistants/{assistant_id}/memories/{memory_id}/history",
      "/assistants/{assistant_id}/memories/{memory_id}/restore",
      "/assistants/memories/operations/{operation_id}"
    ])
    expect(Object.keys(doc.paths["/assistants/{assistant_id}/memories"])).toEqual(["get", "post", "delete"])
    expect(doc.paths["/assistants/{assistant_id}/memories"].get.parameters.map((p: { name: string }) => p.name))
      .toEqual(["assistant_id", "page", "page_size", "memory_scope", "include_deleted"])
    expect(doc.components.schemas.MemoryList.properties.total_pages.type).toBe("integer")
  })
})
