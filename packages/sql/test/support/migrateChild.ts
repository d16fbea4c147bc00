/**
 * Run as a child process by the migration tests: says it is loaded (a file `<go>.<pid>`), waits
 * until the go-file argv[3] exists (so two children start together), migrates the SQLite file
 * argv[2], prints the versions it applied as JSON.
 */
import { Effect } from "effect"
import { existsSync, writeFileSync } from "node:fs"
import { migrate } from "../../src/Migrations.ts"
import * as SqliteClient from "../../src/SqliteClient.ts"

const [filename, go] = process.argv.slice(2)
writeFileSync(`${go}.${process.pid}`, "")
while (!existsSync(go!)) await new Promise((resolve) => setTimeout(resolve, 5))
const applied = await Effect.runPromise(
  migrate("sqlite").pipe(Effect.provide(SqliteClient.layer({ filename: filename! })))
)
process.stdout.write(JSON.stringify(applied))
