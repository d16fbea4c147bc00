/**
 * Patchbay mounted in a Hono 4 app under `/patchbay`, beside the app's own routes — the code
 * docs/server.md shows, and the one `test/mount/Hono.test.ts` serves with `@hono/node-server`.
 * `toWebHandler` takes the request whole (`c.req.raw`: its body unread, so uploads stream) and
 * answers a `Response` Hono sends as it is (events stream). `basePath` is the prefix, so the
 * routes answer under it and media URLs carry it.
 */
import { type ServerOptions, toWebHandler } from "@patchbay/server"
import { Hono } from "hono"

/** The app, and the mounted server (`patchbay.dispose()` on shutdown). */
export const createApp = (options: ServerOptions) => {
  const patchbay = toWebHandler({ ...options, basePath: "/patchbay" })
  const app = new Hono()
  app.get("/", (c) => c.text("my app"))
  app.all("/patchbay/*", (c) => patchbay.handler(c.req.raw))
  return { app, patchbay }
}
