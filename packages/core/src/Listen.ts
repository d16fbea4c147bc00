/**
 * Listening sessions: live audio in, the pipeline's events out, optionally inside a thread.
 * {@link session} runs `Stages.listen` as a stream of events under the session's own run id and,
 * with a thread, either answers each committed utterance as a message of that thread
 * (`respond`) — that message's run streamed right after the utterance, before the session reads
 * more audio — or stores the whole transcript as one user message once the audio has ended.
 * `pb.listen` runs it through {@link fromParams}; a host's realtime route can run it as it is.
 *
 * Everything a session is asked is checked before the vendor is connected: the realtime STT
 * (see `Validation.validateRealtimeStt`), the reply's `tts`, the thread, and the keys.
 *
 * @example
 * ```ts
 * const events = Listen.session(
 *   { stt: { provider: "elevenlabs", model: "scribe_v2_realtime" }, audio_format: "pcm_16000", thread_id, respond: true },
 *   microphone // Stream<Uint8Array | Commit>
 * )
 * ```
 * @since 0.3.0
 */
import { Cause, Clock, Effect, Stream } from "effect"
import { InvalidRequest, type MissingApiKey, type ProviderError } from "./Errors.ts"
import { listenValidated, type Utterance } from "./internal/stages/listen.ts"
import type { MediaStore } from "./MediaStore.ts"
import * as Pipeline from "./Pipeline.ts"
import type { PipelineEvent } from "./PipelineEvent.ts"
import { Commit, type CommitStrategy, type PatchbayProvider, type RealtimeSttInput } from "./Provider.ts"
import { ProviderRegistry } from "./ProviderRegistry.ts"
import * as Run from "./Run.ts"
import type { StoreServices } from "./Stores.ts"
import { ThreadStore } from "./ThreadStore.ts"
import * as Validation from "./Validation.ts"
import type { SttConfig, TtsConfig } from "./VoiceConfig.ts"

/** A listening session as asked for (wire names): the realtime STT, and what to do with what is heard. */
export interface ListenRequest extends Validation.RealtimeSttConfig {
  /** The thread the session belongs to: its replies (`respond`) or its transcript go there. */
  readonly thread_id?: string | undefined
  /** Answer each committed utterance as a message of `thread_id` (its LLM and defaults). Default false. */
  readonly respond?: boolean | undefined
  /** With `respond`: speaks each reply, as a message's `voice.tts`. */
  readonly tts?: TtsConfig | undefined
}

/** The request fields a session's refusals name (see `Validation.RealtimeFields`). */
export interface ListenFields extends Validation.RealtimeFields {
  readonly thread_id: string
  readonly respond: string
  readonly tts: string
}

/** The wire names of {@link ListenRequest}. */
export const listenFields: ListenFields = { ...Validation.realtimeFields, thread_id: "thread_id", respond: "respond", tts: "tts" }

/** The `thread_id` of a session's own events when it belongs to no thread: the empty string. */
export const NO_THREAD = ""

/** What a session needs from its runtime: what `Pipeline.addMessage` needs. */
export type Services = ProviderRegistry | StoreServices | MediaStore | Pipeline.Runs

const credentials = (providers: ReadonlyArray<PatchbayProvider>): Effect.Effect<void, MissingApiKey> =>
  Effect.forEach([...new Set(providers)], (provider) => provider.credentials ?? Effect.void, { discard: true })

/**
 * Runs a listening session as a stream of events: `stt_stream_start`, `stt_partial`s and
 * `stt_committed`s while `audio` is read, then `stt_stream_end` with the record (see
 * `Stages.listenValidated`), stamped with `thread_id` (else {@link NO_THREAD}) and a fresh
 * `run_id` (or `options.run_id`). With `respond`, each committed utterance is sent through
 * `Pipeline.addMessage` as the text of a new message of the thread, and that run's events —
 * under its own run id — follow the utterance's `stt_committed`; the session reads no audio
 * while a reply runs. With a thread and without `respond`, the transcript is stored as one user
 * message (with `voice_records.stt`) once the audio ends, unless nothing was said. A refusal
 * fails the stream before any event and before the vendor is connected; a vendor error, or the
 * store failing to keep the transcript, emits `error` and fails it; a failed reply fails it after
 * that reply's own `error` and `run_ended`.
 */
