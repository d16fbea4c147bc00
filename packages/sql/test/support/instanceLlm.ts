/**
 * The scripted LLM every instance of the several-instances tests shares (parent and children
 * alike): it calls the `get_weather` tool when offered and no result came back yet, else answers
 * from the tool's output, so a run paused in one process and resumed in another produces the
 * same turn as one resumed where it paused.
 */
import type { LlmEvent, LlmRequest, PatchbayProvider } from "@patchbay/core"
import { FakeLlm, fakeProvider } from "@patchbay/core/testing"

/** The tool the tests offer. */
export const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } } as const

const callWeather: LlmEvent = { type: "tool_call", tool_call: { id: "call_w", type: "function", function: { name: "get_weather", arguments: "{}" } } }

const reply = (request: LlmRequest): string | ReadonlyArray<LlmEvent> => {
  const last = request.messages.at(-1)
  if ((request.tools ?? []).length > 0 && last?.role !== "tool") return [callWeather]
  return last?.role === "tool" ? `It is ${String(last.content)} today.` : "Hello there."
}

/** The provider `fake` with that LLM (`fake-llm`). */
export const fakeLlmProvider = (): PatchbayProvider => fakeProvider({ id: "fake", llm: FakeLlm({ reply }) })
