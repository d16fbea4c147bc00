/**
 * @patchbay/server — Patchbay's HTTP API (`@patchbay/api`) served over the same pipeline and
 * stores as `createPatchbay`: assistants, threads, messages with streamed audio uploads,
 * Server-Sent Events, run controls and media, with tenants and API keys.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http"
 * import { toNodeHandler } from "@patchbay/server"
 * const { handler } = toNodeHandler({ providers: [openai()] })
 * createServer(handler).listen(8787)
 * ```
 * @since 0.1.0
 */
export { layer, toNodeHandler, toWebHandler } from "./Server.ts"
export { defineConfig, serve } from "./Serve.ts"
export type { Running, ServeOptions } from "./Serve.ts"
export type { NodeHandler, WebHandler } from "./Server.ts"
export type { ServerOptions } from "./Options.ts"
export { defaultLimits } from "./Limits.ts"
export type { Limits } from "./Limits.ts"
export { parseRange } from "./Media.ts"
