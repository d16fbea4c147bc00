/**
 * The vendors' fake upstreams of `bench/http.ts` (OpenAI for STT and the LLM, ElevenLabs for
 * TTS) on loopback, with the bench's latency profile. They run in a worker thread of their own by
 * default, as a vendor's servers run on other machines: their work (reading the upload, pacing
 * and writing the stream) then neither waits for the pipeline's event loop nor delays it, and only
 * the pipeline's own time counts beyond the floor. The worker sends each instant it notes to the
 * main thread on the shared wall clock (`performance.timeOrigin + performance.now()`).
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads"
import { serveLoopback } from "../conformance/src/index.ts"
import * as ElevenLabsFake from "../adapters/elevenlabs/test/support/FakeUpstream.ts"
import * as OpenAIFake from "../adapters/openai/test/support/FakeUpstream.ts"
import { silentMp3 } from "../packages/core/src/testing/index.ts"

/** The latency profile, as the in-process fakes have it. */
export interface Profile {
  readonly transcript: string
  readonly reply: string
  readonly sttMs: number
  readonly firstTokenMs: number
  readonly tokensPerSecond: number
  readonly ttsFirstByteMs: number
  readonly ttsChunkMs: number
}

/** The running fakes. */
export interface Fakes {
  readonly openaiUrl: string
  readonly elevenlabsUrl: string
  readonly close: () => Promise<void>
}

/** Which vendor route a request path is. */
export const routeOf = (url: string) => (url.includes("/audio/transcriptions") ? "stt" : url.includes("/chat/completions") ? "llm" : "tts")

/** Starts both fakes; `mark(name, at)` notes an instant, `at` on the shared wall clock. */
export const startFakes = async (profile: Profile, mark: (name: string, at: number) => void): Promise<Fakes> => {
  const now = () => performance.timeOrigin + performance.now()
  const ids = new Map<string, number>()
  const id = (prefix: string) => {
    const n = (ids.get(prefix) ?? 0) + 1
    ids.set(prefix, n)
    return `${prefix}${String(n).padStart(4, "0")}`
  }
  const interval = 1000 / profile.tokensPerSecond
  /** A body that notes when each of its pieces is handed to the socket. */
  const tapped = (response: Response, route: string): Response => {
    if (response.body === null) return response
    let n = 0
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        mark(`${route}.server.piece${n++}`, now())
        controller.enqueue(chunk)
      }
    })
    return new Response(response.body.pipeThrough(tap), { status: response.status, headers: response.headers })
  }
  /** The fake's routes on loopback, noting when each request arrives (before its body is read). */
  const serve = (handle: (request: Request) => Promise<Response> | undefined) =>
    serveLoopback(async (request) => {
      const route = routeOf(request.url)
      mark(`${route}.server.arrived`, now())
      const response = await (handle(request) ?? Promise.resolve(new Response("not found", { status: 404 })))
      return tapped(response, route)
    })
  const openaiServer = await serve(OpenAIFake.routes({
    heard: async () => (mark("stt.server.received", now()), { text: profile.transcript, duration: 3 }),
    timings: () => [],
    speak: () => Promise.reject(new Error("the bench speaks with ElevenLabs")),
    answer: () => (mark("llm.server.received", now()), { text: profile.reply }),
    id,
    created: 1795651200,
    // The role chunk goes first; the first token follows one interval later, at `firstTokenMs`.
    pace: (route) =>
      route === "transcription"
        ? { firstMs: profile.sttMs, intervalMs: 0 }
        : { firstMs: profile.firstTokenMs - interval, intervalMs: interval }
  }))
  const elevenlabsServer = await serve(ElevenLabsFake.routes({
    heard: () => Promise.reject(new Error("the bench transcribes with OpenAI")),
    timings: () => [],
    speak: async (text) => {
      mark("tts.server.received", now())
      return { bytes: silentMp3({ seconds: Math.max(0.2, text.length * 0.06), sampleRate: 22050, bitrateKbps: 32 }), duration: 0 }
    },
    id,
    pace: () => ({ firstMs: profile.ttsFirstByteMs, intervalMs: profile.ttsChunkMs }),
    speechParts: 3
  }))
  return {
    openaiUrl: openaiServer.url,
    elevenlabsUrl: elevenlabsServer.url,
    close: async () => void (await Promise.all([openaiServer.close(), elevenlabsServer.close()]))
  }
}

/** Messages between the bench and the worker. */
export type ToWorker = { readonly type: "flush"; readonly n: number } | { readonly type: "close" }
export type FromWorker =
  | { readonly type: "ready"; readonly openaiUrl: string; readonly elevenlabsUrl: string }
  | { readonly type: "mark"; readonly name: string; readonly at: number }
  | { readonly type: "flushed"; readonly n: number }
  | { readonly type: "closed" }

// As a worker: serve, post every mark, answer flushes in order (so every mark posted before a
// flush has reached the bench when its answer does), close when told.
if (!isMainThread && parentPort !== null && (workerData as { fakes?: Profile } | undefined)?.fakes !== undefined) {
  const port = parentPort
  const post = (message: FromWorker) => port.postMessage(message)
  const fakes = await startFakes((workerData as { fakes: Profile }).fakes, (name, at) => post({ type: "mark", name, at }))
  port.on("message", (message: ToWorker) => {
    if (message.type === "flush") post({ type: "flushed", n: message.n })
    else void fakes.close().then(() => post({ type: "closed" }))
  })
  post({ type: "ready", openaiUrl: fakes.openaiUrl, elevenlabsUrl: fakes.elevenlabsUrl })
}
