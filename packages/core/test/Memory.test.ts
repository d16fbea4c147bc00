/**
 * Memory, end to end through the facade: the modes and their bad inputs, a fact said in one
 * thread recalled in another of the same assistant and scope (and not in another scope or
 * tenant), direct adjustments with their history, failed writes that keep the raw reply and
 * write nothing, the write never holding up the turn, and waiting for writes.
 */
import { Effect, Latch, Layer, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { AuthenticationFailed, createPatchbay, type LlmProvider, MemoryStore, type PipelineEvent, type ProviderError, Stages, StoreUnavailable, Stores } from "../src/index.ts"
import * as MemoryStores from "../src/MemoryStore.ts"
import { readFileSync } from "node:fs"
import { FakeEmbedding, FakeLlm, fakeProvider, FakeStt, FakeTts, memoryStep, type ScriptedMemoryLlm, scriptedMemoryLlm } from "../src/testing/index.ts"

const heading = Stages.systemBlock([]) // the block's first line alone
const speechMp3 = new Uint8Array(readFileSync(new URL("./fixtures/audio/speech.mp3", import.meta.url)))

/** The facts the scripted memory LLM hears in the turns of these tests. */
const facts = (conversation: string): ReadonlyArray<string> => {
  const user = conversation.split("\n")[0] ?? ""
  if (user.includes("I live in Oslo")) return ["Lives in Oslo"]
  if (user.includes("moved to Lyon")) return ["Lives in Lyon"]
  if (user.includes("forget where I live")) return ["Wants where they live forgotten"]
  if (user.includes("peanuts")) return ["Is allergic to peanuts"]
  return []
}

/** Moves and forgetting act on the stored "Lives in …" candidate; anything else is added. */
const decide: ScriptedMemoryLlm["decide"] = (input) =>
  input.new_facts.map((fact) => {
    const home = input.stored_memories.find((m) => m.text.startsWith("Lives in"))
    if (fact.startsWith("Lives in") && home !== undefined) return { event: "UPDATE", id: home.id, text: fact }
    if (fact.startsWith("Wants where they live forgotten") && home !== undefined) return { event: "DELETE", id: home.id }
    return { event: "ADD", text: fact }
  })

interface Options {
  readonly script?: ScriptedMemoryLlm
  readonly gate?: Latch.Latch
  readonly stores?: Stores.StoresLayer
  readonly tenantId?: string
  readonly embedding?: boolean
  /** How long a turn waits for its scope's running write (default 2000 ms). */
  readonly waitMs?: number
  readonly llmFailures?: ReadonlyArray<ProviderError | undefined>
  readonly embeddingFailures?: ReadonlyArray<ProviderError | undefined>
}

const make = (options: Options = {}) => {
  const llm = FakeLlm({ reply: scriptedMemoryLlm({ facts, decide, ...options.script }), ...(options.llmFailures === undefined ? {} : { failures: options.llmFailures }) })
  // With a gate, the fact extraction waits until the test opens it.
  const gate = options.gate
  const gated: LlmProvider & { readonly log: typeof llm.log } = gate === undefined ? llm : {
    ...llm,
    stream: (request) => (memoryStep(request) === "extraction" ? Stream.unwrap(Effect.as(gate.await, llm.stream(request))) : llm.stream(request))
  }
  const embedding = options.embedding === true ? FakeEmbedding({ failures: options.embeddingFailures ?? [] }) : undefined
  const pb = createPatchbay({
    providers: [fakeProvider({ id: "fake", llm: gated, ...(embedding === undefined ? {} : { embedding }) })],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    media: { secret: "memory-test-secret" },
    ...(options.waitMs === undefined ? {} : { memory: { waitMs: options.waitMs } }),
    ...(options.stores === undefined ? {} : { stores: options.stores }),
    ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId })
  })
  return { pb, llm, embedding }
}

const collect = async (events: AsyncIterable<PipelineEvent>) => {
  const out: Array<PipelineEvent> = []
  for await (const event of events) out.push(event)
  return out
}

/** The system messages of the LLM's nth request. */
const systemOf = (llm: ReturnType<typeof FakeLlm>, n: number) =>
  llm.log.requests[n]?.messages.filter((m) => m.role === "system").map((m) => m.content)

