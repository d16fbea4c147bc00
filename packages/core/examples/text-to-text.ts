/**
 * Text in, text out: a message to a thread, answered by the LLM, and a second message that
 * continues the same thread with its history. The vendor is a deterministic fake from
 * `@patchbay/core/testing`, so this runs offline and without keys; swap in a real adapter
 * (`openai()`, `openrouter()`) and nothing else changes.
 *
 * Run it: `node packages/core/examples/text-to-text.ts` (Node 24, from the repo root).
 */
import { createPatchbay } from "@patchbay/core"
import { FakeLlm, fakeProvider } from "@patchbay/core/testing"

// A scripted LLM: it answers with how many messages it was sent (system prompt and history included).
const llm = FakeLlm({ reply: (request) => `I can see ${request.messages.length} messages so far.` })

const pb = createPatchbay({
  providers: [fakeProvider({ id: "fake", llm })],
  defaults: { llm: { provider: "fake", model: "fake-llm" } }, // used when the request names no LLM
  media: { secret: "example-secret" }
})

// One call: no thread_id creates a thread; its id comes back in the response.
const first = await pb.addMessage({
  content: "Hello!",
  systemPrompt: "Answer in one sentence.",
  sendToLlm: "true",
  stream: false
})
console.log(`reply: ${first.content}`)
console.log(`status: ${first.status}, model: ${first.model_provider}/${first.model_name}, tokens: ${first.input_tokens} in, ${first.output_tokens} out`)
console.log(`messages: ${first.messages.map((m) => m.role).join(", ")}`)

// The same thread: the history comes along (the system prompt applied to the first request only).
const second = await pb.addMessage({ threadId: first.thread_id, content: "And now?", stream: false })
console.log(`same thread: ${second.thread_id === first.thread_id}, reply: ${second.content}`)

await pb.dispose()
