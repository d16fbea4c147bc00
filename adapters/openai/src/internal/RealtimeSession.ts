/**
 * One realtime transcription session on the Realtime API's WebSocket, as a stream: the socket
 * lives as long as the stream, the vendor's events are read into the stream's events as they
 * come, and the input is sent by a fiber of the stream's scope. Three parts, in the order of a
 * session's life:
 *
 * - {@link track}: what the session knows (items being transcribed, commits awaited, usage) and
 *   the events each vendor event causes — no I/O.
 * - {@link connect}: the SDK's `ws` client, with the listeners that turn a refused upgrade, a
 *   transport failure or an early close into the session's error; closed with the scope.
 * - {@link feed}: the input, sent one event at a time (each waits until the socket has written
 *   the previous one, so a fast producer is held back, never buffered), then the last commit.
 */
import {
  combineUsage,
  Language,
  type ProviderError,
  ProviderUnavailable,
  type RealtimeSttEvent,
  type RealtimeSttInput,
  type RealtimeSttSpec,
  redactSecrets,
  type Usage
} from "@patchbay/core"
import { describeCause } from "@patchbay/core/adapter"
import { Cause, Clock, Deferred, Effect, Queue, Stream } from "effect"
import type OpenAI from "openai"
import type { OpenAIRealtimeWS } from "openai/realtime/ws"
import type {
  RealtimeClientEvent,
  RealtimeServerEvent,
  RealtimeTranscriptionSessionCreateRequest
} from "openai/resources/realtime/realtime"
import { PROVIDER } from "../Models.ts"
import { usageOf } from "../Transcription.ts"
import type { TranscriptionUsage } from "../Wire.ts"
import type { RealtimeSocketOptions } from "./Client.ts"
import { fromRealtimeError, fromRefusedUpgrade } from "./Errors.ts"

/** The most audio one `input_audio_buffer.append` carries; larger chunks go up in pieces. */
export const MAX_APPEND_BYTES = 1_048_576

/** The warning of a session that asked for word times. */
export const NO_WORD_TIMES = "OpenAI's realtime transcription gives no word times: include_timestamps was ignored"

/** The code of the error answering a commit of an empty buffer (the vendor's VAD had just committed it). */
const COMMIT_EMPTY = "input_audio_buffer_commit_empty"

const unavailable = (detail: string) => new ProviderUnavailable({ provider: PROVIDER, detail: redactSecrets(detail) })

// ---------------------------------------------------------------------------------------------
// What the session knows
// ---------------------------------------------------------------------------------------------

/** One completed item, for the summary's `provider_output`. */
interface CompletedItem {
  readonly item_id: string
  readonly transcript: string
  readonly usage: unknown
  readonly logprobs?: unknown
}

/** What one vendor event causes: events to emit, the session's start, or its failure. */
interface Step {
  readonly emit: ReadonlyArray<RealtimeSttEvent>
  readonly started?: boolean
  readonly failure?: ProviderError
}

const nothing: Step = { emit: [] }

/**
 * The session's bookkeeping. The vendor's events come in through {@link Tracker.read}; what the
 * adapter sends is noted with `appended` and `committing`; `settled` says when the last
 * transcript is in.
 */