describe("memory modes", () => {
  it("memory is off by default: nothing is retrieved or written, the LLM is asked once", async () => {
    const { pb, llm } = make()
    const events = await collect(await pb.addMessage({ content: "I live in Oslo.", stream: true }))
    expect(events.map((e) => e.type)).toEqual(["run_started", "content_streaming", "run_ended"])
    expect(events.at(-1)).toMatchObject({ type: "run_ended", memory_operation_id: null })
    const response = await pb.sendMessage("I live in Oslo.")
    expect(response.retrieved_memories).toEqual([])
    expect(response.memory_operation_id).toBeNull()
    expect(llm.log.requests).toHaveLength(2)
    expect(await pb.memory.stats("asst_default")).toEqual({ total_count: 0, deleted_count: 0, scopes: 0 })
    await pb.dispose()
  })

  it("memory: \"sometimes\" is refused with the allowed values, before any vendor call", async () => {
    const { pb, llm } = make()
    await expect(pb.addMessage({ content: "hi", memory: "sometimes" as "Auto" })).rejects.toMatchObject({
      _tag: "InvalidRequest",
      field: "memory",
      value: "sometimes",
      allowed: ["Auto", "Readonly", "off"]
    })
    await expect(pb.addMessage({ content: "hi", memoryScope: "" })).rejects.toMatchObject({ _tag: "InvalidRequest", field: "memory_scope" })
    expect(llm.log.requests).toHaveLength(0)
    await pb.dispose()
  })

  it("\"Auto\" without an LLM able to extract is refused before any vendor call", async () => {
    const { pb, llm } = make()
    await expect(pb.addMessage({ content: "I live in Oslo.", sendToLlm: false, memory: "Auto" })).rejects.toMatchObject({
      _tag: "InvalidRequest",
      field: "memory",
      value: "Auto"
    })
    // with the assistant's memory LLM, the same message is accepted and its facts written
    const assistant = await pb.assistants.create({ name: "Keeper", memory_llm_provider: "fake", memory_model_name: "fake-llm" })
    const response = await pb.addMessage({ assistantId: assistant.assistant_id, content: "I live in Oslo.", sendToLlm: false, memory: "Auto" })
    const operation = await pb.memory.wait(response.memory_operation_id!)
    expect(operation).toMatchObject({ status: "COMPLETED", events: [{ event: "ADD" }] })
    expect(llm.log.requests.map(memoryStep)).toEqual(["extraction", "update"])
    await pb.dispose()
  })

  it("unknown assistants, memories and operations are NotFound", async () => {
    const { pb } = make()
    await expect(pb.memory.list("asst_missing")).rejects.toMatchObject({ _tag: "NotFound", kind: "assistant", id: "asst_missing" })
    await expect(pb.memory.add("asst_missing", { content: "x" })).rejects.toMatchObject({ _tag: "NotFound", kind: "assistant" })
    await expect(pb.memory.history("asst_default", "mem_missing")).rejects.toMatchObject({ _tag: "NotFound", kind: "memory", id: "mem_missing" })
    await expect(pb.memory.delete("asst_default", "mem_missing")).rejects.toMatchObject({ _tag: "NotFound", kind: "memory" })
    await expect(pb.memory.operation("memop_missing")).rejects.toMatchObject({ _tag: "NotFound", kind: "operation", id: "memop_missing" })
    await expect(pb.memory.wait("memop_missing")).rejects.toMatchObject({ _tag: "NotFound", kind: "operation" })
    await expect(pb.addMessage({ assistantId: "asst_missing", content: "x", memory: "Readonly" })).rejects.toMatchObject({ _tag: "NotFound", kind: "assistant" })
    await pb.dispose()
  })

  it("the assistant's mode is the default; the request's overrides it for that message", async () => {
    const { pb, llm } = make()
    const assistant = await pb.assistants.create({ name: "Reader", memory: "Readonly" })
    const events = await collect(await pb.addMessage({ assistantId: assistant.assistant_id, content: "Hello", stream: true }))
    expect(events.map((e) => e.type)).toEqual(["run_started", "memory_retrieved", "content_streaming", "run_ended"])
    expect(events[1]).toMatchObject({ type: "memory_retrieved", memories: [] })
    const off = await pb.addMessage({ assistantId: assistant.assistant_id, content: "Hello", memory: "off" })
    expect(off.retrieved_memories).toEqual([])
    expect(llm.log.requests).toHaveLength(2)
    await pb.dispose()
  })
})

