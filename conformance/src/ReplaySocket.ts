/**
 * The replay WebSocket server: what the replay `fetch` is to HTTP, for realtime sessions. It
 * serves a cassette's `websocket` interaction on 127.0.0.1 — the vendor SDK is pointed at it with
 * the adapter's base URL — and plays the session in order: each recorded client message is
 * awaited and compared with the one that came (JSON by value, audio by content or size, the
 * `ignore` list skipped), each server message is sent after its delay, and the session ends as
 * recorded (the client closes, the server closes with a code, or the server drops the socket).
 *
 * A client that sends something else is not answered with a guess: the server lists every
 * difference in {@link ReplaySocketServer.mismatch} (a {@link ReplayMismatch}, which nothing
 * retries) and closes the socket with code 1008. A refused upgrade (another path or query)
 * answers HTTP 400, which adapters map to a final `InvalidRequest`.
 *
 * What happened is kept for the battery: the upgrades, what each session received, and how its
 * socket closed — the realtime checks read "no connection was made" and "the client closed the
 * socket" here. Delays are waited out with `sleep` (real timers by default): a test passes its own
 * or `delayScale: 0`, so no assertion depends on the speed of the machine.
 *
 * @example
 * ```ts
 * const server = await serveReplaySocket(Cassette.loadSync("test/cassettes/stt-realtime-success.json"))
 * const provider = acme({ apiKey: REPLAY_API_KEY, baseUrl: server.baseUrl })
 * // … run a realtime session …
 * server.mismatch()   // undefined: the session went as recorded
 * await server.close()
 * ```
 *
 * @since 0.3.0
 */
import { createServer } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import type { Duplex } from "node:stream"
import type { WebSocket } from "ws"
import type { LoadedCassette, SocketMessage, WebSocketInteraction } from "./Cassette.ts"
import { compareMessage, compareUpgrade, describeReceived, describeRecorded, parseFrame, payloadOf, type Received } from "./internal/socket.ts"
import { ReplayMismatch } from "./Replay.ts"

export type { Received as ReceivedMessage } from "./internal/socket.ts"

/** How a session's socket closed: a close frame from the client, the server's close, or a dropped connection. */
export interface SocketClosed {
  readonly by: "client" | "server" | "drop"
  readonly code: number
  readonly reason: string
}

/** One session as the server saw it. */
export interface ReplaySocketSession {
  /** The upgrade's path and query, as requested. */
  readonly url: string
  /** Every message the client sent, in order. */
  readonly received: ReadonlyArray<Received>
  /** How many recorded server messages were sent. */
  readonly sent: () => number
  /** Set once the socket has closed. */
  readonly closed: () => SocketClosed | undefined
  /** Settles when the socket has closed. */
  readonly whenClosed: Promise<SocketClosed>
  /** Settles once every recorded message has been played (the session's end is next). */
  readonly whenPlayed: Promise<void>
}

