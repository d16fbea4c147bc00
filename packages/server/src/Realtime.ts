/**
 * Realtime speech-to-text over a WebSocket: the single-use tokens a browser presents instead of
 * a key header (`POST /realtime/tokens`, then `GET /realtime/stt?token=`), and the session
 * bridge between the socket's frames and core's realtime stage.
 *
 * Tokens live in this server process: a token is redeemed on the instance that issued it (behind
 * a load balancer, route `/realtime/*` of a client to one instance, or open the socket from a
 * server with the key). Only the token's SHA-256 is kept, with its tenant and expiry.
 *
 * @since 0.1.0
 */
import { toErrorBody, Unauthorized } from "@patchbay/api"
import { Commit, InvalidRequest, Listen, type PipelineEvent, type RealtimeSttInput } from "@patchbay/core"
import { Cause, Clock, Context, Deferred, Effect, Layer, Stream } from "effect"
import { Socket } from "effect/socket"
import { Buffer } from "node:buffer"
import { createHash, randomBytes } from "node:crypto"
import { errorOfCause } from "./Respond.ts"

/** A token as `POST /realtime/tokens` answers it. */
export interface IssuedToken {
  readonly token: string
  readonly expires_at: string
  readonly expires_in: number
}

/** Issues and redeems realtime tokens. */
export interface RealtimeTokensShape {
  /** A fresh token for `tenant`, valid for the configured time and for one use. */
  readonly issue: (tenant: string) => Effect.Effect<IssuedToken>
  /** The tenant of a valid token, which is used up; `Unauthorized` (`token`) otherwise. */
  readonly redeem: (token: string) => Effect.Effect<string, Unauthorized>
}

/** The realtime tokens of one server process. @category services */
export class RealtimeTokens extends Context.Service<RealtimeTokens, RealtimeTokensShape>()("@patchbay/server/RealtimeTokens") {}

const digest = (token: string) => createHash("sha256").update(token).digest("base64url")

/**
 * Tokens kept in memory for `ttlSeconds` (default 60). Expired ones are dropped as new ones are
 * issued, so the table holds at most the tokens of the last `ttlSeconds`.
 *
 * @category layers
 */
export const layerTokens = (options: { readonly ttlSeconds?: number | undefined } = {}): Layer.Layer<RealtimeTokens> =>
  Layer.sync(RealtimeTokens, () => {
    const ttlMs = Math.max(1, options.ttlSeconds ?? 60) * 1000
    const live = new Map<string, { readonly tenant: string; readonly expires: number }>()
    const sweep = (now: number) => {
      for (const [key, entry] of live) if (entry.expires <= now) live.delete(key)
    }
    return {
      issue: (tenant) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          sweep(now)
          const token = `rtt_${randomBytes(24).toString("base64url")}`
          live.set(digest(token), { tenant, expires: now + ttlMs })
          return { token, expires_at: new Date(now + ttlMs).toISOString(), expires_in: ttlMs / 1000 }
        }),
      redeem: (token) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const key = digest(token)
          const entry = live.get(key)
          live.delete(key)
          return entry === undefined || entry.expires <= now ? Effect.fail(new Unauthorized({ reason: "token" })) : Effect.succeed(entry.tenant)
        })
    }
  })

// ---------------------------------------------------------------------------------------------
// The session: socket frames in, the realtime stage's events out
// ---------------------------------------------------------------------------------------------

/** What a client sends as text frames; binary frames are audio. */
type ClientMessage =
  | { readonly type: "input_audio_chunk"; readonly audio: string }
  | { readonly type: "commit" }
  | { readonly type: "end" }

/** A client's text frame, decoded; `undefined` for anything else (answered with an `error` message). */
export const decodeClientMessage = (text: string): ClientMessage | undefined => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== "object" || value === null) return undefined
  const message = value as { readonly type?: unknown; readonly audio?: unknown }
  if (message.type === "commit" || message.type === "end") return { type: message.type }
  if (message.type === "input_audio_chunk" && typeof message.audio === "string") return { type: "input_audio_chunk", audio: message.audio }
  return undefined
}

