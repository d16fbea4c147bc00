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
import { type Cause, Clock, Context, Deferred, Effect, Fiber, Layer, Queue, Schema, type Scope, Stream } from "effect"
import type { AudioInput, AudioSource } from "./AudioInput.ts"
import * as AudioInputs from "./AudioInput.ts"
import { InvalidRequest, NotFound, type ProviderError } from "./Errors.ts"
import type { Media } from "./Media.ts"
import { MediaStore } from "./MediaStore.ts"
import type { MessageResponse, RunStatus, TurnMessage } from "./MessageResponse.ts"
import type { PipelineEvent } from "./PipelineEvent.ts"
import type { ImageData, LlmMessage } from "./Provider.ts"
import { ProviderRegistry } from "./ProviderRegistry.ts"
import { mediaTypeOfOutputFormat } from "./ModelInfo.ts"
import * as Run from "./Run.ts"
import { PipelineSettings } from "./Settings.ts"
import * as Stages from "./Stages.ts"
import { type StoredMessage, type Thread, ThreadStore } from "./ThreadStore.ts"
import { type ToolCall, type ToolDefinition, ToolOutput } from "./Tools.ts"
import { combineUsage, type Usage } from "./Usage.ts"
import { retryEffect, timeoutEffect } from "./internal/resilience.ts"
import * as Validation from "./Validation.ts"
import type { SttRecord, TtsRecord, VoiceRecords } from "./VoiceRecords.ts"

// ---------------------------------------------------------------------------------------------
// Runs in flight, for cancel(run_id)
// ---------------------------------------------------------------------------------------------

/** A run waiting for the caller's tool outputs. */
export interface PausedRun {
  readonly prepared: PreparedRun
  /** The conversation up to the pause, the assistant's tool calls last. */
  readonly messages: ReadonlyArray<LlmMessage>
  /** The calls whose outputs the caller must submit. */
  readonly pending: ReadonlyArray<ToolCall>
}

/** @category models */
export interface RunsShape {
  /** Registers a run's cancel signal for the lifetime of the scope. */
  readonly register: (runId: string, cancel: Deferred.Deferred<void>) => Effect.Effect<void, never, Scope.Scope>
  /**
   * Cancels a run in flight, or abandons one paused for tool outputs; `NotFound` (kind run) when
   * no such run is running or paused.
   */
  readonly cancel: (runId: string) => Effect.Effect<void, NotFound>
  /** Keeps a run that paused for tool outputs. */
  readonly pause: (runId: string, paused: PausedRun) => Effect.Effect<void>
  /** Takes a paused run back to resume it; `NotFound` when none waits under that id. */
  readonly resume: (runId: string) => Effect.Effect<PausedRun, NotFound>
}

