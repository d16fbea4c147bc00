/**
 * `addMessage`: one message through the stages, in every mode — text → text, audio → text,
 * text → audio, audio → audio, and audio → transcript only. The request is decoded and validated
 * against every stage's catalogue first, so nothing reaches a vendor when any part of it is
 * wrong; then the turn runs as one stream of events, and the non-streaming `MessageResponse` is
 * the fold of that same stream.
 *
 * Reading order follows a request: {@link prepare} (decode, find the thread and its assistant,
 * validate, record the run) → {@link execute} (STT → memory recall → the LLM and its tool loop,
 * speaking the reply as it streams → the turn and the run's end stored → the memory write
 * started in the background → `run_ended`) → {@link fold}. A run paused for tool outputs takes
 * the same path from {@link submitToolOutputs}: `prepareResume` (`internal/resume.ts`) rebuilds
 * its prepared run from the `RunStore`. The stages live in `Stages`; the turn stored and the
 * turn returned are built by one reducer over the run's events (`internal/turn.ts`); threads,
 * assistants and runs live in their stores, read and written through `internal/runState.ts`
 * (`persist` stores the turn and ends the run's record), so a run paused in one runtime resumes
 * in another; `Runs` only holds the cancel signals of the runs in flight here.
 *
 * @since 0.1.0
 */
import { type Cause, Deferred, Effect, Fiber, Queue, Stream } from "effect"
import type { Assistant } from "./AssistantStore.ts"
import type { AudioInput, AudioSource } from "./AudioInput.ts"
import * as AudioInputs from "./AudioInput.ts"
import type { ProviderError, StoreUnavailable } from "./Errors.ts"
import * as Context from "./internal/context.ts"
import * as MemoryWrite from "./internal/memoryWrite.ts"
import { prepareResume } from "./internal/resume.ts"
import * as Recall from "./internal/stages/recall.ts"
import * as RunState from "./internal/runState.ts"
import * as Turn from "./internal/turn.ts"
import type { MediaStore } from "./MediaStore.ts"
import * as Memories from "./Memories.ts"
import type { MessageResponse, RunStatus } from "./MessageResponse.ts"
import type { PipelineEvent } from "./PipelineEvent.ts"
import type { LlmMessage } from "./Provider.ts"
import { ProviderRegistry } from "./ProviderRegistry.ts"
import { MAX_LIMIT } from "./Paging.ts"
import * as Run from "./Run.ts"
import { Runs } from "./Runs.ts"
import { PipelineSettings } from "./Settings.ts"
import * as Stages from "./Stages.ts"
import type { StoreServices } from "./Stores.ts"
import { type StoredMessage, type Thread, ThreadStore } from "./ThreadStore.ts"
import type { ToolOutput } from "./Tools.ts"
import { combineUsage, type Usage } from "./Usage.ts"
import * as Validation from "./Validation.ts"
import type { Warning } from "./Warning.ts"

export { cancel, Runs, sweepEvery, sweeper } from "./Runs.ts"
export type { RunsShape } from "./Runs.ts"
export { createThread, RunOwner } from "./internal/runState.ts"
export type { CreateThread } from "./internal/runState.ts"
export { generateImageTool } from "./Stages.ts"
export { prepareResume }

// ---------------------------------------------------------------------------------------------
// Prepare: decode, validate, find the thread
// ---------------------------------------------------------------------------------------------

/** Audio and anything else that travels beside the wire request. */
export interface AddMessageOptions {
  /** The audio to transcribe: a path, bytes, a Blob, a web stream or an async iterable. */
  readonly audio?: AudioSource | AudioInput | undefined
  /** The audio's file name, for bytes or a stream (a path or a `File` names itself); sent to the STT vendor. */
  readonly filename?: string | undefined
}

/** A validated message, ready to run. */
export interface PreparedRun {
  readonly thread: Thread
  readonly assistant: Assistant
  readonly history: ReadonlyArray<StoredMessage>
  readonly run_id: string
  readonly user_message_id: string
  /** The id of the turn's last message: the assistant's, or the user's when the LLM is skipped. */
  readonly message_id: string
  readonly assistant_message_id: string
  readonly valid: Validation.ValidMessage
  /** The run's warnings so far. */
  readonly warnings: ReadonlyArray<Warning>
  readonly audio: AudioInput | undefined
  /** Set when the run resumes after tool outputs: the conversation to continue. */
  readonly continuation?: ReadonlyArray<LlmMessage> | undefined
  /** What the run does with memory (`"Auto"` or `"Readonly"`); absent when memory is off. */
  readonly memory?: Memories.Plan | undefined
}