export const track = (spec: RealtimeSttSpec, bytesPerSecond: number) => {
  let sessionId: string | undefined
  let session: unknown
  let started = false
  /** Audio bytes sent, and those since the last commit we sent. */
  let bytes = 0
  let uncommitted = 0
  /** VAD: speech started and not yet committed. */
  let speaking = false
  /** Our commits whose `committed` (or empty-buffer error) has not come yet. */
  let awaiting = 0
  let committedAny = false
  let inputEnded = false
  /** Each item's text so far, and the committed items whose transcript has not come yet. */
  const partials = new Map<string, string>()
  const pending = new Set<string>()
  let usage: Usage = {}
  const warnings: Array<string> = spec.include_timestamps === true ? [NO_WORD_TIMES] : []
  const items: Array<CompletedItem> = []

  const idOf = (value: unknown): string | undefined => {
    const id = (value as { readonly id?: unknown } | null)?.id
    return typeof id === "string" ? id : undefined
  }

  const completed = (event: Extract<RealtimeServerEvent, { type: "conversation.item.input_audio_transcription.completed" }>): Step => {
    pending.delete(event.item_id)
    partials.delete(event.item_id)
    const reported = event.usage as TranscriptionUsage | undefined
    // Seconds billed are not the seconds sent: those are measured, below.
    usage = combineUsage(usage, reported?.type === "duration" ? {} : usageOf(reported))
    items.push({
      item_id: event.item_id,
      transcript: event.transcript,
      usage: event.usage ?? null,
      ...(event.logprobs === undefined || event.logprobs === null ? {} : { logprobs: event.logprobs })
    })
    // A committed stretch of silence comes back empty: nothing was said.
    if (event.transcript.trim() === "") return nothing
    const languages = event.languages
    const language = languages?.length === 1 ? Language.toIso6391(languages[0]?.code) : null
    return { emit: [{ type: "committed", text: event.transcript, ...(language === null ? {} : { language }) }] }
  }

  /** Reads one vendor event. */
  const read = (event: RealtimeServerEvent): Step => {
    switch (event.type) {
      case "session.created":
        sessionId = idOf(event.session) ?? sessionId
        return nothing
      case "session.updated": {
        session = event.session
        sessionId = idOf(event.session) ?? sessionId
        if (started) return nothing
        started = true
        return { emit: [{ type: "session_started", ...(sessionId === undefined ? {} : { session_id: sessionId }) }], started: true }
      }
      case "input_audio_buffer.speech_started":
        speaking = true
        return nothing
      case "input_audio_buffer.committed":
        speaking = false
        awaiting = Math.max(0, awaiting - 1)
        pending.add(event.item_id)
        return nothing
      case "conversation.item.input_audio_transcription.delta": {
        if (event.delta === undefined || event.delta === "") return nothing
        const text = (partials.get(event.item_id) ?? "") + event.delta
        partials.set(event.item_id, text)
        return { emit: [{ type: "partial", text }] }
      }
      case "conversation.item.input_audio_transcription.completed":
        return completed(event)
      case "conversation.item.input_audio_transcription.failed":
        pending.delete(event.item_id)
        partials.delete(event.item_id)
        warnings.push(redactSecrets(`the transcription of ${event.item_id} failed: ${event.error.message ?? "no reason given"}`))
        return nothing
      case "error":
        if (event.error.code === COMMIT_EMPTY && committedAny) {
          awaiting = Math.max(0, awaiting - 1)
          return nothing
        }
        return { emit: [], failure: fromRealtimeError(event.error) }
      default:
        return nothing
    }
  }

  return {
    read,
    /** Notes audio sent. */
    appended: (count: number) => {
      bytes += count
      uncommitted += count
    },
    /**
     * Whether a commit is due, noting it as sent when it is: on a `Commit` (manual), with audio
     * since the last one; at the end of the input, what is left (manual) or the speech still
     * going on (VAD).
     */
    committing: (at: "commit" | "end"): boolean => {
      const due = spec.commit === "manual" ? uncommitted > 0 : at === "end" && speaking
      if (!due) return false
      uncommitted = 0
      awaiting += 1
      committedAny = true
      return true
    },
    endInput: () => {
      inputEnded = true
    },
    /** The input has ended, and every commit has come back transcribed. */
    settled: () => inputEnded && awaiting === 0 && pending.size === 0,
    summary: (): RealtimeSttEvent => ({
      type: "summary",
      usage: { ...usage, audio_seconds: bytes / bytesPerSecond },
      ...(sessionId === undefined ? {} : { session_id: sessionId }),
      ...(warnings.length === 0 ? {} : { warnings: [...warnings] }),
      provider_output: { session_id: sessionId ?? null, session: session ?? null, items }
    })
  }
}

