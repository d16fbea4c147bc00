/**
 * The stores as the pipeline and the facade use them, in memory: tenants isolated within one
 * runtime, the cascade when an assistant is deleted, memories' history, keys, and the pages.
 */
import { expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import {
  Assistants,
  AssistantStore,
  createKey,
  CurrentTenant,
  KeyStore,
  type LlmEvent,
  type LlmRequest,
  MediaStore,
  MemoryStore,
  Pipeline,
  RunStore,
  ThreadStore
} from "../src/index.ts"
import { llm, makeScenario, tts } from "./support/pipeline.ts"

const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } } as const
const callWeather: LlmEvent = { type: "tool_call", tool_call: { id: "call_w", type: "function", function: { name: "get_weather", arguments: "{}" } } }
/** Calls the weather tool when it is offered and has no result yet; else answers. */
const reply = (request: LlmRequest): string | ReadonlyArray<LlmEvent> =>
  (request.tools ?? []).length > 0 && request.messages.at(-1)?.role !== "tool" ? [callWeather] : "Fine."

const asTenant = (tenant: string) => Effect.provideService(CurrentTenant, tenant)

/** Everything of one tenant: an assistant, a spoken turn (thread, run, media), a paused run, a memory and a key. */
const populate = Effect.gen(function*() {
  const assistant = yield* Assistants.createAssistant({ name: "A" })
  const spoken = yield* Pipeline.addMessageResponse({ assistant_id: assistant.assistant_id, content: "Hi", ...llm, voice: { tts } })
  const paused = yield* Pipeline.addMessageResponse({ assistant_id: assistant.assistant_id, content: "Weather?", ...llm, tools: [weather] })
  const memory = { id: "mem_1", content: "Likes tea", memory_scope: "user_1", metadata: {}, created_at: "t0", updated_at: "t0" }
  yield* MemoryStore.use((memories) => memories.put(assistant.assistant_id, memory, { history_id: "hist_1", operation_id: "op_1" }))
  yield* MemoryStore.use((memories) =>
    memories.putOperation({
      operation_id: "op_1",
      assistant_id: assistant.assistant_id,
      memory_scope: "user_1",
      status: "COMPLETED",
      error: null,
      raw_output: null,
      events: [{ memory_id: "mem_1", event: "ADD" }],
      created_at: "t0",
      completed_at: "t0",
      lease_expires_at: null
    }))
  const key = yield* createKey({ name: "ci" })
  return { assistant, spoken, paused, document_id: spoken.attachments[0]!.document_id, key }
})