/**
 * Step 1: decodes the wire request, finds its thread and assistant and applies their defaults,
 * reads what is known of the audio (size, container) without reading it, validates every stage
 * and fallback against the registry, checks the keys of the providers it calls first, creates
 * the thread when none was named, and records the run as `in_progress` — `ThreadBusy` when the
 * thread has an active run. Fails before any vendor call. A prepared run is meant to be
 * executed: one that never is ends `failed` (`owner lost`) once its lease lapses.
 */
export const prepare = Effect.fn("Pipeline.prepare")(function*(request: unknown, options: AddMessageOptions = {}) {
  yield* Memories.checkMode(request)
  const decoded = yield* Validation.decodeMessageRequest(request)
  const registry = yield* ProviderRegistry
  const threads = yield* ThreadStore
  const settings = yield* PipelineSettings
  const source = options.audio
  const resolved = yield* RunState.resolve(decoded, source !== undefined)
  const audio = source === undefined ? undefined : AudioInputs.isAudioInput(source) ? source : yield* AudioInputs.fromSource(source, options.filename)
  const valid = yield* Validation.validateMessage(
    registry,
    resolved.request,
    audio === undefined ? undefined : { size: audio.size, container: audio.container },
    { thread: resolved.llm, instance: settings.defaultLlm }
  )
  yield* Validation.checkCredentials(valid)
  const memory = yield* Memories.plan(resolved.request, resolved.assistant, valid.llm?.[0])
  if (memory?.mode === "Auto") yield* Memories.requireWorker
  const thread = resolved.thread ?? (yield* RunState.newThread(resolved.assistant.assistant_id))
  const ids = { run_id: Run.makeId("run"), thread_id: thread.thread_id, assistant_id: thread.assistant_id }
  yield* RunState.start(ids) // before the history is read: a run that ends meanwhile has stored its turn
  const history = resolved.thread === undefined
    ? []
    : yield* threads.messages(thread.thread_id, { limit: MAX_LIMIT }).pipe(Effect.tapError((error) => RunState.abandon(ids, error)))
  const user_message_id = Run.makeId("msg")
  const assistant_message_id = Run.makeId("msg")
  const prepared: PreparedRun = {
    thread,
    assistant: resolved.assistant,
    history,
    run_id: ids.run_id,
    user_message_id,
    assistant_message_id,
    message_id: valid.sendToLlm ? assistant_message_id : user_message_id,
    valid,
    warnings: RunState.warningsOf(valid),
    audio,
    memory
  }
  return prepared
})

// ---------------------------------------------------------------------------------------------
// Execute: the turn as a stream of events
// ---------------------------------------------------------------------------------------------

/** The stages in order, emitting into the run: STT, then the LLM with TTS speaking its reply as it streams. */
const stages = (prepared: PreparedRun, progress: Stages.Progress, hold: RunState.Held) =>
  Effect.gen(function*() {
    const { valid } = prepared
    const request = valid.request
    const thread_id = prepared.thread.thread_id
    const speech = { thread_id, warnings: valid.warnings.filter((w) => w.startsWith("voice.tts.")) }
    const stt = prepared.continuation === undefined && valid.stt !== undefined && prepared.audio !== undefined
      ? yield* Stages.transcribeValidated(valid.stt, prepared.audio, valid.warnings.filter((w) => w.startsWith("voice.stt.")))
      : undefined
    const text = Turn.userText(request.content, stt?.transcript)
    if (!valid.sendToLlm || valid.llm === undefined) {
      if (valid.tts !== undefined) yield* Stages.speakValidated(valid.tts, Stream.succeed(text), speech)
      return "completed" as const
    }

    const system = request.system_prompt ?? prepared.thread.system_prompt
    const user: LlmMessage = { role: "user", content: text }
    // Memories read for this message reach the LLM as one system message after the system prompt.
    const recalled = prepared.memory === undefined || prepared.continuation !== undefined
      ? undefined
      : yield* Recall.recallForTurn(prepared.memory, text)
    if (recalled !== undefined && recalled.warnings.length > 0) hold.warnings = [...(hold.warnings ?? []), ...recalled.warnings]
    const remembered = Recall.systemMessages(recalled?.memories ?? [])
    const head: ReadonlyArray<LlmMessage> = [...(system === undefined ? [] : [{ role: "system" as const, content: system }]), ...remembered]
    // The history fitted to the context window, oldest turns out first (only a new message reads it).
    const fitted = prepared.continuation === undefined
      ? Context.fitHistory([...head, user], Turn.toLlm(prepared.history), Context.windowOf(valid.llm))
      : undefined
    if (fitted?.warning !== undefined) hold.warnings = [...(hold.warnings ?? []), fitted.warning]
    const messages: ReadonlyArray<LlmMessage> = prepared.continuation ?? [...head, ...(fitted?.history ?? []), user]
    const spoken = yield* Queue.unbounded<string, Cause.Done>()
    const speaking = valid.tts === undefined ? undefined : yield* Effect.forkChild(Stages.speakValidated(valid.tts, Stream.fromQueue(spoken), speech))
    const reply = yield* Stages.respondValidated(
      valid.llm,
      { messages, tools: request.tools ?? prepared.thread.tools, provider_options: request.provider_options },
      { onText: speaking === undefined ? undefined : (delta) => void Queue.offerUnsafe(spoken, delta), image: valid.image, thread_id, progress }
    ).pipe(Effect.onError(() => (speaking === undefined ? Effect.void : Fiber.interrupt(speaking))))
    if (reply.status === "requires_action") {
      hold.paused = { request, user_message_id: prepared.user_message_id, messages: reply.messages, pending: reply.pending }
    }
    yield* Queue.end(spoken)
    if (speaking !== undefined) yield* Fiber.join(speaking)
    return reply.status
  })