/** The socket's names for the realtime events (the seed's Real Time Voice API); others keep theirs. */
const messageTypes: Readonly<Record<string, string>> = {
  stt_stream_start: "session_started",
  stt_partial: "partial_transcript",
  stt_committed: "committed_transcript",
  stt_stream_end: "session_ended"
}

/**
 * A pipeline event as the socket sends it: the event's own fields (`thread_id`, `run_id`, `seq`,
 * …), the realtime ones under the names of the seed's Real Time Voice API, with `session_id`
 * (the session's run id) on `session_started` and `session_ended`. Any other event (an `error`,
 * those of the runs `respond` starts) keeps its SSE shape.
 */
export const toServerMessage = (event: PipelineEvent): Record<string, unknown> => {
  const type = messageTypes[event.type]
  if (type === undefined) return event
  const session = event.type === "stt_stream_start" || event.type === "stt_stream_end" ? { session_id: event.run_id } : {}
  return { ...event, type, ...session }
}

/**
 * Runs one session on an upgraded socket: its frames become the stage's input (audio, commits;
 * `end` finishes it), the stage's events go out as JSON text frames, and the socket is closed
 * (1000) when the session ends. A client that goes away interrupts the session, which closes
 * the vendor's connection.
 */
export const runSession = <E>(
  socket: Socket.Socket,
  events: (input: Stream.Stream<RealtimeSttInput>) => Stream.Stream<PipelineEvent, E>
): Effect.Effect<void, Socket.SocketError> =>
  Effect.scoped(Effect.gen(function*() {
    // The reader first: the `101` goes out when it is acquired, and writes wait for it.
    const reader = yield* socket.reader
    const write = yield* socket.writer
    const send = (message: Record<string, unknown>) => write.write(JSON.stringify(message))
    /** Completed when the client goes away (or its socket fails) before sending `end`. */
    const gone = yield* Deferred.make<void>()
    const input = Stream.fromEffectRepeat(reader.pull).pipe(
      Stream.flattenArray,
      Stream.catchTag("SocketError", () => Stream.fromEffect(Effect.andThen(Deferred.succeed(gone, undefined), Effect.never))),
      Stream.map((data): RealtimeSttInput | "end" | string => {
        // Binary frames are audio; text frames are the control messages.
        if (typeof data !== "string") return data
        const message = decodeClientMessage(data)
        if (message === undefined) return data
        if (message.type === "end") return "end"
        if (message.type === "commit") return Commit
        return Uint8Array.from(Buffer.from(message.audio, "base64"))
      }),
      Stream.takeWhile((item) => item !== "end"),
      Stream.tap((item) =>
        typeof item === "string"
          ? Effect.ignore(send({ type: "error", code: "InvalidRequest", message: `Not a realtime message: ${item.slice(0, 80)}`, retryable: false }))
          : Effect.void
      ),
      Stream.filter((item): item is RealtimeSttInput => typeof item !== "string")
    )
    // A failed session tells its error whole (the `error` event has told its code and message):
    // `session_failed { error }` with the JSON error body, then close 1011.
    const session = events(input).pipe(
      Stream.runForEach((event) => send(toServerMessage(event))),
      Effect.as(1000),
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause) ? Effect.succeed(1000) : Effect.as(Effect.ignore(send({ type: "session_failed", error: toErrorBody(errorOfCause(cause)) })), 1011)
      )
    )
    // The client gone, the session is interrupted: the stage closes the vendor's connection.
    const code = yield* Effect.raceFirst(session, Effect.as(Deferred.await(gone), undefined))
    if (code !== undefined) yield* Effect.ignore(write.write(new Socket.CloseEvent(code)))
  }))

