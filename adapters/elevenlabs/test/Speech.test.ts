/**
 * Text to speech beyond the battery: the summary's fields, the with-timestamps variants turned
 * into word timings, the vendor's unknown voice, the text limit, and interruption of the
 * NDJSON stream.
 */
import { replayFetch } from "@patchbay/conformance"
import { Audio, type Word } from "@patchbay/core"
import { Effect, Fiber, Stream } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { elevenlabs } from "../src/index.ts"
import { joinAlignments, wordsFromAlignment } from "../src/Speech.ts"
import { audioPath, cassette, failure, replayed, synthesize } from "./support/cassettes.ts"

const TEXT = "Patchbay turns speech into text and back again."
const VOICE = "21m00Tcm4TlvDq8ikWAM"
const withTimestamps = { model: "eleven_flash_v2_5", voice: VOICE, output_format: "mp3_22050_32", text: TEXT, provider_options: { with_timestamps: true } }

const expectedWords: ReadonlyArray<Word> = [
  { text: "Patchbay", start: 0.05, end: 0.454, type: "word" },
  { text: "turns", start: 0.504, end: 0.756, type: "word" },
  { text: "speech", start: 0.807, end: 1.11, type: "word" },
  { text: "into", start: 1.16, end: 1.384, type: "word" },
  { text: "text", start: 1.44, end: 1.664, type: "word" },
  { text: "and", start: 1.72, end: 1.896, type: "word" },
  { text: "back", start: 1.955, end: 2.189, type: "word" },
  { text: "again.", start: 2.248, end: 2.6, type: "word" }
]

describe("streaming speech", () => {
  it("passes each chunk on, then a summary with the billed characters, the request id and the response's metadata", async () => {
    const loaded = cassette("tts-success-mp3.json")
    const { provider } = replayed("tts-success-mp3.json")
    const r = loaded.cassette.scenario!.request
    const { chunks, bytes, summary } = await Effect.runPromise(synthesize(provider, {
      model: r.model,
      voice: r.voice!,
      output_format: "mp3_44100_128",
      text: r.text!,
      previous_text: r.previous_text,
      provider_options: r.provider_options!.elevenlabs
    }))
    expect(chunks).toHaveLength(4)
    expect(bytes).toEqual(new Uint8Array(readFileSync(audioPath("speech-44100-128.mp3"))))
    expect(summary).toEqual({
      type: "summary",
      output_format: "mp3_44100_128",
      media_type: "audio/mpeg",
      characters: 47,
      usage: { characters: 47 },
      request_id: "el_tts_req_0001",
      provider_output: { request_id: "el_tts_req_0001", history_item_id: "hist_0001", character_cost: "47", content_type: "audio/mpeg" }
    })
  })

  it("refuses text over the model's limit before any request", async () => {
    const { provider, fetch } = replayed(undefined)
    const { exit } = await Effect.runPromise(synthesize(provider, { model: "eleven_v3", voice: VOICE, text: "a".repeat(5_001) }))
    expect(failure(exit)).toMatchObject({ _tag: "InputTooLarge", field: "text", limit: 5_000, size: 5_001, model: "eleven_v3" })
    expect(fetch.log).toHaveLength(0)
  })

  it("refuses empty or blank text before any request, naming the field", async () => {
    for (const text of ["", " \n\t "]) {
      const { provider, fetch } = replayed(undefined)
      const { exit } = await Effect.runPromise(synthesize(provider, { model: "eleven_v3", voice: VOICE, text }))
      expect(failure(exit)).toMatchObject({ _tag: "InvalidRequest", field: "text", value: text, reason: "there is nothing to say: the text is empty or blank" })
      expect(fetch.log).toHaveLength(0)
    }
  })

  it("a voice the account does not have is NotFound of kind voice, with the vendor's status and request id", async () => {
    const { provider } = replayed("extra/tts-voice-not-found.json")
    const { exit, chunks } = await Effect.runPromise(synthesize(provider, { model: "eleven_flash_v2_5", voice: "AAAAAAAAAAAAAAAAAAAA", output_format: "mp3", text: TEXT }))
    expect(chunks).toHaveLength(0)
    expect(failure(exit)).toMatchObject({
      _tag: "NotFound",
      kind: "voice",
      id: "AAAAAAAAAAAAAAAAAAAA",
      provider: "elevenlabs",
      status: 404,
      requestId: "el_tts_req_404",
      detail: "A voice with the voice_id AAAAAAAAAAAAAAAAAAAA was not found."
    })
    expect(failure(exit)?.retryable).toBe(false)
  })
})

