/**
 * User tools: functions of yours, offered to the LLM in the OpenAI function format. When the LLM
 * calls one, the run pauses — `status: "requires_action"` with the `tool_calls` to answer (a
 * `tool_submit_required` event when streaming) — and `pb.submitToolOutputs(runId, outputs)`
 * resumes it under the same run id, streaming or not.
 *
 * The LLM is a deterministic fake from `@patchbay/core/testing`, so this runs offline and
 * without keys; swap in a real adapter (`openai()`, `openrouter()`) and nothing else changes.
 *
 * Run it: `node packages/core/examples/tools.ts` (Node 24, from the repo root).
 */
import { createPatchbay, InvalidRequest, type PipelineEvent, type ToolCall, type ToolDefinition } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeTts } from "@patchbay/core/testing"

const getWeather: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The current weather in a city.",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
  }
}

/** Your implementation of the tool. */
const weatherIn = (city: string) => JSON.stringify({ city, sky: city === "Oslo" ? "clear" : "rainy", celsius: 14 })

// A scripted LLM: it calls get_weather for the city the user names, and answers from the tool's output.
let calls = 0
const llm = FakeLlm({
  reply: (request) => {
    const last = request.messages.at(-1)
    if (last?.role === "tool") {
      const weather = JSON.parse(last.content) as { readonly city: string; readonly sky: string; readonly celsius: number }
      return `It is ${weather.sky} in ${weather.city}, ${weather.celsius} degrees.`
    }
    const city = /in (\w+)/.exec(typeof last?.content === "string" ? last.content : "")?.[1] ?? "Oslo"
    const call: ToolCall = { id: `call_${++calls}`, type: "function", function: { name: "get_weather", arguments: JSON.stringify({ city }) } }
    return [{ type: "tool_call", tool_call: call }]
  }
})
const tts = FakeTts({ firstByte: "10 millis" })

const pb = createPatchbay({
  providers: [fakeProvider({ id: "fake", llm, tts })],
  defaults: { llm: { provider: "fake", model: "fake-llm" } },
  media: { secret: "example-secret" }
})

/** Runs each call of ours and answers it: exactly one output per pending call. */
const answer = (toolCalls: ReadonlyArray<ToolCall>) =>
  toolCalls.map((call) => {
    const { city } = JSON.parse(call.function.arguments) as { readonly city: string }
    return { tool_call_id: call.id, output: weatherIn(city) }
  })

// 1. Not streaming: the response says what to run.
const paused = await pb.addMessage({ content: "What is the weather in Oslo?", tools: [getWeather] })
console.log(`status: ${paused.status}`)
console.log(`tool_calls: ${paused.tool_calls?.map((c) => `${c.id} ${c.function.name} ${c.function.arguments}`).join(", ")}`)

// A submission that does not answer exactly the pending calls is refused; the run stays paused.
try {
  await pb.submitToolOutputs(paused.run_id, [{ tool_call_id: "call_9", output: "{}" }])
} catch (error) {
  if (error instanceof InvalidRequest) console.log(`refused: ${error._tag} at ${error.field}, allowed ${JSON.stringify(error.allowed)}`)
}

const done = await pb.submitToolOutputs(paused.run_id, answer(paused.tool_calls ?? []))
console.log(`resumed: status ${done.status}, same run_id: ${done.run_id === paused.run_id}, reply: ${done.content}`)

// 2. Streaming, with speech: the pause is a tool_submit_required event, then run_ended.
const voice = { tts: { provider: "fake", model: "fake-tts", voice: "ada" } }
let runId = ""
let pending: ReadonlyArray<ToolCall> = []
const kinds: Array<string> = []
for await (
  const event of await pb.addMessage({ threadId: paused.thread_id, content: "And in Bergen?", tools: [getWeather], voice, stream: true })
) {
  runId = event.run_id
  kinds.push(event.type === "run_ended" ? `run_ended(${event.status})` : event.type)
  if (event.type === "tool_submit_required") pending = event.tool_calls
}
console.log(`stream: ${kinds.join(" → ")}`)

// The resumed run streams under the same run id, with its own tts_stream_start/tts_stream_end pair.
const resumed: Array<PipelineEvent> = []
for await (const event of await pb.submitToolOutputs(runId, answer(pending), { stream: true })) resumed.push(event)
const count = (type: PipelineEvent["type"]) => resumed.filter((e) => e.type === type).length
const text = resumed.map((e) => (e.type === "content_streaming" ? e.content : "")).join("")
const end = resumed.at(-1)
console.log(`resumed stream: first ${resumed[0]?.type}, last ${end?.type}(${end?.type === "run_ended" ? end.status : "?"}), same run_id: ${resumed.every((e) => e.run_id === runId)}`)
console.log(`resumed stream: reply "${text}", tts_stream_start ×${count("tts_stream_start")}, tts_stream_end ×${count("tts_stream_end")}`)

await pb.dispose()
