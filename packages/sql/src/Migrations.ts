/**
 * The one schema of Patchbay's SQL stores and its forward-only migrations, for SQLite and
 * PostgreSQL alike.
 *
 * Why our own runner and not effect's `Migrator`: it reads the applied versions and then writes,
 * which fails under SQLite's WAL rule (a read-then-write transaction loses to any commit in
 * between), and it does not refuse a database written by a newer version of the code. Here:
 * - SQLite: the whole check-and-apply runs in one `BEGIN IMMEDIATE` transaction (the write lock
 *   is taken before anything is read), so two processes starting at once take turns.
 * - PostgreSQL: the same transaction first takes a transaction-scoped advisory lock.
 * - Both: `patchbay_schema` holds one row per applied version; a version above
 *   {@link latestVersion} is refused with a message naming both versions.
 *
 * Records are JSON text (`record`); every row carries `tenant_id`; each query the stores make has
 * an index. Memories get a full-text index (SQLite FTS5 with the `porter unicode61` tokenizer,
 * PostgreSQL `tsvector` in the `english` configuration, both since version 2), an `expires_at`
 * column for search to filter on, and a vector column (`BLOB` / `bytea`: little-endian float32;
 * vectors are scored in process).
 *
 * @since 0.1.0
 */
import { Data, Effect } from "effect"
import { SqlClient, type SqlError } from "effect/sql"

/** The dialects the schema is written for. */
export type Dialect = "sqlite" | "pg"

/**
 * One forward-only step: statements per dialect, applied in one transaction.
 *
 * @since 0.1.0
 */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly statements: (dialect: Dialect) => ReadonlyArray<string>
}

const seq = (d: Dialect) => d === "sqlite" ? "seq INTEGER PRIMARY KEY AUTOINCREMENT" : "seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
const blob = (d: Dialect) => d === "sqlite" ? "BLOB" : "BYTEA"

/**
 * Every migration, in order. Never edit a released one: add the next.
 *
 * @since 0.1.0
 */
