/**
 * Text to speech on espeak-ng: the pure hook, the installed voices, every output format, speed,
 * streaming as espeak-ng writes, and the failures — an unknown voice, a missing ffmpeg, empty
 * text, interruption killing the programs.
 */
import { expect, it } from "@effect/vitest"
import { Audio, type AudioChunk, InvalidRequest, type SpeechSummary, type TtsRequest, UnknownModel, UnsupportedFormat } from "@patchbay/core"
import { Effect, Fiber, Stream } from "effect"
import { describe } from "vitest"
import { local, Speech } from "../src/index.ts"
import { descendants, waitFor } from "./support/Fakes.ts"

const provider = local()
const text = "Patchbay turns speech into text and back again."
const request = (overrides: Partial<TtsRequest> = {}): TtsRequest => ({ model: "espeak-ng", voice: "en-us", text, ...overrides })

const synthesize = (r: TtsRequest, p = provider) =>
  Effect.gen(function*() {
    const out = yield* Stream.runCollect(p.tts.synthesize(r))
    const chunks = out.filter((o): o is AudioChunk => o.type === "audio")
    const summary = out[out.length - 1] as SpeechSummary
    return { chunks, summary, bytes: new Uint8Array(Buffer.concat(chunks.map((c) => c.data))) }
  })

describe("validate (pure)", () => {
  it.effect("accepts the catalogue's model, a voice tag and every output format by generic or own name", () =>
    Effect.gen(function*() {
      for (const output_format of [undefined, "wav", "pcm", "mp3", "opus", "flac", "wav_22050", "pcm_22050", "mp3_22050_64", "opus_48000_32", "flac_22050"]) {
        yield* provider.tts.validate({ model: "espeak-ng", voice: "en-us+f2", output_format, language: "en", provider_options: { speed: 200, pitch: 40 } })
      }
      expect((yield* Speech.validate({ model: "espeak-ng", voice: "fr-fr" })).id).toBe("wav_22050")
      expect((yield* Speech.validate({ model: "espeak-ng", voice: "fr-fr", output_format: "mp3" })).id).toBe("mp3_22050_64")
    }))

  it.effect("refuses, naming the field, what is allowed and why", () =>
    Effect.gen(function*() {
      expect(yield* Effect.flip(Speech.validate({ model: "espeak", voice: "en-us" }))).toEqual(
        new UnknownModel({ provider: "local", model: "espeak", field: "voice.tts.model", allowed: ["espeak-ng"] })
      )
      const voice = yield* Effect.flip(Speech.validate({ model: "espeak-ng", voice: "English (America)" }))
      expect(voice).toMatchObject({ _tag: "InvalidRequest", field: "voice.tts.voice", value: "English (America)" })
      expect(yield* Effect.flip(Speech.validate({ model: "espeak-ng", voice: "en-us", output_format: "aac" }))).toEqual(
        new UnsupportedFormat({
          provider: "local",
          model: "espeak-ng",
          field: "voice.tts.output_format",
          format: "aac",
          allowed: ["wav_22050", "pcm_22050", "mp3_22050_64", "opus_48000_32", "flac_22050"]
        })
      )
      expect(yield* Effect.flip(Speech.validate({ model: "espeak-ng", voice: "de", language: "en" }))).toEqual(
        new InvalidRequest({ provider: "local", field: "voice.tts.language", value: "en", allowed: ["de"], reason: "the voice \"de\" speaks de" })
      )
      const speed = yield* Effect.flip(Speech.validate({ model: "espeak-ng", voice: "en-us", provider_options: { speed: 20 } }))
      expect(speed).toMatchObject({ _tag: "InvalidRequest", field: "voice.tts.provider_options.local.speed", value: 20 })
      expect(yield* Effect.flip(Speech.validate({ model: "espeak-ng", voice: "en-us", provider_options: { rate: 1.2 } }))).toEqual(
        new InvalidRequest({ provider: "local", field: "voice.tts.provider_options.local.rate", allowed: ["speed", "pitch"], reason: "is not an option of this engine" })
      )
    }))
})

