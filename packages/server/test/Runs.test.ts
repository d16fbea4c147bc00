/**
 * Run controls: a run paused for tool outputs, resumed through each of the three routes (JSON
 * and streaming), cancelled while paused and while running.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { readEvents, until, webServer } from "./support/server.ts"
import { weatherReply, weatherTool } from "./support/tools.ts"

let s: Awaited<ReturnType<typeof webServer>>
beforeEach(async () => {
  s = await webServer({ llm: { reply: weatherReply } })
})
afterEach(() => s.dispose())

/** A run paused for the `get_weather` call. */
const paused = async () => {
  const response = await (await s.call("/threads/messages", { json: { content: "Weather in Oslo?", tools: [weatherTool] } })).json()
  expect(response).toMatchObject({
    status: "requires_action",
    tool_calls: [{ id: "call_w", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } }]
  })
  return response as { run_id: string; thread_id: string }
}

const outputs = { tool_outputs: [{ tool_call_id: "call_w", output: "sunny" }] }

describe("tool outputs", () => {
  it("a paused run reads requires_action with its tool calls and expiry", async () => {
    const run = paused()
    const { run_id, thread_id } = await run
    const record = await (await s.call(`/runs/${run_id}`)).json()
    expect(record).toMatchObject({ run_id, thread_id, status: "requires_action", reason: null, tool_calls: [{ id: "call_w" }] })
    expect(typeof record.expires_at).toBe("string")
  })

  it("POST /runs/{run_id}/submit-tool-outputs resumes it", async () => {
    const { run_id } = await paused()
    const response = await s.call(`/runs/${run_id}/submit-tool-outputs`, { json: outputs })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ run_id, status: "completed", content: "It is sunny in Oslo." })
    expect((await (await s.call(`/runs/${run_id}`)).json()).status).toBe("completed")
  })

  it("POST /threads/{id}/runs/{run_id}/submit-tool-outputs?stream=true resumes it as events", async () => {
    const { run_id, thread_id } = await paused()
    const response = await s.call(`/threads/${thread_id}/runs/${run_id}/submit-tool-outputs?stream=true`, { json: outputs })
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const { events } = await readEvents(response)
    expect(events.map((e) => e.type)).toEqual(["run_started", ...Array(5).fill("content_streaming"), "run_ended"])
    expect(events.every((e) => e["run_id"] === run_id)).toBe(true)
    expect(events.at(-1)).toMatchObject({ status: "completed" })
  })

  it("POST /threads/tool-outputs finds the thread's paused run", async () => {
    const { run_id, thread_id } = await paused()
    const response = await s.call("/threads/tool-outputs", { json: { thread_id, ...outputs } })
    expect(await response.json()).toMatchObject({ run_id, thread_id, status: "completed", content: "It is sunny in Oslo." })
  })

  it("a thread with no paused run: 400 naming thread_id", async () => {
    const { thread_id } = await (await s.call("/threads/messages", { json: { content: "Hi" } })).json()
    const response = await s.call("/threads/tool-outputs", { json: { thread_id, ...outputs } })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      detail: "Invalid request at thread_id: the thread has no run waiting for tool outputs",
      code: "InvalidRequest",
      retryable: false,
      field: "thread_id",
      value: thread_id,
      reason: "the thread has no run waiting for tool outputs"
    })
  })

  it("an output for a call that is not pending: 400 naming it", async () => {
    const { run_id } = await paused()
    const response = await s.call(`/runs/${run_id}/submit-tool-outputs`, { json: { tool_outputs: [{ tool_call_id: "call_x", output: "?" }] } })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: "InvalidRequest", field: "tool_outputs[0].tool_call_id", value: "call_x", allowed: ["call_w"] })
  })

  it("a run of another thread under /threads/{id}/runs: 404", async () => {
    const { run_id } = await paused()
    const other = await (await s.call("/assistants/asst_default/threads", { json: {} })).json()
    const response = await s.call(`/threads/${other.thread_id}/runs/${run_id}`)
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ code: "NotFound", kind: "run", id: run_id })
  })
})

describe("cancel", () => {
  it("cancelling a paused run ends it; it takes no outputs after", async () => {
    const { run_id, thread_id } = await paused()
    const cancelled = await s.call(`/threads/${thread_id}/runs/${run_id}/cancel`, { method: "POST" })
    expect(await cancelled.json()).toMatchObject({ run_id, status: "cancelled", reason: "cancelled by the caller" })
    const late = await s.call(`/runs/${run_id}/submit-tool-outputs`, { json: outputs })
    expect(late.status).toBe(400)
    expect(await late.json()).toMatchObject({ code: "InvalidRequest", field: "run_id" })
  })

  it("cancelling a run in flight ends its stream with run_ended cancelled", async () => {
    await s.dispose()
    s = await webServer({ llm: { firstToken: "1 hour" } })
    const response = await s.call("/threads/messages", { json: { content: "Hi", stream: true } })
    const reader = response.body!.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    const started = JSON.parse(first.split("\n")[0]!.slice("data: ".length))
    expect(started.type).toBe("run_started")
    await until(() => s.fakes.llm.log.requests.length === 1)
    const cancel = await s.call(`/runs/${started.run_id}/cancel`, { method: "POST" })
    expect(cancel.status).toBe(200)
    let rest = ""
    for (let next = await reader.read(); !next.done; next = await reader.read()) rest += new TextDecoder().decode(next.value)
    const last = JSON.parse(rest.trim().split("\n").filter((l) => l.startsWith("data: ")).at(-1)!.slice(6))
    expect(last).toMatchObject({ type: "run_ended", status: "cancelled" })
    expect((await (await s.call(`/runs/${started.run_id}`)).json()).status).toBe("cancelled")
    expect(s.fakes.llm.log.outcomes).toEqual(["interrupted"])
  })

  for (const how of ["stops reading", "aborts its request"] as const) {
    it(`a fetch-style caller that ${how} before the pause cancels the run: the vendor call is aborted`, async () => {
      await s.dispose()
      s = await webServer({ llm: { firstToken: "1 hour" } })
      const abort = new AbortController()
      const response = await s.call("/threads/messages", { json: { content: "Hi", stream: true }, signal: abort.signal })
      const reader = response.body!.getReader()
      const started = JSON.parse(new TextDecoder().decode((await reader.read()).value).split("\n")[0]!.slice("data: ".length))
      await until(() => s.fakes.llm.log.requests.length === 1)
      if (how === "stops reading") await reader.cancel()
      else abort.abort()
      await until(() => s.fakes.llm.log.outcomes[0] === "interrupted")
      let status = ""
      for (let i = 0; i < 400 && status !== "cancelled"; i++) {
        status = (await (await s.call(`/runs/${started.run_id}`)).json()).status
        if (status !== "cancelled") await new Promise((resolve) => setTimeout(resolve, 5))
      }
      expect(status).toBe("cancelled")
    })
  }
})
