/**
 * A `patchbay serve` config over core's fake vendors, for trying every route with curl without
 * any vendor key — the one docs/server.md's examples ran against:
 *
 *   patchbay keys create --tenant demo
 *   patchbay serve --config packages/server/examples/fake.config.ts
 *
 * The answers are the fakes': an STT that hears "Hello there.", a TTS of silent mp3, and an LLM
 * that calls the first tool it is offered, reports a tool's output, answers from the memories it
 * was given, or greets. As the memory LLM it keeps "I live in <City>" as the fact
 * "Lives in <City>". Everything else — keys, tenants, stores, uploads, events, errors, memory
 * search and history — is the real server.
 */
import type { LlmEvent, LlmRequest } from "@patchbay/core"
import { FakeLlm, FakeStt, FakeTts, fakeProvider, scriptedMemoryLlm } from "@patchbay/core/testing"
import { defineConfig } from "@patchbay/server"

/** The text of the system message that carries retrieved memories, if the turn has one. */
const memoriesOf = (request: LlmRequest): ReadonlyArray<string> =>
  request.messages
    .filter((m) => m.role === "system")
    .flatMap((m) => String(m.content).split("\n"))
    .filter((line) => line.startsWith("- "))
    .map((line) => line.slice(2))

/** Calls the first tool offered when the user spoke last; reports a tool's output; answers from memory; else greets. */
const chat = (request: LlmRequest): string | ReadonlyArray<LlmEvent> => {
  const last = request.messages.at(-1)
  if (last?.role === "tool") return `The tool said: ${last.content}.`
  const tool = request.tools?.[0]
  if (tool !== undefined) {
    return [{ type: "tool_call", tool_call: { id: "call_1", type: "function", function: { name: tool.function.name, arguments: "{}" } } }]
  }
  const remembered = memoriesOf(request)
  return remembered.length === 0 ? "Hello! How can I help?" : `I remember: ${remembered.join("; ")}.`
}

/** "I live in Oslo" → "Lives in Oslo". */
const facts = (conversation: string): ReadonlyArray<string> =>
  [...conversation.matchAll(/\bI live in ([A-Z][\p{L}-]+)/gu)].map((match) => `Lives in ${match[1]}`)

export default defineConfig({
  providers: [fakeProvider({ stt: FakeStt(), llm: FakeLlm({ reply: scriptedMemoryLlm({ chat, facts }) }), tts: FakeTts() })],
  defaults: { llm: { provider: "fake", model: "fake-llm" } }
})