describe("voices", () => {
  it.live("lists the installed espeak-ng's voices and variants, read once", () =>
    Effect.gen(function*() {
      const fresh = local()
      const { voices, variants } = yield* fresh.voices()
      expect(voices.find((v) => v.id === "en-us")).toEqual({
        id: "en-us",
        name: "English (America)",
        language: "en",
        gender: "male",
        file: "gmw/en-US",
        other_languages: [{ tag: "en", priority: 3 }]
      })
      expect(voices.length).toBe(131)
      expect(variants.map((v) => v.id)).toEqual(expect.arrayContaining(["f2", "m3", "klatt", "Alex", "whisper"]))
      expect(yield* fresh.voices()).toBe(yield* fresh.voices())
    }))

  it.live("an uninstalled voice or variant is InvalidRequest listing the installed ones, before any synthesis", () =>
    Effect.gen(function*() {
      const voice = yield* Effect.flip(synthesize(request({ voice: "xx-zz" })))
      expect(voice).toMatchObject({ _tag: "InvalidRequest", field: "voice.tts.voice", value: "xx-zz", reason: "espeak-ng has no voice \"xx-zz\" installed" })
      expect((voice as InvalidRequest).allowed).toEqual(expect.arrayContaining(["en-us", "en-gb", "fr-fr", "de"]))
      const variant = yield* Effect.flip(synthesize(request({ voice: "en-us+nope" })))
      expect(variant).toMatchObject({ _tag: "InvalidRequest", field: "voice.tts.voice", reason: "espeak-ng has no variant \"nope\" installed" })
      expect((variant as InvalidRequest).allowed).toEqual(expect.arrayContaining(["en-us+f2", "en-us+klatt"]))
    }))

  it.live("matches voice and variant case-insensitively and runs espeak-ng with the installed spelling", () =>
    Effect.gen(function*() {
      const { summary } = yield* synthesize(request({ voice: "EN-US+alex" }))
      expect(summary.provider_output).toMatchObject({ voice: "en-us+Alex" })
    }))
})

