/**
 * Text to speech on espeak-ng. The text goes to `espeak-ng --stdout` on stdin, and the WAV it
 * writes (22,050 Hz, mono, 16-bit) streams back as it is synthesized: as it is (`wav_22050`),
 * without its header (`pcm_22050`), or piped through ffmpeg into mp3 or Ogg Opus, also as it is
 * encoded. FLAC is encoded into a temporary file and sent when it is complete, because its header
 * carries the length. Voices are checked against `espeak-ng --voices` (once per provider) before
 * anything is synthesized. Interrupting the call kills espeak-ng and ffmpeg.
 *
 * @since 0.1.0
 */
import {
  type AudioChunk,
  InvalidRequest,
  Language,
  mediaTypeOfOutputFormat,
  type OutputFormat,
  type ProviderError,
  resolveOutputFormat,
  type SpeechSummary,
  type TtsProvider,
  type TtsRequest,
  type TtsSpec,
  UnknownModel,
  UnsupportedFormat
} from "@patchbay/core"
import { Effect, Stream } from "effect"
import * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { encodedFormats, modelsOf, VOICE_PATTERN } from "./Models.ts"
import { decode, TtsOptions } from "./Options.ts"
import * as Programs from "./Programs.ts"
import { parseVariants, parseVoices, type Variant, type Voice } from "./Wire.ts"

const ttsModels = modelsOf("tts")
const voiceSyntax = new RegExp(VOICE_PATTERN)

/** The voices and variants of the installed espeak-ng. @category models */
export interface Voices {
  readonly voices: ReadonlyArray<Voice>
  readonly variants: ReadonlyArray<Variant>
}

/**
 * The pure hook: the model, the voice's syntax, the output format, the voice's language against
 * `language`, and the options. Succeeds with the resolved output format.
 */
export const validate = (spec: TtsSpec): Effect.Effect<OutputFormat, InvalidRequest | UnknownModel | UnsupportedFormat> =>
  Effect.gen(function*() {
    const model = ttsModels.find((m) => m.id === spec.model)
    if (model === undefined) {
      return yield* new UnknownModel({ provider: Programs.PROVIDER, model: spec.model, field: "voice.tts.model", allowed: ttsModels.map((m) => m.id) })
    }
    if (!voiceSyntax.test(spec.voice)) {
      return yield* new InvalidRequest({
        provider: Programs.PROVIDER,
        field: "voice.tts.voice",
        value: spec.voice,
        allowed: [...(model.voices?.ids ?? []), `/${VOICE_PATTERN}/`],
        reason: "an espeak-ng voice is a language tag from `espeak-ng --voices`, optionally with +variant"
      })
    }
    const format = resolveOutputFormat(model, spec.output_format)
    if (format === undefined) {
      return yield* new UnsupportedFormat({
        provider: Programs.PROVIDER,
        model: model.id,
        field: "voice.tts.output_format",
        format: spec.output_format ?? "(default)",
        allowed: (model.output_formats ?? []).map((f) => f.id)
      })
    }
    const spoken = Language.toIso6391(spec.voice.split("+")[0])
    if (spec.language !== undefined && spoken !== null && spoken !== spec.language) {
      return yield* new InvalidRequest({
        provider: Programs.PROVIDER,
        field: "voice.tts.language",
        value: spec.language,
        allowed: [spoken],
        reason: `the voice ${JSON.stringify(spec.voice)} speaks ${spoken}`
      })
    }
    yield* decode(TtsOptions, spec.provider_options, "voice.tts")
    return format
  })

/** Lists the installed voices and variants (`espeak-ng --voices`, `espeak-ng --voices=variant`). */
export const listVoices = Effect.fn("LocalSpeech.voices")(function*(paths: Programs.ProgramPaths) {
  const [voices, variants] = yield* Effect.all([
    Programs.output(paths, { program: "espeakNg", args: ["--voices"] }),
    Programs.output(paths, { program: "espeakNg", args: ["--voices=variant"] })
  ])
  const listed: Voices = { voices: parseVoices(voices), variants: parseVariants(variants) }
  return listed
})

/** The installed voice a request names (case aside), or `InvalidRequest` listing the installed ones. */
export const findVoice = (installed: Voices, requested: string): Effect.Effect<string, InvalidRequest> =>
  Effect.suspend(() => {
    const [base = "", variant] = requested.split("+")
    const voice = installed.voices.find((v) => v.id.toLowerCase() === base.toLowerCase())
    if (voice === undefined) {
      return Effect.fail(new InvalidRequest({
        provider: Programs.PROVIDER,
        field: "voice.tts.voice",
        value: requested,
        allowed: installed.voices.map((v) => v.id),
        reason: `espeak-ng has no voice ${JSON.stringify(base)} installed`
      }))
    }
    if (variant === undefined) return Effect.succeed(voice.id)
    const found = installed.variants.find((v) => v.id.toLowerCase() === variant.toLowerCase())
    if (found === undefined) {
      return Effect.fail(new InvalidRequest({
        provider: Programs.PROVIDER,
        field: "voice.tts.voice",
        value: requested,
        allowed: installed.variants.map((v) => `${voice.id}+${v.id}`),
        reason: `espeak-ng has no variant ${JSON.stringify(variant)} installed`
      }))
    }
    return Effect.succeed(`${voice.id}+${found.id}`)
  })

const voiceMissing = (failure: Programs.Failure): ProviderError | undefined =>
  /voice does not exist/i.test(failure.stderr)
    ? new InvalidRequest({ provider: Programs.PROVIDER, field: "voice.tts.voice", reason: Programs.errorLines(failure.stderr) })
    : undefined

