/**
 * Realtime speech to text: a transcription session on the Realtime API's WebSocket
 * (`wss://api.openai.com/v1/realtime?intent=transcription`), opened, authenticated and parsed
 * by the SDK's `openai/realtime/ws` client.
 *
 * The session is configured once with `session.update`: the transcription model, language and
 * prompt, the input audio format, and turn detection — server VAD for `commit: "vad"` (the
 * vendor commits when the speaker pauses), none for `"manual"` (each `Commit` of the input
 * becomes `input_audio_buffer.commit`). Once the vendor has applied it, the input's audio goes
 * up as `input_audio_buffer.append` events as it is read, one at a time: each waits until the
 * socket has written the previous one, so a fast producer is held back instead of buffered.
 *
 * The vendor's `conversation.item.input_audio_transcription.delta` events are accumulated per
 * item into `partial` events (each the utterance so far, not a delta), and each `.completed`
 * becomes `committed`. When the input ends, what is left uncommitted is committed, the last
 * transcripts are awaited, the socket is closed, and a `summary` ends the stream (the seconds of
 * audio sent, measured from the bytes, and the tokens the vendor reported). Error events map to
 * the usual tags; a refused upgrade maps as its HTTP status; a dropped socket is
 * `ProviderUnavailable`. Interrupting the stream closes the socket.
 *
 * @since 0.2.0
 */
import {
  combineUsage,
  fromHttpFailure,
  InvalidRequest,
  Language,
  type ProviderError,
  ProviderUnavailable,
  type RealtimeSttEvent,
  type RealtimeSttInput,
  type RealtimeSttSpec,
  redactSecrets,
  UnknownModel,
  type Usage,
  type ValidationError
} from "@patchbay/core"
import { describeCause } from "@patchbay/core/adapter"
import { Cause, Deferred, Effect, Queue, Stream } from "effect"
import type { IncomingMessage } from "node:http"
import type OpenAI from "openai"
import type { OpenAIRealtimeWS } from "openai/realtime/ws"
import type {
  RealtimeAudioFormats,
  RealtimeClientEvent,
  RealtimeError,
  RealtimeServerEvent,
  RealtimeTranscriptionSessionCreateRequest
} from "openai/resources/realtime/realtime"
import { type Client, decodeOptions } from "./internal/Client.ts"
import { fromStreamError, optionField } from "./internal/Errors.ts"
import { idsOf, isRealtimeModel, isSttModel, PROVIDER, REALTIME_FORMATS, REALTIME_MODELS, type RealtimeSttModel } from "./Models.ts"
import { RealtimeSttOptions } from "./Options.ts"
import { usageOf } from "./Transcription.ts"
import type { TranscriptionUsage } from "./Wire.ts"

// ---------------------------------------------------------------------------------------------
// Validation and the session's configuration
// ---------------------------------------------------------------------------------------------

/** Each generic format id as the API names it, and how many bytes make a second of it. */
const wireFormats: Readonly<Record<string, { readonly format: RealtimeAudioFormats; readonly bytesPerSecond: number }>> = {
  pcm_24000: { format: { type: "audio/pcm", rate: 24000 }, bytesPerSecond: 48_000 },
  ulaw_8000: { format: { type: "audio/pcmu" }, bytesPerSecond: 8_000 },
  alaw_8000: { format: { type: "audio/pcma" }, bytesPerSecond: 8_000 }
}

/** A realtime request that passed {@link validateRealtime}. */
export interface ValidRealtime {
  readonly model: RealtimeSttModel
  readonly format: { readonly format: RealtimeAudioFormats; readonly bytesPerSecond: number }
  readonly options: RealtimeSttOptions
}

/**
 * The pure hook: the model is one of the realtime transcription models, the audio format one the
 * API takes, the language ISO 639-1, the options known and well formed (turn detection only for
 * `commit: "vad"`). No I/O: a refused request never connects.
 */