describe("synthesis", () => {
  it.live("wav: espeak-ng's own 22,050 Hz mono file, then the summary with the characters", () =>
    Effect.gen(function*() {
      const { bytes, summary } = yield* synthesize(request())
      expect(Audio.sniff(bytes)).toEqual({ container: "wav", media_type: "audio/wav", codec: "pcm_s16le" })
      expect(yield* Audio.probe(bytes)).toMatchObject({ container: "wav", sample_rate: 22050, channels: 1 })
      expect(summary).toEqual({
        type: "summary",
        output_format: "wav_22050",
        media_type: "audio/wav",
        characters: 47,
        usage: { characters: 47 },
        provider_output: { engine: "espeak-ng", voice: "en-us", speed_wpm: null, pitch: null, sample_rate: 22050, encoder: null }
      })
    }))

  it.live("pcm is the wav's samples without its header; mp3, opus and flac are encoded by ffmpeg", () =>
    Effect.gen(function*() {
      const wav = (yield* synthesize(request({ output_format: "wav_22050" }))).bytes
      const pcm = yield* synthesize(request({ output_format: "pcm_22050" }))
      expect(Audio.sniff(pcm.bytes)).toBeUndefined()
      expect(Buffer.from(pcm.bytes).equals(Buffer.from(wav.subarray(44)))).toBe(true)
      expect(pcm.summary.media_type).toBe("application/octet-stream")
      const seconds = pcm.bytes.byteLength / 2 / 22050
      for (const [format, container, codec, type] of [
        ["mp3_22050_64", "mp3", "mp3", "audio/mpeg"],
        ["opus_48000_32", "ogg", "opus", "audio/ogg"],
        ["flac_22050", "flac", "flac", "audio/flac"]
      ] as const) {
        const { bytes, summary } = yield* synthesize(request({ output_format: format }))
        const info = yield* Audio.probe(bytes)
        expect([info.container, info.codec, summary.media_type, summary.output_format]).toEqual([container, codec, type, format])
        expect(Math.abs(info.duration_seconds - seconds)).toBeLessThan(0.1)
        expect(summary.provider_output).toMatchObject({ encoder: "ffmpeg" })
      }
    }))

  it.live("speed is words per minute: 350 says the same text in under half the time of 150", () =>
    Effect.gen(function*() {
      const seconds = (speed: number) =>
        synthesize(request({ output_format: "pcm_22050", provider_options: { speed } })).pipe(Effect.map(({ bytes }) => bytes.byteLength / 2 / 22050))
      const slow = yield* seconds(150)
      const fast = yield* seconds(350)
      expect(fast).toBeLessThan(slow / 2)
      expect(fast).toBeGreaterThan(0.5)
    }))

  it.live("streams the audio as espeak-ng writes it, and interrupting kills espeak-ng and ffmpeg", () =>
    Effect.gen(function*() {
      const long = "This sentence is spoken again and again so that the audio is far larger than any pipe buffer. ".repeat(40)
      for (const output_format of ["wav_22050", "mp3_22050_64"]) {
        let chunks = 0
        const fiber = yield* Effect.forkChild(Stream.runForEach(provider.tts.synthesize(request({ text: long, output_format })), () =>
          Effect.sync(() => void chunks++).pipe(Effect.andThen(Effect.never))
        ))
        yield* waitFor(() => chunks === 1)
        // The first chunk is out while espeak-ng still works: nothing waited for the whole file.
        expect(descendants("espeak-ng").length).toBe(1)
        yield* Fiber.interrupt(fiber)
        expect(descendants()).toEqual([])
      }
    }))

  it.live("long text arrives in many chunks whose bytes are one valid file", () =>
    Effect.gen(function*() {
      const long = "Many sentences make a long reply. ".repeat(30)
      const { chunks, bytes } = yield* synthesize(request({ text: long, output_format: "mp3" }))
      expect(chunks.length).toBeGreaterThan(10)
      expect(yield* Audio.probe(bytes)).toMatchObject({ container: "mp3", sample_rate: 22050 })
    }))

  it.live("nothing to say is InvalidRequest", () =>
    Effect.gen(function*() {
      expect(yield* Effect.flip(synthesize(request({ text: "  \n" })))).toEqual(
        new InvalidRequest({ provider: "local", field: "text", reason: "there is nothing to say" })
      )
    }))

  it.live("without ffmpeg, wav and pcm still work; mp3 fails on first use naming the package", () =>
    Effect.gen(function*() {
      const noFfmpeg = local({ ffmpeg: "/nonexistent/ffmpeg" })
      expect((yield* synthesize(request({ output_format: "pcm" }), noFfmpeg)).bytes.byteLength).toBeGreaterThan(100_000)
      const error = yield* Effect.flip(synthesize(request({ output_format: "mp3" }), noFfmpeg))
      expect(error.message).toBe(
        "Provider unavailable (local): mp3 output needs ffmpeg: ffmpeg was not found at \"/nonexistent/ffmpeg\"; " +
          "install the Debian package ffmpeg (apt-get install ffmpeg) or pass its path as local({ ffmpeg: \"/path/to/ffmpeg\" })"
      )
    }))

  it.live("without espeak-ng the factory still works; the first synthesis fails naming the package", () =>
    Effect.gen(function*() {
      const missing = local({ espeakNg: "/nonexistent/espeak-ng" })
      const error = yield* Effect.flip(synthesize(request(), missing))
      expect(error).toMatchObject({ _tag: "ProviderUnavailable", provider: "local", permanent: true, retryable: false })
      expect(error.message).toContain("install the Debian package espeak-ng (apt-get install espeak-ng)")
    }))
})

describe("stripWavHeader", () => {
  it.effect("drops everything before the data chunk, however the bytes are split", () =>
    Effect.gen(function*() {
      const header = Buffer.alloc(44)
      header.write("RIFF", 0)
      header.write("WAVEfmt ", 8)
      header.writeUInt32LE(16, 16)
      header.write("data", 36)
      const wav = Buffer.concat([header, Buffer.from([1, 2, 3, 4, 5, 6])])
      for (const cuts of [[], [3], [12, 20, 40, 45], [44]]) {
        const pieces = [0, ...cuts, wav.length].slice(1).map((end, i, ends) => new Uint8Array(wav.subarray(i === 0 ? 0 : ends[i - 1], end)))
        const out = yield* Stream.runCollect(Speech.stripWavHeader(Stream.fromIterable(pieces)))
        expect([...Buffer.concat(out)]).toEqual([1, 2, 3, 4, 5, 6])
      }
    }))
})