describe("remembering across threads", () => {
  it("a fact said in one thread is recalled in another thread of the same assistant and scope, not in another scope", async () => {
    const { pb, llm } = make({ script: { chat: "Nice!" } })
    const assistant = await pb.assistants.create({ name: "Concierge", memory: "Auto" })
    const first = await pb.addMessage({ assistantId: assistant.assistant_id, content: "Hi! I live in Oslo.", memoryScope: "user_1" })
    expect(first.memory_operation_id).toMatch(/^memop_/)
    const operation = await pb.memory.wait(first.memory_operation_id!)
    const memories = await pb.memory.list(assistant.assistant_id, { memory_scope: "user_1" })
    expect(memories).toMatchObject({ total_count: 1, page: 1, page_size: 100, total_pages: 1 })
    const stored = memories.memories[0]!
    expect(stored).toMatchObject({ content: "Lives in Oslo", memory_scope: "user_1", metadata: {} })
    expect(operation).toEqual({
      operation_id: first.memory_operation_id,
      status: "COMPLETED",
      error: null,
      raw_output: null,
      events: [{ memory_id: stored.id, event: "ADD" }],
      created_at: operation.created_at,
      completed_at: operation.completed_at
    })

    // Another thread, same assistant and scope: the fact reaches the LLM in the system block.
    const events = await collect(await pb.addMessage({ assistantId: assistant.assistant_id, content: "Where do I live?", memoryScope: "user_1", memory: "Readonly", stream: true }))
    const retrieved = events.find((e) => e.type === "memory_retrieved")
    expect(retrieved).toMatchObject({ memories: [{ id: stored.id, memory: "Lives in Oslo" }] })
    const asked = llm.log.requests.length - 1
    expect(systemOf(llm, asked)).toEqual([`${heading}\n- Lives in Oslo`])
    expect(events.at(-1)).toMatchObject({ type: "run_ended", memory_operation_id: null })

    const second = await pb.addMessage({ assistantId: assistant.assistant_id, content: "Where do I live?", memoryScope: "user_1", memory: "Readonly" })
    expect(second.retrieved_memories).toEqual([{ id: stored.id, memory: "Lives in Oslo", score: 1 / 61 }])
    expect(second.thread_id).not.toBe(first.thread_id)

    // Another scope of the same assistant knows nothing of it.
    const other = await pb.addMessage({ assistantId: assistant.assistant_id, content: "Where do I live?", memoryScope: "user_2", memory: "Readonly" })
    expect(other.retrieved_memories).toEqual([])
    expect(systemOf(llm, llm.log.requests.length - 1)).toEqual([])
    await pb.dispose()
  })

  it("another tenant over the same stores retrieves nothing of it", async () => {
    const stores = Stores.makeMemory()
    const a = make({ stores, tenantId: "tenant_a" })
    const b = make({ stores, tenantId: "tenant_b" })
    const written = await a.pb.addMessage({ content: "I live in Oslo.", memory: "Auto", memoryScope: "user_1" })
    await a.pb.memory.wait(written.memory_operation_id!)
    expect((await a.pb.memory.search("asst_default", "where do I live", { memory_scope: "user_1" })).map((m) => m.memory)).toEqual(["Lives in Oslo"])
    const read = await b.pb.addMessage({ content: "Where do I live?", memory: "Readonly", memoryScope: "user_1" })
    expect(read.retrieved_memories).toEqual([])
    await expect(b.pb.memory.operation(written.memory_operation_id!)).rejects.toMatchObject({ _tag: "NotFound", kind: "operation" })
    await a.pb.dispose()
    await b.pb.dispose()
  })

  it("a correction updates the stored fact and a request to forget deletes it, each a history row of its operation", async () => {
    const { pb } = make()
    const say = async (content: string) => {
      const response = await pb.addMessage({ content, memory: "Auto", memoryScope: "user_1" })
      return pb.memory.wait(response.memory_operation_id!)
    }
    const added = await say("I live in Oslo.")
    const id = added.events[0]!.memory_id
    const moved = await say("I moved to Lyon last month.")
    expect(moved.events).toEqual([{ memory_id: id, event: "UPDATE" }])
    expect((await pb.memory.search("asst_default", "Where do I live?", { memory_scope: "user_1" })).map((m) => m.memory)).toEqual(["Lives in Lyon"])
    const forgotten = await say("Please forget where I live.")
    expect(forgotten.events).toEqual([{ memory_id: id, event: "DELETE" }])
    expect(await pb.memory.search("asst_default", "Where do I live?", { memory_scope: "user_1" })).toEqual([])

    const history = await pb.memory.history("asst_default", id)
    expect(history.map(({ event, old_content, new_content, operation_id }) => ({ event, old_content, new_content, operation_id }))).toEqual([
      { event: "ADD", old_content: null, new_content: "Lives in Oslo", operation_id: added.operation_id },
      { event: "UPDATE", old_content: "Lives in Oslo", new_content: "Lives in Lyon", operation_id: moved.operation_id },
      { event: "DELETE", old_content: "Lives in Lyon", new_content: null, operation_id: forgotten.operation_id }
    ])
    // nothing is lost: the deleted memory is restored
    await pb.memory.restore("asst_default", id)
    expect((await pb.memory.search("asst_default", "Where do I live?", { memory_scope: "user_1" })).map((m) => m.memory)).toEqual(["Lives in Lyon"])
    await pb.dispose()
  })

  it("with an embedding model, facts are stored with vectors and the query is embedded for hybrid retrieval", async () => {
    const { pb, embedding } = make({ embedding: true })
    const assistant = await pb.assistants.create({ name: "Hybrid", memory: "Auto", embedding_provider: "fake", embedding_model_name: "fake-embedding", embedding_dims: 8 })
    const written = await pb.addMessage({ assistantId: assistant.assistant_id, content: "I live in Oslo." })
    await pb.memory.wait(written.memory_operation_id!)
    const read = await pb.addMessage({ assistantId: assistant.assistant_id, content: "Where do I live?", memory: "Readonly" })
    // found by both lists: rank 1 lexically and by vector, fused
    expect(read.retrieved_memories).toEqual([{ id: expect.any(String), memory: "Lives in Oslo", score: 2 / 61 }])
    expect(embedding!.log.requests.map((r) => r.texts)).toEqual([
      ["I live in Oslo."], // the first turn's recall
      ["Lives in Oslo"], // the fact, to find its candidates
      ["Lives in Oslo"], // the memory written
      ["Where do I live?"] // the second turn's recall
    ])
    expect(embedding!.log.requests.every((r) => r.dimensions === 8)).toBe(true)

    // the dimensions are now fixed
    await expect(pb.assistants.update(assistant.assistant_id, { embedding_dims: 4 })).rejects.toMatchObject({
      _tag: "InvalidRequest",
      field: "embedding_dims",
      value: 4
    })
    await expect(pb.assistants.update(assistant.assistant_id, { embedding_model_name: "other" })).rejects.toMatchObject({
      _tag: "InvalidRequest",
      field: "embedding_model_name"
    })
    expect(await pb.assistants.update(assistant.assistant_id, { name: "Renamed", embedding_dims: 8 })).toMatchObject({ name: "Renamed", embedding_dims: 8 })

    // a message longer than the model takes is searched by its beginning (the fake takes 1000 characters)
    const long = `Where do I live? ${"and more ".repeat(200)}`
    await pb.addMessage({ assistantId: assistant.assistant_id, content: long, memory: "Readonly" })
    expect(embedding!.log.requests.at(-1)?.texts).toEqual([long.slice(0, 1000)])
    await pb.dispose()
  })

  it("when embedding the message fails, the turn retrieves by words only and says so in a warning", async () => {
    const { pb, llm } = make({ embedding: true, embeddingFailures: [new AuthenticationFailed({ provider: "fake" })] })
    const assistant = await pb.assistants.create({ name: "Hybrid", embedding_provider: "fake", embedding_model_name: "fake-embedding" })
    await pb.memory.add(assistant.assistant_id, { content: "Lives in Oslo" })
    const response = await pb.addMessage({ assistantId: assistant.assistant_id, content: "Where do I live?", memory: "Readonly" })
    expect(response.status).toBe("completed")
    expect(response.retrieved_memories).toEqual([{ id: expect.any(String), memory: "Lives in Oslo", score: 1 / 61 }])
    expect(response.warnings).toEqual([{
      code: "memory_vectors_unavailable",
      message: expect.stringMatching(/^memories were searched by words only: embedding the message failed: AuthenticationFailed: /)
    }])
    expect(systemOf(llm, 0)).toEqual([`${heading}\n- Lives in Oslo`])
    await pb.dispose()
  })

  it("an assistant whose embedding dimensions the model cannot give is refused before any vendor call", async () => {
    const { pb, llm, embedding } = make({ embedding: true })
    const assistant = await pb.assistants.create({ name: "Wide", embedding_provider: "fake", embedding_model_name: "fake-embedding", embedding_dims: 16 })
    await expect(pb.addMessage({ assistantId: assistant.assistant_id, content: "Hi", memory: "Readonly" })).rejects.toMatchObject({
      _tag: "InvalidRequest",
      field: "assistant.embedding.dimensions",
      value: 16
    })
    expect(llm.log.requests.length + embedding!.log.requests.length).toBe(0)
    await pb.dispose()
  })
})

