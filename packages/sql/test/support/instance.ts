/**
 * A Patchbay instance in a child process, for the several-instances tests and the benchmark: it
 * opens `createPatchbay` on the stores named by argv[2] (JSON: `{ store: "sqlite" | "pg",
 * target, upstream, runs }`) and answers commands, one JSON object per line on stdin:
 * `send` (a message, streamed), `submit` (tool outputs, streamed), `cancel`, `exit`. It writes
 * one JSON object per line on stdout: `{ ready }` once, then `{ id, event }` for each event of a
 * command and `{ id, done, result? }` or `{ id, error }` at its end.
 */
import { createPatchbay, type PipelineEvent } from "@patchbay/core"
import { createInterface } from "node:readline"
import { postgres, sqlite } from "../../src/index.ts"
import { fakeLlmProvider } from "./instanceLlm.ts"
import { upstreamProvider } from "./upstream.ts"

interface Config {
  readonly store: "sqlite" | "pg"
  readonly target: string
  readonly upstream: string
  readonly runs?: { readonly leaseMs?: number; readonly cancelPollMs?: number }
}

const config = JSON.parse(process.argv[2]!) as Config
const pb = createPatchbay({
  providers: [fakeLlmProvider(), upstreamProvider(config.upstream)],
  defaults: { llm: { provider: "fake", model: "fake-llm" } },
  stores: config.store === "sqlite" ? sqlite({ filename: config.target }) : postgres({ url: config.target }),
  // instances sharing a PostgreSQL database share one media secret (see docs/stores.md)
  media: { secret: "instances-test-media-secret" },
  ...(config.runs === undefined ? {} : { settings: { runs: config.runs } })
})

const say = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`)

const stream = async (id: number, events: AsyncIterable<PipelineEvent>) => {
  for await (const event of events) say({ id, event })
  say({ id, done: true })
}

type Command =
  | { readonly op: "send"; readonly id: number; readonly content: string; readonly threadId?: string; readonly llm?: string; readonly tools?: ReadonlyArray<never> }
  | { readonly op: "submit"; readonly id: number; readonly runId: string; readonly outputs: ReadonlyArray<{ tool_call_id: string; output: string }> }
  | { readonly op: "cancel"; readonly id: number; readonly runId: string }
  | { readonly op: "exit"; readonly id: number }

const handle = async (command: Command) => {
  try {
    switch (command.op) {
      case "send":
        return await stream(
          command.id,
          await pb.sendMessage(command.content, {
            stream: true,
            threadId: command.threadId,
            tools: command.tools,
            ...(command.llm === undefined ? {} : { llmProvider: command.llm, modelName: "fake-llm" })
          })
        )
      case "submit":
        return await stream(command.id, await pb.submitToolOutputs(command.runId, command.outputs, { stream: true }))
      case "cancel":
        await pb.cancel(command.runId)
        return say({ id: command.id, done: true })
      case "exit":
        await pb.dispose()
        say({ id: command.id, done: true })
        return process.exit(0)
    }
  } catch (error) {
    say({ id: command.id, error: { tag: (error as { _tag?: string })._tag, message: String((error as Error).message) } })
  }
}

createInterface({ input: process.stdin }).on("line", (line) => void handle(JSON.parse(line) as Command))
say({ ready: true })
