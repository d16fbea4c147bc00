/**
 * The server over core's fake vendors, for trying the routes with curl without any vendor key:
 * the answers are the fakes' (an LLM that calls the first tool offered, an STT that says "Hello there.", a TTS of silent
 * mp3), everything else — keys, tenants, stores, uploads, events, errors — is the real server.
 * Prints a key for the tenant `demo`, then listens on PORT (default 8787) on loopback.
 *
 *   node packages/server/examples/fake.ts
 */
import { createKey, CurrentTenant, type LlmEvent, type LlmRequest, Stores } from "@patchbay/core"
import { FakeLlm, FakeStt, FakeTts, fakeProvider } from "@patchbay/core/testing"
import { Effect } from "effect"
import { createServer } from "node:http"
import { toNodeHandler } from "../src/index.ts"

/** Calls the first tool offered when the user spoke last; reports a tool's output; else greets. */
const reply = (request: LlmRequest): string | ReadonlyArray<LlmEvent> => {
  const last = request.messages.at(-1)
  if (last?.role === "tool") return `The tool said: ${last.content}.`
  const tool = request.tools?.[0]
  if (tool === undefined) return "Hello! How can I help?"
  return [{ type: "tool_call", tool_call: { id: "call_1", type: "function", function: { name: tool.function.name, arguments: "{}" } } }]
}

const stores = Stores.makeMemory()
const { plaintext } = await Effect.runPromise(createKey({ name: "demo" }).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "demo")))

const { handler } = toNodeHandler({
  providers: [fakeProvider({ stt: FakeStt(), llm: FakeLlm({ reply }), tts: FakeTts() })],
  stores,
  defaults: { llm: { provider: "fake", model: "fake-llm" } },
  media: { secret: process.env["PATCHBAY_MEDIA_SECRET"] ?? "example-secret-not-for-production" }
})
const port = Number(process.env["PORT"] ?? 8787)
createServer(handler).listen(port, "127.0.0.1", () => {
  console.log(`PATCHBAY_KEY=${plaintext}`)
  console.log(`listening on http://127.0.0.1:${port}`)
})