describe("memory around the other stages", () => {
  it("audio in, audio out: the transcript is the query, retrieval comes after speech-to-text and before the reply", async () => {
    const stt = FakeStt({ transcript: "Where do I live?" })
    const llm = FakeLlm({ reply: scriptedMemoryLlm({ chat: "In Oslo." }) })
    const pb = createPatchbay({
      providers: [fakeProvider({ id: "fake", stt, tts: FakeTts(), llm })],
      defaults: { llm: { provider: "fake", model: "fake-llm" } },
      media: { secret: "memory-test-secret" }
    })
    const stored = await pb.memory.add("asst_default", { content: "Lives in Oslo" })
    const events = await collect(await pb.addMessage({
      audioFile: speechMp3,
      voice: { stt: { provider: "fake", model: "fake-stt" }, tts: { provider: "fake", model: "fake-tts", voice: "ada" } },
      memory: "Readonly",
      stream: true
    }))
    const types = events.map((e) => e.type)
    expect(types.indexOf("memory_retrieved")).toBe(types.indexOf("stt_stream_end") + 1)
    expect(types.indexOf("content_streaming")).toBeGreaterThan(types.indexOf("memory_retrieved"))
    expect(events.find((e) => e.type === "memory_retrieved")).toMatchObject({ memories: [{ id: stored.id, memory: "Lives in Oslo" }] })
    expect(systemOf(llm, 0)).toEqual([`${heading}\n- Lives in Oslo`])
    await pb.dispose()
  })

  it("a run resumed after tool outputs does not retrieve again, and in \"Auto\" writes the turn once it completes", async () => {
    const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object" } } } as const
    const { pb, llm } = make({
      script: {
        chat: (request) =>
          request.messages.at(-1)?.role === "tool"
            ? "Sunny."
            : [{ type: "tool_call", tool_call: { id: "c1", type: "function", function: { name: "get_weather", arguments: "{}" } } }]
      }
    })
    await pb.memory.add("asst_default", { content: "Likes the weather report" })
    const paused = await pb.addMessage({ content: "I live in Oslo. What is the weather report?", tools: [weather], memory: "Auto" })
    expect(paused).toMatchObject({ status: "requires_action", memory_operation_id: null, retrieved_memories: [{ memory: "Likes the weather report" }] })
    const events = await collect(await pb.submitToolOutputs(paused.run_id, [{ tool_call_id: "c1", output: "sunny" }], { stream: true }))
    expect(events.map((e) => e.type)).toEqual(["run_started", "content_streaming", "run_ended"])
    const ended = events.at(-1)
    const operation = await pb.memory.wait(ended?.type === "run_ended" ? ended.memory_operation_id! : "")
    expect(operation).toMatchObject({ status: "COMPLETED", events: [{ event: "ADD" }] })
    const extraction = llm.log.requests.find((r) => memoryStep(r) === "extraction")
    expect(extraction?.messages.at(-1)).toEqual({ role: "user", content: "User: I live in Oslo. What is the weather report?\nAssistant: Sunny." })
    await pb.dispose()
  })
})

