/**
 * Deterministic fake providers for tests — ours and third-party authors'. Every output is
 * scripted, every latency is an `Effect.sleep` (so `TestClock` drives it), failures can be
 * injected per call, and every call is logged, including whether it was interrupted, so a test
 * can prove what reached a "vendor" and that cancellation stopped it.
 *
 * @since 0.1.0
 */
import { Cause, Duration, Effect, type Exit, Stream } from "effect"
import { type MissingApiKey, type ProviderError, ProviderUnavailable } from "../Errors.ts"
import { mediaTypeOfOutputFormat, type ModelInfo, type OutputFormat } from "../ModelInfo.ts"
import type {
  AudioChunk,
  EmbeddingProvider,
  EmbeddingRequest,
  ImageProvider,
  ImageRequest,
  LlmEvent,
  LlmProvider,
  LlmRequest,
  PatchbayProvider,
  SpeechSummary,
  SttDelta,
  SttProvider,
  SttRequest,
  Transcript,
  TtsProvider,
  TtsRequest
} from "../Provider.ts"
import type { Usage } from "../Usage.ts"
import type { Word } from "../VoiceRecords.ts"
import { alaw, pcm16, silentMp3, ulaw, wav } from "@patchbay/audio/testing"

/** What a fake saw: each request, in order, and how each call ended. */
export interface CallLog<Request> {
  readonly requests: Array<Request>
  /** One entry per call: "completed", "failed" or "interrupted". */
  readonly outcomes: Array<"completed" | "failed" | "interrupted">
}

const makeLog = <Request>(): CallLog<Request> => ({ requests: [], outcomes: [] })

/**
 * Starts one logged call: records the request, takes the next scripted failure if any, and
 * gives the finalizer that records how the call ended.
 */
const begin = <R>(log: CallLog<R>, request: R, failures: Array<ProviderError | undefined>) => {
  log.requests.push(request)
  const index = log.outcomes.length
  log.outcomes.push("completed")
  const settle = <A, E>(exit: Exit.Exit<A, E>) =>
    Effect.sync(() => {
      if (exit._tag === "Failure") log.outcomes[index] = Cause.hasInterruptsOnly(exit.cause) ? "interrupted" : "failed"
    })
  return { failure: failures.shift(), settle }
}

/** Runs one logged call that answers once. */
const logged = <A, R>(
  log: CallLog<R>,
  request: R,
  failures: Array<ProviderError | undefined>,
  body: Effect.Effect<A, ProviderError>
): Effect.Effect<A, ProviderError> =>
  Effect.suspend(() => {
    const call = begin(log, request, failures)
    return (call.failure === undefined ? body : Effect.fail(call.failure)).pipe(Effect.onExit(call.settle))
  })

/** Runs one logged call that streams. */
const loggedStream = <A, R>(
  log: CallLog<R>,
  request: R,
  failures: Array<ProviderError | undefined>,
  body: Stream.Stream<A, ProviderError>
): Stream.Stream<A, ProviderError> =>
  Stream.suspend(() => {
    const call = begin(log, request, failures)
    return (call.failure === undefined ? body : Stream.fail(call.failure)).pipe(Stream.onExit(call.settle))
  })

const sleep = (d: Duration.Input | undefined) => (d === undefined ? Effect.void : Effect.sleep(d))

// ---------------------------------------------------------------------------------------------
// STT
// ---------------------------------------------------------------------------------------------

/** Options of {@link FakeStt}. */
export interface FakeSttOptions {
  /** The transcript; or a function of the request. Default "Hello there." */
  readonly transcript?: string | ((request: SttRequest) => string)
  /** ISO 639-1 the fake reports; null reports none. Default: the request's language, else "en". */
  readonly language?: string | null
  /** Time from the call to the transcript (or to the first delta when streaming). */
  readonly latency?: Duration.Input
  /** Offer `transcribeStream`, emitting word deltas `deltaInterval` apart. */
  readonly streaming?: boolean | { readonly deltaInterval: Duration.Input }
  /** Read the audio stream to its end before answering, counting bytes (default true). */
  readonly consumeAudio?: boolean
  readonly words?: ReadonlyArray<Word>
  readonly usage?: Usage
  /** What successive calls fail with (`undefined`: that call succeeds); later calls succeed. */
  readonly failures?: ReadonlyArray<ProviderError | undefined>
}

