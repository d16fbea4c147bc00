/**
 * `patchbay serve` and `patchbay keys`: the HTTP server of `@patchbay/server` on a port, over a
 * SQLite file (default `patchbay.db`) or PostgreSQL, and the API keys of its tenants in the same
 * database. Both load the server and the SQL stores only when run, so other commands start as
 * fast as before.
 *
 * @since 0.3.0
 */
import type { ServerOptions } from "@patchbay/server"
import type { StoresLayer } from "@patchbay/core"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import type { Io } from "./Context.ts"
import { type Output, usageError } from "./Output.ts"
import { buildProviders } from "./Providers.ts"

/** The usage text of `serve`. */
export const usage = `Usage: patchbay serve [--config patchbay.config.ts] [--port 8787] [--host 127.0.0.1]
                      [--db patchbay.db | --database-url <url>] [--media-dir patchbay-media] [--replay <dir>]

Serves the HTTP API (docs/server.md) until interrupted (Ctrl-C or SIGTERM). Without --config,
every installed adapter is registered, live where its key is in the environment.

Options:
  --config <file>        a module default-exporting defineConfig({ providers, … }) from @patchbay/server
  --port <n>             the port (default 8787; 0 picks a free one)
  --host <host>          the interface (default 127.0.0.1)
  --db <file>            the SQLite file (default patchbay.db), unless the config names stores
  --database-url <url>   PostgreSQL instead of SQLite (set PATCHBAY_MEDIA_SECRET too)
  --media-dir <dir>      where produced media is kept (default patchbay-media)
  --replay <dir>         serve vendor calls from the cassettes in <dir>
`

/** The usage text of `keys`. */
export const keysUsage = `Usage: patchbay keys create --tenant <name> [--name <label>] [--db patchbay.db | --database-url <url>]
       patchbay keys list --tenant <name> [--db … | --database-url …] [--json]
       patchbay keys revoke <key_id> --tenant <name> [--db … | --database-url …]

API keys of the server's tenants, kept hashed in its database: create prints a new key once
(it cannot be shown again); list shows ids, prefixes and whether revoked; revoke ends a key.
`

/** Where the stores live. */
interface StoreFlags {
  readonly db?: string | undefined
  readonly databaseUrl?: string | undefined
}

const storesOf = async (io: Io, flags: StoreFlags): Promise<StoresLayer> => {
  const { postgres, sqlite } = await import("@patchbay/sql")
  if (flags.db !== undefined && flags.databaseUrl !== undefined) throw usageError("give --db or --database-url, not both", "SQLite is a file; PostgreSQL a URL")
  return flags.databaseUrl !== undefined
    ? postgres({ url: flags.databaseUrl })
    : sqlite({ filename: path.resolve(io.cwd, flags.db ?? "patchbay.db") })
}

/** Reads `--port`. @throws CliError (usage) */
const portOf = (value: string | undefined): number => {
  if (value === undefined) return 8787
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > 65535) throw usageError(`--port ${JSON.stringify(value)} is not a port`, "e.g. --port 8787")
  return n
}

/** The options of `serve`. */
export interface ServeFlags extends StoreFlags {
  readonly config?: string | undefined
  readonly port?: string | undefined
  readonly host?: string | undefined
  readonly mediaDir?: string | undefined
  readonly replay?: string | undefined
}

/** Runs `serve` until SIGINT or SIGTERM; returns the exit code. */
export const run = async (io: Io, out: Output, flags: ServeFlags): Promise<number> => {
  const { serve } = await import("@patchbay/server")
  let config: Partial<ServerOptions> = {}
  if (flags.config !== undefined) {
    const loaded = (await import(pathToFileURL(path.resolve(io.cwd, flags.config)).href)) as { readonly default?: ServerOptions }
    if (loaded.default === undefined) throw usageError(`${flags.config} has no default export`, "export default defineConfig({ providers: [...] })")
    config = loaded.default
  }
  const providers = config.providers ?? (io.providers ??
    (await buildProviders({
      env: io.env,
      replayDir: flags.replay === undefined ? undefined : path.resolve(io.cwd, flags.replay),
      fetch: io.fetch
    })).providers)
  const stores = config.stores ?? (await storesOf(io, flags))
  const media = config.media ?? {
    dir: path.resolve(io.cwd, flags.mediaDir ?? "patchbay-media"),
    ...(io.env["PATCHBAY_MEDIA_SECRET"] === undefined ? {} : { secret: io.env["PATCHBAY_MEDIA_SECRET"] })
  }
  const running = await serve({ ...config, providers, stores, media, port: portOf(flags.port), host: flags.host ?? "127.0.0.1" })
  out.line(`listening on ${running.url}`)
  out.progress(`providers: ${providers.map((p) => p.id).join(", ") || "none"}; stop with Ctrl-C`)
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve)
    process.once("SIGTERM", resolve)
  })
  out.progress("stopping…")
  await running.close()
  return 0
}

/** The options of `keys`. */
export interface KeysFlags extends StoreFlags {
  readonly positionals: ReadonlyArray<string>
  readonly tenant?: string | undefined
  readonly name?: string | undefined
}

/** Runs `keys create | list | revoke`; returns the exit code. */
export const runKeys = async (io: Io, out: Output, flags: KeysFlags): Promise<number> => {
  const [action, ...rest] = flags.positionals
  if (action !== "create" && action !== "list" && action !== "revoke") {
    throw usageError(action === undefined ? "keys: missing create, list or revoke" : `keys: unknown action ${JSON.stringify(action)}`, "see `patchbay keys --help`")
  }
  if (flags.tenant === undefined || flags.tenant === "") throw usageError("keys: missing --tenant <name>", "every key belongs to one tenant")
  const { Cause, Effect, Exit } = await import("effect")
  const { createKey, CurrentTenant, KeyStore } = await import("@patchbay/core")
  const stores = await storesOf(io, flags)
  const runIn = async <A>(program: import("effect").Effect.Effect<A, unknown, import("@patchbay/core").KeyStore>): Promise<A> => {
    const exit = await Effect.runPromiseExit(program.pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, flags.tenant!)))
    if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
    return exit.value
  }
  switch (action) {
    case "create": {
      const created = await runIn(createKey({ name: flags.name }))
      out.line(created.plaintext)
      out.progress(`key ${created.key.key_id} for tenant ${flags.tenant}: shown once, keep it now`)
      out.document({ key: created.plaintext, ...created.key })
      return 0
    }
    case "list": {
      const keys = await runIn(KeyStore.use((store) => store.list()))
      for (const key of keys) out.line(`${key.key_id}  ${key.prefix}…  ${key.name ?? "-"}  ${key.revoked_at === null ? "active" : `revoked ${key.revoked_at}`}`)
      out.document(keys)
      return 0
    }
    case "revoke": {
      const keyId = rest[0]
      if (keyId === undefined) throw usageError("keys revoke: missing the key id", "`patchbay keys list --tenant <name>` shows them")
      const revoked = await runIn(KeyStore.use((store) => store.revoke(keyId)))
      out.line(`revoked ${revoked.key_id}`)
      out.document(revoked)
      return 0
    }
  }
}
