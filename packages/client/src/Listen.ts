/**
 * `listen` over a Patchbay server: the facade's `pb.listen`, served by `GET /realtime/stt`. The
 * session's parameters go first to `POST /realtime/tokens` (with the key), which checks them and
 * answers a refusal as the same tagged error `pb.listen` throws, naming the facade's fields; the
 * socket then opens with the single-use token (no header needed, so it works in browsers too),
 * the audio goes up as binary frames (`Commit`s as `commit` messages, the end as `end`), and the
 * server's messages come back as the very `PipelineEvent`s of the in-process session.
 *
 * @since 0.3.0
 */
import type { ListenParams, PipelineEvent } from "@patchbay/core"
import { Cancelled, InvalidRequest } from "@patchbay/core/schema"
import { fromErrorBody, isErrorBody, ServerError } from "./Errors.ts"

/** Where and how the client reaches the server. */
export interface Connection {
  readonly baseUrl: string
  readonly apiKey: string
  readonly fetch: typeof globalThis.fetch
}

/** The server's names for the realtime events, back to the pipeline's. */
const eventTypes: Readonly<Record<string, string>> = {
  session_started: "stt_stream_start",
  partial_transcript: "stt_partial",
  committed_transcript: "stt_committed",
  session_ended: "stt_stream_end"
}

/** A server message as the pipeline event it stands for (`session_id` dropped: it is `run_id`). */
export const toEvent = (message: Readonly<Record<string, unknown>>): PipelineEvent => {
  const type = eventTypes[String(message["type"])]
  if (type === undefined) return message as unknown as PipelineEvent
  const { session_id: _session, ...rest } = message
  return { ...rest, type } as unknown as PipelineEvent
}

/** The server's field names (the socket's query) as the facade's. */
const facadeField = (field: string, params: ListenParams): string => {
  switch (field) {
    case "provider":
    case "model":
      return `voice.stt.${field}`
    case "language":
      return params.language === undefined ? "voice.stt.language" : "language"
    case "audio_format":
      return "format"
    case "thread_id":
      return "threadId"
    case "include_timestamps":
      return "includeTimestamps"
    default:
      return field
  }
}

/** An error body from the server, as the tagged error `pb.listen` would throw. */
const errorFrom = (body: unknown, params: ListenParams): unknown => {
  if (!isErrorBody(body)) return new ServerError("UnexpectedResponse", true, {}, "The server answered without an error body")
  const field = (body as { readonly field?: unknown }).field
  const renamed = typeof field === "string" ? { ...body, field: facadeField(field, params) } : body
  return fromErrorBody(renamed as Parameters<typeof fromErrorBody>[0])
}

/** The session's parameters, by the server's names. */
const sessionOf = (params: ListenParams): Record<string, unknown> => {
  const session: Record<string, unknown> = {
    provider: params.voice.stt.provider,
    model: params.voice.stt.model,
    audio_format: params.format
  }
  const language = params.language ?? params.voice.stt.language
  if (language !== undefined) session["language"] = language
  if (params.commit !== undefined) session["commit"] = params.commit
  if (params.includeTimestamps !== undefined) session["include_timestamps"] = params.includeTimestamps
  if (params.threadId !== undefined) session["thread_id"] = params.threadId
  if (params.respond !== undefined) session["respond"] = params.respond
  return session
}

/** Waits while more than this much audio is queued on the socket, unsent. */
const HIGH_WATER = 1 << 20

const isCommit = (value: unknown): boolean =>
  typeof value === "object" && value !== null && !(value instanceof Uint8Array) && (value as { readonly type?: unknown }).type === "commit"

/** The caller's audio, whatever its kind, as an async iterable. */
async function* elements(audio: ListenParams["audio"]): AsyncGenerator<unknown> {
  if (typeof (audio as ReadableStream).getReader === "function") {
    const reader = (audio as ReadableStream<unknown>).getReader()
    try {
      for (;;) {
        const next = await reader.read()
        if (next.done) return
        yield next.value
      }
    } finally {
      reader.releaseLock()
    }
  }
  yield* audio as AsyncIterable<unknown>
}

/**
 * Runs `pb.listen`'s session on the server. The iteration ends after `stt_stream_end`, throws
 * the session's error after its `error` event when the vendor fails, and throws `Cancelled` when
 * `signal` aborts; leaving it early (or aborting) closes the socket, which ends the server's
 * session and the vendor's connection.
 */
