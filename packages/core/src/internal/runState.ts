/**
 * The pipeline's state in the stores: which thread and assistant a message belongs to and what
 * it inherits from them, and the run's record in the `RunStore` — started (one active run per
 * thread), its owner lease renewed while it runs, and at its end (`persist`) its turn stored on
 * the thread and the run recorded finished, or paused with everything a resume needs
 * (`internal/resume.ts` takes it back). Nothing here lives in the process: a run paused by one
 * runtime resumes in another over the same stores.
 */
import { Clock, Context, Deferred, Effect, Schedule, Schema } from "effect"
import { type Assistant, AssistantStore, DEFAULT_ASSISTANT_ID } from "../AssistantStore.ts"
import { InvalidRequest, NotFound } from "../Errors.ts"
import { MessageRequest } from "../MessageRequest.ts"
import type { RunStatus } from "../MessageResponse.ts"
import type { PreparedRun } from "../Pipeline.ts"
import type { LlmMessage } from "../Provider.ts"
import { makeId } from "../Run.ts"
import { RunReason, RunStore } from "../RunStore.ts"
import { PipelineSettings } from "../Settings.ts"
import { type Thread, ThreadStore } from "../ThreadStore.ts"
import { ProviderRegistry } from "../ProviderRegistry.ts"
import type { ToolCall, ToolDefinition, ToolOutput } from "../Tools.ts"
import type { Usage } from "../Usage.ts"
import { type ValidMessage, validateModel } from "../Validation.ts"
import type { Warning } from "../Warning.ts"
import * as Turn from "./turn.ts"

/** One owner id per process: the runs it works on hold leases under it. */
const processOwner = makeId("own")

/** The owner of the runs this runtime works on; one per process unless provided. */
export const RunOwner = Context.Reference<string>("@patchbay/core/RunOwner", { defaultValue: () => processOwner })

const iso = (ms: number) => new Date(ms).toISOString()

// ---------------------------------------------------------------------------------------------
// The thread, its assistant, and what the message inherits
// ---------------------------------------------------------------------------------------------

const llmOf = (source: { readonly llm_provider?: string | undefined; readonly model_name?: string | undefined } | undefined) =>
  source?.llm_provider !== undefined && source.model_name !== undefined
    ? { provider: source.llm_provider, model: source.model_name }
    : undefined

/**
 * The message with what it does not say taken from its thread, then from the thread's
 * assistant, for this interaction only: `system_prompt`, `tools` and each stage of `voice`
 * (the assistant's `voice.stt` only when audio was sent).
 */
const inherit = (request: MessageRequest, thread: Thread | undefined, assistant: Assistant, hasAudio: boolean): MessageRequest => {
  const system_prompt = request.system_prompt ?? thread?.system_prompt ?? assistant.system_prompt
  const tools = request.tools ?? thread?.tools ?? assistant.tools
  const stt = request.voice?.stt ?? (hasAudio ? assistant.voice?.stt : undefined)
  const tts = request.voice?.tts ?? assistant.voice?.tts
  return {
    ...request,
    ...(system_prompt === undefined ? {} : { system_prompt }),
    ...(tools === undefined ? {} : { tools }),
    ...(stt === undefined && tts === undefined ? {} : { voice: { ...(stt === undefined ? {} : { stt }), ...(tts === undefined ? {} : { tts }) } })
  }
}

/**
 * Finds the message's thread (`NotFound` for an unknown one, or another tenant's) and its
 * assistant — the request's for a new thread, else `asst_default` — and applies their defaults.
 * The LLM they name is returned apart: it comes after the request's and before the instance's.
 */
export const resolve = Effect.fnUntraced(function*(decoded: MessageRequest, hasAudio: boolean) {
  const threads = yield* ThreadStore
  const assistants = yield* AssistantStore
  const thread = decoded.thread_id === undefined ? undefined : yield* threads.get(decoded.thread_id)
  if (thread !== undefined && decoded.assistant_id !== undefined && decoded.assistant_id !== thread.assistant_id) {
    return yield* new InvalidRequest({
      field: "assistant_id",
      value: decoded.assistant_id,
      reason: `thread ${thread.thread_id} belongs to assistant ${thread.assistant_id}`
    })
  }
  const assistant = yield* assistants.get(thread?.assistant_id ?? decoded.assistant_id ?? DEFAULT_ASSISTANT_ID)
  return { thread, assistant, request: inherit(decoded, thread, assistant, hasAudio), llm: llmOf(thread) ?? llmOf(assistant) }
})

/** Creates a thread of the assistant. */
export const newThread = Effect.fnUntraced(function*(
  assistantId: string,
  defaults: Pick<Thread, "system_prompt" | "llm_provider" | "model_name" | "tools"> = {}
) {
  yield* AssistantStore.use((assistants) => assistants.get(assistantId))
  const at = iso(yield* Clock.currentTimeMillis)
  const thread: Thread = { ...defaults, thread_id: makeId("thr"), assistant_id: assistantId, created_at: at, updated_at: at }
  return yield* ThreadStore.use((threads) => threads.create(thread))
})

