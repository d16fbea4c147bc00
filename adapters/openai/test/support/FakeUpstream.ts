/**
 * A fake OpenAI, typed by the adapter's own wire schemas (`src/Wire.ts`): the one place that
 * writes OpenAI's responses for the cassette synthesizers (`test/cassettes/synthesize.ts`,
 * ElevenLabs' seed cassette), the CLI's demo cassettes and the benchmark over real HTTP.
 *
 * - Bodies: every response body goes through a builder bound to its `Wire.ts` schema — typed by
 *   the schema's encoded form (a wrong field type does not compile) and decoded on the way out
 *   (a body the adapter could not read throws here, not in a replay). Fields the adapter does not
 *   read (`obfuscation`, `seek`, …) pass through unchanged, in the order written, so cassettes stay
 *   byte-for-byte what they were.
 * - Interactions: the same bodies as cassette requests and responses (`request.json`, `ok`, `sse`).
 * - Routes: {@link routes} answers `POST /v1/audio/transcriptions`, `/v1/audio/speech`,
 *   `/v1/chat/completions` and `/v1/embeddings` from a {@link Script} (what an upload says, how a
 *   text sounds, what the model answers; vectors from core's deterministic `fakeVector`) with paced
 *   streams; {@link serve} puts them on a loopback server for the SDK.
 *
 * @since 0.1.0
 */
import { type Cassette, type Loopback, type Pace, pacedBody, piecesOf, serveLoopback, sleepUntil } from "@patchbay/conformance"
import { fakeVector } from "@patchbay/core/testing"
import { Schema } from "effect"
import * as Wire from "../../src/Wire.ts"

// ---------------------------------------------------------------------------------------------
// Bodies, checked against the adapter's schemas
// ---------------------------------------------------------------------------------------------

/**
 * A wire shape that also admits the fields the adapter does not read, at any depth: each field
 * the schema names keeps its type, and other keys are free (OpenAI sends many more than the
 * adapter decodes, and cassettes keep them).
 */
export type Open<T> = T extends ReadonlyArray<infer E> ? ReadonlyArray<Open<E>>
  : T extends object ? { readonly [K in keyof T]: Open<T[K]> } & { readonly [key: string]: unknown }
  : T

/** A builder that types a body by the schema's encoded form and checks it decodes; returns it unchanged. */
const checked = <S extends Schema.Codec<unknown, unknown, never, never>>(schema: S) => {
  const decode = Schema.decodeUnknownSync(schema)
  return <const B extends Open<S["Encoded"]>>(body: B): B => {
    decode(body)
    return body
  }
}

/** `{ error: { message, type, param, code } }` (absent `param`/`code` are `null`, as OpenAI sends them). */
export const errorBody = (error: { readonly message: string; readonly type: string; readonly param?: string | null; readonly code?: string | null }) =>
  checkedError({ error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code ?? null } })
const checkedError = checked(Wire.ErrorBody)
/** An event of a failed stream: `{ type: "error", error }` or the bare envelope. */
export const errorEvent = checked(Wire.ErrorBody)

/** `response_format=json`. */
export const transcriptionJson = checked(Wire.TranscriptionJson)
/** `response_format=verbose_json`. */
export const transcriptionVerboseJson = checked(Wire.TranscriptionVerboseJson)
/** `response_format=diarized_json`. */
export const transcriptionDiarizedJson = checked(Wire.TranscriptionDiarizedJson)
/** One event of a streamed transcription. */
export const transcriptionEvent = checked(Wire.TranscriptionStreamEvent)
/** One event of `stream_format=sse` speech. */
export const speechEvent = checked(Wire.SpeechStreamEvent)
/** One `chat.completion.chunk`. */
export const chatChunk = checked(Wire.ChatCompletionChunk)
/** `CompletionUsage`. */
export const completionUsage = checked(Wire.CompletionUsage)
/** `ImagesResponse`. */
export const imagesResponse = checked(Wire.ImagesResponse)
/** `CreateEmbeddingResponse`; build each base64 `embedding` with {@link vectorBase64}. */
export const embeddingsResponse = checked(Wire.EmbeddingsResponse)

