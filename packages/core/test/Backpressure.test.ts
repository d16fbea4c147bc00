/**
 * A client that reads slowly slows the run down: events never pile up without bound, in
 * `Run.toStream`, through `Pipeline.addMessage`, or in the async facade's iterator. Each test
 * counts what was produced against what was read — never durations.
 */
import { expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { describe, it as vitest } from "vitest"
import { createPatchbay, MediaStore, Pipeline, ProviderRegistry, Run, Stores } from "../src/index.ts"
import { FakeLlm, fakeProvider } from "../src/testing/index.ts"
import { llm } from "./support/pipeline.ts"

const bound = Run.defaultBufferSize

/** An LLM that answers `words` words, one per stream chunk, counting the deltas read from it. */
const countingLlm = (words: number, options: Parameters<typeof FakeLlm>[0] = {}) => {
  const base = FakeLlm({ reply: Array.from({ length: words }, (_, i) => `w${i}`).join(" "), ...options })
  let produced = 0
  const llm: typeof base = {
    ...base,
    stream: (request) =>
      base.stream(request).pipe(Stream.rechunk(1), Stream.tap((event) => Effect.sync(() => void (event.type === "text_delta" && produced++))))
  }
  return { llm, produced: () => produced }
}

describe("backpressure", () => {
  it.effect(`Run.toStream: a client reading one event per 50 ms keeps at most 2 × ${bound} events unread`, () =>
    Effect.gen(function*() {
      const total = 500
      let emitted = 0
      let read = 0
      let most = 0
      const program = Effect.gen(function*() {
        for (let i = 0; i < total; i++) {
          emitted++
          yield* Run.emit({ type: "content_streaming", content: `${i}` })
        }
      })
      const client = yield* Effect.forkChild(
        Run.toStream({ thread_id: "thr_slow", run_id: "run_slow" }, program).pipe(
          Stream.runForEach((event) =>
            Effect.gen(function*() {
              most = Math.max(most, emitted - read)
              yield* Effect.sleep("50 millis")
              expect(event.seq).toBe(read)
              read++
            })
          )
        )
      )
      for (let i = 0; i < total + 10; i++) yield* TestClock.adjust("50 millis")
      yield* Fiber.join(client)
      expect(read).toBe(total)
      expect(most).toBeGreaterThan(bound) // the program did run ahead of the client
      expect(most).toBeLessThanOrEqual(2 * bound)
    }))

  it.effect(`addMessage: a fast LLM read one event per 50 ms is read from at most 2 × ${bound} + 2 deltas ahead`, () => {
    const counting = countingLlm(500, { tokensPerSecond: 1000 })
    const layer = Layer.mergeAll(
      ProviderRegistry.layer([fakeProvider({ id: "fake", llm: counting.llm })]),
      MediaStore.layerMemory({ secret: "backpressure-test-secret" }),
      Stores.layerMemory,
      Pipeline.Runs.layer
    )
    return Effect.gen(function*() {
      let read = 0
      let most = 0
      const client = yield* Effect.forkChild(
        Pipeline.addMessage({ content: "Count", ...llm }).pipe(
          Stream.runForEach(() =>
            Effect.gen(function*() {
              most = Math.max(most, counting.produced() - read)
              yield* Effect.sleep("50 millis")
              read++
            })
          )
        )
      )
      for (let i = 0; i < 520; i++) yield* TestClock.adjust("50 millis")
      yield* Fiber.join(client)
      expect(counting.produced()).toBe(500)
      expect(read).toBe(500 + 2) // run_started, the deltas, run_ended
      expect(most).toBeGreaterThan(bound)
      expect(most).toBeLessThanOrEqual(2 * bound + 2)
    }).pipe(Effect.provide(layer))
  })

  vitest(`the async facade: an iterator read slowly keeps the run at most 3 × ${bound} + 2 deltas ahead`, async () => {
    const counting = countingLlm(1000)
    const pb = createPatchbay({ providers: [fakeProvider({ id: "fake", llm: counting.llm })], media: { secret: "backpressure-test-secret" } })
    const events = await pb.addMessage({ content: "Count", llmProvider: "fake", modelName: "fake-llm", stream: true })
    /** Lets the run go as far as it can: until it produced nothing more for a few turns of the event loop. */
    const settle = async () => {
      for (let quiet = 0; quiet < 5;) {
        const before = counting.produced()
        await new Promise((resolve) => setImmediate(resolve))
        quiet = counting.produced() === before ? quiet + 1 : 0
      }
    }
    const iterator = events[Symbol.asyncIterator]()
    let read = 0
    let most = 0
    for (;;) {
      await settle()
      most = Math.max(most, counting.produced() - read)
      const next = await iterator.next()
      if (next.done === true) break
      read++
    }
    expect(read).toBe(1000 + 2)
    expect(most).toBeGreaterThan(bound)
    expect(most).toBeLessThanOrEqual(3 * bound + 2)
    await pb.dispose()
  })
})
