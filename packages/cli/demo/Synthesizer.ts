/**
 * A synthesizing upstream: a `fetch` that answers the vendor endpoints the demo reaches the way
 * the vendors' published specs (`reference/*-openapi.*`) and WIRE-FORMATS.md describe them —
 * without a network and without a key. It is what `make-cassettes.ts` records the demo's
 * cassettes from, so the cassettes hold exactly what the real adapters send.
 *
 * - OpenAI `POST /v1/audio/transcriptions` → `json` / `verbose_json` / `text` / `diarized_json`,
 *   or `transcript.text.delta` events with `stream=true`; the transcript of a known upload.
 * - OpenAI `POST /v1/audio/speech` → real speech for the text (espeak-ng, then ffmpeg to the
 *   requested `response_format` at 24 kHz), chunked, or as `speech.audio.delta` events.
 * - OpenAI `POST /v1/chat/completions` → scripted `chat.completion.chunk` SSE (text, or the
 *   `generate_image` tool call of the seed's image flow), usage last, then `[DONE]`.
 * - ElevenLabs `POST /v1/speech-to-text` → the transcript with timed words and spacing.
 * - ElevenLabs `POST /v1/text-to-speech/{voice_id}[/stream][/with-timestamps]` → speech in the
 *   `output_format` of the query, raw or with character alignment (JSON or NDJSON).
 * - OpenRouter `POST /api/v1/chat/completions` with `modalities` → a real PNG as a `data:` URL in
 *   `message.images` (or `delta.images` when streamed); `POST /api/v1/images` → `b64_json`.
 *
 * Everything else answers 404 with the vendor's error envelope.
 *
 * @since 0.1.0
 */
import { Audio } from "@patchbay/core"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import { garden } from "./Picture.ts"

const run = promisify(execFile)

/** An upload the synthesizer knows the words of. */
export interface KnownAudio {
  readonly sha256: string
  readonly text: string
  readonly duration: number
}

/** Options of {@link synthesizer}. */
export interface SynthesizerOptions {
  /** Uploads whose transcripts are known (the demo's question). */
  readonly known: ReadonlyArray<KnownAudio>
  /** Milliseconds between streamed chunks (default 40). */
  readonly delayMs?: number | undefined
}

/** The sha256 of bytes, hex. */
export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

/** A fixed `created` time (2026-11-26T00:00:00Z), so cassettes do not change on every run. */
const CREATED = 1795651200

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const encoder = new TextEncoder()

/** A body written part by part, `delayMs` apart. */
const paced = (parts: ReadonlyArray<Uint8Array | string>, delayMs: number): ReadableStream<Uint8Array> => {
  let i = 0
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      if (i >= parts.length) return controller.close()
      if (i > 0) await sleep(delayMs)
      const part = parts[i++] ?? ""
      controller.enqueue(typeof part === "string" ? encoder.encode(part) : part)
    }
  })
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

const sse = (events: ReadonlyArray<unknown>, delayMs: number, headers: Record<string, string>, done: boolean): Response =>
  new Response(
    paced([...events.map((e) => `data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`), ...(done ? ["data: [DONE]\n\n"] : [])], delayMs),
    { status: 200, headers: { "content-type": "text/event-stream", ...headers } }
  )

/** Cuts bytes into `n` nearly equal pieces. */
const pieces = (bytes: Uint8Array, n: number): Array<Uint8Array> => {
  const size = Math.max(1, Math.ceil(bytes.byteLength / n))
  const out: Array<Uint8Array> = []
  for (let at = 0; at < bytes.byteLength; at += size) out.push(bytes.subarray(at, Math.min(bytes.byteLength, at + size)))
  return out
}

/** Word tokens that keep their leading space: "Hi there" → ["Hi", " there"]. */
const tokens = (text: string): Array<string> => text.match(/\s*\S+/g) ?? []

// ---------------------------------------------------------------------------------------------
// Speech: espeak-ng, then ffmpeg
// ---------------------------------------------------------------------------------------------

