/**
 * Assistants through the facade: their records by Backboard's field names, the default
 * assistant, the override order request → thread → assistant (for one interaction only), the
 * threads and runs views, and a paused run resumed by a new instance over the same stores.
 */
import { describe, expect, it } from "vitest"
import { createPatchbay, type LlmRequest, type PipelineEvent, Stores } from "../src/index.ts"
import { FakeLlm, fakeProvider, FakeTts } from "../src/testing/index.ts"

/** An LLM that says which provider served and what it was told. */
const echo = (id: string) =>
  FakeLlm({
    reply: (request: LlmRequest) => {
      const system = request.messages[0]?.role === "system" ? request.messages[0].content : "none"
      const tools = (request.tools ?? []).map((t) => t.function.name).join(",") || "none"
      return `${id}|${system}|${tools}`
    }
  })

const make = (options: { readonly stores?: Stores.StoresLayer; readonly tenantId?: string } = {}) =>
  createPatchbay({
    providers: [fakeProvider({ id: "fake", llm: echo("fake"), tts: FakeTts() }), fakeProvider({ id: "other", llm: echo("other") })],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    media: { secret: "assistants-test-secret" },
    ...options
  })

const tool = (name: string) => ({ type: "function", function: { name, parameters: { type: "object", properties: {} } } }) as const
const ID = /^asst_[A-Za-z0-9_-]{16}$/

