/**
 * The checks that every option reaches the vendor, not only those some cassette happens to set.
 * `options_coverage` walks the capability's provider-options schema: for each field it builds a
 * request setting that one option to a valid sample (generated from the schema, or the adapter's
 * own sample), lets `validate` pick a success scenario it is valid for, plays it and finds the
 * option in the request. `request_fields` does the same for the request's own fields: the STT
 * language, and the TTS voice, every output format of the model and the language. An adapter
 * that validates an option and then drops it, or sends a fixed value, fails.
 *
 * The requests are played against the success cassette's response with its body and query not
 * matched (they differ by design); only what the adapter sent is judged.
 */
import type { Capability, PatchbayProvider } from "@patchbay/core"
import { Effect, Exit } from "effect"
import type { LoadedCassette, Scenario } from "../../Cassette.ts"
import type { TransportLogEntry } from "../../Replay.ts"
import type { OptionSample, Subject } from "../../Subject.ts"
import { show } from "../json.ts"
import { failureOf, modelOf, optionsOf, type Played, validateScenario } from "../operations.ts"
import { sampleValues } from "../samples.ts"
import { fieldNames, optionOnWire, valueOnWire } from "../wire.ts"
import { type Check, define, ensure, playCassette, run, scenarioIn, skip, successes } from "./common.ts"

/** What a variant of a success scenario changes. */
interface Change {
  readonly model?: string | undefined
  readonly language?: string | undefined
  readonly voice?: string | undefined
  readonly output_format?: string | undefined
  /** Replaces the options under the vendor's key. */
  readonly options?: Readonly<Record<string, unknown>> | undefined
}

/** The cassette with its scenario changed, answering whatever body and query the adapter sends. */
export const variant = (provider: PatchbayProvider, loaded: LoadedCassette, change: Change): LoadedCassette => {
  const scenario = scenarioIn(loaded)
  const { options, ...fields } = change
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))
  const request = {
    ...scenario.request,
    ...defined,
    ...(options === undefined ? {} : { provider_options: { ...scenario.request.provider_options, [provider.id]: options } })
  }
  return {
    ...loaded,
    cassette: {
      ...loaded.cassette,
      scenario: { ...scenario, request } as Scenario,
      interactions: loaded.cassette.interactions.map((i) => ({ ...i, request: { ...i.request, ignore: [...(i.request.ignore ?? []), "body", "query"] } }))
    }
  }
}

/** Why validate refused a variant, or undefined when it accepted it. */
const refusal = (subject: Subject, loaded: LoadedCassette): Effect.Effect<string | undefined> =>
  Effect.map(Effect.exit(validateScenario(subject.provider, loaded, scenarioIn(loaded))), (exit) => {
    if (Exit.isSuccess(exit)) return undefined
    const failure = failureOf(exit)
    return failure?._tag === "Typed" ? `${failure.error._tag}: ${failure.error.message}` : failure?.message ?? "refused"
  })

/** The requests the adapter sent for a variant (the call's outcome does not matter). */
const sent = (subject: Subject, loaded: LoadedCassette): Effect.Effect<ReadonlyArray<TransportLogEntry>> =>
  Effect.map(played(subject, loaded), (p) => p.transport?.log ?? [])

const played = (subject: Subject, loaded: LoadedCassette) => playCassette(subject, loaded, { delayScale: 0 })

/**
 * Whether the call refused the option itself before any request: an option `validate` cannot
 * judge (it depends on the input, such as an edit-only option on a request without images) is
 * then refused, not dropped.
 */
const refusedAtCall = (exit: Played["exit"], requests: number, name: string): boolean => {
  const failure = failureOf(exit)
  return requests === 0 && failure?._tag === "Typed" && failure.error._tag === "InvalidRequest" && failure.error.message.includes(name)
}

const describeSent = (entries: ReadonlyArray<TransportLogEntry>): string =>
  entries.length === 0 ? "no request was made" : entries.map((e) => `${e.method} ${new URL(e.url).pathname}; ${fieldNames(e)}`).join(" | ")

/** The success cassettes an option is tried on: those of the sample's model, else all, one per model first. */
const basesFor = (subject: Subject, capability: Capability, sample: OptionSample | undefined): ReadonlyArray<LoadedCassette> => {
  const all = successes(subject, capability).filter((c) => sample?.model === undefined || scenarioIn(c).request.model === sample.model)
  const seen = new Set<string>()
  const first = all.filter((c) => {
    const model = scenarioIn(c).request.model
    if (seen.has(model)) return false
    seen.add(model)
    return true
  })
  return [...first, ...all.filter((c) => !first.includes(c))]
}

const skipNoWire = (subject: Subject, capability: Capability): string | undefined => {
  if (subject.mode === "in-process") return "in-process provider: nothing goes over a wire"
  if (successes(subject, capability).length === 0) return `no ${capability} cassette with case "success"`
  return undefined
}