/** The query of `GET /realtime/stt`, decoded. */
export interface RealtimeQuery {
  readonly provider: string
  readonly model: string
  readonly audio_format: string
  readonly language?: string | undefined
  readonly commit?: "vad" | "manual" | undefined
  readonly include_timestamps?: "true" | "false" | undefined
  readonly thread_id?: string | undefined
  readonly respond?: "true" | "false" | undefined
}

/**
 * The session a `POST /realtime/tokens` body names, as the socket's query would: the same
 * parameters (JSON strings and booleans), checked for their types here and for the rest by
 * {@link prepareSession}.
 */
export const realtimeQueryOf = (body: Readonly<Record<string, unknown>>): Effect.Effect<RealtimeQuery, InvalidRequest> =>
  Effect.gen(function*() {
    const text = (key: string, required: boolean) => {
      const value = body[key]
      if (value === undefined && !required) return Effect.succeed(undefined)
      return typeof value === "string" ? Effect.succeed(value) : Effect.fail(new InvalidRequest({ field: key, value, reason: required ? "required: a string" : "expected a string" }))
    }
    const flag = (key: string) => {
      const value = body[key]
      if (value === undefined) return Effect.succeed(undefined)
      return value === true || value === "true" ? Effect.succeed("true" as const) : value === false || value === "false"
        ? Effect.succeed("false" as const)
        : Effect.fail(new InvalidRequest({ field: key, value, reason: "expected true or false" }))
    }
    const commit = body["commit"]
    if (commit !== undefined && commit !== "vad" && commit !== "manual") {
      return yield* new InvalidRequest({ field: "commit", value: commit, allowed: ["vad", "manual"], reason: "not a commit strategy" })
    }
    const known = new Set(["provider", "model", "audio_format", "language", "commit", "include_timestamps", "thread_id", "respond"])
    const unknown = Object.keys(body).find((key) => !known.has(key))
    if (unknown !== undefined) return yield* new InvalidRequest({ field: unknown, reason: `not a session parameter; known: ${[...known].join(", ")}` })
    return {
      provider: (yield* text("provider", true))!,
      model: (yield* text("model", true))!,
      audio_format: (yield* text("audio_format", true))!,
      language: yield* text("language", false),
      commit: commit as "vad" | "manual" | undefined,
      include_timestamps: yield* flag("include_timestamps"),
      thread_id: yield* text("thread_id", false),
      respond: yield* flag("respond")
    }
  })

/** The query's names for what a refusal blames (`stt.model` is the query's `model`). */
const queryFields: Listen.ListenFields = {
  stt: "stt",
  audio_format: "audio_format",
  commit: "commit",
  language: "language",
  include_timestamps: "include_timestamps",
  thread_id: "thread_id",
  respond: "respond",
  tts: "tts"
}

/** A refusal naming `stt.provider` or `stt.model` names the query parameter instead. */
const blameQuery = <E>(error: E): E => {
  const field = (error as { readonly field?: unknown }).field
  if (typeof field !== "string" || !field.startsWith("stt.")) return error
  return Object.assign(Object.create(Object.getPrototypeOf(error)), error, { field: field.slice("stt.".length) })
}

/**
 * A checked session (`Listen.prepare`), before the socket is upgraded: everything a request can
 * get wrong (the provider, a model that is not realtime, the audio format, the language, the
 * thread, the keys) is refused here, as a JSON error answer instead of a `101`.
 */
export const prepareSession = (query: RealtimeQuery) =>
  Listen.prepare(
    {
      stt: { provider: query.provider, model: query.model, ...(query.language === undefined ? {} : { language: query.language }) },
      audio_format: query.audio_format,
      commit: query.commit,
      ...(query.include_timestamps === undefined ? {} : { include_timestamps: query.include_timestamps === "true" }),
      ...(query.thread_id === undefined ? {} : { thread_id: query.thread_id }),
      ...(query.respond === undefined ? {} : { respond: query.respond === "true" })
    },
    { fields: queryFields }
  ).pipe(Effect.mapError(blameQuery))