export const session = <E = never, R = never>(
  request: ListenRequest,
  audio: Stream.Stream<RealtimeSttInput, E, R>,
  options: { readonly run_id?: string | undefined; readonly fields?: ListenFields | undefined } = {}
): Stream.Stream<PipelineEvent, ProviderError | E, Services | R> =>
  Stream.unwrap(Effect.map(prepare(request, options), (start) => start(audio)))

/**
 * A session checked and ready to start: every refusal of {@link session} (and the thread looked
 * up, the keys checked) happens here, before any audio is read or vendor connected — so a host
 * can answer a bad request as such (a WebSocket route, before it upgrades), then start the
 * session on the audio it receives.
 */
export const prepare = (
  request: ListenRequest,
  options: { readonly run_id?: string | undefined; readonly fields?: ListenFields | undefined } = {}
): Effect.Effect<
  <E, R>(audio: Stream.Stream<RealtimeSttInput, E, R>) => Stream.Stream<PipelineEvent, ProviderError | E, Services | R>,
  ProviderError,
  Services
> =>
  Effect.gen(function*() {
    const fields = options.fields ?? listenFields
    const registry = yield* ProviderRegistry
    const valid = yield* Validation.validateRealtimeStt(registry, request, fields)
    const respond: unknown = request.respond ?? false
    if (typeof respond !== "boolean") {
      return yield* new InvalidRequest({ field: fields.respond, value: respond, reason: "expected true or false" })
    }
    const threadId = request.thread_id
    if (respond && threadId === undefined) {
      return yield* new InvalidRequest({ field: fields.thread_id, reason: "respond answers each utterance in a thread: name the thread" })
    }
    if (request.tts !== undefined && !respond) {
      return yield* new InvalidRequest({ field: fields.tts, reason: "tts speaks the replies: it needs respond" })
    }
    const tts = request.tts === undefined ? undefined : yield* Validation.validateTts(registry, request.tts, fields.tts)
    if (threadId !== undefined) yield* ThreadStore.use((threads) => threads.get(threadId))
    yield* credentials([valid.resolved.provider, ...(tts?.[0] === undefined ? [] : [tts[0].resolved.provider])])

    const ids = { thread_id: threadId ?? NO_THREAD, run_id: options.run_id ?? Run.makeId("run") }
    return <E, R>(audio: Stream.Stream<RealtimeSttInput, E, R>) => started(request, valid, ids, audio)
  })

/** A prepared session, run on its audio. */
const started = <E, R>(
  request: ListenRequest,
  valid: Validation.ValidRealtimeStt,
  ids: { readonly thread_id: string; readonly run_id: string },
  audio: Stream.Stream<RealtimeSttInput, E, R>
): Stream.Stream<PipelineEvent, ProviderError | E, Services | R> => {
    const threadId = request.thread_id
    const respond = request.respond === true
    const reply = (utterance: Utterance) =>
      Effect.gen(function*() {
        const run = yield* Run.Run
        const forward = run.forward ?? (() => Effect.die(new Error("the session's run cannot carry the replies' events")))
        const message = { thread_id: threadId, content: utterance.text, ...(request.tts === undefined ? {} : { voice: { tts: request.tts } }) }
        yield* Stream.runForEach(Pipeline.addMessage(message), forward)
      })
    const program = Effect.gen(function*() {
      const record = yield* listenValidated(valid, audio, respond ? { onCommitted: reply } : {})
      if (threadId === undefined || respond || record.transcript === "") return
      const created_at = new Date(yield* Clock.currentTimeMillis).toISOString()
      yield* ThreadStore.use((threads) =>
        threads.save([{
          message_id: Run.makeId("msg"),
          thread_id: threadId,
          run_id: ids.run_id,
          role: "user",
          content: record.transcript,
          status: "completed",
          created_at,
          voice_records: { stt: record }
        }])
      ).pipe(Effect.tapError((error) => Run.emit({ type: "error", code: error._tag, message: error.message, retryable: error.retryable })))
    })
    return Run.toStream(ids, program)
}

// ---------------------------------------------------------------------------------------------
// The facade's options
// ---------------------------------------------------------------------------------------------

/** Where the facade's live audio comes from: chunks of bytes, and `Commit`s in manual mode. */
export type AudioSource = AsyncIterable<Uint8Array | Commit> | ReadableStream<Uint8Array | Commit>

