/**
 * A fake ElevenLabs, typed by the adapter's own wire schemas (`src/Wire.ts`): the one place that
 * writes ElevenLabs' responses for the CLI's demo cassettes and the benchmark over real HTTP.
 *
 * - Bodies: builders bound to the `Wire.ts` schemas — typed by each schema's encoded form (extra
 *   fields the adapter does not read are allowed) and decoded on the way out.
 * - Routes: {@link routes} answers `POST /v1/speech-to-text` and
 *   `POST /v1/text-to-speech/{voice_id}[/stream][/with-timestamps]` from a {@link Script} with
 *   paced bodies; {@link serve} puts them on a loopback server for the SDK (`baseUrl`).
 *
 * @since 0.1.0
 */
import { type Loopback, type Pace, pacedBody, piecesOf, serveLoopback, sleepUntil } from "@patchbay/conformance"
import { Schema } from "effect"
import * as Wire from "../../src/Wire.ts"

// ---------------------------------------------------------------------------------------------
// Bodies, checked against the adapter's schemas
// ---------------------------------------------------------------------------------------------

/** A wire shape that also admits fields the adapter does not read, at any depth. */
export type Open<T> = T extends ReadonlyArray<infer E> ? ReadonlyArray<Open<E>>
  : T extends object ? { readonly [K in keyof T]: Open<T[K]> } & { readonly [key: string]: unknown }
  : T

const checked = <S extends Schema.Codec<unknown, unknown, never, never>>(schema: S) => {
  const decode = Schema.decodeUnknownSync(schema)
  return <const B extends Open<S["Encoded"]>>(body: B): B => {
    decode(body)
    return body
  }
}

/** `POST /v1/speech-to-text` (`SpeechToTextChunkResponseModel`). */
export const sttResponse = checked(Wire.SttResponse)
/** A `/with-timestamps` body, or one NDJSON line of `/stream/with-timestamps`. */
export const audioWithTimestamps = checked(Wire.AudioWithTimestamps)
/** `{ detail: … }`, every error body. */
export const errorBody = checked(Wire.ErrorBody)

// ---------------------------------------------------------------------------------------------
// Routes, live
// ---------------------------------------------------------------------------------------------

