/**
 * A Patchbay process whose memory write never ends, for the test of an operation whose owner
 * died: it opens `createPatchbay` on the stores named by argv[2] (JSON: `{ store: "sqlite" | "pg",
 * target, leaseMs }`), sends one `"Auto"` message whose fact extraction the fake LLM never
 * answers, prints `{ operation_id }` on stdout and keeps running (renewing the operation's
 * lease) until it is killed.
 */
import { createPatchbay } from "@patchbay/core"
import { FakeLlm, fakeProvider, memoryStep, scriptedMemoryLlm } from "@patchbay/core/testing"
import { Stream } from "effect"
import { postgres, sqlite } from "../../src/index.ts"
import { facts } from "./memoryScript.ts"

interface Config {
  readonly store: "sqlite" | "pg"
  readonly target: string
  readonly leaseMs: number
}

const config = JSON.parse(process.argv[2]!) as Config
const llm = FakeLlm({ reply: scriptedMemoryLlm({ facts }) })
const stuck: typeof llm = { ...llm, stream: (request) => (memoryStep(request) === "extraction" ? Stream.never : llm.stream(request)) }
const pb = createPatchbay({
  providers: [fakeProvider({ id: "fake", llm: stuck })],
  defaults: { llm: { provider: "fake", model: "fake-llm" } },
  media: { secret: "memory-suite-secret" },
  stores: config.store === "sqlite" ? sqlite({ filename: config.target }) : postgres({ url: config.target }),
  settings: { runs: { leaseMs: config.leaseMs } }
})

const response = await pb.addMessage({ content: "I live in Oslo.", memory: "Auto", memoryScope: "user_1" })
process.stdout.write(`${JSON.stringify({ operation_id: response.memory_operation_id })}\n`)
setInterval(() => {}, 60_000)