/**
 * Step 2: runs a prepared message as a stream of events. `run_started` comes first and
 * `run_ended` last; a failure after the start emits `error` and `run_ended{status: "failed"}`,
 * then fails the stream with the tagged error (a store gone away as the run ends too: the run is
 * recorded `failed` once it is back); `cancel(run_id)`, from this process or another over the
 * same stores, ends it with status `cancelled` after aborting every vendor request in flight. A
 * run whose LLM calls the caller's tools ends with `tool_submit_required` and status
 * `requires_action`; `submitToolOutputs` resumes it as a new stream under the same run id. The
 * run slows down to the pace of a client that reads slowly (see `Run.toStream`).
 */
export const execute = (
  prepared: PreparedRun,
  outputs: ReadonlyArray<ToolOutput> = []
): Stream.Stream<PipelineEvent, ProviderError, ProviderRegistry | MediaStore | StoreServices | Runs> =>
  Run.toStream(
    { thread_id: prepared.thread.thread_id, run_id: prepared.run_id },
    Effect.suspend(() => {
      // The turn as its events tell it (what is stored), and what only the stages know: usage and the LLM that served.
      const turn = Turn.empty()
      const progress: Stages.Progress = { usage: {}, llm: undefined }
      const hold: RunState.Held = {}
      const ending = (status: RunStatus, reason: string | null): RunState.Ending => ({
        status,
        reason,
        usage: [turn.stt?.usage, turn.tts?.usage].reduce((a: Usage, b) => (b === undefined ? a : combineUsage(a, b)), progress.usage),
        warnings: [...prepared.warnings, ...(hold.warnings ?? [])]
      })
      /** The store went away as the run ended: it fails, and is recorded failed once the store is back. */
      const storeLost = (lost: StoreUnavailable) =>
        Effect.as(Runs.use((runs) => runs.background(RunState.finishWhenBack(RunState.idsOf(prepared), ending("failed", RunState.failedReason(lost))))), lost)
      const end = (status: RunStatus, reason: string | null, failure?: ProviderError) =>
        Effect.gen(function*() {
          const lost = yield* RunState.persist(prepared, turn, outputs, ending(status, reason), hold.paused).pipe(
            Effect.matchEffect({ onFailure: storeLost, onSuccess: () => Effect.undefined })
          )
          const ended = lost === undefined ? ending(status, reason) : ending("failed", RunState.failedReason(lost))
          const error = lost ?? failure
          // Once the turn is stored, its memory write starts in the background: nothing below waits for it.
          const write = lost === undefined && status === "completed" && prepared.memory?.mode === "Auto"
            ? yield* MemoryWrite.startForTurn(prepared.memory, { user: Turn.userText(prepared.valid.request.content, turn.stt?.transcript), assistant: turn.content })
            : MemoryWrite.notStarted
          if (error !== undefined) yield* Run.emit({ type: "error", code: error._tag, message: error.message, retryable: error.retryable })
          yield* Run.emit({
            type: "run_ended",
            ...ended,
            warnings: [...ended.warnings, ...write.warnings],
            memory_operation_id: write.operation_id,
            message_id: prepared.message_id,
            ...(progress.llm === undefined ? {} : { model_provider: progress.llm.provider, model_name: progress.llm.model })
          })
          if (lost !== undefined) return yield* lost
        })
      return Effect.scoped(Effect.gen(function*() {
        const cancelled = yield* Deferred.make<void>()
        yield* Runs.use((runs) => runs.register(prepared.run_id, cancelled))
        yield* RunState.holdLease(prepared.run_id, cancelled)
        yield* Run.emit({ type: "run_started", assistant_id: prepared.thread.assistant_id, message_id: prepared.message_id })
        const outcome = yield* Effect.raceFirst(stages(prepared, progress, hold), Effect.as(Deferred.await(cancelled), "cancelled" as const)).pipe(
          // A client gone after the pause leaves the run paused; before it, the run is cancelled.
          Effect.onInterrupt(() =>
            (hold.paused === undefined
              ? RunState.persist(prepared, turn, outputs, ending("cancelled", RunState.cancelledReason), undefined)
              : RunState.persist(prepared, turn, outputs, ending("requires_action", null), hold.paused)).pipe(Effect.catch(storeLost), Effect.asVoid)
          ),
          Effect.catch((error: ProviderError) =>
            Effect.andThen(end("failed", RunState.failedReason(error), error), Effect.fail(error))
          )
        )
        yield* end(outcome, outcome === "cancelled" ? RunState.cancelledReason : null)
      })).pipe(Run.observe((event) => Turn.add(turn, event)))
    })
  )