/** A vector as OpenAI's `encoding_format: "base64"` sends it: its float32s, little-endian. */
export const vectorBase64 = (vector: Float32Array): string => {
  const bytes = new Uint8Array(vector.length * 4)
  const view = new DataView(bytes.buffer)
  vector.forEach((value, i) => view.setFloat32(i * 4, value, true))
  return Buffer.from(bytes).toString("base64")
}

/** The default length of each embedding model, for a request without `dimensions`. */
const defaultDimensions = (model: string): number => (model === "text-embedding-3-large" ? 3072 : 1536)

/**
 * An embeddings answer for texts: one deterministic vector per text (`fakeVector`), base64 or a
 * float list as `encoding_format` asks, and a token count of one per word.
 */
export const embeddingsFor = (model: string, texts: ReadonlyArray<string>, dimensions: number | undefined, format: "base64" | "float" = "base64") =>
  embeddingsResponse({
    object: "list",
    model,
    data: texts.map((text, index) => {
      const vector = fakeVector(text, dimensions ?? defaultDimensions(model))
      return { object: "embedding", index, embedding: format === "base64" ? vectorBase64(vector) : Array.from(vector) }
    }),
    usage: (() => {
      const tokens = texts.reduce((n, text) => n + (text.match(/\S+/g)?.length ?? 0), 0)
      return { prompt_tokens: tokens, total_tokens: tokens }
    })()
  })

/** Base64 of bytes. */
export const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64")

/** The token usage of `speech.audio.done`. */
export type SpeechUsage = NonNullable<Wire.SpeechAudioDone["usage"]>

/** `speech.audio.delta` events of the audio in `parts` pieces, then `speech.audio.done` with the usage. */
export const speechEvents = (bytes: Uint8Array, parts: number, usage: SpeechUsage) => [
  ...piecesOf(bytes, parts).map((piece) => speechEvent({ type: "speech.audio.delta", audio: base64(piece) })),
  speechEvent({ type: "speech.audio.done", usage })
]

/** One choice of a chunk as OpenAI streams it (with `logprobs: null`). */
export type Choice = Parameters<typeof chatChunk>[0]["choices"][number] & { readonly logprobs: null }
/** `CompletionUsage` as the builder takes it. */
export type CompletionUsage = Parameters<typeof completionUsage>[0]

/** A choice's delta and finish reason. */
export const choice = (delta: Choice["delta"], finish_reason: string | null = null): Choice => ({ index: 0, delta, logprobs: null, finish_reason })

/**
 * A `chat.completion.chunk` as the synthesized cassettes hold it: fixed `created`, fingerprint,
 * service tier and `obfuscation`; `usage` only when given (`null` on the chunks before the last).
 */
export const chunk = (id: string, model: string, choices: ReadonlyArray<Choice>, usage: CompletionUsage | null | undefined) =>
  chatChunk({ id, object: "chat.completion.chunk", created: 1764115200, model, system_fingerprint: "fp_3f58d112f7", service_tier: "default", choices, ...(usage === undefined ? {} : { usage }), obfuscation: "x1Yz" })

// ---------------------------------------------------------------------------------------------
// As cassette interactions
// ---------------------------------------------------------------------------------------------

/** Where the SDK sends requests by default. */
export const BASE = "https://api.openai.com/v1"

/** Cassette requests to `BASE + path`. */
export const request = {
  json: (path: string, body: unknown): Cassette.CassetteRequest => ({
    method: "POST",
    url: `${BASE}${path}`,
    headers: { "content-type": "application/json" },
    body: { type: "json", json: body }
  }),
  multipart: (path: string, fields: Cassette.MultipartFields): Cassette.CassetteRequest => ({
    method: "POST",
    url: `${BASE}${path}`,
    headers: { "content-type": "multipart/form-data" },
    body: { type: "multipart", fields }
  })
}

/** The headers of every response: the request id and the processing time. */
export const headers = (id: string, extra: Record<string, string> = {}): Record<string, string> => ({ "x-request-id": id, "openai-processing-ms": "412", ...extra })

/** A 200 JSON response. */
export const ok = (id: string, body: unknown, extra: Record<string, string> = {}): Cassette.CassetteResponse => ({
  status: 200,
  headers: { "content-type": "application/json", ...headers(id), ...extra },
  body: { type: "json", json: body }
})

