/**
 * The embedding checks. Before any request, the `validate` hook refuses what the catalogue
 * rules out — no text or an empty one, a text over the model's `max_input_characters`, a
 * `dimensions` the model cannot give — and accepts a batch larger than one call takes (that is
 * `Stages.embed`'s to split). Played against the success cassettes: one `Float32Array` per text,
 * each of the length asked for (or the model's default), finite floats; usage exactly the
 * vendor's; the texts and `dimensions` on the wire. The model, options, HTTP and secrets checks
 * are the shared ones (`validate.ts`, `wire.ts`, `http.ts`, `secrets.ts`), registered beside these.
 */
import type { EmbeddingResult, ValidationError } from "@patchbay/core"
import { Effect, Exit } from "effect"
import type { LoadedCassette } from "../../Cassette.ts"
import type { Subject } from "../../Subject.ts"
import { show } from "../json.ts"
import { failureOf, modelOf, type SpecTweak, validateScenario } from "../operations.ts"
import { fieldNames, optionOnWire, valueOnWire } from "../wire.ts"
import {
  arrange,
  type Check,
  checkUsage,
  define,
  describeFailure,
  eachCassette,
  ensure,
  failWith,
  overSuccesses,
  playCassette,
  run,
  scenarioIn,
  skip,
  succeeded
} from "./common.ts"

const resultOf = (values: ReadonlyArray<unknown>): EmbeddingResult => values[0] as EmbeddingResult

/** A request `validate` must refuse (with `tag`) or, without a tag, accept. */
interface Case {
  readonly what: string
  readonly tweak: SpecTweak
  readonly tag?: ValidationError["_tag"] | undefined
}

type Cases = (subject: Subject, loaded: LoadedCassette) => ReadonlyArray<Case> | string

/** Plays each case of the first success scenario through `validate`: the verdict it must give, and no request. */
const validateCases = (name: string, title: string, cases: Cases): Check =>
  define(
    "embedding",
    name,
    title,
    overSuccesses("embedding", (subject, found) => {
      const first = found[0]!
      const planned = cases(subject, first)
      return typeof planned === "string" ? skip(planned) : run([first])
    }),
    Effect.fn(`Checks.embedding.${name}`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.forEach(cases(subject, loaded) as ReadonlyArray<Case>, (c) =>
          Effect.gen(function*() {
            const { provider, transport } = arrange(subject, loaded)
            const exit = yield* Effect.exit(validateScenario(provider, loaded, scenario, c.tweak))
            const requests = transport?.log.length ?? 0
            transport?.dispose()
            yield* ensure(requests === 0, () => `validate made ${requests} request(s) for ${c.what}; it must be pure (no I/O)`)
            const failure = failureOf(exit)
            if (c.tag === undefined) {
              if (failure === undefined) return
              const why = failure._tag === "Typed" ? `${failure.error._tag}: ${failure.error.message}` : failure.message
              return yield* failWith(`validate refused ${c.what} (${why}); a batch larger than one call takes is split by Stages.embed, not refused`)
            }
            if (Exit.isSuccess(exit)) {
              return yield* failWith(`validate accepted ${c.what}; it must refuse it with ${c.tag} before any request (core's checkEmbeddingSpec does)`)
            }
            if (failure?._tag !== "Typed") return yield* failWith(`validate died on ${c.what}: ${failure?.message}`)
            yield* ensure(failure.error._tag === c.tag, () => `validate refused ${c.what} with ${failure.error._tag} (${failure.error.message}); expected ${c.tag}`)
          }), { discard: true }))
    })
  )

const textsOf = (loaded: LoadedCassette): ReadonlyArray<string> => scenarioIn(loaded).request.texts ?? []

export const embeddingTexts = validateCases(
  "validate_texts",
  "validate refuses no text and an empty text, with no request",
  (_, loaded) => [
    { what: "a request with no texts", tweak: { texts: [] }, tag: "InvalidRequest" },
    { what: "an empty text among the texts", tweak: { texts: [...textsOf(loaded), ""] }, tag: "InvalidRequest" }
  ]
)

export const embeddingTooLarge = validateCases(
  "validate_too_large",
  "validate refuses a text over the model's max_input_characters, with no request",
  (subject, loaded) => {
    const model = modelOf(subject.provider, scenarioIn(loaded))
    const limit = model?.max_input_characters
    if (limit === undefined) {
      const tokens = model?.max_input_tokens === undefined ? "" : ` (its limit is ${model.max_input_tokens} tokens, which only the vendor counts)`
      return `the catalogue gives ${scenarioIn(loaded).request.model} no max_input_characters${tokens}`
    }
    return [{ what: `a text of ${limit + 1} characters (max_input_characters ${limit})`, tweak: { texts: ["x".repeat(limit + 1)] }, tag: "InputTooLarge" }]
  }
)

