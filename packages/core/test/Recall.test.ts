/**
 * `Stages.recall` before the LLM call, on the test clock: a turn that reads memory waits for its
 * scope's running write — at most `memory.waitMs` (2 s by default) — so it reads the previous
 * turn's facts when they come in time and is never stalled for longer. Other scopes never wait.
 */
import { expect, it } from "@effect/vitest"
import { Effect, Fiber, Latch, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { MediaStore, Memories, type MessageResponse, Pipeline, ProviderRegistry, Run, Stages, Stores } from "../src/index.ts"
import { FakeLlm, fakeProvider, memoryStep, scriptedMemoryLlm } from "../src/testing/index.ts"

const setup = () => {
  const gate = Latch.makeUnsafe(false)
  const llm = FakeLlm({ reply: scriptedMemoryLlm({ facts: (text) => (text.includes("Oslo") ? ["Lives in Oslo"] : []) }) })
  // the fact extraction waits for the gate
  const provider = fakeProvider({
    id: "fake",
    llm: {
      ...llm,
      stream: (request) => (memoryStep(request) === "extraction" ? Stream.unwrap(Effect.map(gate.await, () => llm.stream(request))) : llm.stream(request))
    }
  })
  const layer = Layer.mergeAll(
    ProviderRegistry.layer([provider]),
    MediaStore.layerMemory({ secret: "recall-test-secret" }),
    Stores.layerMemory,
    Pipeline.Runs.layer,
    Memories.layerWorker
  )
  /** Turns of the LLM itself (not memory writes) so far. */
  const chats = () => llm.log.requests.filter((r) => memoryStep(r) === undefined).length
  return { gate, layer, chats }
}

const message = (content: string, memory: "Auto" | "Readonly", memory_scope = "user_1") =>
  Pipeline.addMessageResponse({ content, memory, memory_scope, llm_provider: "fake", model_name: "fake-llm" })

const contents = (response: MessageResponse) => response.retrieved_memories.map((m) => m.memory)

it.effect("a turn waits at most 2 s for its scope's running write, then retrieves without it", () => {
  const { chats, layer } = setup()
  return Effect.gen(function*() {
    const first = yield* message("I live in Oslo.", "Auto")
    expect(first.memory_operation_id).toMatch(/^memop_/)
    const reading = yield* Effect.forkChild(message("Where do I live?", "Readonly"))
    yield* TestClock.adjust("1999 millis")
    expect(chats()).toBe(1) // still waiting: the second turn has not asked the LLM
    yield* TestClock.adjust("1 millis")
    const second = yield* Fiber.join(reading)
    expect(chats()).toBe(2)
    expect(contents(second)).toEqual([])
    expect(yield* Memories.operation(first.memory_operation_id!)).toMatchObject({ status: "IN_PROGRESS" })
  }).pipe(Effect.provide(layer))
})

it.effect("a write that ends within the wait is read by the next turn", () => {
  const { chats, gate, layer } = setup()
  return Effect.gen(function*() {
    // 500 ms into the wait the write is let through; 1000 ms in, well within 2 s, the turn has read it
    const first = yield* message("I live in Oslo.", "Auto")
    const reading = yield* Effect.forkChild(message("Where do I live?", "Readonly"))
    yield* TestClock.adjust("500 millis")
    expect(chats()).toBe(1)
    yield* gate.open
    // the write ends (its fake LLM answers at once); the waiting turn sees it at its next poll
    for (let i = 0; i < 10; i++) yield* TestClock.adjust("50 millis")
    expect(yield* Memories.operation(first.memory_operation_id!)).toMatchObject({ status: "COMPLETED" })
    const second = yield* Fiber.join(reading)
    expect(contents(second)).toEqual(["Lives in Oslo"])
    expect(chats()).toBe(2)
  }).pipe(Effect.provide(layer))
})

it.effect("another scope does not wait for the write", () => {
  const { layer } = setup()
  return Effect.gen(function*() {
    yield* message("I live in Oslo.", "Auto")
    const reading = yield* Effect.forkChild(message("Where do I live?", "Readonly", "user_2"))
    yield* TestClock.adjust("0 millis")
    expect(yield* Fiber.join(reading)).toMatchObject({ status: "completed", retrieved_memories: [] })
  }).pipe(Effect.provide(layer))
})

it.effect("Stages.recall emits memory_retrieved with the assistant's memory_top_k best memories", () => {
  const { layer } = setup()
  return Effect.gen(function*() {
    for (const n of [1, 2, 3]) yield* Memories.add("asst_default", { content: `Has a cat named Cat${n}`, memory_scope: "user_1" })
    const events = yield* Stream.runCollect(Run.toStream({ thread_id: "thr_1", run_id: "run_1" },
      Stages.recall({ assistant_id: "asst_default", memory_scope: "user_1", query: "What is my cat called?", top_k: 2 })))
    const [only] = [...events]
    expect(only).toMatchObject({ type: "memory_retrieved", thread_id: "thr_1", run_id: "run_1", memories: [{ memory: "Has a cat named Cat1" }, { memory: "Has a cat named Cat2" }] })
    expect(events.length).toBe(1)
    expect(Stages.systemBlock(only?.type === "memory_retrieved" ? only.memories : [])).toBe(
      "Memories from earlier conversations with this user, most relevant first. Use them when they help; " +
        "if the conversation contradicts one, the conversation is right.\n- Has a cat named Cat1\n- Has a cat named Cat2"
    )
  }).pipe(Effect.provide(layer))
})

it.effect("without the memory worker, \"Auto\" is refused before any vendor call", () => {
  const { chats } = setup()
  const layer = Layer.mergeAll(
    ProviderRegistry.layer([fakeProvider({ id: "fake", llm: FakeLlm() })]),
    MediaStore.layerMemory({ secret: "recall-test-secret" }),
    Stores.layerMemory,
    Pipeline.Runs.layer
  )
  return Effect.gen(function*() {
    const error = yield* Effect.flip(message("I live in Oslo.", "Auto"))
    expect(error).toMatchObject({ _tag: "InvalidRequest", field: "memory", value: "Auto" })
    expect(chats()).toBe(0)
  }).pipe(Effect.provide(layer))
})

it.effect("a write that runs past memory.operationTimeoutMs ends FAILED (timeout) with nothing written", () => {
  const { layer } = setup() // the gate never opens: the extraction never answers
  return Effect.gen(function*() {
    const first = yield* message("I live in Oslo.", "Auto")
    const waiting = yield* Effect.forkChild(Memories.wait(first.memory_operation_id!))
    yield* TestClock.adjust("119999 millis")
    // still running, four times past its 30 s lease: the owner renews it while it runs
    expect(yield* Memories.operation(first.memory_operation_id!)).toMatchObject({ status: "IN_PROGRESS" })
    yield* TestClock.adjust("1 millis")
    for (let i = 0; i < 2; i++) yield* TestClock.adjust("50 millis")
    expect(yield* Fiber.join(waiting)).toMatchObject({
      status: "FAILED",
      error: "timeout: the operation took longer than 120000 ms",
      raw_output: null,
      events: []
    })
    expect((yield* Memories.stats("asst_default")).total_count).toBe(0)
  }).pipe(Effect.provide(layer))
})