describe("adjusting memories", () => {
  it("add, update, delete, restore and history; a deleted memory is listed only on request", async () => {
    const { pb } = make()
    const added = await pb.memory.add("asst_default", { content: "Likes tea", memory_scope: "user_1", metadata: { source: "form" } })
    expect(added).toMatchObject({ id: expect.stringMatching(/^mem_/), content: "Likes tea", memory_scope: "user_1", metadata: { source: "form" } })
    const updated = await pb.memory.update("asst_default", added.id, { content: "Likes green tea" })
    expect(updated).toMatchObject({ id: added.id, content: "Likes green tea", metadata: { source: "form" } })
    const deleted = await pb.memory.delete("asst_default", added.id)
    expect(deleted.deleted_at).toEqual(expect.any(String))
    expect((await pb.memory.list("asst_default")).total_count).toBe(0)
    expect((await pb.memory.list("asst_default", { include_deleted: true })).memories.map((m) => m.id)).toEqual([added.id])
    await expect(pb.memory.update("asst_default", added.id, { content: "x" })).rejects.toMatchObject({ _tag: "InvalidRequest", field: "memory_id" })
    expect(await pb.memory.stats("asst_default")).toEqual({ total_count: 0, deleted_count: 1, scopes: 0 })
    const restored = await pb.memory.restore("asst_default", added.id)
    expect(restored.deleted_at ?? null).toBeNull()
    const history = await pb.memory.history("asst_default", added.id)
    expect(history.map(({ event, old_content, new_content, operation_id }) => ({ event, old_content, new_content, operation_id }))).toEqual([
      { event: "ADD", old_content: null, new_content: "Likes tea", operation_id: null },
      { event: "UPDATE", old_content: "Likes tea", new_content: "Likes green tea", operation_id: null },
      { event: "DELETE", old_content: "Likes green tea", new_content: null, operation_id: null },
      { event: "RESTORE", old_content: null, new_content: "Likes green tea", operation_id: null }
    ])
    await expect(pb.memory.add("asst_default", { content: "" })).rejects.toMatchObject({ _tag: "InvalidRequest", field: "content" })
    await expect(pb.memory.add("asst_default", { content: "x", expires_at: "tomorrow" })).rejects.toMatchObject({ _tag: "InvalidRequest", field: "expires_at" })
    await pb.dispose()
  })

  it("pages with page and page_size", async () => {
    const { pb } = make()
    for (const n of [1, 2, 3]) await pb.memory.add("asst_default", { content: `Fact ${n}` })
    const page = await pb.memory.list("asst_default", { page: 2, page_size: 2 })
    expect(page).toMatchObject({ total_count: 3, page: 2, page_size: 2, total_pages: 2 })
    expect(page.memories.map((m) => m.content)).toEqual(["Fact 3"])
    await pb.dispose()
  })

  it("expires_at hides a memory from retrieval, not from the list", async () => {
    const { pb } = make()
    await pb.memory.add("asst_default", { content: "Is in Paris this week", expires_at: "2000-01-01T00:00:00.000Z" })
    const kept = await pb.memory.add("asst_default", { content: "Was born in Paris" })
    expect((await pb.memory.search("asst_default", "Paris")).map((m) => m.id)).toEqual([kept.id])
    expect((await pb.memory.list("asst_default")).total_count).toBe(2)
    const read = await pb.addMessage({ content: "What about Paris?", memory: "Readonly" })
    expect(read.retrieved_memories.map((m) => m.memory)).toEqual(["Was born in Paris"])
    await pb.dispose()
  })

  it("reset deletes one scope's memories, or the whole assistant's; restore undoes it", async () => {
    const { pb } = make()
    const a = await pb.memory.add("asst_default", { content: "A", memory_scope: "user_1" })
    await pb.memory.add("asst_default", { content: "B", memory_scope: "user_2" })
    await pb.memory.add("asst_default", { content: "C", memory_scope: "user_2" })
    expect(await pb.memory.stats("asst_default")).toEqual({ total_count: 3, deleted_count: 0, scopes: 2 })
    expect(await pb.memory.reset("asst_default", { memory_scope: "user_1" })).toEqual({ deleted_count: 1 })
    expect(await pb.memory.stats("asst_default")).toEqual({ total_count: 2, deleted_count: 1, scopes: 1 })
    expect(await pb.memory.reset("asst_default")).toEqual({ deleted_count: 2 })
    expect(await pb.memory.stats("asst_default")).toEqual({ total_count: 0, deleted_count: 3, scopes: 0 })
    await pb.memory.restore("asst_default", a.id)
    expect((await pb.memory.list("asst_default")).memories.map((m) => m.content)).toEqual(["A"])
    await pb.dispose()
  })
})