it.effect("one tenant cannot read, list, update, resume, cancel or delete another's threads, assistants, runs, keys or media", () => {
  const s = makeScenario({ llm: { reply } })
  return Effect.gen(function*() {
    const a = yield* populate.pipe(asTenant("a"))
    const assistantId = a.assistant.assistant_id

    const notFound = <A, E, R>(effect: Effect.Effect<A, E, R>, kind: string) =>
      Effect.gen(function*() {
        expect(yield* Effect.flip(effect.pipe(asTenant("b")))).toMatchObject({ _tag: "NotFound", kind })
      })
    const threads = yield* ThreadStore
    const assistants = yield* AssistantStore
    const runs = yield* RunStore
    const keys = yield* KeyStore
    const media = yield* MediaStore
    const memories = yield* MemoryStore

    yield* notFound(threads.get(a.spoken.thread_id), "thread")
    yield* notFound(threads.messages(a.spoken.thread_id), "thread")
    yield* notFound(Assistants.getThread(a.spoken.thread_id), "thread")
    yield* notFound(Assistants.deleteThread(a.spoken.thread_id), "thread")
    yield* notFound(Pipeline.addMessageResponse({ thread_id: a.spoken.thread_id, content: "x", ...llm }), "thread")
    yield* notFound(assistants.get(assistantId), "assistant")
    yield* notFound(Assistants.updateAssistant(assistantId, { name: "B" }), "assistant")
    yield* notFound(Assistants.deleteAssistant(assistantId), "assistant")
    yield* notFound(Pipeline.addMessageResponse({ assistant_id: assistantId, content: "x", ...llm }), "assistant")
    yield* notFound(runs.get(a.paused.run_id), "run")
    yield* notFound(Pipeline.submitToolOutputsResponse(a.paused.run_id, [{ tool_call_id: "call_w", output: "sunny" }]), "run")
    yield* notFound(Pipeline.cancel(a.paused.run_id), "run")
    yield* notFound(Pipeline.cancel(a.spoken.run_id), "run")
    yield* notFound(keys.get(a.key.key.key_id), "key")
    yield* notFound(keys.revoke(a.key.key.key_id), "key")
    yield* notFound(media.get(a.document_id), "document")
    yield* notFound(media.head(a.document_id), "document")
    yield* notFound(memories.get(assistantId, "mem_1"), "memory")
    yield* notFound(memories.getOperation("op_1"), "operation")

    const seenByB = yield* Effect.all({
      threads: threads.list(),
      assistants: assistants.list(),
      keys: keys.list(),
      media: media.list(),
      memories: memories.list(assistantId)
    }).pipe(asTenant("b"))
    expect(seenByB).toEqual({
      threads: [],
      assistants: [expect.objectContaining({ assistant_id: "asst_default" })],
      keys: [],
      media: [],
      memories: { memories: [], total_count: 0, page: 1, page_size: 100, total_pages: 0 }
    })
    yield* media.remove(a.document_id).pipe(asTenant("b"))
    yield* media.removeByThread(a.spoken.thread_id).pipe(asTenant("b"))
    yield* threads.deleteByAssistant(assistantId).pipe(asTenant("b"))
    yield* runs.deleteByThread(a.paused.thread_id).pipe(asTenant("b"))

    // tenant a still has everything, untouched
    const seenByA = yield* Effect.gen(function*() {
      return {
        thread: (yield* threads.get(a.spoken.thread_id)).assistant_id,
        assistant: (yield* assistants.get(assistantId)).name,
        paused: (yield* runs.get(a.paused.run_id)).status,
        key: (yield* keys.get(a.key.key.key_id)).revoked_at,
        media: (yield* media.head(a.document_id)).tenant_id,
        memory: (yield* memories.get(assistantId, "mem_1")).content
      }
    }).pipe(asTenant("a"))
    expect(seenByA).toEqual({ thread: assistantId, assistant: "A", paused: "requires_action", key: null, media: "a", memory: "Likes tea" })
    // a key names its tenant: resolving it is the one lookup that is not scoped
    expect(yield* keys.resolve(a.key.plaintext).pipe(asTenant("b"))).toEqual({ tenant_id: "a", key_id: a.key.key.key_id })
  }).pipe(Effect.provide(s.layer))
})

it.effect("deleting an assistant deletes its threads, runs, memories and media; none is readable after", () => {
  const s = makeScenario({ llm: { reply } })
  return Effect.gen(function*() {
    const a = yield* populate
    const kept = yield* Pipeline.addMessageResponse({ content: "Elsewhere", ...llm, voice: { tts } })
    const assistantId = a.assistant.assistant_id
    yield* Assistants.deleteAssistant(assistantId)

    const flip = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.flip(effect)
    const threads = yield* ThreadStore
    const runs = yield* RunStore
    const media = yield* MediaStore
    const memories = yield* MemoryStore
    for (const threadId of [a.spoken.thread_id, a.paused.thread_id]) {
      expect(yield* flip(threads.get(threadId))).toMatchObject({ _tag: "NotFound", kind: "thread" })
    }
    for (const runId of [a.spoken.run_id, a.paused.run_id]) {
      expect(yield* flip(runs.get(runId))).toMatchObject({ _tag: "NotFound", kind: "run" })
    }
    expect(yield* flip(media.get(a.document_id))).toMatchObject({ _tag: "NotFound", kind: "document" })
    expect(yield* flip(memories.get(assistantId, "mem_1"))).toMatchObject({ _tag: "NotFound", kind: "memory" })
    expect(yield* flip(memories.history(assistantId, "mem_1"))).toMatchObject({ _tag: "NotFound", kind: "memory" })
    expect(yield* flip(memories.getOperation("op_1"))).toMatchObject({ _tag: "NotFound", kind: "operation" })
    expect(yield* flip(AssistantStore.use((assistants) => assistants.get(assistantId)))).toMatchObject({ _tag: "NotFound", kind: "assistant" })
    expect((yield* threads.list()).map((t) => t.thread_id)).toEqual([kept.thread_id])
    expect((yield* media.list()).map((m) => m.document_id)).toEqual([kept.attachments[0]!.document_id])
    expect((yield* runs.get(kept.run_id)).status).toBe("completed")
  }).pipe(Effect.provide(s.layer))
})

