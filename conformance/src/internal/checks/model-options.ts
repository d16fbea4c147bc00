/**
 * The refusal of an option the model does not support: a provider option valid for one model
 * of the catalogue and not for another (`instructions` on a speech model that takes none,
 * `keyterms` on an older transcription model) must be refused by `validate` with
 * `InvalidRequest`, before any request — else the vendor bills a request that ignores it, or
 * refuses it after the upload. The adapter declares those pairs (`options.<capability>.unsupported`
 * in `runConformance`), since no catalogue field can say which option a model lacks, and may
 * say which field the refusal names and which models it must list instead.
 */
import type { Capability } from "@patchbay/core"
import type { LoadedCassette } from "../../Cassette.ts"
import type { Subject, UnsupportedOption } from "../../Subject.ts"
import { Effect, Exit } from "effect"
import { show } from "../json.ts"
import { failureOf, validateScenario } from "../operations.ts"
import { arrange, type Check, type CheckFailed, define, ensure, failWith, run, scenarioIn, skip, successes } from "./common.ts"
import { variant } from "./options.ts"
import { judgeRefusal } from "./values.ts"

export const refusesModelOptions = (capability: Capability): Check =>
  define(
    capability,
    "validate_model_options",
    "validate refuses an option the model does not support, with no request",
    (subject) => {
      if (subject.openOptions !== undefined) return skip(`provider_options are not checked by the adapter: ${subject.openOptions}`)
      const found = successes(subject, capability)
      if (found.length === 0) return skip(`no ${capability} cassette with case "success"`)
      const cases = subject.options[capability]?.unsupported ?? []
      return cases.length === 0 ? skip(`no option is declared unsupported by a model (options.${capability}.unsupported)`) : run([found[0]!])
    },
    Effect.fn(`Checks.${capability}.validate_model_options`)(function*(subject, cassettes) {
      const base = cassettes[0]!
      const id = subject.provider.id
      for (const c of subject.options[capability]?.unsupported ?? []) {
        const what = `provider_options.${id}.${c.option} = ${show(c.value)} on ${c.model}`
        yield* ensure(
          subject.provider.models.some((m) => m.id === c.model && m.capability === capability),
          () => `the declared case ${what} names a model the ${capability} catalogue does not list`
        )
        const loaded = variant(subject.provider, base, { model: c.model, options: { ...c.with, [c.option]: c.value } })
        const { provider, transport } = arrange(subject, loaded)
        const exit = yield* Effect.exit(validateScenario(provider, loaded, scenarioIn(loaded)))
        const requests = transport?.log.length ?? 0
        transport?.dispose()
        yield* ensure(requests === 0, () => `validate made ${requests} request(s) for ${what}; it must be pure (no I/O)`)
        if (Exit.isSuccess(exit)) {
          return yield* failWith(
            `${base.name}: validate accepted ${what}, which that model does not support; it must refuse it with InvalidRequest before any request (check the model's own rules in the hook)`
          )
        }
        const failure = failureOf(exit)
        if (failure?._tag !== "Typed") return yield* failWith(`validate died on ${what}: ${failure?.message}`)
        yield* judgeRefusal(failure.error, { tag: "InvalidRequest", field: c.field, allowed: c.allowed, refused: c.allowed === undefined ? undefined : c.model }, what)
        yield* offersOnlyTakers(subject, capability, base, c, failure.error)
      }
    })
  )

/**
 * The models a refusal's `allowed` list offers instead must take the option: each catalogue
 * model it names is one of the capability's, and `validate` accepts the option on it. A list
 * built from the wrong part of the catalogue (every model without the flag, another
 * capability's included) sends the caller to a model that refuses them too.
 */
const describe = (failure: ReturnType<typeof failureOf>): string =>
  failure === undefined ? "accepted" : failure._tag === "Defect" ? failure.message : `${failure.error._tag}: ${failure.error.message}`

const offersOnlyTakers = (
  subject: Subject,
  capability: Capability,
  base: LoadedCassette,
  c: UnsupportedOption,
  error: unknown
): Effect.Effect<void, CheckFailed> =>
  Effect.gen(function*() {
    const allowed = (error as { readonly allowed?: unknown }).allowed
    if (!Array.isArray(allowed)) return
    const id = subject.provider.id
    for (const model of allowed.filter((v): v is string => typeof v === "string")) {
      const listed = subject.provider.models.find((m) => m.id === model && m.capability === capability)
      const elsewhere = subject.provider.models.find((m) => m.id === model && m.capability !== capability)
      if (listed === undefined) {
        yield* ensure(elsewhere === undefined, () =>
          `validate refused provider_options.${id}.${c.option} on ${c.model} offering ${show(model)}, a ${elsewhere?.capability} model: offer only ${capability} models that take the option`)
        continue
      }
      const loaded = variant(subject.provider, base, { model, options: { ...c.with, [c.option]: c.value } })
      const { provider, transport } = arrange(subject, loaded)
      const exit = yield* Effect.exit(validateScenario(provider, loaded, scenarioIn(loaded)))
      transport?.dispose()
      yield* ensure(Exit.isSuccess(exit), () =>
        `validate refused provider_options.${id}.${c.option} on ${c.model} offering ${show(model)} instead, but refuses it on ${model} too (${describe(failureOf(exit))}): offer only models that take the option`)
    }
  })
