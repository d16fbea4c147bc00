/**
 * Memory: a fact said in one thread, used in another thread of the same assistant and user. The
 * first message runs with memory "Auto" (retrieve, then write the turn's facts in the
 * background); the second, in a new thread, with "Readonly" — its LLM gets the remembered facts
 * in one system message. Then the facts are corrected, deleted and restored, every change a row
 * of the memory's history. The LLM is a scripted fake (`scriptedMemoryLlm` from
 * `@patchbay/core/testing` answers the turns, the fact extraction and the memory decisions), so
 * this runs offline and without keys.
 *
 * Run it: `node packages/core/examples/memory.ts` (Node 24, from the repo root).
 */
import { createPatchbay } from "@patchbay/core"
import { FakeLlm, fakeProvider, scriptedMemoryLlm } from "@patchbay/core/testing"

const llm = FakeLlm({
  reply: scriptedMemoryLlm({
    // the turns: the second one answers from the memories in its system message
    chat: (request) => {
      const memories = request.messages.find((m) => m.role === "system")?.content ?? ""
      return /Lives in Oslo/.test(String(memories)) ? "You live in Oslo." : "Nice to meet you!"
    },
    // the facts the memory LLM extracts from a turn
    facts: (conversation) => (conversation.includes("Oslo") ? ["Lives in Oslo"] : [])
  })
})
const pb = createPatchbay({
  providers: [fakeProvider({ id: "fake", llm })],
  defaults: { llm: { provider: "fake", model: "fake-llm" } },
  media: { secret: "example-secret" }
})
const concierge = await pb.assistants.create({ name: "Concierge", memory: "Auto" })
const user = { assistantId: concierge.assistant_id, memoryScope: "user_42" }

// Thread 1: the fact is said; the write runs after the response, in the background.
const first = await pb.sendMessage("Hi! I live in Oslo.", user)
console.log(`thread 1: ${first.content} (memory operation: ${first.memory_operation_id === null ? "none" : "started"})`)
const operation = await pb.memory.wait(first.memory_operation_id!)
console.log(`operation: ${operation.status}, ${operation.events.map((e) => e.event).join(", ")}`)

// Thread 2 (a new thread of the same assistant and user): the fact is retrieved and used.
const second = await pb.sendMessage("Where do I live?", { ...user, memory: "Readonly" })
console.log(`thread 2: ${second.content} (retrieved: ${second.retrieved_memories.map((m) => m.memory).join(", ")})`)
console.log(`another user: ${(await pb.sendMessage("Where do I live?", { ...user, memoryScope: "user_7", memory: "Readonly" })).content}`)

// Adjusting: update, delete, restore; every change is a history row.
const memory = second.retrieved_memories[0]!
await pb.memory.update(concierge.assistant_id, memory.id, { content: "Lives in Oslo, near Frogner park" })
await pb.memory.delete(concierge.assistant_id, memory.id)
console.log(`after delete: ${(await pb.memory.search(concierge.assistant_id, "Where do I live?", { memory_scope: "user_42" })).length} found`)
await pb.memory.restore(concierge.assistant_id, memory.id)
const history = await pb.memory.history(concierge.assistant_id, memory.id)
console.log(`history: ${history.map((h) => `${h.event}${h.operation_id === null ? "" : " (by the operation)"}`).join(", ")}`)
console.log(`stats: ${JSON.stringify(await pb.memory.stats(concierge.assistant_id))}`)

await pb.dispose()
