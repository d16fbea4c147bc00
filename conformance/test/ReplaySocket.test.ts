/**
 * The replay WebSocket server, driven by a plain `ws` client: it plays a session in order (each
 * server message after the client message it answers, with its recorded delay handed to the
 * `sleep` it is given — no wall clock), compares the client's messages (JSON by value, audio in
 * `$base64` by content or size, binary frames, the `ignore` list), lists every difference as a
 * non-retryable mismatch, and ends as recorded: the client's close, its own close, or a drop.
 */
import { unanswerableRequest } from "@patchbay/core"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import { Cassette, ReplayMismatch, type ReplaySocketServer, serveReplaySocket } from "../src/index.ts"

const audio = Buffer.from(Array.from({ length: 64 }, (_, i) => i))

const session = (overrides: Partial<Cassette.WebSocketInteraction> = {}): Cassette.WebSocketInteraction => ({
  url: "wss://live.acme.test/v1/listen?model=m1&format=pcm_16000&ts=1",
  ignore: ["query.ts", "message.event_id"],
  messages: [
    { from: "server", json: { type: "ready" }, delay_ms: 40 },
    { from: "client", json: { type: "audio", audio: { $base64: { base64: audio.subarray(0, 32).toString("base64") } }, event_id: "e1" } },
    { from: "server", json: { type: "partial", text: "hello" }, delay_ms: 120 },
    { from: "client", json: { type: "audio", audio: { $base64: { size: 32 } } } },
    { from: "client", binary: { size: 3 } },
    { from: "server", json: { type: "final", text: "hello there" }, delay_ms: 200 }
  ],
  end: { by: "client", code: 1000 },
  ...overrides
})

let servers: Array<ReplaySocketServer> = []
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()))
  servers = []
})

const serve = async (interaction: Cassette.WebSocketInteraction, slept: Array<number> = []) => {
  const server = await serveReplaySocket(interaction, { name: "session.json", sleep: async (ms) => void slept.push(ms) })
  servers.push(server)
  return server
}

/** A client that connects, keeps what it receives, and reports how the socket closed. */
const connect = (server: ReplaySocketServer, query = "model=m1&format=pcm_16000&ts=99") => {
  const ws = new WebSocket(`${server.baseUrl.replace("http", "ws")}/v1/listen?${query}`)
  const received: Array<unknown> = []
  const waiters: Array<{ readonly count: number; readonly wake: () => void }> = []
  ws.on("message", (data) => {
    received.push(JSON.parse(String(data)))
    for (const w of waiters.filter((w) => received.length >= w.count)) w.wake()
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })))
  const refused = new Promise<number>((resolve) => ws.on("unexpected-response", (_, response) => resolve(response.statusCode ?? 0)))
  ws.on("error", () => undefined)
  return {
    ws,
    received,
    closed,
    refused,
    opened: new Promise<void>((resolve) => ws.once("open", () => resolve())),
    count: (count: number) => new Promise<void>((wake) => (received.length >= count ? wake() : waiters.push({ count, wake }))),
    send: (message: unknown) => ws.send(typeof message === "string" ? message : JSON.stringify(message))
  }
}

describe("a session played as recorded", () => {
  it("answers each client message with the next server messages, waits out each delay with the given sleep, and ends with the client's close", async () => {
    const slept: Array<number> = []
    const server = await serve(session(), slept)
    const client = connect(server)
    await client.opened
    await client.count(1)
    client.send({ type: "audio", audio: audio.subarray(0, 32).toString("base64"), event_id: "e-other" })
    await client.count(2)
    client.send({ type: "audio", audio: audio.subarray(32).toString("base64") })
    client.ws.send(Buffer.from([1, 2, 3]))
    await client.count(3)
    const played = await server.session()
    await played.whenPlayed
    client.ws.close(1000)
    expect(await played.whenClosed).toEqual({ by: "client", code: 1000, reason: "" })
    expect(client.received).toEqual([{ type: "ready" }, { type: "partial", text: "hello" }, { type: "final", text: "hello there" }])
    expect(slept).toEqual([40, 120, 200])
    expect(server.differences()).toEqual([])
    expect(server.mismatch()).toBeUndefined()
    expect(played.url).toBe("/v1/listen?model=m1&format=pcm_16000&ts=99")
    expect(played.received.map((m) => m.kind)).toEqual(["json", "json", "binary"])
    expect(played.sent()).toBe(3)
  })

  it("reads audio from a file next to the cassette, expands it in server messages, and scales the delays", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "patchbay-socket-"))
    writeFileSync(path.join(dir, "audio.pcm"), audio)
    const file = path.join(dir, "rt.json")
    writeFileSync(file, Cassette.stringify({
      version: 1,
      source: "synthesized",
      interactions: [],
      websocket: {
        url: "wss://live.acme.test/v1/listen",
        messages: [
          { from: "client", json: { audio: { $base64: { file: "audio.pcm", start: 8, end: 16 } } } },
          { from: "server", json: { echo: { $base64: { file: "audio.pcm", end: 4 } } }, delay_ms: 10 }
        ],
        end: { by: "server", code: 4000, reason: "done", delay_ms: 5 }
      }
    }))
    const slept: Array<number> = []
    const server = await serveReplaySocket(Cassette.loadSync(file), { delayScale: 0.5, sleep: async (ms) => void slept.push(ms) })
    servers.push(server)
    const client = connect(server, "")
    await client.opened
    client.send({ audio: audio.subarray(8, 16).toString("base64") })
    expect(await client.closed).toEqual({ code: 4000, reason: "done" })
    expect(client.received).toEqual([{ echo: audio.subarray(0, 4).toString("base64") }])
    expect(slept).toEqual([5, 2.5])
    expect(server.differences()).toEqual([])
  })

  it("drops the connection without a close frame when the recording ends by a drop; what the client sends after an end of the server's is not compared", async () => {
    const server = await serve(session({ messages: [{ from: "server", json: { type: "ready" } }], end: { by: "drop" } }))
    const client = connect(server)
    await client.opened
    client.send({ type: "late" })
    expect((await client.closed).code).toBe(1006)
    expect((await server.session()).closed()?.by).toBe("drop")
    expect(server.differences()).toEqual([])
  })
})

