/**
 * Values their type allows that `validate` must refuse, and the edges it must accept. The
 * options schema says an option is a number or a string; it cannot say that a speed stops at 4,
 * that a `tool_choice` must name a tool of the request, that a voice belongs to a closed list or
 * that one option needs another. An adapter declares those values per capability
 * (`options.<capability>.invalid` and `.valid` in `runConformance`), each refused one with the
 * request field the refusal must name, and declares the boundary just inside beside the one just
 * outside, so a bound off by one is caught whichever way it slips.
 */
import type { Capability, PatchbayProvider } from "@patchbay/core"
import { Effect, Exit } from "effect"
import type { LoadedCassette, Scenario } from "../../Cassette.ts"
import type { InvalidValue, Subject, ValueCase } from "../../Subject.ts"
import { show } from "../json.ts"
import { failureOf, validateScenario } from "../operations.ts"
import { arrange, type Check, CheckFailed, define, ensure, failWith, run, scenarioIn, skip, successes } from "./common.ts"

/** What a refusal must carry: its tag, and when given the field at fault and values of its `allowed` list. */
export interface ExpectedRefusal {
  readonly tag: string
  readonly field?: string | undefined
  readonly allowed?: ReadonlyArray<string> | undefined
  /** What was refused (the value, or the model that lacks an option): the `allowed` list must not offer it. */
  readonly refused?: string | undefined
}

/**
 * Judges a typed refusal: the tag, the field it names, a reason that is not empty (an
 * `InvalidRequest` says why), and the values of the closed list it must refer the caller to.
 */
export const judgeRefusal = (error: { readonly _tag: string; readonly message: string }, expected: ExpectedRefusal, what: string): Effect.Effect<void, CheckFailed> =>
  Effect.gen(function*() {
    yield* ensure(error._tag === expected.tag, () => `validate refused ${what} with ${error._tag} (${error.message}); expected ${expected.tag}`)
    const found = error as { readonly field?: unknown; readonly reason?: unknown; readonly allowed?: unknown }
    if (expected.field !== undefined) {
      yield* ensure(
        found.field === expected.field,
        () => `validate refused ${what} at ${show(found.field)}; the refusal must name ${JSON.stringify(expected.field)}, the request field at fault`
      )
    }
    if (error._tag === "InvalidRequest") {
      yield* ensure(typeof found.reason === "string" && found.reason.trim() !== "", () => `validate refused ${what} with an empty reason: say why the value is refused`)
    }
    const missing = (expected.allowed ?? []).filter((v) => !(Array.isArray(found.allowed) && found.allowed.includes(v)))
    yield* ensure(
      missing.length === 0,
      () => `validate refused ${what} with allowed ${show(found.allowed)}, which lacks ${missing.map((v) => JSON.stringify(v)).join(", ")}: list what the caller may use instead`
    )
    const refused = expected.refused
    yield* ensure(
      refused === undefined || !(Array.isArray(found.allowed) && found.allowed.includes(refused)),
      () => `validate refused ${what} but its allowed list offers ${JSON.stringify(refused)} itself: list only what the caller may use instead`
    )
  })

/** The one string a case refuses (its option's value, else its only request field's), for the `allowed` list to leave out. */
const refusedOf = (c: ValueCase): string | undefined => {
  if (c.option !== undefined) return typeof c.value === "string" ? c.value : undefined
  const fields = Object.values(c.request ?? {})
  return fields.length === 1 && typeof fields[0] === "string" ? fields[0] : undefined
}

/** The success cassette a case plays on: the first of its model, else the capability's first. */
const baseFor = (found: ReadonlyArray<LoadedCassette>, c: ValueCase): LoadedCassette =>
  found.find((l) => c.model !== undefined && scenarioIn(l).request.model === c.model) ?? found[0]!

/** The cassette with the case's request: its model, request fields and options (which replace the scenario's when it sets any). */
export const caseVariant = (provider: PatchbayProvider, loaded: LoadedCassette, c: ValueCase): LoadedCassette => {
  const scenario = scenarioIn(loaded)
  const setsOptions = c.option !== undefined || c.with !== undefined
  const options = { ...c.with, ...(c.option === undefined ? {} : { [c.option]: c.value }) }
  const request = {
    ...scenario.request,
    ...(c.model === undefined ? {} : { model: c.model }),
    ...c.request,
    ...(setsOptions ? { provider_options: { ...scenario.request.provider_options, [provider.id]: options } } : {})
  }
  return { ...loaded, cassette: { ...loaded.cassette, scenario: { ...scenario, request } as Scenario } }
}

