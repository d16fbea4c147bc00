/**
 * A small effect `SqlClient` over Node's built-in `node:sqlite` (`DatabaseSync`): the embedded
 * store needs no native addon, and effect's own SQLite clients do not load on effect 4.1.
 *
 * It is shaped by how SQLite behaves here (measured, Node 24):
 * - WAL mode, `synchronous=NORMAL`: readers never wait for the writer, and a commit is durable
 *   against a process crash without an fsync per transaction.
 * - In WAL a transaction that reads and then writes after another connection committed fails at
 *   once with `SQLITE_BUSY_SNAPSHOT`, so every transaction starts with `BEGIN IMMEDIATE` (it takes
 *   the write lock first).
 * - `DatabaseSync` blocks the event loop for as long as it waits on `busy_timeout`, so the timeout
 *   is kept small and a busy database is retried here with non-blocking sleeps, then reported as
 *   a retryable `SqlError` (`LockTimeoutError`) instead of hanging.
 * - One connection per file per process, behind one semaphore: statements and transactions from
 *   every fiber take turns, so two fibers of one process never contend for SQLite's lock.
 * Callers keep transactions short and never hold one open across other I/O.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer, Semaphore } from "effect"
import { Reactivity } from "effect/reactivity"
import { SqlClient, SqlConnection, SqlError, Statement } from "effect/sql"
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite"
import { resolve } from "node:path"

/**
 * Options of {@link make} / {@link layer}.
 *
 * @since 0.1.0
 */
export interface SqliteClientConfig {
  /** Path of the database file (created when missing), or `":memory:"`. */
  readonly filename: string
  /** How long one attempt waits on another process's lock, blocking the event loop (default 10 ms). */
  readonly busyTimeout?: Duration.Input | undefined
  /** How long a busy database is retried, without blocking, before failing (default 5 s). */
  readonly busyRetryFor?: Duration.Input | undefined
}

/** The lock of each file this process has open: connections to one file take turns. */
const locks = new Map<string, { readonly semaphore: Semaphore.Semaphore; users: number }>()

const lockFor = (key: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const found = locks.get(key)
      if (found) {
        found.users++
        return found.semaphore
      }
      const semaphore = Semaphore.makeUnsafe(1)
      locks.set(key, { semaphore, users: 1 })
      return semaphore
    }),
    () =>
      Effect.sync(() => {
        const found = locks.get(key)
        if (found && --found.users === 0) locks.delete(key)
      })
  )

/** SQLite's primary result code of a `node:sqlite` error (extended codes carry it in the low byte). */
export const sqliteCode = (cause: unknown): number | undefined => {
  const errcode = (cause as { errcode?: unknown } | null)?.errcode
  return typeof errcode === "number" ? errcode & 0xff : undefined
}

const SQLITE_BUSY = 5
const SQLITE_LOCKED = 6

/** `node:sqlite` reports SQLite's code as `errcode`; effect's classifier reads `code`, so classify here. */
const toSqlError = (cause: unknown, operation: string, filename: string): SqlError.SqlError => {
  const message = `${cause instanceof Error ? cause.message : String(cause)} (SQLite file ${filename})`
  const errcode = (cause as { errcode?: unknown } | null)?.errcode
  const props = { cause, message, operation }
  const reason = errcode === 2067 || errcode === 1555
    ? new SqlError.UniqueViolation({ ...props, constraint: message })
    : sqliteCode(cause) === 19
    ? new SqlError.ConstraintError(props)
    : sqliteCode(cause) === SQLITE_BUSY || sqliteCode(cause) === SQLITE_LOCKED
    ? new SqlError.LockTimeoutError(props)
    : /syntax error/.test(message)
    ? new SqlError.SqlSyntaxError(props)
    : new SqlError.UnknownError(props)
  return new SqlError.SqlError({ reason })
}

const bind = (value: unknown): SQLInputValue => {
  if (value === undefined) return null
  if (typeof value === "boolean") return value ? 1 : 0
  if (value instanceof Date) return value.toISOString()
  return value as SQLInputValue
}

/**
 * Runs one synchronous step; a busy database outside a transaction (inside one, the write lock is
 * already held) is retried with non-blocking sleeps for up to `retryForMs`, then fails.
 */
