/**
 * `createPatchbay({ stores: sqlite({ filename }) })` end to end: a conversation and a run paused
 * for tool outputs outlive the runtime that made them — a new runtime on the same file reads the
 * thread and resumes the run.
 */
import { createPatchbay, type LlmEvent, type LlmRequest } from "@patchbay/core"
import { FakeLlm, fakeProvider } from "@patchbay/core/testing"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect, it } from "vitest"
import { sqlite } from "../src/index.ts"

const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } } as const
const callWeather: LlmEvent = { type: "tool_call", tool_call: { id: "call_w", type: "function", function: { name: "get_weather", arguments: "{}" } } }
/** Calls the weather tool when it is offered and has no result yet; else answers. */
const reply = (request: LlmRequest): string | ReadonlyArray<LlmEvent> =>
  (request.tools ?? []).length > 0 && request.messages.at(-1)?.role !== "tool" ? [callWeather] : "Sunny."

const open = (filename: string) =>
  createPatchbay({
    providers: [fakeProvider({ id: "fake", llm: FakeLlm({ reply }) })],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    stores: sqlite({ filename })
  })

it("a thread and a paused run survive the runtime: a new one on the same file reads and resumes them", async () => {
  const filename = join(mkdtempSync(join(tmpdir(), "patchbay-facade-")), "patchbay.db")
  const first = open(filename)
  const thread = await first.createThread()
  const answered = await first.sendMessage("Hello?", { threadId: thread.thread_id })
  expect(answered.content).toBe("Sunny.")
  const paused = await first.sendMessage("Weather?", { threadId: thread.thread_id, tools: [weather] })
  expect(paused.status).toBe("requires_action")
  await first.dispose()

  const second = open(filename)
  const read = await second.threads.get(thread.thread_id)
  expect(read.messages.map((m) => [m.role, m.content])).toEqual([
    ["user", "Hello?"],
    ["assistant", "Sunny."],
    ["user", "Weather?"],
    ["assistant", ""]
  ])
  expect((await second.runs.get(paused.run_id)).status).toBe("requires_action")
  const resumed = await second.submitToolOutputs(paused.run_id, [{ tool_call_id: "call_w", output: "sunny" }])
  expect(resumed.content).toBe("Sunny.")
  expect((await second.runs.get(paused.run_id)).status).toBe("completed")
  await second.dispose()
}, 30_000)