describe("failed writes", () => {
  it("an extraction reply that does not decode ends FAILED with the raw reply, and nothing is written", async () => {
    const raw = "Sure! The user lives in Oslo."
    const { pb } = make({ script: { rawFacts: raw } })
    const response = await pb.addMessage({ content: "I live in Oslo.", memory: "Auto" })
    const operation = await pb.memory.wait(response.memory_operation_id!)
    expect(operation).toMatchObject({ status: "FAILED", error: "the fact extraction reply is not JSON", raw_output: raw, events: [] })
    expect(operation.completed_at).toEqual(expect.any(String))
    expect(await pb.memory.stats("asst_default")).toEqual({ total_count: 0, deleted_count: 0, scopes: 0 })
    await pb.dispose()
  })

  it("a reply of the wrong shape, or naming a memory it was not shown, ends FAILED and writes nothing", async () => {
    const shape = make({ script: { rawFacts: "{\"facts\": \"Lives in Oslo\"}" } })
    const wrong = await shape.pb.addMessage({ content: "I live in Oslo.", memory: "Auto" })
    const failed = await shape.pb.memory.wait(wrong.memory_operation_id!)
    expect(failed).toMatchObject({ status: "FAILED", raw_output: "{\"facts\": \"Lives in Oslo\"}" })
    expect(failed.error).toMatch(/^the fact extraction reply does not decode: .*facts/)
    await shape.pb.dispose()

    const invented = JSON.stringify({ memory: [{ event: "ADD", text: "Lives in Oslo" }, { event: "UPDATE", id: "7", text: "Lives in Bergen" }] })
    const { pb } = make({ script: { rawDecisions: invented } })
    const response = await pb.addMessage({ content: "I live in Oslo.", memory: "Auto" })
    const operation = await pb.memory.wait(response.memory_operation_id!)
    expect(operation).toMatchObject({
      status: "FAILED",
      error: "the update reply does not decode: UPDATE names id \"7\", which is not one of the memories it was shown (none)",
      raw_output: invented,
      events: []
    })
    expect((await pb.memory.list("asst_default", { include_deleted: true })).total_count).toBe(0)
    await pb.dispose()
  })

  it("a store failing midway ends FAILED, listing the changes it stored before", async () => {
    const base = MemoryStores.makeMemory()
    let puts = 0
    const flaky = Layer.succeed(MemoryStore, {
      ...base,
      put: (assistantId, memory, by, vector) =>
        ++puts === 2 ? Effect.fail(new StoreUnavailable({ store: "memory", detail: "connection lost", retryable: true })) : base.put(assistantId, memory, by, vector)
    })
    const { pb } = make({ stores: Layer.merge(Stores.makeMemory(), flaky), script: { facts: () => ["Lives in Oslo", "Loves hiking"] } })
    const response = await pb.addMessage({ content: "I live in Oslo and love hiking.", memory: "Auto" })
    const operation = await pb.memory.wait(response.memory_operation_id!)
    const stored = await pb.memory.list("asst_default")
    expect(stored.memories.map((m) => m.content)).toEqual(["Lives in Oslo"])
    expect(operation).toMatchObject({
      status: "FAILED",
      error: "storing the changes failed after 1 of them: StoreUnavailable: Store unavailable (memory): connection lost",
      raw_output: null,
      events: [{ memory_id: stored.memories[0]!.id, event: "ADD" }]
    })
    await pb.dispose()
  })

  it("a vendor error of the memory LLM ends FAILED with its reason", async () => {
    const { pb } = make({ llmFailures: [undefined, new AuthenticationFailed({ provider: "fake" })] })
    const response = await pb.addMessage({ content: "I live in Oslo.", memory: "Auto" })
    expect(response.status).toBe("completed")
    const operation = await pb.memory.wait(response.memory_operation_id!)
    expect(operation).toMatchObject({ status: "FAILED", raw_output: null, events: [] })
    expect(operation.error).toMatch(/^the fact extraction call failed: AuthenticationFailed: /)
    await pb.dispose()
  })
})