/** A session's bookkeeping. */
export type Tracker = ReturnType<typeof track>

// ---------------------------------------------------------------------------------------------
// The socket
// ---------------------------------------------------------------------------------------------

/**
 * The SDK's `ws` client, imported on the first session: it brings in the `ws` package, which an
 * application that never opens a realtime session does not need to load.
 */
const loadSocketClient = Effect.tryPromise({
  try: () => import("openai/realtime/ws"),
  catch: (cause) => unavailable(`the realtime client could not be loaded: ${describeCause(cause)}`)
})

/** Closes the socket: politely when open, at once while still connecting. */
const close = (rt: OpenAIRealtimeWS) => {
  const socket = rt.socket
  if (socket.readyState === socket.OPEN) socket.close(1000, "OK")
  else if (socket.readyState === socket.CONNECTING) socket.terminate()
}

/** What the socket's listeners report to the session. */
interface Listeners {
  readonly onOpen: () => void
  readonly onEvent: (event: RealtimeServerEvent) => void
  readonly onFailure: (error: ProviderError) => void
}

/**
 * Opens a transcription session's socket (`/realtime?intent=transcription` on the client's base
 * URL), closed when the scope closes. API errors arrive as `error` events through `onEvent`;
 * `onFailure` hears of a refused upgrade (mapped by its status and body), a transport failure,
 * and a close the session did not ask for.
 */