export const validateRealtime = (spec: RealtimeSttSpec): Effect.Effect<ValidRealtime, ValidationError> =>
  Effect.gen(function*() {
    const model = spec.model
    if (!isSttModel(model)) {
      return yield* new UnknownModel({ provider: PROVIDER, model, field: "voice.stt.model", allowed: idsOf("stt") })
    }
    if (!isRealtimeModel(model)) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: "voice.stt.model",
        value: model,
        reason: `${model} does not transcribe in real time`,
        allowed: REALTIME_MODELS
      })
    }
    const format = Object.hasOwn(wireFormats, spec.audio_format) ? wireFormats[spec.audio_format] : undefined
    if (format === undefined) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: "audio_format",
        value: spec.audio_format,
        reason: "OpenAI's realtime sessions take 16-bit PCM at 24 kHz or G.711 at 8 kHz",
        allowed: REALTIME_FORMATS
      })
    }
    if (spec.language !== undefined && !Language.isIso6391(spec.language)) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: "voice.stt.language",
        value: spec.language,
        reason: "expected an ISO 639-1 code such as \"en\""
      })
    }
    const options = yield* decodeOptions(RealtimeSttOptions, "stt", spec.provider_options)
    if (spec.commit === "manual" && options.turn_detection !== undefined) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: optionField("stt", "turn_detection"),
        value: options.turn_detection,
        reason: "commit \"manual\" turns turn detection off; it applies to commit \"vad\" only"
      })
    }
    return { model, format, options }
  })

/** The `session.update` of a transcription session, by the API's names. */
export const sessionOf = (spec: RealtimeSttSpec, valid: ValidRealtime): RealtimeTranscriptionSessionCreateRequest => {
  const { options } = valid
  return {
    type: "transcription",
    audio: {
      input: {
        format: valid.format.format,
        transcription: {
          model: valid.model,
          ...(spec.language === undefined ? {} : { language: spec.language }),
          ...(options.prompt === undefined ? {} : { prompt: options.prompt })
        },
        turn_detection: spec.commit === "manual" ? null : { ...(options.turn_detection ?? { type: "server_vad" }) },
        ...(options.noise_reduction === undefined ? {} : { noise_reduction: { type: options.noise_reduction } })
      }
    },
    ...(options.include === undefined ? {} : { include: [...options.include] })
  }
}

// ---------------------------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------------------------

const authNames = new Set(["authentication_error", "invalid_api_key", "unauthorized", "invalid_authentication"])

/**
 * An `error` event as a tagged error: authentication → `AuthenticationFailed`, a rate limit →
 * `RateLimited`, a spent quota → `QuotaExceeded`, `invalid_request_error` → `InvalidRequest`
 * naming `param`, anything else (`server_error`) → `ProviderUnavailable`.
 */
export const fromRealtimeError = (error: RealtimeError): ProviderError => {
  const names = [error.code, error.type].filter((n): n is string => typeof n === "string").map((n) => n.toLowerCase())
  const message = error.message
  if (names.some((n) => authNames.has(n))) {
    return fromHttpFailure({ provider: PROVIDER, status: 401, code: error.code ?? undefined, message })
  }
  if (!names.includes("insufficient_quota") && names.some((n) => n.startsWith("rate_limit"))) {
    return fromHttpFailure({ provider: PROVIDER, status: 429, code: error.code ?? undefined, message })
  }
  return fromStreamError(
    {
      message,
      type: error.type,
      ...(typeof error.param === "string" ? { param: error.param } : {}),
      ...(typeof error.code === "string" ? { code: error.code } : {})
    },
    undefined
  )
}