describe("a session that goes otherwise", () => {
  it("lists every differing field of a client message, closes with 1008, and reports a non-retryable ReplayMismatch", async () => {
    const server = await serve(session())
    const client = connect(server)
    await client.count(1)
    client.send({ type: "sound", audio: audio.subarray(0, 31).toString("base64"), extra: true })
    expect(await client.closed).toEqual({ code: 1008, reason: "replay mismatch" })
    expect(server.differences()).toEqual([
      "session.json: the client's message #0 (messages[1]) does not match the recording:",
      "  audio: recorded base64 of 32 bytes, sent base64 of 31 other bytes",
      "  extra: recorded (absent), sent true",
      "  type: recorded \"audio\", sent \"sound\""
    ])
    const mismatch = server.mismatch()
    expect(mismatch).toBeInstanceOf(ReplayMismatch)
    expect(mismatch?.[unanswerableRequest]).toBe(true)
    expect(mismatch?.message).toBe(server.differences().join("\n"))
  })

  it("compares binary frames by size when only the size is kept, and text frames exactly", async () => {
    const server = await serve(session({ messages: [{ from: "client", binary: { size: 4 } }, { from: "client", text: "ping" }], end: { by: "client" } }))
    const client = connect(server)
    await client.opened
    client.ws.send(Buffer.from([1, 2, 3]))
    await client.closed
    expect(server.differences()).toEqual([
      "session.json: the client's message #0 (messages[0]) does not match the recording:",
      "  recorded a binary frame of 4 bytes, sent a binary frame of 3 bytes"
    ])
  })

  it("refuses an upgrade whose path or query differs with HTTP 400, naming each difference; the ignored query parameter is not one", async () => {
    const server = await serve(session())
    const client = connect(server, "model=m2&ts=5&extra=1")
    expect(await client.refused).toBe(400)
    expect(server.upgrades()).toBe(1)
    expect(server.sessions).toEqual([])
    expect(server.differences()).toEqual([
      "upgrade query.extra: recorded (absent), requested \"1\"",
      "upgrade query.format: recorded \"pcm_16000\", requested (absent)",
      "upgrade query.model: recorded \"m1\", requested \"m2\""
    ])
  })

  it("says which recorded message never came when the client closes early, and names messages the recording does not have", async () => {
    const early = await serve(session())
    const a = connect(early)
    await a.count(1)
    a.ws.close(1000)
    await (await early.session()).whenClosed
    await new Promise((resolve) => setImmediate(resolve))
    expect(early.differences()).toEqual([
      "session.json: the socket closed before the client's first message; the recording has 3 more: first JSON {\"type\":\"audio\",\"audio\":{\"$base64\":{\"base64\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}},\"event_id\":\"e1\"}"
    ])

    const extra = await serve(session({ messages: [{ from: "server", json: { type: "ready" } }] }))
    const b = connect(extra)
    await b.count(1)
    await (await extra.session()).whenPlayed
    b.send({ type: "audio" })
    b.ws.close(1000)
    await (await extra.session()).whenClosed
    expect(extra.differences()).toEqual(["session.json: the client sent message #0 (JSON {\"type\":\"audio\"}), which is not in the recording"])
  })
})

describe("the cassette format", () => {
  it("keeps a websocket session beside the HTTP interactions and names the path of a malformed one", () => {
    const valid = { version: 1, source: "synthesized", interactions: [], websocket: session() }
    expect(Cassette.decodeSync(valid, "rt.json").websocket?.messages).toHaveLength(6)
    expect(Cassette.isRealtime({ cassette: Cassette.decodeSync(valid, "rt.json") })).toBe(true)
    expect(() => Cassette.decodeSync({ ...valid, websocket: { ...session(), end: { by: "nobody" } } }, "rt.json")).toThrow(/^rt\.json at websocket\.end/)
    expect(() => Cassette.decodeSync({ ...valid, websocket: { ...session(), messages: [{ from: "vendor", json: {} }] } }, "rt.json")).toThrow(
      /^rt\.json at websocket\.messages\[0\]/
    )
  })
})