/** The case in words: `provider_options.openai.speed = 4.01 on tts-1 (just above 4)`. */
export const describeCase = (id: string, c: ValueCase, model: string): string => {
  const parts = [
    ...(c.option === undefined ? [] : [`provider_options.${id}.${c.option} = ${show(c.value, 60)}`]),
    ...Object.entries(c.request ?? {}).map(([k, v]) => `${k} = ${show(v, 60)}`),
    ...(c.with === undefined || Object.keys(c.with).length === 0 ? [] : [`with ${show(c.with, 60)}`])
  ]
  return `${parts.length === 0 ? "the request" : parts.join(", ")} on ${model}${c.why === undefined ? "" : ` (${c.why})`}`
}

/** Plays one case through `validate` on a fresh provider: the exit, after checking no request was made. */
const judged = (subject: Subject, loaded: LoadedCassette, what: string) =>
  Effect.gen(function*() {
    const { provider, transport } = arrange(subject, loaded)
    const exit = yield* Effect.exit(validateScenario(provider, loaded, scenarioIn(loaded)))
    const requests = transport?.log.length ?? 0
    transport?.dispose()
    yield* ensure(requests === 0, () => `validate made ${requests} request(s) for ${what}; it must be pure (no I/O)`)
    return exit
  })

export const refusesValues = (capability: Capability): Check =>
  define(
    capability,
    "validate_values",
    "validate refuses the values the adapter declares invalid, naming their field, and accepts the edges it declares valid, with no request",
    (subject) => {
      const found = successes(subject, capability)
      if (found.length === 0) return skip(`no ${capability} cassette with case "success"`)
      const declared = subject.options[capability]
      if ((declared?.invalid ?? []).length === 0) {
        return skip(`no value is declared invalid (options.${capability}.invalid: a value its type allows that validate must refuse)`)
      }
      return run(found)
    },
    Effect.fn(`Checks.${capability}.validate_values`)(function*(subject, found) {
      const id = subject.provider.id
      const declared = subject.options[capability]
      const modelListed = (c: ValueCase, what: string) =>
        c.model === undefined || c.request?.model !== undefined
          ? Effect.void
          : ensure(
            subject.provider.models.some((m) => m.id === c.model && m.capability === capability),
            () => `the declared case ${what} names a model the ${capability} catalogue does not list`
          )
      for (const c of declared?.invalid ?? ([] as ReadonlyArray<InvalidValue>)) {
        const base = baseFor(found, c)
        const loaded = caseVariant(subject.provider, base, c)
        const what = describeCase(id, c, scenarioIn(loaded).request.model)
        yield* modelListed(c, what)
        const tag = c.tag ?? "InvalidRequest"
        const exit = yield* judged(subject, loaded, what)
        if (Exit.isSuccess(exit)) {
          return yield* failWith(
            `${base.name}: validate accepted ${what}; it must refuse it with ${tag} naming ${c.field}, before any request (check the value's range and rules in the hook, not only its type)`
          )
        }
        const failure = failureOf(exit)
        if (failure?._tag !== "Typed") return yield* failWith(`${base.name}: validate died on ${what}: ${failure?.message}`)
        yield* judgeRefusal(failure.error, { tag, field: c.field, allowed: c.allowed, refused: c.allowed === undefined ? undefined : refusedOf(c) }, what).pipe(
          Effect.mapError((e) => new CheckFailed({ message: `${base.name}: ${e.message}` }))
        )
        // A refusal says whose rule it is: the caller (and the record) must know which adapter refused.
        const named = (failure.error as { readonly provider?: unknown }).provider
        yield* ensure(named === id, () =>
          `${base.name}: the refusal of ${what} (${failure.error._tag}) names the provider ${show(named)}; expected ${show(id)}: give every error the adapter's id as its provider`)
      }
      for (const c of declared?.valid ?? []) {
        const base = baseFor(found, c)
        const loaded = caseVariant(subject.provider, base, c)
        const what = describeCase(id, c, scenarioIn(loaded).request.model)
        yield* modelListed(c, what)
        const exit = yield* judged(subject, loaded, what)
        if (Exit.isFailure(exit)) {
          const failure = failureOf(exit)
          return yield* failWith(
            `${base.name}: validate refused ${what}, which is valid (an edge just inside what the vendor allows): ${
              failure?._tag === "Typed" ? `${failure.error._tag}: ${failure.error.message}` : failure?.message
            } (check the bounds, < against <=, and each rule's condition)`
          )
        }
      }
    })
  )
