/**
 * Realtime speech-to-text over the server's WebSocket (`GET /realtime/stt`), on a real loopback
 * listener (`serve`), with Node's own `WebSocket` as the client: tokens, refusals before the
 * upgrade, audio frames in, transcripts out, and a client that goes away.
 */
import { createKey, CurrentTenant, type PatchbayProvider, RateLimited, type RealtimeSttEvent, Stores } from "@patchbay/core"
import { Effect, Stream } from "effect"
import { request as httpRequest } from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import { type Running, serve } from "../src/index.ts"
import { until } from "./support/server.ts"

/** A realtime fake: one partial per audio frame (the script's words so far), a commit on `Commit` or at the end. */
const realtimeFake = (options: { readonly failAfterFrames?: number } = {}) => {
  const script = ["hello", "from", "the", "realtime", "fake", "again", "and", "again"]
  const seen = { opened: 0, closed: 0, bytes: 0, commits: 0 }
  const provider: PatchbayProvider = {
    id: "live",
    models: [{ id: "live-rt", provider: "live", capability: "stt", catalogue: "closed", realtime: true, realtime_formats: ["pcm_16000"] } as never],
    stt: {
      catalogue: "closed",
      validate: () => Effect.void,
      transcribe: () => Effect.die("batch transcription is not part of this fake"),
      realtime: (_spec, input) =>
        Stream.unwrap(Effect.gen(function*() {
          yield* Effect.acquireRelease(Effect.sync(() => void seen.opened++), () => Effect.sync(() => void seen.closed++))
          let heard: Array<string> = []
          let next = 0
          const commit = (): ReadonlyArray<RealtimeSttEvent> => {
            if (heard.length === 0) return []
            const text = heard.join(" ")
            heard = []
            return [{ type: "committed", text }]
          }
          const body = input.pipe(
            Stream.flatMap((item) => {
              if (item instanceof Uint8Array) {
                if (next === options.failAfterFrames) {
                  return Stream.fail(new RateLimited({ provider: "live", retryAfter: 2, detail: "Too many concurrent sessions", requestId: "req_live_1" }))
                }
                seen.bytes += item.byteLength
                heard.push(script[next++ % script.length]!)
                return Stream.succeed<RealtimeSttEvent>({ type: "partial", text: heard.join(" ") })
              }
              seen.commits++
              return Stream.fromIterable(commit())
            })
          )
          const end = Stream.suspend(() =>
            Stream.fromIterable<RealtimeSttEvent>([...commit(), { type: "summary", usage: { audio_seconds: seen.bytes / 32000 }, session_id: "sess_fake", provider_output: {} }])
          )
          return Stream.concat(Stream.succeed<RealtimeSttEvent>({ type: "session_started", session_id: "sess_fake" }), Stream.concat(body, end))
        }))
    }
  }
  return { provider, seen }
}

let running: Running | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

const start = async (options: { readonly failAfterFrames?: number } = {}) => {
  const fake = realtimeFake(options)
  const stores = Stores.makeMemory()
  const key = (await Effect.runPromise(createKey({ name: "acme" }).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "acme")))).plaintext
  running = await serve({ providers: [fake.provider], stores, port: 0, media: { secret: "test-media-secret-0123456789abcdef" }, shutdownGraceMs: 0 })
  const ws = running.url.replace("http", "ws")
  return { ...fake, key, base: running.url, ws }
}

const query = "provider=live&model=live-rt&audio_format=pcm_16000"

/** The status a plain HTTP upgrade request gets, and its JSON body (when it was not upgraded). */
const upgradeStatus = (url: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = httpRequest(url, {
      agent: false,
      headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", ...headers }
    })
    req.on("upgrade", (res, socket) => {
      socket.destroy()
      resolve({ status: res.statusCode ?? 0, body: undefined })
    })
    req.on("response", async (res) => {
      let text = ""
      for await (const chunk of res) text += chunk
      resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) })
    })
    req.on("error", reject)
    req.end()
  })

/** Opens a socket and collects what the server sends, until it closes. */
const open = (url: string) => {
  const socket = new WebSocket(url)
  socket.binaryType = "arraybuffer"
  const messages: Array<Record<string, unknown>> = []
  const closed = new Promise<number>((resolve) => socket.addEventListener("close", (event) => resolve(event.code)))
  socket.addEventListener("message", (event) => messages.push(JSON.parse(String(event.data))))
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve())
    socket.addEventListener("error", () => reject(new Error("the socket did not open")))
  })
  return { socket, messages, closed, opened }
}

const token = async (base: string, key: string) => {
  const response = await fetch(`${base}/realtime/tokens`, { method: "POST", headers: { "x-api-key": key } })
  expect(response.status).toBe(200)
  return (await response.json()) as { token: string; expires_at: string; expires_in: number }
}

