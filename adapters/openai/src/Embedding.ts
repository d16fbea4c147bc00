/**
 * Embeddings with `text-embedding-3-small`, `text-embedding-3-large` (both shortened by
 * `dimensions`) and `text-embedding-ada-002`: `POST /embeddings` with every text of the call as
 * one `input` array and `encoding_format: "base64"` — smaller on the wire than a float list, and
 * exact: the base64 holds the float32s themselves, decoded here bit for bit into `Float32Array`s.
 * A batch over 2048 texts is `Stages.embed`'s to split; this is one call.
 *
 * @since 0.2.0
 */
import {
  type EmbeddingProvider,
  type EmbeddingRequest,
  type EmbeddingResult,
  type EmbeddingSpec,
  type ModelInfo,
  ProviderUnavailable,
  type Usage,
  type ValidationError
} from "@patchbay/core"
import { checkEmbeddingSpec, requestIdOf } from "@patchbay/core/adapter"
import { Effect, Schema } from "effect"
import type { EmbeddingCreateParams } from "openai/resources/embeddings"
import { type Client, decodeOptions } from "./internal/Client.ts"
import { modelsOf, PROVIDER } from "./Models.ts"
import { EmbeddingOptions } from "./Options.ts"
import { EmbeddingsResponse } from "./Wire.ts"

/** A request that passed {@link validate}. */
export interface ValidEmbedding {
  readonly model: ModelInfo
  readonly options: EmbeddingOptions
}

/**
 * The pure hook: the model against the closed catalogue, the texts (at least one, none empty),
 * `dimensions` the model can give (1 to its length for the `text-embedding-3` models; only 1536
 * for `ada-002`), and the options. No I/O.
 */
export const validate = (spec: EmbeddingSpec): Effect.Effect<ValidEmbedding, ValidationError> =>
  Effect.gen(function*() {
    const model = yield* checkEmbeddingSpec(modelsOf("embedding"), spec, "model")
    const options = yield* decodeOptions(EmbeddingOptions, "embedding", spec.provider_options)
    return { model, options }
  })

/**
 * Decodes one `embedding` of the answer: base64 of little-endian float32s (read with a
 * `DataView`, so the bits are kept whatever the machine's byte order), or a float list.
 */
export const decodeVector = (embedding: string | ReadonlyArray<number>): Float32Array | undefined => {
  if (typeof embedding !== "string") return Float32Array.from(embedding)
  const bytes = Buffer.from(embedding, "base64")
  if (bytes.byteLength % 4 !== 0) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float32Array(bytes.byteLength / 4)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}

/** The wire body with each vector replaced by a note of its length (the floats are in `vectors`). */
const withoutVectors = (body: unknown): unknown => {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { data?: unknown }).data)) return body
  const data = (body as { data: ReadonlyArray<unknown> }).data.map((item, i) => {
    if (typeof item !== "object" || item === null) return item
    const embedding = (item as { embedding?: unknown }).embedding
    const length = typeof embedding === "string" ? Math.floor(Buffer.byteLength(embedding, "base64") / 4) : Array.isArray(embedding) ? embedding.length : undefined
    return length === undefined ? item : { ...item, embedding: `[${length} floats: vectors[${i}]]` }
  })
  return { ...body, data }
}

/** The tokens read, as `Usage`. */
const usageOf = (usage: EmbeddingsResponse["usage"]): Usage => ({ input_tokens: usage.prompt_tokens, total_tokens: usage.total_tokens })

/** The embedding capability over a client. */
export const make = (client: Client): EmbeddingProvider => ({
  catalogue: "closed",
  validate: (spec) => Effect.asVoid(validate(spec)),
  embed: Effect.fn("OpenAI.embed")(function*(request: EmbeddingRequest) {
    const { model, options } = yield* validate(request)
    // `ada-002` takes no `dimensions`; its own length, accepted by validate, is simply not sent.
    const shortens = model.max_dimensions !== undefined
    const params: EmbeddingCreateParams = {
      model: request.model,
      input: [...request.texts],
      encoding_format: "base64",
      ...(request.dimensions !== undefined && shortens ? { dimensions: request.dimensions } : {}),
      ...options
    }
    const { response, text } = yield* client.call({ capability: "embedding", model: request.model }, async (sdk, signal) => {
      const response = await sdk.embeddings.create(params, { signal }).asResponse()
      return { response, text: await response.text() }
    })
    const requestId = requestIdOf(response.headers)
    const unexpected = (detail: string) =>
      new ProviderUnavailable({ provider: PROVIDER, ...(requestId === undefined ? {} : { requestId }), detail: `unexpected embeddings response: ${detail}` })
    const body = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => unexpected(`not JSON: ${text.slice(0, 200)}`) })
    const wire = yield* Schema.decodeUnknownEffect(EmbeddingsResponse)(body).pipe(Effect.mapError((e) => unexpected(e.message)))
    const vectors: Array<Float32Array | undefined> = request.texts.map(() => undefined)
    for (const item of wire.data) {
      if (!Number.isInteger(item.index) || item.index < 0 || item.index >= vectors.length || vectors[item.index] !== undefined) {
        return yield* unexpected(`an embedding has index ${item.index} for ${vectors.length} texts`)
      }
      const vector = decodeVector(item.embedding)
      if (vector === undefined) return yield* unexpected(`embedding ${item.index} is not a whole number of float32s`)
      vectors[item.index] = vector
    }
    const missing = vectors.findIndex((v) => v === undefined)
    if (missing !== -1) return yield* unexpected(`no embedding for text ${missing}`)
    const result: EmbeddingResult = {
      vectors: vectors as Array<Float32Array>,
      usage: usageOf(wire.usage),
      ...(requestId === undefined ? {} : { request_id: requestId }),
      provider_output: withoutVectors(body)
    }
    return result
  })
})