/** A fake STT capability with its call log. */
export interface FakeStt extends SttProvider {
  readonly log: CallLog<SttRequest>
  /** Audio bytes read, over all calls. */
  readonly bytesRead: () => number
}

const readAll = (request: SttRequest, count: (n: number) => void) =>
  Effect.callback<void, ProviderError>((resume, signal) => {
    const reader = request.audio.stream().getReader()
    signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined), { once: true })
    const pump = (): void => {
      reader.read().then(
        (next) => {
          if (next.done) return resume(Effect.void)
          count(next.value.byteLength)
          pump()
        },
        (cause) => resume(Effect.fail(new ProviderUnavailable({ provider: "fake", detail: `the upload failed: ${String(cause)}` })))
      )
    }
    pump()
  })

/** A scripted STT. */
export const FakeStt = (options: FakeSttOptions = {}): FakeStt => {
  const log = makeLog<SttRequest>()
  const failures = [...(options.failures ?? [])]
  let bytes = 0
  const text = (request: SttRequest) =>
    typeof options.transcript === "function" ? options.transcript(request) : options.transcript ?? "Hello there."
  const transcriptOf = (request: SttRequest): Transcript => {
    const value = text(request)
    return {
      type: "transcript",
      text: value,
      language: options.language === undefined ? request.language ?? "en" : options.language,
      ...(options.words === undefined ? {} : { words: options.words }),
      usage: options.usage ?? {},
      request_id: `fake_stt_${log.requests.length}`,
      provider_output: { text: value }
    }
  }
  const consume = (request: SttRequest) =>
    options.consumeAudio === false ? Effect.void : readAll(request, (n) => void (bytes += n))
  const transcribe = (request: SttRequest) =>
    logged(log, request, failures, Effect.gen(function*() {
      yield* consume(request)
      yield* sleep(options.latency)
      return transcriptOf(request)
    }))
  const streaming = options.streaming
  const transcribeStream = streaming === undefined || streaming === false
    ? undefined
    : (request: SttRequest): Stream.Stream<SttDelta | Transcript, ProviderError> => {
      const interval = streaming === true ? Duration.millis(50) : streaming.deltaInterval
      return loggedStream(log, request, failures, Stream.unwrap(Effect.gen(function*() {
        yield* consume(request)
        yield* sleep(options.latency)
        const final = transcriptOf(request)
        const words = final.text.split(/(?<=\s)/).filter((w) => w !== "")
        const deltas = Stream.fromIterable(words).pipe(
          Stream.mapEffect((delta, i) => Effect.as(i === 0 ? Effect.void : Effect.sleep(interval), { type: "delta" as const, delta }))
        )
        return Stream.concat(deltas, Stream.succeed(final))
      })))
    }
  return {
    catalogue: "closed",
    validate: () => Effect.void,
    transcribe,
    transcribeStream,
    log,
    bytesRead: () => bytes
  }
}

// ---------------------------------------------------------------------------------------------
// TTS
// ---------------------------------------------------------------------------------------------

/** Options of {@link FakeTts}. */
export interface FakeTtsOptions {
  /** Time to the first audio byte of each request. */
  readonly firstByte?: Duration.Input
  /** Time between the chunks of one response. */
  readonly chunkInterval?: Duration.Input
  /** How many chunks each response is cut into (default 3). */
  readonly chunks?: number
  /** Seconds of audio per character of text (default 0.06). */
  readonly secondsPerCharacter?: number
  /** Replace the generated audio, e.g. with a fixture for formats the fake cannot make. */
  readonly render?: (request: TtsRequest) => Uint8Array
  /** What successive calls fail with (`undefined`: that call succeeds); later calls succeed. */
  readonly failures?: ReadonlyArray<ProviderError | undefined>
}

/** A fake TTS capability with its call log. */
export interface FakeTts extends TtsProvider {
  readonly log: CallLog<TtsRequest>
}