export const optionsCoverageCheck = (capability: Capability): Check =>
  define(
    capability,
    "options_coverage",
    "every option of the options schema reaches the wire, each in a request of its own",
    (subject) => {
      const reason = skipNoWire(subject, capability)
      if (reason !== undefined) return skip(reason)
      if (subject.openOptions !== undefined) return skip(`provider_options are not checked by the adapter: ${subject.openOptions}`)
      const coverage = subject.options[capability]
      if (coverage === undefined) return skip(`no options schema given (options.${capability}.schema in runConformance)`)
      if (Object.keys(coverage.schema.fields).length === 0) return skip(`the ${capability} options schema has no field`)
      return run(successes(subject, capability))
    },
    Effect.fn(`Checks.${capability}.options_coverage`)(function*(subject) {
      const coverage = subject.options[capability]!
      const id = subject.provider.id
      const problems: Array<string> = []
      for (const [name, field] of Object.entries(coverage.schema.fields)) {
        const sample = coverage.samples?.[name]
        const values = sample === undefined ? sampleValues(name, field) : [sample.value]
        if (values.length === 0) {
          problems.push(`${name}: the battery cannot make a valid value from its schema; give one in options.${capability}.samples.${name}`)
          continue
        }
        let chosen: { readonly loaded: LoadedCassette; readonly value: unknown } | undefined
        let lastRefusal = ""
        search: for (const value of values.slice(0, 6)) {
          for (const base of basesFor(subject, capability, sample)) {
            const own = optionsOf(subject.provider, scenarioIn(base)) ?? {}
            for (const companions of [sample?.with ?? {}, { ...own, ...sample?.with }]) {
              const loaded = variant(subject.provider, base, { options: { ...companions, [name]: value } })
              const why = yield* refusal(subject, loaded)
              if (why === undefined) {
                chosen = { loaded, value }
                break search
              }
              lastRefusal = why
            }
          }
        }
        if (chosen === undefined) {
          problems.push(
            `${name}: validate refused every sample tried (${values.slice(0, 3).map((v) => show(v, 40)).join(", ")}; last: ${lastRefusal}): give options.${capability}.samples.${name} with the model and companion options it needs`
          )
          continue
        }
        const call = yield* played(subject, chosen.loaded)
        const entries = call.transport?.log ?? []
        const value = chosen.value
        const found = sample?.onWire === undefined ? entries.some((e) => optionOnWire(e, name, value)) : entries.some(sample.onWire)
        if (!found && !refusedAtCall(call.exit, entries.length, name)) {
          problems.push(`provider_options.${id}.${name} = ${show(value)} (model ${scenarioIn(chosen.loaded).request.model}) is not in the request (${describeSent(entries)})`)
        }
      }
      yield* ensure(problems.length === 0, () =>
        `${problems.join("\n")}\n(every option validate accepts must reach the vendor under its wire name; an option that shows otherwise, such as an endpoint it selects, declares how with options.${capability}.samples.<name>.onWire)`)
    })
  )

/** Languages tried when the catalogue lists none: common ones, any model should take one. */
const LANGUAGES = ["de", "fr", "es", "it", "ja", "pt"]

/** The first of the candidate values `validate` accepts in the change it makes, with its variant. */
const firstAccepted = <A>(
  subject: Subject,
  candidates: ReadonlyArray<A>,
  build: (value: A) => LoadedCassette
): Effect.Effect<{ readonly value: A; readonly loaded: LoadedCassette } | undefined> =>
  Effect.gen(function*() {
    for (const value of candidates) {
      const loaded = build(value)
      if ((yield* refusal(subject, loaded)) === undefined) return { value, loaded }
    }
    return undefined
  })

/** One success cassette per model, in file order. */
const onePerModel = (found: ReadonlyArray<LoadedCassette>): ReadonlyArray<LoadedCassette> => {
  const seen = new Set<string>()
  return found.filter((c) => {
    const model = scenarioIn(c).request.model
    if (seen.has(model)) return false
    seen.add(model)
    return true
  })
}

export const requestFieldsCheck = (capability: "stt" | "tts"): Check =>
  define(
    capability,
    "request_fields",
    capability === "stt"
      ? "the requested language reaches the wire, whichever it is"
      : "the requested voice, each output format of the model and the language reach the wire",
    (subject) => {
      const reason = skipNoWire(subject, capability)
      return reason === undefined ? run(onePerModel(successes(subject, capability))) : skip(reason)
    },
    Effect.fn(`Checks.${capability}.request_fields`)(function*(subject, cassettes) {
      const provider = subject.provider
      const problems: Array<string> = []
      const expectOnWire = (what: string, value: string, loaded: LoadedCassette) =>
        Effect.gen(function*() {
          const entries = yield* sent(subject, loaded)
          if (!entries.some((e) => valueOnWire(e, value))) {
            problems.push(`${loaded.name}: the ${what} ${show(value)} is not in the request (${describeSent(entries)})`)
          }
        })
      for (const base of cassettes) {
        const scenario = scenarioIn(base)
        const model = modelOf(provider, scenario)
        const requested = scenario.request.language
        if (capability === "stt" || requested !== undefined) {
          const languages = (model?.languages ?? LANGUAGES).filter((l) => l !== requested)
          const chosen = yield* firstAccepted(subject, languages.slice(0, 6), (language) => variant(provider, base, { language }))
          if (chosen !== undefined) yield* expectOnWire("language", chosen.value, chosen.loaded)
        }
        if (capability === "tts") {
          const voices = model?.voices?.ids ?? []
          const voice = voices.find((v) => v !== scenario.request.voice) ?? scenario.request.voice
          if (voice !== undefined) {
            const chosen = yield* firstAccepted(subject, [voice], (v) => variant(provider, base, { voice: v }))
            if (chosen !== undefined) yield* expectOnWire("voice", chosen.value, chosen.loaded)
            else problems.push(`${base.name}: validate refused the voice ${show(voice)}, which the catalogue lists for ${scenario.request.model}`)
          }
          for (const format of model?.output_formats ?? []) {
            const loaded = variant(provider, base, { output_format: format.id })
            const why = yield* refusal(subject, loaded)
            if (why !== undefined) problems.push(`${base.name}: validate refused the output format ${format.id}, which the catalogue lists for ${scenario.request.model} (${why})`)
            else yield* expectOnWire("output format", format.id, loaded)
          }
        }
      }
      yield* ensure(problems.length === 0, () =>
        `${problems.join("\n")}\n(send the request's own language, voice and output format as given: never a fixed or default value)`)
    })
  )