/** A refused upgrade (the answer to the WebSocket handshake) as its HTTP failure. */
const fromHandshake = (status: number, body: string, headers: IncomingMessage["headers"]): ProviderError => {
  let vendor: { readonly message?: unknown; readonly code?: unknown; readonly type?: unknown } = {}
  try {
    const parsed = JSON.parse(body) as { readonly error?: typeof vendor }
    vendor = parsed.error ?? {}
  } catch {
    // not JSON: the status says enough
  }
  const requestId = headers["x-request-id"]
  const retryAfter = Number(headers["retry-after"])
  const code = typeof vendor.code === "string" ? vendor.code : typeof vendor.type === "string" ? vendor.type : undefined
  return fromHttpFailure({
    provider: PROVIDER,
    status,
    code,
    message: typeof vendor.message === "string" ? vendor.message : `the realtime connection was refused (HTTP ${status})`,
    requestId: typeof requestId === "string" ? requestId : undefined,
    retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined,
    field: "voice.stt"
  })
}

const unavailable = (detail: string) => new ProviderUnavailable({ provider: PROVIDER, detail: redactSecrets(detail) })

// ---------------------------------------------------------------------------------------------
// The session
// ---------------------------------------------------------------------------------------------

/** The most audio one `input_audio_buffer.append` carries; larger chunks go up in pieces. */
export const MAX_APPEND_BYTES = 1_048_576

/** The code of the error answering a commit of an empty buffer (a VAD commit raced ours). */
const COMMIT_EMPTY = "input_audio_buffer_commit_empty"

/** The warning of a session that asked for word times. */
export const NO_WORD_TIMES = "OpenAI's realtime transcription gives no word times: include_timestamps was ignored"

const isCommit = (input: RealtimeSttInput): boolean => !(input instanceof Uint8Array)

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")

/**
 * The SDK's `ws` client, imported on the first session: it brings in the `ws` package, which an
 * application that never opens a realtime session does not need to load.
 */
const loadSocketClient = Effect.tryPromise({
  try: () => import("openai/realtime/ws"),
  catch: (cause) => unavailable(`the realtime client could not be loaded: ${describeCause(cause)}`)
})

/** One completed item, for the summary's `provider_output`. */
interface CompletedItem {
  readonly item_id: string
  readonly transcript: string
  readonly usage: unknown
  readonly logprobs?: unknown
}

/**
 * Runs one session: the socket lives as long as the stream; its events are pushed into the
 * stream's queue by the socket's listeners, and the input is read by a fiber of the stream's
 * scope.
 */