/** A failed response with OpenAI's error envelope. */
export const fail = (status: number, id: string, error: Parameters<typeof errorBody>[0], extra: Record<string, string> = {}): Cassette.CassetteResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers(id), ...extra },
  body: { type: "json", json: errorBody(error) }
})

/** A 200 server-sent-events response. */
export const sse = (id: string, chunks: ReadonlyArray<Cassette.SseChunk>): Cassette.CassetteResponse => ({
  status: 200,
  headers: { "content-type": "text/event-stream; charset=utf-8", ...headers(id) },
  body: { type: "sse", chunks }
})

/** Events as SSE chunks: the first at once, the others `delayMs` after the one before. */
export const paced = (events: ReadonlyArray<unknown>, delayMs: number): Array<Cassette.SseChunk> =>
  events.map((data, i) => ({ data, ...(i === 0 ? {} : { delay_ms: delayMs }) }))

/** `speech.audio.*` events as an SSE response: deltas 25 ms apart, the done event 5 ms after. */
export const speechSse = (bytes: Uint8Array, id: string, usage: SpeechUsage, parts = 3): Cassette.CassetteResponse => {
  const events = speechEvents(bytes, parts, usage)
  const done = events.pop()
  return sse(id, [...paced(events, 25), { data: done, delay_ms: 5 }])
}

// ---------------------------------------------------------------------------------------------
// Routes, live
// ---------------------------------------------------------------------------------------------

/** What the fake answers: the words of uploads, speech for texts, the model's replies. */
export interface Script {
  /** The words of an upload and its duration in seconds. */
  readonly heard: (file: Uint8Array | undefined) => Promise<{ readonly text: string; readonly duration: number }>
  /** Timed words of a transcript (for `verbose_json` and diarized segments). */
  readonly timings: (text: string, duration: number) => ReadonlyArray<{ readonly word: string; readonly start: number; readonly end: number }>
  /** Speech for a text in a voice and `response_format`, with its duration. */
  readonly speak: (text: string, voice: string, format: string) => Promise<{ readonly bytes: Uint8Array; readonly duration: number }>
  /** The model's reply to the messages: a text, or one tool call. */
  readonly answer: (
    messages: ReadonlyArray<{ readonly role?: unknown; readonly content?: unknown }>,
    tools: ReadonlyArray<unknown>
  ) => { readonly text: string } | { readonly tool: { readonly name: string; readonly arguments: unknown } }
  /** A fresh id with the prefix (`req_synth_stt_0001`). */
  readonly id: (prefix: string) => string
  /** The `created` time of completions. */
  readonly created: number
  /** The pace of each route's body. */
  readonly pace: (route: "transcription" | "speech" | "chat") => Pace
  /** The pieces a speech body is cut into (default 3). */
  readonly speechParts?: number | undefined
}

const json = (status: number, body: unknown, extra: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...extra } })

const sseResponse = (events: ReadonlyArray<unknown>, pace: Pace, extra: Record<string, string>, done: boolean, start: number): Response =>
  new Response(
    pacedBody([...events.map((e) => `data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`), ...(done ? ["data: [DONE]\n\n"] : [])], pace, start),
    { status: 200, headers: { "content-type": "text/event-stream", ...extra } }
  )

/** Word tokens that keep their leading space: "Hi there" → ["Hi", " there"]. */
export const wordTokens = (text: string): Array<string> => text.match(/\s*\S+/g) ?? []

/** Media types OpenAI sends for each `response_format`. */
export const speechMediaType = (format: string): string =>
  ({ mp3: "audio/mpeg", wav: "audio/wav", pcm: "audio/pcm", opus: "audio/ogg", flac: "audio/flac", aac: "audio/aac" })[format] ?? "application/octet-stream"

const formOf = async (request: Request) => {
  const form = await request.formData()
  const fields = new Map<string, Array<string>>()
  let file: Uint8Array | undefined
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") fields.set(name, [...(fields.get(name) ?? []), value])
    else file = new Uint8Array(await value.arrayBuffer())
  }
  return { get: (name: string) => fields.get(name)?.[0], all: (name: string) => fields.get(name) ?? [], file }
}

