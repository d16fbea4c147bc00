/**
 * The first-audio turn over real HTTP: the real adapters (`@patchbay/openai` for STT and the
 * LLM, `@patchbay/elevenlabs` for TTS) through their official SDKs, against the adapters' fake
 * upstreams served on 127.0.0.1 with the same latency profile as the in-process fakes. The fakes
 * run in a worker thread (`bench/http-fakes.ts`), as a vendor's servers run elsewhere. Every
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
import { Effect, Layer, ManagedRuntime, Stream, Tracer } from "effect"
import diagnostics from "node:diagnostics_channel"
import { Worker } from "node:worker_threads"
import { elevenlabs } from "../adapters/elevenlabs/src/index.ts"
import { openai } from "../adapters/openai/src/index.ts"
import { MediaStore, Pipeline, ProviderRegistry, Stores } from "../packages/core/src/index.ts"
import { silentMp3, tokens } from "../packages/core/src/testing/index.ts"
import { type Fakes, type FromWorker, type Profile, routeOf, startFakes, type ToWorker } from "./http-fakes.ts"

export type { Profile } from "./http-fakes.ts"

/** Named instants of one turn, in ms since the turn started. */
export type Marks = Record<string, number>

const VOICE = "JBFqnCBsd6RMkjVDRZzb"

/**
 * The fakes in a worker thread: their marks arrive as messages; `flush` resolves once every mark
 * the worker posted before it has been received.
 */
const fakesInWorker = async (profile: Profile, mark: (name: string, at: number) => void) => {
  const worker = new Worker(new URL("./http-fakes.ts", import.meta.url), { workerData: { fakes: profile } })
  const waiting = new Map<number, () => void>()
  let closed: (() => void) | undefined
  let flushes = 0
  const ready = new Promise<{ openaiUrl: string; elevenlabsUrl: string }>((resolve, reject) => {
    worker.once("error", reject)
    worker.on("message", (message: FromWorker) => {
      if (message.type === "ready") resolve(message)
      else if (message.type === "mark") mark(message.name, message.at)
      else if (message.type === "flushed") waiting.get(message.n)?.()
      else closed?.()
    })
  })
  const { openaiUrl, elevenlabsUrl } = await ready
  const send = (message: ToWorker) => worker.postMessage(message)
  return {
    openaiUrl,
    elevenlabsUrl,
    flush: () => new Promise<void>((resolve) => {
      const n = ++flushes
      waiting.set(n, () => (waiting.delete(n), resolve()))
      send({ type: "flush", n })
    }),
    close: async () => {
      await new Promise<void>((resolve) => {
        closed = resolve
        send({ type: "close" })
      })
      await worker.terminate()
    }
  }
}

/**
 * Starts the fakes and returns a turn runner; `close` stops the servers, `mark` notes an instant
 * of the running turn. The fakes run in a worker thread, or in this thread with
 * `fakes: "inline"` (then their work shares the pipeline's event loop, as a diagnostic).
 * `tracer` records the turn's Effect spans; `around` wraps each turn's program (e.g. to try
 * another scheduler). Both only for diagnostics (`bench/trace.ts`).
 */
export const httpTurn = async (
  profile: Profile,
  options: {
    readonly fakes?: "worker" | "inline" | undefined
    readonly tracer?: Tracer.Tracer | undefined
    readonly around?: (<A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) | undefined
  } = {}
) => {
  let started = 0
  let marks: Marks = {}
  /** Notes an instant; `at` on the shared wall clock (a worker's), else now. */
  const markAt = (name: string, at: number) => {
    if (marks[name] === undefined) marks[name] = at - performance.timeOrigin - started
  }
  const mark = (name: string) => markAt(name, performance.timeOrigin + performance.now())
  const fakes: Fakes & { readonly flush?: () => Promise<void> } = options.fakes === "inline"
    ? await startFakes(profile, markAt)
    : await fakesInWorker(profile, markAt)

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
    openai({ apiKey: "bench-key-not-secret", baseURL: `${fakes.openaiUrl}/v1` }),
    elevenlabs({ apiKey: "bench-key-not-secret", baseUrl: fakes.elevenlabsUrl })
  ]
  const layer = Layer.mergeAll(
    ProviderRegistry.layer(providers),
    MediaStore.layerMemory({ secret: "bench-secret-not-for-production" }),
    Stores.layerMemory,
    Pipeline.Runs.layer
  )
  // Built once and used by every turn, as `createPatchbay` and a server do: the turns measure the
  // pipeline, not the construction of its services.
  const runtime = ManagedRuntime.make(layer)
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
    await runtime.runPromise(
      Pipeline.addMessage(request, { audio }).pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => {
            if (event.type === "stt_stream_end") mark("stt.event")
            if (event.type === "content_streaming" && ++deltas === firstSentence) mark("llm.boundary.event")
            if (event.type === "tts_audio_chunk") mark("tts.firstAudio.event")
          })
        ),
        (effect) => (options.tracer === undefined ? effect : Effect.provideService(effect, Tracer.Tracer, options.tracer)),
        (effect) => (options.around === undefined ? effect : options.around(effect))
      )
    )
    await fakes.flush?.() // every mark the worker noted during the turn
    return { firstAudio: marks["tts.firstAudio.event"] ?? Number.NaN, marks }
  }

  const close = async () => {
    diagnostics.unsubscribe("undici:request:create", created)
    diagnostics.unsubscribe("undici:request:headers", headers)
    await runtime.dispose()
    await fakes.close()
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
