/**
 * The check that options reach the vendor: every `provider_options` entry (and, for speech, the
 * model, voice and output format) a success scenario sets is found in the recorded request — or,
 * for an option the adapter declares shows otherwise (`options.<capability>.samples.<name>.onWire`),
 * that test holds.
 */
import type { Capability } from "@patchbay/core"
import { Effect } from "effect"
import { show } from "../json.ts"
import { optionsOf, outputFormatOf } from "../operations.ts"
import { fieldNames, optionOnWire, valueOnWire } from "../wire.ts"
import { type Check, define, describeFailure, eachCassette, ensure, failWith, skip, playCassette, run, scenarioIn, successes } from "./common.ts"

export const wireCheck = (capability: Capability): Check =>
  define(
    capability,
    "provider_options",
    capability === "tts"
      ? "model, voice, format and provider_options are on the wire"
      : "provider_options are visible in the recorded request",
    (subject) => {
      if (subject.mode === "in-process") return skip("in-process provider: nothing goes over a wire")
      const found = successes(subject, capability)
      const relevant = capability === "tts"
        ? found
        : found.filter((c) => Object.keys(optionsOf(subject.provider, scenarioIn(c)) ?? {}).length > 0 || scenarioIn(c).expect?.wire !== undefined)
      return relevant.length === 0 ? skip(`no ${capability} success cassette sets provider_options.${subject.provider.id}`) : run(relevant)
    },
    Effect.fn(`Checks.${capability}.provider_options`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const played = yield* playCassette(subject, loaded)
          const entry = played.transport?.log[0]
          if (entry === undefined) return yield* failWith(`no request was made (${describeFailure(played)})`)
          const missing: Array<string> = []
          const key = played.provider.id
          const samples = subject.options[capability]?.samples
          for (const [name, value] of Object.entries(optionsOf(played.provider, scenario) ?? {})) {
            // An option that shows otherwise (an endpoint it selects) says how, as options_coverage reads it.
            const onWire = samples?.[name]?.onWire
            const shown = onWire === undefined ? optionOnWire(entry, name, value) : onWire(entry)
            if (!shown) missing.push(`provider_options.${key}.${name} = ${show(value)}`)
          }
          for (const [name, value] of Object.entries(scenario.expect?.wire ?? {})) {
            if (!optionOnWire(entry, name, value)) missing.push(`${name} = ${show(value)}`)
          }
          if (capability === "tts") {
            const format = outputFormatOf(played.provider, scenario)
            for (const [name, value] of [["model", scenario.request.model], ["voice", scenario.request.voice], ["output_format", format]] as const) {
              if (value !== undefined && !valueOnWire(entry, value)) missing.push(`${name} ${show(value)}`)
            }
          }
          yield* ensure(missing.length === 0, () =>
            `not in the request: ${missing.join("; ")} (${fieldNames(entry)}): options that validate must reach the vendor`)
        }))
    })
  )
