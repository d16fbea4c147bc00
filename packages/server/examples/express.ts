/**
 * Patchbay mounted in an Express 5 app under `/patchbay`, beside the app's own routes — the code
 * docs/server.md shows, and the one `test/mount/Express.test.ts` serves. `toNodeHandler` is a
 * plain `(req, res)` listener: it reads the request's body itself (so it goes before any body
 * parser, or beside parsers scoped to other routes) and streams its answers. Express strips
 * `/patchbay` from `req.url`; the server matches `basePath` against `req.originalUrl`, so the
 * routes answer under the prefix and media URLs carry it.
 */
import { type NodeHandler, type ServerOptions, toNodeHandler } from "@patchbay/server"
import express, { type Express } from "express"

/** The app, and the mounted server (`await patchbay.ready` to fail fast on a bad database; `patchbay.dispose()` on shutdown). */
export const createApp = (options: ServerOptions): { readonly app: Express; readonly patchbay: NodeHandler } => {
  const patchbay = toNodeHandler({ ...options, basePath: "/patchbay" })
  const app = express()
  app.get("/", (_request, response) => {
    response.send("my app")
  })
  app.use("/patchbay", patchbay.handler)
  return { app, patchbay }
}
