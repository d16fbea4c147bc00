/**
 * The server assembled: the declaration's routes (`Handlers`), `/openapi.json`, `/docs`, and
 * one middleware in front of every route that gives each response its `x-request-id`, answers
 * CORS preflights, refuses oversized headers (431), learns the tenant from the API key (or the
 * `authenticate` option) and answers every failure with its JSON error body. Then the ways to
 * mount it: {@link layer} for Effect apps, {@link toWebHandler} for fetch-style servers,
 * {@link toNodeHandler} for `node:http` and Express.
 *
 * @since 0.1.0
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Api, HeadersTooLarge, Unauthorized } from "@patchbay/api"
import { CurrentTenant, KeyStore, MediaStore, servicesLayer, settingsOf } from "@patchbay/core"
import { Effect, Layer, ManagedRuntime, Scope } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import * as NodeWS from "@effect/platform-node/NodeWS"
import type { Buffer } from "node:buffer"
import type * as Http from "node:http"
import type { Duplex } from "node:stream"
import { type Config, groups } from "./Handlers.ts"
import { defaultLimits, type Limits } from "./Limits.ts"
import type { ServerOptions } from "./Options.ts"
import { layerTokens, RealtimeTokens } from "./Realtime.ts"
import { answerFailures } from "./Respond.ts"

/** The prefix without a trailing slash (`""` for none). */
const normalizeBase = (basePath: string | undefined): string => {
  if (basePath === undefined || basePath === "" || basePath === "/") return ""
  const withSlash = basePath.startsWith("/") ? basePath : `/${basePath}`
  return withSlash.endsWith("/") ? withSlash.slice(0, -1) : withSlash
}

/**
 * The services of the options, built as `createPatchbay` builds them (registry, stores, media
 * store, runs in flight, the sweep of runs, memory writes); media URLs include the base path.
 */
const services = (options: ServerOptions) => {
  const base = normalizeBase(options.basePath)
  const baseUrl = options.media?.baseUrl ?? (base === "" ? undefined : base)
  return servicesLayer({ ...options, media: { ...options.media, ...(baseUrl === undefined ? {} : { baseUrl }) } })
}

/** Routes that need no key: health, the OpenAPI document and its page, and signed media. */
const isPublic = (method: string, url: URL): boolean =>
  url.pathname === "/health" ||
  url.pathname === "/openapi.json" ||
  url.pathname === "/docs" ||
  (url.pathname.startsWith("/media/") && (url.searchParams.has("sig") || url.searchParams.has("exp")) && (method === "GET" || method === "HEAD"))

/** The key a request presents: `X-API-Key`, else `Authorization: Bearer`. */
const presentedKey = (headers: Readonly<Record<string, string | undefined>>): string | undefined => {
  const apiKey = headers["x-api-key"]?.trim()
  if (apiKey !== undefined && apiKey !== "") return apiKey
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers["authorization"] ?? "")
  return match?.[1]
}

/** A request id of the client's we keep: short, printable, no spaces. */
const requestIdOf = (header: string | undefined): string =>
  header !== undefined && /^[\x21-\x7e]{1,128}$/.test(header) ? header : `req_${crypto.randomUUID().replaceAll("-", "")}`

