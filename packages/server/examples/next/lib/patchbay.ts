/**
 * The Patchbay server of a Next.js app (App Router), built once per process and shared by the
 * catch-all route handler `app/api/patchbay/[...path]/route.ts` — the code docs/server.md shows,
 * and the one `test/mount/Next.test.ts` serves. Here over the fake vendors of `fake.config.ts`
 * and in-memory stores (exported, so keys can be made in them); an app of your own passes its
 * adapters and `sqlite({ filename })` or `postgres({ url })` from `@patchbay/sql`.
 */
import { Stores } from "@patchbay/core"
import { toWebHandler } from "@patchbay/server"
import config from "../../fake.config.ts"

/** Where threads, runs and keys live. */
export const stores = Stores.makeMemory()

/** The server, answering under the route's folder: `/api/patchbay/threads`, `/api/patchbay/media/…`. */
export const patchbay = toWebHandler({
  ...config,
  stores,
  basePath: "/api/patchbay",
  media: { secret: process.env["PATCHBAY_MEDIA_SECRET"] ?? "example-secret-not-for-production" }
})