export const embeddingDimensions = validateCases(
  "validate_dimensions",
  "validate refuses dimensions the model cannot give, with no request",
  (subject, loaded) => {
    const model = modelOf(subject.provider, scenarioIn(loaded))
    const id = scenarioIn(loaded).request.model
    if (model?.max_dimensions !== undefined) {
      return [{ what: `dimensions ${model.max_dimensions + 1} (max_dimensions ${model.max_dimensions})`, tweak: { dimensions: model.max_dimensions + 1 }, tag: "InvalidRequest" }]
    }
    if (model?.min_dimensions === undefined && model?.dimensions !== undefined) {
      return [{ what: `dimensions ${model.dimensions + 1} (${id} gives only ${model.dimensions})`, tweak: { dimensions: model.dimensions + 1 }, tag: "InvalidRequest" }]
    }
    return `the catalogue gives ${id} no dimensions or max_dimensions`
  }
)

export const embeddingBatch = validateCases(
  "validate_batch",
  "validate accepts a batch larger than one call takes (Stages.embed splits it)",
  (subject, loaded) => {
    const limit = modelOf(subject.provider, scenarioIn(loaded))?.max_texts_per_call
    if (limit === undefined) return `the catalogue gives ${scenarioIn(loaded).request.model} no max_texts_per_call`
    const texts = textsOf(loaded)
    const batch = Array.from({ length: limit + 1 }, (_, i) => texts[i % Math.max(texts.length, 1)] ?? `text ${i}`)
    return [{ what: `a batch of ${limit + 1} texts (max_texts_per_call ${limit})`, tweak: { texts: batch } }]
  }
)

/** The length every vector must have: the one asked for, else what the cassette says, else the model's default. */
const expectedLength = (subject: Subject, loaded: LoadedCassette): number | undefined => {
  const scenario = scenarioIn(loaded)
  return scenario.request.dimensions ?? scenario.expect?.dimensions ?? modelOf(subject.provider, scenario)?.dimensions
}

export const embeddingVectors = define(
  "embedding",
  "vectors",
  "one Float32Array per text, each of the length asked for (or the model's default), finite",
  overSuccesses("embedding"),
  Effect.fn("Checks.embedding.vectors")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded) =>
      Effect.gen(function*() {
        const result = resultOf(yield* succeeded(yield* playCassette(subject, loaded)))
        const texts = textsOf(loaded)
        const vectors = result.vectors
        yield* ensure(Array.isArray(vectors) && vectors.length === texts.length, () =>
          `the result holds ${Array.isArray(vectors) ? vectors.length : "no"} vectors for ${texts.length} texts: one per text, in order`)
        const length = expectedLength(subject, loaded)
        for (const [i, vector] of vectors.entries()) {
          yield* ensure(vector instanceof Float32Array, () => `vectors[${i}] is ${show(Object.prototype.toString.call(vector))}, not a Float32Array`)
          if (length !== undefined) {
            yield* ensure(vector.length === length, () => `vectors[${i}] has ${vector.length} floats; expected ${length} (the dimensions asked for, else the model's)`)
          }
          const bad = vector.findIndex((v) => !Number.isFinite(v))
          yield* ensure(bad === -1, () => `vectors[${i}][${bad}] is ${vector[bad]}, not a finite float`)
        }
        const first = vectors[0]?.length
        yield* ensure(vectors.every((v) => v.length === first), () => "the vectors are not all of one length")
      }))
  })
)

export const embeddingUsage = define(
  "embedding",
  "usage",
  "usage equals what the vendor reported",
  overSuccesses("embedding", (_, found) => {
    const reported = found.filter((c) => scenarioIn(c).expect?.usage !== undefined)
    return reported.length === 0 ? skip("no embedding cassette records usage (the vendor gives none)") : run(reported)
  }),
  Effect.fn("Checks.embedding.usage")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const result = resultOf(yield* succeeded(yield* playCassette(subject, loaded)))
        yield* checkUsage(result.usage, scenario.expect?.usage, "usage")
      }))
  })
)

export const embeddingWire = define(
  "embedding",
  "wire",
  "every text, and dimensions when asked for, are in the recorded request",
  (subject) => {
    if (subject.mode === "in-process") return skip("in-process provider: nothing goes over a wire")
    return overSuccesses("embedding")(subject)
  },
  Effect.fn("Checks.embedding.wire")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const played = yield* playCassette(subject, loaded)
        const entry = played.transport?.log[0]
        if (entry === undefined) return yield* failWith(`no request was made (${describeFailure(played)})`)
        const missing = textsOf(loaded).filter((text) => !valueOnWire(entry, text)).map((text) => `the text ${show(text)}`)
        const dimensions = scenario.request.dimensions
        const model = modelOf(played.provider, scenario)
        // A model that gives only its own length may leave `dimensions` off the wire.
        const shortens = model === undefined || model.min_dimensions !== undefined || model.max_dimensions !== undefined
        if (dimensions !== undefined && shortens && !optionOnWire(entry, "dimensions", dimensions)) missing.push(`dimensions = ${dimensions}`)
        yield* ensure(missing.length === 0, () => `not in the request: ${missing.join("; ")} (${fieldNames(entry)}): what the request asks for must reach the vendor`)
      }))
  })
)

/** The embedding checks of this module, in report order (the validate ones first). */
export const embeddingValidateChecks: ReadonlyArray<Check> = [embeddingTexts, embeddingTooLarge, embeddingDimensions, embeddingBatch]
export const embeddingBehaviourChecks: ReadonlyArray<Check> = [embeddingVectors, embeddingUsage, embeddingWire]