it.effect("memories: every change is a history row; a delete is soft and restore undoes it; lists page with totals", () =>
  Effect.gen(function*() {
    const memories = yield* MemoryStore
    const at = (n: number) => new Date(n).toISOString()
    const memory = (id: string, content: string, scope = "u1") => ({ id, content, memory_scope: scope, metadata: {}, created_at: at(0), updated_at: at(0) })
    yield* memories.put("asst_1", memory("m1", "Likes tea"), { history_id: "h1", operation_id: "op_1" })
    yield* TestClock.adjust("1 second")
    yield* memories.put("asst_1", { ...memory("m1", "Likes green tea"), updated_at: at(1000) }, { history_id: "h2" })
    yield* memories.softDelete("asst_1", "m1", { history_id: "h3" })
    yield* memories.softDelete("asst_1", "m1", { history_id: "h3b" })
    expect((yield* memories.get("asst_1", "m1")).deleted_at).toBe(at(1000))
    yield* memories.restore("asst_1", "m1", { history_id: "h4", operation_id: "op_2" })
    expect(yield* memories.history("asst_1", "m1")).toEqual([
      { id: "h1", memory_id: "m1", event: "ADD", old_content: null, new_content: "Likes tea", operation_id: "op_1", created_at: at(0) },
      { id: "h2", memory_id: "m1", event: "UPDATE", old_content: "Likes tea", new_content: "Likes green tea", operation_id: null, created_at: at(1000) },
      { id: "h3", memory_id: "m1", event: "DELETE", old_content: "Likes green tea", new_content: null, operation_id: null, created_at: at(1000) },
      { id: "h4", memory_id: "m1", event: "RESTORE", old_content: null, new_content: "Likes green tea", operation_id: "op_2", created_at: at(1000) }
    ])
    expect("deleted_at" in (yield* memories.get("asst_1", "m1"))).toBe(false)

    for (const n of [2, 3, 4]) yield* memories.put("asst_1", memory(`m${n}`, `fact ${n}`, n === 4 ? "u2" : "u1"), { history_id: `hm${n}` })
    yield* memories.softDelete("asst_1", "m3", { history_id: "hd3" })
    const page = yield* memories.list("asst_1", { memory_scope: "u1", page: 1, page_size: 1 })
    expect(page).toEqual({ memories: [expect.objectContaining({ id: "m1" })], total_count: 2, page: 1, page_size: 1, total_pages: 2 })
    expect((yield* memories.list("asst_1", { memory_scope: "u1", page: 2, page_size: 1 })).memories.map((m) => m.id)).toEqual(["m2"])
    expect((yield* memories.list("asst_1", { include_deleted: true })).memories.map((m) => m.id)).toEqual(["m1", "m2", "m3", "m4"])
    expect((yield* memories.list("asst_2")).total_count).toBe(0)
    expect(yield* Effect.flip(memories.get("asst_2", "m1"))).toMatchObject({ _tag: "NotFound", kind: "memory" })
  }).pipe(Effect.provide(MemoryStore.layerMemory)))

