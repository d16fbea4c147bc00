/**
 * The history sent to the LLM fits the model's context window (its catalogue's
 * `context_window`): oldest turns are left out first, never the system prompt nor the new
 * message, and the run says so in its warnings. The thread itself keeps everything.
 */
import { expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { MediaStore, Pipeline, ProviderRegistry, RunStore, Stores, ThreadStore } from "../src/index.ts"
import * as Context from "../src/internal/context.ts"
import { FakeLlm, fakeProvider } from "../src/testing/index.ts"

const long = (label: string) => label.padEnd(100, ".")

it.effect("the history sent to the LLM is trimmed to the context window, oldest turns first, never the system prompt, with a warning", () => {
  const llm = FakeLlm({ reply: "ok" })
  const provider = fakeProvider({
    id: "fake",
    llm,
    models: [{ id: "fake-llm", provider: "fake", capability: "llm", streaming: true, tools: true, context_window: 200 }]
  })
  const layer = Layer.mergeAll(ProviderRegistry.layer([provider]), MediaStore.layerMemory({ secret: "s" }), Stores.layerMemory, Pipeline.Runs.layer)
  return Effect.gen(function*() {
    const request = { llm_provider: "fake", model_name: "fake-llm", system_prompt: "Be brief." }
    const first = yield* Pipeline.addMessageResponse({ ...request, content: long("1") })
    const responses = [first]
    for (const n of [2, 3, 4, 5]) responses.push(yield* Pipeline.addMessageResponse({ ...request, thread_id: first.thread_id, content: long(String(n)) }))

    // system 7 + new message 29 estimated tokens; each earlier turn 29 + 5; the window keeps 150 of 200 for the prompt
    expect(responses.slice(0, 4).map((r) => r.warnings)).toEqual([[], [], [], []])
    expect(llm.log.requests[3]!.messages).toHaveLength(1 + 6 + 1)
    const fifth = llm.log.requests[4]!.messages
    expect(fifth.map((m) => (m.role === "user" && typeof m.content === "string" ? m.content[0] : m.role))).toEqual([
      "system",
      "2",
      "assistant",
      "3",
      "assistant",
      "4",
      "assistant",
      "5"
    ])
    const warning = {
      code: "history_trimmed",
      message: "2 earlier messages were left out of the history sent to the LLM to fit its context window of 200 tokens"
    }
    expect(responses[4]!.warnings).toEqual([warning])
    expect((yield* (yield* RunStore).get(responses[4]!.run_id)).warnings).toEqual([warning])
    expect(yield* (yield* ThreadStore).messages(first.thread_id)).toHaveLength(10)
  }).pipe(Effect.provide(layer))
})

it("fitting keeps whole turns, so a tool result never loses the call it answers; no window, no trimming", () => {
  const call = { id: "c1", type: "function" as const, function: { name: "f", arguments: "{}" } }
  const history = [
    { role: "user" as const, content: long("a") },
    { role: "assistant" as const, content: "", tool_calls: [call] },
    { role: "tool" as const, tool_call_id: "c1", content: long("result") },
    { role: "assistant" as const, content: "done" },
    { role: "user" as const, content: "b" },
    { role: "assistant" as const, content: "ok" }
  ]
  const fixed = [{ role: "user" as const, content: "c" }]
  expect(Context.fitHistory(fixed, history, undefined)).toEqual({ history, warning: undefined })
  expect(Context.fitHistory(fixed, history, 100_000)).toEqual({ history, warning: undefined })
  const fitted = Context.fitHistory(fixed, history, 40)
  expect(fitted.history).toEqual(history.slice(4))
  expect(fitted.warning?.message).toBe("4 earlier messages were left out of the history sent to the LLM to fit its context window of 40 tokens")
  expect(Context.fitHistory(fixed, history, 8).history).toEqual([])
  expect(Context.estimateTokens({ role: "user", content: "abcde" })).toBe(6)
  expect(Context.replyReserve(200)).toBe(50)
  expect(Context.replyReserve(1_000_000)).toBe(16_384)
})