/** The options of `pb.listen`. */
export interface ListenParams {
  /** `stt`: the realtime STT (provider, model, language, provider_options); `tts`: speaks the replies (with `respond`). */
  readonly voice: { readonly stt: SttConfig; readonly tts?: TtsConfig | undefined }
  /**
   * The live audio, in `format`, read as the session consumes it. With `commit: "manual"`, yield
   * `Commit` (from `@patchbay/core`) where an utterance ends.
   */
  readonly audio: AudioSource
  /** A generic realtime format id the model takes: `pcm_16000`, `pcm_24000`, `ulaw_8000`, … */
  readonly format: string
  /** `vad` (default): the vendor commits when the speaker pauses; `manual`: on each `Commit`. */
  readonly commit?: CommitStrategy | undefined
  /** ISO 639-1; overrides `voice.stt.language`. */
  readonly language?: string | undefined
  /** Per-word times on committed utterances, where the vendor gives them. */
  readonly includeTimestamps?: boolean | undefined
  /** The thread the session belongs to; events carry it (else `""`). */
  readonly threadId?: string | undefined
  /** Answer each committed utterance as a message of `threadId`, its run's events in between. */
  readonly respond?: boolean | undefined
  /** Aborting ends the iteration with `Cancelled` and closes the vendor session. */
  readonly signal?: AbortSignal | undefined
}

/** A failure of the caller's audio source: re-thrown to the caller as it was thrown. */
class SourceFailed {
  readonly cause: unknown
  constructor(cause: unknown) {
    this.cause = cause
  }
}

/** One element of the caller's audio, checked: bytes (an `ArrayBuffer` is taken too) or a commit. */
const element = (value: unknown): Effect.Effect<RealtimeSttInput, InvalidRequest> => {
  if (value instanceof Uint8Array) return Effect.succeed(value)
  if (value instanceof ArrayBuffer) return Effect.succeed(new Uint8Array(value))
  if (typeof value === "object" && value !== null && (value as { readonly type?: unknown }).type === "commit") return Effect.succeed(Commit)
  return Effect.fail(new InvalidRequest({ field: "audio", reason: "expected chunks of audio (Uint8Array) and Commit, nothing else" }))
}

/** The caller's audio as a stream, pulled one element at a time. */
export const audioStream = (source: AudioSource): Stream.Stream<RealtimeSttInput, InvalidRequest | SourceFailed> => {
  const raw: Stream.Stream<unknown, SourceFailed> = typeof (source as ReadableStream).getReader === "function"
    ? Stream.fromReadableStream({ evaluate: () => source as ReadableStream<unknown>, onError: (cause) => new SourceFailed(cause) })
    : Stream.fromAsyncIterable(source as AsyncIterable<unknown>, (cause) => new SourceFailed(cause))
  return Stream.mapEffect(raw, element)
}

/**
 * `pb.listen`'s session: the camelCase options turned into a {@link ListenRequest}, refusals
 * naming the facade's fields (`voice.stt.model`, `format`, `commit`, `threadId`, …), and a
 * failure of the caller's audio source re-thrown as it was.
 */
export const fromParams = (params: ListenParams, run_id: string): Stream.Stream<PipelineEvent, ProviderError, Services> => {
  const stt = params.language === undefined ? params.voice.stt : { ...params.voice.stt, language: params.language }
  const request: ListenRequest = {
    stt,
    audio_format: params.format,
    commit: params.commit,
    include_timestamps: params.includeTimestamps,
    thread_id: params.threadId,
    respond: params.respond,
    tts: params.voice.tts
  }
  const fields: ListenFields = {
    stt: "voice.stt",
    audio_format: "format",
    commit: "commit",
    language: params.language === undefined ? "voice.stt.language" : "language",
    include_timestamps: "includeTimestamps",
    thread_id: "threadId",
    respond: "respond",
    tts: "voice.tts"
  }
  return session(request, audioStream(params.audio), { run_id, fields }).pipe(
    Stream.catchCause((cause) => {
      const failure = Cause.findErrorOption(cause)
      return failure._tag === "Some" && failure.value instanceof SourceFailed ? Stream.die(failure.value.cause) : Stream.failCause(cause as Cause.Cause<ProviderError>)
    })
  )
}
