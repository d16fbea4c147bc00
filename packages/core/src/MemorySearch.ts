/**
 * The in-process half of memory search: reciprocal rank fusion of ranked lists (lexical and
 * vector), cosine similarity, and a per-process cache of each scope's vectors. Vectors are
 * stored as bytes (`BLOB` / `bytea`: Debian's PostgreSQL has no pgvector) and scored here; the
 * cache asks the store for the scope's version on every lookup and reloads only when it moved,
 * so no process serves stale memories and an unchanged scope costs one small read.
 *
 * @since 0.2.0
 */
import { Context, Effect, Layer } from "effect"
import type { StoreUnavailable } from "./Errors.ts"
import { queryWords as wordsOfQuery, stem } from "./internal/lexical.ts"
import { type Memory, MemoryStore, type ScopeVectors } from "./MemoryStore.ts"
import { CurrentTenant } from "./Tenant.ts"

/** An id with its fused score. */
export interface Fused {
  readonly id: string
  readonly score: number
}

/**
 * Reciprocal rank fusion: each id scores `Σ 1 / (k + rank)` over the lists it appears in (rank
 * from 1; a repeat within one list counts at its first rank only). Best first; ties keep the
 * order of first appearance (earliest rank, then earlier list). `k` defaults to 60.
 *
 * @example
 * ```ts
 * fuse([["a", "b"], ["b", "c"]], { limit: 2 }) // [{ id: "b", score: 1/62 + 1/61 }, { id: "a", score: 1/61 }]
 * ```
 */
export const fuse = (
  lists: ReadonlyArray<ReadonlyArray<string>>,
  options: { readonly k?: number | undefined; readonly limit: number }
): ReadonlyArray<Fused> => {
  const k = options.k ?? 60
  const scores = new Map<string, { score: number; first: number }>()
  const longest = Math.max(0, ...lists.map((list) => list.length))
  const seen = lists.map(() => new Set<string>())
  // Visit rank by rank so the first appearance order is the earliest rank, then the earlier list.
  let order = 0
  for (let rank = 0; rank < longest; rank++) {
    lists.forEach((list, i) => {
      const id = list[rank]
      if (id === undefined || seen[i]!.has(id)) return
      seen[i]!.add(id)
      const found = scores.get(id) ?? { score: 0, first: order++ }
      found.score += 1 / (k + rank + 1)
      scores.set(id, found)
    })
  }
  return [...scores.entries()]
    .sort(([, a], [, b]) => b.score - a.score || a.first - b.first)
    .slice(0, Math.max(0, options.limit))
    .map(([id, { score }]) => ({ id, score }))
}

/** The Euclidean norm of `v`. */
export const norm = (v: Float32Array): number => {
  let sum = 0
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!
  return Math.sqrt(sum)
}

/**
 * Cosine similarity of two vectors of one length: in [-1, 1], 0 when either is all zeros. Vectors
 * of different lengths are a programming error (embedding dimensions are fixed per assistant).
 */
export const cosine = (a: Float32Array, b: Float32Array): number => {
  if (a.length !== b.length) throw new RangeError(`cosine: vectors of ${a.length} and ${b.length} dimensions`)
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!
    na += a[i]! * a[i]!
    nb += b[i]! * b[i]!
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb)
}

/**
 * The words a lexical query searches for: runs of letters and digits, lower-cased, without
 * English stop words ("the", "my", "what", …), in order, repeats removed. Stores build their
 * engine's query from these alone, so user text never reaches a query parser: `"Don't" OR (NEAR*
 * tea` is the words `near`, `tea`. A text of stop words only finds nothing.
 */
export const queryWords = (text: string): ReadonlyArray<string> => wordsOfQuery(text)

/** The stemmed terms the in-memory store matches (see `MemoryStore`'s notes on its stemmer). */
export const queryTerms = (text: string): ReadonlyArray<string> => [...new Set(queryWords(text).map(stem))]

/** A memory with its cosine similarity to a query vector. */
export interface VectorHit {
  readonly memory: Memory
  readonly score: number
}

/** A scope's vectors as cached: also packed into one matrix, unit length, for a fast scan. */
interface Cached {
  readonly version: number
  readonly entries: ScopeVectors["entries"]
  /** Row i: entry i's vector scaled to unit length (all zeros for a zero vector). */
  readonly matrix: Float32Array
  readonly dimensions: number
  /** Entry i's expiry, or null. */
  readonly expires: ReadonlyArray<string | null>
}