/** The output formats the fake produces (mp3 with tags and a Xing frame, to exercise joining). */
export const fakeOutputFormats: ReadonlyArray<OutputFormat> = [
  { id: "mp3_24000", format: "mp3", sample_rate: 24000, bitrate: 32 },
  { id: "wav_16000", format: "wav", sample_rate: 16000 },
  { id: "pcm_16000", format: "pcm", sample_rate: 16000 },
  { id: "ulaw_8000", format: "ulaw", sample_rate: 8000 },
  { id: "alaw_8000", format: "alaw", sample_rate: 8000 },
  { id: "opus_48000", format: "opus", sample_rate: 48000 }
]


const render = (format: OutputFormat, seconds: number): Uint8Array => {
  const sampleRate = format.sample_rate ?? 24000
  switch (format.format) {
    case "mp3":
      return silentMp3({ seconds, sampleRate, bitrateKbps: format.bitrate ?? 32, id3v2: true, xing: true, id3v1: true })
    case "wav":
      return wav({ seconds, sampleRate })
    case "pcm":
      return pcm16({ seconds, sampleRate })
    case "ulaw":
      return ulaw({ seconds, sampleRate })
    case "alaw":
      return alaw({ seconds, sampleRate })
    default:
      throw new Error(`the fake TTS cannot make ${format.format}; pass render`)
  }
}

const split = (bytes: Uint8Array, parts: number): Array<Uint8Array> => {
  const size = Math.max(1, Math.ceil(bytes.byteLength / parts))
  const out: Array<Uint8Array> = []
  for (let at = 0; at < bytes.byteLength; at += size) out.push(bytes.subarray(at, at + size))
  return out
}

/** A scripted TTS that streams real audio bytes of the requested format. */
export const FakeTts = (options: FakeTtsOptions = {}): FakeTts => {
  const log = makeLog<TtsRequest>()
  const failures = [...(options.failures ?? [])]
  const synthesize = (request: TtsRequest): Stream.Stream<AudioChunk | SpeechSummary, ProviderError> =>
    loggedStream(log, request, failures, Stream.unwrap(Effect.gen(function*() {
      const format = fakeOutputFormats.find((f) => f.id === request.output_format) ?? fakeOutputFormats[0]!
      const seconds = Math.max(0.2, request.text.length * (options.secondsPerCharacter ?? 0.06))
      const bytes = options.render?.(request) ?? render(format, seconds)
      yield* sleep(options.firstByte)
      const pieces = split(bytes, options.chunks ?? 3)
      const audio = Stream.fromIterable(pieces).pipe(
        Stream.mapEffect((data, i) =>
          Effect.as(i === 0 ? Effect.void : sleep(options.chunkInterval), { type: "audio" as const, data })
        )
      )
      const summary: SpeechSummary = {
        type: "summary",
        output_format: format.id,
        media_type: mediaTypeOfOutputFormat(format.format),
        characters: request.text.length,
        usage: { characters: request.text.length },
        request_id: `fake_tts_${log.requests.length}`,
        provider_output: { output_format: format.id, characters: request.text.length }
      }
      return Stream.concat(audio, Stream.succeed(summary))
    })))
  return { catalogue: "closed", validate: () => Effect.void, synthesize, log }
}

// ---------------------------------------------------------------------------------------------
// LLM
// ---------------------------------------------------------------------------------------------

/** Options of {@link FakeLlm}. */
export interface FakeLlmOptions {
  /**
   * What the model answers: a text (streamed word by word), a list of events, or a function of
   * the request returning either — e.g. to answer tool results differently.
   */
  readonly reply?: string | ReadonlyArray<LlmEvent> | ((request: LlmRequest) => string | ReadonlyArray<LlmEvent>)
  /** Time to the first token. */
  readonly firstToken?: Duration.Input
  /** Tokens (words) per second after the first. */
  readonly tokensPerSecond?: number
  readonly usage?: Usage
  /** What successive calls fail with (`undefined`: that call succeeds); later calls succeed. */
  readonly failures?: ReadonlyArray<ProviderError | undefined>
  /** Fail the first call after this many events of its reply, as a stream broken midway. */
  readonly failMidway?: { readonly after: number; readonly error: ProviderError }
}

/** A fake LLM capability with its call log. */
export interface FakeLlm extends LlmProvider {
  readonly log: CallLog<LlmRequest>
}

/** Splits text into word tokens that keep their leading space: "Hi there" → ["Hi", " there"]. */
export const tokens = (text: string): Array<string> => text.match(/\s*\S+|\s+$/g) ?? []