export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "stores",
    statements: (d) => [
      // Process-wide settings (e.g. the generated media secret) use tenant_id '*'.
      `CREATE TABLE settings (tenant_id TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (tenant_id, name))`,
      `CREATE TABLE assistants (${seq(d)}, tenant_id TEXT NOT NULL, assistant_id TEXT NOT NULL, record TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      `CREATE UNIQUE INDEX assistants_by_id ON assistants (tenant_id, assistant_id)`,
      `CREATE TABLE threads (${seq(d)}, tenant_id TEXT NOT NULL, thread_id TEXT NOT NULL, assistant_id TEXT NOT NULL, record TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      `CREATE UNIQUE INDEX threads_by_id ON threads (tenant_id, thread_id)`,
      `CREATE INDEX threads_by_assistant ON threads (tenant_id, assistant_id, seq)`,
      `CREATE INDEX threads_by_tenant ON threads (tenant_id, seq)`,
      `CREATE TABLE messages (${seq(d)}, tenant_id TEXT NOT NULL, thread_id TEXT NOT NULL, message_id TEXT NOT NULL, record TEXT NOT NULL, created_at TEXT NOT NULL)`,
      `CREATE UNIQUE INDEX messages_by_id ON messages (tenant_id, thread_id, message_id)`,
      `CREATE INDEX messages_by_thread ON messages (tenant_id, thread_id, seq)`,
      `CREATE TABLE runs (${seq(d)}, tenant_id TEXT NOT NULL, run_id TEXT NOT NULL, thread_id TEXT NOT NULL, assistant_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, owner TEXT, lease_until TEXT, expires_at TEXT, record TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      `CREATE UNIQUE INDEX runs_by_id ON runs (tenant_id, run_id)`,
      `CREATE INDEX runs_by_thread ON runs (tenant_id, thread_id, seq)`,
      // At most one active run per thread, enforced by the database itself.
      `CREATE UNIQUE INDEX runs_one_active ON runs (tenant_id, thread_id) WHERE status IN ('in_progress', 'requires_action')`,
      `CREATE INDEX runs_by_lease ON runs (lease_until) WHERE status = 'in_progress'`,
      `CREATE INDEX runs_by_expiry ON runs (expires_at) WHERE status = 'requires_action'`,
      `CREATE TABLE api_keys (${seq(d)}, tenant_id TEXT NOT NULL, key_id TEXT NOT NULL, hash TEXT NOT NULL, record TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)`,
      `CREATE UNIQUE INDEX api_keys_by_id ON api_keys (tenant_id, key_id)`,
      `CREATE UNIQUE INDEX api_keys_by_hash ON api_keys (hash)`,
      `CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, seq)`,
      `CREATE TABLE memories (${seq(d)}, tenant_id TEXT NOT NULL, assistant_id TEXT NOT NULL, memory_id TEXT NOT NULL, memory_scope TEXT NOT NULL, content TEXT NOT NULL, record TEXT NOT NULL, vector ${blob(d)}, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT${
        d === "pg" ? `, search TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED` : ""
      })`,
      `CREATE UNIQUE INDEX memories_by_id ON memories (tenant_id, memory_id)`,
      `CREATE INDEX memories_by_scope ON memories (tenant_id, assistant_id, memory_scope, seq)`,
      `CREATE INDEX memories_by_assistant ON memories (tenant_id, assistant_id, seq)`,
      ...(d === "sqlite"
        ? [
          `CREATE VIRTUAL TABLE memories_fts USING fts5 (content, content = 'memories', content_rowid = 'seq')`,
          `CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content); END`,
          `CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content); END`,
          `CREATE TRIGGER memories_fts_update AFTER UPDATE OF content ON memories BEGIN INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content); INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content); END`
        ]
        : [`CREATE INDEX memories_search ON memories USING GIN (search)`]),
      `CREATE TABLE memory_history (${seq(d)}, tenant_id TEXT NOT NULL, assistant_id TEXT NOT NULL, history_id TEXT NOT NULL, memory_id TEXT NOT NULL, record TEXT NOT NULL, created_at TEXT NOT NULL)`,
      `CREATE INDEX memory_history_by_memory ON memory_history (tenant_id, memory_id, seq)`,
      `CREATE INDEX memory_history_by_assistant ON memory_history (tenant_id, assistant_id)`,
      `CREATE TABLE memory_operations (${seq(d)}, tenant_id TEXT NOT NULL, assistant_id TEXT NOT NULL, operation_id TEXT NOT NULL, memory_scope TEXT NOT NULL, status TEXT NOT NULL, record TEXT NOT NULL, created_at TEXT NOT NULL)`,
      `CREATE UNIQUE INDEX memory_operations_by_id ON memory_operations (tenant_id, operation_id)`,
      `CREATE INDEX memory_operations_by_scope ON memory_operations (tenant_id, assistant_id, memory_scope, status)`,
      // Per-scope version rows: a process's cache of vectors is checked against them.
      `CREATE TABLE memory_scope_versions (tenant_id TEXT NOT NULL, assistant_id TEXT NOT NULL, memory_scope TEXT NOT NULL, version BIGINT NOT NULL, PRIMARY KEY (tenant_id, assistant_id, memory_scope))`,
      `CREATE TABLE media (${seq(d)}, tenant_id TEXT NOT NULL, document_id TEXT NOT NULL, thread_id TEXT, assistant_id TEXT, record TEXT NOT NULL, created_at TEXT NOT NULL)`,
      `CREATE UNIQUE INDEX media_by_id ON media (tenant_id, document_id)`,
      `CREATE INDEX media_by_thread ON media (tenant_id, thread_id, seq)`,
      `CREATE INDEX media_by_assistant ON media (tenant_id, assistant_id, seq)`,
      `CREATE INDEX media_by_tenant ON media (tenant_id, seq)`
    ]
  },
  {
    version: 2,
    name: "memory search",
    statements: (d) => [
      // Search leaves out expired memories: the expiry gets a column of its own.
      `ALTER TABLE memories ADD COLUMN expires_at TEXT`,
      d === "sqlite"
        ? `UPDATE memories SET expires_at = json_extract(record, '$.expires_at')`
        : `UPDATE memories SET expires_at = record::jsonb ->> 'expires_at'`,
      // Stemmed search: "walking" finds "walked". SQLite's index is rebuilt with the Porter stemmer,
      // PostgreSQL's generated column moves from the 'simple' configuration to 'english'.
      ...(d === "sqlite"
        ? [
          `DROP TRIGGER memories_fts_insert`,
          `DROP TRIGGER memories_fts_delete`,
          `DROP TRIGGER memories_fts_update`,
          `DROP TABLE memories_fts`,
          `CREATE VIRTUAL TABLE memories_fts USING fts5 (content, content = 'memories', content_rowid = 'seq', tokenize = 'porter unicode61')`,
          `CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content); END`,
          `CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content); END`,
          `CREATE TRIGGER memories_fts_update AFTER UPDATE OF content ON memories BEGIN INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content); INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content); END`,
          `INSERT INTO memories_fts (memories_fts) VALUES ('rebuild')`
        ]
        : [
          `DROP INDEX memories_search`,
          `ALTER TABLE memories DROP COLUMN search`,
          `ALTER TABLE memories ADD COLUMN search TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', content)) STORED`,
          `CREATE INDEX memories_search ON memories USING GIN (search)`
        ])
    ]
  }
]

