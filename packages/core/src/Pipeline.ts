/**
 * `addMessage`: one message through the stages, in every mode — text → text, audio → text,
 * text → audio, audio → audio, and audio → transcript only. The request is decoded and validated
 * against every stage's catalogue first, so nothing reaches a vendor when any part of it is
 * wrong; then the turn runs as one stream of events, and the non-streaming `MessageResponse` is
 * the fold of that same stream.
 *
 * Reading order follows a request: {@link prepare} (decode, validate, find or create the
 * thread) → {@link execute} (STT → LLM with concurrent sentence-by-sentence TTS → store →
 * persist → `run_ended`) → {@link fold}.
 *
 * @since 0.1.0
 */
import { type Cause, Clock, Context, Deferred, Effect, Fiber, Layer, Queue, type Scope, Stream } from "effect"
import type { AudioInput, AudioSource } from "./AudioInput.ts"
import * as AudioInputs from "./AudioInput.ts"
import { InvalidRequest, NotFound, type ProviderError } from "./Errors.ts"
import type { Media } from "./Media.ts"
import type { MediaStore } from "./MediaStore.ts"
import type { MessageResponse, RunStatus, TurnMessage } from "./MessageResponse.ts"
import type { PipelineEvent } from "./PipelineEvent.ts"
import type { LlmMessage } from "./Provider.ts"
import { ProviderRegistry } from "./ProviderRegistry.ts"
import * as Run from "./Run.ts"
import { PipelineSettings } from "./Settings.ts"
import * as Stages from "./Stages.ts"
import { type StoredMessage, type Thread, ThreadStore } from "./ThreadStore.ts"
import type { ToolCall, ToolDefinition } from "./Tools.ts"
import { combineUsage, type Usage } from "./Usage.ts"
import * as Validation from "./Validation.ts"
import type { SttRecord, TtsRecord, VoiceRecords } from "./VoiceRecords.ts"

// ---------------------------------------------------------------------------------------------
// Runs in flight, for cancel(run_id)
// ---------------------------------------------------------------------------------------------

/** @category models */
export interface RunsShape {
  /** Registers a run's cancel signal for the lifetime of the scope. */
  readonly register: (runId: string, cancel: Deferred.Deferred<void>) => Effect.Effect<void, never, Scope.Scope>
  /** Cancels a run in flight; `NotFound` (kind run) when no such run is running. */
  readonly cancel: (runId: string) => Effect.Effect<void, NotFound>
}

/** The runs in flight of this process. @category services */
export class Runs extends Context.Service<Runs, RunsShape>()("@patchbay/core/Runs") {
  static readonly layer: Layer.Layer<Runs> = Layer.sync(Runs, () => {
    const running = new Map<string, Deferred.Deferred<void>>()
    return {
      register: (runId, cancel) =>
        Effect.acquireRelease(
          Effect.sync(() => void running.set(runId, cancel)),
          () => Effect.sync(() => void running.delete(runId))
        ),
      cancel: (runId) =>
        Effect.suspend(() => {
          const cancel = running.get(runId)
          return cancel === undefined
            ? Effect.fail(new NotFound({ kind: "run", id: runId }))
            : Effect.asVoid(Deferred.succeed(cancel, undefined))
        })
    }
  })
}

/**
 * Cancels a run in flight: every vendor request of it is aborted and the run ends normally with
 * `run_ended{status: "cancelled"}`, keeping its partial content.
 */
export const cancel = (runId: string): Effect.Effect<void, NotFound, Runs> => Runs.use((runs) => runs.cancel(runId))

// ---------------------------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------------------------

/** What a thread remembers for its messages. */
export interface CreateThread {
  readonly system_prompt?: string | undefined
  readonly llm_provider?: string | undefined
  readonly model_name?: string | undefined
  readonly tools?: ReadonlyArray<ToolDefinition> | undefined
}

/** Creates a thread; its LLM, if named, is validated against the registry. */
export const createThread = Effect.fn("Pipeline.createThread")(function*(options: CreateThread = {}) {
  const registry = yield* ProviderRegistry
  const threads = yield* ThreadStore
  if ((options.llm_provider === undefined) !== (options.model_name === undefined)) {
    return yield* new InvalidRequest({
      field: options.llm_provider === undefined ? "llm_provider" : "model_name",
      reason: "llm_provider and model_name go together"
    })
  }
  if (options.llm_provider !== undefined && options.model_name !== undefined) {
    yield* Validation.validateModel(registry, "llm", options.llm_provider, options.model_name, {
      provider: "llm_provider",
      model: "model_name"
    }, undefined)
  }
  const thread: Thread = {
    thread_id: Run.makeId("thr"),
    created_at: yield* Clock.currentTimeMillis,
    ...options
  }
  return yield* threads.create(thread)
})