/** An audio encoding: a codec family, a sample rate, and a bitrate (kbit/s) where it has one. */
export interface Encoding {
  readonly codec: "mp3" | "wav" | "pcm" | "opus" | "flac" | "aac" | "ulaw" | "alaw"
  readonly rate: number
  readonly bitrate?: number | undefined
}

const ffmpegArgs = (e: Encoding): { readonly ext: string; readonly args: ReadonlyArray<string> } => {
  const common = ["-ac", "1", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]
  switch (e.codec) {
    case "mp3":
      return { ext: "mp3", args: [...common, "-ar", String(e.rate), "-c:a", "libmp3lame", "-b:a", `${e.bitrate ?? 16}k`] }
    case "wav":
      return { ext: "wav", args: [...common, "-ar", String(e.rate), "-c:a", "pcm_s16le"] }
    case "pcm":
      return { ext: "pcm", args: [...common, "-ar", String(e.rate), "-f", "s16le"] }
    case "opus":
      return { ext: "ogg", args: [...common, "-ar", "48000", "-c:a", "libopus", "-b:a", `${e.bitrate ?? 24}k`] }
    case "flac":
      return { ext: "flac", args: [...common, "-ar", String(e.rate)] }
    case "aac":
      return { ext: "aac", args: [...common, "-ar", String(e.rate), "-c:a", "aac", "-b:a", "32k", "-f", "adts"] }
    case "ulaw":
      return { ext: "ulaw", args: [...common, "-ar", "8000", "-f", "mulaw"] }
    case "alaw":
      return { ext: "alaw", args: [...common, "-ar", "8000", "-f", "alaw"] }
  }
}

/** Media types the vendors send for each family: the usual ones, but `audio/pcm` for raw PCM. */
export const mediaTypeOf = (codec: Encoding["codec"]): string =>
  codec === "pcm" ? "audio/pcm" : Audio.mediaTypeOfFormat(codec)

/** espeak-ng voices standing in for the vendors' voices, picked by the voice's name. */
const espeakVoices = ["en-us", "en-us+f3", "en-gb", "en-us+m3", "en-gb+f2", "en-us+f4"] as const

const espeakVoiceOf = (voice: string): string => espeakVoices[createHash("md5").update(voice).digest()[0]! % espeakVoices.length] ?? "en-us"

/** Speech for a text: its bytes in the encoding, and its duration in seconds. */
export interface Spoken {
  readonly bytes: Uint8Array
  readonly duration: number
}

const spokenCache = new Map<string, Promise<Spoken>>()

/** Speaks `text` with espeak-ng in a voice chosen by `voice`, encoded by ffmpeg. */
export const speak = (text: string, voice: string, encoding: Encoding): Promise<Spoken> => {
  const key = JSON.stringify([text, voice, encoding])
  const cached = spokenCache.get(key)
  if (cached !== undefined) return cached
  const made = (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "patchbay-synth-"))
    try {
      const wav = path.join(dir, "speech.wav")
      await run("espeak-ng", ["-v", espeakVoiceOf(voice), "-s", "175", "-w", wav, text])
      const raw = readFileSync(wav)
      const rate = raw.readUInt32LE(24)
      const duration = (raw.byteLength - 44) / (rate * 2)
      const { ext, args } = ffmpegArgs(encoding)
      const out = path.join(dir, `speech.${ext}`)
      await run("ffmpeg", ["-v", "error", "-y", "-i", wav, ...args, out])
      return { bytes: new Uint8Array(readFileSync(out)), duration }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })()
  spokenCache.set(key, made)
  return made
}

/** Writes `text` as speech to a file with espeak-ng and ffmpeg (the demo's question). */
export const speakToFile = async (text: string, file: string, encoding: Encoding, voice = "en-us"): Promise<void> => {
  const spoken = await speak(text, voice, encoding)
  writeFileSync(file, spoken.bytes)
}

/** The duration of an audio file's bytes, measured by core's `Audio.probe`. */
export const durationOf = (bytes: Uint8Array): Promise<number> =>
  Effect.runPromise(Audio.probe(bytes)).then((info) => info.duration_seconds)