/** The middleware in front of every route. */
const middleware = (options: ServerOptions, limits: Limits) =>
  HttpRouter.middleware(
    Effect.gen(function*() {
      const keys = yield* KeyStore
      const tokens = yield* RealtimeTokens
      const origins = options.cors?.origins
      const corsHeaders = (origin: string | undefined): Record<string, string> => {
        if (origins === undefined || origin === undefined) return {}
        if (origins !== "*" && !origins.includes(origin)) return {}
        return { "access-control-allow-origin": origins === "*" ? "*" : origin, "access-control-expose-headers": "x-request-id, x-should-retry, x-patchbay-warnings, retry-after", vary: "Origin" }
      }
      const tenantOf = (request: HttpServerRequest.HttpServerRequest, url: URL) =>
        Effect.gen(function*() {
          if (options.authenticate !== undefined) {
            const web = new Request(url, { method: request.method, headers: request.headers as Record<string, string> })
            const tenant = yield* Effect.promise(async () => options.authenticate!(web))
            return tenant === undefined ? yield* new Unauthorized({ reason: presentedKey(request.headers) === undefined ? "missing" : "invalid" }) : tenant
          }
          const key = presentedKey(request.headers)
          // A browser's WebSocket cannot send headers: a single-use token stands in for the key.
          const token = url.pathname === "/realtime/stt" ? url.searchParams.get("token") : null
          if (key === undefined && token !== null) return yield* tokens.redeem(token)
          if (key === undefined) return yield* new Unauthorized({ reason: "missing" })
          // The store looks keys up by their SHA-256 hash: the plaintext is never compared.
          const found = yield* keys.resolve(key).pipe(Effect.catchTag("NotFound", () => Effect.fail(new Unauthorized({ reason: "invalid" }))))
          return found.tenant_id
        })
      return (app) =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const requestId = requestIdOf(request.headers["x-request-id"])
          const url = new URL(request.url, "http://localhost")
          const cors = corsHeaders(request.headers["origin"])
          if (request.method === "OPTIONS" && origins !== undefined && request.headers["access-control-request-method"] !== undefined) {
            return HttpServerResponse.empty({
              status: 204,
              headers: {
                ...cors,
                ...(cors["access-control-allow-origin"] === undefined ? {} : {
                  "access-control-allow-methods": "GET, HEAD, POST, PUT, DELETE, OPTIONS",
                  "access-control-allow-headers": request.headers["access-control-request-headers"] ?? "content-type, x-api-key, authorization",
                  "access-control-max-age": "600"
                }),
                "x-request-id": requestId
              }
            })
          }
          const response = yield* answerFailures(Effect.gen(function*() {
            const headerBytes = Object.entries(request.headers).reduce((n, [k, v]) => n + k.length + String(v).length + 4, 0)
            if (headerBytes > limits.maxHeaderBytes) return yield* new HeadersTooLarge({ limit: limits.maxHeaderBytes, size: headerBytes })
            if (isPublic(request.method, url)) return yield* app
            const tenant = yield* tenantOf(request, url)
            return yield* Effect.provideService(app, CurrentTenant, tenant)
          })).pipe(Effect.annotateLogs({ request_id: requestId }))
          return HttpServerResponse.setHeaders(response, { ...cors, "x-request-id": requestId })
        }) as Effect.Effect<HttpServerResponse.HttpServerResponse, Effect.Error<typeof app>, HttpServerRequest.HttpServerRequest>
    }),
    { global: true }
  )

/**
 * The server as a layer of routes for effect's `HttpRouter`: serve it with
 * `HttpRouter.serve(layer(options))` over `NodeHttpServer.layer(…)`, or merge it with your own
 * routes. It provides its own services (registry, stores, media).
 *
 * @category layers
 */
export const layer = (options: ServerOptions) => {
  const limits: Limits = { ...defaultLimits, ...options.limits }
  const config: Config = { settings: settingsOf(options), limits }
  const api = HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(Layer.provide(groups(config)))
  return Layer.mergeAll(api, HttpApiScalar.layer(Api, { path: "/docs" }), middleware(options, limits)).pipe(
    Layer.provide(Layer.merge(services(options), layerTokens({ ttlSeconds: options.realtime?.tokenTtlSeconds })))
  )
}

/** Strips `base` from a request path; undefined when the path is not under it. */
const stripBase = (base: string, pathAndQuery: string): string | undefined => {
  if (base === "") return pathAndQuery
  if (pathAndQuery === base || pathAndQuery.startsWith(`${base}/`) || pathAndQuery.startsWith(`${base}?`)) {
    const rest = pathAndQuery.slice(base.length)
    return rest === "" || rest.startsWith("?") ? `/${rest}` : rest
  }
  return undefined
}

/** A mounted server: its handler and how to release it (open files, timers, database connections). */
export interface WebHandler {
  readonly handler: (request: Request) => Promise<Response>
  readonly dispose: () => Promise<void>
}

/**
 * The server as a fetch-style handler, `(Request) => Promise<Response>`, for Hono, Next.js,
 * Bun, Deno or `node:http` through an adapter. Responses stream (Server-Sent Events, media).
 *
 * @category mounting
 */
export const toWebHandler = (options: ServerOptions): WebHandler => {
  const base = normalizeBase(options.basePath)
  const web = HttpRouter.toWebHandler(layer(options).pipe(Layer.provide(NodeHttpServer.layerHttpServices)), { disableLogger: true })
  /**
   * A caller that stops reading events has gone away as surely as one that aborts its request:
   * cancelling an event stream aborts the request, so the run is cancelled as on a disconnect.
   */
  const forward = async (request: Request, url: URL): Promise<Response> => {
    const stop = new AbortController()
    const init = { signal: AbortSignal.any([request.signal, stop.signal]), duplex: "half" } as RequestInit
    const response = await web.handler(new Request(url, new Request(request, init)))
    if (response.body === null || response.headers.get("content-type") !== "text/event-stream") return response
    const reader = response.body.getReader()
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const next = await reader.read()
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      },
      cancel: async (reason) => {
        stop.abort(reason)
        await reader.cancel(reason).catch(() => undefined)
      }
    })
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
  }
  return {
    handler: (request) => {
      const url = new URL(request.url)
      if (base === "") return forward(request, url)
      const rest = stripBase(base, url.pathname + url.search)
      if (rest === undefined) return Promise.resolve(Response.json({ detail: `Not under ${base}`, code: "RouteNotFound", retryable: false }, { status: 404, headers: { "x-should-retry": "false" } }))
      return forward(request, new URL(rest, url.origin))
    },
    dispose: web.dispose
  }
}

