/**
 * Runs live in the `RunStore`: one active run per thread (`ThreadBusy`), owner leases renewed
 * while a run goes on and lapsing when its owner is gone, paused runs expiring, and a paused run
 * resumed by a new runtime over the same stores (a restart), a running run cancelled from another
 * runtime, and the background sweep. Time is the `TestClock`'s.
 */
import { expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import {
  CurrentTenant,
  defaultSettings,
  type LlmEvent,
  type LlmRequest,
  MediaStore,
  Pipeline,
  PipelineSettings,
  ProviderRegistry,
  RunStore,
  Stores,
  ThreadStore
} from "../src/index.ts"
import { FakeLlm, fakeProvider } from "../src/testing/index.ts"
import { llm, makeScenario } from "./support/pipeline.ts"

const iso = (ms: number) => new Date(ms).toISOString()

const weather = {
  type: "function",
  function: { name: "get_weather", description: "The weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } }
} as const
const callWeather: LlmEvent = {
  type: "tool_call",
  tool_call: { id: "call_w", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } }
}
const toolThenText = (text: string) => (request: LlmRequest): string | ReadonlyArray<LlmEvent> =>
  request.messages.at(-1)?.role === "tool" ? text : [callWeather]

const withRuns = (runs: { readonly leaseMs: number; readonly pausedTtlMs: number }) =>
  Effect.provideService(PipelineSettings, { ...defaultSettings, runs })

it.effect("a message to a thread with a run in progress fails at once with ThreadBusy; the active run is untouched", () => {
  const s = makeScenario({ llm: { reply: "One two three.", firstToken: "2 seconds", tokensPerSecond: 10 } })
  return Effect.gen(function*() {
    const first = yield* Pipeline.createThread()
    const prepared = yield* Pipeline.prepare({ thread_id: first.thread_id, content: "Count", ...llm })
    const fiber = yield* Effect.forkChild(Stream.runCollect(Pipeline.execute(prepared)))
    yield* TestClock.adjust("100 millis")
    const calls = s.fakes.llm.log.requests.length

    const busy = yield* Effect.flip(Pipeline.prepare({ thread_id: first.thread_id, content: "Again", ...llm }))
    expect(busy).toMatchObject({ _tag: "ThreadBusy", threadId: first.thread_id, runId: prepared.run_id, retryable: false })
    expect(busy.message).toBe(
      `Thread "${first.thread_id}" has an active run "${prepared.run_id}": wait for it to end (or submit its tool outputs), ` +
        "or cancel it, before sending another message"
    )
    expect(s.fakes.llm.log.requests).toHaveLength(calls)
    expect((yield* (yield* RunStore).get(prepared.run_id)).status).toBe("in_progress")

    for (let ms = 0; ms < 3000; ms += 100) yield* TestClock.adjust("100 millis")
    yield* Fiber.join(fiber)
    const run = yield* (yield* RunStore).get(prepared.run_id)
    expect([run.status, run.reason, run.owner, run.lease_until]).toEqual(["completed", null, null, null])
    const again = yield* Effect.forkChild(Pipeline.addMessageResponse({ thread_id: first.thread_id, content: "Again", ...llm }))
    for (let ms = 0; ms < 3000; ms += 100) yield* TestClock.adjust("100 millis")
    expect((yield* Fiber.join(again)).status).toBe("completed")
  }).pipe(Effect.provide(s.layer))
})

it.effect("a thread with a run paused for tool outputs is busy until the run is resumed or cancelled", () => {
  const s = makeScenario({ llm: { reply: toolThenText("Sunny.") } })
  return Effect.gen(function*() {
    const paused = yield* Pipeline.addMessageResponse({ content: "Weather?", ...llm, tools: [weather] })
    expect(yield* Effect.flip(Pipeline.addMessageResponse({ thread_id: paused.thread_id, content: "Hello?", ...llm }))).toMatchObject({
      _tag: "ThreadBusy",
      runId: paused.run_id
    })
    const run = yield* (yield* RunStore).get(paused.run_id)
    expect(run.status).toBe("requires_action")
    yield* Pipeline.cancel(paused.run_id)
    const cancelled = yield* (yield* RunStore).get(paused.run_id)
    expect([cancelled.status, cancelled.reason]).toEqual(["cancelled", "cancelled by the caller"])
    expect((yield* Pipeline.addMessageResponse({ thread_id: paused.thread_id, content: "Hello?", ...llm })).status).toBe("completed")
  }).pipe(Effect.provide(s.layer))
})

it.effect("a paused run keeps its tool calls and expiry, and expires to cancelled (reason expired) after pausedTtlMs", () => {
  const s = makeScenario({ llm: { reply: toolThenText("Sunny."), usage: { input_tokens: 4, output_tokens: 2 } } })
  return Effect.gen(function*() {
    const paused = yield* Pipeline.addMessageResponse({ content: "Weather?", ...llm, tools: [weather] })
    const runs = yield* RunStore
    const stored = yield* runs.get(paused.run_id)
    expect({ ...stored, paused: undefined }).toEqual({
      run_id: paused.run_id,
      thread_id: paused.thread_id,
      assistant_id: "asst_default",
      status: "requires_action",
      reason: null,
      tool_calls: [callWeather.type === "tool_call" ? callWeather.tool_call : undefined],
      expires_at: iso(60_000),
      usage: { input_tokens: 4, output_tokens: 2 },
      warnings: [],
      created_at: iso(0),
      updated_at: iso(0),
      owner: null,
      lease_until: null,
      paused: undefined
    })
    expect(stored.paused?.pending.map((call) => call.id)).toEqual(["call_w"])
    expect(JSON.parse(JSON.stringify(stored.paused))).toEqual(stored.paused)

    yield* TestClock.adjust("59 seconds")
    expect((yield* runs.get(paused.run_id)).status).toBe("requires_action")
    yield* TestClock.adjust("1 second")
    const expired = yield* runs.get(paused.run_id)
    expect([expired.status, expired.reason, expired.tool_calls, expired.expires_at, expired.updated_at]).toEqual([
      "cancelled",
      "expired",
      undefined,
      undefined,
      iso(60_000)
    ])
    expect(yield* Effect.flip(Pipeline.submitToolOutputsResponse(paused.run_id, [{ tool_call_id: "call_w", output: "sunny" }]))).toMatchObject({
      _tag: "InvalidRequest",
      field: "run_id",
      reason: "the run is cancelled, not requires_action: only a run paused for tool outputs takes them"
    })
    expect(s.fakes.llm.log.requests).toHaveLength(1)
  }).pipe(withRuns({ leaseMs: 30_000, pausedTtlMs: 60_000 }), Effect.provide(s.layer))
})

it.effect("sweep ends paused runs past expiry and running runs whose lease lapsed, for every tenant", () =>
  Effect.gen(function*() {
    const runs = yield* RunStore
    yield* runs.start({ run_id: "run_a", thread_id: "thr_a", assistant_id: "asst_default", owner: "own_1", lease_until: iso(1000) })
    yield* runs.start({ run_id: "run_b", thread_id: "thr_b", assistant_id: "asst_default", owner: "own_1", lease_until: iso(5000) })
    yield* runs.start({ run_id: "run_c", thread_id: "thr_c", assistant_id: "asst_default", owner: "own_1", lease_until: iso(500) }).pipe(
      Effect.provideService(CurrentTenant, "other")
    )
    expect(yield* runs.sweep(1000)).toEqual({ expired: [], lost: ["run_a", "run_c"] })
    expect(yield* runs.sweep(1000)).toEqual({ expired: [], lost: [] })
    expect(yield* runs.renew("run_a", "own_1", iso(9000))).toBe(false)
    expect(yield* runs.renew("run_b", "own_2", iso(9000))).toBe(false)
    expect(yield* runs.renew("run_b", "own_1", iso(9000))).toBe(true)
    expect(yield* runs.sweep(8999)).toEqual({ expired: [], lost: [] })
    const lost = yield* runs.get("run_a")
    expect([lost.status, lost.reason, lost.owner]).toEqual(["failed", "owner lost", null])
  }).pipe(Effect.provide(RunStore.layerMemory)))

it.effect("a prepared run that no process runs ends failed (owner lost) when its lease lapses, freeing its thread", () => {
  const s = makeScenario({ llm: { reply: "Hi." } })
  return Effect.gen(function*() {
    const first = yield* Pipeline.addMessageResponse({ content: "Hi", ...llm })
    const orphan = yield* Pipeline.prepare({ thread_id: first.thread_id, content: "Lost", ...llm })
    const runs = yield* RunStore
    expect((yield* runs.get(orphan.run_id)).lease_until).toBe(iso(10_000))
    yield* TestClock.adjust("9999 millis")
    expect((yield* runs.get(orphan.run_id)).status).toBe("in_progress")
    yield* TestClock.adjust("1 millis")
    const lost = yield* runs.get(orphan.run_id)
    expect([lost.status, lost.reason]).toEqual(["failed", "owner lost"])
    expect((yield* Pipeline.addMessageResponse({ thread_id: first.thread_id, content: "Again", ...llm })).status).toBe("completed")
  }).pipe(withRuns({ leaseMs: 10_000, pausedTtlMs: 60_000 }), Effect.provide(s.layer))
})

it.effect("a run going on longer than its lease keeps renewing it and never reads as lost", () => {
  const s = makeScenario({ llm: { reply: "Slowly but surely.", firstToken: "35 seconds", tokensPerSecond: 1 } })
  return Effect.gen(function*() {
    const prepared = yield* Pipeline.prepare({ content: "Take your time", ...llm })
    const fiber = yield* Effect.forkChild(Stream.runCollect(Pipeline.execute(prepared)))
    const runs = yield* RunStore
    for (let s = 0; s < 36; s++) yield* TestClock.adjust("1 second")
    const running = yield* runs.get(prepared.run_id)
    expect(running.status).toBe("in_progress")
    expect(running.lease_until! > iso(36_000)).toBe(true)
    for (let s = 0; s < 5; s++) yield* TestClock.adjust("1 second")
    yield* Fiber.join(fiber)
    expect((yield* runs.get(prepared.run_id)).status).toBe("completed")
  }).pipe(withRuns({ leaseMs: 10_000, pausedTtlMs: 60_000 }), Effect.provide(s.layer))
})

it.effect("a run no longer its process's to renew (marked failed, owner lost, while the process stalled) is stopped at the next renewal", () => {
  const s = makeScenario({ llm: { reply: "One two three four five six.", firstToken: "100 millis", tokensPerSecond: 1 } })
  return Effect.gen(function*() {
    const prepared = yield* Pipeline.prepare({ content: "Count", ...llm })
    const fiber = yield* Effect.forkChild(Stream.runCollect(Pipeline.execute(prepared)))
    const runs = yield* RunStore
    yield* TestClock.adjust("1 second")
    // Another process read the run as if its lease had lapsed.
    expect(yield* runs.sweep(Date.parse((yield* runs.get(prepared.run_id)).lease_until!))).toEqual({ expired: [], lost: [prepared.run_id] })
    for (let ms = 0; ms < 4000; ms += 100) yield* TestClock.adjust("100 millis")
    const events = [...(yield* Fiber.join(fiber))]
    expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "cancelled" })
    expect(s.fakes.llm.log.outcomes).toEqual(["interrupted"])
    expect(yield* runs.get(prepared.run_id)).toMatchObject({ status: "failed", reason: "owner lost" })
  }).pipe(withRuns({ leaseMs: 3000, pausedTtlMs: 60_000 }), Effect.provide(s.layer))
})

