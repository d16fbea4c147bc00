/**
 * The memory search part of the store behaviour suite (registered by `storeSuite`, so it runs on
 * memory, SQLite and PostgreSQL alike): lexical ranking on a small fixed corpus, OR-ed and
 * stemmed terms, what search leaves out, scope versions, vectors bit for bit, reset and stats,
 * and operation leases.
 */
import { expect } from "@effect/vitest"
import { CurrentTenant, type Memory, MemoryStore } from "@patchbay/core"
import { Effect, Option } from "effect"

type Test = (title: string, body: () => Effect.Effect<void, unknown, MemoryStore>) => void

const T0 = "2030-01-01T00:00:00.000Z"
const NOW = "2030-02-01T00:00:00.000Z"

const memory = (id: string, content: string, scope = "u1", expires_at?: string): Memory => ({
  id,
  content,
  memory_scope: scope,
  metadata: { source: "test" },
  created_at: T0,
  updated_at: T0,
  ...(expires_at === undefined ? {} : { expires_at })
})

const search = (text: string, options: { readonly scope?: string; readonly limit?: number; readonly now?: string; readonly assistant?: string } = {}) =>
  Effect.flatMap(MemoryStore, (store) =>
    store.searchText(options.assistant ?? "asst_1", {
      memory_scope: options.scope ?? "u1",
      text,
      limit: options.limit ?? 10,
      now: options.now ?? NOW
    }))

const ids = (text: string, options?: Parameters<typeof search>[1]) => Effect.map(search(text, options), (hits) => hits.map((h) => h.memory.id))

const bytes = (v: Float32Array) => [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]

