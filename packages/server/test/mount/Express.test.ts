/**
 * `toNodeHandler` mounted under `/patchbay` in an Express 5 app (`examples/express.ts`) with
 * `app.use`, listening on a loopback port and driven over HTTP.
 */
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import { createApp } from "../../examples/express.ts"
import { makeScenario } from "../support/server.ts"
import { mountedSuite, stalledProvider } from "./suite.ts"

describe("Express", () => {
  let origin = ""
  mountedSuite(async () => {
    const scenario = await makeScenario()
    const { app, patchbay } = createApp({ ...scenario.serverOptions, providers: [...scenario.serverOptions.providers, stalledProvider()] })
    await patchbay.ready
    const server = await new Promise<Server>((resolve) => {
      const started = app.listen(0, "127.0.0.1", () => resolve(started))
    })
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return {
      origin,
      prefix: "/patchbay",
      key: scenario.keys.acme,
      sttBytesRead: scenario.fakes.stt.bytesRead,
      close: async () => {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await patchbay.dispose()
      }
    }
  }, { stalled: true })

  it("the app's own routes still answer; paths outside the prefix are Express's", async () => {
    expect(await (await fetch(`${origin}/`)).text()).toBe("my app")
    const outside = await fetch(`${origin}/threads`)
    expect(outside.status).toBe(404)
    expect(outside.headers.get("content-type")).toMatch(/^text\/html/)
  })
})