const session = (
  sdk: OpenAI,
  spec: RealtimeSttSpec,
  valid: ValidRealtime,
  input: Stream.Stream<RealtimeSttInput>,
  socketOptions: Client["realtimeSocket"]
): Stream.Stream<RealtimeSttEvent, ProviderError> =>
  Stream.callback<RealtimeSttEvent, ProviderError>((queue) =>
    Effect.gen(function*() {
      const state = {
        sessionId: undefined as string | undefined,
        session: undefined as unknown,
        /** Audio bytes sent. */
        bytes: 0,
        /** Bytes appended since the last commit (manual). */
        uncommitted: 0,
        /** VAD: speech started and not yet committed. */
        speaking: false,
        /** Our commits whose `committed` (or empty-buffer error) has not come yet. */
        awaiting: 0,
        committedAny: false,
        inputEnded: false,
        done: false,
        partials: new Map<string, string>(),
        /** Committed items whose transcript has not come yet. */
        pending: new Set<string>(),
        usage: {} as Usage,
        warnings: (spec.include_timestamps === true ? [NO_WORD_TIMES] : []) as Array<string>,
        items: [] as Array<CompletedItem>
      }
      const ready = Deferred.makeUnsafe<void>()

      const fail = (error: ProviderError) => {
        if (state.done) return
        state.done = true
        Queue.failCauseUnsafe(queue, Cause.fail(error))
      }

      const { OpenAIRealtimeWS } = yield* loadSocketClient
      const rt = yield* Effect.acquireRelease(
        Effect.try({
          try: () => new OpenAIRealtimeWS({ intent: "transcription", ...(socketOptions === undefined ? {} : { options: socketOptions }) }, sdk),
          catch: (cause) => unavailable(`the realtime connection could not be opened: ${describeCause(cause)}`)
        }),
        (rt) =>
          Effect.sync(() => {
            state.done = true
            close(rt)
          })
      )

      const finishIfDone = () => {
        if (state.done || !state.inputEnded || state.awaiting > 0 || state.pending.size > 0) return
        state.done = true
        close(rt)
        const audio_seconds = state.bytes / valid.format.bytesPerSecond
        const event: RealtimeSttEvent = {
          type: "summary",
          usage: { ...state.usage, audio_seconds },
          ...(state.sessionId === undefined ? {} : { session_id: state.sessionId }),
          ...(state.warnings.length === 0 ? {} : { warnings: state.warnings }),
          provider_output: { session_id: state.sessionId ?? null, session: state.session ?? null, items: state.items }
        }
        Queue.offerUnsafe(queue, event)
        Queue.endUnsafe(queue)
      }

      const onEvent = (event: RealtimeServerEvent) => {
        if (state.done) return
        switch (event.type) {
          case "session.created":
            state.sessionId = (event.session as { readonly id?: string }).id ?? state.sessionId
            return
          case "session.updated": {
            state.session = event.session
            state.sessionId = (event.session as { readonly id?: string }).id ?? state.sessionId
            if (Deferred.isDoneUnsafe(ready)) return
            Queue.offerUnsafe(queue, { type: "session_started", ...(state.sessionId === undefined ? {} : { session_id: state.sessionId }) })
            Deferred.doneUnsafe(ready, Effect.void)
            return
          }
          case "input_audio_buffer.speech_started":
            state.speaking = true
            return
          case "input_audio_buffer.committed":
            state.speaking = false
            state.awaiting = Math.max(0, state.awaiting - 1)
            state.pending.add(event.item_id)
            return finishIfDone()
          case "conversation.item.input_audio_transcription.delta": {
            if (event.delta === undefined || event.delta === "") return
            const text = (state.partials.get(event.item_id) ?? "") + event.delta
            state.partials.set(event.item_id, text)
            Queue.offerUnsafe(queue, { type: "partial", text })
            return
          }
          case "conversation.item.input_audio_transcription.completed": {
            state.pending.delete(event.item_id)
            state.partials.delete(event.item_id)
            const usage = event.usage as TranscriptionUsage | undefined
            state.usage = combineUsage(state.usage, usage?.type === "duration" ? {} : usageOf(usage))
            state.items.push({
              item_id: event.item_id,
              transcript: event.transcript,
              usage: event.usage ?? null,
              ...(event.logprobs === undefined || event.logprobs === null ? {} : { logprobs: event.logprobs })
            })
            // An utterance of silence is committed with an empty transcript: nothing was said.
            if (event.transcript.trim() !== "") {
              const languages = event.languages
              const language = languages?.length === 1 ? Language.toIso6391(languages[0]?.code) : null
              Queue.offerUnsafe(queue, {
                type: "committed",
                text: event.transcript,
                ...(language === null ? {} : { language })
              })
            }
            return finishIfDone()
          }
          case "conversation.item.input_audio_transcription.failed":
            state.pending.delete(event.item_id)
            state.partials.delete(event.item_id)
            state.warnings.push(redactSecrets(`the transcription of ${event.item_id} failed: ${event.error.message ?? "no reason given"}`))
            return finishIfDone()
          case "error":
            if (event.error.code === COMMIT_EMPTY && state.committedAny) {
              // Our commit found the buffer empty (the vendor's VAD had just committed it).
              state.awaiting = Math.max(0, state.awaiting - 1)
              return finishIfDone()
            }
            return fail(fromRealtimeError(event.error))
        }
      }

      rt.on("event", onEvent)
      // API errors arrive as `error` events above; this listener sees the transport's failures.
      rt.on("error", (error) => {
        if (error.error === undefined) fail(unavailable(`the realtime connection failed: ${error.message}`))
      })
      rt.socket.on("open", () => rt.send({ type: "session.update", session: sessionOf(spec, valid) }))
      rt.socket.on("unexpected-response", (request, response) => {
        const chunks: Array<Buffer> = []
        let size = 0
        response.on("data", (chunk: Buffer) => {
          size += chunk.byteLength
          if (size <= 65_536) chunks.push(chunk)
        })
        response.on("end", () => {
          fail(fromHandshake(response.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"), response.headers))
          request.destroy()
        })
        response.on("error", () => request.destroy())
      })
      rt.socket.on("close", (code, reason) => {
        const why = reason.toString("utf8")
        fail(unavailable(`the realtime connection closed (${code}${why === "" ? "" : `: ${why}`}) before the session ended`))
      })

      /** Sends one event, resuming once the socket has written it. */
      const send = (event: RealtimeClientEvent) =>
        Effect.callback<void, ProviderUnavailable>((resume) => {
          if (rt.socket.readyState !== rt.socket.OPEN) {
            resume(Effect.fail(unavailable("the realtime connection closed before the session ended")))
            return
          }
          rt.socket.send(JSON.stringify(event), (error) =>
            resume(error === undefined || error === null ? Effect.void : Effect.fail(unavailable(`could not send: ${describeCause(error)}`))))
        })

      const append = (bytes: Uint8Array) =>
        Effect.gen(function*() {
          for (let at = 0; at < bytes.byteLength; at += MAX_APPEND_BYTES) {
            const piece = bytes.subarray(at, at + MAX_APPEND_BYTES)
            yield* send({ type: "input_audio_buffer.append", audio: base64(piece) })
            state.bytes += piece.byteLength
            state.uncommitted += piece.byteLength
          }
        })

      /** Commits what was appended since the last commit, if anything. */
      const commit = Effect.suspend(() => {
        if (state.uncommitted === 0) return Effect.void
        state.uncommitted = 0
        state.awaiting += 1
        state.committedAny = true
        return send({ type: "input_audio_buffer.commit" })
      })

      /** At the end of the input: manual sessions commit what is left; a VAD session commits speech still going on. */
      const commitRemaining = Effect.suspend(() => {
        if (spec.commit === "manual") return commit
        if (!state.speaking) return Effect.void
        state.awaiting += 1
        state.committedAny = true
        return send({ type: "input_audio_buffer.commit" })
      })

      const feed = Effect.gen(function*() {
        yield* Deferred.await(ready)
        yield* Stream.runForEach(input, (item) =>
          isCommit(item) ? (spec.commit === "manual" ? commit : Effect.void) : append(item as Uint8Array))
        yield* commitRemaining
        state.inputEnded = true
        finishIfDone()
      })
      // A failure of the feed (a send on a closed socket, a defect of the input) ends the session
      // with it; its interruption is the stream's own end.
      yield* feed.pipe(
        Effect.catchCause((cause) =>
          Effect.sync(() => {
            if (state.done || Cause.hasInterruptsOnly(cause)) return
            state.done = true
            Queue.failCauseUnsafe(queue, cause)
          })
        ),
        Effect.forkScoped
      )
    })
  )

/** Closes the socket: politely when open, at once while still connecting. */
const close = (rt: OpenAIRealtimeWS) => {
  const socket = rt.socket
  if (socket.readyState === socket.OPEN) socket.close(1000, "OK")
  else if (socket.readyState === socket.CONNECTING) socket.terminate()
}

/** The realtime half of the STT capability over the provider's client. */
export const make = (client: Client) => {
  const realtime = (spec: RealtimeSttSpec, input: Stream.Stream<RealtimeSttInput>): Stream.Stream<RealtimeSttEvent, ProviderError> =>
    Stream.unwrap(Effect.gen(function*() {
      const valid = yield* validateRealtime(spec)
      const sdk = yield* client.client
      return session(sdk, spec, valid, input, client.realtimeSocket)
    }))
  return {
    realtime,
    validateRealtime: (spec: RealtimeSttSpec) => Effect.asVoid(validateRealtime(spec))
  }
}
