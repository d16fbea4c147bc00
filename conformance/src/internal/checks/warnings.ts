/**
 * The check that a result warns only when something warranted it: the warnings of a successful
 * call (a speech summary's, a transcript's, an LLM `finish` event's, an image result's) are
 * exactly those the scenario names in `expect.warnings` (each by a part of its text), and none
 * when it names none. A warning is how an adapter tells the caller it did not do all that was
 * asked (an option not sent, a language the model ignores); one that fires on a plain request
 * teaches callers to ignore them, and one that never fires hides what was dropped.
 */
import type { Capability } from "@patchbay/core"
import { Effect } from "effect"
import { isRecord, show } from "../json.ts"
import { type Check, define, eachCassette, ensure, overSuccesses, playCassette, succeeded } from "./common.ts"

/** Every warning the outputs carry: on an output itself or on an object it holds. */
const warningsOf = (values: ReadonlyArray<unknown>): ReadonlyArray<string> =>
  values.flatMap((value) => {
    if (!isRecord(value)) return []
    return [value, ...Object.values(value).filter(isRecord)].flatMap((v) =>
      Array.isArray(v["warnings"]) ? v["warnings"].map((w: unknown) => (typeof w === "string" ? w : show(w))) : []
    )
  })

export const warningsCheck = (capability: Capability): Check =>
  define(
    capability,
    "warnings",
    "a successful call warns only about what the scenario says warrants it",
    overSuccesses(capability),
    Effect.fn(`Checks.${capability}.warnings`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const given = warningsOf(yield* succeeded(yield* playCassette(subject, loaded)))
          const wanted = scenario.expect?.warnings ?? []
          for (const part of wanted) {
            yield* ensure(given.some((w) => w.includes(part)), () =>
              `no warning says ${show(part)} (the warnings are ${show(given)}): warn when part of the request is not honoured`)
          }
          yield* ensure(given.length === wanted.length, () =>
            wanted.length === 0
              ? `the call warned ${show(given)}, but nothing in the request warrants a warning: warn only about what was not done as asked`
              : `the call gave ${given.length} warning(s) ${show(given)}; the scenario expects ${wanted.length} (${show(wanted)})`)
        }))
    })
  )
