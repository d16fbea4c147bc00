/**
 * Speech to text on pocketsphinx: the pure hook, words with their times from the decoder, one
 * delta per utterance, grammars, the general model, and the failures — audio ffmpeg cannot
 * decode, a word the dictionary lacks, a missing program, interruption killing the programs.
 * The fixture is two sentences spoken by espeak-ng (en-us) with a second of silence between.
 */
import { expect, it } from "@effect/vitest"
import { AudioInput, InvalidRequest, type SttRequest, type Transcript, UnknownModel, UnsupportedFormat } from "@patchbay/core"
import { Effect, Fiber, Stream } from "effect"
import { fileURLToPath } from "node:url"
import { describe } from "vitest"
import { local, Options, Transcription } from "../src/index.ts"
import { descendants, waitFor } from "./support/Fakes.ts"

const provider = local()
const fixture = fileURLToPath(new URL("./cassettes/audio/two-sentences.mp3", import.meta.url))
const phrases = ["Turn on the kitchen lights.", "Please call me tomorrow morning!", "What is the weather like today?"]

const request = (options?: Record<string, unknown>, overrides: Partial<SttRequest> = {}) =>
  Effect.map(AudioInput.fromFile(fixture), (audio): SttRequest => ({ model: "pocketsphinx-en-us", language: "en", audio, provider_options: options, ...overrides }))

const kitchen = [
  { text: "turn", start: 0.34, end: 0.54, type: "word" },
  { text: "on", start: 0.55, end: 0.65, type: "word" },
  { text: "the", start: 0.66, end: 0.76, type: "word" },
  { text: "kitchen", start: 0.77, end: 1.13, type: "word" },
  { text: "lights", start: 1.14, end: 1.59, type: "word" },
  { text: "please", start: 2.94, end: 3.24, type: "word" },
  { text: "call", start: 3.25, end: 3.53, type: "word" },
  { text: "me", start: 3.54, end: 3.65, type: "word" },
  { text: "tomorrow", start: 3.66, end: 4.07, type: "word" },
  { text: "morning", start: 4.08, end: 4.46, type: "word" }
]

describe("validate (pure)", () => {
  it.effect("accepts the model, English, the containers ffmpeg reads and the options", () =>
    Effect.gen(function*() {
      for (const container of ["wav", "mp3", "ogg", "flac", "webm", "mp4", "aac"]) {
        yield* provider.stt.validate({ model: "pocketsphinx-en-us", language: "en", audio: { size: 1000, container }, provider_options: { phrases, remove_silence: false } })
      }
      yield* provider.stt.validate({ model: "pocketsphinx-en-us", provider_options: { grammar: "#JSGF V1.0; grammar g; public <s> = yes | no;" } })
    }))

  it.effect("refuses, naming the field, what is allowed and why", () =>
    Effect.gen(function*() {
      expect(yield* Effect.flip(Transcription.validate({ model: "whisper-1" }))).toEqual(
        new UnknownModel({ provider: "local", model: "whisper-1", field: "voice.stt.model", allowed: ["pocketsphinx-en-us"] })
      )
      expect(yield* Effect.flip(Transcription.validate({ model: "pocketsphinx-en-us", language: "fr" }))).toEqual(
        new InvalidRequest({ provider: "local", field: "voice.stt.language", value: "fr", allowed: ["en"], reason: "pocketsphinx-en-us transcribes US English only" })
      )
      expect(yield* Effect.flip(Transcription.validate({ model: "pocketsphinx-en-us", audio: { size: 10, container: undefined } }))).toEqual(
        new UnsupportedFormat({
          provider: "local",
          model: "pocketsphinx-en-us",
          field: "audio_file",
          format: "unrecognized audio",
          allowed: ["wav", "mp3", "ogg", "flac", "webm", "mp4", "aac"]
        })
      )
      expect(yield* Effect.flip(Transcription.validate({ model: "pocketsphinx-en-us", provider_options: { phrases, grammar: "#JSGF V1.0;" } }))).toEqual(
        new InvalidRequest({ provider: "local", field: "voice.stt.provider_options.local.grammar", reason: "give one of phrases, vocabulary and grammar, not phrases and grammar" })
      )
      expect(yield* Effect.flip(Transcription.validate({ model: "pocketsphinx-en-us", provider_options: { phrases: ["yes", "?!"] } }))).toEqual(
        new InvalidRequest({ provider: "local", field: "voice.stt.provider_options.local.phrases[1]", value: "?!", reason: "has no word to listen for" })
      )
      const grammar = yield* Effect.flip(Transcription.validate({ model: "pocketsphinx-en-us", provider_options: { grammar: "public <s> = yes;" } }))
      expect(grammar).toMatchObject({ _tag: "InvalidRequest", field: "voice.stt.provider_options.local.grammar", reason: "a JSGF grammar starts with \"#JSGF V1.0;\"" })
      expect(yield* Effect.flip(Transcription.validate({ model: "pocketsphinx-en-us", provider_options: { keyphrase: "hello" } }))).toEqual(
        new InvalidRequest({
          provider: "local",
          field: "voice.stt.provider_options.local.keyphrase",
          allowed: ["phrases", "vocabulary", "grammar", "remove_silence"],
          reason: "is not an option of this engine"
        })
      )
    }))

  it.effect("phrases and vocabulary become JSGF grammars over the dictionary's spelling", () =>
    Effect.gen(function*() {
      expect(Options.wordsOf("The meeting starts at ten O'Clock, 'sharp'!")).toEqual(["the", "meeting", "starts", "at", "ten", "o'clock", "sharp"])
      expect(yield* Options.grammarOf({ phrases: ["Turn on the lights.", "turn on the lights", "Stop!"] })).toEqual({
        option: "phrases",
        jsgf: "#JSGF V1.0;\ngrammar patchbay;\npublic <utterance> = ( turn on the lights | stop )+ ;\n"
      })
      expect(yield* Options.grammarOf({ vocabulary: ["yes no", "No", "maybe"] })).toEqual({
        option: "vocabulary",
        jsgf: "#JSGF V1.0;\ngrammar patchbay;\npublic <utterance> = ( yes | no | maybe )+ ;\n"
      })
      expect(yield* Options.grammarOf({})).toBeUndefined()
    }))
})