describe("GET /realtime/stt", () => {
  it("with a token: audio frames in; session_started, a partial per frame, the committed text and session_ended out; closed 1000", async () => {
    const s = await start()
    const issued = await token(s.base, s.key)
    expect(issued.token).toMatch(/^rtt_[A-Za-z0-9_-]{32}$/)
    expect(issued.expires_in).toBe(60)
    const c = open(`${s.ws}/realtime/stt?${query}&commit=manual&token=${issued.token}`)
    await c.opened
    c.socket.send(new Uint8Array(3200))
    // The partial for the first frame arrives while the client still holds the rest of its audio.
    await until(() => c.messages.some((m) => m.type === "partial_transcript"))
    c.socket.send(new Uint8Array(3200))
    c.socket.send(JSON.stringify({ type: "input_audio_chunk", audio: Buffer.from(new Uint8Array(1600)).toString("base64") }))
    c.socket.send(JSON.stringify({ type: "commit" }))
    c.socket.send(new Uint8Array(1600))
    c.socket.send(JSON.stringify({ type: "end" }))
    expect(await c.closed).toBe(1000)
    expect(c.messages.map((m) => m.type)).toEqual([
      "session_started",
      "partial_transcript",
      "partial_transcript",
      "partial_transcript",
      "committed_transcript",
      "partial_transcript",
      "committed_transcript",
      "session_ended"
    ])
    expect(c.messages[0]).toMatchObject({ provider: "live", model: "live-rt" })
    expect(c.messages.filter((m) => m.type === "partial_transcript").map((m) => m.text)).toEqual(["hello", "hello from", "hello from the", "realtime"])
    expect(c.messages.filter((m) => m.type === "committed_transcript").map((m) => m.text)).toEqual(["hello from the", "realtime"])
    expect(c.messages.at(-1)).toMatchObject({ transcript: "hello from the realtime", session_id: (c.messages[0] as { session_id: string }).session_id })
    expect(s.seen).toEqual({ opened: 1, closed: 1, bytes: 9600, commits: 1 })
  })

  it("a token is single-use: the second socket with it is refused 401 before any upgrade", async () => {
    const s = await start()
    const issued = await token(s.base, s.key)
    const first = await upgradeStatus(`${s.base}/realtime/stt?${query}&token=${issued.token}`)
    expect(first.status).toBe(101)
    const again = await upgradeStatus(`${s.base}/realtime/stt?${query}&token=${issued.token}`)
    expect(again).toEqual({ status: 401, body: expect.objectContaining({ code: "Unauthorized", reason: "token" }) })
    const unknown = await upgradeStatus(`${s.base}/realtime/stt?${query}&token=rtt_not-a-token`)
    expect(unknown.status).toBe(401)
    const none = await upgradeStatus(`${s.base}/realtime/stt?${query}`)
    expect(none).toEqual({ status: 401, body: expect.objectContaining({ code: "Unauthorized", reason: "missing" }) })
  })

  it("a key header works as well as a token; POST /realtime/tokens itself needs the key", async () => {
    const s = await start()
    expect((await upgradeStatus(`${s.base}/realtime/stt?${query}`, { "x-api-key": s.key })).status).toBe(101)
    expect((await fetch(`${s.base}/realtime/tokens`, { method: "POST" })).status).toBe(401)
  })

  it("a format, model or provider the catalogue refuses answers 400/404 as JSON, and no vendor session opens", async () => {
    const s = await start()
    const format = await upgradeStatus(`${s.base}/realtime/stt?provider=live&model=live-rt&audio_format=pcm_44100`, { "x-api-key": s.key })
    expect(format).toEqual({
      status: 400,
      body: expect.objectContaining({ code: "UnsupportedFormat", field: "audio_format", format: "pcm_44100", allowed: ["pcm_16000"] })
    })
    const model = await upgradeStatus(`${s.base}/realtime/stt?provider=live&model=nope&audio_format=pcm_16000`, { "x-api-key": s.key })
    expect(model.status).toBe(400)
    expect(model.body).toMatchObject({ code: "UnknownModel", field: "model", allowed: ["live-rt"] })
    const missing = await upgradeStatus(`${s.base}/realtime/stt?provider=live&model=live-rt`, { "x-api-key": s.key })
    expect(missing.status).toBe(400)
    const thread = await upgradeStatus(`${s.base}/realtime/stt?${query}&thread_id=thread_nope`, { "x-api-key": s.key })
    expect(thread.status).toBe(404)
    expect(thread.body).toMatchObject({ code: "NotFound", kind: "thread", id: "thread_nope" })
    expect(s.seen.opened).toBe(0)
  })

  it("with thread_id, the session's transcript is stored as a user message of the thread with its voice_records.stt", async () => {
    const s = await start()
    const headers = { "x-api-key": s.key, "content-type": "application/json" }
    const assistant = await (await fetch(`${s.base}/assistants`, { method: "POST", headers, body: JSON.stringify({ name: "listener" }) })).json()
    const thread = await (await fetch(`${s.base}/assistants/${assistant.assistant_id}/threads`, { method: "POST", headers, body: "{}" })).json()
    const c = open(`${s.ws}/realtime/stt?${query}&thread_id=${thread.thread_id}&token=${(await token(s.base, s.key)).token}`)
    await c.opened
    c.socket.send(new Uint8Array(3200))
    c.socket.send(new Uint8Array(3200))
    c.socket.send(JSON.stringify({ type: "end" }))
    expect(await c.closed).toBe(1000)
    expect(c.messages[0]).toMatchObject({ type: "session_started", thread_id: thread.thread_id })
    const stored = await (await fetch(`${s.base}/threads/${thread.thread_id}`, { headers })).json()
    expect(stored.messages).toHaveLength(1)
    expect(stored.messages[0]).toMatchObject({
      role: "user",
      content: "hello from",
      voice_records: { stt: { provider: "live", model: "live-rt", transcript: "hello from" } }
    })
  })

  it("a client that goes away mid-session ends the vendor session", async () => {
    const s = await start()
    const c = open(`${s.ws}/realtime/stt?${query}&token=${(await token(s.base, s.key)).token}`)
    await c.opened
    c.socket.send(new Uint8Array(3200))
    await until(() => c.messages.some((m) => m.type === "partial_transcript"))
    expect(s.seen.opened).toBe(1)
    c.socket.close()
    await until(() => s.seen.closed === 1)
    expect(s.seen.closed).toBe(1)
  })

  it("a vendor error mid-session: the error event, then session_failed with the whole error body, then close 1011", async () => {
    const s = await start({ failAfterFrames: 1 })
    const c = open(`${s.ws}/realtime/stt?${query}&token=${(await token(s.base, s.key)).token}`)
    await c.opened
    c.socket.send(new Uint8Array(320))
    c.socket.send(new Uint8Array(320))
    expect(await c.closed).toBe(1011)
    expect(c.messages.map((m) => m.type)).toEqual(["session_started", "partial_transcript", "error", "session_failed"])
    expect(c.messages[2]).toMatchObject({ code: "RateLimited", retryable: true })
    expect(c.messages[3]).toEqual({
      type: "session_failed",
      error: expect.objectContaining({ code: "RateLimited", retryable: true, retry_after: 2, provider: "live", request_id: "req_live_1" })
    })
    expect(s.seen.closed).toBe(1)
  })

  it("every message carries the event's thread_id, run_id and seq; session_id is the run id", async () => {
    const s = await start()
    const c = open(`${s.ws}/realtime/stt?${query}&token=${(await token(s.base, s.key)).token}`)
    await c.opened
    c.socket.send(new Uint8Array(320))
    c.socket.send(JSON.stringify({ type: "end" }))
    await c.closed
    const runId = c.messages[0]?.run_id
    expect(runId).toMatch(/^run_/)
    expect(c.messages.map((m) => [m.type, m.thread_id, m.run_id, m.seq])).toEqual([
      ["session_started", "", runId, 0],
      ["partial_transcript", "", runId, 1],
      ["committed_transcript", "", runId, 2],
      ["session_ended", "", runId, 3]
    ])
    expect(c.messages[0]?.session_id).toBe(runId)
  })

  it("POST /realtime/tokens with the session's parameters checks them first, answering errors as JSON", async () => {
    const s = await start()
    const post = (body: unknown) => fetch(`${s.base}/realtime/tokens`, { method: "POST", headers: { "x-api-key": s.key, "content-type": "application/json" }, body: JSON.stringify(body) })
    const bad = await post({ provider: "live", model: "live-rt", audio_format: "ulaw_8000" })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ code: "UnsupportedFormat", field: "audio_format", allowed: ["pcm_16000"] })
    const typo = await post({ provider: "live", model: "live-rt", audio_format: "pcm_16000", comit: "vad" })
    expect(await typo.json()).toMatchObject({ code: "InvalidRequest", field: "comit" })
    const good = await post({ provider: "live", model: "live-rt", audio_format: "pcm_16000", commit: "manual", include_timestamps: true })
    expect(good.status).toBe(200)
    expect(await good.json()).toMatchObject({ token: expect.stringMatching(/^rtt_/), expires_in: 60 })
    expect(s.seen.opened).toBe(0)
  })

  it("a text frame that is not a realtime message is answered with an error message; the session goes on", async () => {
    const s = await start()
    const c = open(`${s.ws}/realtime/stt?${query}&token=${(await token(s.base, s.key)).token}`)
    await c.opened
    c.socket.send("hello?")
    c.socket.send(new Uint8Array(320))
    c.socket.send(JSON.stringify({ type: "end" }))
    expect(await c.closed).toBe(1000)
    expect(c.messages.map((m) => m.type)).toEqual(["session_started", "error", "partial_transcript", "committed_transcript", "session_ended"])
    expect(c.messages[1]).toMatchObject({ code: "InvalidRequest", retryable: false })
  })
})