describe("with timestamps", () => {
  it("NDJSON lines: the audio of each line is passed on as it arrives, the alignment becomes word timings", async () => {
    const { provider, fetch } = replayed("tts-with-timestamps.json")
    const { chunks, bytes, summary } = await Effect.runPromise(synthesize(provider, withTimestamps))
    expect(fetch.log[0]?.mismatch).toBeUndefined()
    expect(chunks).toHaveLength(3)
    expect(bytes).toEqual(new Uint8Array(readFileSync(audioPath("speech-22050-32.mp3"))))
    const info = await Effect.runPromise(Audio.probe(bytes))
    expect(info.duration_seconds).toBeCloseTo(2.638, 3)
    expect(summary?.words).toEqual(expectedWords)
    expect([summary?.characters, summary?.usage, summary?.request_id, summary?.media_type]).toEqual([47, { characters: 47 }, "el_tts_req_ts01", "audio/mpeg"])
    const output = summary?.provider_output as { alignment: { characters: Array<string> }; normalized_alignment: unknown; character_cost: string }
    expect(output.alignment.characters.join("")).toBe(TEXT)
    expect(output.normalized_alignment).toEqual(output.alignment)
    expect(output.character_cost).toBe("47")
  })

  it("lines whose times start over are placed after the audio before them", async () => {
    const { provider } = replayed("tts-with-timestamps-relative.json")
    const { summary } = await Effect.runPromise(synthesize(provider, withTimestamps))
    const words = summary?.words ?? []
    expect(words.map((w) => w.text)).toEqual(expectedWords.map((w) => w.text))
    for (const [i, word] of words.entries()) {
      expect(word.start).toBeCloseTo(expectedWords[i]!.start, 2)
      expect(word.end).toBeCloseTo(expectedWords[i]!.end, 2)
    }
  })

  it("a stream that breaks after its first line ends in ProviderUnavailable after that line's audio", async () => {
    const { provider } = replayed("tts-with-timestamps-stream-error.json")
    const { chunks, summary, exit } = await Effect.runPromise(synthesize(provider, withTimestamps))
    expect(chunks).toHaveLength(1)
    expect(summary).toBeUndefined()
    expect(failure(exit)).toMatchObject({ _tag: "ProviderUnavailable", provider: "elevenlabs" })
    expect(failure(exit)?.message).toContain("connection reset by peer")
  })

  it("interrupting while the lines stream aborts the HTTP request", async () => {
    const loaded = cassette("tts-with-timestamps.json")
    const fetch = replayFetch(loaded, { stall: { afterChunks: 1 } })
    const provider = elevenlabs({ fetch, apiKey: "k" })
    const received: Array<unknown> = []
    await Effect.runPromise(Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Stream.runForEach(provider.tts!.synthesize(withTimestamps), (o) => Effect.sync(() => received.push(o))))
      while (received.length === 0) yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(fiber)
    }))
    expect(received).toHaveLength(1)
    expect(fetch.log[0]?.aborted === true || fetch.log[0]?.cancelled === true).toBe(true)
    fetch.dispose()
  })

  it("wav with timestamps: one JSON object from the non-streaming endpoint, one chunk, the words", async () => {
    const { provider } = replayed("tts-wav-with-timestamps.json")
    const { chunks, bytes, summary } = await Effect.runPromise(synthesize(provider, { ...withTimestamps, output_format: "wav_8000", text: "Hello." }))
    expect(chunks).toHaveLength(1)
    expect(bytes).toEqual(new Uint8Array(readFileSync(audioPath("hello-8000.wav"))))
    expect(Audio.sniff(bytes)?.container).toBe("wav")
    expect(summary).toMatchObject({ output_format: "wav_8000", media_type: "audio/wav", characters: 6, words: [{ text: "Hello.", start: 0.1, end: 0.55, type: "word" }] })
  })
})

describe("alignment to words", () => {
  it("splits on whitespace; a word split across lines is joined", () => {
    const alignment = joinAlignments([
      { characters: ["H", "i", " ", "t"], character_start_times_seconds: [0, 0.1, 0.2, 0.3], character_end_times_seconds: [0.1, 0.2, 0.3, 0.4] },
      { characters: ["h", "e", "r", "e"], character_start_times_seconds: [0.4, 0.5, 0.6, 0.7], character_end_times_seconds: [0.5, 0.6, 0.7, 0.8] }
    ])
    expect(wordsFromAlignment(alignment)).toEqual([
      { text: "Hi", start: 0, end: 0.2, type: "word" },
      { text: "there", start: 0.3, end: 0.8, type: "word" }
    ])
  })
})