/** What a thread remembers for its messages, and its assistant. */
export interface CreateThread {
  /** Default `asst_default`. */
  readonly assistant_id?: string | undefined
  readonly system_prompt?: string | undefined
  readonly llm_provider?: string | undefined
  readonly model_name?: string | undefined
  readonly tools?: ReadonlyArray<ToolDefinition> | undefined
}

/** Creates a thread of an assistant (`NotFound` for an unknown one); its LLM, if named, is validated against the registry. */
export const createThread = Effect.fn("Pipeline.createThread")(function*(options: CreateThread = {}) {
  const registry = yield* ProviderRegistry
  const { assistant_id, ...defaults } = options
  if ((options.llm_provider === undefined) !== (options.model_name === undefined)) {
    return yield* new InvalidRequest({
      field: options.llm_provider === undefined ? "llm_provider" : "model_name",
      reason: "llm_provider and model_name go together"
    })
  }
  if (options.llm_provider !== undefined && options.model_name !== undefined) {
    yield* validateModel(registry, "llm", options.llm_provider, options.model_name, { provider: "llm_provider", model: "model_name" }, undefined)
  }
  return yield* newThread(assistant_id ?? DEFAULT_ASSISTANT_ID, defaults)
})

/** The run's warnings: options of other vendors, ignored. */
export const warningsOf = (valid: ValidMessage): Array<Warning> => valid.warnings.map((message) => ({ code: "option_ignored", message }))

// ---------------------------------------------------------------------------------------------
// The run's record
// ---------------------------------------------------------------------------------------------

/** The ids a run is recorded under. */
export interface RunIds {
  readonly run_id: string
  readonly thread_id: string
  readonly assistant_id: string
}

/** When a lease taken now lapses: `runs.leaseMs` from now. */
export const leaseUntil = Effect.gen(function*() {
  const settings = yield* PipelineSettings
  return iso((yield* Clock.currentTimeMillis) + settings.runs.leaseMs)
})

/** Records the run as `in_progress` under this runtime's lease; `ThreadBusy` when its thread has an active run. */
export const start = Effect.fnUntraced(function*(ids: RunIds) {
  const runs = yield* RunStore
  return yield* runs.start({ ...ids, owner: yield* RunOwner, lease_until: yield* leaseUntil })
})

/** How often a run looks for a cancel from another process when `runs.cancelPollMs` is not set. */
const defaultCancelPollMs = 200

/**
 * For as long as the scope is open: renews the run's lease (every third of `runs.leaseMs`), and
 * completes `cancelled` when another process asks to cancel the run (`RunStore.cancelRequested`:
 * at once on PostgreSQL and in memory, within `runs.cancelPollMs` on SQLite) — or when the run
 * is no longer this process's to renew (its lease lapsed and another process marked it `failed`,
 * e.g. after this one was stalled): its vendors are stopped rather than left to run for nothing.
 */
export const holdLease = (runId: string, cancelled?: Deferred.Deferred<void>) =>
  Effect.gen(function*() {
    const settings = yield* PipelineSettings
    const runs = yield* RunStore
    const owner = yield* RunOwner
    const renew = Effect.flatMap(leaseUntil, (until) => runs.renew(runId, owner, until)).pipe(
      Effect.flatMap((held) => (held || cancelled === undefined ? Effect.void : Deferred.succeed(cancelled, undefined)))
    )
    const every = Math.max(1, Math.floor(settings.runs.leaseMs / 3))
    // A renewal the store fails is tried again at the next tick.
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(every), Effect.ignore(renew))))
    if (cancelled !== undefined) {
      const poll = Math.max(1, settings.runs.cancelPollMs ?? defaultCancelPollMs)
      // A store that fails meanwhile (gone, locked) is asked again an interval later.
      const requested = runs.cancelRequested(runId, poll).pipe(Effect.retry(Schedule.spaced(poll)))
      yield* Effect.forkScoped(Effect.andThen(requested, Deferred.succeed(cancelled, undefined)))
    }
  })

/** How a run ended, as its record keeps it. */
export interface Ending {
  readonly status: RunStatus
  readonly reason: string | null
  readonly usage: Usage
  readonly warnings: ReadonlyArray<Warning>
}

/** What the stages learn for the run's record as it goes: the pause, and warnings of their own. */
export interface Held {
  paused?: Paused
  warnings?: ReadonlyArray<Warning>
}

/** What the run paused with: the conversation so far and the calls waiting for outputs. */
export interface Paused {
  readonly request: MessageRequest
  readonly user_message_id: string
  readonly messages: ReadonlyArray<LlmMessage>
  readonly pending: ReadonlyArray<ToolCall>
}

const encodeRequest = Schema.encodeUnknownEffect(MessageRequest)

/**
 * The request a resume validates again: the one that ran, with the thread, the LLM that was
 * chosen and a content always set, and without `voice.stt` (the audio was transcribed already).
 */