// ---------------------------------------------------------------------------------------------
// Prepare: decode, validate, find the thread
// ---------------------------------------------------------------------------------------------

/** Audio and anything else that travels beside the wire request. */
export interface AddMessageOptions {
  /** The audio to transcribe: a path, bytes, a Blob, a web stream or an async iterable. */
  readonly audio?: AudioSource | AudioInput | undefined
}

/** A validated message, ready to run. */
export interface PreparedRun {
  readonly thread: Thread
  readonly history: ReadonlyArray<StoredMessage>
  readonly run_id: string
  readonly user_message_id: string
  /** The id of the turn's last message: the assistant's, or the user's when the LLM is skipped. */
  readonly message_id: string
  readonly assistant_message_id: string
  readonly valid: Validation.ValidMessage
  readonly audio: AudioInput | undefined
}

const isAudioInput = (u: AudioSource | AudioInput): u is AudioInput =>
  typeof u === "object" && u !== null && "once" in u && "filename" in u

/**
 * Step 1: decodes the wire request, reads what is known of the audio (size, container) without
 * reading it, validates every stage and fallback against the registry, and finds or creates the
 * thread. Fails before any vendor call.
 */
export const prepare = Effect.fn("Pipeline.prepare")(function*(request: unknown, options: AddMessageOptions = {}) {
  const decoded = yield* Validation.decodeMessageRequest(request)
  const registry = yield* ProviderRegistry
  const threads = yield* ThreadStore
  const settings = yield* PipelineSettings
  const existing = decoded.thread_id === undefined ? undefined : yield* threads.get(decoded.thread_id)
  const audio = options.audio === undefined
    ? undefined
    : isAudioInput(options.audio)
    ? options.audio
    : yield* AudioInputs.fromSource(options.audio)
  const threadLlm = existing?.llm_provider !== undefined && existing.model_name !== undefined
    ? { provider: existing.llm_provider, model: existing.model_name }
    : undefined
  const valid = yield* Validation.validateMessage(
    registry,
    decoded,
    audio === undefined ? undefined : { size: audio.size, container: audio.container },
    { thread: threadLlm, instance: settings.defaultLlm }
  )
  const thread = existing ?? (yield* threads.create({ thread_id: Run.makeId("thr"), created_at: yield* Clock.currentTimeMillis }))
  const history = existing === undefined ? [] : yield* threads.messages(thread.thread_id)
  const user_message_id = Run.makeId("msg")
  const assistant_message_id = Run.makeId("msg")
  const prepared: PreparedRun = {
    thread,
    history,
    run_id: Run.makeId("run"),
    user_message_id,
    assistant_message_id,
    message_id: valid.sendToLlm ? assistant_message_id : user_message_id,
    valid,
    audio
  }
  return prepared
})

// ---------------------------------------------------------------------------------------------
// Execute: the turn as a stream of events
// ---------------------------------------------------------------------------------------------

const historyToMessages = (history: ReadonlyArray<StoredMessage>): Array<LlmMessage> =>
  history.filter((m) => m.status !== "failed").map((m): LlmMessage =>
    m.role === "tool"
      ? { role: "tool", tool_call_id: m.tool_call_id ?? "", content: m.content }
      : m.role === "assistant"
      ? { role: "assistant", content: m.content, ...(m.tool_calls === undefined ? {} : { tool_calls: m.tool_calls }) }
      : { role: "user", content: m.content }
  )

/** The user's message: the content, then the transcript. */
const userText = (content: string | undefined, transcript: string | undefined) =>
  [content, transcript].filter((t): t is string => t !== undefined && t !== "").join("\n\n")

/** What a turn has produced so far; kept outside the stages so a cancelled run keeps it. */
interface TurnState {
  content: string
  stt: SttRecord | undefined
  tts: TtsRecord | undefined
  usage: Usage
  toolCalls: ReadonlyArray<ToolCall>
}

const voiceRecords = (state: TurnState): VoiceRecords | undefined =>
  state.stt === undefined && state.tts === undefined
    ? undefined
    : { ...(state.stt === undefined ? {} : { stt: state.stt }), ...(state.tts === undefined ? {} : { tts: state.tts }) }

