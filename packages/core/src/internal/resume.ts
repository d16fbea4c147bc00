/**
 * Resuming a run paused for tool outputs: the outputs checked against the run in the
 * `RunStore`, its stored request validated again, the run claimed for this runtime, and the
 * `PreparedRun` that `Pipeline.execute` continues — the conversation so far with the outputs
 * appended, under the same run id. The run may have paused in any runtime over the same stores.
 */
import { Effect, Schema } from "effect"
import { AssistantStore } from "../AssistantStore.ts"
import { InvalidRequest } from "../Errors.ts"
import * as Memories from "../Memories.ts"
import type { PreparedRun } from "../Pipeline.ts"
import type { LlmMessage } from "../Provider.ts"
import { ProviderRegistry } from "../ProviderRegistry.ts"
import { makeId } from "../Run.ts"
import { notPaused, RunStore, type StoredRun } from "../RunStore.ts"
import { PipelineSettings } from "../Settings.ts"
import { ThreadStore } from "../ThreadStore.ts"
import { ToolOutput } from "../Tools.ts"
import { checkCredentials, decodeMessageRequest, decodeWith, validateMessage } from "../Validation.ts"
import { leaseUntil, RunOwner } from "./runState.ts"

/**
 * Checks tool outputs against a paused run: exactly one for each pending call. A run that is not
 * paused is `InvalidRequest` (field `run_id`); refused outputs leave it paused.
 */
const checkOutputs = Effect.fnUntraced(function*(runId: string, outputs: ReadonlyArray<ToolOutput>) {
  const run = yield* RunStore.use((runs) => runs.get(runId))
  if (run.status !== "requires_action" || run.paused === undefined) return yield* notPaused(run)
  const decoded = yield* decodeWith(Schema.Array(ToolOutput), "tool_outputs")(outputs)
  const pendingIds = run.paused.pending.map((call) => call.id)
  for (const [i, output] of decoded.entries()) {
    if (!pendingIds.includes(output.tool_call_id)) {
      return yield* new InvalidRequest({
        field: `tool_outputs[${i}].tool_call_id`,
        value: output.tool_call_id,
        allowed: pendingIds,
        reason: "no pending tool call has this id"
      })
    }
    if (decoded.findIndex((o) => o.tool_call_id === output.tool_call_id) !== i) {
      return yield* new InvalidRequest({ field: `tool_outputs[${i}].tool_call_id`, value: output.tool_call_id, reason: "given twice" })
    }
  }
  const missing = pendingIds.filter((id) => !decoded.some((o) => o.tool_call_id === id))
  if (missing.length > 0) {
    return yield* new InvalidRequest({ field: "tool_outputs", value: missing, reason: `no output for ${missing.join(", ")}` })
  }
  return { run: run as StoredRun & { readonly paused: NonNullable<StoredRun["paused"]> }, outputs: decoded }
})

/**
 * Takes a paused run to resume it: the outputs checked ({@link checkOutputs}), the stored
 * request decoded and validated again against this runtime's registry, its thread and assistant
 * read, then the run claimed for this runtime (`requires_action` → `in_progress`, atomically).
 */
const claimPaused = Effect.fnUntraced(function*(runId: string, outputs: ReadonlyArray<ToolOutput>) {
  const checked = yield* checkOutputs(runId, outputs)
  const { run } = checked
  const settings = yield* PipelineSettings
  const request = yield* decodeMessageRequest(run.paused.request)
  const thread = yield* ThreadStore.use((threads) => threads.get(run.thread_id))
  const assistant = yield* AssistantStore.use((assistants) => assistants.get(run.assistant_id))
  const valid = yield* validateMessage(yield* ProviderRegistry, request, undefined, { instance: settings.defaultLlm })
  yield* checkCredentials(valid)
  const runs = yield* RunStore
  yield* runs.claim(runId, yield* RunOwner, yield* leaseUntil)
  return { ...checked, thread, assistant, valid }
})

/**
 * Takes a run paused for tool outputs from the `RunStore` — in this runtime or any other over
 * the same stores — with exactly one output for each pending call; a run that is not paused is
 * `InvalidRequest` (field `run_id`). The stored request is validated again against this
 * runtime's registry before the run is claimed; the run resumes under the same run id with a
 * new assistant message.
 */
export const prepareResume = Effect.fn("Pipeline.prepareResume")(function*(runId: string, outputs: ReadonlyArray<ToolOutput>) {
  const { assistant, outputs: decoded, run, thread, valid } = yield* claimPaused(runId, outputs)
  // The run was accepted with its memory mode; a resume never fails on it (without a worker, it writes nothing).
  const memory = yield* Memories.plan(valid.request, assistant, valid.llm?.[0]).pipe(
    Effect.flatMap((plan) => (plan?.mode === "Auto" ? Effect.as(Memories.requireWorker, plan) : Effect.succeed(plan))),
    Effect.orElseSucceed(() => undefined)
  )
  const assistant_message_id = makeId("msg")
  const prepared: PreparedRun = {
    thread,
    assistant,
    history: [],
    run_id: runId,
    user_message_id: run.paused.user_message_id,
    assistant_message_id,
    message_id: assistant_message_id,
    valid,
    warnings: run.warnings,
    audio: undefined,
    memory,
    continuation: [
      ...run.paused.messages,
      ...run.paused.pending.map((call): LlmMessage => ({
        role: "tool",
        tool_call_id: call.id,
        content: decoded.find((o) => o.tool_call_id === call.id)!.output
      }))
    ]
  }
  return { prepared, outputs: decoded }
})
