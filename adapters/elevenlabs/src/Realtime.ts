/**
 * Realtime speech to text with `scribe_v2_realtime`: live audio over the WebSocket
 * `/v1/speech-to-text/realtime`, through the SDK's `speechToText.realtime.connect`, as a
 * stream of partial and committed transcripts (`SttProvider.realtime`).
 *
 * - **Refused before connecting.** The model (a realtime one of the catalogue), the audio format
 *   (`pcm_<rate>` or `ulaw_8000`, which fixes the sample rate), the language, the commit strategy
 *   and the options under `provider_options.elevenlabs` ({@link RealtimeSttOptions}).
 * - **Audio is read as it is sent.** Each chunk of the input is sent as an `input_audio_chunk`
 *   (base64) and the next one is read only once the socket has taken it, so a fast input waits for
 *   the connection instead of piling up in memory. A `Commit` is a `commit: true` chunk, sent
 *   only when audio was sent since the last one.
 * - **The end.** When the input ends, a last commit (when audio was sent since the previous one)
 *   flushes what the vendor still holds; the session ends once every commit sent has had a
 *   committed transcript, then the socket is closed and the summary (audio seconds measured from
 *   the bytes, the session id) is the last event. With `commit: "vad"` the vendor also commits on
 *   its own, and the protocol does not say which commit a committed transcript answers: one the
 *   vendor's detection sent just as the input ended counts as the answer to the last commit, and
 *   what followed it is not waited for. Live audio ends with silence, which the vendor commits
 *   long before; a recording sent faster than real time should use `commit: "manual"`.
 * - **Committed text.** With `include_timestamps` the vendor follows each `committed_transcript`
 *   with a `committed_transcript_with_timestamps` (words, language); that one is the committed
 *   event, the plain one is skipped. An utterance whose text is empty (silence) is not emitted.
 * - **Failures.** The vendor's error messages map to the tagged errors ({@link fromServerError}),
 *   a refused handshake by its HTTP status, and a socket that closes before the end to
 *   `ProviderUnavailable`. Interrupting the stream closes the socket.
 *
 * The SDK's connection offers no completion for a send, so chunks are written on its WebSocket
 * (`ws`) with a callback, in the message shape the SDK's own `send` writes.
 *
 * @since 0.2.0
 */
import { type ElevenLabsClient, RealtimeEvents } from "@elevenlabs/elevenlabs-js"
import type {
  AudioFormat,
  CommitStrategy,
  CommittedTranscriptMessage,
  CommittedTranscriptWithTimestampsMessage,
  InputAudioChunk,
  PartialTranscriptMessage,
  RealtimeConnection,
  ServerErrorMessage,
  SessionStartedMessage,
  WordsItem
} from "@elevenlabs/elevenlabs-js/wrapper/realtime/index.js"
import {
  AuthenticationFailed,
  fromHttpFailure,
  fromRequestFailure,
  InvalidRequest,
  Language,
  type ModelInfo,
  PermissionDenied,
  type ProviderError,
  ProviderTimeout,
  ProviderUnavailable,
  QuotaExceeded,
  RateLimited,
  type RealtimeSttEvent,
  type RealtimeSttInput,
  type RealtimeSttSpec,
  redactSecrets,
  UnknownModel,
  UnsupportedFormat,
  type ValidationError,
  type Word
} from "@patchbay/core"
import { describeCause } from "@patchbay/core/adapter"
import { Cause, Effect, Queue, Stream } from "effect"
import { checkIso6391, type Client, decodeOptions, optionsField } from "./internal/Client.ts"
import { PROVIDER } from "./Models.ts"
import { RealtimeSttOptions } from "./Options.ts"

const FIELD = optionsField("stt")

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const invalid = (name: string, value: unknown, reason: string) =>
  new InvalidRequest({ provider: PROVIDER, field: `${FIELD}.${name}`, value, reason })

/** The SDK's limits on realtime keyterms. */
const MAX_KEYTERMS = 50
const MAX_KEYTERM_LENGTH = 20

const vadOnly = ["vad_silence_threshold_secs", "vad_threshold", "min_speech_duration_ms", "min_silence_duration_ms"] as const