/** ffmpeg's arguments to encode espeak-ng's WAV on stdin into a format, written to `target`. */
const encoderArgs = (format: OutputFormat, target: string): ReadonlyArray<string> => {
  const common = ["-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0", "-ac", "1", "-map_metadata", "-1", "-fflags", "+bitexact"]
  switch (format.format) {
    case "mp3":
      return [...common, "-c:a", "libmp3lame", "-b:a", "64k", "-write_xing", "0", "-id3v2_version", "0", "-flush_packets", "1", "-f", "mp3", target]
    case "opus":
      return [...common, "-c:a", "libopus", "-b:a", "32k", "-ar", "48000", "-flush_packets", "1", "-f", "ogg", target]
    default:
      return [...common, "-c:a", "flac", "-f", "flac", target]
  }
}

/**
 * Cuts the RIFF header off a WAV stream, leaving its samples: the bytes before the `data` chunk
 * are held until it is found, then everything passes through.
 */
export const stripWavHeader = <E, R>(wav: Stream.Stream<Uint8Array, E, R>): Stream.Stream<Uint8Array, E, R> =>
  Stream.mapAccum(wav, () => ({ held: new Uint8Array(0), inData: false }), (state, chunk) => {
    if (state.inData) return [state, [chunk]] as const
    const b = new Uint8Array(state.held.byteLength + chunk.byteLength)
    b.set(state.held)
    b.set(chunk, state.held.byteLength)
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
    const ascii = (at: number) => String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0)
    if (b.byteLength < 12) return [{ held: b, inData: false }, []] as const
    let at = 12
    while (at + 8 <= b.byteLength) {
      if (ascii(at) === "data") {
        const rest = b.subarray(at + 8)
        return [{ held: new Uint8Array(0), inData: true }, rest.byteLength > 0 ? [rest] : []] as const
      }
      const size = view.getUint32(at + 4, true)
      at += 8 + size + (size & 1)
    }
    return [{ held: b, inData: false }, []] as const
  })

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fsp.mkdtemp(path.join(os.tmpdir(), "patchbay-local-"))),
  (dir) => Effect.promise(() => fsp.rm(dir, { recursive: true, force: true }))
)

const fileChunks = (file: string): Stream.Stream<Uint8Array, ProviderError> =>
  Stream.fromAsyncIterable(
    fs.createReadStream(file) as AsyncIterable<Buffer>,
    (cause) => new InvalidRequest({ provider: Programs.PROVIDER, field: "voice.tts.output_format", reason: `the encoded audio could not be read: ${String(cause)}` })
  ).pipe(Stream.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)))

/** The espeak-ng command line for a request (the text goes to stdin). */
export const espeakArgs = (voice: string, options: TtsOptions): ReadonlyArray<string> => [
  "-v",
  voice,
  "-b",
  "1",
  ...(options.speed === undefined ? [] : ["-s", String(options.speed)]),
  ...(options.pitch === undefined ? [] : ["-p", String(options.pitch)]),
  "--stdout"
]

/**
 * The TTS capability over the configured programs. `voices` lists what the installed espeak-ng
 * has; it is read once, on first use, and reused.
 */
export const make = (paths: Programs.ProgramPaths): TtsProvider & { readonly voices: () => Effect.Effect<Voices, ProviderError> } => {
  let cached: Voices | undefined
  const voices = () =>
    cached !== undefined ? Effect.succeed(cached) : listVoices(paths).pipe(Effect.tap((listed) => Effect.sync(() => void (cached = listed))))

  const open = Effect.fn("LocalSpeech.synthesize")(function*(request: TtsRequest) {
    const format = yield* validate(request)
    const options = yield* decode(TtsOptions, request.provider_options, "voice.tts")
    if (request.text.trim() === "") {
      return yield* new InvalidRequest({ provider: Programs.PROVIDER, field: "text", reason: "there is nothing to say" })
    }
    const encoded = encodedFormats.has(format.id)
    if (encoded) yield* Programs.need(paths, "ffmpeg", `${format.format} output needs ffmpeg`)
    const voice = yield* findVoice(yield* voices(), request.voice)
    const espeak: Programs.Step = { program: "espeakNg", args: espeakArgs(voice, options), classify: voiceMissing }
    const input = new TextEncoder().encode(request.text)

    let audio: Stream.Stream<Uint8Array, ProviderError>
    if (!encoded) {
      const wav = Programs.run(paths, [espeak], { input })
      audio = format.format === "pcm" ? stripWavHeader(wav) : wav
    } else if (format.format === "flac") {
      const dir = yield* tempDir
      const file = path.join(dir, "speech.flac")
      audio = Stream.concat(
        Stream.drain(Programs.run(paths, [espeak, { program: "ffmpeg", args: encoderArgs(format, file) }], { input })),
        Stream.suspend(() => fileChunks(file))
      )
    } else {
      audio = Programs.run(paths, [espeak, { program: "ffmpeg", args: encoderArgs(format, "pipe:1") }], { input })
    }
    const summary = (): SpeechSummary => ({
      type: "summary",
      output_format: format.id,
      media_type: mediaTypeOfOutputFormat(format.id),
      characters: request.text.length,
      usage: { characters: request.text.length },
      provider_output: {
        engine: "espeak-ng",
        voice,
        speed_wpm: options.speed ?? null,
        pitch: options.pitch ?? null,
        sample_rate: format.sample_rate ?? null,
        encoder: encoded ? "ffmpeg" : null
      }
    })
    return Stream.concat(
      audio.pipe(Stream.filter((data) => data.byteLength > 0), Stream.map((data): AudioChunk => ({ type: "audio", data }))),
      Stream.sync(summary)
    )
  })

  return {
    catalogue: "closed",
    validate: (spec) => Effect.asVoid(validate(spec)),
    synthesize: (request) => Stream.unwrap(open(request)),
    voices
  }
}
