/**
 * The memory behaviour suite, through `createPatchbay`: the same specifications run on memory,
 * SQLite and PostgreSQL stores, so what docs/memory.md promises holds on every store and not
 * only on core's in-memory one — the modes, a fact recalled across threads of one scope (and
 * of no other scope or tenant), adjustments with their history, a failed write that keeps the
 * raw reply and writes nothing, and waiting for a write. Waits are on operations and latches,
 * never on durations.
 */
import { createPatchbay, type PipelineEvent, Stages, type StoresLayer } from "@patchbay/core"
import { FakeLlm, fakeProvider, memoryStep, type ScriptedMemoryLlm, scriptedMemoryLlm } from "@patchbay/core/testing"
import { Effect, Latch, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { decide, facts } from "./memoryScript.ts"

/**
 * How the suite gets a database: `fresh()` makes an empty one and returns how to open it; each
 * call of the opener is another runtime's stores on that same database.
 */
export interface MemorySuiteTarget {
  readonly fresh: () => Promise<() => StoresLayer>
}

const heading = Stages.systemBlock([]) // the block's first line alone

interface Options {
  readonly stores: StoresLayer
  readonly script?: ScriptedMemoryLlm
  /** When given, each fact extraction waits until the test opens it. */
  readonly gate?: Latch.Latch
  readonly tenantId?: string
  readonly waitMs?: number
}

const make = (options: Options) => {
  const llm = FakeLlm({ reply: scriptedMemoryLlm({ facts, decide, ...options.script }) })
  const gate = options.gate
  const gated: typeof llm = gate === undefined ? llm : {
    ...llm,
    stream: (request) => (memoryStep(request) === "extraction" ? Stream.unwrap(Effect.as(gate.await, llm.stream(request))) : llm.stream(request))
  }
  const pb = createPatchbay({
    providers: [fakeProvider({ id: "fake", llm: gated })],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    media: { secret: "memory-suite-secret" },
    stores: options.stores,
    ...(options.waitMs === undefined ? {} : { memory: { waitMs: options.waitMs } }),
    ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId })
  })
  return { pb, llm }
}

const collect = async (events: AsyncIterable<PipelineEvent>) => {
  const out: Array<PipelineEvent> = []
  for await (const event of events) out.push(event)
  return out
}

/** The system messages of the LLM's last request. */
const lastSystem = (llm: ReturnType<typeof FakeLlm>) =>
  llm.log.requests.at(-1)?.messages.filter((m) => m.role === "system").map((m) => m.content)

const chatRequests = (llm: ReturnType<typeof FakeLlm>) => llm.log.requests.filter((r) => memoryStep(r) === undefined).length