/**
 * The schema version this code writes and reads.
 *
 * @since 0.1.0
 */
export const latestVersion: number = migrations.at(-1)?.version ?? 0

/**
 * The database was written by a newer version of the code: it is refused, never downgraded.
 *
 * @since 0.1.0
 */
export class NewerSchema extends Data.TaggedError("NewerSchema")<{
  readonly found: number
  readonly supported: number
}> {
  override get message(): string {
    return `the database has schema version ${this.found}, newer than version ${this.supported} this code supports: ` +
      `upgrade @patchbay/sql, or point it at another database`
  }
}

/** A fixed key for PostgreSQL's advisory lock ("patchbay" in ASCII, truncated to fit). */
const advisoryKey = 0x7061746368

/**
 * Applies every pending migration, at most once even when several processes start together;
 * fails with {@link NewerSchema} (as a defect-free typed failure) on a newer database. Returns the
 * versions it applied.
 *
 * @since 0.1.0
 */
export const migrate = (
  dialect: Dialect,
  list: ReadonlyArray<Migration> = migrations
): Effect.Effect<ReadonlyArray<number>, SqlError.SqlError | NewerSchema, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const supported = list.at(-1)?.version ?? 0
    return yield* sql.withTransaction(Effect.gen(function*() {
      if (dialect === "pg") yield* sql.unsafe(`SELECT pg_advisory_xact_lock(${advisoryKey})`)
      yield* sql.unsafe(
        `CREATE TABLE IF NOT EXISTS patchbay_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`
      )
      const rows = yield* sql.unsafe<{ readonly version: number | string | null }>(
        `SELECT MAX(version) AS version FROM patchbay_schema`
      )
      const current = Number(rows[0]?.version ?? 0)
      if (current > supported) return yield* Effect.fail(new NewerSchema({ found: current, supported }))
      const applied: Array<number> = []
      for (const migration of list) {
        if (migration.version <= current) continue
        for (const statement of migration.statements(dialect)) yield* sql.unsafe(statement)
        yield* sql`INSERT INTO patchbay_schema (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${
          new Date().toISOString()
        })`
        applied.push(migration.version)
      }
      return applied
    }))
  })