/** Evenly spread word timings over the speech (a synthesized stand-in for the vendor's). */
const timings = (text: string, duration: number): Array<{ readonly word: string; readonly start: number; readonly end: number }> => {
  const words = text.split(/\s+/).filter((w) => w !== "")
  const start = Math.min(0.1, duration / 10)
  const span = Math.max(0.1, duration - 2 * start)
  const round = (n: number) => Math.round(n * 1000) / 1000
  return words.map((word, i) => ({ word, start: round(start + (span * i) / words.length), end: round(start + (span * (i + 1)) / words.length) }))
}

// ---------------------------------------------------------------------------------------------
// Language model scripts
// ---------------------------------------------------------------------------------------------

/** What the scripted model answers: text, or one tool call. */
export type Scripted =
  | { readonly text: string }
  | { readonly tool: { readonly name: string; readonly arguments: Record<string, unknown> } }

const textOf = (content: unknown): string => {
  if (typeof content === "string") return content
  if (Array.isArray(content)) {
    return content.map((p) => (typeof p === "object" && p !== null && "text" in p && typeof p.text === "string" ? p.text : "")).join("")
  }
  return ""
}

/** The demo's replies, by the conversation: the answers of the seed's examples. */
export const script = (messages: ReadonlyArray<{ readonly role?: unknown; readonly content?: unknown }>, tools: ReadonlyArray<unknown>): Scripted => {
  const last = messages.at(-1)
  const lastUser = textOf([...messages].reverse().find((m) => m.role === "user")?.content)
  const drawing = tools.some((t) => typeof t === "object" && t !== null && JSON.stringify(t).includes("generate_image"))
  if (drawing) {
    const editing = /document_id\s+(doc_[A-Za-z0-9_-]+)/.exec(lastUser)
    if (last?.role === "tool") {
      return {
        text: editing === null
          ? "Here is your image: a tiny red robot watering a sunflower in a sunny garden."
          : "Done: the robot is blue now, and a small crescent moon hangs in the sky."
      }
    }
    return editing === null
      ? { tool: { name: "generate_image", arguments: { prompt: "A square image of a tiny red robot watering a sunflower in a sunny garden." } } }
      : {
        tool: {
          name: "generate_image",
          arguments: { prompt: "Make the robot blue and add a small crescent moon in the sky.", input_image_document_id: editing[1] }
        }
      }
  }
  if (/tallest mountain/i.test(lastUser)) {
    return { text: "Mount Everest. It rises 8,849 metres." }
  }
  if (/hello/i.test(lastUser)) return { text: "Hello, nice to meet you!" }
  return { text: "I heard you, and I am happy to help." }
}

// ---------------------------------------------------------------------------------------------
// The upstream
// ---------------------------------------------------------------------------------------------

/** Reads a request's multipart fields, with the sha256 and bytes of file parts. */
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

/**
 * Builds the synthesizing upstream.
 *
 * @category constructors
 */