const transcription = async (script: Script, request: Request): Promise<Response> => {
  const form = await formOf(request)
  const start = performance.now()
  const audio = await script.heard(form.file)
  const model = form.get("model") ?? "whisper-1"
  const format = form.get("response_format") ?? "json"
  const extra = { "x-request-id": script.id("req_synth_stt_") }
  const pace = script.pace("transcription")
  const words = script.timings(audio.text, audio.duration)
  const audioTokens = Math.ceil(audio.duration * 10)
  const outputTokens = wordTokens(audio.text).length
  const usage: Wire.TranscriptionUsage = model === "whisper-1" || model.includes("diarize")
    ? { type: "duration", seconds: Math.ceil(audio.duration) }
    : {
      type: "tokens",
      input_tokens: audioTokens,
      input_token_details: { text_tokens: 0, audio_tokens: audioTokens },
      output_tokens: outputTokens,
      total_tokens: audioTokens + outputTokens
    }
  if (form.get("stream") === "true" && model !== "whisper-1") {
    const deltas = wordTokens(audio.text).map((delta) => transcriptionEvent({ type: "transcript.text.delta", delta }))
    return sseResponse([...deltas, transcriptionEvent({ type: "transcript.text.done", text: audio.text, usage })], pace, extra, false, start)
  }
  await sleepUntil(start + pace.firstMs)
  switch (format) {
    case "text":
      return new Response(`${audio.text}\n`, { headers: { "content-type": "text/plain; charset=utf-8", ...extra } })
    case "verbose_json": {
      const granularities = form.all("timestamp_granularities[]")
      const end = words.at(-1)?.end ?? audio.duration
      return json(200, transcriptionVerboseJson({
        task: "transcribe",
        language: "english",
        duration: audio.duration,
        text: audio.text,
        ...(granularities.includes("word") ? { words } : {}),
        ...(granularities.length === 0 || granularities.includes("segment")
          ? {
            segments: [{
              id: 0,
              seek: 0,
              start: words[0]?.start ?? 0,
              end,
              text: ` ${audio.text}`,
              tokens: [],
              temperature: 0,
              avg_logprob: -0.21,
              compression_ratio: 0.87,
              no_speech_prob: 0.01
            }]
          }
          : {}),
        usage
      }), extra)
    }
    case "diarized_json":
      return json(200, transcriptionDiarizedJson({
        task: "transcribe",
        duration: audio.duration,
        text: audio.text,
        segments: [{ type: "transcript.text.segment", id: "seg_001", start: words[0]?.start ?? 0, end: words.at(-1)?.end ?? audio.duration, text: audio.text, speaker: "A" }],
        usage
      }), extra)
    default:
      return json(200, transcriptionJson({ text: audio.text, usage }), extra)
  }
}

const speech = async (script: Script, request: Request): Promise<Response> => {
  const body = (await request.json()) as Record<string, unknown>
  const start = performance.now()
  const text = String(body["input"] ?? "")
  const voice = typeof body["voice"] === "string" ? body["voice"] : JSON.stringify(body["voice"])
  const format = String(body["response_format"] ?? "mp3")
  const spoken = await script.speak(text, voice, format)
  const extra = { "x-request-id": script.id("req_synth_tts_") }
  const parts = script.speechParts ?? 3
  const pace = script.pace("speech")
  if (body["stream_format"] === "sse") {
    const input = Math.ceil(text.length / 4)
    const output = Math.ceil(spoken.duration * 20)
    return sseResponse(speechEvents(spoken.bytes, parts, { input_tokens: input, output_tokens: output, total_tokens: input + output }), pace, extra, false, start)
  }
  return new Response(pacedBody(piecesOf(spoken.bytes, parts), pace, start), { status: 200, headers: { "content-type": speechMediaType(format), ...extra } })
}

const embeddings = async (script: Script, request: Request): Promise<Response> => {
  const body = (await request.json()) as Record<string, unknown>
  const input = body["input"]
  const texts = Array.isArray(input) ? input.map(String) : [String(input ?? "")]
  const dimensions = typeof body["dimensions"] === "number" ? body["dimensions"] : undefined
  const format = body["encoding_format"] === "base64" ? "base64" : "float"
  return json(200, embeddingsFor(String(body["model"] ?? "text-embedding-3-small"), texts, dimensions, format), { "x-request-id": script.id("req_synth_emb_") })
}

