/**
 * The checks every capability starts with: the provider's pure `validate` hook accepts each
 * success scenario and makes no request, and refuses — with the right typed error and no
 * request — what the catalogue and the options schema do not allow: a model outside a closed
 * catalogue (or malformed for an open one), an upload over the model's limit, a format it does
 * not take or produce, an unknown option, a wrongly-typed one. The refused requests are derived
 * from the adapter's catalogue and from the options its success cassettes set; a case the
 * adapter cannot express (an open model list without a syntax) is a skipped check with its reason.
 */
import type { Capability, ValidationError } from "@patchbay/core"
import { Effect, Exit } from "effect"
import type { LoadedCassette } from "../../Cassette.ts"
import type { Subject } from "../../Subject.ts"
import { failureOf, modelOf, optionsOf, type SpecTweak, validateScenario } from "../operations.ts"
import { arrange, type Check, define, eachCassette, ensure, failWith, overSuccesses, run, scenarioIn, skip, successes } from "./common.ts"

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

// ---------------------------------------------------------------------------------------------
// Refusals: a hook that accepts everything (`validate: () => Effect.void`) must fail these.
// ---------------------------------------------------------------------------------------------

/** A model id no catalogue lists. */
export const UNKNOWN_MODEL = "conformance-no-such-model"
/** An output format id no vendor names. */
export const UNKNOWN_OUTPUT_FORMAT = "conformance_no_such_format"
/** An option key no options schema names. */
export const UNKNOWN_OPTION = "conformance_no_such_option"

/** Containers `Audio.sniff` can name; a refused one is picked among those the model does not list. */
const CONTAINERS = ["wav", "mp3", "ogg", "webm", "mp4", "flac", "aac", "aiff", "amr", "caf"]
/** Ids an open catalogue's syntax check should refuse; the first its pattern rejects is used. */
const MALFORMED_IDS = ["", " ", "no such model/!?", "../..", "a b"]

interface Refusal {
  /** What the request gets wrong, for messages (`the unknown model "…"`). */
  readonly what: string
  readonly tweak: SpecTweak
  /** The tag of the `ValidationError` it must fail with. */
  readonly tag: ValidationError["_tag"]
}

type Refusals = (subject: Subject, loaded: LoadedCassette) => ReadonlyArray<Refusal> | string

/** Plays each refusal of a success scenario through `validate`: each must fail with its tag and make no request. */
const refusalCheck = (capability: Capability, name: string, title: string, refusals: Refusals): Check =>
  define(
    capability,
    name,
    title,
    overSuccesses(capability, (subject, found) => {
      const first = found[0]!
      const cases = refusals(subject, first)
      return typeof cases === "string" ? skip(cases) : run([first])
    }),
    Effect.fn(`Checks.${capability}.${name}`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.forEach(refusals(subject, loaded) as ReadonlyArray<Refusal>, (refusal) =>
          Effect.gen(function*() {
            const { provider, transport } = arrange(subject, loaded)
            const exit = yield* Effect.exit(validateScenario(provider, loaded, scenario, refusal.tweak))
            const requests = transport?.log.length ?? 0
            transport?.dispose()
            yield* ensure(requests === 0, () => `validate made ${requests} request(s) for ${refusal.what}; it must be pure (no I/O)`)
            if (Exit.isSuccess(exit)) {
              return yield* failWith(
                `validate accepted ${refusal.what}; it must refuse it with ${refusal.tag} before any request (check it against the catalogue and the options schema in the hook)`
              )
            }
            const failure = failureOf(exit)
            if (failure?._tag !== "Typed") return yield* failWith(`validate died on ${refusal.what}: ${failure?.message}`)
            yield* ensure(
              failure.error._tag === refusal.tag,
              () => `validate refused ${refusal.what} with ${failure.error._tag} (${failure.error.message}); expected ${refusal.tag}`
            )
          }), { discard: true }))
    })
  )

const capabilityOf = (subject: Subject, capability: Capability) => subject.provider[capability]

/**
 * A closed catalogue refuses a model it does not list — nor one it lists for another capability
 * only; an open one, an id its syntax check rejects.
 */