/** Writes the turn's messages to the thread; the voice records sit on the last one. */
const persist = (prepared: PreparedRun, state: TurnState, status: RunStatus) =>
  Effect.gen(function*() {
    const threads = yield* ThreadStore
    const at = yield* Clock.currentTimeMillis
    const { valid } = prepared
    const base = { thread_id: prepared.thread.thread_id, run_id: prepared.run_id, created_at: at }
    const records = voiceRecords(state)
    const attachments = state.tts === undefined
      ? undefined
      : [{ document_id: state.tts.document_id, media_type: mediaTypeOfRecord(state.tts) }]
    const user: StoredMessage = {
      ...base,
      message_id: prepared.user_message_id,
      role: "user",
      content: userText(valid.request.content, state.stt?.transcript),
      status: valid.sendToLlm || status !== "completed" ? "completed" : status,
      ...(valid.sendToLlm || records === undefined ? {} : { voice_records: records }),
      ...(valid.sendToLlm || attachments === undefined ? {} : { attachments })
    }
    const assistant: Array<StoredMessage> = valid.sendToLlm
      ? [{
        ...base,
        message_id: prepared.assistant_message_id,
        role: "assistant",
        content: state.content,
        status,
        ...(state.toolCalls.length === 0 ? {} : { tool_calls: state.toolCalls }),
        ...(records === undefined ? {} : { voice_records: records }),
        ...(attachments === undefined ? {} : { attachments })
      }]
      : []
    yield* threads.save([user, ...assistant]).pipe(Effect.orDie)
  })

const mediaTypeOfRecord = (record: TtsRecord): string => {
  const format = record.output_format.split("_")[0]
  switch (format) {
    case "mp3":
      return "audio/mpeg"
    case "wav":
      return "audio/wav"
    case "ulaw":
      return "audio/basic"
    case "alaw":
      return "audio/x-alaw-basic"
    case "opus":
      return "audio/ogg"
    default:
      return "application/octet-stream"
  }
}

/** The turn itself: the stages in order, emitting into the run. */
const turn = (prepared: PreparedRun, state: TurnState) =>
  Effect.gen(function*() {
    const { valid } = prepared
    const request = valid.request
    const sttWarnings = valid.warnings.filter((w) => w.startsWith("voice.stt."))
    const ttsWarnings = valid.warnings.filter((w) => w.startsWith("voice.tts."))

    // STT
    if (valid.stt !== undefined && prepared.audio !== undefined) {
      state.stt = yield* Stages.transcribeValidated(valid.stt, prepared.audio, sttWarnings)
      state.usage = combineUsage(state.usage, state.stt.usage)
    }
    const text = userText(request.content, state.stt?.transcript)

    // LLM, with TTS speaking the reply as it streams
    if (valid.sendToLlm && valid.llm !== undefined) {
      const system = request.system_prompt ?? prepared.thread.system_prompt
      const messages: Array<LlmMessage> = [
        ...(system === undefined ? [] : [{ role: "system" as const, content: system }]),
        ...historyToMessages(prepared.history),
        { role: "user", content: text }
      ]
      const tools = request.tools ?? prepared.thread.tools
      const spoken = yield* Queue.unbounded<string, Cause.Done>()
      const speaking = valid.tts === undefined
        ? undefined
        : yield* Effect.forkChild(Stages.speakValidated(valid.tts, Stream.fromQueue(spoken), {
          thread_id: prepared.thread.thread_id,
          warnings: ttsWarnings
        }))
      const reply = yield* Stages.respondValidated(valid.llm, {
        messages,
        tools,
        provider_options: request.provider_options
      }, (delta) => {
        state.content += delta
        if (speaking !== undefined) Queue.offerUnsafe(spoken, delta)
      }).pipe(Effect.onError(() => speaking === undefined ? Effect.void : Fiber.interrupt(speaking)))
      state.toolCalls = reply.tool_calls
      state.usage = combineUsage(state.usage, reply.usage)
      yield* Queue.end(spoken)
      if (speaking !== undefined) state.tts = yield* Fiber.join(speaking)
    } else {
      state.content = text
      if (valid.tts !== undefined) {
        state.tts = yield* Stages.speakValidated(valid.tts, Stream.succeed(text), {
          thread_id: prepared.thread.thread_id,
          warnings: ttsWarnings
        })
      }
    }
    if (state.tts !== undefined) state.usage = combineUsage(state.usage, state.tts.usage)
  })

/**
 * Step 2: runs a prepared message as a stream of events. `run_started` comes first and
 * `run_ended` last; a failure after the start emits `error` and `run_ended{status: "failed"}`,
 * then fails the stream with the tagged error; `cancel(run_id)` ends it with status
 * `cancelled` after aborting every vendor request in flight.
 */