const chat = async (script: Script, request: Request): Promise<Response> => {
  const body = (await request.json()) as Record<string, unknown>
  const start = performance.now()
  const messages = (body["messages"] ?? []) as ReadonlyArray<{ role?: unknown; content?: unknown }>
  const answer = script.answer(messages, (body["tools"] ?? []) as ReadonlyArray<unknown>)
  const model = String(body["model"] ?? "gpt-4.1")
  const id = script.id("chatcmpl-synth")
  const extra = { "x-request-id": script.id("req_synth_chat_") }
  const promptTokens = Math.ceil(JSON.stringify(messages).length / 4)
  const base = { id, object: "chat.completion.chunk", created: script.created, model }
  const includeUsage = typeof body["stream_options"] === "object" && body["stream_options"] !== null &&
    (body["stream_options"] as Record<string, unknown>)["include_usage"] === true
  const chunk = (delta: Wire.ChatCompletionChunk["choices"][number]["delta"], finish: string | null) =>
    chatChunk({ ...base, choices: [{ index: 0, delta, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) })
  let completion: number
  let events: Array<unknown>
  let message: Record<string, unknown>
  if ("text" in answer) {
    const parts = wordTokens(answer.text)
    completion = parts.length
    events = [chunk({ role: "assistant", content: "", refusal: null }, null), ...parts.map((t) => chunk({ content: t }, null)), chunk({}, "stop")]
    message = { role: "assistant", content: answer.text, refusal: null, annotations: [] }
  } else {
    const args = JSON.stringify(answer.tool.arguments)
    const callId = script.id("call_synth")
    const argPieces = args.match(/.{1,24}/g) ?? [args]
    completion = Math.ceil(args.length / 4) + 5
    events = [
      chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: callId, type: "function", function: { name: answer.tool.name, arguments: "" } }], refusal: null }, null),
      ...argPieces.map((p) => chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] }, null)),
      chunk({}, "tool_calls")
    ]
    message = { role: "assistant", content: null, tool_calls: [{ id: callId, type: "function", function: { name: answer.tool.name, arguments: args } }], refusal: null, annotations: [] }
  }
  const usage = completionUsage({
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 }
  })
  if (body["stream"] !== true) {
    await sleepUntil(start + script.pace("chat").firstMs)
    return json(200, {
      id,
      object: "chat.completion",
      created: script.created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: "text" in answer ? "stop" : "tool_calls" }],
      usage,
      system_fingerprint: "fp_synth",
      service_tier: "default"
    }, extra)
  }
  if (includeUsage) events.push(chatChunk({ ...base, choices: [], usage }))
  return sseResponse(events, script.pace("chat"), extra, true, start)
}

/**
 * OpenAI's routes from a script: a handler for requests under any origin whose path is
 * `/v1/audio/transcriptions`, `/v1/audio/speech` or `/v1/chat/completions`; `undefined` for
 * any other path.
 *
 * @category constructors
 */
export const routes = (script: Script) => (request: Request): Promise<Response> | undefined => {
  if (request.method !== "POST") return undefined
  switch (new URL(request.url).pathname) {
    case "/v1/audio/transcriptions":
      return transcription(script, request)
    case "/v1/audio/speech":
      return speech(script, request)
    case "/v1/chat/completions":
      return chat(script, request)
    case "/v1/embeddings":
      return embeddings(script, request)
    default:
      return undefined
  }
}

/** The 404 of a path the fake does not serve, in OpenAI's envelope. */
export const notFound = (url: URL): Response =>
  json(404, errorBody({ message: `the synthesizer has no ${url.pathname}`, type: "invalid_request_error", code: "not_found" }))

/**
 * The routes on a loopback server (`port` 0: any free one); point the SDK at `${url}/v1`.
 *
 * @category constructors
 */
export const serve = (script: Script, options: { readonly port?: number } = {}): Promise<Loopback> => {
  const handle = routes(script)
  return serveLoopback((request) => handle(request) ?? Promise.resolve(notFound(new URL(request.url))), options)
}
