/**
 * Speech to text: the normalized transcript (language, words, segments, speakers, duration,
 * usage, request id, the wire body kept as it came) and the upload path (a Blob passed through,
 * a one-shot stream spooled to disk and counted against the limit).
 */
import { replayFetch } from "@patchbay/conformance"
import { AudioInput } from "@patchbay/core"
import { Effect, Schema } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it, vi } from "vitest"
import { elevenlabs } from "../src/index.ts"
import { segmentsOf, speakersOf, toTranscript, wordsOf } from "../src/Transcription.ts"
import { SttResponse } from "../src/Wire.ts"
import { audioPath, cassette, replayed, transcribeFile } from "./support/cassettes.ts"

const success = cassette("stt-success.json")
const wireBody = (success.cassette.interactions[0]!.response.body as { json: Record<string, unknown> }).json
const scenarioOptions = success.cassette.scenario!.request.provider_options!.elevenlabs!
const decode = Schema.decodeUnknownSync(SttResponse)

describe("the transcript", () => {
  it("scribe_v2 with diarization: words with their types, speakers and logprobs; sentence and turn segments; speakers with their time", async () => {
    const { provider } = replayed("stt-success.json")
    const t = await Effect.runPromise(transcribeFile(provider, "dialogue.mp3", { model: "scribe_v2", language: "en", provider_options: scenarioOptions }))
    expect(t.text).toBe("Hello from Patchbay. (beep) Nice to meet you.")
    expect([t.language, t.language_probability, t.duration_seconds, t.usage, t.request_id]).toEqual([
      "en",
      0.987,
      4.644,
      { audio_seconds: 4.644 },
      "el_stt_req_0001"
    ])
    expect(t.words?.slice(0, 7)).toEqual([
      { text: "Hello", start: 0.02, end: 0.389, type: "word", speaker: "speaker_0", logprob: -0.021 },
      { text: " ", start: 0.389, end: 0.502, type: "spacing", speaker: "speaker_0", logprob: 0 },
      { text: "from", start: 0.502, end: 0.764, type: "word", speaker: "speaker_0", logprob: -0.034 },
      { text: " ", start: 0.764, end: 0.918, type: "spacing", speaker: "speaker_0", logprob: 0 },
      { text: "Patchbay.", start: 0.918, end: 1.469, type: "word", speaker: "speaker_0", logprob: -0.412 },
      { text: " ", start: 1.469, end: 2.169, type: "spacing", speaker: "speaker_0", logprob: 0 },
      { text: "(beep)", start: 2.169, end: 2.519, type: "audio_event", speaker: "speaker_0", logprob: -0.693 }
    ])
    expect(t.words).toHaveLength(15)
    expect(t.segments).toEqual([
      { text: "Hello from Patchbay.", start: 0.02, end: 1.469, speaker: "speaker_0" },
      { text: "(beep)", start: 2.169, end: 2.519, speaker: "speaker_0" },
      { text: "Nice to meet you.", start: 2.769, end: 4.116, speaker: "speaker_1" }
    ])
    // the beep is not speech: speaker_0 spoke 0.02–1.469 s
    expect(t.speakers).toEqual([{ id: "speaker_0", speaking_seconds: 1.449 }, { id: "speaker_1", speaking_seconds: 1.347 }])
    expect(t.provider_output).toEqual(wireBody)
  })

  it("provider_output is the body as the vendor sent it, nulls included (the SDK's own parse drops them)", async () => {
    const [interaction] = success.cassette.interactions
    const json = {
      language_code: "eng",
      language_probability: 0.5,
      text: "Hi",
      words: [{ text: "Hi", start: null, end: null, type: "word", speaker_id: null, logprob: -0.1, characters: null }],
      transcription_id: null,
      audio_duration_secs: null,
      entities: [{ text: "Hi", entity_type: "greeting", start_char: 0, end_char: 2 }]
    }
    const fetch = replayFetch([{ ...interaction!, response: { status: 200, headers: { "content-type": "application/json" }, body: { type: "json", json } } }], {
      baseDir: success.dir
    })
    const provider = elevenlabs({ fetch, apiKey: "k" })
    const t = await Effect.runPromise(transcribeFile(provider, "dialogue.mp3", { model: "scribe_v2", language: "en", provider_options: scenarioOptions }))
    expect(t.provider_output).toEqual(json)
    // no times: no words, segments or speaking time; no duration: no usage (never guessed)
    expect([t.words, t.segments, t.speakers, t.duration_seconds, t.usage, t.request_id]).toEqual([undefined, undefined, undefined, undefined, {}, undefined])
  })

  it("normalizes the ISO 639-3 codes the API answers with to ISO 639-1, and says null rather than guess", () => {
    const of = (language_code: string) => toTranscript({}, decode({ language_code, language_probability: 1, text: "x", words: [] }), undefined).language
    expect(["eng", "deu", "fra", "spa", "jpn", "en", "und", ""].map(of)).toEqual(["en", "de", "fr", "es", "ja", "en", null, null])
  })
})