/** Options of {@link serveReplaySocket}. */
export interface ReplaySocketOptions {
  /** Resolves `file` references; defaults to the loaded cassette's directory, else the working directory. */
  readonly baseDir?: string | undefined
  /** The name used in messages; defaults to the cassette's file name. */
  readonly name?: string | undefined
  /** Multiplies every recorded delay (0 plays as fast as possible). Default 1. */
  readonly delayScale?: number | undefined
  /** Waits out a recorded delay (after `delayScale`); a real timer by default. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined
}

/** A running replay WebSocket server. */
export interface ReplaySocketServer {
  /** `http://127.0.0.1:<port>`: the base URL to give the adapter (SDKs turn `http` into `ws`). */
  readonly baseUrl: string
  readonly port: number
  /** Upgrade requests received, refused ones included. */
  readonly upgrades: () => number
  readonly sessions: ReadonlyArray<ReplaySocketSession>
  /** Every difference found, one per line; empty while the client did as recorded. */
  readonly differences: () => ReadonlyArray<string>
  /** The differences as one non-retryable error, or undefined when there is none. */
  readonly mismatch: () => ReplayMismatch | undefined
  /** Resolves with the first session once it has connected. */
  readonly session: () => Promise<ReplaySocketSession>
  /** Ends every connection (dropping it) and stops listening. */
  readonly close: () => Promise<void>
}

const CLOSE_MISMATCH = 1008

const isLoaded = (source: LoadedCassette | WebSocketInteraction): source is LoadedCassette => "cassette" in source

/**
 * Serves a cassette's WebSocket session (or a bare interaction) on a free port of 127.0.0.1. The
 * session is played once: a second connection is refused with HTTP 409.
 *
 * @category constructors
 */
export const serveReplaySocket = async (source: LoadedCassette | WebSocketInteraction, options: ReplaySocketOptions = {}): Promise<ReplaySocketServer> => {
  const loaded = isLoaded(source) ? source : undefined
  const interaction = loaded === undefined ? (source as WebSocketInteraction) : loaded.cassette.websocket
  const name = options.name ?? loaded?.name ?? "the cassette"
  if (interaction === undefined) throw new Error(`${name} has no websocket interaction to serve`)
  const baseDir = options.baseDir ?? loaded?.dir ?? process.cwd()
  const scale = options.delayScale ?? 1
  const ignore = interaction.ignore ?? []
  const messageIgnore = ignore.flatMap((p) => (p.startsWith("message.") ? [p.slice("message.".length)] : []))
  const differences: Array<string> = []
  const sessions: Array<ReplaySocketSession> = []
  const sockets = new Set<Socket>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let upgrades = 0
  let stopped = false
  let firstSession: ((s: ReplaySocketSession) => void) | undefined
  const first = new Promise<ReplaySocketSession>((resolve) => (firstSession = resolve))

  const sleep = (ms: number): Promise<void> => {
    const scaled = ms * scale
    if (scaled <= 0) return Promise.resolve()
    if (options.sleep !== undefined) return options.sleep(scaled)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, scaled)
      timers.add(timer)
    })
  }

  // Loaded on first use: programs that import the cassette entry for HTTP replay do not pay for `ws`.
  const { WebSocketServer } = await import("ws")
  const server = createServer((_, response) => response.writeHead(426, { "content-type": "text/plain" }).end("a WebSocket upgrade is expected"))
  const wss = new WebSocketServer({ noServer: true })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })

  const refuse = (socket: Duplex, status: number, text: string, lines: ReadonlyArray<string>) => {
    differences.push(...lines)
    const body = JSON.stringify({ error: { type: "replay_mismatch", message: [text, ...lines].join("\n") } })
    socket.end(`HTTP/1.1 ${status} Replay Mismatch\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
  }

  server.on("upgrade", (request, socket, head) => {
    upgrades += 1
    const url = request.url ?? "/"
    if (sessions.length > 0) {
      return refuse(socket, 409, `${name}: a second connection`, [`upgrade #${upgrades}: the cassette holds one session, and it was already connected`])
    }
    const differs = compareUpgrade(interaction.url, url, ignore)
    if (differs.length > 0) return refuse(socket, 400, `${name}: the upgrade does not match the recording`, differs.map((d) => `upgrade ${d}`))
    wss.handleUpgrade(request, socket, head, (ws) => play(ws, url))
  })

  const play = (ws: WebSocket, url: string) => {
    const received: Array<Received> = []
    const inbox: Array<Received> = []
    let wake: (() => void) | undefined
    let sent = 0
    let closed: SocketClosed | undefined
    let closing: "server" | "drop" | undefined
    let ended = false
    let played: () => void = () => undefined
    const whenPlayed = new Promise<void>((resolve) => (played = resolve))
    const whenClosed = new Promise<SocketClosed>((resolve) => {
      ws.on("close", (code, reason) => {
        closed = { by: closing ?? (code === 1006 ? "drop" : "client"), code, reason: reason.toString("utf8") }
        wake?.()
        resolve(closed)
      })
    })
    ws.on("error", () => undefined) // a dropped client shows as the close above
    ws.on("message", (data, binary) => {
      const message = parseFrame(Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]), binary)
      received.push(message)
      // After a server-side end, what the client still sends is not compared: it had not heard yet.
      if (ended && interaction.end.by !== "client") return
      if (ended) {
        differences.push(`${name}: the client sent message #${received.length - 1} (${describeReceived(message)}), which is not in the recording`)
        return
      }
      inbox.push(message)
      wake?.()
    })
    const session: ReplaySocketSession = { url, received, sent: () => sent, closed: () => closed, whenClosed, whenPlayed }
    sessions.push(session)
    firstSession?.(session)

    /** The client's next message, or undefined once the socket has closed. */
    const next = async (): Promise<Received | undefined> => {
      while (inbox.length === 0) {
        if (closed !== undefined || stopped) return undefined
        await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
      }
      return inbox.shift()
    }

    const fail = (lines: ReadonlyArray<string>) => {
      differences.push(...lines)
      closing = "server"
      if (closed === undefined) ws.close(CLOSE_MISMATCH, "replay mismatch")
    }

    void (async () => {
      let index = 0
      for (const [i, message] of interaction.messages.entries()) {
        if (message.from === "client") {
          const got = await next()
          if (got === undefined) {
            const missing = interaction.messages.slice(i).filter((m) => m.from === "client")
            return fail([
              `${name}: the socket closed ${index === 0 ? "before the client's first message" : `after the client's message #${index - 1}`}; ` +
              `the recording has ${missing.length} more: ` +
              `first ${describeRecorded(missing[0] as SocketMessage, baseDir)}`
            ])
          }
          const differs = compareMessage(message, got, messageIgnore, baseDir)
          if (differs.length > 0) {
            return fail([`${name}: the client's message #${index} (messages[${i}]) does not match the recording:`, ...differs.map((d) => `  ${d}`)])
          }
          index += 1
          continue
        }
        await sleep(message.delay_ms ?? 0)
        if (closed !== undefined || stopped) return
        const { data, binary } = payloadOf(message, baseDir)
        ws.send(data, { binary })
        sent += 1
      }
      ended = true
      played()
      const end = interaction.end
      if (end.by === "client") {
        for (const extra of inbox.splice(0)) {
          differences.push(`${name}: the client sent message #${received.indexOf(extra)} (${describeReceived(extra)}), which is not in the recording`)
        }
        const result = await whenClosed
        if (end.code !== undefined && result.by === "client" && result.code !== end.code) {
          differences.push(`${name}: the client closed with code ${result.code}, the recording with ${end.code}`)
        }
        return
      }
      await sleep(end.delay_ms ?? 0)
      if (closed !== undefined || stopped) return
      if (end.by === "server") {
        closing = "server"
        ws.close(end.code, end.reason ?? "")
      } else {
        closing = "drop"
        ws.terminate()
      }
    })()
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    upgrades: () => upgrades,
    sessions,
    differences: () => differences,
    mismatch: () => (differences.length === 0 ? undefined : new ReplayMismatch(differences.join("\n"))),
    session: () => first,
    close: () =>
      new Promise<void>((resolve) => {
        stopped = true
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        for (const client of wss.clients) client.terminate()
        for (const socket of sockets) socket.destroy()
        wss.close()
        server.close(() => resolve())
      })
  }
}
