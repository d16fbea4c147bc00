/**
 * A Next.js route handler (`examples/next/app/api/patchbay/[...path]/route.ts`, a plain module
 * of `(Request) => Promise<Response>` per method), served as Next.js would route to it: every
 * path under `/api/patchbay/` goes to the export named by the method, through
 * `@hono/node-server`'s `getRequestListener` (node:http ↔ `Request`/`Response`) on a loopback port.
 */
import { getRequestListener } from "@hono/node-server"
import { createKey, CurrentTenant } from "@patchbay/core"
import { Effect } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import * as route from "../../examples/next/app/api/patchbay/[...path]/route.ts"
import { patchbay, stores } from "../../examples/next/lib/patchbay.ts"
import { mountedSuite } from "./suite.ts"

/** The exports of a route module Next.js calls, by method. */
const methods: Record<string, ((request: Request) => Promise<Response>) | undefined> = {
  GET: route.GET,
  HEAD: route.HEAD,
  POST: route.POST,
  PUT: route.PUT,
  DELETE: route.DELETE,
  OPTIONS: route.OPTIONS
}

/** Next.js's routing, as far as this app goes: the catch-all folder's paths to the module, the rest 404. */
const next = async (request: Request): Promise<Response> => {
  const { pathname } = new URL(request.url)
  if (!pathname.startsWith("/api/patchbay/")) return new Response("This page could not be found.", { status: 404 })
  const handler = methods[request.method]
  return handler === undefined ? new Response(null, { status: 405 }) : handler(request)
}

describe("Next.js route handler", () => {
  let origin = ""
  mountedSuite(async () => {
    const { plaintext } = await Effect.runPromise(createKey({ name: "next" }).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "acme")))
    const server = createServer(getRequestListener(next))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return {
      origin,
      prefix: "/api/patchbay",
      key: plaintext,
      close: async () => {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await patchbay.dispose()
      }
    }
  })

  it("the module runs on Node.js and exports every method the API uses", () => {
    expect(route.runtime).toBe("nodejs")
    expect(Object.entries(methods).filter(([, handler]) => handler === undefined)).toEqual([])
  })
})
