/**
 * A fake of ElevenLabs' realtime speech-to-text WebSocket (`/v1/speech-to-text/realtime`), written
 * from the SDK's message types (`wrapper/realtime`), on a loopback port the SDK reaches through
 * the adapter's `baseUrl`.
 *
 * It records what the client sent — the query and headers of the upgrade, every
 * `input_audio_chunk` (the audio decoded), the commits, and how the socket closed — and answers
 * from a {@link RealtimeScript}: `session_started` on connection, a `partial_transcript` each time
 * another `partialEvery` bytes of an utterance have arrived (its words so far), and the
 * utterance's `committed_transcript` (plus `committed_transcript_with_timestamps` when the query
 * asks for timestamps) on each commit — the client's, or its own with `commit_strategy=vad`
 * after `vadEvery` bytes. It can also answer with any error message, drop the socket, refuse
 * the upgrade with an HTTP status, or leave it unanswered. Nothing waits on a clock: every answer follows a message.
 */
import type {
  CommittedTranscriptMessage,
  CommittedTranscriptWithTimestampsMessage,
  InputAudioChunk,
  PartialTranscriptMessage,
  ServerErrorMessage,
  SessionStartedMessage
} from "@elevenlabs/elevenlabs-js/wrapper/realtime/index.js"
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import type { Duplex } from "node:stream"
import { type WebSocket, WebSocketServer } from "ws"

/** What the fake says, and how it fails. */
export interface RealtimeScript {
  /** The utterances in order: each commit settles the next one. */
  readonly utterances: ReadonlyArray<string>
  /** A partial transcript each time this many more bytes of the current utterance arrived. */
  readonly partialEvery: number
  /** With `commit_strategy=vad`: the fake commits on its own once an utterance has this many bytes. */
  readonly vadEvery?: number | undefined
  /** Once this many bytes have arrived in all: send this error message and close, or drop the socket. */
  readonly failAfter?: { readonly bytes: number; readonly with: ServerErrorMessage["message_type"] | "drop" } | undefined
  /** Refuse the WebSocket upgrade with this HTTP status. */
  readonly refuse?: number | undefined
  /** Never answer the upgrade: the client stays connecting. */
  readonly hold?: boolean | undefined
  readonly sessionId?: string | undefined
}

/** One connection, as the fake saw it. */
export interface RealtimeSession {
  readonly url: URL
  readonly headers: IncomingHttpHeaders
  /** Every `input_audio_chunk`, commits included, as received. */
  readonly chunks: Array<InputAudioChunk>
  /** The audio received, in order. */
  readonly audio: () => Buffer
  /** Commit messages received. */
  readonly commits: () => number
  /** Every message the fake sent. */
  readonly sent: Array<unknown>
  /** How the socket ended: a close frame from the client, the fake's own close, or a lost connection. */
  closedBy: "client" | "server" | "dropped" | undefined
  /** Settles when the socket has closed. */
  readonly closed: Promise<void>
}

/** A running fake. */
export interface FakeRealtime {
  /** What to give the adapter as `baseUrl` (the SDK turns `http` into `ws`). */
  readonly baseUrl: string
  /** Upgrade requests received, refused ones included. */
  readonly upgrades: () => number
  readonly sessions: Array<RealtimeSession>
  /** The first upgrade request held unanswered (`hold`), once it arrived; settles `closed` when the client gives up. */
  readonly held: () => Promise<{ readonly closed: Promise<void> }>
  /** The next session to connect (or the first one, once it has). */
  readonly session: (index?: number) => Promise<RealtimeSession>
  readonly close: () => Promise<void>
}

const PATH = "/v1/speech-to-text/realtime"

const bytesPerSecond = (format: string | null): number => {
  const [codec = "", rate = "16000"] = (format ?? "pcm_16000").split("_")
  return codec === "pcm" ? Number(rate) * 2 : Number(rate)
}

/** Evenly timed words of an utterance over its audio, with the spacing between them. */
const timedWords = (text: string, seconds: number): NonNullable<CommittedTranscriptWithTimestampsMessage["words"]> => {
  const words = text.split(" ")
  const step = seconds / Math.max(1, words.length)
  return words.flatMap((word, i) => {
    const start = Math.round(i * step * 1000) / 1000
    const end = Math.round((i + 1) * step * 1000) / 1000
    const item = { text: word, start, end, type: "word" as const, logprob: -0.1 }
    return i === words.length - 1 ? [item] : [item, { text: " ", start: end, end, type: "spacing" as const, logprob: 0 }]
  })
}

