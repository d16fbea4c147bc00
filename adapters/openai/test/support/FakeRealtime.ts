/**
 * A fake of OpenAI's Realtime API for transcription sessions, written from the SDK's event types
 * (`openai/resources/realtime/realtime`): a local HTTP server that upgrades
 * `/v1/realtime?intent=transcription` to a WebSocket (the `ws` package) and plays a script.
 *
 * It records what the client sent — the upgrade's URL and whether it carried the expected key,
 * the `session.update` config, the appended audio bytes, the commits, the close — and answers
 * like the service: `session.created` on connect, `session.updated` on `session.update`, a
 * transcription delta (the next word of the current utterance) after every `bytesPerWord` bytes
 * appended, and `committed` + the remaining deltas + `completed` on `input_audio_buffer.commit`
 * or, with server VAD on, once an utterance's `bytesPerUtterance` bytes have arrived. Everything
 * is counted in bytes, never timed. A scenario can instead refuse the upgrade with an HTTP
 * status, send an `error` event, or drop the socket without a close frame.
 *
 * The client reaches it without TLS: the SDK always dials `wss:`, so tests give the provider
 * `realtimeSocket: { createConnection: net.createConnection }`, which opens plain TCP to the
 * same host and port.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import type { RealtimeError } from "openai/resources/realtime/realtime"
import { type WebSocket, WebSocketServer } from "ws"

/** What goes wrong, and when. */
export type Trouble =
  /** Refuse the upgrade with this status and `{ error }` body. */
  | { readonly kind: "refuse"; readonly status: number; readonly error: RealtimeError }
  /** Send this `error` event once `afterBytes` bytes of audio have arrived (0: in answer to `session.update`). */
  | { readonly kind: "error"; readonly afterBytes: number; readonly error: RealtimeError }
  /** Destroy the TCP connection (no close frame) once `afterBytes` bytes of audio have arrived. */
  | { readonly kind: "drop"; readonly afterBytes: number }

/** What the fake says. */
export interface Script {
  /** The utterances, in order: each is transcribed word by word. */
  readonly utterances: ReadonlyArray<string>
  /** One delta after every this many bytes of an utterance's audio. */
  readonly bytesPerWord: number
  /** With server VAD on: the utterance ends (is committed) after this many bytes. */
  readonly bytesPerUtterance?: number
  /** The key the upgrade must carry as `Authorization: Bearer …`; another one is refused with 401. */
  readonly key: string
  readonly trouble?: Trouble
}

/** What the fake saw of one connection. */
export interface Seen {
  readonly url: string
  readonly authorized: boolean
  /** Every client event's type, in order (`input_audio_buffer.append` once per append). */
  readonly events: Array<string>
  /** The `session` of each `session.update`. */
  readonly sessions: Array<unknown>
  /** The appended audio, decoded from base64, in order. */
  readonly audio: Array<Buffer>
  /** Set when the client's close frame (or the connection's end) arrived. */
  closed: { readonly code: number } | undefined
}

interface Item {
  readonly id: string
  readonly words: ReadonlyArray<string>
  bytes: number
  sent: number
}

const SESSION_ID = "sess_fake_transcription_1"

/** A running fake; `url` is the `baseURL` to give the provider. */
export interface FakeRealtime {
  readonly baseURL: string
  readonly connections: ReadonlyArray<Seen>
  /** Resolves once a connection has been closed (by the client or dropped). */
  readonly closed: (index?: number) => Promise<void>
  readonly stop: () => Promise<void>
}

