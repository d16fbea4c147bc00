/**
 * A small embedding adapter for the battery's own embedding self-tests, over plain `fetch` with
 * core's kit: `POST /v1/embeddings` with `{ model, texts, dimensions?, ...options }`, answered
 * with `{ data: [{ index, vector }], usage: { tokens } }`. Its cassettes sit in
 * `../cassettes/acme-embed/`, exactly as {@link cassettes} below builds them (a self-test keeps
 * them equal). The broken variants each carry one defect, which the embedding checks must catch.
 */
import { type EmbeddingProvider, type EmbeddingSpec, InvalidRequest, type ModelInfo, type PatchbayProvider } from "@patchbay/core"
import { checkEmbeddingSpec, decodeProviderOptions, jsonBody, makeHttpClient, optionsSchema } from "@patchbay/core/adapter"
import { fakeVector } from "@patchbay/core/testing"
import { Effect, Schema } from "effect"
import type { MakeProvider } from "../../src/index.ts"

const PROVIDER = "acme-embed"

const models: ReadonlyArray<ModelInfo> = [
  { id: "acme-embed-1", provider: PROVIDER, capability: "embedding", dimensions: 8, min_dimensions: 1, max_dimensions: 8, max_texts_per_call: 4, max_input_characters: 200 }
]

const Options = optionsSchema({ truncate: Schema.Literals(["start", "end"]) })

const Answer = Schema.Struct({
  data: Schema.Array(Schema.Struct({ index: Schema.Number, vector: Schema.Array(Schema.Number) })),
  usage: Schema.Struct({ tokens: Schema.Number })
})

const ErrorBody = Schema.Struct({ error: Schema.Struct({ code: Schema.optionalKey(Schema.String), message: Schema.optionalKey(Schema.String) }) })
const errorOf = (body: unknown) => Schema.decodeUnknownOption(ErrorBody)(body).pipe((o) => (o._tag === "Some" ? o.value.error : undefined))

const validate = (spec: EmbeddingSpec) =>
  Effect.andThen(checkEmbeddingSpec(models, spec, "model"), decodeProviderOptions(Options, spec.provider_options, { provider: PROVIDER, field: `provider_options.${PROVIDER}` }))

/** The good adapter. */
export const acmeEmbed: MakeProvider = ({ fetch, apiKey }) => {
  const client = makeHttpClient({ provider: PROVIDER, options: { fetch, apiKey }, keyVariable: "ACME_EMBED_API_KEY", defaultBaseURL: "https://api.acme-embed.test/v1", readError: errorOf })
  const embedding: EmbeddingProvider = {
    catalogue: "closed",
    validate: (spec) => Effect.asVoid(validate(spec)),
    embed: Effect.fn("AcmeEmbed.embed")(function*(request) {
      const options = yield* validate(request)
      const body = { model: request.model, texts: request.texts, ...(request.dimensions === undefined ? {} : { dimensions: request.dimensions }), ...options }
      const { value, body: raw, requestId } = yield* client.postForJson("/embeddings", jsonBody(body), Answer, { model: request.model, field: "texts" })
      const vectors = [...value.data].sort((a, b) => a.index - b.index).map((d) => Float32Array.from(d.vector))
      return { vectors, usage: { input_tokens: value.usage.tokens }, ...(requestId === undefined ? {} : { request_id: requestId }), provider_output: raw }
    })
  }
  return { id: PROVIDER, models, embedding, credentials: client.credentials }
}

const withEmbedding = (make: MakeProvider, change: (e: EmbeddingProvider) => Partial<EmbeddingProvider>): MakeProvider => (options) => {
  const p: PatchbayProvider = make(options)
  return { ...p, embedding: { ...p.embedding!, ...change(p.embedding!) } }
}

/** Lets empty texts through its hook (the vendor would be asked to embed nothing). */
export const acceptsEmptyText: MakeProvider = withEmbedding(acmeEmbed, (e) => ({
  validate: (spec) => (spec.texts.includes("") ? Effect.void : e.validate(spec))
}))

/** Checks no length: any `dimensions` passes. */
export const acceptsAnyDimensions: MakeProvider = withEmbedding(acmeEmbed, (e) => ({ validate: (spec) => e.validate({ ...spec, dimensions: undefined }) }))

/** Checks no text length. */
export const acceptsLongText: MakeProvider = withEmbedding(acmeEmbed, (e) => ({ validate: (spec) => e.validate({ ...spec, texts: spec.texts.map((t) => t.slice(0, 200)) }) }))

/** Refuses a batch larger than one call takes, instead of leaving it to Stages.embed. */
export const refusesLargeBatch: MakeProvider = withEmbedding(acmeEmbed, (e) => ({
  validate: (spec) => (spec.texts.length > 4 ? Effect.fail(new InvalidRequest({ provider: PROVIDER, field: "texts", reason: "at most 4 texts" })) : e.validate(spec))
}))

