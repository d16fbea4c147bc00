/**
 * The deltas of a streamed success are the vendor's, one for one. `stt.text` and `llm.text` only
 * compare the joined deltas with the final text (STT with spacing normalized), so an adapter that
 * passes on empty deltas, or reads on past the vendor's final event (a `transcript.text.done`, a
 * `[DONE]`) and passes on what follows, still joins to the right text — or to one the normalizer
 * forgives. A caller rendering deltas as they come sees the difference: an empty delta is a
 * wasted update, and one after the end is text the vendor never meant.
 *
 * Every streamed success must pass on no empty delta; when the scenario states `expect.deltas`
 * (the vendor's deltas before its final event, empty ones left out), the adapter's deltas must be
 * exactly those, in order. Give one cassette whose stream holds an empty delta and events after
 * its final event to prove both.
 */
import { operationOf } from "../../Cassette.ts"
import { show } from "../json.ts"
import { type Check, define, eachCassette, ensure, ofType, overSuccesses, playCassette, run, scenarioIn, skip, succeeded } from "./common.ts"
import { Effect } from "effect"

/** The text deltas of a capability's outputs: STT `delta`, LLM `text_delta`. */
const deltasOf = (capability: "stt" | "llm", values: ReadonlyArray<unknown>): ReadonlyArray<unknown> =>
  capability === "stt"
    ? ofType<{ type: "delta"; delta: unknown }>(values, "delta").map((d) => d.delta)
    : ofType<{ type: "text_delta"; delta: unknown }>(values, "text_delta").map((d) => d.delta)

export const deltasCheck = (capability: "stt" | "llm"): Check =>
  define(
    capability,
    "deltas",
    "a stream passes on the vendor's deltas: none empty, none after the vendor's final event",
    overSuccesses(capability, (_subject, found) => {
      const streamed = capability === "stt" ? found.filter((c) => operationOf(scenarioIn(c)) === "transcribeStream") : found
      return streamed.length === 0 ? skip(`no ${capability} success cassette streams`) : run(streamed)
    }),
    Effect.fn(`Checks.${capability}.deltas`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const deltas = deltasOf(capability, yield* succeeded(yield* playCassette(subject, loaded)))
          const empty = deltas.findIndex((d) => typeof d !== "string" || d === "")
          yield* ensure(empty < 0, () =>
            `delta ${empty} is ${show(deltas[empty])}: pass on only deltas that carry text (skip the vendor's empty ones)`)
          const expected = scenario.expect?.deltas
          if (expected !== undefined) {
            yield* ensure(deltas.length === expected.length && deltas.every((d, i) => d === expected[i]), () =>
              `the deltas are ${show(deltas, 240)}; the vendor sent ${show(expected, 240)} before its final event: pass each on as it came, and stop at the final event`)
          }
        }))
    })
  )