it.effect("keys: the plaintext is returned once, only its hash is kept; a revoked key resolves to nothing", () =>
  Effect.gen(function*() {
    const keys = yield* KeyStore
    const created = yield* createKey({ name: "deploy" })
    expect(created.plaintext).toMatch(/^pb_[A-Za-z0-9_-]{43}$/)
    expect(created.key).toEqual({
      key_id: expect.stringMatching(/^key_[A-Za-z0-9_-]{24}$/),
      tenant_id: "default",
      name: "deploy",
      prefix: created.plaintext.slice(0, 7),
      created_at: new Date(0).toISOString(),
      revoked_at: null
    })
    expect(JSON.stringify(yield* keys.list())).not.toContain(created.plaintext.slice(7))
    expect(yield* keys.resolve(created.plaintext)).toEqual({ tenant_id: "default", key_id: created.key.key_id })
    const failure = yield* Effect.flip(keys.resolve(`${created.plaintext}x`))
    expect(failure).toMatchObject({ _tag: "NotFound", kind: "key" })
    expect(failure.message).not.toContain(created.plaintext)
    expect((yield* keys.revoke(created.key.key_id)).revoked_at).toBe(new Date(0).toISOString())
    expect(yield* Effect.flip(keys.resolve(created.plaintext))).toMatchObject({ _tag: "NotFound", kind: "key" })
    expect((yield* keys.list()).map((k) => k.key_id)).toEqual([created.key.key_id])
  }).pipe(Effect.provide(KeyStore.layerMemory)))

it.effect("threads: messages page from the newest back (limit, before), oldest first; lists page with skip and limit", () =>
  Effect.gen(function*() {
    const threads = yield* ThreadStore
    const at = (n: number) => new Date(n).toISOString()
    for (const n of [1, 2, 3]) {
      yield* threads.create({ thread_id: `thr_${n}`, assistant_id: n === 2 ? "asst_x" : "asst_default", created_at: at(n), updated_at: at(n) })
    }
    expect((yield* threads.list()).map((t) => t.thread_id)).toEqual(["thr_3", "thr_2", "thr_1"])
    expect((yield* threads.list({ skip: 1, limit: 1 })).map((t) => t.thread_id)).toEqual(["thr_2"])
    expect((yield* threads.list({ assistant_id: "asst_x" })).map((t) => t.thread_id)).toEqual(["thr_2"])
    const message = (n: number) => ({ message_id: `msg_${n}`, thread_id: "thr_1", run_id: "run_1", role: "user" as const, content: `m${n}`, status: "completed" as const, created_at: at(10 + n) })
    yield* threads.save([1, 2, 3, 4, 5].map(message))
    expect((yield* threads.get("thr_1")).updated_at).toBe(at(15))
    expect((yield* threads.messages("thr_1", { limit: 2 })).map((m) => m.message_id)).toEqual(["msg_4", "msg_5"])
    expect((yield* threads.messages("thr_1", { limit: 2, before: "msg_4" })).map((m) => m.message_id)).toEqual(["msg_2", "msg_3"])
    expect((yield* threads.messages("thr_1", { before: "msg_1" })).map((m) => m.message_id)).toEqual([])
    yield* threads.save([{ ...message(3), content: "edited" }])
    expect((yield* threads.messages("thr_1")).map((m) => m.content)).toEqual(["m1", "m2", "edited", "m4", "m5"])
    expect(yield* threads.deleteByAssistant("asst_x")).toEqual(["thr_2"])
    yield* threads.delete("thr_1")
    expect((yield* threads.list()).map((t) => t.thread_id)).toEqual(["thr_3"])
    expect(yield* Effect.flip(threads.delete("thr_1"))).toMatchObject({ _tag: "NotFound", kind: "thread" })
  }).pipe(Effect.provide(ThreadStore.layerMemory)))
