/**
 * Embeddings: the catalogue, the pure hook, what goes over the wire (base64 always, `dimensions`
 * only for the models that shorten), the exact decoding of base64 float32s, and the failures.
 */
import { fakeVector } from "@patchbay/core/testing"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { decodeVector, MAX_EMBEDDING_INPUTS, models } from "../src/index.ts"
import { vectorBase64 } from "./support/FakeUpstream.ts"
import { failure, fields, interactionsOf, replayed } from "./support/harness.ts"

const TEXTS = ["The fox jumps over the lazy dog.", "Patchbay turns speech into text and back again."]
const embed = (provider: ReturnType<typeof replayed>["provider"], request: { model: string; dimensions?: number; provider_options?: Record<string, unknown> }, texts = TEXTS) =>
  provider.embedding!.embed({ texts, ...request })

describe("the embedding catalogue", () => {
  it("lists the three models with their lengths, and a range only where dimensions shortens", () => {
    expect(models.filter((m) => m.capability === "embedding")).toEqual([
      { id: "text-embedding-3-small", provider: "openai", capability: "embedding", display_name: "Text Embedding 3 small", dimensions: 1536, min_dimensions: 1, max_dimensions: 1536, max_texts_per_call: 2048, max_input_tokens: 8192 },
      { id: "text-embedding-3-large", provider: "openai", capability: "embedding", display_name: "Text Embedding 3 large", dimensions: 3072, min_dimensions: 1, max_dimensions: 3072, max_texts_per_call: 2048, max_input_tokens: 8192 },
      { id: "text-embedding-ada-002", provider: "openai", capability: "embedding", display_name: "Text Embedding Ada 002", dimensions: 1536, max_texts_per_call: 2048, max_input_tokens: 8192 }
    ])
    expect(MAX_EMBEDDING_INPUTS).toBe(2048)
  })
})

describe("validate", () => {
  const { provider, fetch } = replayed()
  const validate = (spec: { model: string; texts: ReadonlyArray<string>; dimensions?: number; provider_options?: Record<string, unknown> }) =>
    Effect.runPromise(Effect.flip(provider.embedding!.validate(spec)))

  it("refuses a model outside the catalogue, an empty text, no text, a length the model cannot give and an unknown option", async () => {
    expect(fields(await validate({ model: "text-embedding-4", texts: ["a"] }))).toMatchObject({ _tag: "UnknownModel", field: "model", allowed: ["text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002"] })
    expect(fields(await validate({ model: "text-embedding-3-small", texts: ["a", ""] }))).toMatchObject({ _tag: "InvalidRequest", field: "texts[1]" })
    expect(fields(await validate({ model: "text-embedding-3-small", texts: [] }))).toMatchObject({ _tag: "InvalidRequest", field: "texts" })
    expect(fields(await validate({ model: "text-embedding-3-small", texts: ["a"], dimensions: 1537 }))).toMatchObject({ _tag: "InvalidRequest", field: "dimensions", allowed: ["1–1536"] })
    expect(fields(await validate({ model: "text-embedding-ada-002", texts: ["a"], dimensions: 256 }))).toMatchObject({ _tag: "InvalidRequest", field: "dimensions", allowed: ["1536"] })
    expect(fields(await validate({ model: "text-embedding-3-small", texts: ["a"], provider_options: { encoding_format: "float" } }))).toMatchObject({
      _tag: "InvalidRequest",
      field: "provider_options.openai.encoding_format"
    })
    expect(fetch.log).toEqual([])
  })

  it("accepts a batch larger than one call takes: Stages.embed splits it", async () => {
    await Effect.runPromise(provider.embedding!.validate({ model: "text-embedding-3-large", texts: Array.from({ length: MAX_EMBEDDING_INPUTS + 1 }, (_, i) => `t${i}`), dimensions: 3072 }))
  })
})

describe("embed", () => {
  it("sends every text as one input array with base64 encoding and decodes the floats exactly", async () => {
    const { provider, fetch } = replayed(interactionsOf("embedding-success-small-256.json"))
    const out = await Effect.runPromise(embed(provider, { model: "text-embedding-3-small", dimensions: 256, provider_options: { user: "user-1234" } }))
    expect(fetch.log[0]?.body).toEqual({ type: "json", json: { model: "text-embedding-3-small", input: TEXTS, encoding_format: "base64", dimensions: 256, user: "user-1234" } })
    expect(out.vectors).toEqual(TEXTS.map((t) => fakeVector(t, 256)))
    expect(out.vectors.every((v) => v instanceof Float32Array)).toBe(true)
    expect(out.usage).toEqual({ input_tokens: 15, total_tokens: 15 })
    expect(out.request_id).toBe("req_emb_0001")
    expect(out.provider_output).toEqual({
      object: "list",
      model: "text-embedding-3-small",
      data: [{ object: "embedding", index: 0, embedding: "[256 floats: vectors[0]]" }, { object: "embedding", index: 1, embedding: "[256 floats: vectors[1]]" }],
      usage: { prompt_tokens: 15, total_tokens: 15 }
    })
  })

  it("sends no dimensions to ada-002, even when the request names its own length", async () => {
    const { provider, fetch } = replayed(interactionsOf("embedding-success-ada.json"))
    const out = await Effect.runPromise(embed(provider, { model: "text-embedding-ada-002", dimensions: 1536 }))
    expect(fetch.log[0]?.body).toEqual({ type: "json", json: { model: "text-embedding-ada-002", input: TEXTS, encoding_format: "base64" } })
    expect(out.vectors.map((v) => v.length)).toEqual([1536, 1536])
  })

  it("maps the vendor's failures: 400 → InvalidRequest with its message, 429 → RateLimited, insufficient_quota → QuotaExceeded", async () => {
    const play = async (name: string) => failure(embed(replayed(interactionsOf(name)).provider, { model: "text-embedding-3-small" }))
    expect(fields(await play("embedding-invalid-request.json"))).toMatchObject({ _tag: "InvalidRequest", status: 400, field: "request", requestId: "req_emb_400" })
    expect((await play("embedding-invalid-request.json")).message).toContain("maximum context length is 8192 tokens")
    expect(fields(await play("embedding-rate-limited.json"))).toMatchObject({ _tag: "RateLimited", status: 429, retryAfter: 2 })
    expect(fields(await play("embedding-quota-exceeded.json"))).toMatchObject({ _tag: "QuotaExceeded", status: 429 })
    expect(fields(await play("embedding-unavailable.json"))).toMatchObject({ _tag: "ProviderUnavailable", status: 503 })
  })
})

describe("decodeVector", () => {
  it("reads base64 little-endian float32s bit for bit, and a float list as floats", () => {
    const vector = new Float32Array([0, -0, 1.5, -2.25, 3.4028234663852886e38, 1.401298464324817e-45, Math.fround(0.1)])
    const decoded = decodeVector(vectorBase64(vector))
    expect(decoded && Buffer.from(decoded.buffer)).toEqual(Buffer.from(vector.buffer))
    expect(decodeVector([0.5, -1])).toEqual(new Float32Array([0.5, -1]))
  })

  it("refuses base64 that is not a whole number of float32s", () => {
    expect(decodeVector(Buffer.from([1, 2, 3]).toString("base64"))).toBeUndefined()
  })
})
