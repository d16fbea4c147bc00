/**
 * Two processes on one database: each keeps its own `VectorCache`, and a write made through the
 * other's connection reaches this one's next lookup through the scope's version row — on SQLite
 * (two connections to one file) and PostgreSQL (two clients).
 */
import { expect, it } from "@effect/vitest"
import { type Memory, MemorySearch, MemoryStore, type StoresLayer } from "@patchbay/core"
import { Effect, Layer } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, inject } from "vitest"
import { postgres, sqlite } from "../src/index.ts"
import { freshPostgresDatabase, postgresSkipReason } from "./support/postgres.ts"

const dir = mkdtempSync(join(tmpdir(), "patchbay-vectors-"))

const memory = (id: string, content: string): Memory => ({
  id,
  content,
  memory_scope: "u1",
  metadata: {},
  created_at: "2030-01-01T00:00:00.000Z",
  updated_at: "2030-01-01T00:00:00.000Z"
})

const twoProcesses = (open: () => Promise<StoresLayer>) =>
  Effect.gen(function*() {
    const first = yield* Layer.build(yield* Effect.promise(open))
    const second = yield* Layer.build(yield* Effect.promise(open))
    const inFirst = <A, E>(effect: Effect.Effect<A, E, MemoryStore>) => Effect.provideContext(effect, first)
    const inSecond = <A, E>(effect: Effect.Effect<A, E, MemoryStore>) => Effect.provideContext(effect, second)
    const cache = MemorySearch.makeVectorCache()
    const ids = Effect.map(cache.lookup("asst_1", "u1"), (read) => read.entries.map((e) => e.memory.id))

    yield* inSecond(MemoryStore.use((store) => store.put("asst_1", memory("m1", "likes tea"), { history_id: "h1" }, Float32Array.of(1, 0))))
    expect(yield* inFirst(ids)).toEqual(["m1"])
    expect(yield* inFirst(ids)).toEqual(["m1"])
    expect(cache.loads()).toBe(1)
    yield* inSecond(MemoryStore.use((store) => store.put("asst_1", memory("m2", "lives in Oslo"), { history_id: "h2" }, Float32Array.of(0, 1))))
    expect(yield* inFirst(ids)).toEqual(["m1", "m2"])
    yield* inSecond(MemoryStore.use((store) => store.softDelete("asst_1", "m1", { history_id: "h3" })))
    const hits = yield* inFirst(cache.search("asst_1", "u1", Float32Array.of(1, 0), { limit: 5, now: "2030-01-01T00:00:00.000Z" }))
    expect(hits.map((h) => [h.memory.id, h.score])).toEqual([["m2", 0]])
    expect(cache.loads()).toBe(3)
  }).pipe(Effect.scoped)

describe("VectorCache across processes", () => {
  it.live("SQLite: a write through another connection is seen by the next lookup", () => {
    const filename = join(dir, "shared.db")
    return twoProcesses(async () => sqlite({ filename }))
  })

  const skip = postgresSkipReason()
  it.live.skipIf(skip !== undefined)(`PostgreSQL: a write through another client is seen by the next lookup${skip === undefined ? "" : ` (skipped: ${skip})`}`, () =>
    Effect.gen(function*() {
      const url = yield* Effect.promise(() => freshPostgresDatabase(inject("databaseUrl")))
      yield* twoProcesses(async () => postgres({ url }))
    }), 30_000)
})