/** Starts a fake on a free port of 127.0.0.1. */
export const startFakeRealtime = async (script: Script): Promise<FakeRealtime> => {
  const connections: Array<Seen> = []
  const closeWaiters: Array<Array<() => void>> = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((_request, response) => {
    response.writeHead(404).end()
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  const wss = new WebSocketServer({ noServer: true })
  const trouble = script.trouble

  server.on("upgrade", (request, socket, head) => {
    const authorized = request.headers.authorization === `Bearer ${script.key}`
    const index = connections.length
    const seen: Seen = { url: request.url ?? "", authorized, events: [], sessions: [], audio: [], closed: undefined }
    connections.push(seen)
    const refusal = !authorized
      ? {
        status: 401,
        // The service names the key it was given; an adapter must not pass it on.
        error: { type: "invalid_request_error", code: "invalid_api_key", message: `Incorrect API key provided: ${request.headers.authorization?.replace(/^Bearer /, "") ?? ""}.` }
      }
      : trouble?.kind === "refuse"
      ? trouble
      : undefined
    if (refusal !== undefined) {
      const body = JSON.stringify({ error: refusal.error })
      socket.end(
        `HTTP/1.1 ${refusal.status} Refused\r\ncontent-type: application/json\r\nx-request-id: req_fake_1\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
      )
      seen.closed = { code: refusal.status }
      for (const wake of closeWaiters[index] ?? []) wake()
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => serve(ws, seen, index))
  })

  const serve = (ws: WebSocket, seen: Seen, index: number) => {
    let eventId = 0
    let itemCount = 0
    let utterance = 0
    let vad = false
    let logprobs = false
    let total = 0
    let troubled = false
    let current: Item | undefined
    const emit = (event: Record<string, unknown>) => ws.send(JSON.stringify({ event_id: `event_${++eventId}`, ...event }))
    const markClosed = (code: number) => {
      if (seen.closed !== undefined) return
      seen.closed = { code }
      for (const wake of closeWaiters[index] ?? []) wake()
    }
    ws.on("close", (code) => markClosed(code))

    const delta = (item: Item) => {
      const word = item.words[item.sent]
      if (word === undefined) return
      emit({
        type: "conversation.item.input_audio_transcription.delta",
        item_id: item.id,
        content_index: 0,
        delta: item.sent === 0 ? word : ` ${word}`
      })
      item.sent += 1
    }
    const commit = (item: Item) => {
      if (vad) emit({ type: "input_audio_buffer.speech_stopped", item_id: item.id, audio_end_ms: 0 })
      emit({ type: "input_audio_buffer.committed", item_id: item.id, previous_item_id: null })
      while (item.sent < item.words.length) delta(item)
      emit({
        type: "conversation.item.input_audio_transcription.completed",
        item_id: item.id,
        content_index: 0,
        transcript: item.words.join(" "),
        usage: { type: "tokens", input_tokens: 10, output_tokens: item.words.length, total_tokens: 10 + item.words.length, input_token_details: { audio_tokens: 10, text_tokens: 0 } },
        ...(logprobs ? { logprobs: item.words.map((token) => ({ token, bytes: [...Buffer.from(token)], logprob: -0.25 })) } : {})
      })
      current = undefined
    }
    const troubleAt = (bytes: number) => {
      if (troubled || trouble === undefined || trouble.kind === "refuse" || bytes < trouble.afterBytes) return false
      troubled = true
      if (trouble.kind === "error") {
        emit({ type: "error", error: trouble.error })
        return false
      }
      markClosed(1006)
      ws.terminate()
      return true
    }

    emit({ type: "session.created", session: { type: "transcription", object: "realtime.transcription_session", id: SESSION_ID } })
    ws.on("message", (data) => {
      const event = JSON.parse(String(data)) as { readonly type: string; readonly session?: unknown; readonly audio?: string }
      seen.events.push(event.type)
      switch (event.type) {
        case "session.update": {
          seen.sessions.push(event.session)
          const input = (event.session as { audio?: { input?: { turn_detection?: unknown } } }).audio?.input
          vad = input?.turn_detection !== null && input?.turn_detection !== undefined
          logprobs = ((event.session as { include?: Array<string> }).include ?? []).includes("item.input_audio_transcription.logprobs")
          emit({ type: "session.updated", session: { ...(event.session as object), id: SESSION_ID, object: "realtime.transcription_session" } })
          troubleAt(0)
          return
        }
        case "input_audio_buffer.append": {
          const bytes = Buffer.from(event.audio ?? "", "base64")
          seen.audio.push(bytes)
          total += bytes.byteLength
          if (current === undefined) {
            const text = script.utterances[utterance] ?? ""
            utterance += 1
            current = { id: `item_${++itemCount}`, words: text === "" ? [] : text.split(" "), bytes: 0, sent: 0 }
            if (vad) emit({ type: "input_audio_buffer.speech_started", item_id: current.id, audio_start_ms: 0 })
          }
          const item = current
          const before = Math.floor(item.bytes / script.bytesPerWord)
          item.bytes += bytes.byteLength
          for (let n = before; n < Math.floor(item.bytes / script.bytesPerWord) && item.sent < item.words.length - 1; n++) delta(item)
          if (troubleAt(total)) return
          if (vad && script.bytesPerUtterance !== undefined && item.bytes >= script.bytesPerUtterance) commit(item)
          return
        }
        case "input_audio_buffer.commit":
          if (current === undefined || current.bytes === 0) {
            emit({
              type: "error",
              error: { type: "invalid_request_error", code: "input_audio_buffer_commit_empty", message: "Error committing input audio buffer: buffer too small.", param: null }
            })
            return
          }
          commit(current)
          return
      }
    })
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    connections,
    closed: (index = 0) =>
      new Promise<void>((resolve) => {
        if (connections[index]?.closed !== undefined) return resolve()
        while (closeWaiters.length <= index) closeWaiters.push([])
        closeWaiters[index]?.push(resolve)
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        for (const socket of sockets) socket.destroy()
        wss.close()
        server.close(() => resolve())
      })
  }
}
