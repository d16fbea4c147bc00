/**
 * The store behaviour suite against every implementation: memory (core's `layerMemory`), SQLite
 * (a fresh temporary file per test) and PostgreSQL (a fresh database per test on the server the
 * global set-up found or started).
 */
import { Stores } from "@patchbay/core"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { inject } from "vitest"
import { postgres, sqlite } from "../src/index.ts"
import { freshPostgresDatabase, postgresSkipReason } from "./support/postgres.ts"
import { storeSuite } from "./support/storeSuite.ts"

const dir = mkdtempSync(join(tmpdir(), "patchbay-sql-"))
let n = 0

storeSuite("memory", { fresh: () => Stores.layerMemory })
storeSuite("SQLite", { fresh: () => sqlite({ filename: join(dir, `stores-${++n}.db`) }) })
storeSuite("PostgreSQL", { fresh: async () => postgres({ url: await freshPostgresDatabase(inject("databaseUrl")) }) }, postgresSkipReason())
