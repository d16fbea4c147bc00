/**
 * The check that a successful result keeps the vendor's request id: the `x-request-id` or
 * `request-id` header of the answer, as the result's `request_id` (a transcript, the speech
 * summary, the LLM `finish` event, an image result). It is what a caller quotes to the vendor
 * about a call that went wrong in a way no error shows (a bad transcript, a wrong voice), and the
 * error checks only prove it for failures — so an adapter that drops it on success passes no
 * longer.
 */
import type { Capability } from "@patchbay/core"
import { Effect } from "effect"
import type { LoadedCassette } from "../../Cassette.ts"
import { isRecord, show } from "../json.ts"
import { type Check, define, eachCassette, ensure, overSuccesses, playCassette, run, skip, succeeded } from "./common.ts"

/** The request ids the successful answers of a cassette carry in their headers. */
const answeredIds = (loaded: LoadedCassette): ReadonlyArray<string> =>
  loaded.cassette.interactions.flatMap(({ response }) =>
    response.status >= 400
      ? []
      : Object.entries(response.headers ?? {}).flatMap(([name, value]) =>
        ["x-request-id", "request-id"].includes(name.toLowerCase()) && typeof value === "string" ? [value] : []
      )
  )

/** Every `request_id` the call's outputs carry: on an output itself or on an object it holds (a streamed transcript). */
const reportedIds = (values: ReadonlyArray<unknown>): ReadonlyArray<string> =>
  values.flatMap((value) => {
    if (!isRecord(value)) return []
    const nested = Object.values(value).filter(isRecord)
    return [value, ...nested].flatMap((v) => (typeof v["request_id"] === "string" ? [v["request_id"]] : []))
  })

export const requestIdCheck = (capability: Capability): Check =>
  define(
    capability,
    "request_id",
    "a successful result keeps the vendor's request id",
    overSuccesses(capability, (subject, found) => {
      if (subject.mode === "in-process") return skip("in-process provider: no HTTP")
      const carrying = found.filter((c) => answeredIds(c).length > 0)
      return carrying.length === 0 ? skip(`no ${capability} success cassette's response carries an x-request-id or request-id header`) : run(carrying)
    }),
    Effect.fn(`Checks.${capability}.request_id`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded) =>
        Effect.gen(function*() {
          const values = yield* succeeded(yield* playCassette(subject, loaded))
          const sent = answeredIds(loaded)
          const kept = reportedIds(values)
          yield* ensure(kept.some((id) => sent.includes(id)), () =>
            `the result's request_id is ${show(kept[0])}; the vendor's answer carried ${show(sent.at(-1))}: keep the response's request id as the result's request_id`)
        }))
    })
  )