/** Starts the fake on a loopback port. */
export const serveRealtime = async (script: RealtimeScript): Promise<FakeRealtime> => {
  const server = createServer((_, response) => response.writeHead(404).end())
  const wss = new WebSocketServer({ noServer: true })
  const sessions: Array<RealtimeSession> = []
  const waiting: Array<{ readonly index: number; readonly resolve: (s: RealtimeSession) => void }> = []
  let upgrades = 0
  const heldSockets: Array<Duplex> = []
  let holding: ((held: { readonly closed: Promise<void> }) => void) | undefined
  const held = new Promise<{ readonly closed: Promise<void> }>((resolve) => (holding = resolve))

  server.on("upgrade", (request, socket, head) => {
    upgrades += 1
    const url = new URL(request.url ?? "/", "http://fake")
    if (script.hold === true) {
      heldSockets.push(socket)
      holding?.({ closed: new Promise<void>((resolve) => socket.on("close", () => resolve())) })
      socket.on("end", () => socket.end()) // the client hung up: close our half too
      socket.resume() // read on, so that the hang-up is seen
      return
    }
    if (script.refuse !== undefined || url.pathname !== PATH) {
      const status = script.refuse ?? 404
      socket.end(`HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n`)
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, url, request.headers))
  })

  const accept = (ws: WebSocket, url: URL, headers: IncomingHttpHeaders) => {
    const chunks: Array<InputAudioChunk> = []
    const audio: Array<Buffer> = []
    const sent: Array<unknown> = []
    let closing = false
    const closed = new Promise<void>((resolve) => ws.on("close", () => resolve()))
    const session: RealtimeSession = {
      url,
      headers,
      chunks,
      audio: () => Buffer.concat(audio),
      commits: () => chunks.filter((c) => c.commit).length,
      sent,
      closedBy: undefined,
      closed
    }
    ws.on("close", (code) => {
      session.closedBy ??= closing ? "server" : code === 1006 ? "dropped" : "client"
    })
    sessions.push(session)
    for (const w of waiting.filter((w) => w.index === sessions.length - 1)) w.resolve(session)

    const send = (message: unknown) => {
      sent.push(message)
      ws.send(JSON.stringify(message))
    }
    const query = url.searchParams
    const rate = bytesPerSecond(query.get("audio_format"))
    const withTimestamps = query.get("include_timestamps") === "true"
    const vad = query.get("commit_strategy") === "vad"
    let total = 0
    let utterance = 0
    let inUtterance = 0
    let partials = 0
    let failed = false

    const started: SessionStartedMessage = {
      message_type: "session_started",
      session_id: script.sessionId ?? "fake_session_1",
      config: {
        sample_rate: Number(query.get("audio_format")?.split("_")[1] ?? 16000),
        audio_format: (query.get("audio_format") ?? "pcm_16000") as NonNullable<SessionStartedMessage["config"]["audio_format"]>,
        language_code: query.get("language_code"),
        commit_strategy: (query.get("commit_strategy") ?? "manual") as NonNullable<SessionStartedMessage["config"]["commit_strategy"]>,
        model_id: query.get("model_id") ?? "",
        include_timestamps: withTimestamps
      }
    }
    send(started)

    const commit = () => {
      const text = script.utterances[utterance] ?? ""
      const committed: CommittedTranscriptMessage = { message_type: "committed_transcript", text }
      send(committed)
      if (withTimestamps) {
        const timed: CommittedTranscriptWithTimestampsMessage = {
          message_type: "committed_transcript_with_timestamps",
          text,
          language_code: "eng",
          words: text === "" ? [] : timedWords(text, inUtterance / rate)
        }
        send(timed)
      }
      utterance += 1
      inUtterance = 0
      partials = 0
    }

    ws.on("message", (data) => {
      if (failed) return
      const chunk = JSON.parse(String(data)) as InputAudioChunk
      chunks.push(chunk)
      const bytes = Buffer.from(chunk.audio_base_64, "base64")
      audio.push(bytes)
      total += bytes.byteLength
      inUtterance += bytes.byteLength
      const fail = script.failAfter
      if (fail !== undefined && total >= fail.bytes) {
        failed = true
        if (fail.with === "drop") {
          session.closedBy = "dropped"
          ws.terminate()
        } else {
          const error: ServerErrorMessage = { message_type: fail.with, error: `fake ${fail.with}` } as ServerErrorMessage
          send(error)
          closing = true
          ws.close(1008, fail.with)
        }
        return
      }
      const words = (script.utterances[utterance] ?? "").split(" ").filter((w) => w !== "")
      while (bytes.byteLength > 0 && Math.floor(inUtterance / script.partialEvery) > partials) {
        partials += 1
        const partial: PartialTranscriptMessage = { message_type: "partial_transcript", text: words.slice(0, partials).join(" ") }
        send(partial)
      }
      if (chunk.commit || (vad && script.vadEvery !== undefined && inUtterance >= script.vadEvery)) commit()
    })
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    upgrades: () => upgrades,
    held: () => held,
    sessions,
    session: (index = 0) =>
      index < sessions.length
        ? Promise.resolve(sessions[index] as RealtimeSession)
        : new Promise((resolve) => waiting.push({ index, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        for (const socket of heldSockets) socket.destroy()
        wss.close()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** Cuts audio into chunks of `size` bytes (the last one shorter). */
export const chunksOf = (audio: Uint8Array, size: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let at = 0; at < audio.byteLength; at += size) out.push(audio.subarray(at, at + size))
  return out
}