describe("words, segments and speakers", () => {
  const words = (list: ReadonlyArray<readonly [string, number | null, number | null, string, string | null]>) =>
    decode({
      language_code: "eng",
      language_probability: 1,
      text: "",
      words: list.map(([text, start, end, type, speaker_id]) => ({ text, start, end, type, speaker_id, logprob: -0.5 }))
    }).words

  it("keeps entries with times only, and a type it does not know without a type", () => {
    const wire = words([["a", 0, 0.2, "word", null], [" ", null, null, "spacing", null], ["b", 0.3, 0.5, "filler", null]])
    expect(wordsOf(wire)).toEqual([
      { text: "a", start: 0, end: 0.2, type: "word", logprob: -0.5 },
      { text: "b", start: 0.3, end: 0.5, logprob: -0.5 }
    ])
  })

  it("without speakers, a segment per sentence; spacing never opens one", () => {
    const wire = words([
      [" ", 0, 0.1, "spacing", null],
      ["Hi", 0.1, 0.3, "word", null],
      ["!", 0.3, 0.35, "word", null],
      [" ", 0.35, 0.5, "spacing", null],
      ["Yes,", 0.5, 0.8, "word", null],
      [" ", 0.8, 0.9, "spacing", null],
      ["(laughs)", 0.9, 1.2, "audio_event", null],
      [" ", 1.2, 1.3, "spacing", null],
      ["really?", 1.3, 1.7, "word", null],
      [" ", 1.7, 1.8, "spacing", null],
      ["\"Sure.\"", 1.8, 2.2, "word", null]
    ])
    const segments = segmentsOf(wordsOf(wire))
    expect(segments).toEqual([
      { text: "Hi!", start: 0.1, end: 0.35 },
      { text: "Yes, (laughs) really?", start: 0.5, end: 1.7 },
      { text: "\"Sure.\"", start: 1.8, end: 2.2 }
    ])
    expect(speakersOf(wire, wordsOf(wire))).toEqual([])
  })

  it("a speaker change starts a new segment mid-sentence; speakers are listed in order of appearance", () => {
    const wire = words([
      ["so", 0, 0.2, "word", "speaker_1"],
      [" ", 0.2, 0.25, "spacing", "speaker_1"],
      ["yes", 0.25, 0.5, "word", "speaker_0"],
      [" ", 0.5, 0.6, "spacing", "speaker_0"],
      ["indeed", 0.6, 1, "word", "speaker_0"]
    ])
    const segments = segmentsOf(wordsOf(wire))
    expect(segments).toEqual([
      { text: "so", start: 0, end: 0.2, speaker: "speaker_1" },
      { text: "yes indeed", start: 0.25, end: 1, speaker: "speaker_0" }
    ])
    expect(speakersOf(wire, wordsOf(wire))).toEqual([{ id: "speaker_1", speaking_seconds: 0.2 }, { id: "speaker_0", speaking_seconds: 0.75 }])
  })
})

