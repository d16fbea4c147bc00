/**
 * @patchbay/sql — Patchbay's stores on SQL: `sqlite({ filename })` on Node's built-in
 * `node:sqlite` (the embedded default, no native addon) and `postgres({ url })` on
 * `@effect/sql-pg` (several processes, one database). One schema, our own forward-only
 * migrations (`Migrations`), every row scoped by tenant. The stores keep produced media's
 * metadata too (core's `Stores.MediaMetadata`): `createPatchbay({ stores })` uses it.
 *
 * @since 0.1.0
 */
export * as Migrations from "./Migrations.ts"
export { postgres } from "./Postgres.ts"
export type { PostgresOptions } from "./Postgres.ts"
export { sqlite } from "./Sqlite.ts"
export type { SqliteOptions } from "./Sqlite.ts"
export * as SqliteClient from "./SqliteClient.ts"