it.effect("a run paused in one runtime is resumed by a new runtime over the same stores, its request validated again", () =>
  Effect.gen(function*() {
    const stores = Stores.makeMemory()
    const runtime = (reply: string) => {
      const fake = FakeLlm({ reply: toolThenText(reply) })
      const layer = Layer.mergeAll(
        ProviderRegistry.layer([fakeProvider({ id: "fake", llm: fake })]),
        MediaStore.layerMemory({ secret: "restart-secret" }),
        stores,
        Pipeline.Runs.layer
      )
      return { fake, layer }
    }
    const before = runtime("unused")
    const paused = yield* Pipeline.addMessageResponse({ content: "Weather?", system_prompt: "Be brief.", ...llm, tools: [weather] }).pipe(
      Effect.provide(before.layer),
      Effect.provideService(Pipeline.RunOwner, "own_before")
    )
    expect(paused.status).toBe("requires_action")

    const after = runtime("Sunny in Oslo.")
    const done = yield* Pipeline.submitToolOutputsResponse(paused.run_id, [{ tool_call_id: "call_w", output: "sunny" }]).pipe(
      Effect.provide(after.layer),
      Effect.provideService(Pipeline.RunOwner, "own_after")
    )
    expect([done.status, done.run_id, done.content, done.assistant_id]).toEqual(["completed", paused.run_id, "Sunny in Oslo.", "asst_default"])
    const request = after.fake.log.requests[0]!
    expect(request.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"])
    expect(request.tools?.map((t) => t.function.name)).toEqual(["get_weather"])
    expect(before.fake.log.requests).toHaveLength(1)

    const stored = yield* Effect.provide(
      Effect.gen(function*() {
        return {
          messages: yield* (yield* ThreadStore).messages(done.thread_id),
          run: yield* (yield* RunStore).get(done.run_id)
        }
      }),
      stores
    )
    expect(stored.messages.map((m) => [m.role, m.status])).toEqual([
      ["user", "completed"],
      ["assistant", "requires_action"],
      ["tool", "completed"],
      ["assistant", "completed"]
    ])
    expect([stored.run.status, stored.run.paused, stored.run.owner]).toEqual(["completed", undefined, null])
  }))

it.effect("cancel(run_id) from another runtime over the same stores stops the run: its LLM call is interrupted, the run stored cancelled with its partial content", () =>
  Effect.gen(function*() {
    const stores = Stores.makeMemory()
    const fake = FakeLlm({ reply: "One two three four five six.", firstToken: "100 millis", tokensPerSecond: 10 })
    const running = Layer.mergeAll(
      ProviderRegistry.layer([fakeProvider({ id: "fake", llm: fake })]),
      MediaStore.layerMemory({ secret: "cancel-secret" }),
      stores,
      Pipeline.Runs.layer
    )
    // Another runtime: its own (empty) signals, the same stores.
    const elsewhere = Layer.mergeAll(stores, Pipeline.Runs.layer)
    const prepared = yield* Pipeline.prepare({ content: "Count", ...llm }).pipe(Effect.provide(running))
    const fiber = yield* Effect.forkChild(Stream.runCollect(Pipeline.execute(prepared)).pipe(Effect.provide(running)))
    for (let ms = 0; ms < 350; ms += 10) yield* TestClock.adjust("10 millis")
    yield* Pipeline.cancel(prepared.run_id).pipe(Effect.provide(elsewhere))
    const events = [...(yield* Fiber.join(fiber))]
    expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "cancelled" })
    expect(fake.log.outcomes).toEqual(["interrupted"])
    const stored = yield* Effect.provide(
      Effect.gen(function*() {
        return { messages: yield* (yield* ThreadStore).messages(prepared.thread.thread_id), run: yield* (yield* RunStore).get(prepared.run_id) }
      }),
      stores
    )
    expect(stored.messages.map((m) => [m.role, m.content, m.status])).toEqual([["user", "Count", "completed"], ["assistant", "One two three", "cancelled"]])
    expect([stored.run.status, stored.run.reason]).toEqual(["cancelled", "cancelled by the caller"])
  }))

