/**
 * `serve(options)`: the server on its own listener, and how it stops — requests in flight get
 * `shutdownGraceMs`, then are cut off, and a run cut off is stored `cancelled`.
 */
import { Assistants, CurrentTenant, StoreUnavailable, type StoresLayer } from "@patchbay/core"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { serve } from "../src/index.ts"
import { makeScenario, readEvents, until } from "./support/server.ts"

describe("serve", () => {
  it("listens, answers, and on close cuts off a run past the grace period, which ends cancelled", async () => {
    const scenario = await makeScenario({ llm: { firstToken: "1 hour" } })
    const running = await serve({ ...scenario.serverOptions, port: 0, shutdownGraceMs: 20 })
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(await (await fetch(`${running.url}/health`)).json()).toEqual({ status: "ok" })
    const response = await fetch(`${running.url}/threads/messages`, {
      method: "POST",
      headers: { "x-api-key": scenario.keys.acme, "content-type": "application/json" },
      body: JSON.stringify({ content: "Hi", stream: true })
    })
    const { events } = await readEvents(response, (e) => e.type === "run_started")
    await until(() => scenario.fakes.llm.log.requests.length === 1)
    await running.close()
    const run = await Effect.runPromise(
      Assistants.getRun(events[0]!["run_id"] as string).pipe(Effect.provide(scenario.stores), Effect.provideService(CurrentTenant, "acme"))
    )
    expect(run.status).toBe("cancelled")
    expect(scenario.fakes.llm.log.outcomes).toEqual(["interrupted"])
    await expect(fetch(`${running.url}/health`)).rejects.toThrow()
  })

  it("a store that cannot be opened fails the start with its error", async () => {
    const scenario = await makeScenario()
    // stores that fail before providing anything, as a database that cannot be opened
    const broken: StoresLayer = Layer.effectDiscard(Effect.fail(new StoreUnavailable({ store: "patchbay.db", detail: "the file is not a database", retryable: false }))) as never
    await expect(serve({ ...scenario.serverOptions, stores: broken, port: 0 })).rejects.toMatchObject({
      _tag: "StoreUnavailable",
      store: "patchbay.db",
      detail: "the file is not a database"
    })
  })
})