export const listen = (connection: Connection, params: ListenParams): AsyncIterable<PipelineEvent> => ({
  [Symbol.asyncIterator]: () => {
    const events: Array<PipelineEvent> = []
    let failure: { readonly error: unknown } | undefined
    let done = false
    let wake: (() => void) | undefined
    let socket: WebSocket | undefined
    let runId: string | undefined
    const notify = () => {
      wake?.()
      wake = undefined
    }
    const fail = (error: unknown) => {
      if (failure === undefined && !done) failure = { error }
      notify()
    }
    const onAbort = () => {
      fail(new Cancelled(runId === undefined ? {} : { runId }))
      socket?.close(1000)
    }

    void (async () => {
      if (params.signal?.aborted === true) throw new Cancelled({})
      if (params.voice.tts !== undefined) {
        throw new InvalidRequest({ field: "voice.tts", reason: "the server's realtime route does not speak replies: leave voice.tts out, or listen in process" })
      }
      params.signal?.addEventListener("abort", onAbort, { once: true })
      const base = connection.baseUrl.replace(/\/$/, "")
      const issued = await connection.fetch(`${base}/realtime/tokens`, {
        method: "POST",
        headers: { "x-api-key": connection.apiKey, "content-type": "application/json" },
        body: JSON.stringify(sessionOf(params)),
        ...(params.signal === undefined ? {} : { signal: params.signal })
      })
      const body: unknown = await issued.json().catch(() => undefined)
      if (!issued.ok) throw errorFrom(body, params)
      const query = new URLSearchParams(Object.entries(sessionOf(params)).map(([key, value]) => [key, String(value)]))
      query.set("token", (body as { readonly token: string }).token)
      const ws = new WebSocket(`${base.replace(/^http/, "ws")}/realtime/stt?${query}`)
      socket = ws
      ws.binaryType = "arraybuffer"
      ws.addEventListener("message", (event) => {
        const message = JSON.parse(String(event.data)) as Record<string, unknown>
        if (message["type"] === "session_failed") return fail(errorFrom(message["error"], params))
        const pipelineEvent = toEvent(message)
        runId ??= (pipelineEvent as { readonly run_id?: string }).run_id
        events.push(pipelineEvent)
        if (pipelineEvent.type === "stt_stream_end") done = true
        notify()
      })
      ws.addEventListener("close", (event) => {
        if (!done) fail(new ServerError("SocketClosed", true, { code: event.code }, `The realtime socket closed before the session ended (code ${event.code})`))
        notify()
      })
      await new Promise<void>((resolve, reject) => {
        ws.addEventListener("open", () => resolve(), { once: true })
        ws.addEventListener("error", () => reject(new ServerError("SocketError", true, {}, "The realtime socket could not be opened")), { once: true })
      })
      // The audio, read as the socket drains.
      for await (const element of elements(params.audio)) {
        if (failure !== undefined || ws.readyState !== WebSocket.OPEN) return
        if (element instanceof Uint8Array) ws.send(element as Uint8Array<ArrayBuffer>)
        else if (element instanceof ArrayBuffer) ws.send(new Uint8Array(element))
        else if (isCommit(element)) ws.send(JSON.stringify({ type: "commit" }))
        else throw new ServerError("InvalidRequest", false, { field: "audio" }, "expected chunks of audio (Uint8Array) and Commit, nothing else")
        while (ws.bufferedAmount > HIGH_WATER && ws.readyState === WebSocket.OPEN) await new Promise((resolve) => setTimeout(resolve, 5))
      }
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "end" }))
    })().catch(fail)

    const close = () => {
      params.signal?.removeEventListener("abort", onAbort)
      if (socket !== undefined && socket.readyState <= WebSocket.OPEN) socket.close(1000)
    }
    return {
      next: async (): Promise<IteratorResult<PipelineEvent>> => {
        for (;;) {
          const event = events.shift()
          if (event !== undefined) return { done: false, value: event }
          if (failure !== undefined) {
            // Not waiting for the audio pump: it may be parked on a source that never yields again.
            close()
            throw failure.error
          }
          if (done) {
            close()
            return { done: true, value: undefined }
          }
          await new Promise<void>((resolve) => (wake = resolve))
        }
      },
      return: async (): Promise<IteratorResult<PipelineEvent>> => {
        done = true
        close()
        return { done: true, value: undefined }
      }
    }
  }
})
