/**
 * The check that a success status whose body the adapter cannot read — an HTML page from a
 * proxy in the vendor's place, JSON cut short — fails as the vendor's failure the caller can
 * act on: `ProviderUnavailable` (or the cassette's `expect.error._tag`) naming the provider,
 * with a detail saying what was wrong with the answer. The status checks read `provider` and
 * `status` only when the vendor answered with an error status, so an adapter that throws such a
 * body away with an empty error passed until now. Its cassettes are `unavailable` cases whose
 * response has a 2xx status.
 */
import { type Capability, isProviderError } from "@patchbay/core"
import { Effect } from "effect"
import type { LoadedCassette } from "../../Cassette.ts"
import { cassettesFor } from "../../Subject.ts"
import { show } from "../json.ts"
import { failureOf } from "../operations.ts"
import { type Check, define, describeFailure, eachCassette, ensure, failWith, playCassette, run, skip } from "./common.ts"

/** Whether every response of the cassette has a success status: the failure is in the body. */
const answeredSuccess = (loaded: LoadedCassette): boolean =>
  loaded.cassette.interactions.length > 0 && loaded.cassette.interactions.every((i) => i.response.status < 300)

export const unreadableBodyCheck = (capability: Capability): Check =>
  define(
    capability,
    "unreadable_body",
    "a success status with a body the adapter cannot read → ProviderUnavailable naming the provider and what was wrong",
    (subject) => {
      if (subject.mode === "in-process") return skip("in-process provider: no HTTP")
      const found = cassettesFor(subject, capability, "unavailable").filter(answeredSuccess)
      return found.length === 0 ? skip(`no ${capability} "unavailable" cassette answers with a success status`) : run(found)
    },
    Effect.fn(`Checks.${capability}.unreadable_body`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const played = yield* playCassette(subject, loaded)
          const failure = failureOf(played.exit)
          if (failure === undefined || failure._tag === "Defect" || !isProviderError(failure.error)) {
            return yield* failWith(`expected ProviderUnavailable; ${describeFailure(played)}`)
          }
          const error = failure.error as { readonly _tag: string; readonly message: string; readonly provider?: string; readonly detail?: string }
          const tag = scenario.expect?.error?._tag ?? "ProviderUnavailable"
          yield* ensure(error._tag === tag, () => `the call failed with ${error._tag} (${error.message}); expected ${tag}`)
          yield* ensure(error.provider === played.provider.id, () => `${error._tag}.provider is ${show(error.provider)}; expected ${show(played.provider.id)}`)
          yield* ensure((error.detail ?? "").trim() !== "", () =>
            `${error._tag}.detail is ${show(error.detail)}: say what was wrong with the vendor's answer (not JSON, not the expected shape)`)
        }))
    })
  )
