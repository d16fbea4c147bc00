/**
 * The first-audio turn over real HTTP: the real adapters (`@patchbay/openai` for STT and the
 * LLM, `@patchbay/elevenlabs` for TTS) through their official SDKs, against the adapters' fake
 * upstreams served on 127.0.0.1 with the same latency profile as the in-process fakes. Every
 * request goes to loopback only; the run count is bounded by the caller.
 *
 * The turn is timed at each hand-over so the time beyond the floor can be attributed: undici's
 * diagnostics channels say when each request leaves and when its headers come back (both SDKs use
 * the global `fetch` by default; nothing is wrapped around it), the server notes when each request
 * arrives and when each piece of a response is handed to the socket, the fakes' scripts when a
 * request has been read in full; the pipeline's events say when the transcript, the first
 * sentence and the first audio reach the caller. The fakes time their responses from fixed
 * instants (see `pacedBody`), so a late timer in a fake does not add up over a stream.
 */
import { Effect, Layer, Stream, Tracer } from "effect"
import diagnostics from "node:diagnostics_channel"
import { serveLoopback } from "../conformance/src/index.ts"
import * as ElevenLabsFake from "../adapters/elevenlabs/test/support/FakeUpstream.ts"
import * as OpenAIFake from "../adapters/openai/test/support/FakeUpstream.ts"
import { elevenlabs } from "../adapters/elevenlabs/src/index.ts"
import { openai } from "../adapters/openai/src/index.ts"
import { MediaStore, Pipeline, ProviderRegistry, Stores } from "../packages/core/src/index.ts"
import { silentMp3, tokens } from "../packages/core/src/testing/index.ts"

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

/** Named instants of one turn, in ms since the turn started. */
export type Marks = Record<string, number>

const VOICE = "JBFqnCBsd6RMkjVDRZzb"

/**
 * Starts the fakes and returns a turn runner; `close` stops the servers, `mark` notes an instant
 * of the running turn. `tracer` records the turn's Effect spans; `around` wraps each turn's
 * program (e.g. to try another scheduler). Both only for diagnostics (`bench/trace.ts`).
 */
export const httpTurn = async (
  profile: Profile,
  options: { readonly tracer?: Tracer.Tracer | undefined; readonly around?: (<A, E>(effect: Effect.Effect<A, E>) => Effect.Effect<A, E>) | undefined } = {}
) => {
  let started = 0
  let marks: Marks = {}
  const mark = (name: string) => {
    if (marks[name] === undefined) marks[name] = performance.now() - started
  }
  const ids = new Map<string, number>()
  const id = (prefix: string) => {
    const n = (ids.get(prefix) ?? 0) + 1
    ids.set(prefix, n)
    return `${prefix}${String(n).padStart(4, "0")}`
  }
  const interval = 1000 / profile.tokensPerSecond
  const routeOf = (url: string) => (url.includes("/audio/transcriptions") ? "stt" : url.includes("/chat/completions") ? "llm" : "tts")
  /** A body that notes when each of its first pieces is handed to the socket. */
  const tapped = (response: Response, route: string): Response => {
    if (response.body === null) return response
    let n = 0
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        mark(`${route}.server.piece${n++}`)
        controller.enqueue(chunk)
      }
    })
    return new Response(response.body.pipeThrough(tap), { status: response.status, headers: response.headers })
  }
  /** The fake's routes on loopback, noting when each request arrives (before its body is read). */
  const serve = (handle: (request: Request) => Promise<Response> | undefined) =>
    serveLoopback(async (request) => {
      const route = routeOf(request.url)
      mark(`${route}.server.arrived`)
      const response = await (handle(request) ?? Promise.resolve(new Response("not found", { status: 404 })))
      return tapped(response, route)
    })
  const openaiServer = await serve(OpenAIFake.routes({
    heard: async () => (mark("stt.server.received"), { text: profile.transcript, duration: 3 }),
    timings: () => [],
    speak: () => Promise.reject(new Error("the bench speaks with ElevenLabs")),
    answer: () => (mark("llm.server.received"), { text: profile.reply }),
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
      mark("tts.server.received")
      return { bytes: silentMp3({ seconds: Math.max(0.2, text.length * 0.06), sampleRate: 22050, bitrateKbps: 32 }), duration: 0 }
    },
    id,
    pace: () => ({ firstMs: profile.ttsFirstByteMs, intervalMs: profile.ttsChunkMs }),
    speechParts: 3
  }))

  // Client-side instants, from undici's diagnostics channels (the global fetch both SDKs use by
  // default), so nothing is inserted into the data path: each request created, its headers back.
  const created = (message: unknown) => {
    const request = (message as { request?: { origin?: string; path?: string } }).request
    if (request?.path !== undefined) mark(`${routeOf(request.path)}.client.sent`)
  }
  const headers = (message: unknown) => {
    const request = (message as { request?: { origin?: string; path?: string } }).request
    if (request?.path !== undefined) mark(`${routeOf(request.path)}.client.headers`)
  }
  diagnostics.subscribe("undici:request:create", created)
  diagnostics.subscribe("undici:request:headers", headers)

  const providers = [
    openai({ apiKey: "bench-key-not-secret", baseURL: `${openaiServer.url}/v1` }),
    elevenlabs({ apiKey: "bench-key-not-secret", baseUrl: elevenlabsServer.url })
  ]
  const layer = Layer.mergeAll(
    ProviderRegistry.layer(providers),
    MediaStore.layerMemory({ secret: "bench-secret-not-for-production" }),
    Stores.layerMemory,
    Pipeline.Runs.layer
  )
  const audio = silentMp3({ seconds: 3, sampleRate: 16000, bitrateKbps: 32 })
  const request = {
    voice: {
      stt: { provider: "openai", model: "whisper-1" },
      tts: { provider: "elevenlabs", model: "eleven_flash_v2_5", voice: VOICE, output_format: "mp3_22050_32" }
    },
    llm_provider: "openai",
    model_name: "gpt-4.1"
  }
  const firstSentence = tokens(profile.reply).findIndex((t) => t.trim().endsWith(".")) + 2 // tokens up to the one after the boundary
  let deltas = 0

  /** One turn: the first audio's instant, and the marks on the way. */
  const run = async (): Promise<{ readonly firstAudio: number; readonly marks: Marks }> => {
    marks = {}
    deltas = 0
    started = performance.now()
    await Effect.runPromise(
      Pipeline.addMessage(request, { audio }).pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => {
            if (event.type === "stt_stream_end") mark("stt.event")
            if (event.type === "content_streaming" && ++deltas === firstSentence) mark("llm.boundary.event")
            if (event.type === "tts_audio_chunk") mark("tts.firstAudio.event")
          })
        ),
        Effect.provide(layer),
        (effect) => (options.tracer === undefined ? effect : Effect.provideService(effect, Tracer.Tracer, options.tracer)),
        (effect) => (options.around === undefined ? effect : options.around(effect))
      )
    )
    return { firstAudio: marks["tts.firstAudio.event"] ?? Number.NaN, marks }
  }

  const close = async () => {
    diagnostics.unsubscribe("undici:request:create", created)
    diagnostics.unsubscribe("undici:request:headers", headers)
    await Promise.all([openaiServer.close(), elevenlabsServer.close()])
  }
  return { run, close, mark }
}