/** A scripted LLM that streams its reply at a steady token rate. */
export const FakeLlm = (options: FakeLlmOptions = {}): FakeLlm => {
  const log = makeLog<LlmRequest>()
  const failures = [...(options.failures ?? [])]
  const stream = (request: LlmRequest): Stream.Stream<LlmEvent, ProviderError> =>
    loggedStream(log, request, failures, Stream.unwrap(Effect.gen(function*() {
      const reply = typeof options.reply === "function" ? options.reply(request) : options.reply ?? "Hello! How can I help?"
      const events: ReadonlyArray<LlmEvent> = typeof reply === "string"
        ? tokens(reply).map((delta) => ({ type: "text_delta" as const, delta }))
        : reply
      const gap = options.tokensPerSecond === undefined ? undefined : Duration.millis(1000 / options.tokensPerSecond)
      yield* sleep(options.firstToken)
      const text = events.filter((e) => e.type === "text_delta").map((e) => e.delta).join("")
      const tail: Array<LlmEvent> = [
        ...(events.some((e) => e.type === "usage") ? [] : [{ type: "usage" as const, usage: options.usage ?? { input_tokens: 10, output_tokens: tokens(text).length } }]),
        ...(events.some((e) => e.type === "finish")
          ? []
          : [{
            type: "finish" as const,
            reason: events.some((e) => e.type === "tool_call") ? "tool_calls" as const : "stop" as const,
            request_id: `fake_llm_${log.requests.length}`,
            provider_output: { content: text }
          }])
      ]
      const midway = options.failMidway !== undefined && log.requests.length === 1 ? options.failMidway : undefined
      const all = midway === undefined
        ? Stream.fromIterable([...events, ...tail])
        : Stream.concat(Stream.fromIterable(events.slice(0, midway.after)), Stream.fail(midway.error))
      return gap === undefined
        ? all
        : all.pipe(Stream.mapEffect((event, i) => Effect.as(i === 0 || event.type !== "text_delta" ? Effect.void : sleep(gap), event)))
    })))
  return { catalogue: "closed", validate: () => Effect.void, stream, log }
}

// ---------------------------------------------------------------------------------------------
// Image
// ---------------------------------------------------------------------------------------------

/** The smallest valid PNG: one transparent pixel. */
export const onePixelPng: Uint8Array = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="),
  (c) => c.charCodeAt(0)
)

/** Options of {@link FakeImage}. */
export interface FakeImageOptions {
  readonly latency?: Duration.Input
  readonly image?: Uint8Array
  /** What successive calls fail with (`undefined`: that call succeeds); later calls succeed. */
  readonly failures?: ReadonlyArray<ProviderError | undefined>
}

/** A fake image capability with its call log. */
export interface FakeImage extends ImageProvider {
  readonly log: CallLog<ImageRequest>
}

/** A scripted image model returning a PNG. */
export const FakeImage = (options: FakeImageOptions = {}): FakeImage => {
  const log = makeLog<ImageRequest>()
  const failures = [...(options.failures ?? [])]
  return {
    catalogue: "closed",
    validate: () => Effect.void,
    generate: (request) =>
      logged(log, request, failures, Effect.as(sleep(options.latency), {
        images: [{ data: options.image ?? onePixelPng, media_type: "image/png" }],
        usage: { output_tokens: 1 },
        request_id: `fake_image_${log.requests.length}`,
        provider_output: { created: 0, data: [{ b64_json: "…" }] }
      })),
    log
  }
}

/** Options of {@link FakeEmbedding}. */
export interface FakeEmbeddingOptions {
  readonly latency?: Duration.Input
  /** The vector length when a request names none (default 8). */
  readonly dimensions?: number
  /** What successive calls fail with (`undefined`: that call succeeds); later calls succeed. */
  readonly failures?: ReadonlyArray<ProviderError | undefined>
}

/** A fake embedding capability with its call log. */
export interface FakeEmbedding extends EmbeddingProvider {
  readonly log: CallLog<EmbeddingRequest>
}

/**
 * A deterministic vector for a text: the same text and length always give the same floats
 * (a small xorshift generator seeded by the text), each in [-1, 1).
 */
export const fakeVector = (text: string, dimensions: number): Float32Array => {
  let seed = 2166136261
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619) >>> 0
  const out = new Float32Array(dimensions)
  for (let i = 0; i < dimensions; i++) {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    seed >>>= 0
    out[i] = seed / 2147483648 - 1
  }
  return out
}

