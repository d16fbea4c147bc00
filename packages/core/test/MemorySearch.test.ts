import { expect, it } from "@effect/vitest"
import { CurrentTenant, type Memory, MemorySearch, MemoryStore } from "@patchbay/core"
import { Effect } from "effect"
import { describe } from "vitest"
import { bm25, bagOf, stem, terms } from "../src/internal/lexical.ts"

const memory = (id: string, content: string, scope = "u1", expires_at?: string): Memory => ({
  id,
  content,
  memory_scope: scope,
  metadata: {},
  created_at: "2030-01-01T00:00:00.000Z",
  updated_at: "2030-01-01T00:00:00.000Z",
  ...(expires_at === undefined ? {} : { expires_at })
})

describe("fuse", () => {
  it("scores each id by the sum of 1 / (k + rank) over the lists it is in, best first", () => {
    expect(MemorySearch.fuse([["a", "b", "c"], ["c", "a", "d"]], { limit: 10 })).toEqual([
      { id: "a", score: 1 / 61 + 1 / 62 },
      { id: "c", score: 1 / 63 + 1 / 61 },
      { id: "b", score: 1 / 62 },
      { id: "d", score: 1 / 63 }
    ])
  })

  it("takes k, cuts at limit, counts a repeat within a list once, and breaks ties by first appearance", () => {
    expect(MemorySearch.fuse([["x", "y"], ["y", "x"]], { k: 0, limit: 10 })).toEqual([
      { id: "x", score: 1.5 },
      { id: "y", score: 1.5 }
    ])
    expect(MemorySearch.fuse([["a", "a", "b"]], { k: 1, limit: 1 })).toEqual([{ id: "a", score: 0.5 }])
    expect(MemorySearch.fuse([], { limit: 5 })).toEqual([])
    expect(MemorySearch.fuse([["a"]], { limit: 0 })).toEqual([])
  })
})

describe("cosine", () => {
  it("is the dot product over the norms; 0 for a zero vector; refuses different lengths", () => {
    expect(MemorySearch.cosine(Float32Array.of(1, 0), Float32Array.of(0, 1))).toBe(0)
    expect(MemorySearch.cosine(Float32Array.of(3, 4), Float32Array.of(6, 8))).toBe(1)
    expect(MemorySearch.cosine(Float32Array.of(1, 0), Float32Array.of(-2, 0))).toBe(-1)
    expect(MemorySearch.cosine(Float32Array.of(1, 1), Float32Array.of(1, 0))).toBe(1 / Math.sqrt(2))
    expect(MemorySearch.cosine(Float32Array.of(0, 0), Float32Array.of(1, 0))).toBe(0)
    expect(() => MemorySearch.cosine(Float32Array.of(1), Float32Array.of(1, 0))).toThrow("cosine: vectors of 1 and 2 dimensions")
  })
})

describe("the in-memory store's lexical search", () => {
  it("reduces text to lower-cased words and stems common inflections lightly", () => {
    expect(MemorySearch.queryWords(`"Don't" OR (NEAR* tea -tea`)).toEqual(["near", "tea"])
    expect(MemorySearch.queryWords("Who am I, and what do I do?")).toEqual([])
    expect(MemorySearch.queryTerms("Walking the dogs, walked")).toEqual(["walk", "dog"])
    expect(terms("Walked walking walks dogs lives living running hiking cooked boss is")).toEqual([
      "walk", "walk", "walk", "dog", "live", "live", "run", "hike", "cook", "boss", "is"
    ])
    expect(stem("cities")).toBe("city")
    expect(stem("boxes")).toBe("box")
  })

  it("scores with BM25, k1 = 1.2 and b = 0.75 (exact figures)", () => {
    const docs = ["green tea", "black tea with milk", "green car"].map(bagOf)
    // N = 3, avgdl = 8/3; idf(green) = idf(tea) = ln(1 + 1.5/2.5)
    const idf = Math.log(1 + 1.5 / 2.5)
    const part = (dl: number) => idf * 2.2 / (1 + 1.2 * (0.25 + 0.75 * dl / (8 / 3)))
    expect(bm25("green tea", docs)).toEqual([
      { index: 0, score: part(2) + part(2) },
      { index: 2, score: part(2) },
      { index: 1, score: part(4) }
    ])
    expect(bm25("?!", docs)).toEqual([])
    expect(bm25("the tea", docs)).toEqual(bm25("tea", docs))
  })
})

describe("VectorCache", () => {
  it.effect("asks for the scope's version on every lookup and reloads vectors only when it moved", () =>
    Effect.gen(function*() {
      const store = yield* MemoryStore
      const cache = MemorySearch.makeVectorCache()
      yield* store.put("asst_1", memory("m1", "likes tea"), { history_id: "h1" }, Float32Array.of(1, 0))
      yield* store.put("asst_1", memory("m2", "lives in Oslo"), { history_id: "h2" }, Float32Array.of(0, 1))
      yield* store.put("asst_1", memory("m3", "no vector"), { history_id: "h3" })
      const first = yield* cache.lookup("asst_1", "u1")
      expect(first.version).toBe(3)
      expect(first.entries.map((e) => e.memory.id)).toEqual(["m1", "m2"])
      yield* cache.lookup("asst_1", "u1")
      expect(cache.loads()).toBe(1)
      const hits = yield* cache.search("asst_1", "u1", Float32Array.of(1, 1), { limit: 5, now: "2030-01-01T00:00:00.000Z" })
      expect(hits.map((h) => [h.memory.id, h.score])).toEqual([["m1", 1 / Math.sqrt(2)], ["m2", 1 / Math.sqrt(2)]])
      expect(cache.loads()).toBe(1)
      yield* store.softDelete("asst_1", "m1", { history_id: "h4" })
      const after = yield* cache.search("asst_1", "u1", Float32Array.of(1, 1), { limit: 5, now: "2030-01-01T00:00:00.000Z" })
      expect(after.map((h) => h.memory.id)).toEqual(["m2"])
      expect(cache.loads()).toBe(2)
      // Another tenant, same ids: its own entry, its own load.
      expect((yield* Effect.provideService(cache.lookup("asst_1", "u1"), CurrentTenant, "other")).entries).toEqual([])
      expect(cache.loads()).toBe(3)
    }).pipe(Effect.provide(MemoryStore.layerMemory)))

  it.effect("leaves out memories expired at `now` and keeps at most maxScopes scopes", () =>
    Effect.gen(function*() {
      const store = yield* MemoryStore
      const cache = MemorySearch.makeVectorCache({ maxScopes: 1 })
      yield* store.put("asst_1", memory("m1", "a", "u1", "2030-06-01T00:00:00.000Z"), { history_id: "h1" }, Float32Array.of(1, 0))
      yield* store.put("asst_1", memory("m2", "b", "u1"), { history_id: "h2" }, Float32Array.of(1, 1))
      const search = (now: string) => Effect.map(cache.search("asst_1", "u1", Float32Array.of(1, 0), { limit: 1, now }), (hits) => hits.map((h) => h.memory.id))
      expect(yield* search("2030-05-01T00:00:00.000Z")).toEqual(["m1"])
      expect(yield* search("2030-06-01T00:00:00.000Z")).toEqual(["m2"])
      expect(cache.loads()).toBe(1)
      yield* cache.lookup("asst_1", "u2")
      yield* cache.lookup("asst_1", "u1")
      expect(cache.loads()).toBe(3)
    }).pipe(Effect.provide(MemoryStore.layerMemory)))
})