describe("transcription", () => {
  it.live("with phrases: the words with their times, one segment per utterance, the measured duration", () =>
    Effect.gen(function*() {
      const t = yield* provider.stt.transcribe(yield* request({ phrases }))
      expect(t.text).toBe("turn on the kitchen lights please call me tomorrow morning")
      expect(t.language).toBe("en")
      expect(t.words).toEqual(kitchen)
      expect(t.segments).toEqual([
        { text: "turn on the kitchen lights", start: 0.34, end: 1.59 },
        { text: "please call me tomorrow morning", start: 2.94, end: 4.46 }
      ])
      expect(t.duration_seconds).toBe(5.1221875)
      expect(t.usage).toEqual({ audio_seconds: 5.1221875 })
      expect(t.provider_output).toMatchObject({ sample_rate: 16000, utterances: [{ hypothesis: "turn on the kitchen lights" }, { hypothesis: "please call me tomorrow morning" }] })
    }))

  it.live("streams one delta per utterance as the decoder prints it; the deltas join to the transcript", () =>
    Effect.gen(function*() {
      const out = yield* Stream.runCollect(provider.stt.transcribeStream!(yield* request({ phrases })))
      expect(out.slice(0, 2)).toEqual([{ type: "delta", delta: "turn on the kitchen lights" }, { type: "delta", delta: " please call me tomorrow morning" }])
      expect(out.length).toBe(3)
      expect((out[2] as Transcript).text).toBe("turn on the kitchen lights please call me tomorrow morning")
    }))

  it.live("a JSGF grammar of your own, and remove_silence off (the whole audio as one utterance)", () =>
    Effect.gen(function*() {
      const grammar = "#JSGF V1.0;\ngrammar home;\npublic <command> = (turn on the kitchen lights | please call me tomorrow morning)+;\n"
      const t = yield* provider.stt.transcribe(yield* request({ grammar, remove_silence: false }))
      expect(t.text).toBe("turn on the kitchen lights please call me tomorrow morning")
      expect(t.segments?.length).toBe(1)
      expect(t.words?.map((w) => w.text)).toEqual(kitchen.map((w) => w.text))
    }))

  it.live("the general model: fillers dropped, pronunciation markers stripped, word posteriors as logprob", () =>
    Effect.gen(function*() {
      const t = yield* provider.stt.transcribe(yield* request())
      // espeak-ng's synthetic voice is far from the speech the model was trained on.
      expect(t.text).toBe("do not looking to like the skull tomorrow morning")
      expect(t.words?.map((w) => w.text).join(" ")).toBe(t.text)
      expect(t.words?.every((w) => w.logprob !== undefined && w.logprob <= 0)).toBe(true)
      expect(t.segments).toEqual([
        { text: "do not looking to like", start: 0.34, end: 1.48 },
        { text: "the skull tomorrow morning", start: 3, end: 4.46 }
      ])
      const raw = (t.provider_output as { utterances: Array<{ segments: Array<{ word: string }> }> }).utterances.flatMap((u) => u.segments.map((s) => s.word))
      expect(raw).toEqual(expect.arrayContaining(["<s>", "</s>"]))
    }))

  it.live("takes a stream of unknown length, read as the decoder consumes it", () =>
    Effect.gen(function*() {
      const whole = yield* request({ phrases })
      const audio = yield* AudioInput.fromStream(whole.audio.stream())
      expect(audio.size).toBeUndefined()
      const t = yield* provider.stt.transcribe({ ...whole, audio })
      expect(t.words).toEqual(kitchen)
    }))

  it.live("silence is an empty transcript", () =>
    Effect.gen(function*() {
      const wav = Buffer.alloc(44 + 32000)
      wav.write("RIFF", 0)
      wav.writeUInt32LE(36 + 32000, 4)
      wav.write("WAVEfmt ", 8)
      wav.writeUInt32LE(16, 16)
      wav.writeUInt16LE(1, 20)
      wav.writeUInt16LE(1, 22)
      wav.writeUInt32LE(16000, 24)
      wav.writeUInt32LE(32000, 28)
      wav.writeUInt16LE(2, 32)
      wav.writeUInt16LE(16, 34)
      wav.write("data", 36)
      wav.writeUInt32LE(32000, 40)
      const t = yield* provider.stt.transcribe({ model: "pocketsphinx-en-us", audio: AudioInput.fromBytes(new Uint8Array(wav)), provider_options: { phrases } })
      expect([t.text, t.words, t.segments, t.duration_seconds]).toEqual(["", [], [], 1])
    }))
})

