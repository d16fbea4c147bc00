/**
 * A small realtime adapter for the battery's own tests: the invented vendor "Acme Live" speaks
 * JSON over a WebSocket at `/v1/listen?model=…&format=…[&language=…]` — the client sends
 * `{ type: "audio", audio: <base64> }` and `{ type: "commit" }`, the vendor answers `ready`,
 * `partial`, `final` (one per commit) and `error { code }` (`auth`, `quota`, `rate`, `input`).
 * It is correct as written; `Broken.ts`-style variants (`BrokenRealtime.ts`) change one thing
 * each, through {@link Faults}.
 */
import {
  AuthenticationFailed,
  InvalidRequest,
  type ModelInfo,
  type PatchbayProvider,
  type ProviderError,
  ProviderUnavailable,
  QuotaExceeded,
  RateLimited,
  type RealtimeSttEvent,
  type RealtimeSttInput,
  type RealtimeSttSpec,
  UnknownModel,
  UnsupportedFormat,
  type ValidationError
} from "@patchbay/core"
import { Cause, Effect, Queue, Stream } from "effect"
import { WebSocket } from "ws"
import type { MakeOptions } from "../../src/index.ts"

const PROVIDER = "acme-live"
const MODEL = "acme-listen-live"
const FORMATS = ["pcm_16000", "ulaw_8000"]

export const models: ReadonlyArray<ModelInfo> = [
  { id: MODEL, provider: PROVIDER, capability: "stt", realtime: true, realtime_formats: FORMATS }
]

/** One fault each broken variant has. */
export interface Faults {
  /** Keeps partials until the input has ended. */
  readonly holdsPartials?: boolean
  /** Emits the utterance's last partial as the committed text. */
  readonly commitsLastPartial?: boolean
  /** Maps every vendor error to ProviderUnavailable. */
  readonly genericErrors?: boolean
  /** Closes the socket when the session ends or fails, not when it is interrupted. */
  readonly keepsSocketOnInterrupt?: boolean
  /** Starts a keep-alive timer with each session and never clears it. */
  readonly leavesKeepAlive?: boolean
  /** Opens the socket, then validates. */
  readonly connectsFirst?: boolean
}

const keepAlives = new Set<ReturnType<typeof setInterval>>()

/** Clears the keep-alive timers `leavesKeepAlive` left. */
export const disposeKeepAlives = (): void => {
  for (const timer of keepAlives) clearInterval(timer)
  keepAlives.clear()
}

const validate = (spec: RealtimeSttSpec): Effect.Effect<void, ValidationError> => {
  if (spec.model !== MODEL) return Effect.fail(new UnknownModel({ provider: PROVIDER, model: spec.model, field: "voice.stt.model", allowed: [MODEL] }))
  if (!FORMATS.includes(spec.audio_format)) {
    return Effect.fail(new UnsupportedFormat({ provider: PROVIDER, model: MODEL, field: "audio_format", format: spec.audio_format, allowed: FORMATS }))
  }
  return Effect.void
}

const fromVendor = (code: string, message: string, faults: Faults): ProviderError => {
  const vendor = { provider: PROVIDER, detail: `${code}: ${message}` }
  if (faults.genericErrors === true) return new ProviderUnavailable(vendor)
  switch (code) {
    case "auth":
      return new AuthenticationFailed(vendor)
    case "quota":
      return new QuotaExceeded(vendor)
    case "rate":
      return new RateLimited(vendor)
    case "input":
      return new InvalidRequest({ ...vendor, field: "audio", reason: message })
    default:
      return new ProviderUnavailable(vendor)
  }
}

