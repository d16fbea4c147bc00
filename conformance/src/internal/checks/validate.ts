/**
 * The check every capability starts with: the provider's pure `validate` hook accepts each
 * success scenario and makes no request.
 */
import type { Capability } from "@patchbay/core"
import { Effect, Exit } from "effect"
import { failureOf, validateScenario } from "../operations.ts"
import { arrange, type Check, define, eachCassette, ensure, failWith, overSuccesses } from "./common.ts"

export const validateCheck = (capability: Capability): Check =>
  define(
    capability,
    "validate",
    "the validate hook accepts every success scenario and makes no request",
    overSuccesses(capability),
    Effect.fn(`Checks.${capability}.validate`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const { provider, transport } = arrange(subject, loaded)
          const exit = yield* Effect.exit(validateScenario(provider, loaded, scenario))
          if (Exit.isFailure(exit)) {
            const failure = failureOf(exit)
            return yield* failWith(`validate refused a valid request: ${failure?._tag === "Typed" ? `${failure.error._tag}: ${failure.error.message}` : failure?.message}`)
          }
          const requests = transport?.log.length ?? 0
          yield* ensure(requests === 0, () => `validate made ${requests} request(s); it must be pure (no I/O)`)
        }))
    })
  )
