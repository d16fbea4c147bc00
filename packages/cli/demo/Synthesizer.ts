/**
 * A synthesizing upstream: a `fetch` that answers the vendor endpoints the demo reaches the way
 * the vendors' published specs (`reference/*-openapi.*`) and WIRE-FORMATS.md describe them —
 * without a network and without a key. It is what `make-cassettes.ts` records the demo's
 * cassettes from, so the cassettes hold exactly what the real adapters send. The wire format is
 * each adapter's own fake upstream (`adapters/<vendor>/test/support/FakeUpstream.ts`, typed by
 * its `Wire.ts`); this module gives them the demo's script: real speech by espeak-ng and ffmpeg,
 * the words of the known question, the scripted model's replies, and the PNGs of `Picture.ts`.
 *
 * - OpenAI `POST /v1/audio/transcriptions` → `json` / `verbose_json` / `text` / `diarized_json`,
 *   or `transcript.text.delta` events with `stream=true`; the transcript of a known upload.
 * - OpenAI `POST /v1/audio/speech` → real speech for the text (espeak-ng, then ffmpeg to the
 *   requested `response_format` at 24 kHz), chunked, or as `speech.audio.delta` events.
 * - OpenAI `POST /v1/chat/completions` → scripted `chat.completion.chunk` SSE (text, or the
 *   `generate_image` tool call of the seed's image flow; the memory section's facts and
 *   decisions as JSON), usage last, then `[DONE]`.
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
import { Audio, type LlmRequest } from "@patchbay/core"
import { memoryStep } from "@patchbay/core/testing"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import * as ElevenLabs from "../../../adapters/elevenlabs/test/support/FakeUpstream.ts"
import * as OpenAI from "../../../adapters/openai/test/support/FakeUpstream.ts"
import * as OpenRouter from "../../../adapters/openrouter/test/support/FakeUpstream.ts"
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

/**
 * The memory section's replies: the facts of its first turn (the memory LLM's extraction), the
 * decisions on them (each added: the scope holds nothing yet), and the two turns themselves —
 * the second one answering from the memories it was given in its system message.
 */
const memoryScript = (messages: ReadonlyArray<{ readonly role?: unknown; readonly content?: unknown }>, lastUser: string): Scripted | undefined => {
  const system = messages.filter((m) => m.role === "system").map((m) => textOf(m.content)).join("\n")
  const request = { model: "", messages: messages.map((m) => ({ role: String(m.role), content: textOf(m.content) })) } as unknown as LlmRequest
  const step = memoryStep(request)
  if (step === "extraction") {
    return { text: JSON.stringify({ facts: /moved to Oslo/.test(lastUser) ? ["Lives in Oslo", "Loves hiking"] : [] }) }
  }
  if (step === "update") {
    const input = JSON.parse(lastUser) as { readonly new_facts: ReadonlyArray<string> }
    return { text: JSON.stringify({ memory: input.new_facts.map((text) => ({ event: "ADD", text })) }) }
  }
  if (/moved to Oslo/.test(lastUser)) return { text: "Welcome to Oslo! I will keep that in mind." }
  if (/this weekend/.test(lastUser)) {
    return {
      text: /- Lives in Oslo/.test(system) && /- Loves hiking/.test(system)
        ? "Since you love hiking: take the metro to Frognerseteren and walk the trails of Nordmarka, right at the edge of Oslo."
        : "Tell me where you live and what you enjoy, and I will suggest something."
    }
  }
  return undefined
}

/** The demo's replies, by the conversation: the answers of the seed's examples. */
export const script = (messages: ReadonlyArray<{ readonly role?: unknown; readonly content?: unknown }>, tools: ReadonlyArray<unknown>): Scripted => {
  const last = messages.at(-1)
  const lastUser = textOf([...messages].reverse().find((m) => m.role === "user")?.content)
  const remembered = memoryScript(messages, lastUser)
  if (remembered !== undefined) return remembered
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
// The upstream: each vendor's fake (beside its adapter's tests), answering from these scripts
// ---------------------------------------------------------------------------------------------

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
  const pace = () => ({ firstMs: 0, intervalMs: delay })

  const openai = OpenAI.routes({
    heard,
    timings,
    speak: (text, voice, format) => speak(text, voice, { codec: format as Encoding["codec"], rate: 24000 }),
    answer: script,
    id: next,
    created: CREATED,
    pace
  })
  const elevenlabs = ElevenLabs.routes({
    heard,
    timings,
    speak: (text, voice, format) => {
      const [codec = "mp3", rate = "44100", bitrate] = format.split("_")
      return speak(text, voice, { codec: codec as Encoding["codec"], rate: Number(rate), ...(bitrate === undefined ? {} : { bitrate: Number(bitrate) }) })
    },
    id: next,
    pace
  })
  const openrouter = OpenRouter.routes({ picture: garden, id: next, created: CREATED, intervalMs: delay })

  return (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    const answered = url.host === "api.openai.com"
      ? openai(request)
      : url.host === "api.elevenlabs.io"
      ? elevenlabs(request)
      : url.host === "openrouter.ai"
      ? openrouter(request)
      : undefined
    return answered ?? OpenAI.notFound(url)
  }) as typeof fetch
}