/** A mounted server for `node:http`: its request listener and how to release it. */
export interface NodeHandler {
  readonly handler: (request: Http.IncomingMessage, response: Http.ServerResponse) => void
  /**
   * The server's `upgrade` listener, for the realtime WebSocket (`GET /realtime/stt`):
   * `server.on("upgrade", node.upgrade)`. `serve` wires it itself.
   */
  readonly upgrade: (request: Http.IncomingMessage, socket: Duplex, head: Buffer) => void
  /** Settles once the services are built; rejects with the failure (e.g. `StoreUnavailable`) when they cannot be. */
  readonly ready: Promise<void>
  readonly dispose: () => Promise<void>
}

/**
 * The server as a `node:http` request listener (also an Express handler), streaming both ways:
 * uploads are read as they arrive and events are written as they happen; a client that goes
 * away interrupts its request (and so cancels a run it was streaming). Under `basePath`, a
 * request's `originalUrl` (Express, Connect) is preferred to its `url`, so
 * `app.use(basePath, handler)` works.
 *
 * @category mounting
 */
export const toNodeHandler = (options: ServerOptions): NodeHandler => {
  const base = normalizeBase(options.basePath)
  const runtime = ManagedRuntime.make(NodeHttpServer.layerHttpServices)
  const scope = Effect.runSync(Scope.make())
  type Handlers = {
    readonly request: (req: Http.IncomingMessage, res: Http.ServerResponse) => void
    readonly upgrade: (req: Http.IncomingMessage, socket: Duplex, head: Buffer) => void
  }
  const ready = runtime.runPromise(
    Effect.gen(function*() {
      const app = yield* HttpRouter.toHttpEffect(layer(options)).pipe(Scope.provide(scope))
      // One WebSocket server (without a listener of its own) for every upgrade, closed with the scope.
      const wss = yield* Effect.cached(
        Effect.acquireRelease(
          Effect.sync(() => new NodeWS.WebSocketServer({ noServer: true })),
          (server) => Effect.callback<void>((resume) => server.close(() => resume(Effect.void)))
        ).pipe(Scope.provide(scope))
      )
      const request = yield* NodeHttpServer.makeHandler(app, { scope })
      const upgrade = yield* NodeHttpServer.makeUpgradeHandler(wss, app, { scope })
      return { request, upgrade }
    }).pipe(Effect.provideService(Scope.Scope, scope)) as Effect.Effect<Handlers>
  )
  const started = ready.then(() => undefined)
  // Marked handled here: a caller that never awaits `ready` learns of a failure from the 503s.
  started.catch(() => undefined)
  return {
    handler: (request, response) => {
      if (base !== "") {
        // Express and Connect strip the prefix of `app.use("/patchbay", …)` from `url` and keep
        // the path as it arrived in `originalUrl`: the base path is matched against that one.
        const rest = stripBase(base, (request as { readonly originalUrl?: string }).originalUrl ?? request.url ?? "/")
        if (rest === undefined) {
          response.writeHead(404, { "content-type": "application/json", "x-should-retry": "false" })
          response.end(JSON.stringify({ detail: `Not under ${base}`, code: "RouteNotFound", retryable: false }))
          return
        }
        request.url = rest
      }
      ready.then((handle) => handle.request(request, response), () => {
        // The services could not be built (`ready` rejected with why): every request answers 503.
        response.writeHead(503, { "content-type": "application/json", "x-should-retry": "true" })
        response.end(JSON.stringify({ detail: "The server could not start its services", code: "StoreUnavailable", retryable: true }))
      })
    },
    upgrade: (request, socket, head) => {
      if (base !== "") {
        const rest = stripBase(base, request.url ?? "/")
        if (rest === undefined) return void socket.destroy()
        request.url = rest
      }
      ready.then((handle) => handle.upgrade(request, socket, head), () => socket.destroy())
    },
    ready: started,
    dispose: async () => {
      await ready.catch(() => undefined)
      await Effect.runPromise(Scope.close(scope, { _tag: "Success", value: undefined } as never))
      await runtime.dispose()
    }
  }
}