describe("failures", () => {
  it.live("a grammar word the dictionary lacks is InvalidRequest on the option", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(provider.stt.transcribe(yield* request({ phrases: ["turn on the zorbluxx"] })))
      expect(error).toEqual(
        new InvalidRequest({
          provider: "local",
          field: "voice.stt.provider_options.local.phrases",
          value: "zorbluxx",
          reason: "pocketsphinx's en-us dictionary has no word \"zorbluxx\""
        })
      )
    }))

  it.live("audio ffmpeg cannot decode is InvalidRequest on audio_file", () =>
    Effect.gen(function*() {
      const notMp3 = new Uint8Array(Buffer.concat([Buffer.from("ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000"), Buffer.alloc(400, 7)]))
      const error = yield* Effect.flip(provider.stt.transcribe({ model: "pocketsphinx-en-us", audio: AudioInput.fromBytes(notMp3) }))
      expect(error).toMatchObject({ _tag: "InvalidRequest", field: "audio_file" })
      expect((error as InvalidRequest).reason).toMatch(/^ffmpeg could not decode the audio: /)
    }))

  it.live("without ffmpeg or pocketsphinx, the first transcription fails naming the package", () =>
    Effect.gen(function*() {
      const noFfmpeg = yield* Effect.flip(local({ ffmpeg: "/nonexistent/ffmpeg" }).stt.transcribe(yield* request()))
      expect(noFfmpeg.message).toContain("converting the audio for pocketsphinx needs ffmpeg: ffmpeg was not found at \"/nonexistent/ffmpeg\"; install the Debian package ffmpeg")
      const noDecoder = yield* Effect.flip(local({ pocketsphinx: "pocketsphinx-not-here" }).stt.transcribe(yield* request()))
      expect(noDecoder.message).toBe(
        "Provider unavailable (local): pocketsphinx-not-here was not found on PATH (as \"pocketsphinx-not-here\"); " +
          "install the Debian package pocketsphinx (apt-get install pocketsphinx) or pass its path as local({ pocketsphinx: \"/path/to/pocketsphinx_continuous\" })"
      )
    }))

  it.live("interrupting the call kills ffmpeg and the decoder, even while the input is still arriving", () =>
    Effect.gen(function*() {
      const whole = yield* request()
      const reader = whole.audio.stream().getReader()
      let sent = 0
      // Sends the first chunk, then never ends: a caller still uploading.
      const trickle = new ReadableStream<Uint8Array>({
        pull: async (controller) => {
          if (sent++ > 0) return new Promise<void>(() => {})
          const next = await reader.read()
          if (!next.done) controller.enqueue(next.value)
        }
      })
      const audio = yield* AudioInput.fromStream(trickle)
      const fiber = yield* Effect.forkChild(provider.stt.transcribe({ ...whole, audio }))
      yield* waitFor(() => descendants("pocketsphinx_co").length === 1 && descendants("ffmpeg").length === 1)
      yield* Fiber.interrupt(fiber)
      expect(descendants()).toEqual([])
    }))
})
