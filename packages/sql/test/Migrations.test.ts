/**
 * Migrations: applied once even when two processes start together on one database, and a
 * database of a newer schema is refused naming both versions — on SQLite and PostgreSQL.
 */
import { expect, it } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { MemoryStore, type StoresLayer, ThreadStore } from "@patchbay/core"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { execFile } from "node:child_process"
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, inject } from "vitest"
import { latestVersion, migrate, migrations } from "../src/Migrations.ts"
import { postgres, sqlite } from "../src/index.ts"
import * as SqliteClient from "../src/SqliteClient.ts"
import { freshPostgresDatabase, postgresSkipReason } from "./support/postgres.ts"

const dir = mkdtempSync(join(tmpdir(), "patchbay-migrations-"))
const run = promisify(execFile)
const allVersions = migrations.map((m) => m.version)

/** Builds the stores layer and reports how it failed, or "opened". */
const openResult = (layer: Layer.Layer<ThreadStore, unknown>) =>
  Effect.match(Effect.scoped(Layer.build(layer)), { onFailure: (error) => error, onSuccess: () => "opened" as const })


/** A memory written by version 1 of the schema (no `expires_at` column, FTS without a stemmer). */
const writeV1Memories = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const row = (id: string, content: string, expires_at?: string) =>
    sql`INSERT INTO memories ${
      sql.insert({
        tenant_id: "default",
        assistant_id: "asst_1",
        memory_id: id,
        memory_scope: "u1",
        content,
        record: JSON.stringify({ id, content, memory_scope: "u1", metadata: {}, created_at: "t0", updated_at: "t0", ...(expires_at === undefined ? {} : { expires_at }) }),
        created_at: "t0",
        updated_at: "t0"
      })
    }`
  yield* row("m1", "walked the dogs")
  yield* row("m2", "walked to work", "2000-01-01T00:00:00.000Z")
})

/** After the upgrade, search stems ("walking" finds "walked") and leaves out the memory that expired. */
const searchAfterUpgrade = (layer: StoresLayer) =>
  Effect.provide(
    Effect.flatMap(MemoryStore, (store) =>
      store.searchText("asst_1", { memory_scope: "u1", text: "walking", limit: 5, now: "2030-01-01T00:00:00.000Z" })),
    layer
  )

describe("SQLite migrations", () => {
  it.live("version 2 stems the memories a version-1 file holds and fills their expiry column", () =>
    Effect.gen(function*() {
      const filename = join(dir, "upgrade.db")
      yield* Effect.provide(Effect.andThen(migrate("sqlite", migrations.slice(0, 1)), writeV1Memories), SqliteClient.layer({ filename }))
      expect((yield* searchAfterUpgrade(sqlite({ filename }))).map((hit) => hit.memory.id)).toEqual(["m1"])
    }))

  it.live("two processes starting together on one new file apply the schema once", () =>
    Effect.promise(async () => {
      const filename = join(dir, "together.db")
      const go = join(dir, "together.go")
      const child = join(import.meta.dirname, "support", "migrateChild.ts")
      const both = Promise.all([run(process.execPath, [child, filename, go]), run(process.execPath, [child, filename, go])])
      // Both children loaded, then both go.
      while (readdirSync(dir).filter((name) => name.startsWith("together.go.")).length < 2) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      writeFileSync(go, "")
      const outputs = (await both).map((r) => JSON.parse(r.stdout) as Array<number>)
      expect(outputs.map((o) => o.length).sort()).toEqual([0, allVersions.length])
      expect(outputs.flat()).toEqual(allVersions)
    }), 60_000)

  it.live("a second open of a migrated file applies nothing", () =>
    Effect.gen(function*() {
      const filename = join(dir, "twice.db")
      const twice = Effect.all([migrate("sqlite"), migrate("sqlite")])
      expect(yield* Effect.provide(twice, SqliteClient.layer({ filename }))).toEqual([allVersions, []])
    }))

  it.live("a file of a newer schema is refused, naming both versions", () =>
    Effect.gen(function*() {
      const filename = join(dir, "newer.db")
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* migrate("sqlite")
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO patchbay_schema (version, name, applied_at) VALUES (${latestVersion + 7}, 'future', 'later')`
        }),
        SqliteClient.layer({ filename })
      )
      const error = yield* openResult(sqlite({ filename }))
      expect(error).toMatchObject({ _tag: "StoreUnavailable", store: filename, retryable: false })
      expect((error as Error).message).toBe(
        `Store unavailable (${filename}): the database has schema version ${latestVersion + 7}, newer than version ${latestVersion} ` +
          `this code supports: upgrade @patchbay/sql, or point it at another database`
      )
    }))
})

const skip = postgresSkipReason()
describe.skipIf(skip !== undefined)(`PostgreSQL migrations${skip === undefined ? "" : ` (skipped: ${skip})`}`, () => {
  const client = (url: string) => PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })

  it.live("two clients starting together apply the schema once (advisory lock)", () =>
    Effect.gen(function*() {
      const url = yield* Effect.promise(() => freshPostgresDatabase(inject("databaseUrl")))
      const results = yield* Effect.all(
        [Effect.provide(migrate("pg"), client(url)), Effect.provide(migrate("pg"), client(url))],
        { concurrency: 2 }
      )
      expect(results.map((r) => r.length).sort()).toEqual([0, allVersions.length])
    }), 30_000)

  it.live("version 2 stems the memories a version-1 database holds and fills their expiry column", () =>
    Effect.gen(function*() {
      const url = yield* Effect.promise(() => freshPostgresDatabase(inject("databaseUrl")))
      yield* Effect.provide(Effect.andThen(migrate("pg", migrations.slice(0, 1)), writeV1Memories), client(url))
      expect((yield* searchAfterUpgrade(postgres({ url }))).map((hit) => hit.memory.id)).toEqual(["m1"])
    }), 30_000)

  it.live("a database of a newer schema is refused, naming both versions", () =>
    Effect.gen(function*() {
      const url = yield* Effect.promise(() => freshPostgresDatabase(inject("databaseUrl")))
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* migrate("pg")
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO patchbay_schema (version, name, applied_at) VALUES (${latestVersion + 1}, 'future', 'later')`
        }),
        client(url)
      )
      const error = yield* openResult(postgres({ url }))
      expect(error).toMatchObject({ _tag: "StoreUnavailable", retryable: false })
      expect((error as Error).message).toContain(
        `the database has schema version ${latestVersion + 1}, newer than version ${latestVersion} this code supports`
      )
    }), 30_000)
})