const retryBusy = <A>(
  operation: string,
  retryForMs: number,
  inTransaction: () => boolean,
  filename: string,
  run: () => A
): Effect.Effect<A, SqlError.SqlError> => {
  const startedAt = Date.now()
  const loop = (delay: number): Effect.Effect<A, SqlError.SqlError> =>
    Effect.suspend(() => {
      const wasInTransaction = inTransaction()
      try {
        return Effect.succeed(run())
      } catch (cause) {
        const code = sqliteCode(cause)
        const busy = code === SQLITE_BUSY || code === SQLITE_LOCKED
        if (busy && !wasInTransaction && Date.now() - startedAt < retryForMs) {
          return Effect.flatMap(Effect.sleep(Duration.millis(delay)), () => loop(Math.min(delay * 2, 100)))
        }
        return Effect.fail(toSqlError(cause, operation, filename))
      }
    })
  return loop(2)
}

/**
 * Opens `filename` and builds the client. The connection closes with the scope.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(config: SqliteClientConfig) {
  const filename = config.filename
  const busyTimeoutMs = Math.max(0, Math.round(Duration.toMillis(config.busyTimeout ?? 10)))
  const retryForMs = Duration.toMillis(config.busyRetryFor ?? "5 seconds")

  const db = yield* Effect.acquireRelease(
    Effect.try({
      try: () => new DatabaseSync(filename, { timeout: busyTimeoutMs }),
      catch: (cause) => toSqlError(cause, "open", filename)
    }),
    (db) => Effect.sync(() => db.isOpen && db.close())
  )
  // Another process may be creating the file or switching it to WAL right now: retried like any busy step.
  yield* retryBusy("open", retryForMs, () => false, filename, () => {
    db.exec("PRAGMA journal_mode = WAL")
    db.exec("PRAGMA synchronous = NORMAL")
    db.exec("PRAGMA foreign_keys = ON")
  })
  const semaphore = yield* lockFor(filename === ":memory:" ? `:memory:${Math.random()}` : resolve(filename))

  const statements = new Map<string, StatementSync>()
  const prepared = (sql: string) => {
    let statement = statements.get(sql)
    if (statement === undefined) {
      statement = db.prepare(sql)
      statements.set(sql, statement)
    }
    return statement
  }

  const attempt = <A>(operation: string, run: () => A) => retryBusy(operation, retryForMs, () => db.isTransaction, filename, run)

  const rows = (sql: string, params: ReadonlyArray<unknown>, prepare: boolean) =>
    attempt("execute", () => {
      const statement = prepare ? prepared(sql) : db.prepare(sql)
      return statement.all(...params.map(bind)) as ReadonlyArray<any>
    })

  const values = (sql: string, params: ReadonlyArray<unknown>) =>
    attempt("execute", () => {
      const statement = db.prepare(sql)
      statement.setReturnArrays(true)
      return statement.all(...params.map(bind)) as unknown as ReadonlyArray<ReadonlyArray<unknown>>
    })

  const connection: SqlConnection.Connection = {
    execute: (sql, params, transformRows) =>
      transformRows ? Effect.map(rows(sql, params, true), transformRows) : rows(sql, params, true),
    executeRaw: (sql, params) => rows(sql, params, true),
    executeStream: () => Effect.die("SqliteClient does not stream rows") as never,
    executeValues: (sql, params) => values(sql, params),
    executeValuesUnprepared: (sql, params) => values(sql, params),
    executeUnprepared: (sql, params, transformRows) =>
      transformRows ? Effect.map(rows(sql, params, false), transformRows) : rows(sql, params, false)
  }

  const acquirers = SqlClient.makeSqliteAcquirers({
    connection: Effect.succeed(connection),
    semaphore,
    isTransaction: () => db.isTransaction
  })

  const client = yield* SqlClient.make({
    ...acquirers,
    driver: "sqlite-node",
    compiler: Statement.makeCompilerSqlite(),
    beginTransaction: "BEGIN IMMEDIATE",
    spanAttributes: [["db.system.name", "sqlite"]]
  })
  return Object.assign(client, {
    /** The file this client has open. */
    filename,
    /** Runs `f` on the raw database while holding the file's lock (maintenance, backups). */
    withDatabase: <A>(f: (db: DatabaseSync) => A) =>
      semaphore.withPermit(attempt("maintenance", () => f(db)))
  })
})

/**
 * The `SqlClient` of a SQLite file, open for the layer's lifetime.
 *
 * @since 0.1.0
 */
export const layer = (config: SqliteClientConfig): Layer.Layer<SqlClient.SqlClient, SqlError.SqlError> =>
  Layer.effect(SqlClient.SqlClient, make(config)).pipe(Layer.provide(Reactivity.layer))

/** @internal */
export type SqliteClient = Effect.Success<ReturnType<typeof make>>