describe("the upload", () => {
  const spies: Array<{ mockRestore(): void }> = []
  afterEach(() => {
    for (const spy of spies.splice(0)) spy.mockRestore()
  })

  it("a file goes to the SDK as the Blob of AudioInput.blob() (fs.openAsBlob): its bytes are never read whole", async () => {
    const audio = await Effect.runPromise(AudioInput.fromFile(audioPath("dialogue.mp3")))
    const blobs: Array<Blob> = []
    const watched: AudioInput.AudioInput = {
      ...audio,
      bytes: () => Promise.reject(new Error("bytes() read the file whole")),
      stream: () => {
        throw new Error("stream() was read: the SDK would buffer a stream")
      },
      blob: async () => {
        const blob = await audio.blob()
        blobs.push(blob)
        return blob
      }
    }
    for (const method of ["arrayBuffer", "bytes", "text"] as const) spies.push(vi.spyOn(Blob.prototype, method))
    const replay = replayFetch(success, { delayScale: 0 })
    const parts: Array<unknown> = []
    const fetch: typeof globalThis.fetch = (input, init) => {
      if (init?.body instanceof FormData) parts.push(init.body.get("file"))
      return replay(input, init)
    }
    const provider = elevenlabs({ fetch, apiKey: "k" })
    const t = await Effect.runPromise(provider.stt!.transcribe({ model: "scribe_v2", language: "en", provider_options: scenarioOptions, audio: watched }))
    expect(t.text).toBe("Hello from Patchbay. (beep) Nice to meet you.")
    expect(blobs).toHaveLength(1)
    expect(blobs[0]?.size).toBe(statSync(audioPath("dialogue.mp3")).size)
    expect(parts).toHaveLength(1)
    expect(parts[0]).toBeInstanceOf(Blob)
    expect([(parts[0] as File).name, (parts[0] as File).type, (parts[0] as File).size]).toEqual(["dialogue.mp3", "audio/mpeg", 18801])
    for (const spy of spies) expect(spy).not.toHaveBeenCalled()
    expect(replay.log[0]?.interaction).toBe(0) // the bytes that went up hash to the recorded upload
  })

  it("a one-shot stream is spooled to a private temporary file, uploaded from disk, then removed", async () => {
    const spoolDir = mkdtempSync(path.join(os.tmpdir(), "el-spool-test-"))
    try {
      const bytes = readFileSync(audioPath("dialogue.mp3"))
      const chunks = [bytes.subarray(0, 5000), bytes.subarray(5000, 12000), bytes.subarray(12000)]
      const source = new ReadableStream<Uint8Array>({
        pull: (controller) => {
          const next = chunks.shift()
          if (next === undefined) controller.close()
          else controller.enqueue(new Uint8Array(next))
        }
      })
      const replay = replayFetch(success, { delayScale: 0 })
      const during: Array<{ files: Array<string>; size: number; mode: number }> = []
      const fetch: typeof globalThis.fetch = (input, init) => {
        for (const dir of readdirSync(spoolDir)) {
          const file = path.join(spoolDir, dir, "upload")
          during.push({ files: readdirSync(path.join(spoolDir, dir)), size: statSync(file).size, mode: statSync(path.join(spoolDir, dir)).mode & 0o777 })
        }
        return replay(input, init)
      }
      const provider = elevenlabs({ fetch, apiKey: "k", spoolDir })
      const audio = await Effect.runPromise(AudioInput.fromStream(source, "dialogue.mp3"))
      expect([audio.size, audio.once]).toEqual([undefined, true])
      const t = await Effect.runPromise(provider.stt!.transcribe({ model: "scribe_v2", language: "en", provider_options: scenarioOptions, audio }))
      expect(t.text).toBe("Hello from Patchbay. (beep) Nice to meet you.")
      expect(during).toEqual([{ files: ["upload"], size: 18801, mode: 0o700 }])
      expect(replay.log[0]?.interaction).toBe(0)
      expect(readdirSync(spoolDir)).toEqual([])
    } finally {
      rmSync(spoolDir, { recursive: true, force: true })
    }
  })

  it("a stream over the limit fails with InputTooLarge while it is spooled, before any request, and leaves nothing behind", async () => {
    const spoolDir = mkdtempSync(path.join(os.tmpdir(), "el-spool-test-"))
    try {
      const mp3 = new Uint8Array(readFileSync(audioPath("speech.mp3")))
      let pulls = 0
      const endless = new ReadableStream<Uint8Array>({
        pull: (controller) => {
          pulls++
          controller.enqueue(mp3.slice())
        }
      })
      const { provider, fetch } = replayed(undefined, { maxUploadBytes: 50_000, spoolDir })
      const error = await Effect.runPromise(Effect.flip(Effect.flatMap(AudioInput.fromStream(endless), (audio) =>
        provider.stt!.transcribe({ model: "scribe_v1", audio }))))
      expect(error).toMatchObject({ _tag: "InputTooLarge", field: "audio_file", limit: 50_000, size: 3 * 21_312, model: "scribe_v1", provider: "elevenlabs" })
      expect(fetch.log).toHaveLength(0)
      expect(pulls).toBeLessThan(6)
      expect(readdirSync(spoolDir)).toEqual([])
    } finally {
      rmSync(spoolDir, { recursive: true, force: true })
    }
  })
})