it.effect("the background sweep settles a run whose owner is gone, every runs.sweepIntervalMs, without anyone reading it", () =>
  Effect.gen(function*() {
    const runs = yield* RunStore
    yield* runs.start({ run_id: "run_gone", thread_id: "thr_1", assistant_id: "asst_default", owner: "own_gone", lease_until: iso(1000) })
    yield* Effect.forkChild(Pipeline.sweepEvery(5000))
    yield* TestClock.adjust("4999 millis")
    expect(yield* runs.sweep(0)).toEqual({ expired: [], lost: [] }) // a sweep at time 0 settles nothing: the store is as it was
    yield* TestClock.adjust("1 millis")
    // The background sweep got there first: a sweep now finds nothing left to settle.
    expect(yield* runs.sweep(10_000)).toEqual({ expired: [], lost: [] })
    expect(yield* runs.get("run_gone")).toMatchObject({ status: "failed", reason: "owner lost" })
  }).pipe(Effect.provide(RunStore.layerMemory)))

it.effect("options ignored are warnings [{ code, message }] on run_ended, the response and the stored run", () => {
  const s = makeScenario({ llm: { reply: "Hi." } })
  return Effect.gen(function*() {
    const response = yield* Pipeline.addMessageResponse({ content: "Hi", ...llm, provider_options: { nobody: { x: 1 } } })
    const warning = { code: "option_ignored", message: "provider_options.nobody is ignored: no stage of this message is served by nobody" }
    expect(response.warnings).toEqual([warning])
    expect((yield* (yield* RunStore).get(response.run_id)).warnings).toEqual([warning])
  }).pipe(Effect.provide(s.layer))
})

it.effect("no LLM named by the request, the thread, its assistant or the instance is InvalidRequest (llm_provider), and no run is recorded", () => {
  const s = makeScenario()
  return Effect.gen(function*() {
    const thread = yield* Pipeline.createThread()
    expect(yield* Effect.flip(Pipeline.addMessageResponse({ thread_id: thread.thread_id, content: "x" }))).toMatchObject({
      _tag: "InvalidRequest",
      field: "llm_provider",
      reason: "no LLM is named by the request, the thread, its assistant or createPatchbay({ defaults: { llm } })"
    })
    expect(yield* (yield* RunStore).listByThread(thread.thread_id)).toEqual([])
  }).pipe(Effect.provide(s.layer))
})