/** Registers the memory specifications against `target`; `skip` (a reason) skips them all. */
export const memorySuite = (name: string, target: MemorySuiteTarget, skip?: string) => {
  describe.skipIf(skip !== undefined)(`memory through the pipeline on ${name} stores${skip === undefined ? "" : ` (skipped: ${skip})`}`, () => {
    const test = (title: string, body: (open: () => StoresLayer) => Promise<void>) => it(title, async () => body(await target.fresh()), 30_000)

    test("off neither reads nor writes; Readonly reads only; Auto reads and writes", async (open) => {
      const { pb, llm } = make({ stores: open() })
      const stored = await pb.memory.add("asst_default", { content: "Lives in Oslo" })

      const off = await collect(await pb.addMessage({ content: "I live in Oslo.", stream: true }))
      expect(off.map((e) => e.type)).toEqual(["run_started", "content_streaming", "run_ended"])
      expect(off.at(-1)).toMatchObject({ type: "run_ended", memory_operation_id: null })
      expect(lastSystem(llm)).toEqual([])

      const read = await collect(await pb.addMessage({ content: "Where do I live?", memory: "Readonly", stream: true }))
      expect(read.map((e) => e.type)).toEqual(["run_started", "memory_retrieved", "content_streaming", "run_ended"])
      expect(read[1]).toMatchObject({ type: "memory_retrieved", memories: [{ id: stored.id, memory: "Lives in Oslo" }] })
      expect(read.at(-1)).toMatchObject({ type: "run_ended", memory_operation_id: null })
      expect(lastSystem(llm)).toEqual([`${heading}\n- Lives in Oslo`])
      // neither off nor Readonly called the memory LLM or changed a memory
      expect(llm.log.requests.map(memoryStep)).toEqual([undefined, undefined])
      expect(await pb.memory.stats("asst_default")).toEqual({ total_count: 1, deleted_count: 0, scopes: 1 })

      const auto = await pb.addMessage({ content: "I'm allergic to peanuts.", memory: "Auto" })
      expect(auto.retrieved_memories).toEqual([])
      const operation = await pb.memory.wait(auto.memory_operation_id!)
      expect(operation).toMatchObject({ status: "COMPLETED", error: null, raw_output: null, events: [{ event: "ADD" }] })
      expect(llm.log.requests.slice(2).map(memoryStep)).toEqual([undefined, "extraction", "update"])
      const list = await pb.memory.list("asst_default")
      expect(list.memories.map((m) => m.content).sort()).toEqual(["Is allergic to peanuts", "Lives in Oslo"])
      expect(list.memories.find((m) => m.content === "Is allergic to peanuts")?.id).toBe(operation.events[0]!.memory_id)
      await pb.dispose()
    })

    test("a fact said in one thread is recalled in another of the same assistant and scope, not in another scope or tenant", async (open) => {
      const { pb, llm } = make({ stores: open(), script: { chat: "Nice!" } })
      const assistant = await pb.assistants.create({ name: "Concierge", memory: "Auto" })
      const first = await pb.addMessage({ assistantId: assistant.assistant_id, content: "Hi! I live in Oslo.", memoryScope: "user_1" })
      const operation = await pb.memory.wait(first.memory_operation_id!)
      const listed = await pb.memory.list(assistant.assistant_id, { memory_scope: "user_1" })
      expect(listed).toMatchObject({ total_count: 1, page: 1, page_size: 100, total_pages: 1 })
      const stored = listed.memories[0]!
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

      const second = await pb.addMessage({ assistantId: assistant.assistant_id, content: "Where do I live?", memoryScope: "user_1", memory: "Readonly" })
      expect(second.thread_id).not.toBe(first.thread_id)
      expect(second.retrieved_memories).toEqual([{ id: stored.id, memory: "Lives in Oslo", score: 1 / 61 }])
      expect(lastSystem(llm)).toEqual([`${heading}\n- Lives in Oslo`])

      const otherScope = await pb.addMessage({ assistantId: assistant.assistant_id, content: "Where do I live?", memoryScope: "user_2", memory: "Readonly" })
      expect(otherScope.retrieved_memories).toEqual([])
      expect(lastSystem(llm)).toEqual([])

      // another tenant on the same database: neither the memory nor the operation
      const other = make({ stores: open(), tenantId: "tenant_other" })
      const otherTenant = await other.pb.addMessage({ content: "Where do I live?", memoryScope: "user_1", memory: "Readonly" })
      expect(otherTenant.retrieved_memories).toEqual([])
      await expect(other.pb.memory.operation(first.memory_operation_id!)).rejects.toMatchObject({ _tag: "NotFound", kind: "operation" })
      await expect(other.pb.memory.history(assistant.assistant_id, stored.id)).rejects.toMatchObject({ _tag: "NotFound" })
      await other.pb.dispose()
      await pb.dispose()
    })

    test("a correction updates the stored fact and a request to forget deletes it; restore undoes it; history keeps every step", async (open) => {
      const { pb } = make({ stores: open() })
      const say = async (content: string) => {
        const response = await pb.addMessage({ content, memory: "Auto", memoryScope: "user_1" })
        return pb.memory.wait(response.memory_operation_id!)
      }
      const search = async () => (await pb.memory.search("asst_default", "Where do I live?", { memory_scope: "user_1" })).map((m) => m.memory)
      const added = await say("I live in Oslo.")
      const id = added.events[0]!.memory_id
      const moved = await say("I moved to Lyon last month.")
      expect(moved).toMatchObject({ status: "COMPLETED", events: [{ memory_id: id, event: "UPDATE" }] })
      expect(await search()).toEqual(["Lives in Lyon"])
      const forgotten = await say("Please forget where I live.")
      expect(forgotten).toMatchObject({ status: "COMPLETED", events: [{ memory_id: id, event: "DELETE" }] })
      expect(await search()).toEqual([])
      await pb.memory.restore("asst_default", id)
      expect(await search()).toEqual(["Lives in Lyon"])

      // the same through pb.memory directly
      const edited = await pb.memory.update("asst_default", id, { content: "Lives in Lyon, near the river" })
      expect(edited).toMatchObject({ id, content: "Lives in Lyon, near the river", memory_scope: "user_1" })
      const deleted = await pb.memory.delete("asst_default", id)
      expect(deleted.deleted_at).toEqual(expect.any(String))
      expect((await pb.memory.list("asst_default")).total_count).toBe(0)
      expect((await pb.memory.list("asst_default", { include_deleted: true })).memories.map((m) => m.id)).toEqual([id])
      await expect(pb.memory.update("asst_default", id, { content: "x" })).rejects.toMatchObject({ _tag: "InvalidRequest", field: "memory_id" })
      expect(await pb.memory.stats("asst_default")).toEqual({ total_count: 0, deleted_count: 1, scopes: 0 })
      expect((await pb.memory.restore("asst_default", id)).deleted_at ?? null).toBeNull()
      expect(await pb.memory.stats("asst_default")).toEqual({ total_count: 1, deleted_count: 0, scopes: 1 })

      const history = await pb.memory.history("asst_default", id)
      expect(history.map(({ event, old_content, new_content, operation_id }) => ({ event, old_content, new_content, operation_id }))).toEqual([
        { event: "ADD", old_content: null, new_content: "Lives in Oslo", operation_id: added.operation_id },
        { event: "UPDATE", old_content: "Lives in Oslo", new_content: "Lives in Lyon", operation_id: moved.operation_id },
        { event: "DELETE", old_content: "Lives in Lyon", new_content: null, operation_id: forgotten.operation_id },
        { event: "RESTORE", old_content: null, new_content: "Lives in Lyon", operation_id: null },
        { event: "UPDATE", old_content: "Lives in Lyon", new_content: "Lives in Lyon, near the river", operation_id: null },
        { event: "DELETE", old_content: "Lives in Lyon, near the river", new_content: null, operation_id: null },
        { event: "RESTORE", old_content: null, new_content: "Lives in Lyon, near the river", operation_id: null }
      ])
      expect(history.every((row) => row.memory_id === id)).toBe(true)
      await pb.dispose()
    })

    test("an extraction reply that does not decode ends FAILED with the raw reply, and nothing is written", async (open) => {
      const raw = "Sure! The user lives in Oslo."
      const { pb } = make({ stores: open(), script: { rawFacts: raw } })
      const response = await pb.addMessage({ content: "I live in Oslo.", memory: "Auto" })
      expect(response.status).toBe("completed")
      const operation = await pb.memory.wait(response.memory_operation_id!)
      expect(operation).toMatchObject({ status: "FAILED", error: "the fact extraction reply is not JSON", raw_output: raw, events: [] })
      expect(operation.completed_at).toEqual(expect.any(String))
      expect((await pb.memory.list("asst_default", { include_deleted: true })).total_count).toBe(0)
      expect(await pb.memory.stats("asst_default")).toEqual({ total_count: 0, deleted_count: 0, scopes: 0 })
      // read back by another runtime on the same database, it is the same
      const again = make({ stores: open() })
      expect(await again.pb.memory.operation(operation.operation_id)).toEqual(operation)
      await again.pb.dispose()
      await pb.dispose()
    })

    test("the response comes before the write ends; wait() returns once it has, also in another runtime on the database", async (open) => {
      const gate = Latch.makeUnsafe(false)
      // the next turn of the scope waits for the held write only briefly
      const { pb, llm } = make({ stores: open(), gate, waitMs: 10 })
      const response = await pb.addMessage({ content: "I live in Oslo.", memory: "Auto" })
      expect(response.status).toBe("completed")
      const id = response.memory_operation_id!
      expect(await pb.memory.operation(id)).toMatchObject({ status: "IN_PROGRESS", completed_at: null, events: [] })
      // a wait with a timeout returns the operation as it stands
      expect(await pb.memory.wait(id, { timeoutMs: 1 })).toMatchObject({ status: "IN_PROGRESS" })
      expect(llm.log.requests.filter((r) => memoryStep(r) === "update")).toHaveLength(0)

      const reader = make({ stores: open() })
      const waited = reader.pb.memory.wait(id)
      Effect.runSync(gate.open)
      const done = await pb.memory.wait(id)
      expect(done).toMatchObject({ status: "COMPLETED", events: [{ event: "ADD" }] })
      expect(await waited).toEqual(done)
      expect((await reader.pb.memory.list("asst_default")).memories.map((m) => m.content)).toEqual(["Lives in Oslo"])
      expect(chatRequests(llm)).toBe(1)
      await reader.pb.dispose()
      await pb.dispose()
    })
  })
}