/** What the fake answers: the words of uploads and speech for texts. */
export interface Script {
  /** The words of an upload and its duration in seconds. */
  readonly heard: (file: Uint8Array | undefined) => Promise<{ readonly text: string; readonly duration: number }>
  /** Timed words of a transcript. */
  readonly timings: (text: string, duration: number) => ReadonlyArray<{ readonly word: string; readonly start: number; readonly end: number }>
  /** Speech for a text in a voice and `output_format` (`mp3_44100_128`), with its duration. */
  readonly speak: (text: string, voice: string, outputFormat: string) => Promise<{ readonly bytes: Uint8Array; readonly duration: number }>
  /** A fresh id with the prefix (`synth_el_tts_0001`). */
  readonly id: (prefix: string) => string
  /** The pace of each route's body (`stt`: `firstMs` before the answer). */
  readonly pace: (route: "stt" | "tts") => Pace
  /** The pieces a streamed speech body is cut into (default 3). */
  readonly speechParts?: number | undefined
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64")

/** The media type ElevenLabs sends for an `output_format` (by its codec, the part before `_`). */
export const speechMediaType = (outputFormat: string): string =>
  ({ mp3: "audio/mpeg", wav: "audio/wav", pcm: "audio/pcm", opus: "audio/ogg", ulaw: "audio/basic", alaw: "audio/x-alaw-basic" })[outputFormat.split("_")[0] ?? ""] ??
    "application/octet-stream"

const stt = async (script: Script, request: Request): Promise<Response> => {
  const form = await request.formData()
  const start = performance.now()
  let file: Uint8Array | undefined
  for (const [, value] of form.entries()) if (typeof value !== "string") file = new Uint8Array(await value.arrayBuffer())
  const field = (name: string) => {
    const value = form.get(name)
    return typeof value === "string" ? value : undefined
  }
  const audio = await script.heard(file)
  const diarize = field("diarize") === "true"
  const granularity = field("timestamps_granularity") ?? "word"
  const speaker = diarize ? { speaker_id: "speaker_0" } : { speaker_id: null }
  const timed = script.timings(audio.text, audio.duration)
  const words = granularity === "none"
    ? []
    : timed.flatMap((w, i) => [
      { text: w.word, start: w.start, end: w.end, type: "word", ...speaker, logprob: -0.08 },
      ...(i === timed.length - 1 ? [] : [{ text: " ", start: w.end, end: timed[i + 1]?.start ?? w.end, type: "spacing", ...speaker, logprob: 0 }])
    ])
  await sleepUntil(start + script.pace("stt").firstMs)
  return json(200, sttResponse({
    language_code: "eng",
    language_probability: 0.98,
    text: audio.text,
    words,
    transcription_id: script.id("synth_transcription_"),
    audio_duration_secs: audio.duration
  }), { "request-id": script.id("synth_el_stt_") })
}

const tts = async (script: Script, request: Request, url: URL): Promise<Response> => {
  const match = /^\/v1\/text-to-speech\/([^/]+)(\/stream)?(\/with-timestamps)?$/.exec(url.pathname)
  const voice = match?.[1] ?? "voice"
  const streaming = match?.[2] !== undefined
  const timestamps = match?.[3] !== undefined
  const body = (await request.json()) as Record<string, unknown>
  const start = performance.now()
  const text = String(body["text"] ?? "")
  const format = url.searchParams.get("output_format") ?? "mp3_44100_128"
  const spoken = await script.speak(text, voice, format)
  const headers = { "request-id": script.id("synth_el_tts_"), "character-cost": String(text.length), "history-item-id": script.id("synth_history_") }
  const chunks = piecesOf(spoken.bytes, streaming ? script.speechParts ?? 3 : 1)
  const pace = script.pace("tts")
  if (!timestamps) return new Response(pacedBody(chunks, pace, start), { status: 200, headers: { "content-type": speechMediaType(format), ...headers } })
  const characters = [...text]
  const per = spoken.duration / Math.max(1, characters.length)
  const alignment = (from: number, to: number) => ({
    characters: characters.slice(from, to),
    character_start_times_seconds: characters.slice(from, to).map((_, i) => Math.round((from + i) * per * 1000) / 1000),
    character_end_times_seconds: characters.slice(from, to).map((_, i) => Math.round((from + i + 1) * per * 1000) / 1000)
  })
  if (!streaming) {
    await sleepUntil(start + pace.firstMs)
    return json(200, audioWithTimestamps({ audio_base64: base64(spoken.bytes), alignment: alignment(0, characters.length), normalized_alignment: alignment(0, characters.length) }), headers)
  }
  const step = Math.ceil(characters.length / chunks.length)
  const lines = chunks.map((c, i) =>
    `${JSON.stringify(audioWithTimestamps({ audio_base64: base64(c), alignment: alignment(i * step, (i + 1) * step), normalized_alignment: alignment(i * step, (i + 1) * step) }))}\n`
  )
  return new Response(pacedBody(lines, pace, start), { status: 200, headers: { "content-type": "application/json", ...headers } })
}

/**
 * ElevenLabs' routes from a script: a handler for requests under any origin whose path is
 * `/v1/speech-to-text` or `/v1/text-to-speech/…`; `undefined` for any other path.
 *
 * @category constructors
 */
export const routes = (script: Script) => (request: Request): Promise<Response> | undefined => {
  if (request.method !== "POST") return undefined
  const url = new URL(request.url)
  if (url.pathname === "/v1/speech-to-text") return stt(script, request)
  if (url.pathname.startsWith("/v1/text-to-speech/")) return tts(script, request, url)
  return undefined
}

/** The 404 of a path the fake does not serve, in ElevenLabs' envelope. */
export const notFound = (url: URL): Response =>
  json(404, errorBody({ detail: { status: "not_found", message: `the fake has no ${url.pathname}` } }))

/**
 * The routes on a loopback server (`port` 0: any free one); point the SDK's `baseUrl` at `url`.
 *
 * @category constructors
 */
export const serve = (script: Script, options: { readonly port?: number } = {}): Promise<Loopback> => {
  const handle = routes(script)
  return serveLoopback((request) => handle(request) ?? Promise.resolve(notFound(new URL(request.url))), options)
}
