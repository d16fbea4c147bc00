/**
 * The check that a result keeps what the vendor sent as its `provider_output`: the fields the
 * scenario names in `expect.provider_output` (a response header kept as `x_request_id`, a body's
 * `system_fingerprint` or `usage`, the alignment a speech answer came with) must be there with
 * the vendor's values. `provider_output` is the caller's way to what Patchbay does not model, so
 * an adapter that drops part of it — or keeps a field only on one path — loses the vendor's word
 * silently; until now only the secrets checks read it.
 */
import type { Capability } from "@patchbay/core"
import { Effect } from "effect"
import type { LoadedCassette } from "../../Cassette.ts"
import { isRecord, joinPath, jsonEqual, show } from "../json.ts"
import { type Check, define, eachCassette, ensure, overSuccesses, playCassette, run, scenarioIn, skip, succeeded } from "./common.ts"

const expectedOf = (loaded: LoadedCassette): Readonly<Record<string, unknown>> | undefined => scenarioIn(loaded).expect?.provider_output

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

export const providerOutputCheck = (capability: Capability): Check =>
  define(
    capability,
    "provider_output",
    "a result keeps what the vendor sent as its provider_output",
    overSuccesses(capability, (_subject, found) => {
      const stating = found.filter((c) => expectedOf(c) !== undefined)
      return stating.length === 0 ? skip(`no ${capability} success cassette states expect.provider_output`) : run(stating)
    }),
    Effect.fn(`Checks.${capability}.provider_output`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded) =>
        Effect.gen(function*() {
          const values = yield* succeeded(yield* playCassette(subject, loaded))
          const found = differences(outputOf(values), expectedOf(loaded), "")
          yield* ensure(found.length === 0, () =>
            `provider_output does not keep what the vendor sent: ${found.join("; ")} (keep the vendor's fields as they came, on every path)`)
        }))
    })
  )