export const execute = (
  prepared: PreparedRun
): Stream.Stream<PipelineEvent, ProviderError, MediaStore | ThreadStore | Runs> =>
  Run.toStream(
    { thread_id: prepared.thread.thread_id, run_id: prepared.run_id },
    Effect.scoped(Effect.gen(function*() {
      const runs = yield* Runs
      const cancelled = yield* Deferred.make<void>()
      yield* runs.register(prepared.run_id, cancelled)
      const state: TurnState = { content: "", stt: undefined, tts: undefined, usage: {}, toolCalls: [] }
      yield* Run.emit({ type: "run_started" })
      const outcome = yield* Effect.raceFirst(
        turn(prepared, state).pipe(Effect.as("completed" as const)),
        Deferred.await(cancelled).pipe(Effect.as("cancelled" as const))
      ).pipe(
        Effect.onInterrupt(() => persist(prepared, state, "cancelled")),
        Effect.catch((error: ProviderError) =>
          Effect.gen(function*() {
            yield* persist(prepared, state, "failed")
            yield* Run.emit({ type: "error", code: error._tag, message: error.message, retryable: error.retryable })
            yield* Run.emit({ type: "run_ended", status: "failed", usage: state.usage })
            return yield* Effect.fail(error)
          })
        )
      )
      yield* persist(prepared, state, outcome)
      yield* Run.emit({ type: "run_ended", status: outcome, usage: state.usage })
    }))
  )

/** Decodes, validates and runs one message as a stream of events (see {@link prepare} and {@link execute}). */
export const addMessage = (
  request: unknown,
  options: AddMessageOptions = {}
): Stream.Stream<PipelineEvent, ProviderError, ProviderRegistry | ThreadStore | MediaStore | Runs> =>
  Stream.unwrap(Effect.map(prepare(request, options), execute))

// ---------------------------------------------------------------------------------------------
// Fold: the non-streaming response
// ---------------------------------------------------------------------------------------------

/** Folds a run's events into its `MessageResponse`; what the non-streaming call returns. */
export const fold = (prepared: PreparedRun, events: Iterable<PipelineEvent>): MessageResponse => {
  const { valid } = prepared
  let content = ""
  let transcript: string | undefined
  let stt: SttRecord | undefined
  let tts: TtsRecord | undefined
  let status: RunStatus = "failed"
  let usage: Usage = {}
  let toolCalls: ReadonlyArray<ToolCall> | undefined
  const attachments: Array<Media> = []
  for (const event of events) {
    switch (event.type) {
      case "stt_stream_end":
        transcript = event.transcript
        stt = event.record
        break
      case "content_streaming":
        content += event.content
        break
      case "tool_submit_required":
        toolCalls = event.tool_calls
        break
      case "media_generated":
        attachments.push(event.media)
        break
      case "tts_stream_end":
        tts = event.record
        attachments.push({ url: event.audio_url, document_id: event.document_id, media_type: mediaTypeOfRecord(event.record) })
        break
      case "run_ended":
        status = event.status
        usage = event.usage
        break
    }
  }
  const user = userText(valid.request.content, transcript)
  const records: VoiceRecords | undefined = stt === undefined && tts === undefined
    ? undefined
    : { ...(stt === undefined ? {} : { stt }), ...(tts === undefined ? {} : { tts }) }
  const last: TurnMessage = {
    message_id: prepared.message_id,
    role: valid.sendToLlm ? "assistant" : "user",
    content: valid.sendToLlm ? content : user,
    ...(records === undefined ? {} : { voice_records: records }),
    ...(attachments.length === 0 ? {} : { attachments }),
    status
  }
  const messages: Array<TurnMessage> = valid.sendToLlm
    ? [{ message_id: prepared.user_message_id, role: "user", content: user, status: "completed" }, last]
    : [last]
  const llm = valid.llm?.[0]
  return {
    content: last.content,
    thread_id: prepared.thread.thread_id,
    run_id: prepared.run_id,
    message_id: prepared.message_id,
    assistant_id: null,
    status,
    ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }),
    ...(llm === undefined ? {} : { model_provider: llm.provider.id, model_name: llm.modelId }),
    usage,
    ...(usage.input_tokens === undefined ? {} : { input_tokens: usage.input_tokens }),
    ...(usage.output_tokens === undefined ? {} : { output_tokens: usage.output_tokens }),
    ...(usage.total_tokens === undefined ? {} : { total_tokens: usage.total_tokens }),
    attachments,
    messages
  }
}

/**
 * Runs one message and returns its `MessageResponse`: the fold of the same event stream the
 * streaming call returns.
 */
export const sendMessage = Effect.fn("Pipeline.sendMessage")(function*(request: unknown, options: AddMessageOptions = {}) {
  const prepared = yield* prepare(request, options)
  const events = yield* Stream.runCollect(execute(prepared))
  return fold(prepared, events)
})
