/**
 * Server options: `authenticate` for backends with their own auth, `basePath` for a server
 * mounted under a prefix, and CORS with preflights that need no key.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import { layer, toNodeHandler } from "../src/index.ts"
import { makeScenario, nodeServer, webServer } from "./support/server.ts"

describe("authenticate", () => {
  it("names the tenant from the request; undefined is a 401", async () => {
    const s = await webServer({
      server: { authenticate: (request) => (request.headers.get("x-session") === "alice" ? "acme" : undefined) }
    })
    try {
      const thread = await (await s.call("/threads/messages", { key: null, headers: { "x-session": "alice" }, json: { content: "Hi" } })).json()
      expect((await s.call(`/threads/${thread.thread_id}`, { key: null, headers: { "x-session": "alice" } })).status).toBe(200)
      const refused = await s.call("/threads", { key: null, headers: { "x-session": "mallory" } })
      expect(refused.status).toBe(401)
      expect(await refused.json()).toMatchObject({ code: "Unauthorized", reason: "missing" })
      const keyed = await s.call("/threads", { headers: { "x-session": "mallory" } })
      expect(await keyed.json()).toMatchObject({ code: "Unauthorized", reason: "invalid" })
    } finally {
      await s.dispose()
    }
  })
})

describe("basePath", () => {
  it("routes answer under the prefix, and media URLs include it (web handler)", async () => {
    const s = await webServer({ server: { basePath: "/api/" } })
    try {
      expect((await s.call("/api/health", { key: null })).status).toBe(200)
      const outside = await s.call("/health", { key: null })
      expect(outside.status).toBe(404)
      expect(await outside.json()).toEqual({ detail: "Not under /api", code: "RouteNotFound", retryable: false })
      const spoken = await (await s.call("/api/threads/messages", {
        json: { content: "Hi", send_to_llm: false, voice: { tts: { provider: "fake", model: "fake-tts", voice: "ada" } } }
      })).json()
      expect(spoken.attachments[0].url).toMatch(/^\/api\/media\/doc_/)
      expect((await s.call(spoken.attachments[0].url, { key: null })).status).toBe(200)
    } finally {
      await s.dispose()
    }
  })

  it("and over node:http", async () => {
    const s = await nodeServer({ server: { basePath: "/api" } })
    try {
      expect(await (await s.call("/api/health", { key: null })).json()).toEqual({ status: "ok" })
      expect((await s.call("/threads", {})).status).toBe(404)
      expect((await s.call("/api/threads", {})).status).toBe(200)
    } finally {
      await s.dispose()
    }
  })

  it("a request whose url lost the prefix keeps it in originalUrl, as Express's app.use leaves it", async () => {
    const scenario = await makeScenario({ server: { basePath: "/api" } })
    const node = toNodeHandler(scenario.serverOptions)
    // What `app.use("/api", handler)` does before calling the handler.
    const server = createServer((request, response) => {
      const original = request.url ?? "/"
      Object.assign(request, { originalUrl: original, url: original.slice("/api".length) || "/" })
      node.handler(request, response)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const threads = await fetch(`${base}/api/threads?limit=1`, { headers: { "x-api-key": scenario.keys.acme } })
      expect([threads.status, await threads.json()]).toEqual([200, []])
      const outside = await fetch(`${base}/threads`, { headers: { "x-api-key": scenario.keys.acme } })
      expect([outside.status, await outside.json()]).toEqual([404, { detail: "Not under /api", code: "RouteNotFound", retryable: false }])
    } finally {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await node.dispose()
    }
  })
})

describe("cors", () => {
  it("answers preflights without a key, and allows the origin on responses", async () => {
    const s = await webServer({ server: { cors: { origins: ["https://app.example"] } } })
    try {
      const preflight = await s.call("/threads/messages", {
        method: "OPTIONS",
        key: null,
        headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type, x-api-key" }
      })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example")
      expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type, x-api-key")
      expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, HEAD, POST, PUT, DELETE, OPTIONS")
      const response = await s.call("/threads", { headers: { origin: "https://app.example" } })
      expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example")
      expect(response.headers.get("access-control-expose-headers")).toContain("x-request-id")
      const stranger = await s.call("/threads", { headers: { origin: "https://evil.example" } })
      expect(stranger.headers.get("access-control-allow-origin")).toBeNull()
    } finally {
      await s.dispose()
    }
  })
})

describe("layer", () => {
  it("mounts beside an Effect app's own routes", async () => {
    const scenario = await makeScenario()
    const mine = HttpRouter.add("GET", "/mine", Effect.succeed(HttpServerResponse.text("my route")))
    const app = HttpRouter.toWebHandler(Layer.mergeAll(layer(scenario.serverOptions), mine).pipe(Layer.provide(NodeHttpServer.layerHttpServices)), {
      disableLogger: true
    })
    try {
      expect(await (await app.handler(new Request("http://app.test/mine", { headers: { "x-api-key": scenario.keys.acme } }))).text()).toBe("my route")
      const threads = await app.handler(new Request("http://app.test/threads", { headers: { "x-api-key": scenario.keys.acme } }))
      expect([threads.status, await threads.json()]).toEqual([200, []])
    } finally {
      await app.dispose()
    }
  })
})