/** Decodes, validates and runs one message as a stream of events (see {@link prepare} and {@link execute}). */
export const addMessage = (
  request: unknown,
  options: AddMessageOptions = {}
): Stream.Stream<PipelineEvent, ProviderError, ProviderRegistry | StoreServices | MediaStore | Runs> =>
  Stream.unwrap(Effect.map(prepare(request, options), execute))

// ---------------------------------------------------------------------------------------------
// Fold: the non-streaming response
// ---------------------------------------------------------------------------------------------

/** Folds a run's events into its `MessageResponse`; what the non-streaming call returns. */
export const fold = (prepared: PreparedRun, events: Iterable<PipelineEvent>): MessageResponse => {
  const { valid } = prepared
  const turn = Turn.reduce(events)
  const status = turn.ended?.status ?? "failed"
  const usage = turn.ended?.usage ?? {}
  const messages = Turn.messages(Turn.shapeOf(prepared), turn, status)
  const last = messages.at(-1)!
  const first = valid.llm?.[0]
  const llm = turn.ended?.llm ?? (first === undefined ? undefined : { provider: first.provider.id, model: first.modelId })
  return {
    content: last.content,
    thread_id: prepared.thread.thread_id,
    run_id: prepared.run_id,
    message_id: prepared.message_id,
    assistant_id: prepared.thread.assistant_id,
    status,
    ...(turn.pending === undefined ? {} : { tool_calls: turn.pending }),
    ...(llm === undefined || !valid.sendToLlm ? {} : { model_provider: llm.provider, model_name: llm.model }),
    usage,
    ...(usage.input_tokens === undefined ? {} : { input_tokens: usage.input_tokens }),
    ...(usage.output_tokens === undefined ? {} : { output_tokens: usage.output_tokens }),
    ...(usage.total_tokens === undefined ? {} : { total_tokens: usage.total_tokens }),
    attachments: turn.attachments,
    retrieved_memories: turn.retrieved,
    memory_operation_id: turn.ended?.memory_operation_id ?? null,
    warnings: turn.ended?.warnings ?? prepared.warnings,
    messages
  }
}

/**
 * Runs one message and returns its `MessageResponse`: the fold of the same event stream the
 * streaming call returns (`addMessage`).
 */
export const addMessageResponse = Effect.fn("Pipeline.addMessageResponse")(function*(request: unknown, options: AddMessageOptions = {}) {
  const prepared = yield* prepare(request, options)
  return fold(prepared, yield* Stream.runCollect(execute(prepared)))
})

// ---------------------------------------------------------------------------------------------
// Tool outputs: resuming a paused run
// ---------------------------------------------------------------------------------------------

/** Resumes a paused run with the caller's tool outputs, as a new stream of events (see {@link prepareResume}). */
export const submitToolOutputs = (
  runId: string,
  outputs: ReadonlyArray<ToolOutput>
): Stream.Stream<PipelineEvent, ProviderError, ProviderRegistry | MediaStore | StoreServices | Runs> =>
  Stream.unwrap(Effect.map(prepareResume(runId, outputs), ({ prepared, outputs }) => execute(prepared, outputs)))

/** Resumes a paused run and returns its `MessageResponse`, the fold of the resumed stream. */
export const submitToolOutputsResponse = Effect.fn("Pipeline.submitToolOutputsResponse")(function*(
  runId: string,
  outputs: ReadonlyArray<ToolOutput>
) {
  const { prepared, outputs: decoded } = yield* prepareResume(runId, outputs)
  return fold(prepared, yield* Stream.runCollect(execute(prepared, decoded)))
})