const pack = (read: ScopeVectors): Cached => {
  const dimensions = read.entries[0]?.vector.length ?? 0
  const matrix = new Float32Array(read.entries.length * dimensions)
  read.entries.forEach(({ memory, vector }, i) => {
    if (vector.length !== dimensions) {
      throw new RangeError(`VectorCache: memory ${memory.id} has a vector of ${vector.length} dimensions, others ${dimensions}`)
    }
    const n = norm(vector)
    if (n > 0) for (let j = 0; j < dimensions; j++) matrix[i * dimensions + j] = vector[j]! / n
  })
  return { version: read.version, entries: read.entries, matrix, dimensions, expires: read.entries.map(({ memory }) => memory.expires_at ?? null) }
}

/**
 * A per-process cache of scopes' vectors, keyed by (tenant, assistant, scope).
 *
 * @category models
 */
export interface VectorCacheShape {
  /**
   * The scope's vectors: asks the store for the scope's version every time and reloads the
   * vectors only when it differs from the cached one.
   */
  readonly lookup: (assistantId: string, memoryScope: string) => Effect.Effect<ScopeVectors, StoreUnavailable, MemoryStore>
  /**
   * The scope's `limit` memories most similar to `query` by cosine, best first (ties oldest
   * first), leaving out those expired at `now` (ISO 8601). Uses {@link lookup}.
   */
  readonly search: (
    assistantId: string,
    memoryScope: string,
    query: Float32Array,
    options: { readonly limit: number; readonly now: string }
  ) => Effect.Effect<ReadonlyArray<VectorHit>, StoreUnavailable, MemoryStore>
  /** How many times vectors were loaded from the store (a reload per version change). */
  readonly loads: () => number
}

/**
 * A cache holding at most `maxScopes` scopes (default 1,000; the least recently used is dropped).
 */
export const makeVectorCache = (options: { readonly maxScopes?: number | undefined } = {}): VectorCacheShape => {
  const maxScopes = Math.max(1, options.maxScopes ?? 1000)
  const cache = new Map<string, Cached>()
  let loads = 0
  const load = (assistantId: string, memoryScope: string) =>
    Effect.gen(function*() {
      const tenant = yield* CurrentTenant
      const store = yield* MemoryStore
      const key = JSON.stringify([tenant, assistantId, memoryScope])
      const version = yield* store.scopeVersion(assistantId, memoryScope)
      let cached = cache.get(key)
      if (cached === undefined || cached.version !== version) {
        cached = pack(yield* store.vectors(assistantId, memoryScope))
        loads++
      }
      cache.delete(key)
      cache.set(key, cached)
      if (cache.size > maxScopes) cache.delete(cache.keys().next().value!)
      return cached
    })
  return {
    lookup: (assistantId, memoryScope) =>
      Effect.map(load(assistantId, memoryScope), ({ entries, version }) => ({ version, entries })),
    search: (assistantId, memoryScope, query, { limit, now }) =>
      Effect.map(load(assistantId, memoryScope), ({ dimensions, entries, expires, matrix }) => {
        if (entries.length === 0 || limit <= 0) return []
        if (query.length !== dimensions) throw new RangeError(`VectorCache: stored vectors of ${dimensions} dimensions, a query of ${query.length}`)
        const q = norm(query)
        // The best `limit` so far, best first (ties: the older entry first): a short insertion list.
        const top: Array<{ readonly index: number; readonly score: number }> = []
        for (let i = 0; i < entries.length; i++) {
          const expiry = expires[i]
          if (expiry !== null && expiry !== undefined && expiry <= now) continue
          let dot = 0
          const row = i * dimensions
          for (let j = 0; j < dimensions; j++) dot += query[j]! * matrix[row + j]!
          const score = q === 0 ? 0 : dot / q
          if (top.length === limit && score <= top[top.length - 1]!.score) continue
          let at = top.length
          while (at > 0 && top[at - 1]!.score < score) at--
          top.splice(at, 0, { index: i, score })
          if (top.length > limit) top.pop()
        }
        return top.map(({ index, score }) => ({ memory: entries[index]!.memory, score }))
      }),
    loads: () => loads
  }
}

/**
 * The process's vector cache, as a service.
 *
 * @category services
 */
export class VectorCache extends Context.Service<VectorCache, VectorCacheShape>()("@patchbay/core/VectorCache") {
  /** A fresh cache of up to 1,000 scopes. */
  static readonly layer: Layer.Layer<VectorCache> = Layer.sync(VectorCache, () => makeVectorCache())
}