const connect = (sdk: OpenAI, socketOptions: RealtimeSocketOptions | undefined, listeners: Listeners) =>
  Effect.gen(function*() {
    const { OpenAIRealtimeWS } = yield* loadSocketClient
    const now = yield* Clock.currentTimeMillis
    let closing = false
    const rt = yield* Effect.acquireRelease(
      Effect.try({
        try: () => new OpenAIRealtimeWS({ intent: "transcription", ...(socketOptions === undefined ? {} : { options: socketOptions }) }, sdk),
        catch: (cause) => unavailable(`the realtime connection could not be opened: ${describeCause(cause)}`)
      }),
      (rt) =>
        Effect.sync(() => {
          closing = true
          close(rt)
        })
    )
    const fail = (error: ProviderError) => {
      if (!closing) listeners.onFailure(error)
    }
    rt.on("event", listeners.onEvent)
    rt.on("error", (error) => {
      if (error.error === undefined) fail(unavailable(`the realtime connection failed: ${error.message}`))
    })
    rt.socket.on("open", listeners.onOpen)
    rt.socket.on("unexpected-response", (request, response) => {
      const chunks: Array<Buffer> = []
      let size = 0
      response.on("data", (chunk: Buffer) => {
        size += chunk.byteLength
        if (size <= 65_536) chunks.push(chunk)
      })
      response.on("end", () => {
        fail(fromRefusedUpgrade(response.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"), response.headers, now))
        request.destroy()
      })
      response.on("error", () => request.destroy())
    })
    rt.socket.on("close", (code, reason) => {
      const why = reason.toString("utf8")
      fail(unavailable(`the realtime connection closed (${code}${why === "" ? "" : `: ${why}`}) before the session ended`))
    })
    return {
      rt,
      /** Closes the socket at the end of a session; the close is then not a failure. */
      close: () => {
        closing = true
        close(rt)
      }
    }
  })

/** Sends one event, resuming once the socket has written it. */
const send = (rt: OpenAIRealtimeWS, event: RealtimeClientEvent) =>
  Effect.callback<void, ProviderUnavailable>((resume) => {
    if (rt.socket.readyState !== rt.socket.OPEN) {
      resume(Effect.fail(unavailable("the realtime connection closed before the session ended")))
      return
    }
    rt.socket.send(JSON.stringify(event), (error) =>
      resume(error === undefined || error === null ? Effect.void : Effect.fail(unavailable(`could not send: ${describeCause(error)}`))))
  })

// ---------------------------------------------------------------------------------------------
// The input
// ---------------------------------------------------------------------------------------------

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")

/**
 * Sends the input: audio as `input_audio_buffer.append` events, a due commit as
 * `input_audio_buffer.commit`, and, once the input ends, the last commit.
 */
const feed = (rt: OpenAIRealtimeWS, tracker: Tracker, input: Stream.Stream<RealtimeSttInput>) => {
  const append = (bytes: Uint8Array) =>
    Effect.gen(function*() {
      for (let at = 0; at < bytes.byteLength; at += MAX_APPEND_BYTES) {
        const piece = bytes.subarray(at, at + MAX_APPEND_BYTES)
        yield* send(rt, { type: "input_audio_buffer.append", audio: base64(piece) })
        tracker.appended(piece.byteLength)
      }
    })
  const commit = (at: "commit" | "end") =>
    Effect.suspend(() => tracker.committing(at) ? send(rt, { type: "input_audio_buffer.commit" }) : Effect.void)
  return Stream.runForEach(input, (item) => item instanceof Uint8Array ? append(item) : commit("commit")).pipe(
    Effect.andThen(commit("end"))
  )
}

// ---------------------------------------------------------------------------------------------
// The session
// ---------------------------------------------------------------------------------------------

/** What a session is given. */
export interface SessionConfig {
  readonly sdk: OpenAI
  readonly spec: RealtimeSttSpec
  /** The `session.update` to send once connected. */
  readonly session: RealtimeTranscriptionSessionCreateRequest
  readonly bytesPerSecond: number
  readonly socketOptions: RealtimeSocketOptions | undefined
}

/**
 * Runs one session: connects, sends `session.update`, feeds the input once the vendor has applied
 * it, emits what the vendor's events cause, and, once the input has ended and every commit has
 * been transcribed, closes the socket and emits the summary.
 */
export const run = (config: SessionConfig, input: Stream.Stream<RealtimeSttInput>): Stream.Stream<RealtimeSttEvent, ProviderError> =>
  Stream.callback<RealtimeSttEvent, ProviderError>((queue) =>
    Effect.gen(function*() {
      const tracker = track(config.spec, config.bytesPerSecond)
      const ready = Deferred.makeUnsafe<void>()
      let done = false
      const failWith = (cause: Cause.Cause<ProviderError>) => {
        if (done) return
        done = true
        Queue.failCauseUnsafe(queue, cause)
      }
      /** Ends the session once the input has ended and every commit is transcribed. */
      const finish = () => {
        if (done || !tracker.settled()) return
        done = true
        socket.close()
        Queue.offerUnsafe(queue, tracker.summary())
        Queue.endUnsafe(queue)
      }

      // The listeners run once connected, when `socket` is set.
      const socket = yield* connect(config.sdk, config.socketOptions, {
        onOpen: () => socket.rt.send({ type: "session.update", session: config.session }),
        onEvent: (event) => {
          if (done) return
          const step = tracker.read(event)
          for (const out of step.emit) Queue.offerUnsafe(queue, out)
          if (step.failure !== undefined) return failWith(Cause.fail(step.failure))
          if (step.started === true) Deferred.doneUnsafe(ready, Effect.void)
          finish()
        },
        onFailure: (error) => failWith(Cause.fail(error))
      })

      // A failure of the feed (a send on a closed socket, a defect of the input) ends the session
      // with it; its interruption is the stream's own end.
      yield* Deferred.await(ready).pipe(
        Effect.andThen(feed(socket.rt, tracker, input)),
        Effect.andThen(Effect.sync(() => {
          tracker.endInput()
          finish()
        })),
        Effect.catchCause((cause) => Effect.sync(() => Cause.hasInterruptsOnly(cause) ? undefined : failWith(cause))),
        Effect.forkScoped
      )
    })
  )
