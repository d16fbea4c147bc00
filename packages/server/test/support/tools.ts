/** An LLM script with a user tool: it calls `get_weather` when offered tools, and answers once it has the result. */
import type { LlmEvent, LlmRequest } from "@patchbay/core"

export const weatherTool = {
  type: "function",
  function: { name: "get_weather", description: "The weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } }
} as const

/** Calls the tool (id `call_w`) when tools are offered and the user spoke last; else answers in words. */
export const weatherReply = (request: LlmRequest): string | ReadonlyArray<LlmEvent> => {
  const last = request.messages.at(-1)
  if (last?.role === "tool") return `It is ${last.content} in Oslo.`
  if ((request.tools ?? []).length === 0) return "Hello! How can I help?"
  return [{ type: "tool_call", tool_call: { id: "call_w", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } } }]
}
