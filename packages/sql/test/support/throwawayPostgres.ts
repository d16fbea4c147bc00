/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into a temporary folder, then
 * `pg_ctl start` on a free port with its socket in that folder — well under a second, nothing
 * left behind after `stop`. As root (CI), the programs run as the `postgres` user, which owns the
 * folder (created under the system's temporary directory, never under a root-only one).
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { execFileSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** The folder holding `initdb` and `pg_ctl`, when PostgreSQL is installed. */
export const findPostgresBin = (): string | undefined => {
  const candidates = (process.env["PATH"] ?? "").split(":")
  const debian = "/usr/lib/postgresql"
  if (existsSync(debian)) {
    for (const version of readdirSync(debian).sort().reverse()) candidates.push(join(debian, version, "bin"))
  }
  return candidates.find((dir) => dir !== "" && existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")))
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")))
    })
  })

/** A running cluster: its URL, and `stop` (idempotent). */
export interface ThrowawayPostgres {
  readonly url: string
  readonly stop: () => void
  /** Stops the server but keeps its data, as a database server going away does. */
  readonly pause: () => void
  /** Starts a paused server again on the same port, with its data. */
  readonly resume: () => void
}

/** Starts a cluster with the programs in `bin`; throws with PostgreSQL's own output when it cannot. */
export const startThrowawayPostgres = async (bin: string): Promise<ThrowawayPostgres> => {
  const dir = mkdtempSync(join(tmpdir(), "patchbay-pg-"))
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim())
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim())
    chownSync(dir, uid, gid)
  }
  const run = (program: string, args: ReadonlyArray<string>) => {
    const command = [join(bin, program), ...args]
    return asRoot
      ? execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", command.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ")], { stdio: "pipe" })
      : execFileSync(command[0]!, command.slice(1), { stdio: "pipe" })
  }
  const port = await freePort()
  const data = join(dir, "data")
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])
  const start = () => run("pg_ctl", ["-D", data, "-o", `-p ${port} -k ${dir} -h 127.0.0.1`, "-l", join(dir, "log"), "-w", "start"])
  start()
  let stopped = false
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pause: () => void run("pg_ctl", ["-D", data, "stop", "-m", "immediate"]),
    resume: () => void start(),
    stop: () => {
      if (stopped) return
      stopped = true
      try {
        run("pg_ctl", ["-D", data, "stop", "-m", "fast"])
      } catch {
        // already stopped (paused)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
}

let count = 0

/** Creates an empty database on the server at `url` and returns its URL. */
export const freshPostgresDatabase = async (url: string, prefix = "patchbay_test"): Promise<string> => {
  const name = `${prefix}_${process.pid}_${Date.now()}_${++count}`
  await Effect.runPromise(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`CREATE DATABASE ${name}`)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })), Effect.scoped)
  )
  const fresh = new URL(url)
  fresh.pathname = `/${name}`
  return fresh.toString()
}

/** Drops the databases whose names start with `prefix` (those `freshPostgresDatabase` made with it). */
export const dropPostgresDatabases = (url: string, prefix: string): Promise<void> =>
  Effect.runPromise(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ readonly datname: string }>`SELECT datname FROM pg_database WHERE datname LIKE ${`${prefix}\_%`}`
      for (const row of rows) yield* sql.unsafe(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })), Effect.scoped)
  )

/** The durability settings of the server at `url` (`fsync`, `synchronous_commit`), for reports. */
export const durabilitySettings = (url: string) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ readonly fsync: string; readonly synchronous_commit: string }>`SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit`
      return rows[0] ?? { fsync: "unknown", synchronous_commit: "unknown" }
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })))
  )
