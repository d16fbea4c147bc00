/**
 * The language-model checks: text deltas add up to the text, tool calls arrive whole with JSON
 * arguments, and usage is the vendor's.
 */
import { combineUsage, type LlmEvent } from "@patchbay/core"
import { Effect } from "effect"
import { jsonEqual, show } from "../json.ts"
import { type CheckFailed, checkUsage, define, eachCassette, ensure, failWith, skip, overSuccesses, playCassette, run, scenarioIn, succeeded } from "./common.ts"

const eventsOf = (values: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<LlmEvent>, CheckFailed> =>
  Effect.gen(function*() {
    const events = values as ReadonlyArray<LlmEvent>
    const finishes = events.filter((e) => e.type === "finish")
    yield* ensure(finishes.length === 1 && events[events.length - 1]?.type === "finish", () =>
      `the stream must end with exactly one finish event (got ${finishes.length}${finishes.length === 1 ? ", not last" : ""})`)
    return events
  })

export const llmText = define(
  "llm",
  "text",
  "the text deltas concatenate to the final text",
  overSuccesses("llm"),
  Effect.fn("Checks.llm.text")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const events = yield* eventsOf(yield* succeeded(yield* playCassette(subject, loaded)))
        const text = events.flatMap((e) => (e.type === "text_delta" ? [e.delta] : [])).join("")
        const expected = scenario.expect?.text
        if (expected !== undefined) yield* ensure(text === expected, () => `the deltas concatenate to ${show(text, 120)}; the vendor's text is ${show(expected, 120)}`)
        else if (!events.some((e) => e.type === "tool_call")) yield* ensure(text !== "", () => "the stream produced no text and no tool call")
      }))
  })
)

export const llmToolCalls = define(
  "llm",
  "tool_calls",
  "tool calls arrive whole, their arguments parse as JSON",
  overSuccesses("llm", (_, found) => {
    const calling = found.filter((c) => (scenarioIn(c).expect?.tool_calls?.length ?? 0) > 0)
    return calling.length === 0 ? skip("no llm cassette expects tool calls") : run(calling)
  }),
  Effect.fn("Checks.llm.tool_calls")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const events = yield* eventsOf(yield* succeeded(yield* playCassette(subject, loaded)))
        const calls = events.flatMap((e) => (e.type === "tool_call" ? [e.tool_call] : []))
        const ids = new Set<string>()
        const parsed: Array<{ name: string; arguments: unknown }> = []
        for (const [i, call] of calls.entries()) {
          yield* ensure(typeof call.id === "string" && call.id !== "" && !ids.has(call.id), () => `tool call ${i} has an empty or repeated id ${show(call.id)}: emit each call once, whole`)
          ids.add(call.id)
          yield* ensure(call.type === "function" && call.function.name !== "", () => `tool call ${i} is not a named function: ${show(call)}`)
          let args: unknown
          try {
            args = JSON.parse(call.function.arguments)
          } catch {
            return yield* failWith(`tool call ${i} (${call.function.name}) has arguments that are not JSON: ${show(call.function.arguments)}`)
          }
          parsed.push({ name: call.function.name, arguments: args })
        }
        const expected = scenario.expect?.tool_calls ?? []
        yield* ensure(jsonEqual(parsed, expected), () => `the tool calls are ${show(parsed, 200)}; the vendor made ${show(expected, 200)}`)
        const finish = events[events.length - 1]
        const reason = scenario.expect?.finish_reason ?? "tool_calls"
        yield* ensure(finish?.type === "finish" && finish.reason === reason, () =>
          `the finish reason is ${show(finish?.type === "finish" ? finish.reason : undefined)}; expected ${reason}`)
      }))
  })
)

export const llmUsage = define(
  "llm",
  "usage",
  "usage decodes and equals what the vendor reported",
  overSuccesses("llm"),
  Effect.fn("Checks.llm.usage")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const events = yield* eventsOf(yield* succeeded(yield* playCassette(subject, loaded)))
        const usages = events.flatMap((e) => (e.type === "usage" ? [e.usage] : []))
        const expected = scenario.expect?.usage
        if (usages.length === 0) {
          yield* ensure(expected === undefined, () => `the vendor reported usage ${show(expected)}; the stream has no usage event`)
          return
        }
        for (const usage of usages) yield* checkUsage(usage, undefined, "a usage event")
        yield* checkUsage(usages.reduce(combineUsage), expected, "the combined usage")
      }))
  })
)
