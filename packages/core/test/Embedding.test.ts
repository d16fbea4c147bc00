import { expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { checkEmbeddingSpec } from "../src/adapter/index.ts"
import {
  acceptsDimensions,
  defaultSettings,
  dimensionsAllowed,
  EmbeddingRecord,
  InvalidRequest,
  type ModelInfo,
  PipelineSettings,
  ProviderRegistry,
  ProviderUnavailable,
  RateLimited,
  Stages,
  Validation
} from "../src/index.ts"
import { FakeEmbedding, fakeProvider, fakeVector } from "../src/testing/index.ts"

const ranged: ModelInfo = { id: "e-3", provider: "acme", capability: "embedding", dimensions: 1536, min_dimensions: 1, max_dimensions: 1536 }
const fixed: ModelInfo = { id: "e-2", provider: "acme", capability: "embedding", dimensions: 1536 }

const registryWith = (embedding: FakeEmbedding) => ProviderRegistry.layer([fakeProvider({ id: "fake", embedding })])
const request = (texts: ReadonlyArray<string>, dimensions?: number) => ({ provider: "fake", model: "fake-embedding", texts, dimensions })

it("a model with a range gives any whole length in it; one without gives only its default", () => {
  expect([1, 256, 1536].map((d) => acceptsDimensions(ranged, d))).toEqual([true, true, true])
  expect([0, 1537, 2.5].map((d) => acceptsDimensions(ranged, d))).toEqual([false, false, false])
  expect([1536, 256].map((d) => acceptsDimensions(fixed, d))).toEqual([true, false])
  expect(dimensionsAllowed(ranged)).toEqual(["1–1536"])
  expect(dimensionsAllowed(fixed)).toEqual(["1536"])
})

it.effect("validate refuses no text, an empty text, a text over the limit and dimensions the model cannot give", () =>
  Effect.gen(function*() {
    const limited: ModelInfo = { ...ranged, max_input_characters: 5 }
    expect(yield* Effect.flip(Validation.checkEmbeddingInput(limited, { texts: [] }))).toMatchObject({ _tag: "InvalidRequest", field: "texts" })
    expect(yield* Effect.flip(Validation.checkEmbeddingInput(limited, { texts: ["a", ""] }))).toMatchObject({ _tag: "InvalidRequest", field: "texts[1]", value: "" })
    expect(yield* Effect.flip(Validation.checkEmbeddingInput(limited, { texts: ["fine", "sixsix"] }))).toMatchObject({
      _tag: "InputTooLarge",
      field: "texts[1]",
      limit: 5,
      size: 6,
      model: "e-3",
      provider: "acme"
    })
    // characters are code points: five emoji fit a limit of five
    yield* Validation.checkEmbeddingInput(limited, { texts: ["😀😀😀😀😀"] })
    expect(yield* Effect.flip(Validation.checkEmbeddingInput(fixed, { texts: ["a"], dimensions: 256 }))).toMatchObject({
      _tag: "InvalidRequest",
      field: "dimensions",
      value: 256,
      allowed: ["1536"]
    })
    expect(yield* Effect.flip(Validation.checkEmbeddingInput(ranged, { texts: ["a"], dimensions: 4096 }))).toMatchObject({ field: "dimensions", allowed: ["1–1536"] })
    yield* Validation.checkEmbeddingInput(ranged, { texts: ["a"], dimensions: 256 })
    yield* Validation.checkEmbeddingInput(fixed, { texts: ["a"], dimensions: 1536 })
  }))

it.effect("the kit's checkEmbeddingSpec checks the model against a closed catalogue, then the texts", () =>
  Effect.gen(function*() {
    expect(yield* checkEmbeddingSpec([ranged, fixed], { model: "e-2", texts: ["a"] })).toBe(fixed)
    expect(yield* Effect.flip(checkEmbeddingSpec([ranged, fixed], { model: "e-9", texts: ["a"] }))).toMatchObject({
      _tag: "UnknownModel",
      model: "e-9",
      allowed: ["e-3", "e-2"]
    })
    expect(yield* Effect.flip(checkEmbeddingSpec([ranged], { model: "e-3", texts: [""] }))).toMatchObject({ _tag: "InvalidRequest", field: "texts[0]" })
  }))

it.effect("Stages.embed splits a batch over the per-call limit into calls and joins them in order", () => {
  const embedding = FakeEmbedding()
  const texts = ["one", "two words", "three", "four", "five", "six", "seven", "eight", "nine"]
  return Effect.gen(function*() {
    const out = yield* Stages.embed(request(texts, 4))
    expect(embedding.log.requests.map((r) => r.texts)).toEqual([texts.slice(0, 4), texts.slice(4, 8), texts.slice(8)])
    expect(embedding.log.requests.every((r) => r.dimensions === 4 && r.model === "fake-embedding")).toBe(true)
    expect(out.vectors).toEqual(texts.map((t) => fakeVector(t, 4)))
    expect(out.vectors.every((v) => v instanceof Float32Array)).toBe(true)
    expect(out.usage).toEqual({ input_tokens: 10 })
    expect(out.record).toEqual({
      provider: "fake",
      model: "fake-embedding",
      texts: 9,
      dimensions: 4,
      calls: 3,
      usage: { input_tokens: 10 },
      latency_ms: { first_byte: 0, total: 0 },
      request_ids: ["fake_embedding_1", "fake_embedding_2", "fake_embedding_3"],
      provider_output: [0, 1, 2].map((call) => ({
        object: "list",
        data: texts.slice(call * 4, call * 4 + 4).map((_, index) => ({ object: "embedding", index }))
      }))
    })
    expect(Schema.decodeUnknownSync(EmbeddingRecord)(out.record)).toEqual(out.record)
  }).pipe(Effect.provide(registryWith(embedding)))
})

it.effect("a batch within the limit is one call; without dimensions the model's default length comes back", () => {
  const embedding = FakeEmbedding()
  return Effect.gen(function*() {
    const out = yield* Stages.embed(request(["a fox", "a dog"]))
    expect(embedding.log.requests).toHaveLength(1)
    expect(embedding.log.requests[0]?.dimensions).toBeUndefined()
    expect(out.vectors.map((v) => v.length)).toEqual([8, 8])
    expect(out.record.calls).toBe(1)
  }).pipe(Effect.provide(registryWith(embedding)))
})

it.effect("a refused request makes no vendor call", () => {
  const embedding = FakeEmbedding()
  return Effect.gen(function*() {
    const errors = [
      yield* Effect.flip(Stages.embed(request(["ok", ""]))),
      yield* Effect.flip(Stages.embed(request(["x".repeat(1001)]))),
      yield* Effect.flip(Stages.embed(request(["ok"], 9))),
      yield* Effect.flip(Stages.embed({ ...request(["ok"]), model: "fake-other" })),
      yield* Effect.flip(Stages.embed({ ...request(["ok"]), provider: "elsewhere" }))
    ]
    expect(errors.map((e) => [e._tag, "field" in e ? e.field : undefined])).toEqual([
      ["InvalidRequest", "texts[1]"],
      ["InputTooLarge", "texts[0]"],
      ["InvalidRequest", "dimensions"],
      ["UnknownModel", "model"],
      ["UnknownProvider", "provider"]
    ])
    expect(embedding.log.requests).toEqual([])
  }).pipe(Effect.provide(registryWith(embedding)))
})

it.effect("the adapter's own validate hook runs before any call", () => {
  const embedding = FakeEmbedding()
  const strict = { ...embedding, validate: () => Effect.fail(new InvalidRequest({ provider: "fake", field: "provider_options.fake.x", reason: "no such option" })) }
  return Effect.gen(function*() {
    expect(yield* Effect.flip(Stages.embed(request(["ok"])))).toMatchObject({ _tag: "InvalidRequest", field: "provider_options.fake.x" })
    expect(embedding.log.requests).toEqual([])
  }).pipe(Effect.provide(ProviderRegistry.layer([fakeProvider({ id: "fake", embedding: strict as unknown as FakeEmbedding })])))
})

it.effect("a retryable failure is retried; each call's usage and request id count once", () => {
  const embedding = FakeEmbedding({ failures: [new RateLimited({ provider: "fake", status: 429 })] })
  const settings = { ...defaultSettings, retry: { ...defaultSettings.retry, baseDelayMs: 10 } }
  return Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(Stages.embed(request(["a b", "c"])))
    yield* TestClock.adjust("1 second")
    const out = yield* Fiber.join(fiber)
    expect(embedding.log.outcomes).toEqual(["failed", "completed"])
    expect(out.usage).toEqual({ input_tokens: 3 })
    expect(out.record.request_ids).toEqual(["fake_embedding_2"])
  }).pipe(Effect.provide(Layer.merge(registryWith(embedding), Layer.succeed(PipelineSettings, settings))))
})

it.effect("a vendor that gives the wrong number of vectors fails as ProviderUnavailable", () => {
  const embedding = FakeEmbedding()
  const short = { ...embedding, embed: (r: Parameters<FakeEmbedding["embed"]>[0]) => Effect.map(embedding.embed(r), (out) => ({ ...out, vectors: out.vectors.slice(1) })) }
  return Effect.gen(function*() {
    const error = yield* Effect.flip(Stages.embed(request(["a", "b"])))
    expect(error).toBeInstanceOf(ProviderUnavailable)
    expect(error.message).toContain("1 vectors for 2 texts")
  }).pipe(Effect.provide(ProviderRegistry.layer([fakeProvider({ id: "fake", embedding: short as unknown as FakeEmbedding })])))
})