export const refusesUnknownModel = (capability: Capability): Check =>
  refusalCheck(capability, "validate_unknown_model", "validate refuses a model the catalogue does not allow, with no request", (subject) => {
    const provider = capabilityOf(subject, capability)
    if (provider?.catalogue === "closed") {
      // A model of the same catalogue for another capability (a speech model asked to transcribe) is unknown here too.
      const own = new Set(subject.provider.models.filter((m) => m.capability === capability).map((m) => m.id))
      const other = subject.provider.models.find((m) => m.capability !== capability && !own.has(m.id))
      return [
        { what: `the unknown model ${JSON.stringify(UNKNOWN_MODEL)}`, tweak: { model: UNKNOWN_MODEL }, tag: "UnknownModel" },
        ...(other === undefined ? [] : [{ what: `the ${other.capability} model ${JSON.stringify(other.id)} as a ${capability} model`, tweak: { model: other.id }, tag: "UnknownModel" as const }])
      ]
    }
    const pattern = provider?.modelPattern
    if (pattern === undefined) return `open model list with no modelPattern: the vendor's 404 is the check (see ${capability}.unknown_model)`
    const malformed = MALFORMED_IDS.find((id) => !new RegExp(pattern.source, pattern.flags.replace("g", "")).test(id))
    if (malformed === undefined) return `open model list whose pattern /${pattern.source}/ accepts every malformed id the battery tries`
    return [{ what: `the model id ${JSON.stringify(malformed)}, which /${pattern.source}/ rejects`, tweak: { model: malformed }, tag: "UnknownModel" }]
  })

/** STT (the only spec that carries its input's size): an upload one byte over the model's `max_input_bytes`. */
export const refusesTooLarge = (capability: Capability): Check =>
  refusalCheck(capability, "validate_too_large", "validate refuses an upload over the model's limit, with no request", (subject, loaded) => {
    const limit = modelOf(subject.provider, scenarioIn(loaded))?.max_input_bytes
    if (limit === undefined) return `the catalogue gives ${scenarioIn(loaded).request.model} no max_input_bytes`
    return [{ what: `an upload of ${limit + 1} bytes (max_input_bytes ${limit})`, tweak: { audio_size: limit + 1 }, tag: "InputTooLarge" }]
  })

/** STT: a container the model does not list; TTS: an output format no vendor names. */
export const refusesFormat = (capability: Capability): Check =>
  refusalCheck(capability, "validate_format", "validate refuses a format the model does not take or produce, with no request", (subject, loaded) => {
    const model = modelOf(subject.provider, scenarioIn(loaded))
    if (capability === "stt") {
      const formats = model?.input_formats
      if (formats === undefined) return `the catalogue gives ${scenarioIn(loaded).request.model} no input_formats`
      const other = CONTAINERS.find((c) => !formats.includes(c))
      if (other === undefined) return `${scenarioIn(loaded).request.model} takes every container the battery knows`
      return [{ what: `a ${other} upload (input_formats: ${formats.join(", ")})`, tweak: { container: other }, tag: "UnsupportedFormat" }]
    }
    if (capability === "tts") {
      if (model?.output_formats === undefined) return `the catalogue gives ${scenarioIn(loaded).request.model} no output_formats`
      return [{ what: `the output format ${JSON.stringify(UNKNOWN_OUTPUT_FORMAT)}`, tweak: { output_format: UNKNOWN_OUTPUT_FORMAT }, tag: "UnsupportedFormat" }]
    }
    return `${capability} requests name no format`
  })

/** A value of another JSON type than the one given, or undefined when none is known to be wrong. */
const wronglyTyped = (value: unknown): unknown => {
  if (typeof value === "boolean") return String(value)
  if (typeof value === "number") return `${value}`
  if (typeof value === "string") return 12345
  if (Array.isArray(value)) return "not-a-list"
  if (typeof value === "object" && value !== null) return 42
  return undefined
}

/** An unknown option, and each option a success cassette sets given a value of the wrong type. */
export const refusesOptions = (capability: Capability): Check =>
  refusalCheck(capability, "validate_options", "validate refuses an unknown or wrongly-typed provider option, with no request", (subject) => {
    if (subject.openOptions !== undefined) return `provider_options are not checked by the adapter: ${subject.openOptions}`
    const id = subject.provider.id
    const given = successes(subject, capability).flatMap((c) => Object.entries(optionsOf(subject.provider, scenarioIn(c)) ?? {}))
    const seen = new Set<string>()
    const typed: Array<Refusal> = []
    for (const [key, value] of given) {
      const wrong = wronglyTyped(value)
      if (seen.has(key) || wrong === undefined) continue
      seen.add(key)
      typed.push({ what: `provider_options.${id}.${key} = ${JSON.stringify(wrong)} (a ${typeof wrong})`, tweak: { provider_options: { [key]: wrong } }, tag: "InvalidRequest" })
    }
    return [{ what: `the unknown option provider_options.${id}.${UNKNOWN_OPTION}`, tweak: { provider_options: { [UNKNOWN_OPTION]: true } }, tag: "InvalidRequest" }, ...typed]
  })

/**
 * The refusal checks of a capability, in report order. Only STT specs carry their input's size,
 * and only STT and TTS specs a format; LLM and image requests get the model and options checks.
 */
export const refusalChecks = (capability: Capability): ReadonlyArray<Check> => [
  refusesUnknownModel(capability),
  ...(capability === "stt" ? [refusesTooLarge(capability)] : []),
  ...(capability === "stt" || capability === "tts" ? [refusesFormat(capability)] : []),
  refusesOptions(capability)
]