export const memorySearchSpecs = (test: Test) => {
  test("memory search ranks best first, ORs the words, stems them, and never errors on query syntax", () =>
    Effect.gen(function*() {
      const store = yield* MemoryStore
      const corpus = [
        memory("m1", "bought new hiking boots in Lyon"),
        memory("m2", "went hiking in the Alps last summer"),
        memory("m3", "likes pizza with olives"),
        memory("m4", "walked the dogs this morning"),
        memory("m5", "works as a nurse in Oslo"),
        memory("m6", "has a sister called Anna")
      ]
      for (const [i, m] of corpus.entries()) yield* store.put("asst_1", m, { history_id: `h${i}` })
      const hits = yield* search("hiking boots")
      expect(hits.map((h) => h.memory.id)).toEqual(["m1", "m2"])
      expect(hits[0]!.memory).toEqual(corpus[0])
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score)
      expect(hits[1]!.score).toBeGreaterThan(0)
      expect(yield* ids("hiking boots", { limit: 1 })).toEqual(["m1"])
      // One shared word is enough, and inflections meet: "walking my dog" finds "walked the dogs".
      expect(yield* ids("walking my dog")).toEqual(["m4"])
      expect(yield* ids("nursing job, Oslo?")).toEqual(["m5"])
      expect(yield* ids("sisters")).toEqual(["m6"])
      // Query syntax of either engine is only text.
      expect(yield* ids(`"hiking" OR (NEAR* boots -:'`)).toEqual(["m1", "m2"])
      expect(yield* ids(`'?!*" ) AND`)).toEqual([])
      expect(yield* ids(`C++ e-mail x@y.com 3.14 naïve Ünïcödé 東京 x_y \\ ; -- /* */ :* & | ! <-> NOT NEAR(a b) col:boots ^hiking`)).toEqual(["m1", "m2"])
      expect(yield* ids("")).toEqual([])
      // Stop words alone match nothing ("in", "the" and "a" are in the corpus).
      expect(yield* ids("What is in the a?")).toEqual([])
      expect(yield* ids("hiking", { limit: 0 })).toEqual([])
    }))

  test("memory search sees only the scope's live, unexpired memories of this assistant and tenant", () =>
    Effect.gen(function*() {
      const store = yield* MemoryStore
      yield* store.put("asst_1", memory("a1", "hiking boots"), { history_id: "h1" })
      yield* store.put("asst_1", memory("a2", "hiking boots, deleted"), { history_id: "h2" })
      yield* store.softDelete("asst_1", "a2", { history_id: "h2d" })
      yield* store.put("asst_1", memory("a3", "hiking boots, expired", "u1", "2030-01-15T00:00:00.000Z"), { history_id: "h3" })
      yield* store.put("asst_1", memory("a4", "hiking boots, expiring", "u1", "2030-03-01T00:00:00.000Z"), { history_id: "h4" })
      yield* store.put("asst_1", memory("a5", "hiking boots", "u2"), { history_id: "h5" })
      yield* store.put("asst_2", memory("a6", "hiking boots"), { history_id: "h6" })
      yield* Effect.provideService(store.put("asst_1", memory("a7", "hiking boots"), { history_id: "h7" }), CurrentTenant, "other")
      const found = (now: string) => Effect.map(ids("hiking boots", { now }), (list) => [...list].sort())
      expect(yield* found(NOW)).toEqual(["a1", "a4"])
      expect(yield* found("2030-03-01T00:00:00.000Z")).toEqual(["a1"])
      expect(yield* found("2030-01-01T00:00:00.000Z")).toEqual(["a1", "a3", "a4"])
      yield* store.restore("asst_1", "a2", { history_id: "h2r" })
      expect(yield* found(NOW)).toEqual(["a1", "a2", "a4"])
      expect(yield* ids("hiking", { scope: "u2" })).toEqual(["a5"])
      expect(yield* ids("hiking", { assistant: "asst_2" })).toEqual(["a6"])
      expect(yield* Effect.provideService(ids("hiking"), CurrentTenant, "other")).toEqual(["a7"])
      // An update is searched by its new content only.
      yield* store.put("asst_1", memory("a1", "trail running shoes"), { history_id: "h1u" })
      expect(yield* ids("shoes")).toEqual(["a1"])
      expect((yield* found(NOW)).includes("a1")).toBe(false)
    }))

  test("every put, delete, restore and reset bumps its scope's version; others stay", () =>
    Effect.gen(function*() {
      const store = yield* MemoryStore
      const version = (scope = "u1") => store.scopeVersion("asst_1", scope)
      expect(yield* version()).toBe(0)
      yield* store.put("asst_1", memory("m1", "likes tea"), { history_id: "h1" })
      expect(yield* version()).toBe(1)
      yield* store.put("asst_1", memory("m1", "likes green tea"), { history_id: "h2" })
      expect(yield* version()).toBe(2)
      yield* store.softDelete("asst_1", "m1", { history_id: "h3" })
      expect(yield* version()).toBe(3)
      yield* store.softDelete("asst_1", "m1", { history_id: "h3b" })
      expect(yield* version()).toBe(3)
      yield* store.restore("asst_1", "m1", { history_id: "h4" })
      expect(yield* version()).toBe(4)
      expect(yield* version("u2")).toBe(0)
      expect(yield* store.scopeVersion("asst_2", "u1")).toBe(0)
      expect(yield* Effect.provideService(version(), CurrentTenant, "other")).toBe(0)
      // Moving a memory to another scope changes both.
      yield* store.put("asst_1", memory("m1", "likes green tea", "u2"), { history_id: "h5" })
      expect([yield* version(), yield* version("u2")]).toEqual([5, 1])
      yield* store.reset("asst_1", "u2")
      expect([yield* version(), yield* version("u2")]).toEqual([5, 2])
      // A reset bumps each scope it touched once, however many memories it deleted.
      yield* store.put("asst_1", memory("m2", "two", "u3"), { history_id: "h6" })
      yield* store.put("asst_1", memory("m3", "three", "u3"), { history_id: "h7" })
      expect(yield* store.reset("asst_1")).toBe(2)
      expect([yield* version(), yield* version("u2"), yield* version("u3")]).toEqual([5, 2, 3])
      yield* store.deleteByAssistant("asst_1")
      expect(yield* version("u2")).toBeGreaterThan(2)
    }))

  test("vectors come back bit for bit with the version they were read at; an update without one drops it", () =>
    Effect.gen(function*() {
      const store = yield* MemoryStore
      const odd = Float32Array.of(0.1, -0, Number.NaN, 1e-45, Number.POSITIVE_INFINITY, Math.PI, -3.4028234663852886e38)
      yield* store.put("asst_1", memory("m1", "likes tea"), { history_id: "h1" }, odd)
      yield* store.put("asst_1", memory("m2", "no vector"), { history_id: "h2" })
      yield* store.put("asst_1", memory("m3", "lives in Oslo"), { history_id: "h3" }, Float32Array.of(1, 2, 3, 4, 5, 6, 7))
      yield* store.put("asst_1", memory("m4", "other scope", "u2"), { history_id: "h4" }, Float32Array.of(1, 1, 1, 1, 1, 1, 1))
      const read = yield* store.vectors("asst_1", "u1")
      expect(read.version).toBe(yield* store.scopeVersion("asst_1", "u1"))
      expect(read.entries.map((e) => e.memory.id)).toEqual(["m1", "m3"])
      expect(read.entries[0]!.memory).toEqual(memory("m1", "likes tea"))
      expect(read.entries[0]!.vector).toBeInstanceOf(Float32Array)
      expect(bytes(read.entries[0]!.vector)).toEqual(bytes(odd))
      yield* store.put("asst_1", memory("m3", "lives in Bergen"), { history_id: "h5" }, Float32Array.of(7, 6, 5, 4, 3, 2, 1))
      yield* store.put("asst_1", memory("m1", "likes coffee"), { history_id: "h6" })
      yield* store.softDelete("asst_1", "m3", { history_id: "h7" })
      expect((yield* store.vectors("asst_1", "u1")).entries).toEqual([])
      yield* store.restore("asst_1", "m3", { history_id: "h8" })
      const after = yield* store.vectors("asst_1", "u1")
      expect(after.version).toBe(7)
      expect(after.entries.map((e) => [e.memory.content, [...e.vector]])).toEqual([["lives in Bergen", [7, 6, 5, 4, 3, 2, 1]]])
      expect(yield* store.vectors("asst_1", "nobody")).toEqual({ version: 0, entries: [] })
    }))

  test("reset soft-deletes a scope's or the assistant's live memories with a history row each; stats count them", () =>
    Effect.gen(function*() {
      const store = yield* MemoryStore
      yield* store.put("asst_1", memory("m1", "one"), { history_id: "h1" })
      yield* store.put("asst_1", memory("m2", "two"), { history_id: "h2" })
      yield* store.put("asst_1", memory("m3", "three"), { history_id: "h3" })
      yield* store.put("asst_1", memory("m4", "four", "u2"), { history_id: "h4" })
      yield* store.put("asst_2", memory("m5", "five"), { history_id: "h5" })
      yield* store.softDelete("asst_1", "m3", { history_id: "h3d" })
      expect(yield* store.stats("asst_1")).toEqual({ total_count: 3, deleted_count: 1, scopes: 2 })
      expect(yield* store.reset("asst_1", "u1", "op_reset")).toBe(2)
      expect(yield* store.stats("asst_1")).toEqual({ total_count: 1, deleted_count: 3, scopes: 1 })
      const history = yield* store.history("asst_1", "m1")
      expect(history.map((h) => [h.event, h.old_content, h.new_content, h.operation_id])).toEqual([
        ["ADD", null, "one", null],
        ["DELETE", "one", null, "op_reset"]
      ])
      expect(history[1]!.id).toMatch(/^hist_/)
      expect((yield* store.history("asst_1", "m3")).length).toBe(2)
      expect(yield* store.reset("asst_1")).toBe(1)
      expect(yield* store.stats("asst_1")).toEqual({ total_count: 0, deleted_count: 4, scopes: 0 })
      expect(yield* store.reset("asst_1")).toBe(0)
      expect(yield* store.stats("asst_2")).toEqual({ total_count: 1, deleted_count: 0, scopes: 1 })
      expect(yield* Effect.provideService(store.stats("asst_1"), CurrentTenant, "other")).toEqual({ total_count: 0, deleted_count: 0, scopes: 0 })
      yield* store.restore("asst_1", "m1", { history_id: "h1r" })
      expect(yield* ids("one")).toEqual(["m1"])
      // More memories than one batch of history rows.
      for (let i = 0; i < 520; i++) yield* store.put("asst_1", memory(`bulk_${i}`, `note ${i}`, "bulk"), { history_id: `hb${i}` })
      expect(yield* store.reset("asst_1", "bulk")).toBe(520)
      expect((yield* store.history("asst_1", "bulk_519")).map((h) => h.event)).toEqual(["ADD", "DELETE"])
      expect(yield* store.stats("asst_1")).toEqual({ total_count: 1, deleted_count: 523, scopes: 1 })
    }))

  test("an operation whose lease lapsed reads FAILED, owner lost; the running one is found and renewed", () =>
    Effect.gen(function*() {
      const store = yield* MemoryStore
      const operation = (id: string, lease: string | null, scope = "u1") => ({
        operation_id: id,
        assistant_id: "asst_1",
        memory_scope: scope,
        status: "IN_PROGRESS" as const,
        error: null,
        raw_output: null,
        events: [],
        created_at: T0,
        completed_at: null,
        lease_expires_at: lease
      })
      yield* store.putOperation(operation("op_lost", "2000-01-01T00:00:00.000Z"))
      yield* store.putOperation(operation("op_live", "2999-01-01T00:00:00.000Z"))
      yield* store.putOperation(operation("op_late", "2000-01-02T00:00:00.000Z"))
      yield* store.putOperation(operation("op_other", "2999-01-01T00:00:00.000Z", "u2"))
      const lost = yield* store.getOperation("op_lost")
      expect(lost).toMatchObject({ status: "FAILED", error: "owner lost", lease_expires_at: null, events: [] })
      expect(lost.completed_at! >= "2026-01-01T00:00:00.000Z").toBe(true)
      expect(yield* store.getOperation("op_lost")).toEqual(lost)
      const running = yield* store.runningOperation("asst_1", "u1")
      expect(Option.map(running, (o) => o.operation_id)).toEqual(Option.some("op_live"))
      expect((yield* store.getOperation("op_late")).status).toBe("FAILED")
      expect(yield* store.renewOperation("op_live", "3000-01-01T00:00:00.000Z")).toBe(true)
      expect((yield* store.getOperation("op_live")).lease_expires_at).toBe("3000-01-01T00:00:00.000Z")
      expect(yield* store.renewOperation("op_lost", "3000-01-01T00:00:00.000Z")).toBe(false)
      expect(yield* store.renewOperation("op_unknown", "3000-01-01T00:00:00.000Z")).toBe(false)
      expect(yield* Effect.provideService(store.renewOperation("op_live", "3001-01-01T00:00:00.000Z"), CurrentTenant, "other")).toBe(false)
      yield* store.putOperation({ ...operation("op_live", null), status: "COMPLETED", completed_at: T0 })
      expect(yield* store.runningOperation("asst_1", "u1")).toEqual(Option.none())
      expect(Option.map(yield* store.runningOperation("asst_1", "u2"), (o) => o.operation_id)).toEqual(Option.some("op_other"))
      expect(yield* store.renewOperation("op_live", "3000-01-01T00:00:00.000Z")).toBe(false)
    }))
}