/** The rules between options and the session, after each option decoded on its own. */
const checkRules = (spec: RealtimeSttSpec, options: RealtimeSttOptions): Effect.Effect<void, InvalidRequest> =>
  Effect.gen(function*() {
    if (spec.commit !== "vad") {
      for (const name of vadOnly) {
        const value = options[name]
        if (value !== undefined) {
          return yield* invalid(name, value, `${name} tunes voice activity detection: only with commit "vad", not "${spec.commit}"`)
        }
      }
    }
    for (const [i, code] of (options.secondary_languages ?? []).entries()) {
      if (!Language.isIso6391(code)) return yield* invalid(`secondary_languages[${i}]`, code, "expected an ISO 639-1 code such as \"en\"")
    }
    const keyterms = options.keyterms ?? []
    if (keyterms.length > MAX_KEYTERMS) return yield* invalid("keyterms", `${keyterms.length} keyterms`, `at most ${MAX_KEYTERMS} keyterms`)
    for (const [i, term] of keyterms.entries()) {
      if (term.trim() === "") return yield* invalid(`keyterms[${i}]`, term, "a keyterm cannot be empty")
      if ([...term].length > MAX_KEYTERM_LENGTH) {
        return yield* invalid(`keyterms[${i}]`, term, `a realtime keyterm has at most ${MAX_KEYTERM_LENGTH} characters`)
      }
    }
    if (options.filter_background_audio === true && spec.include_timestamps === true) {
      return yield* invalid("filter_background_audio", true, "filter_background_audio cannot be combined with include_timestamps")
    }
  })

/** A session that passed validation: the model, the audio's rate and size, and the decoded options. */
export interface ValidRealtime {
  readonly model: ModelInfo
  readonly format: AudioFormat
  readonly sampleRate: number
  /** Bytes of audio per second of the format (16-bit PCM: two per sample; µ-law: one). */
  readonly bytesPerSecond: number
  readonly options: RealtimeSttOptions
}

/** The sample rate and bytes per second of a format id (`pcm_16000`, `ulaw_8000`). */
const describeFormat = (format: string): { readonly sampleRate: number; readonly bytesPerSecond: number } => {
  const [codec = "", rate = ""] = format.split("_")
  const sampleRate = Number(rate)
  return { sampleRate, bytesPerSecond: codec === "pcm" ? sampleRate * 2 : sampleRate }
}

/**
 * The pure hook: the realtime model (closed catalogue), the audio format, the language, the
 * commit strategy, the options and their rules. Also run at the start of every session.
 */
export const validateWith = (models: ReadonlyArray<ModelInfo>) => (spec: RealtimeSttSpec): Effect.Effect<ValidRealtime, ValidationError> =>
  Effect.gen(function*() {
    const realtimeModels = models.filter((m) => m.capability === "stt" && m.realtime === true)
    const model = realtimeModels.find((m) => m.id === spec.model)
    if (model === undefined) {
      return yield* new UnknownModel({ provider: PROVIDER, model: spec.model, field: "voice.stt.model", allowed: realtimeModels.map((m) => m.id) })
    }
    const formats = model.realtime_formats ?? []
    if (!formats.includes(spec.audio_format)) {
      return yield* new UnsupportedFormat({ provider: PROVIDER, model: model.id, field: "audio_format", format: spec.audio_format, allowed: formats })
    }
    if (spec.language !== undefined) yield* checkIso6391("voice.stt.language", spec.language)
    if (spec.commit !== "vad" && spec.commit !== "manual") {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: "commit",
        value: spec.commit,
        reason: "expected \"vad\" or \"manual\"",
        allowed: ["vad", "manual"]
      })
    }
    const options = yield* decodeOptions(RealtimeSttOptions, spec.provider_options, FIELD)
    yield* checkRules(spec, options)
    return { model, format: spec.audio_format as AudioFormat, ...describeFormat(spec.audio_format), options }
  })