describe("the write runs in the background", () => {
  it("a store that refuses the operation leaves the turn completed, with no operation id and a warning", async () => {
    const refusing = Layer.succeed(MemoryStore, {
      ...MemoryStores.makeMemory(),
      putOperation: () => Effect.fail(new StoreUnavailable({ store: "memory", detail: "the disk is full", retryable: true }))
    })
    const { pb } = make({ stores: Layer.merge(Stores.makeMemory(), refusing) })
    const response = await pb.addMessage({ content: "I live in Oslo.", memory: "Auto" })
    expect(response).toMatchObject({
      status: "completed",
      content: "Noted.",
      memory_operation_id: null,
      warnings: [{ code: "memory_not_written", message: "the turn's memory operation could not be started: StoreUnavailable: Store unavailable (memory): the disk is full" }]
    })
    await pb.dispose()
  })

  it("the response and every event come before the write ends; wait() returns once it has", async () => {
    const gate = Latch.makeUnsafe(false)
    // the second turn waits for the first's write only briefly (it is held until the gate opens)
    const { pb, llm } = make({ gate, waitMs: 10 })
    const response = await pb.addMessage({ content: "I live in Oslo.", memory: "Auto" })
    expect(response.status).toBe("completed")
    expect(await pb.memory.operation(response.memory_operation_id!)).toMatchObject({ status: "IN_PROGRESS", completed_at: null })

    const events = await collect(await pb.addMessage({ threadId: response.thread_id, content: "I'm allergic to peanuts.", memory: "Auto", stream: true }))
    const ended = events.at(-1)
    expect(ended?.type).toBe("run_ended")
    const second = ended?.type === "run_ended" ? ended.memory_operation_id! : ""
    expect(await pb.memory.operation(second)).toMatchObject({ status: "IN_PROGRESS" })
    // a wait with a timeout returns the operation as it stands
    expect(await pb.memory.wait(second, { timeoutMs: 1 })).toMatchObject({ status: "IN_PROGRESS" })
    expect(llm.log.requests.filter((r) => memoryStep(r) === "update")).toHaveLength(0)

    Effect.runSync(gate.open)
    expect(await pb.memory.wait(response.memory_operation_id!)).toMatchObject({ status: "COMPLETED", events: [{ event: "ADD" }] })
    expect(await pb.memory.wait(second)).toMatchObject({ status: "COMPLETED", events: [{ event: "ADD" }] })
    expect((await pb.memory.list("asst_default")).memories.map((m) => m.content).sort()).toEqual(["Is allergic to peanuts", "Lives in Oslo"])
    await pb.dispose()
  })

  it("disposing the runtime interrupts a running write, which ends FAILED", async () => {
    const stores = Stores.makeMemory()
    const gate = Latch.makeUnsafe(false)
    const first = make({ gate, stores })
    const response = await first.pb.addMessage({ content: "I live in Oslo.", memory: "Auto" })
    await first.pb.dispose()
    const second = make({ stores })
    expect(await second.pb.memory.operation(response.memory_operation_id!)).toMatchObject({
      status: "FAILED",
      error: "interrupted: the runtime closed",
      events: []
    })
    expect((await second.pb.memory.list("asst_default")).total_count).toBe(0)
    await second.pb.dispose()
  })
})