describe("assistants", () => {
  it("create, get, update, list and delete; asst_default exists, can be updated, cannot be deleted", async () => {
    const pb = make()
    const [asstDefault] = await pb.assistants.list()
    expect(asstDefault).toEqual({
      assistant_id: "asst_default",
      name: "Default",
      memory: "off",
      memory_top_k: 10,
      created_at: expect.any(String),
      updated_at: expect.any(String)
    })
    const created = await pb.assistants.create({ name: "Support", system_prompt: "Be kind.", llm_provider: "other", model_name: "fake-llm" })
    expect(created).toEqual({
      assistant_id: expect.stringMatching(ID),
      name: "Support",
      system_prompt: "Be kind.",
      llm_provider: "other",
      model_name: "fake-llm",
      memory: "off",
      memory_top_k: 10,
      created_at: created.created_at,
      updated_at: created.created_at
    })
    expect(await pb.assistants.get(created.assistant_id)).toEqual(created)
    const updated = await pb.assistants.update(created.assistant_id, { system_prompt: "Be brief.", memory_top_k: 5 })
    expect(updated).toEqual({ ...created, system_prompt: "Be brief.", memory_top_k: 5, updated_at: updated.updated_at })
    expect((await pb.assistants.list()).map((a) => a.assistant_id)).toEqual(["asst_default", created.assistant_id])
    expect((await pb.assistants.list({ skip: 1, limit: 5 })).map((a) => a.assistant_id)).toEqual([created.assistant_id])
    expect((await pb.assistants.list({ limit: 1 })).map((a) => a.assistant_id)).toEqual(["asst_default"])

    await expect(pb.assistants.delete("asst_default")).rejects.toMatchObject({
      _tag: "InvalidRequest",
      field: "assistant_id",
      reason: "the default assistant cannot be deleted; update it instead"
    })
    expect((await pb.assistants.update("asst_default", { system_prompt: "House rules." })).system_prompt).toBe("House rules.")

    await expect(pb.assistants.create({} as never)).rejects.toMatchObject({ _tag: "InvalidRequest", field: "name" })
    await expect(pb.assistants.create({ name: "X", llm_provider: "fake" })).rejects.toMatchObject({ _tag: "InvalidRequest", field: "model_name" })
    await expect(pb.assistants.create({ name: "X", llm_provider: "nope", model_name: "m" })).rejects.toMatchObject({ _tag: "UnknownProvider" })
    await expect(pb.assistants.update(created.assistant_id, { model_name: "nope" })).rejects.toMatchObject({ _tag: "UnknownModel" })
    await expect(pb.assistants.create({ name: "X", memory: "sometimes" as never })).rejects.toMatchObject({ _tag: "InvalidRequest", field: "memory" })

    await pb.assistants.delete(created.assistant_id)
    await expect(pb.assistants.get(created.assistant_id)).rejects.toMatchObject({ _tag: "NotFound", kind: "assistant", id: created.assistant_id })
    await expect(pb.assistants.delete(created.assistant_id)).rejects.toMatchObject({ _tag: "NotFound", kind: "assistant" })
    await pb.dispose()
  })

  it("request fields override the thread's, which override the assistant's, for that interaction only", async () => {
    const pb = make()
    const assistant = await pb.assistants.create({
      name: "Helper",
      system_prompt: "A",
      llm_provider: "other",
      model_name: "fake-llm",
      tools: [tool("from_assistant")]
    })
    const id = assistant.assistant_id

    // a new thread of the assistant: everything comes from the assistant
    const first = await pb.addMessage({ assistantId: id, content: "1" })
    expect([first.content, first.assistant_id, first.model_provider]).toEqual(["other|A|from_assistant", id, "other"])
    // the request wins, for this message only
    const second = await pb.addMessage({ threadId: first.thread_id, content: "2", systemPrompt: "R", llmProvider: "fake", modelName: "fake-llm", tools: [tool("from_request")] })
    expect(second.content).toBe("fake|R|from_request")
    const third = await pb.addMessage({ threadId: first.thread_id, content: "3" })
    expect(third.content).toBe("other|A|from_assistant")

    // a thread's own defaults come between
    const thread = await pb.createThread({ assistantId: id, systemPrompt: "T", llmProvider: "fake", modelName: "fake-llm" })
    expect(thread.assistant_id).toBe(id)
    expect((await pb.addMessage({ threadId: thread.thread_id, content: "4" })).content).toBe("fake|T|from_assistant")
    expect((await pb.addMessage({ threadId: thread.thread_id, content: "5", systemPrompt: "R" })).content).toBe("fake|R|from_assistant")

    // without an assistant: asst_default, and createPatchbay's LLM
    const plain = await pb.addMessage({ content: "6" })
    expect([plain.content, plain.assistant_id]).toEqual(["fake|none|none", "asst_default"])

    // the stream says whose run it is
    const events: Array<PipelineEvent> = []
    for await (const event of await pb.addMessage({ threadId: first.thread_id, content: "7", stream: true })) events.push(event)
    const last = events.at(-1)
    expect(last).toMatchObject({ type: "run_ended", status: "completed", reason: null, warnings: [] })
    expect(events[0]).toMatchObject({ type: "run_started", assistant_id: id, message_id: last?.type === "run_ended" ? last.message_id : "" })

    await expect(pb.addMessage({ threadId: first.thread_id, assistantId: "asst_default", content: "x" })).rejects.toMatchObject({
      _tag: "InvalidRequest",
      field: "assistant_id",
      reason: `thread ${first.thread_id} belongs to assistant ${id}`
    })
    await expect(pb.addMessage({ assistantId: "asst_missing", content: "x" })).rejects.toMatchObject({ _tag: "NotFound", kind: "assistant", id: "asst_missing" })
    await expect(pb.createThread({ assistantId: "asst_missing" })).rejects.toMatchObject({ _tag: "NotFound", kind: "assistant" })
    await pb.dispose()
  })

  it("an assistant's voice speaks its threads' replies unless the request names another", async () => {
    const pb = make()
    const voiced = await pb.assistants.create({ name: "Voiced", voice: { tts: { provider: "fake", model: "fake-tts", voice: "ada" } } })
    const spoken = await pb.addMessage({ assistantId: voiced.assistant_id, content: "Hi" })
    expect(spoken.messages.at(-1)?.voice_records?.tts?.voice).toBe("ada")
    expect(spoken.attachments.map((a) => a.media_type)).toEqual(["audio/mpeg"])
    const other = await pb.addMessage({ threadId: spoken.thread_id, content: "Hi", voice: { tts: { provider: "fake", model: "fake-tts", voice: "grace" } } })
    expect(other.messages.at(-1)?.voice_records?.tts?.voice).toBe("grace")
    await pb.dispose()
  })

  it("pb.threads lists, reads (messages paged, media URLs signed afresh) and deletes; pb.runs.get reads a run", async () => {
    const pb = make()
    const voiced = await pb.assistants.create({ name: "Voiced", voice: { tts: { provider: "fake", model: "fake-tts", voice: "ada" } } })
    const a = await pb.addMessage({ assistantId: voiced.assistant_id, content: "one" })
    await pb.addMessage({ threadId: a.thread_id, content: "two" })
    const b = await pb.addMessage({ content: "other thread" })

    expect((await pb.threads.list()).map((t) => t.thread_id)).toEqual([b.thread_id, a.thread_id])
    expect((await pb.threads.list({ assistantId: voiced.assistant_id })).map((t) => t.thread_id)).toEqual([a.thread_id])
    expect((await pb.threads.list({ skip: 1 })).map((t) => t.thread_id)).toEqual([a.thread_id])

    const thread = await pb.threads.get(a.thread_id)
    expect(thread.assistant_id).toBe(voiced.assistant_id)
    expect(thread.messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "one"],
      ["assistant", "fake|none|none"],
      ["user", "two"],
      ["assistant", "fake|none|none"]
    ])
    const attachment = thread.messages[1]!.attachments![0]!
    expect(attachment.url).toMatch(/^\/media\/doc_[A-Za-z0-9_-]{24}\?exp=\d+&sig=[A-Za-z0-9_-]{43}$/)
    expect((await pb.media.get(attachment.url)).media_type).toBe("audio/mpeg")
    const page = await pb.threads.get(a.thread_id, { limit: 2, before: thread.messages[3]!.message_id })
    expect(page.messages.map((m) => m.content)).toEqual(["fake|none|none", "two"])

    const run = await pb.runs.get(a.run_id)
    expect(run).toEqual({
      run_id: a.run_id,
      thread_id: a.thread_id,
      assistant_id: voiced.assistant_id,
      status: "completed",
      reason: null,
      usage: a.usage,
      warnings: [],
      created_at: expect.any(String),
      updated_at: expect.any(String)
    })

    await pb.threads.delete(a.thread_id)
    await expect(pb.threads.get(a.thread_id)).rejects.toMatchObject({ _tag: "NotFound", kind: "thread" })
    await expect(pb.runs.get(a.run_id)).rejects.toMatchObject({ _tag: "NotFound", kind: "run" })
    await expect(pb.media.get(attachment.document_id)).rejects.toMatchObject({ _tag: "NotFound", kind: "document" })
    expect((await pb.threads.list()).map((t) => t.thread_id)).toEqual([b.thread_id])
    await pb.dispose()
  })

  it("a run paused for tool outputs is resumed by a new instance over the same stores (a restart)", async () => {
    const stores = Stores.makeMemory()
    const weather = tool("get_weather")
    const first = createPatchbay({
      media: { secret: "assistants-test-secret" },
      providers: [fakeProvider({ id: "fake", llm: FakeLlm({ reply: [{ type: "tool_call", tool_call: { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } } }] }) })],
      stores
    })
    const paused = await first.addMessage({ content: "Weather?", llmProvider: "fake", modelName: "fake-llm", tools: [weather] })
    expect(paused.status).toBe("requires_action")
    await first.dispose()

    const second = createPatchbay({ providers: [fakeProvider({ id: "fake", llm: FakeLlm({ reply: "Sunny." }) })], stores, media: { secret: "assistants-test-secret" } })
    expect(await second.runs.get(paused.run_id)).toMatchObject({ status: "requires_action", tool_calls: paused.tool_calls, expires_at: expect.any(String) })
    const done = await second.submitToolOutputs(paused.run_id, [{ tool_call_id: "call_1", output: "sunny" }])
    expect([done.status, done.content, done.run_id]).toEqual(["completed", "Sunny.", paused.run_id])
    expect((await second.threads.get(paused.thread_id)).messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"])
    await second.dispose()
  })

  it("runs: { pausedTtlMs } reaches the stored runs: with 0, a paused run expires at once", async () => {
    const pb = createPatchbay({
      media: { secret: "assistants-test-secret" },
      providers: [fakeProvider({ id: "fake", llm: FakeLlm({ reply: [{ type: "tool_call", tool_call: { id: "c", type: "function", function: { name: "t", arguments: "{}" } } }] }) })],
      settings: { runs: { pausedTtlMs: 0 } }
    })
    const paused = await pb.addMessage({ content: "x", llmProvider: "fake", modelName: "fake-llm", tools: [tool("t")] })
    expect(paused.status).toBe("requires_action")
    expect(await pb.runs.get(paused.run_id)).toMatchObject({ status: "cancelled", reason: "expired" })
    await pb.dispose()
  })
})

describe("a streaming client that leaves after tool_submit_required", () => {
  it("leaves the run paused, to be resumed later", async () => {
    const pb = createPatchbay({
      media: { secret: "assistants-test-secret" },
      providers: [fakeProvider({
        id: "fake",
        llm: FakeLlm({
          reply: (request) =>
            request.messages.at(-1)?.role === "tool"
              ? "Done."
              : [{ type: "tool_call", tool_call: { id: "call_1", type: "function", function: { name: "t", arguments: "{}" } } }]
        })
      })]
    })
    let runId = ""
    for await (const event of await pb.addMessage({ content: "x", llmProvider: "fake", modelName: "fake-llm", tools: [tool("t")], stream: true })) {
      runId = event.run_id
      if (event.type === "tool_submit_required") break
    }
    expect(await pb.runs.get(runId)).toMatchObject({ status: "requires_action", tool_calls: [{ id: "call_1" }] })
    const done = await pb.submitToolOutputs(runId, [{ tool_call_id: "call_1", output: "ok" }])
    expect([done.status, done.content]).toEqual(["completed", "Done."])
    await pb.dispose()
  })
})