export const synthesizer = (options: SynthesizerOptions): typeof fetch => {
  const delay = options.delayMs ?? 40
  const counters = new Map<string, number>()
  const next = (prefix: string) => {
    const n = (counters.get(prefix) ?? 0) + 1
    counters.set(prefix, n)
    return `${prefix}${String(n).padStart(4, "0")}`
  }
  const heard = async (file: Uint8Array | undefined): Promise<KnownAudio> => {
    const hash = file === undefined ? "" : sha256(file)
    const known = options.known.find((k) => k.sha256 === hash)
    if (known !== undefined) return known
    return { sha256: hash, text: "(the synthesizer does not know the words of this audio)", duration: file === undefined ? 0 : await durationOf(file).catch(() => 0) }
  }

  // OpenAI ---------------------------------------------------------------------------------
  const openaiTranscription = async (request: Request): Promise<Response> => {
    const form = await formOf(request)
    const audio = await heard(form.file)
    const model = form.get("model") ?? "whisper-1"
    const format = form.get("response_format") ?? "json"
    const headers = { "x-request-id": next("req_synth_stt_") }
    const words = timings(audio.text, audio.duration)
    const tokenUsage = {
      type: "tokens",
      input_tokens: Math.ceil(audio.duration * 10),
      input_token_details: { text_tokens: 0, audio_tokens: Math.ceil(audio.duration * 10) },
      output_tokens: tokens(audio.text).length,
      total_tokens: Math.ceil(audio.duration * 10) + tokens(audio.text).length
    }
    const usage = model === "whisper-1" || model.includes("diarize") ? { type: "duration", seconds: Math.ceil(audio.duration) } : tokenUsage
    if (form.get("stream") === "true" && model !== "whisper-1") {
      const deltas = tokens(audio.text).map((delta) => ({ type: "transcript.text.delta", delta }))
      return sse([...deltas, { type: "transcript.text.done", text: audio.text, usage }], delay, headers, false)
    }
    switch (format) {
      case "text":
        return new Response(`${audio.text}\n`, { headers: { "content-type": "text/plain; charset=utf-8", ...headers } })
      case "verbose_json": {
        const granularities = form.all("timestamp_granularities[]")
        const end = words.at(-1)?.end ?? audio.duration
        return json(200, {
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
        }, headers)
      }
      case "diarized_json":
        return json(200, {
          task: "transcribe",
          duration: audio.duration,
          text: audio.text,
          segments: [{ type: "transcript.text.segment", id: "seg_001", start: words[0]?.start ?? 0, end: words.at(-1)?.end ?? audio.duration, text: audio.text, speaker: "A" }],
          usage
        }, headers)
      default:
        return json(200, { text: audio.text, usage }, headers)
    }
  }

  const openaiSpeech = async (request: Request): Promise<Response> => {
    const body = (await request.json()) as Record<string, unknown>
    const text = String(body["input"] ?? "")
    const voice = typeof body["voice"] === "string" ? body["voice"] : JSON.stringify(body["voice"])
    const codec = String(body["response_format"] ?? "mp3") as Encoding["codec"]
    const spoken = await speak(text, voice, { codec, rate: 24000 })
    const headers = { "x-request-id": next("req_synth_tts_") }
    const chunks = pieces(spoken.bytes, 3)
    if (body["stream_format"] === "sse") {
      const input = Math.ceil(text.length / 4)
      const output = Math.ceil(spoken.duration * 20)
      return sse([
        ...chunks.map((c) => ({ type: "speech.audio.delta", audio: Buffer.from(c).toString("base64") })),
        { type: "speech.audio.done", usage: { input_tokens: input, output_tokens: output, total_tokens: input + output } }
      ], delay, headers, false)
    }
    return new Response(paced(chunks, delay), { status: 200, headers: { "content-type": mediaTypeOf(codec), ...headers } })
  }

  const openaiChat = async (request: Request): Promise<Response> => {
    const body = (await request.json()) as Record<string, unknown>
    const messages = (body["messages"] ?? []) as ReadonlyArray<{ role?: unknown; content?: unknown }>
    const answer = script(messages, (body["tools"] ?? []) as ReadonlyArray<unknown>)
    const model = String(body["model"] ?? "gpt-4.1")
    const id = next("chatcmpl-synth")
    const headers = { "x-request-id": next("req_synth_chat_") }
    const promptTokens = Math.ceil(JSON.stringify(messages).length / 4)
    const base = { id, object: "chat.completion.chunk", created: CREATED, model }
    const includeUsage = typeof body["stream_options"] === "object" && body["stream_options"] !== null &&
      (body["stream_options"] as Record<string, unknown>)["include_usage"] === true
    const chunk = (delta: unknown, finish: string | null) => ({
      ...base,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {})
    })
    let completion: number
    let events: Array<unknown>
    let message: Record<string, unknown>
    if ("text" in answer) {
      const parts = tokens(answer.text)
      completion = parts.length
      events = [chunk({ role: "assistant", content: "", refusal: null }, null), ...parts.map((t) => chunk({ content: t }, null)), chunk({}, "stop")]
      message = { role: "assistant", content: answer.text, refusal: null, annotations: [] }
    } else {
      const args = JSON.stringify(answer.tool.arguments)
      const callId = next("call_synth")
      const argPieces = args.match(/.{1,24}/g) ?? [args]
      completion = Math.ceil(args.length / 4) + 5
      events = [
        chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: callId, type: "function", function: { name: answer.tool.name, arguments: "" } }], refusal: null }, null),
        ...argPieces.map((p) => chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] }, null)),
        chunk({}, "tool_calls")
      ]
      message = { role: "assistant", content: null, tool_calls: [{ id: callId, type: "function", function: { name: answer.tool.name, arguments: args } }], refusal: null, annotations: [] }
    }
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completion,
      total_tokens: promptTokens + completion,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 }
    }
    if (body["stream"] !== true) {
      return json(200, {
        id,
        object: "chat.completion",
        created: CREATED,
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: "text" in answer ? "stop" : "tool_calls" }],
        usage,
        system_fingerprint: "fp_synth",
        service_tier: "default"
      }, headers)
    }
    if (includeUsage) events.push({ ...base, choices: [], usage })
    return sse(events, delay, headers, true)
  }

  // ElevenLabs -----------------------------------------------------------------------------
  const elevenlabsStt = async (request: Request): Promise<Response> => {
    const form = await formOf(request)
    const audio = await heard(form.file)
    const diarize = form.get("diarize") === "true"
    const granularity = form.get("timestamps_granularity") ?? "word"
    const speaker = diarize ? { speaker_id: "speaker_0" } : { speaker_id: null }
    const timed = timings(audio.text, audio.duration)
    const words = granularity === "none"
      ? []
      : timed.flatMap((w, i) => [
        { text: w.word, start: w.start, end: w.end, type: "word", ...speaker, logprob: -0.08 },
        ...(i === timed.length - 1 ? [] : [{ text: " ", start: w.end, end: timed[i + 1]?.start ?? w.end, type: "spacing", ...speaker, logprob: 0 }])
      ])
    return json(200, {
      language_code: "eng",
      language_probability: 0.98,
      text: audio.text,
      words,
      transcription_id: next("synth_transcription_"),
      audio_duration_secs: audio.duration
    }, { "request-id": next("synth_el_stt_") })
  }

  const elevenlabsTts = async (request: Request, url: URL): Promise<Response> => {
    const match = /^\/v1\/text-to-speech\/([^/]+)(\/stream)?(\/with-timestamps)?$/.exec(url.pathname)
    const voice = match?.[1] ?? "voice"
    const streaming = match?.[2] !== undefined
    const timestamps = match?.[3] !== undefined
    const body = (await request.json()) as Record<string, unknown>
    const text = String(body["text"] ?? "")
    const format = url.searchParams.get("output_format") ?? "mp3_44100_128"
    const [codec = "mp3", rate = "44100", bitrate] = format.split("_")
    const encoding: Encoding = { codec: codec as Encoding["codec"], rate: Number(rate), ...(bitrate === undefined ? {} : { bitrate: Number(bitrate) }) }
    const spoken = await speak(text, voice, encoding)
    const headers = { "request-id": next("synth_el_tts_"), "character-cost": String(text.length), "history-item-id": next("synth_history_") }
    const chunks = pieces(spoken.bytes, streaming ? 3 : 1)
    if (!timestamps) return new Response(paced(chunks, delay), { status: 200, headers: { "content-type": mediaTypeOf(encoding.codec), ...headers } })
    const characters = [...text]
    const per = spoken.duration / Math.max(1, characters.length)
    const alignment = (from: number, to: number) => ({
      characters: characters.slice(from, to),
      character_start_times_seconds: characters.slice(from, to).map((_, i) => Math.round((from + i) * per * 1000) / 1000),
      character_end_times_seconds: characters.slice(from, to).map((_, i) => Math.round((from + i + 1) * per * 1000) / 1000)
    })
    if (!streaming) {
      return json(200, { audio_base64: Buffer.from(spoken.bytes).toString("base64"), alignment: alignment(0, characters.length), normalized_alignment: alignment(0, characters.length) }, headers)
    }
    const step = Math.ceil(characters.length / chunks.length)
    const lines = chunks.map((c, i) =>
      `${JSON.stringify({ audio_base64: Buffer.from(c).toString("base64"), alignment: alignment(i * step, (i + 1) * step), normalized_alignment: alignment(i * step, (i + 1) * step) })}\n`
    )
    return new Response(paced(lines, delay), { status: 200, headers: { "content-type": "application/json", ...headers } })
  }

  // OpenRouter -----------------------------------------------------------------------------
  const wantsEdit = (value: unknown): boolean => /image_url|input_references|data:image\//.test(JSON.stringify(value)) || /\bblue\b/i.test(JSON.stringify(value))

  const openrouterChat = async (request: Request): Promise<Response> => {
    const body = (await request.json()) as Record<string, unknown>
    const model = String(body["model"] ?? "")
    const id = next("gen-synth-")
    const edited = wantsEdit(body["messages"])
    const png = garden(edited)
    const image = { type: "image_url", image_url: { url: `data:image/png;base64,${Buffer.from(png).toString("base64")}` } }
    const content = edited ? "Here is the robot, now blue, under a crescent moon." : "Here is a tiny red robot watering a sunflower."
    const promptTokens = Math.ceil(JSON.stringify(body["messages"] ?? []).length / 4)
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: 1290,
      total_tokens: promptTokens + 1290,
      cost: 0.039,
      is_byok: false,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, image_tokens: 1290 },
      cost_details: { upstream_inference_cost: null, upstream_inference_prompt_cost: 0, upstream_inference_completions_cost: 0.039 }
    }
    const headers = { "x-generation-id": id }
    if (body["stream"] === true) {
      const base = { id, provider: "Google", model, object: "chat.completion.chunk", created: CREATED }
      return sse([
        { ...base, choices: [{ index: 0, delta: { role: "assistant", content }, finish_reason: null, native_finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "", images: [image] }, finish_reason: null, native_finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: "stop", native_finish_reason: "STOP" }], usage }
      ], delay, headers, true)
    }
    return json(200, {
      id,
      provider: "Google",
      model,
      object: "chat.completion",
      created: CREATED,
      choices: [{ index: 0, logprobs: null, finish_reason: "stop", native_finish_reason: "STOP", message: { role: "assistant", content, refusal: null, reasoning: null, images: [image] } }],
      usage
    }, headers)
  }

  const openrouterImages = async (request: Request): Promise<Response> => {
    const body = (await request.json()) as Record<string, unknown>
    const png = garden(wantsEdit(body))
    return json(200, {
      created: CREATED,
      data: [{ b64_json: Buffer.from(png).toString("base64"), media_type: "image/png" }],
      usage: { prompt_tokens: 20, completion_tokens: 1290, total_tokens: 1310, cost: 0.039 }
    }, { "x-generation-id": next("gen-synth-") })
  }

  const notFound = (url: URL) =>
    json(404, { error: { message: `the synthesizer has no ${url.pathname}`, type: "invalid_request_error", param: null, code: "not_found" } })

  return (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    const route = `${request.method} ${url.host}${url.pathname}`
    switch (true) {
      case route === "POST api.openai.com/v1/audio/transcriptions":
        return openaiTranscription(request)
      case route === "POST api.openai.com/v1/audio/speech":
        return openaiSpeech(request)
      case route === "POST api.openai.com/v1/chat/completions":
        return openaiChat(request)
      case route === "POST api.elevenlabs.io/v1/speech-to-text":
        return elevenlabsStt(request)
      case route.startsWith("POST api.elevenlabs.io/v1/text-to-speech/"):
        return elevenlabsTts(request, url)
      case route === "POST openrouter.ai/api/v1/chat/completions":
        return openrouterChat(request)
      case route === "POST openrouter.ai/api/v1/images":
        return openrouterImages(request)
      default:
        return notFound(url)
    }
  }) as typeof fetch
}
