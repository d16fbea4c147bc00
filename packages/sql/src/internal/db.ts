/**
 * What every SQL store shares: the client, its dialect, the name of the database for messages,
 * and the one translation of database failures into `StoreUnavailable` — naming what to fix, and
 * retryable only where trying again can help (a lock, a lost connection).
 */
import { StoreUnavailable } from "@patchbay/core"
import { Effect } from "effect"
import { type SqlClient, SqlError } from "effect/sql"
import { type Dialect, NewerSchema } from "../Migrations.ts"
import { sqliteCode } from "../SqliteClient.ts"

/** A store's handle on its database. */
export interface Db {
  readonly sql: SqlClient.SqlClient
  readonly dialect: Dialect
  /** The database as messages name it: a file path, or a URL without its password. */
  readonly name: string
}

/** A URL as it may appear in a message: the password, if any, is replaced. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "(an unparseable URL)"
  }
}

const sqliteAdvice = (code: number | undefined, name: string): readonly [string, boolean] | undefined => {
  switch (code) {
    case 5:
    case 6:
      return [`${name} is locked by another process or connection: retry, and if it stays locked find the process holding it`, true]
    case 8:
      return [`${name} is read-only: give this process write access to the file and its folder`, false]
    case 11:
    case 26:
      return [`${name} is not a readable SQLite database (corrupt, or another kind of file): restore it from a backup or point \`filename\` at another file`, false]
    case 13:
      return [`the disk holding ${name} is full: free space, then retry`, true]
    case 14:
      return [`${name} cannot be opened: check that its folder exists and this process may write there`, false]
    default:
      return undefined
  }
}

/** Translates any failure of a store's database into `StoreUnavailable`. */
export const unavailable = (db: Pick<Db, "dialect" | "name">, error: SqlError.SqlError | NewerSchema): StoreUnavailable => {
  if (error instanceof NewerSchema) {
    return new StoreUnavailable({ store: db.name, detail: error.message, retryable: false })
  }
  const reason = error.reason
  if (db.dialect === "sqlite") {
    const advice = sqliteAdvice(sqliteCode(reason.cause), db.name)
    if (advice) return new StoreUnavailable({ store: db.name, detail: advice[0], retryable: advice[1] })
  }
  const cause = reason.cause as { readonly message?: unknown } | undefined
  const said = typeof cause?.message === "string" && cause.message !== "" ? cause.message : reason.message ?? String(reason.cause)
  switch (reason._tag) {
    case "ConnectionError":
      return new StoreUnavailable({
        store: db.name,
        detail: `cannot reach the database (${said}): check the URL, that the server is running and reachable, and retry`,
        retryable: true
      })
    case "AuthenticationError":
    case "AuthorizationError":
      return new StoreUnavailable({
        store: db.name,
        detail: `the database refused this user (${said}): check the user name and password in the URL and its grants`,
        retryable: false
      })
    case "LockTimeoutError":
    case "DeadlockError":
    case "SerializationError":
    case "StatementTimeoutError":
      return new StoreUnavailable({ store: db.name, detail: `the database is busy (${said}): retry`, retryable: true })
    default:
      return new StoreUnavailable({ store: db.name, detail: said, retryable: error.isRetryable })
  }
}

/** Runs a statement (or several) and translates a database failure. */
export const run = <A, E, R>(db: Db, effect: Effect.Effect<A, E | SqlError.SqlError, R>): Effect.Effect<A, Exclude<E, SqlError.SqlError> | StoreUnavailable, R> =>
  Effect.catchIf(
    effect,
    SqlError.isSqlError,
    (error) => Effect.fail(unavailable(db, error))
  ) as Effect.Effect<A, Exclude<E, SqlError.SqlError> | StoreUnavailable, R>

/** Runs `effect` in one write transaction (SQLite: `BEGIN IMMEDIATE`) and translates failures. */
export const transaction = <A, E, R>(db: Db, effect: Effect.Effect<A, E | SqlError.SqlError, R>) =>
  run(db, db.sql.withTransaction(effect))

/** Parses a JSON record column. */
export const parse = <A>(row: { readonly record: unknown }): A =>
  JSON.parse(typeof row.record === "string" ? row.record : String(row.record)) as A

/** Whether a failure is the database refusing a duplicate (e.g. a second active run). */
export const isUniqueViolation = (error: unknown): boolean =>
  SqlError.isSqlError(error) && error.reason._tag === "UniqueViolation"
