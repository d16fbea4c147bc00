/**
 * The check that a result keeps what the vendor sent as its `provider_output`: the fields the
 * scenario names in `expect.provider_output` (a response header kept as `x_request_id`, a body's
 * `system_fingerprint` or `usage`, the alignment a speech answer came with) must be there with
 * the vendor's values. `provider_output` is the caller's way to what Patchbay does not model, so
 * an adapter that drops part of it — or keeps a field only on one path — loses the vendor's word
 * silently; until now only the secrets checks read it. The paths `expect.provider_output_absent`
 * names must hold nothing: a field the vendor sent without a value (`system_fingerprint: null`)
 * or did not send is not invented as a key (a key holding `undefined`, which JSON drops, counts
 * as absent).
 */
import type { Capability } from "@patchbay/core"
import { Effect } from "effect"
import type { LoadedCassette } from "../../Cassette.ts"
import { isRecord, joinPath, jsonEqual, show } from "../json.ts"
import { type Check, define, eachCassette, ensure, overSuccesses, playCassette, run, scenarioIn, skip, succeeded } from "./common.ts"

const expectedOf = (loaded: LoadedCassette): Readonly<Record<string, unknown>> | undefined => scenarioIn(loaded).expect?.provider_output
const absentOf = (loaded: LoadedCassette): ReadonlyArray<string> => scenarioIn(loaded).expect?.provider_output_absent ?? []

/** The last `provider_output` the outputs carry: on an output itself or on an object it holds (a streamed transcript). */
const outputOf = (values: ReadonlyArray<unknown>): unknown =>
  values.flatMap((value) => {
    if (!isRecord(value)) return []
    return [value, ...Object.values(value).filter(isRecord)].flatMap((v) => ("provider_output" in v ? [v["provider_output"]] : []))
  }).at(-1)

/** The paths where `got` lacks or differs from what `want` gives (objects compared key by key, anything else whole). */
export const differences = (got: unknown, want: unknown, path: string): ReadonlyArray<string> => {
  if (isRecord(want)) {
    if (!isRecord(got)) return [`${path === "" ? "provider_output" : path} is ${show(got)}; expected an object`]
    return Object.entries(want).flatMap(([key, value]) => differences(got[key], value, joinPath(path, key)))
  }
  return jsonEqual(got, want) ? [] : [`${path} is ${show(got)}; the vendor sent ${show(want)}`]
}

/** The paths (dotted, array indexes as numbers: `choices.0.message.refusal`) that hold a value in `got`. */
export const present = (got: unknown, paths: ReadonlyArray<string>): ReadonlyArray<string> =>
  paths.filter((path) => {
    let at: unknown = got
    for (const key of path.split(".")) {
      if (typeof at !== "object" || at === null || !Object.hasOwn(at, key)) return false
      at = (at as Record<string, unknown>)[key]
    }
    return at !== undefined
  })

export const providerOutputCheck = (capability: Capability): Check =>
  define(
    capability,
    "provider_output",
    "a result keeps what the vendor sent as its provider_output",
    overSuccesses(capability, (_subject, found) => {
      const stating = found.filter((c) => expectedOf(c) !== undefined || absentOf(c).length > 0)
      return stating.length === 0 ? skip(`no ${capability} success cassette states expect.provider_output`) : run(stating)
    }),
    Effect.fn(`Checks.${capability}.provider_output`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded) =>
        Effect.gen(function*() {
          const values = yield* succeeded(yield* playCassette(subject, loaded))
          const output = outputOf(values)
          const found = differences(output, expectedOf(loaded) ?? {}, "")
          yield* ensure(found.length === 0, () =>
            `provider_output does not keep what the vendor sent: ${found.join("; ")} (keep the vendor's fields as they came, on every path)`)
          const invented = present(output, absentOf(loaded))
          yield* ensure(invented.length === 0, () =>
            `provider_output holds ${invented.map((p) => `${p} = ${show(p.split(".").reduce<unknown>((at, k) => (at as Record<string, unknown>)[k], output))}`).join("; ")}, which the vendor did not send with a value: leave out what the vendor left out or sent as null`)
        }))
    })
  )
