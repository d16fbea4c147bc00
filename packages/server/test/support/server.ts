/**
 * A server under test: fake vendors behind it (core's fakes), in-memory stores shared with the
 * test, and two tenants with a key each. Requests go through `toWebHandler`, or through a real
 * `node:http` server on a loopback port with plain `fetch`.
 */
import { createKey, CurrentTenant, type ModelInfo, Stores } from "@patchbay/core"
import { FakeLlm, type FakeLlmOptions, FakeStt, type FakeSttOptions, FakeTts, type FakeTtsOptions, fakeProvider } from "@patchbay/core/testing"
import { Effect } from "effect"
import { expect } from "vitest"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { type ServerOptions, toNodeHandler, toWebHandler } from "../../src/index.ts"

/** What to script the fakes with, and server options to add. */
export interface ScenarioOptions {
  readonly llm?: FakeLlmOptions
  readonly stt?: FakeSttOptions
  readonly tts?: FakeTtsOptions
  readonly models?: ReadonlyArray<ModelInfo>
  readonly server?: Partial<ServerOptions>
}

/** A fixed secret, so no warning is printed and URLs verify. */
export const mediaSecret = "test-media-secret-0123456789abcdef"

/** The fakes, the stores, and the keys of tenants `acme` and `globex`. */
export const makeScenario = async (options: ScenarioOptions = {}) => {
  const llm = FakeLlm(options.llm)
  const stt = FakeStt(options.stt)
  const tts = FakeTts(options.tts)
  const provider = fakeProvider({ llm, stt, tts, ...(options.models === undefined ? {} : { models: options.models }) })
  const stores = Stores.makeMemory()
  const keyOf = (tenant: string) =>
    Effect.runPromise(createKey({ name: tenant }).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, tenant)))
  const acme = (await keyOf("acme")).plaintext
  const globex = (await keyOf("globex")).plaintext
  const serverOptions: ServerOptions = {
    providers: [provider],
    stores,
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    media: { secret: mediaSecret },
    settings: { retry: { times: 0 } },
    ...options.server
  }
  return { fakes: { llm, stt, tts }, stores, keys: { acme, globex }, serverOptions }
}

/** The requests of a test: `call(path, init)` with a tenant's key unless `key: null`. */
export interface Caller {
  (path: string, init?: RequestInit & { readonly key?: string | null; readonly json?: unknown }): Promise<Response>
}

const caller = (send: (request: Request) => Promise<Response>, base: string, defaultKey: string): Caller => (path, init = {}) => {
  const { json, key, ...rest } = init
  const headers = new Headers(rest.headers)
  const presented = key === undefined ? defaultKey : key
  if (presented !== null && !headers.has("authorization")) headers.set("x-api-key", presented)
  if (json !== undefined) headers.set("content-type", "application/json")
  return send(new Request(`${base}${path}`, { ...rest, headers, ...(json === undefined ? {} : { method: rest.method ?? "POST", body: JSON.stringify(json) }) }))
}

/** A server behind `toWebHandler`. */
export const webServer = async (options: ScenarioOptions = {}) => {
  const scenario = await makeScenario(options)
  const web = toWebHandler(scenario.serverOptions)
  return {
    ...scenario,
    call: caller(web.handler, "http://patchbay.test", scenario.keys.acme),
    as: (key: string) => caller(web.handler, "http://patchbay.test", key),
    dispose: web.dispose
  }
}

/** A server behind `toNodeHandler` on a loopback port, called with plain `fetch`. */
export const nodeServer = async (options: ScenarioOptions = {}) => {
  const scenario = await makeScenario(options)
  const node = toNodeHandler(scenario.serverOptions)
  const server: Server = createServer(node.handler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    ...scenario,
    base,
    call: caller((request) => fetch(request), base, scenario.keys.acme),
    as: (key: string) => caller((request) => fetch(request), base, key),
    dispose: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await node.dispose()
    }
  }
}

/** Reads Server-Sent Events line by line, as a browser's EventSource would: the JSON of each `data:` line. */
export const readEvents = async (response: Response, until?: (event: { readonly type: string }) => boolean) => {
  const events: Array<Record<string, unknown> & { readonly type: string }> = []
  const lines: Array<string> = []
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ""
  for (;;) {
    const next = await reader.read()
    if (next.done) break
    buffer += next.value
    let newline: number
    while ((newline = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      lines.push(line)
      if (line.startsWith("data: ")) {
        const event = JSON.parse(line.slice("data: ".length))
        events.push(event)
        if (until?.(event) === true) {
          await reader.cancel()
          return { events, lines }
        }
      }
    }
  }
  return { events, lines }
}

/** Waits (a few milliseconds at a time, at most 2 s) until `condition` holds: a count, never a duration, is asserted. */
export const until = async (condition: () => boolean) => {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  expect(condition()).toBe(true)
}
