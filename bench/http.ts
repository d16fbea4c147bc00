/**
 * The first-audio turn over real HTTP: the real adapters (`@patchbay/openai` for STT and the
 * LLM, `@patchbay/elevenlabs` for TTS) through their official SDKs, against the adapters' fake
 * upstreams served on 127.0.0.1 with the same latency profile as the in-process fakes. Every
 * request goes to loopback only; the run count is bounded by the caller.
 *
 * The turn is timed at each hand-over so the time beyond the floor can be attributed: the bench
 * wraps the global `fetch` (both adapters use it by default) to see when each request leaves, when
 * its headers and first body bytes come back, and the fakes' scripts note when each request has
 * arrived in full at the server; the pipeline's events say when the transcript, the first
 * sentence and the first audio reach the caller.
 */
import { Effect, Layer, Stream } from "effect"
import * as ElevenLabsFake from "../adapters/elevenlabs/test/support/FakeUpstream.ts"
import * as OpenAIFake from "../adapters/openai/test/support/FakeUpstream.ts"
import { elevenlabs } from "../adapters/elevenlabs/src/index.ts"
import { openai } from "../adapters/openai/src/index.ts"
import { MediaStore, Pipeline, ProviderRegistry, ThreadStore } from "../packages/core/src/index.ts"
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

/** Starts the fakes and returns a turn runner; `close` stops the servers. */
export const httpTurn = async (profile: Profile) => {
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
  const openaiServer = await OpenAIFake.serve({
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
  })
  const elevenlabsServer = await ElevenLabsFake.serve({
    heard: () => Promise.reject(new Error("the bench transcribes with OpenAI")),
    timings: () => [],
    speak: async (text) => {
      mark("tts.server.received")
      return { bytes: silentMp3({ seconds: Math.max(0.2, text.length * 0.06), sampleRate: 22050, bitrateKbps: 32 }), duration: 0 }
    },
    id,
    pace: () => ({ firstMs: profile.ttsFirstByteMs, intervalMs: profile.ttsChunkMs }),
    speechParts: 3
  })

  // Client-side instants: every request leaving, its headers, its first body bytes.
  const original = globalThis.fetch
  const routeOf = (url: string) => (url.includes("/audio/transcriptions") ? "stt" : url.includes("/chat/completions") ? "llm" : "tts")
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const route = routeOf(input instanceof Request ? input.url : String(input))
    mark(`${route}.client.sent`)
    const response = await original(input, init)
    mark(`${route}.client.headers`)
    if (response.body === null) return response
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        mark(`${route}.client.firstBytes`)
        controller.enqueue(chunk)
      }
    })
    return new Response(response.body.pipeThrough(tap), { status: response.status, statusText: response.statusText, headers: response.headers })
  }) as typeof fetch

  const providers = [
    openai({ apiKey: "bench-key-not-secret", baseURL: `${openaiServer.url}/v1` }),
    elevenlabs({ apiKey: "bench-key-not-secret", baseUrl: elevenlabsServer.url })
  ]
  const layer = Layer.mergeAll(
    ProviderRegistry.layer(providers),
    MediaStore.layerMemory({ secret: "bench-secret-not-for-production" }),
    ThreadStore.layerMemory,
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
        Effect.provide(layer)
      )
    )
    return { firstAudio: marks["tts.firstAudio.event"] ?? Number.NaN, marks }
  }

  const close = async () => {
    globalThis.fetch = original
    await Promise.all([openaiServer.close(), elevenlabsServer.close()])
  }
  return { run, close }
}

/** Where the time beyond the floor goes, from the median marks: each hand-over's wait, in ms. */
export const breakdown = (m: Marks, profile: Profile): Array<[string, number]> => {
  const at = (name: string) => m[name] ?? Number.NaN
  const boundary = profile.firstTokenMs + (tokens(profile.reply).findIndex((t) => t.trim().endsWith(".")) + 1) * (1000 / profile.tokensPerSecond)
  return [
    ["STT request leaves (validation, client, multipart encoding)", at("stt.client.sent")],
    ["STT upload reaches the server", at("stt.server.received") - at("stt.client.sent")],
    ["STT response headers back after the server's latency", at("stt.client.headers") - at("stt.server.received") - profile.sttMs],
    ["STT body parsed into the transcript event", at("stt.event") - at("stt.client.headers")],
    ["LLM request leaves after the transcript", at("llm.client.sent") - at("stt.event")],
    ["LLM request reaches the server", at("llm.server.received") - at("llm.client.sent")],
    ["LLM first sentence's boundary token at the caller after the server sent it", at("llm.boundary.event") - at("llm.server.received") - boundary],
    ["TTS request leaves after the boundary", at("tts.client.sent") - at("llm.boundary.event")],
    ["TTS request reaches the server", at("tts.server.received") - at("tts.client.sent")],
    ["TTS first bytes back after the server's first-byte latency", at("tts.client.firstBytes") - at("tts.server.received") - profile.ttsFirstByteMs],
    ["TTS first bytes to the first tts_audio_chunk event", at("tts.firstAudio.event") - at("tts.client.firstBytes")]
  ]
}
