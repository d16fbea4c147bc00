/**
 * The options of the server, shared by every way it mounts (`layer`, `toWebHandler`,
 * `toNodeHandler`). They are `createPatchbay`'s — providers, defaults, stores, media — plus
 * what only a server has: how callers authenticate, CORS, a base path and limits.
 *
 * @since 0.1.0
 */
import type { PatchbayOptions, PatchbayProvider, StoresLayer } from "@patchbay/core"
import type { Limits } from "./Limits.ts"

/** Options of the server. */
export interface ServerOptions {
  readonly providers: ReadonlyArray<PatchbayProvider>
  /** Used when neither the request, its thread nor its assistant names an LLM. */
  readonly defaults?: PatchbayOptions["defaults"]
  /** Where threads, assistants, runs and keys live: `sqlite({ filename })` or `postgres({ url })`; absent, memory. */
  readonly stores?: StoresLayer | undefined
  /** Where produced media lives (a directory, else memory), its URL prefix and signing secret. */
  readonly media?: PatchbayOptions["media"]
  /** Pipeline tunables, as `createPatchbay`'s `settings` (e.g. `{ runs: { leaseMs, pausedTtlMs } }`). */
  readonly settings?: PatchbayOptions["settings"]
  /**
   * The prefix the server is mounted under (e.g. `/api`): routes answer under it, and media URLs
   * include it.
   */
  readonly basePath?: string | undefined
  /**
   * Who is calling: the tenant id, or undefined for a 401. Default: a Patchbay key (`X-API-Key`
   * or `Authorization: Bearer`) looked up in the `KeyStore`.
   */
  readonly authenticate?: ((request: Request) => string | undefined | Promise<string | undefined>) | undefined
  /** Cross-origin callers allowed (`"*"` for any); preflights need no key. */
  readonly cors?: { readonly origins: ReadonlyArray<string> | "*" } | undefined
  readonly limits?: Partial<Limits> | undefined
  /** Realtime speech-to-text: how long a token of `POST /realtime/tokens` stays valid (default 60 s). */
  readonly realtime?: { readonly tokenTtlSeconds?: number | undefined } | undefined
  /**
   * How long `serve`'s `close()` (SIGTERM under `patchbay serve`) lets requests in flight finish
   * before it cuts them off (default 30 s); a run cut off ends `cancelled`.
   */
  readonly shutdownGraceMs?: number | undefined
}
