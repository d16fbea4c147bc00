/**
 * The embedding bridge: any AI SDK embedding model embeds texts through `doEmbed`, split by its
 * `maxEmbeddingsPerCall` as `embedMany` would, with `dimensions` and the options passed on.
 */
import type { EmbeddingModelV4CallOptions } from "@ai-sdk/provider"
import { expect, it } from "@effect/vitest"
import { fakeVector } from "@patchbay/core/testing"
import { MockEmbeddingModelV4 } from "ai/test"
import { Effect } from "effect"
import { fromAiSdk } from "../src/index.ts"

/** A mock model answering with the deterministic vector of each text, one token per text. */
const model = (maxEmbeddingsPerCall: number | PromiseLike<number> | undefined, calls: Array<EmbeddingModelV4CallOptions> = []) =>
  new MockEmbeddingModelV4({
    provider: "mock.embedding",
    modelId: "mock-embed",
    maxEmbeddingsPerCall: maxEmbeddingsPerCall ?? null,
    doEmbed: async (options) => {
      calls.push(options)
      return {
        embeddings: options.values.map((text) => Array.from(fakeVector(text, options.dimensions ?? 8))),
        usage: { tokens: options.values.length },
        warnings: [],
        providerMetadata: { mock: { batch: options.values.length } },
        response: { headers: { "x-request-id": `req_${calls.length}` } }
      }
    }
  })

const texts = ["one", "two", "three", "four", "five"]

it("a stated maxEmbeddingsPerCall becomes the catalogue's max_texts_per_call", () => {
  const provider = fromAiSdk({ id: "mock", models: { embedding: { "mock-embed": model(2) } }, catalogue: [{ id: "mock-embed", capability: "embedding", dimensions: 8 }] })
  expect(provider.models).toEqual([{ id: "mock-embed", provider: "mock", capability: "embedding", max_texts_per_call: 2, dimensions: 8 }])
  expect(fromAiSdk({ id: "mock", models: { embedding: { e: model(undefined) } } }).models).toEqual([{ id: "e", provider: "mock", capability: "embedding" }])
})

it.effect("embeds through doEmbed, split by the model's limit and joined in order, with dimensions and options passed on", () =>
  Effect.gen(function*() {
    const calls: Array<EmbeddingModelV4CallOptions> = []
    const embedding = fromAiSdk({ id: "mock", models: { embedding: { "mock-embed": model(Promise.resolve(2), calls) } } }).embedding!
    const result = yield* embedding.embed({ model: "mock-embed", texts, dimensions: 4, provider_options: { truncate: "END" } })
    expect(calls.map((c) => [c.values, c.dimensions, c.providerOptions])).toEqual([
      [["one", "two"], 4, { mock: { truncate: "END" } }],
      [["three", "four"], 4, { mock: { truncate: "END" } }],
      [["five"], 4, { mock: { truncate: "END" } }]
    ])
    expect(result.vectors).toEqual(texts.map((t) => fakeVector(t, 4)))
    expect(result.vectors.every((v) => v instanceof Float32Array)).toBe(true)
    expect(result.usage).toEqual({ input_tokens: 5 })
    expect(result.request_id).toBe("req_3")
    expect(result.provider_output).toEqual([2, 2, 1].map((batch) => ({ provider_metadata: { mock: { batch } } })))
  }))

it.effect("validate refuses an unknown model, an empty text and a length the catalogue rules out, with no call", () =>
  Effect.gen(function*() {
    const calls: Array<EmbeddingModelV4CallOptions> = []
    const embedding = fromAiSdk({
      id: "mock",
      models: { embedding: { "mock-embed": model(10, calls) } },
      catalogue: [{ id: "mock-embed", capability: "embedding", dimensions: 8, max_input_characters: 10 }]
    }).embedding!
    expect(yield* Effect.flip(embedding.validate({ model: "other", texts: ["a"] }))).toMatchObject({ _tag: "UnknownModel", field: "model", allowed: ["mock-embed"] })
    expect(yield* Effect.flip(embedding.validate({ model: "mock-embed", texts: [""] }))).toMatchObject({ _tag: "InvalidRequest", field: "texts[0]" })
    expect(yield* Effect.flip(embedding.validate({ model: "mock-embed", texts: ["a".repeat(11)] }))).toMatchObject({ _tag: "InputTooLarge", field: "texts[0]", limit: 10 })
    expect(yield* Effect.flip(embedding.validate({ model: "mock-embed", texts: ["a"], dimensions: 4 }))).toMatchObject({ _tag: "InvalidRequest", field: "dimensions", allowed: ["8"] })
    expect(yield* Effect.flip(embedding.embed({ model: "mock-embed", texts: ["a", ""] }))).toMatchObject({ _tag: "InvalidRequest", field: "texts[1]" })
    expect(calls).toEqual([])
  }))

it.effect("a model that gives the wrong number of embeddings fails as ProviderUnavailable", () =>
  Effect.gen(function*() {
    const short = new MockEmbeddingModelV4({ maxEmbeddingsPerCall: null, doEmbed: async () => ({ embeddings: [[1, 2]], warnings: [] }) })
    const error = yield* Effect.flip(fromAiSdk({ id: "mock", models: { embedding: { e: short } } }).embedding!.embed({ model: "e", texts: ["a", "b"] }))
    expect(error).toMatchObject({ _tag: "ProviderUnavailable", provider: "mock" })
    expect(error.message).toContain("1 embeddings for 2 texts")
  }))