/** The SDK's connection options for a valid session (camelCase; the SDK writes the query). */
export const connectOptions = (spec: RealtimeSttSpec, valid: ValidRealtime) => {
  const o = valid.options
  return {
    modelId: valid.model.id,
    audioFormat: valid.format,
    sampleRate: valid.sampleRate,
    commitStrategy: spec.commit as CommitStrategy,
    ...(spec.language === undefined ? {} : { languageCode: spec.language }),
    ...(spec.include_timestamps === undefined ? {} : { includeTimestamps: spec.include_timestamps }),
    ...(o.vad_silence_threshold_secs === undefined ? {} : { vadSilenceThresholdSecs: o.vad_silence_threshold_secs }),
    ...(o.vad_threshold === undefined ? {} : { vadThreshold: o.vad_threshold }),
    ...(o.min_speech_duration_ms === undefined ? {} : { minSpeechDurationMs: o.min_speech_duration_ms }),
    ...(o.min_silence_duration_ms === undefined ? {} : { minSilenceDurationMs: o.min_silence_duration_ms }),
    ...(o.secondary_languages === undefined ? {} : { secondaryLanguages: [...o.secondary_languages] }),
    ...(o.keyterms === undefined ? {} : { keyterms: [...o.keyterms] }),
    ...(o.no_verbatim === undefined ? {} : { noVerbatim: o.no_verbatim }),
    ...(o.filter_background_audio === undefined ? {} : { filterBackgroundAudio: o.filter_background_audio }),
    ...(o.enable_logging === undefined ? {} : { enableLogging: o.enable_logging })
  }
}

// ---------------------------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------------------------

/**
 * Maps one of the vendor's error messages. Every one ends the session: auth → `AuthenticationFailed`,
 * terms not accepted → `PermissionDenied`, quota → `QuotaExceeded`; `rate_limited`,
 * `commit_throttled` and `queue_overflow` (audio sent faster than it is transcribed) →
 * `RateLimited`; `resource_exhausted`, `transcriber_error` and `error` → `ProviderUnavailable`
 * (all three retryable); `insufficient_audio_activity` (the vendor stopped waiting for speech) →
 * `ProviderTimeout`; `input_error`, `invalid_request`, `chunk_size_exceeded` and
 * `session_time_limit_exceeded` → `InvalidRequest`.
 */
export const fromServerError = (message: { readonly message_type: string; readonly error?: unknown }): ProviderError => {
  const type = message.message_type
  const said = typeof message.error === "string" && message.error !== "" ? message.error : type
  const vendor = { provider: PROVIDER, detail: redactSecrets(`${type}: ${said}`) }
  switch (type) {
    case "auth_error":
      return new AuthenticationFailed(vendor)
    case "unaccepted_terms":
    case "unaccepted_terms_error":
      return new PermissionDenied(vendor)
    case "quota_exceeded":
      return new QuotaExceeded(vendor)
    case "rate_limited":
    case "commit_throttled":
    case "queue_overflow":
      return new RateLimited(vendor)
    case "insufficient_audio_activity":
      return new ProviderTimeout({ ...vendor, stage: "stt" })
    case "input_error":
    case "chunk_size_exceeded":
    case "session_time_limit_exceeded":
      return new InvalidRequest({ ...vendor, field: "audio", reason: `the vendor refused the audio (${type})` })
    case "invalid_request":
      return new InvalidRequest({ ...vendor, field: "voice.stt", reason: "the vendor refused the session's parameters (invalid_request)" })
    default:
      return new ProviderUnavailable(vendor)
  }
}

/** Maps the socket's own failure: a refused handshake by its HTTP status, anything else as unreachable. */
export const fromSocketError = (error: Error, model: string): ProviderError => {
  const refused = /Unexpected server response: (\d{3})/.exec(error.message)
  if (refused !== null) return fromHttpFailure({ provider: PROVIDER, status: Number(refused[1]), model, field: "voice.stt.model" })
  return fromRequestFailure(PROVIDER, error, `the realtime connection failed: ${describeCause(error)}`)
}

// ---------------------------------------------------------------------------------------------
// The session
// ---------------------------------------------------------------------------------------------

