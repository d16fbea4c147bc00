/**
 * The server over core's fake vendors (those of `fake.config.ts`), for trying the routes with
 * curl without any vendor key and without the `patchbay` command: the answers are the fakes' (an
 * LLM that calls the first tool offered, answers from memory or greets; an STT that says "Hello
 * there."; a TTS of silent mp3), everything else — keys, tenants, stores, uploads, events,
 * errors, memory — is the real server. Prints a key for the tenant `demo`, then listens on PORT
 * (default 8787) on loopback. `patchbay serve --config packages/server/examples/fake.config.ts`
 * serves the same over a SQLite file.
 *
 *   node packages/server/examples/fake.ts
 */
import { createKey, CurrentTenant, Stores } from "@patchbay/core"
import { Effect } from "effect"
import { createServer } from "node:http"
import { toNodeHandler } from "../src/index.ts"
import config from "./fake.config.ts"

const stores = Stores.makeMemory()
const { plaintext } = await Effect.runPromise(createKey({ name: "demo" }).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "demo")))

const { handler } = toNodeHandler({
  ...config,
  stores,
  media: { secret: process.env["PATCHBAY_MEDIA_SECRET"] ?? "example-secret-not-for-production" }
})
const port = Number(process.env["PORT"] ?? 8787)
createServer(handler).listen(port, "127.0.0.1", () => {
  console.log(`PATCHBAY_KEY=${plaintext}`)
  console.log(`listening on http://127.0.0.1:${port}`)
})
