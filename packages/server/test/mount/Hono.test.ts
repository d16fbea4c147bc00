/**
 * `toWebHandler` mounted under `/patchbay` in a Hono 4 app (`examples/hono.ts`), served by
 * `@hono/node-server` on a loopback port and driven over HTTP.
 */
import { serve } from "@hono/node-server"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import { createApp } from "../../examples/hono.ts"
import { makeScenario } from "../support/server.ts"
import { mountedSuite, stalledProvider } from "./suite.ts"

describe("Hono", () => {
  let origin = ""
  mountedSuite(async () => {
    const scenario = await makeScenario()
    const { app, patchbay } = createApp({ ...scenario.serverOptions, providers: [...scenario.serverOptions.providers, stalledProvider()] })
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started))
    })
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return {
      origin,
      prefix: "/patchbay",
      key: scenario.keys.acme,
      sttBytesRead: scenario.fakes.stt.bytesRead,
      close: async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await patchbay.dispose()
      }
    }
  }, { stalled: true })

  it("the app's own routes still answer; paths outside the prefix are Hono's", async () => {
    expect(await (await fetch(`${origin}/`)).text()).toBe("my app")
    expect((await fetch(`${origin}/threads`)).status).toBe(404)
  })
})