/** What the adapter uses of the SDK connection's WebSocket (a `ws` client). */
interface Socket {
  readonly readyState: number
  send(data: string, callback: (error?: Error | null) => void): void
}

const OPEN = 1

/** The connection's WebSocket: a private field of the SDK's `RealtimeConnection`. */
const socketOf = (connection: RealtimeConnection): Socket | undefined => {
  const socket = (connection as unknown as { readonly websocket?: Socket | null }).websocket
  return socket === null || typeof socket?.send !== "function" ? undefined : socket
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000

/** A committed transcript's words with times, as `Word`s. */
const wordsOf = (items: ReadonlyArray<WordsItem> | null | undefined): Array<Word> =>
  (items ?? []).flatMap((w) =>
    typeof w.text === "string" && typeof w.start === "number" && typeof w.end === "number"
      ? [{
        text: w.text,
        start: w.start,
        end: w.end,
        ...(w.type === undefined ? {} : { type: w.type }),
        ...(w.speaker_id === undefined ? {} : { speaker: w.speaker_id }),
        ...(w.logprob === undefined ? {} : { logprob: w.logprob })
      }]
      : []
  )

const isCommit = (item: RealtimeSttInput): item is { readonly type: "commit" } => !(item instanceof Uint8Array)

/** One session: connects, sends `input`, and emits what the vendor answers. */
const session = (
  sdk: ElevenLabsClient,
  spec: RealtimeSttSpec,
  valid: ValidRealtime,
  input: Stream.Stream<RealtimeSttInput>
): Stream.Stream<RealtimeSttEvent, ProviderError> =>
  Stream.callback<RealtimeSttEvent, ProviderError>((queue) =>
    Effect.gen(function*() {
      const withTimestamps = spec.include_timestamps === true
      let started: SessionStartedMessage | undefined
      let bytes = 0
      /** Commits sent whose committed transcript has not arrived. */
      let pending = 0
      /** Audio was sent since the last commit. */
      let uncommitted = false
      let inputEnded = false
      let finished = false
      let connection: RealtimeConnection | undefined

      const fail = (error: ProviderError) => {
        if (finished) return
        finished = true
        Queue.failCauseUnsafe(queue, Cause.fail(error))
      }
      const endIfDone = () => {
        if (finished || !inputEnded || pending > 0) return
        finished = true
        connection?.close()
        Queue.offerUnsafe(queue, {
          type: "summary",
          usage: { audio_seconds: round(bytes / valid.bytesPerSecond) },
          ...(started === undefined ? {} : { session_id: started.session_id }),
          provider_output: started === undefined ? null : { session_id: started.session_id, config: started.config }
        })
        Queue.endUnsafe(queue)
      }
      const committed = (text: string, words: Array<Word> | undefined, language: string | null | undefined) => {
        if (finished) return
        pending = Math.max(0, pending - 1)
        if (text.trim() !== "") {
          Queue.offerUnsafe(queue, {
            type: "committed",
            text,
            ...(words === undefined || words.length === 0 ? {} : { words }),
            ...(language === undefined ? {} : { language })
          })
        }
        endIfDone()
      }

      /** Listens before any I/O can happen: the SDK re-emits socket errors, which need a listener. */
      const listen = (c: RealtimeConnection) => {
        c.on(RealtimeEvents.SESSION_STARTED, (message: SessionStartedMessage) => {
          if (finished) return
          started = message
          Queue.offerUnsafe(queue, { type: "session_started", session_id: message.session_id })
        })
        c.on(RealtimeEvents.PARTIAL_TRANSCRIPT, (message: PartialTranscriptMessage) => {
          if (!finished) Queue.offerUnsafe(queue, { type: "partial", text: message.text })
        })
        c.on(RealtimeEvents.COMMITTED_TRANSCRIPT, (message: CommittedTranscriptMessage) => {
          if (!withTimestamps) committed(message.text, undefined, undefined)
        })
        c.on(RealtimeEvents.COMMITTED_TRANSCRIPT_WITH_TIMESTAMPS, (message: CommittedTranscriptWithTimestampsMessage) => {
          if (withTimestamps) {
            const language = message.language_code === undefined ? undefined : Language.toIso6391(message.language_code)
            committed(message.text, wordsOf(message.words), language)
          }
        })
        c.on(RealtimeEvents.ERROR, (error: ServerErrorMessage | Error) => {
          fail(error instanceof Error ? fromSocketError(error, valid.model.id) : fromServerError(error))
        })
        c.on(RealtimeEvents.CLOSE, () => {
          fail(new ProviderUnavailable({ provider: PROVIDER, detail: "the realtime connection closed before the session ended" }))
        })
        return c
      }

      connection = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () => sdk.speechToText.realtime.connect(connectOptions(spec, valid)).then(listen),
          catch: (cause) =>
            new InvalidRequest({ provider: PROVIDER, field: "voice.stt", reason: redactSecrets(`the SDK refused the session: ${describeCause(cause)}`) })
        }),
        (c) => Effect.sync(() => c.close())
      )
      const opened = connection
      const socket = socketOf(opened)

      yield* Effect.callback<void>((resume) => {
        if (socket?.readyState === OPEN) return resume(Effect.void)
        const onOpen = () => resume(Effect.void)
        opened.on(RealtimeEvents.OPEN, onOpen)
        return Effect.sync(() => opened.off(RealtimeEvents.OPEN, onOpen))
      })

      const write = (message: InputAudioChunk): Effect.Effect<void, ProviderError> =>
        socket === undefined
          ? Effect.try({
            try: () =>
              opened.send({
                audioBase64: message.audio_base_64,
                commit: message.commit,
                ...(message.previous_text === undefined ? {} : { previousText: message.previous_text })
              }),
            catch: (cause) => fromRequestFailure(PROVIDER, cause, `the realtime connection failed: ${describeCause(cause)}`)
          })
          : Effect.callback<void, ProviderError>((resume) => {
            if (socket.readyState !== OPEN) {
              return resume(Effect.fail(new ProviderUnavailable({ provider: PROVIDER, detail: "the realtime connection closed before the session ended" })))
            }
            socket.send(JSON.stringify(message), (error) =>
              resume(
                error === undefined || error === null
                  ? Effect.void
                  : Effect.fail(fromRequestFailure(PROVIDER, error, `the realtime connection failed: ${describeCause(error)}`))
              ))
          })

      let first = true
      const sendAudio = (audio: Uint8Array) => {
        if (audio.byteLength === 0) return Effect.void
        const previous = first ? valid.options.previous_text : undefined
        first = false
        return Effect.tap(
          write({
            message_type: "input_audio_chunk",
            audio_base_64: Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString("base64"),
            commit: false,
            sample_rate: valid.sampleRate,
            ...(previous === undefined ? {} : { previous_text: previous })
          }),
          () =>
            Effect.sync(() => {
              bytes += audio.byteLength
              uncommitted = true
            })
        )
      }
      const sendCommit = Effect.suspend(() => {
        if (!uncommitted) return Effect.void
        uncommitted = false
        pending += 1
        return write({ message_type: "input_audio_chunk", audio_base_64: "", commit: true, sample_rate: valid.sampleRate })
      })

      yield* Stream.runForEach(input, (item) => (isCommit(item) ? sendCommit : sendAudio(item)))
      yield* sendCommit
      inputEnded = true
      endIfDone()
    })
  )

// ---------------------------------------------------------------------------------------------
// The capability
// ---------------------------------------------------------------------------------------------

/** The realtime part of the STT capability: `realtime` and `validateRealtime`. */
export const make = (client: Client, models: ReadonlyArray<ModelInfo>) => {
  const validate = validateWith(models)
  return {
    validateRealtime: (spec: RealtimeSttSpec): Effect.Effect<void, ValidationError> => Effect.asVoid(validate(spec)),
    realtime: (spec: RealtimeSttSpec, input: Stream.Stream<RealtimeSttInput>): Stream.Stream<RealtimeSttEvent, ProviderError> =>
      Stream.unwrap(
        Effect.gen(function*() {
          const valid = yield* validate(spec)
          const sdk = yield* client.client
          return session(sdk, spec, valid, input)
        })
      )
  }
}