/** The runs in flight, and those paused for tool outputs, of this process. @category services */
export class Runs extends Context.Service<Runs, RunsShape>()("@patchbay/core/Runs") {
  static readonly layer: Layer.Layer<Runs> = Layer.sync(Runs, () => {
    const running = new Map<string, Deferred.Deferred<void>>()
    const paused = new Map<string, PausedRun>()
    return {
      register: (runId, cancel) =>
        Effect.acquireRelease(
          Effect.sync(() => void running.set(runId, cancel)),
          () => Effect.sync(() => void running.delete(runId))
        ),
      cancel: (runId) =>
        Effect.suspend(() => {
          const cancel = running.get(runId)
          if (cancel !== undefined) return Effect.asVoid(Deferred.succeed(cancel, undefined))
          // A run waiting for tool outputs is abandoned: it can no longer be resumed.
          if (paused.delete(runId)) return Effect.void
          return Effect.fail(new NotFound({ kind: "run", id: runId }))
        }),
      pause: (runId, run) => Effect.sync(() => void paused.set(runId, run)),
      resume: (runId) =>
        Effect.suspend(() => {
          const run = paused.get(runId)
          if (run === undefined) return Effect.fail(new NotFound({ kind: "run", id: runId }))
          paused.delete(runId)
          return Effect.succeed(run)
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
  /** Set when the run resumes after tool outputs: the conversation to continue. */
  readonly continuation?: ReadonlyArray<LlmMessage> | undefined
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
  /** Calls waiting for the caller's outputs when the run pauses. */
  pending: ReadonlyArray<ToolCall>
  /** Images generated this turn. */
  images: Array<Omit<Media, "url">>
  /** The LLM that served, after any fallback. */
  llm: { readonly provider: string; readonly model: string } | undefined
  /** Tool outputs submitted to resume the run, stored as the thread's tool messages. */
  outputs: ReadonlyArray<ToolOutput>
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
    const produced = [
      ...state.images,
      ...(state.tts === undefined ? [] : [{ document_id: state.tts.document_id, media_type: mediaTypeOfRecord(state.tts) }])
    ]
    const last = {
      ...(records === undefined ? {} : { voice_records: records }),
      ...(produced.length === 0 ? {} : { attachments: produced })
    }
    const user: Array<StoredMessage> = prepared.continuation !== undefined
      ? []
      : [{
        ...base,
        message_id: prepared.user_message_id,
        role: "user",
        content: userText(valid.request.content, state.stt?.transcript),
        status: valid.sendToLlm ? "completed" : status,
        ...(valid.sendToLlm ? {} : last)
      }]
    const outputs: Array<StoredMessage> = state.outputs.map((output) => ({
      ...base,
      message_id: Run.makeId("msg"),
      role: "tool",
      tool_call_id: output.tool_call_id,
      content: output.output,
      status: "completed"
    }))
    const assistant: Array<StoredMessage> = valid.sendToLlm
      ? [{
        ...base,
        message_id: prepared.assistant_message_id,
        role: "assistant",
        content: state.content,
        status,
        ...(state.pending.length === 0 ? {} : { tool_calls: state.pending }),
        ...last
      }]
      : []
    yield* threads.save([...user, ...outputs, ...assistant]).pipe(Effect.orDie)
  })

const mediaTypeOfRecord = (record: TtsRecord): string => mediaTypeOfOutputFormat(record.output_format)

/** The built-in tool the LLM is offered with `image_generation: "auto"`. */
export const generateImageTool: ToolDefinition = {
  type: "function",
  function: {
    name: "generate_image",
    description: "Generate an image from a text prompt. To edit an image of this conversation, pass its document_id " +
      "as input_image_document_id. Returns the new image's document_id.",
    parameters: {
      type: "object",
      properties: {
        prompt: { type: "string", description: "What the image should show, or how to change the input image." },
        input_image_document_id: { type: "string", description: "The document_id of an image of this conversation to edit." }
      },
      required: ["prompt"],
      additionalProperties: false
    }
  }
}

/**
 * Runs the built-in image tool for one call. Whatever goes wrong — malformed arguments, a
 * document of another thread or none at all, the image vendor failing — becomes a tool result
 * the LLM reads, never a failure of the run.
 */
const imageTool = (prepared: PreparedRun, state: TurnState, call: ToolCall) =>
  Effect.gen(function*() {
    const image = prepared.valid.image!
    const settings = yield* PipelineSettings
    const media = yield* MediaStore
    const run = yield* Run.Run
    const thread_id = prepared.thread.thread_id
    const refuse = (error: string) => Effect.succeed(JSON.stringify({ error }))
    let args: { prompt?: unknown; input_image_document_id?: unknown }
    try {
      args = JSON.parse(call.function.arguments) as typeof args
    } catch {
      return yield* refuse("the arguments are not valid JSON")
    }
    if (typeof args.prompt !== "string" || args.prompt.trim() === "") return yield* refuse("prompt must be a non-empty string")
    const inputId = args.input_image_document_id
    let input_images: Array<ImageData> | undefined
    if (inputId !== undefined) {
      const missing = `no image with document_id ${JSON.stringify(inputId)} in this conversation`
      if (typeof inputId !== "string") return yield* refuse(missing)
      const found = yield* Effect.option(media.get(inputId))
      // A document of another thread is refused exactly like one that does not exist.
      if (found._tag === "None" || found.value.thread_id !== thread_id || !found.value.media_type.startsWith("image/")) {
        return yield* refuse(missing)
      }
      input_images = [{ data: found.value.bytes, media_type: found.value.media_type }]
    }
    const { options } = Validation.optionsFor(prepared.valid.request.provider_options, image.provider.id, "provider_options")
    const request = { model: image.modelId, prompt: args.prompt, input_images, provider_options: options }
    const result = yield* Effect.result(
      retryEffect(timeoutEffect(image.capability.generate(request), settings.timeouts.image, { provider: image.provider.id, stage: "image" }), settings.retry)
    )
    if (result._tag === "Failure") return yield* refuse(`the image could not be generated: ${result.failure.message}`)
    if (result.success.images.length === 0) return yield* refuse("the image model returned no image")
    state.usage = combineUsage(state.usage, result.success.usage)
    const stored: Array<Media> = []
    for (const picture of result.success.images) {
      const medium = yield* Stages.store({ bytes: picture.data, media_type: picture.media_type, thread_id }).pipe(Effect.orDie)
      stored.push(medium)
      state.images.push({ document_id: medium.document_id, media_type: medium.media_type })
      run.emitUnsafe({ type: "media_generated", media: medium })
    }
    return JSON.stringify({
      document_id: stored[0]?.document_id,
      ...(stored.length > 1 ? { document_ids: stored.map((m) => m.document_id) } : {}),
      media_type: stored[0]?.media_type,
      ...(result.success.revised_prompt === undefined ? {} : { revised_prompt: result.success.revised_prompt })
    })
  })

/**
 * The LLM's part of a turn: ask, run the built-in tools it calls and ask again, until it answers
 * or calls a tool of the caller's — then the run pauses for the caller's outputs.
 */
const converse = (prepared: PreparedRun, state: TurnState, start: ReadonlyArray<LlmMessage>, onText: (delta: string) => void) =>
  Effect.gen(function*() {
    const { valid } = prepared
    const request = valid.request
    const settings = yield* PipelineSettings
    const run = yield* Run.Run
    const runs = yield* Runs
    const userTools = request.tools ?? prepared.thread.tools ?? []
    const tools = [...userTools, ...(valid.image === undefined ? [] : [generateImageTool])]
    const messages = [...start]
    // Once an LLM has answered, the turn stays with it: fallback only before the first output.
    let llms = valid.llm!
    for (let round = 0;; round++) {
      if (round >= settings.maxToolRounds) {
        return yield* new InvalidRequest({
          field: "tools",
          reason: `the model was still calling tools after ${settings.maxToolRounds} rounds`
        })
      }
      const reply = yield* Stages.respondValidated(llms, {
        messages: [...messages],
        tools: tools.length === 0 ? undefined : tools,
        provider_options: request.provider_options
      }, onText)
      state.llm = { provider: reply.provider, model: reply.model }
      llms = llms.filter((entry) => entry.provider.id === reply.provider && entry.modelId === reply.model)
      state.usage = combineUsage(state.usage, reply.usage)
      messages.push({
        role: "assistant",
        content: reply.content,
        ...(reply.tool_calls.length === 0 ? {} : { tool_calls: reply.tool_calls })
      })
      if (reply.tool_calls.length === 0) return "completed" as const
      const theirs = reply.tool_calls.filter((call) => userTools.some((tool) => tool.function.name === call.function.name))
      for (const call of reply.tool_calls) {
        if (theirs.includes(call)) continue
        const output = valid.image !== undefined && call.function.name === generateImageTool.function.name
          ? yield* imageTool(prepared, state, call)
          : JSON.stringify({ error: `there is no tool named ${JSON.stringify(call.function.name)}` })
        messages.push({ role: "tool", tool_call_id: call.id, content: output })
      }
      if (theirs.length > 0) {
        state.pending = theirs
        run.emitUnsafe({ type: "tool_submit_required", tool_calls: theirs })
        yield* runs.pause(prepared.run_id, { prepared, messages, pending: theirs })
        return "requires_action" as const
      }
    }
  })

/** The turn itself: the stages in order, emitting into the run. */
const turn = (prepared: PreparedRun, state: TurnState) =>
  Effect.gen(function*() {
    const { valid } = prepared
    const request = valid.request
    const sttWarnings = valid.warnings.filter((w) => w.startsWith("voice.stt."))
    const ttsWarnings = valid.warnings.filter((w) => w.startsWith("voice.tts."))

    // STT
    if (prepared.continuation === undefined && valid.stt !== undefined && prepared.audio !== undefined) {
      state.stt = yield* Stages.transcribeValidated(valid.stt, prepared.audio, sttWarnings)
      state.usage = combineUsage(state.usage, state.stt.usage)
    }
    const text = userText(request.content, state.stt?.transcript)

    if (!valid.sendToLlm || valid.llm === undefined) {
      state.content = text
      if (valid.tts !== undefined) {
        state.tts = yield* Stages.speakValidated(valid.tts, Stream.succeed(text), { thread_id: prepared.thread.thread_id, warnings: ttsWarnings })
      }
      if (state.tts !== undefined) state.usage = combineUsage(state.usage, state.tts.usage)
      return "completed" as const
    }

    // LLM, with TTS speaking the reply as it streams
    const system = request.system_prompt ?? prepared.thread.system_prompt
    const start: ReadonlyArray<LlmMessage> = prepared.continuation ?? [
      ...(system === undefined ? [] : [{ role: "system" as const, content: system }]),
      ...historyToMessages(prepared.history),
      { role: "user", content: text }
    ]
    const spoken = yield* Queue.unbounded<string, Cause.Done>()
    const speaking = valid.tts === undefined
      ? undefined
      : yield* Effect.forkChild(Stages.speakValidated(valid.tts, Stream.fromQueue(spoken), {
        thread_id: prepared.thread.thread_id,
        warnings: ttsWarnings
      }))
    const status = yield* converse(prepared, state, start, (delta) => {
      state.content += delta
      if (speaking !== undefined) Queue.offerUnsafe(spoken, delta)
    }).pipe(Effect.onError(() => (speaking === undefined ? Effect.void : Fiber.interrupt(speaking))))
    yield* Queue.end(spoken)
    if (speaking !== undefined) state.tts = yield* Fiber.join(speaking)
    if (state.tts !== undefined) state.usage = combineUsage(state.usage, state.tts.usage)
    return status
  })

/**
 * Step 2: runs a prepared message as a stream of events. `run_started` comes first and
 * `run_ended` last; a failure after the start emits `error` and `run_ended{status: "failed"}`,
 * then fails the stream with the tagged error; `cancel(run_id)` ends it with status
 * `cancelled` after aborting every vendor request in flight. A run whose LLM calls the caller's
 * tools ends with `tool_submit_required` and status `requires_action`; `submitToolOutputs`
 * resumes it as a new stream under the same run id.
 */
export const execute = (
  prepared: PreparedRun,
  outputs: ReadonlyArray<ToolOutput> = []
): Stream.Stream<PipelineEvent, ProviderError, MediaStore | ThreadStore | Runs> =>
  Run.toStream(
    { thread_id: prepared.thread.thread_id, run_id: prepared.run_id },
    Effect.scoped(Effect.gen(function*() {
      const runs = yield* Runs
      const cancelled = yield* Deferred.make<void>()
      yield* runs.register(prepared.run_id, cancelled)
      const state: TurnState = {
        content: "",
        stt: undefined,
        tts: undefined,
        usage: {},
        pending: [],
        images: [],
        llm: undefined,
        outputs
      }
      const served = () => (state.llm === undefined ? {} : { model_provider: state.llm.provider, model_name: state.llm.model })
      yield* Run.emit({ type: "run_started" })
      const outcome = yield* Effect.raceFirst(
        turn(prepared, state),
        Deferred.await(cancelled).pipe(Effect.as("cancelled" as const))
      ).pipe(
        Effect.onInterrupt(() => persist(prepared, state, "cancelled")),
        Effect.catch((error: ProviderError) =>
          Effect.gen(function*() {
            yield* persist(prepared, state, "failed")
            yield* Run.emit({ type: "error", code: error._tag, message: error.message, retryable: error.retryable })
            yield* Run.emit({ type: "run_ended", status: "failed", usage: state.usage, ...served() })
            return yield* Effect.fail(error)
          })
        )
      )
      yield* persist(prepared, state, outcome)
      yield* Run.emit({ type: "run_ended", status: outcome, usage: state.usage, ...served() })
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
  let served: { readonly provider: string; readonly model: string } | undefined
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
        if (event.model_provider !== undefined && event.model_name !== undefined) {
          served = { provider: event.model_provider, model: event.model_name }
        }
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
  const messages: Array<TurnMessage> = !valid.sendToLlm || prepared.continuation !== undefined
    ? [last]
    : [{ message_id: prepared.user_message_id, role: "user", content: user, status: "completed" }, last]
  const llm = served ?? (valid.llm?.[0] === undefined ? undefined : { provider: valid.llm[0].provider.id, model: valid.llm[0].modelId })
  return {
    content: last.content,
    thread_id: prepared.thread.thread_id,
    run_id: prepared.run_id,
    message_id: prepared.message_id,
    assistant_id: null,
    status,
    ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }),
    ...(llm === undefined || !valid.sendToLlm ? {} : { model_provider: llm.provider, model_name: llm.model }),
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

// ---------------------------------------------------------------------------------------------
// Tool outputs: resuming a paused run
// ---------------------------------------------------------------------------------------------

/**
 * Takes a run paused for tool outputs and checks the outputs: exactly one for each pending call.
 * The run resumes under the same run id with a new assistant message.
 */
export const prepareResume = Effect.fn("Pipeline.prepareResume")(function*(runId: string, outputs: ReadonlyArray<ToolOutput>) {
  const runs = yield* Runs
  const decoded = yield* Validation.decodeWith(Schema.Array(ToolOutput), "tool_outputs")(outputs)
  const paused = yield* runs.resume(runId)
  const refuse = (error: InvalidRequest) => Effect.andThen(runs.pause(runId, paused), Effect.fail(error))
  const pendingIds = paused.pending.map((call) => call.id)
  for (const [i, output] of decoded.entries()) {
    if (!pendingIds.includes(output.tool_call_id)) {
      return yield* refuse(new InvalidRequest({
        field: `tool_outputs[${i}].tool_call_id`,
        value: output.tool_call_id,
        allowed: pendingIds,
        reason: "no pending tool call has this id"
      }))
    }
    if (decoded.findIndex((o) => o.tool_call_id === output.tool_call_id) !== i) {
      return yield* refuse(new InvalidRequest({ field: `tool_outputs[${i}].tool_call_id`, value: output.tool_call_id, reason: "given twice" }))
    }
  }
  const missing = pendingIds.filter((id) => !decoded.some((o) => o.tool_call_id === id))
  if (missing.length > 0) {
    return yield* refuse(new InvalidRequest({ field: "tool_outputs", value: missing, reason: `no output for ${missing.join(", ")}` }))
  }
  const assistant_message_id = Run.makeId("msg")
  const prepared: PreparedRun = {
    ...paused.prepared,
    assistant_message_id,
    message_id: assistant_message_id,
    continuation: [
      ...paused.messages,
      ...paused.pending.map((call): LlmMessage => ({
        role: "tool",
        tool_call_id: call.id,
        content: decoded.find((o) => o.tool_call_id === call.id)!.output
      }))
    ]
  }
  return { prepared, outputs: decoded }
})

/** Resumes a paused run with the caller's tool outputs, as a new stream of events. */
export const submitToolOutputs = (
  runId: string,
  outputs: ReadonlyArray<ToolOutput>
): Stream.Stream<PipelineEvent, ProviderError, MediaStore | ThreadStore | Runs> =>
  Stream.unwrap(Effect.map(prepareResume(runId, outputs), ({ prepared, outputs }) => execute(prepared, outputs)))

/** Resumes a paused run and returns its `MessageResponse`, the fold of the resumed stream. */
export const submitToolOutputsResponse = Effect.fn("Pipeline.submitToolOutputsResponse")(function*(
  runId: string,
  outputs: ReadonlyArray<ToolOutput>
) {
  const { prepared, outputs: decoded } = yield* prepareResume(runId, outputs)
  const events = yield* Stream.runCollect(execute(prepared, decoded))
  return fold(prepared, events)
})