/** Drops the last vector of every answer. */
export const dropsAVector: MakeProvider = withEmbedding(acmeEmbed, (e) => ({ embed: (r) => Effect.map(e.embed(r), (out) => ({ ...out, vectors: out.vectors.slice(0, -1) })) }))

/** Hands out plain arrays instead of Float32Arrays. */
export const plainArrays: MakeProvider = withEmbedding(acmeEmbed, (e) => ({
  embed: (r) => Effect.map(e.embed(r), (out) => ({ ...out, vectors: out.vectors.map((v) => Array.from(v) as unknown as Float32Array) }))
}))

/** Estimates tokens from the words instead of reading the vendor's count. */
export const guessesTokens: MakeProvider = withEmbedding(acmeEmbed, (e) => ({
  embed: (r) => Effect.map(e.embed(r), (out) => ({ ...out, usage: { input_tokens: r.texts.join(" ").split(" ").length } }))
}))

/** Leaves `dimensions` off the wire (the vendor then answers at its default length). */
export const dropsDimensions: MakeProvider = withEmbedding(acmeEmbed, (e) => ({
  embed: (r) => Effect.map(e.embed({ ...r, dimensions: undefined }), (out) => ({ ...out, vectors: out.vectors.map((v) => v.slice(0, r.dimensions ?? v.length)) }))
}))

/** Never hands the request's signal to `fetch`: interrupting a call does not abort it. */
export const ignoresAbortSignal: MakeProvider = ({ fetch, apiKey }) => acmeEmbed({ fetch: (input, init) => fetch(input, { ...init, signal: null }), apiKey })

/** Retries a 429 or a 5xx by itself, twice. */
export const retriesItself: MakeProvider = ({ fetch, apiKey }) =>
  acmeEmbed({
    fetch: async (input, init) => {
      let response = await fetch(input, init)
      for (let i = 0; i < 2 && (response.status === 429 || response.status >= 500); i++) response = await fetch(input, init)
      return response
    },
    apiKey
  })

// ---------------------------------------------------------------------------------------------
// The cassettes (synthesized; vectors from core's deterministic fakeVector)
// ---------------------------------------------------------------------------------------------

export const TEXTS = ["a red fox", "a lazy dog"]

const answer = (texts: ReadonlyArray<string>, dimensions: number) => ({
  data: texts.map((text, index) => ({ index, vector: Array.from(fakeVector(text, dimensions)) })),
  usage: { tokens: 7 }
})

/** The cassettes of the embedding self-tests, by file name. */
export const cassettes = (): Record<string, unknown> => {
  const url = "https://api.acme-embed.test/v1/embeddings"
  const request = (json: Record<string, unknown>) => ({ method: "POST", url, headers: { "content-type": "application/json" }, body: { type: "json", json } })
  const scenario = (kase: string, expect?: Record<string, unknown>) => ({
    capability: "embedding",
    case: kase,
    request: { model: "acme-embed-1", texts: TEXTS, ...(kase === "success" ? { dimensions: 4, provider_options: { [PROVIDER]: { truncate: "end" } } } : {}) },
    ...(expect === undefined ? {} : { expect })
  })
  const failing = (kase: string, status: number, code: string, headers: Record<string, string> = {}) => ({
    version: 1,
    source: "synthesized",
    description: `${status} ${code}.`,
    scenario: scenario(kase),
    interactions: [{
      request: request({ model: "acme-embed-1", texts: TEXTS }),
      response: { status, headers: { "content-type": "application/json", "x-request-id": `req_${status}`, ...headers }, body: { type: "json", json: { error: { code, message: `${code} for the self-tests` } } } }
    }]
  })
  return {
    "embedding-success.json": {
      version: 1,
      source: "synthesized",
      description: "Two texts shortened to 4 dimensions, with an option; the vectors are core's fakeVector, not a model's.",
      scenario: scenario("success", { dimensions: 4, usage: { input_tokens: 7 } }),
      interactions: [{
        request: request({ model: "acme-embed-1", texts: TEXTS, dimensions: 4, truncate: "end" }),
        response: { status: 200, headers: { "content-type": "application/json", "x-request-id": "req_emb_1" }, body: { type: "json", json: answer(TEXTS, 4) } }
      }]
    },
    "embedding-unauthorized.json": failing("unauthorized", 401, "invalid_api_key"),
    "embedding-rate-limited.json": failing("rate_limited", 429, "rate_limit_exceeded", { "retry-after": "3" }),
    "embedding-unavailable.json": failing("unavailable", 503, "server_error")
  }
}
