/**
 * `serve(options)`: the server on its own `node:http` listener, as `patchbay serve` runs it,
 * and `defineConfig(options)`, what a `patchbay.config.ts` default-exports.
 *
 * @since 0.1.0
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import type { ServerOptions } from "./Options.ts"
import { toNodeHandler } from "./Server.ts"

/** The options of a `patchbay.config.ts`: the server's options, typed. */
export const defineConfig = (options: ServerOptions): ServerOptions => options

/** Where {@link serve} listens. */
export interface ServeOptions extends ServerOptions {
  /** Default 8787; 0 picks a free port. */
  readonly port?: number | undefined
  /** Default `127.0.0.1`. */
  readonly host?: string | undefined
}

/**
 * A running server: its address, and how to stop it: no new connections, requests in flight
 * given `shutdownGraceMs` to finish, then cut off (a run cut off ends `cancelled`), stores released.
 */
export interface Running {
  readonly url: string
  readonly close: () => Promise<void>
}

/**
 * Starts the server on `host:port` and resolves once it listens.
 *
 * @category mounting
 */
export const serve = async (options: ServeOptions): Promise<Running> => {
  const { host = "127.0.0.1", port = 8787, ...server } = options
  const node = toNodeHandler(server)
  // A store that cannot be opened fails the start, not every request.
  await node.ready.catch(async (error: unknown) => {
    await node.dispose().catch(() => undefined)
    throw error
  })
  const listener = createServer(node.handler)
  listener.on("upgrade", node.upgrade)
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject)
    listener.listen(port, host, () => resolve())
  })
  const address = listener.address() as AddressInfo
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address
  return {
    url: `http://${shown}:${address.port}`,
    close: async () => {
      // No new connections, idle ones closed; requests in flight get the grace period, then are cut off.
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()))
      listener.closeIdleConnections()
      let timer: ReturnType<typeof setTimeout> | undefined
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.shutdownGraceMs ?? 30_000)))
      await Promise.race([closed, grace])
      clearTimeout(timer)
      listener.closeAllConnections()
      await closed
      await node.dispose()
    }
  }
}
