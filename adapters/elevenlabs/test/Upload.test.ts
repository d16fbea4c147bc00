/**
 * The default transport of uploads (no `fetch` given, core's `streamingUploadFetch`): the
 * multipart body written by hand with its length, streamed from the file to a real socket (a
 * loopback server here), abortable; every other request goes through the global `fetch`. The
 * encoding itself is tested with the kit (`packages/core/test/adapter/StreamingUpload.test.ts`).
 */
import { replayFetch } from "@patchbay/conformance"
import { AudioInput } from "@patchbay/core"
import { Effect, Fiber, Stream } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { afterEach, describe, expect, it, vi } from "vitest"
import { elevenlabs } from "../src/index.ts"
import { audioPath, cassette } from "./support/cassettes.ts"

const answer = (cassette("stt-success-scribe-v1.json").cassette.interactions[0]!.response.body as { json: unknown }).json

interface Received {
  readonly headers: IncomingMessage["headers"]
  readonly body: Buffer
}

/** A loopback server: `handle` decides the answer; every request's headers and body are kept. */
const serve = async (handle: (request: IncomingMessage, response: ServerResponse, body: Buffer) => void) => {
  const received: Array<Received> = []
  const closed: Array<boolean> = []
  const server: Server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("close", () => closed.push(!request.complete))
    request.on("end", () => {
      const body = Buffer.concat(chunks)
      received.push({ headers: request.headers, body })
      handle(request, response, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address() as { port: number }
  servers.push(server)
  return { url: `http://127.0.0.1:${address.port}`, received, closed }
}
const servers: Array<Server> = []
afterEach(async () => {
  vi.unstubAllGlobals()
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** Parses a multipart body the standard way. */
const parse = (body: Uint8Array, contentType: string) =>
  new Request("http://parse", { method: "POST", headers: { "content-type": contentType }, body: new Uint8Array(body) }).formData()

describe("uploads without a fetch given", () => {
  it("go out on a socket with Content-Length, the SDK's headers and the key, and come back as the transcript", async () => {
    const { url, received } = await serve((_, response) =>
      response.writeHead(200, { "content-type": "application/json", "request-id": "loopback-1" }).end(JSON.stringify(answer)))
    const provider = elevenlabs({ apiKey: "loopback-key", baseUrl: url })
    const t = await Effect.runPromise(Effect.flatMap(AudioInput.fromFile(audioPath("speech.mp3")), (audio) =>
      provider.stt!.transcribe({ model: "scribe_v1", audio, provider_options: { timestamps_granularity: "character", tag_audio_events: false } })))
    expect([t.text, t.language, t.request_id]).toEqual(["Patchbay turns speech into text and back again.", "en", "loopback-1"])
    expect(t.provider_output).toEqual(answer)
    const [request] = received
    expect(request?.headers["xi-api-key"]).toBe("loopback-key")
    expect(request?.headers["transfer-encoding"]).toBeUndefined()
    expect(Number(request?.headers["content-length"])).toBe(request?.body.byteLength)
    const form = await parse(request!.body, request!.headers["content-type"]!)
    expect([form.get("model_id"), form.get("timestamps_granularity"), form.get("tag_audio_events")]).toEqual(["scribe_v1", "character", "false"])
    const file = form.get("file") as File
    expect([file.name, file.type]).toEqual(["speech.mp3", "audio/mpeg"])
    expect(createHash("sha256").update(Buffer.from(await file.arrayBuffer())).digest("hex")).toBe("93e98e300cd2184f99251f8bfa7238320606c25b989c42b64fa468ac5b31a753")
  })

  it("a vendor error on that path is mapped like any other", async () => {
    const { url } = await serve((_, response) =>
      response.writeHead(429, { "content-type": "application/json", "request-id": "loopback-429", "retry-after": "4" })
        .end(JSON.stringify({ detail: { status: "too_many_concurrent_requests", message: "busy" } })))
    const provider = elevenlabs({ apiKey: "k", baseUrl: url })
    const error = await Effect.runPromise(Effect.flip(Effect.flatMap(AudioInput.fromFile(audioPath("speech.mp3")), (audio) =>
      provider.stt!.transcribe({ model: "scribe_v1", audio }))))
    expect(error).toMatchObject({ _tag: "RateLimited", status: 429, retryAfter: 4, requestId: "loopback-429" })
  })

  it("interrupting the call aborts the upload on the socket", async () => {
    const { url, closed } = await serve(() => undefined) // never answers
    const provider = elevenlabs({ apiKey: "k", baseUrl: url })
    await Effect.runPromise(Effect.gen(function*() {
      const audio = yield* AudioInput.fromFile(audioPath("speech.mp3"))
      const fiber = yield* Effect.forkChild(provider.stt!.transcribe({ model: "scribe_v1", audio }))
      yield* Effect.sleep("200 millis")
      yield* Fiber.interrupt(fiber)
    }))
    for (let i = 0; i < 100 && closed.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(closed).toHaveLength(1)
  })

  it("a refused connection is ProviderUnavailable", async () => {
    const { url } = await serve(() => undefined)
    servers[0]?.closeAllConnections()
    await new Promise((resolve) => servers[0]?.close(resolve))
    servers.splice(0)
    const provider = elevenlabs({ apiKey: "k", baseUrl: url })
    const error = await Effect.runPromise(Effect.flip(Effect.flatMap(AudioInput.fromFile(audioPath("speech.mp3")), (audio) =>
      provider.stt!.transcribe({ model: "scribe_v1", audio }))))
    expect(error).toMatchObject({ _tag: "ProviderUnavailable" })
    expect(error.message).toContain("ECONNREFUSED")
  })

  it("other requests (speech) use the global fetch", async () => {
    const replay = replayFetch(cassette("tts-success-ulaw.json"), { delayScale: 0 })
    vi.stubGlobal("fetch", replay)
    const provider = elevenlabs({ apiKey: "k" })
    await Effect.runPromise(Stream.runDrain(provider.tts!.synthesize({
      model: "eleven_turbo_v2_5",
      voice: "21m00Tcm4TlvDq8ikWAM",
      output_format: "ulaw_8000",
      language: "en",
      text: "Patchbay turns speech into text and back again.",
      provider_options: { enable_logging: false }
    })))
    expect(replay.log.map((e) => e.interaction)).toEqual([0])
  })
})