const resumable = (paused: Paused, ids: RunIds, valid: ValidMessage) =>
  Effect.gen(function*() {
    const { voice, ...rest } = paused.request
    const first = valid.llm?.[0]
    const request: MessageRequest = {
      ...rest,
      thread_id: ids.thread_id,
      content: rest.content ?? "",
      ...(voice?.tts === undefined ? {} : { voice: { tts: voice.tts } }),
      ...(rest.llm_provider === undefined && first !== undefined ? { llm_provider: first.provider.id, model_name: first.modelId } : {})
    }
    return (yield* Effect.orDie(encodeRequest(request))) as Record<string, unknown>
  })

/** Writes the end of a run: paused with what a resume needs, or finished. */
const record = Effect.fnUntraced(function*(ids: RunIds, valid: ValidMessage, ending: Ending, paused: Paused | undefined) {
  const runs = yield* RunStore
  const owner = yield* RunOwner
  if (ending.status === "requires_action" && paused !== undefined) {
    const settings = yield* PipelineSettings
    yield* runs.pause(ids.run_id, {
      owner,
      tool_calls: paused.pending,
      expires_at: iso((yield* Clock.currentTimeMillis) + settings.runs.pausedTtlMs),
      paused: { request: yield* resumable(paused, ids, valid), messages: paused.messages, pending: paused.pending, user_message_id: paused.user_message_id },
      usage: ending.usage,
      warnings: ending.warnings
    })
    return
  }
  const status = ending.status === "requires_action" ? "failed" : ending.status
  yield* runs.finish(ids.run_id, { owner, status, reason: ending.reason, usage: ending.usage, warnings: ending.warnings })
})

/** The run's ids, as its record keeps them. */
export const idsOf = (prepared: PreparedRun): RunIds => ({
  run_id: prepared.run_id,
  thread_id: prepared.thread.thread_id,
  assistant_id: prepared.thread.assistant_id
})

/** Writes the turn's messages to the thread, then the run's end (or pause) to its {@link record}. */
export const persist = (prepared: PreparedRun, turn: Turn.Turn, outputs: ReadonlyArray<ToolOutput>, ending: Ending, paused?: Paused) =>
  Effect.gen(function*() {
    const at = iso(yield* Clock.currentTimeMillis)
    const ids = { thread_id: prepared.thread.thread_id, run_id: prepared.run_id, created_at: at }
    const messages = Turn.stored(Turn.shapeOf(prepared), turn, ending.status, ids, outputs.map((output) => ({ ...output, message_id: makeId("msg") })))
    yield* ThreadStore.use((threads) => threads.save(messages))
    yield* record({ ...ids, assistant_id: prepared.thread.assistant_id }, prepared.valid, ending, paused)
  }).pipe(Effect.catchTag("NotFound", Effect.die))

/**
 * Records that a run failed because its store went away as it ended, once the store is back: the
 * write is tried again every second, for up to an hour (run it in the background). A run whose
 * lease lapsed meanwhile has been marked `failed` (`owner lost`) by whoever read it first.
 */
export const finishWhenBack = (ids: RunIds, ending: Ending) =>
  Effect.gen(function*() {
    const runs = yield* RunStore
    const owner = yield* RunOwner
    const finish = runs.finish(ids.run_id, { owner, status: "failed", reason: ending.reason, usage: ending.usage, warnings: ending.warnings })
    yield* finish.pipe(Effect.retry({ schedule: Schedule.spaced(1000), times: 3600 }), Effect.ignore)
  })

/** Ends a run that failed before it could execute (its store failed), as far as the store lets it. */
export const abandon = (ids: RunIds, error: { readonly _tag: string; readonly message: string }) =>
  Effect.gen(function*() {
    const runs = yield* RunStore
    yield* runs.finish(ids.run_id, { owner: yield* RunOwner, status: "failed", reason: failedReason(error), usage: {}, warnings: [] })
  }).pipe(Effect.ignore)

/** The reason a run that failed with `error` keeps. */
export const failedReason = (error: { readonly _tag: string; readonly message: string }): string => `${error._tag}: ${error.message}`

/** The reason of a run cancelled by the caller, or whose client went away. */
export const cancelledReason: string = RunReason.cancelled

// ---------------------------------------------------------------------------------------------
// Cancelling
// ---------------------------------------------------------------------------------------------

/**
 * Cancels a run of the current tenant: one running in this process through its signal (`signal`
 * answers whether it did); one running in another process by asking it through the store
 * (`RunStore.requestCancel`: that process stops the run and stores it `cancelled`); one paused,
 * in the store. Any other run — finished — is `NotFound` (kind run), as is another tenant's.
 */
export const cancel = Effect.fnUntraced(function*(runId: string, signal: (runId: string) => Effect.Effect<boolean>) {
  const runs = yield* RunStore
  const run = yield* runs.get(runId)
  if (run.status === "in_progress") {
    if (!(yield* signal(runId))) yield* runs.requestCancel(runId)
    return
  }
  if (run.status === "requires_action") {
    yield* runs.cancel(runId)
    return
  }
  return yield* new NotFound({
    kind: "run",
    id: runId,
    detail: `the run is ${run.status}: only a running or paused run can be cancelled`
  })
})