/**
 * Where the time beyond the floor goes, from the median marks: each hand-over's wait, in ms. The
 * server's own waits (the profile) are measured from when it really sent each piece, so a late
 * timer in the fake is not counted against the client.
 */
export const breakdown = (m: Marks, profile: Profile): Array<[string, number]> => {
  const at = (name: string) => m[name] ?? Number.NaN
  // The LLM body: the role chunk (piece 0), then a token per piece; the boundary token follows "Sure.".
  const boundaryPiece = `llm.server.piece${tokens(profile.reply).findIndex((t) => t.trim().endsWith(".")) + 2}`
  const boundary = profile.firstTokenMs + (tokens(profile.reply).findIndex((t) => t.trim().endsWith(".")) + 1) * (1000 / profile.tokensPerSecond)
  return [
    ["STT request leaves (run start, validation, SDK request building)", at("stt.client.sent")],
    ["STT request head reaches the server", at("stt.server.arrived") - at("stt.client.sent")],
    ["STT upload read and parsed by the fake", at("stt.server.received") - at("stt.server.arrived")],
    ["STT fake's timer lateness", at("stt.server.piece0") - at("stt.server.received") - profile.sttMs],
    ["STT response to the client's headers", at("stt.client.headers") - at("stt.server.piece0")],
    ["STT body parsed into the transcript event", at("stt.event") - at("stt.client.headers")],
    ["LLM request leaves after the transcript", at("llm.client.sent") - at("stt.event")],
    ["LLM request reaches the fake's script", at("llm.server.received") - at("llm.client.sent")],
    ["LLM fake's timer lateness up to the boundary token", at(boundaryPiece) - at("llm.server.received") - boundary],
    ["LLM boundary token sent → its content_streaming event", at("llm.boundary.event") - at(boundaryPiece)],
    ["TTS request leaves after the boundary event", at("tts.client.sent") - at("llm.boundary.event")],
    ["TTS request reaches the fake's script", at("tts.server.received") - at("tts.client.sent")],
    ["TTS fake's timer lateness", at("tts.server.piece0") - at("tts.server.received") - profile.ttsFirstByteMs],
    ["TTS first bytes sent → first tts_audio_chunk event", at("tts.firstAudio.event") - at("tts.server.piece0")]
  ]
}
