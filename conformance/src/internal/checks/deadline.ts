/**
 * The check that an adapter's own request deadline (an SDK's `timeout`) ends a call the vendor
 * never answers as `ProviderTimeout` naming the provider, with a message free of placeholders,
 * and aborts the request it gave up on. The battery cannot wait out a deadline of minutes or an
 * hour, so the adapter's battery file gives the factory with the deadline set
 * (`runConformance({ deadline })`), and the check sets it to a fraction of a second against a
 * transport that holds the response back until the request is aborted. An adapter that reports
 * the deadline as an outage, as an empty error, or leaves the request running passed until now.
 */
import { type Capability, isProviderError } from "@patchbay/core"
import { Effect } from "effect"
import type { LoadedCassette } from "../../Cassette.ts"
import { REPLAY_API_KEY, replayFetch } from "../../Replay.ts"
import { show } from "../json.ts"
import { failureOf, outputsOf, play } from "../operations.ts"
import { type Check, define, eachCassette, ensure, failWith, run, scenarioIn, skip, successes, waitUntil } from "./common.ts"

/** The deadline the check gives the adapter, in seconds. */
const DEADLINE_SECONDS = 0.05

/** Text a message built from a missing value shows instead of words. */
const PLACEHOLDER = /\bundefined\b|\bnull\b|\[object Object\]|\(\s*\)/

export const deadlineCheck = (capability: Capability): Check =>
  define(
    capability,
    "deadline",
    "the adapter's own request deadline → ProviderTimeout naming the provider, the request aborted",
    (subject) => {
      if (subject.mode === "in-process") return skip("in-process provider: no HTTP")
      if (subject.deadline === undefined) return skip("the battery file gives no factory with a request deadline (runConformance({ deadline }))")
      const found = successes(subject, capability)
      return found.length === 0 ? skip(`no ${capability} cassette with case "success"`) : run([found[0] as LoadedCassette])
    },
    Effect.fn(`Checks.${capability}.deadline`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded) =>
        Effect.gen(function*() {
          const make = subject.deadline
          if (make === undefined) return
          const transport = replayFetch(loaded, { stall: "headers" })
          const provider = make({ fetch: transport, apiKey: REPLAY_API_KEY, seconds: DEADLINE_SECONDS })
          const played = yield* play(outputsOf(provider, loaded, scenarioIn(loaded))).pipe(Effect.ensuring(Effect.sync(() => transport.dispose())))
          const failure = failureOf(played.exit)
          if (failure === undefined) return yield* failWith("the call succeeded against a vendor that never answered")
          if (failure._tag === "Defect") return yield* failWith(`it died with a defect instead of a typed error: ${failure.message}`)
          const error = failure.error
          yield* ensure(isProviderError(error) && error._tag === "ProviderTimeout", () =>
            `past its deadline of ${DEADLINE_SECONDS} s the call failed with ${error._tag} (${error.message}); expected ProviderTimeout`)
          const fields = error as unknown as { readonly provider?: string }
          yield* ensure(fields.provider === provider.id, () => `ProviderTimeout.provider is ${show(fields.provider)}; expected ${show(provider.id)}`)
          const placeholder = PLACEHOLDER.exec(error.message)?.[0]
          yield* ensure(placeholder === undefined, () => `the message ${show(error.message)} shows ${show(placeholder)} where words belong`)
          const aborted = yield* waitUntil(() => transport.log[0]?.aborted === true, 500)
          yield* ensure(aborted, () => "the deadline passed but the request was not aborted at the transport: abort it when giving up")
        }))
    })
  )