const session = (base: string, spec: RealtimeSttSpec, input: Stream.Stream<RealtimeSttInput>, faults: Faults) =>
  Stream.callback<RealtimeSttEvent, ProviderError>((queue) =>
    Effect.gen(function*() {
      if (faults.connectsFirst !== true) yield* validate(spec)
      const url = new URL("/v1/listen", base.replace(/^http/, "ws"))
      url.searchParams.set("model", spec.model)
      url.searchParams.set("format", spec.audio_format)
      if (spec.language !== undefined) url.searchParams.set("language", spec.language)
      let finished = false
      let inputEnded = false
      let pending = 0
      let bytes = 0
      let sessionId: string | undefined
      let lastPartial = ""
      const held: Array<RealtimeSttEvent> = []
      const emit = (event: RealtimeSttEvent) => {
        if (!finished) Queue.offerUnsafe(queue, event)
      }
      const fail = (error: ProviderError) => {
        if (finished) return
        finished = true
        Queue.failCauseUnsafe(queue, Cause.fail(error))
      }
      let socket: WebSocket | undefined
      const endIfDone = () => {
        if (finished || !inputEnded || pending > 0) return
        for (const event of held.splice(0)) emit(event)
        emit({ type: "summary", usage: { audio_seconds: bytes / 32000 }, ...(sessionId === undefined ? {} : { session_id: sessionId }), provider_output: null })
        finished = true
        socket?.close(1000)
        Queue.endUnsafe(queue)
      }
      const open = Effect.callback<WebSocket, ProviderError>((resume) => {
        const ws = new WebSocket(url, { headers: { authorization: "Bearer acme" } })
        if (faults.leavesKeepAlive === true) keepAlives.add(setInterval(() => undefined, 15_000))
        ws.on("message", (data) => {
          const message = JSON.parse(String(data)) as { type: string; text?: string; code?: string; message?: string; session_id?: string }
          switch (message.type) {
            case "ready":
              sessionId = message.session_id
              return emit({ type: "session_started", ...(sessionId === undefined ? {} : { session_id: sessionId }) })
            case "partial":
              lastPartial = message.text ?? ""
              return faults.holdsPartials === true && !inputEnded ? void held.push({ type: "partial", text: lastPartial }) : emit({ type: "partial", text: lastPartial })
            case "final":
              pending = Math.max(0, pending - 1)
              emit({ type: "committed", text: faults.commitsLastPartial === true ? lastPartial : (message.text ?? "") })
              return endIfDone()
            case "error":
              return fail(fromVendor(message.code ?? "", message.message ?? "", faults))
          }
        })
        let opened = false
        const lost = (detail: string) => {
          const error = new ProviderUnavailable({ provider: PROVIDER, detail })
          if (opened) fail(error)
          else resume(Effect.fail(error))
        }
        ws.on("error", (error) => lost(error.message))
        ws.on("close", () => lost("the connection closed before the session ended"))
        ws.once("open", () => {
          opened = true
          resume(Effect.succeed(ws))
        })
        socket = ws
      })
      const ws = yield* Effect.acquireRelease(open, (ws, exit) =>
        Effect.sync(() => {
          if (faults.keepsSocketOnInterrupt === true && exit._tag === "Failure" && Cause.hasInterruptsOnly(exit.cause)) return
          ws.close(1000)
        }))
      if (faults.connectsFirst === true) yield* validate(spec)
      const send = (message: unknown) =>
        Effect.callback<void, ProviderError>((resume) => {
          if (ws.readyState !== WebSocket.OPEN) return resume(Effect.fail(new ProviderUnavailable({ provider: PROVIDER, detail: "the connection closed" })))
          ws.send(JSON.stringify(message), (error) => resume(error == null ? Effect.void : Effect.fail(new ProviderUnavailable({ provider: PROVIDER, detail: error.message }))))
        })
      let uncommitted = false
      const commit = Effect.suspend(() => {
        if (!uncommitted) return Effect.void
        uncommitted = false
        pending += 1
        return send({ type: "commit" })
      })
      yield* Stream.runForEach(input, (item) =>
        item instanceof Uint8Array
          ? Effect.tap(send({ type: "audio", audio: Buffer.from(item).toString("base64") }), () =>
            Effect.sync(() => {
              bytes += item.byteLength
              uncommitted = true
            }))
          : commit)
      yield* commit
      inputEnded = true
      endIfDone()
    })
  )

/** The Acme Live provider; `realtimeBaseUrl` is where its WebSocket is. */
export const acmeLive = (options: MakeOptions, faults: Faults = {}): PatchbayProvider => {
  const base = options.realtimeBaseUrl ?? "https://live.acme.test"
  return {
    id: PROVIDER,
    models,
    stt: {
      catalogue: "closed",
      validate: () => Effect.void,
      transcribe: () => Effect.fail(new ProviderUnavailable({ provider: PROVIDER, detail: "Acme Live transcribes in real time only" })),
      validateRealtime: validate,
      realtime: (spec, input) => Stream.unwrap(Effect.succeed(session(base, spec, input, faults)))
    }
  }
}