/** A scripted embedding model: {@link fakeVector} per text; usage counts one token per word. */
export const FakeEmbedding = (options: FakeEmbeddingOptions = {}): FakeEmbedding => {
  const log = makeLog<EmbeddingRequest>()
  const failures = [...(options.failures ?? [])]
  return {
    catalogue: "closed",
    validate: () => Effect.void,
    embed: (request) =>
      logged(log, request, failures, Effect.map(sleep(options.latency), () => ({
        vectors: request.texts.map((text) => fakeVector(text, request.dimensions ?? options.dimensions ?? 8)),
        usage: { input_tokens: request.texts.reduce((n, text) => n + text.split(/\s+/).filter((w) => w !== "").length, 0) },
        request_id: `fake_embedding_${log.requests.length}`,
        provider_output: { object: "list", data: request.texts.map((_, index) => ({ object: "embedding", index })) }
      }))),
    log
  }
}

// ---------------------------------------------------------------------------------------------
// A whole provider
// ---------------------------------------------------------------------------------------------

/** The capabilities of a fake provider, and its model ids. */
export interface FakeProviderOptions {
  readonly id?: string
  readonly stt?: FakeStt
  readonly tts?: FakeTts
  readonly llm?: FakeLlm
  readonly image?: FakeImage
  readonly embedding?: FakeEmbedding
  /**
   * Catalogue overrides; by default one model per capability: `fake-stt` (and `fake-realtime`,
   * taking `pcm_16000`, `pcm_24000` and `ulaw_8000` in English, French or German, when the STT
   * has `realtime`), `fake-tts`, `fake-llm`,
   * `fake-image`, `fake-embedding` (8 dimensions by default, 1 to 8 allowed, 4 texts per call,
   * texts of at most 1000 characters).
   */
  readonly models?: ReadonlyArray<ModelInfo>
  /** The provider's `credentials` check, e.g. `Effect.fail(new MissingApiKey(…))` for a vendor without a key; absent, none. */
  readonly credentials?: Effect.Effect<void, MissingApiKey>
}

/** Bundles fakes into a `PatchbayProvider` with a closed catalogue. */
export const fakeProvider = (options: FakeProviderOptions): PatchbayProvider => {
  const id = options.id ?? "fake"
  const models: ReadonlyArray<ModelInfo> = options.models ?? [
    ...(options.stt === undefined ? [] : [{
      id: "fake-stt",
      provider: id,
      capability: "stt" as const,
      streaming: options.stt.transcribeStream !== undefined,
      input_formats: ["wav", "mp3", "ogg", "flac", "webm", "mp4", "aac"],
      max_input_bytes: 26_214_400
    }]),
    ...(options.stt?.realtime === undefined ? [] : [{
      id: "fake-realtime",
      provider: id,
      capability: "stt" as const,
      streaming: true,
      realtime: true,
      realtime_formats: ["pcm_16000", "pcm_24000", "ulaw_8000"],
      languages: ["en", "fr", "de"],
      word_timestamps: true
    }]),
    ...(options.tts === undefined ? [] : [{
      id: "fake-tts",
      provider: id,
      capability: "tts" as const,
      streaming: true,
      output_formats: fakeOutputFormats,
      default_output_format: "mp3_24000",
      voices: { catalogue: "closed" as const, ids: ["ada", "grace"] }
    }]),
    ...(options.llm === undefined ? [] : [{ id: "fake-llm", provider: id, capability: "llm" as const, streaming: true, tools: true }]),
    ...(options.image === undefined ? [] : [{ id: "fake-image", provider: id, capability: "image" as const, image_input: true }]),
    ...(options.embedding === undefined ? [] : [{
      id: "fake-embedding",
      provider: id,
      capability: "embedding" as const,
      dimensions: 8,
      min_dimensions: 1,
      max_dimensions: 8,
      max_texts_per_call: 4,
      max_input_characters: 1000
    }])
  ]
  return {
    id,
    models,
    stt: options.stt,
    tts: options.tts,
    llm: options.llm,
    image: options.image,
    ...(options.embedding === undefined ? {} : { embedding: options.embedding }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials })
  }
}
