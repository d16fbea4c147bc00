/**
 * The adapter inside the pipeline, against the cassettes: the seed's mixed example (ElevenLabs
 * `scribe_v2` with diarization and word timestamps, OpenAI's `gpt-4.1` answering and
 * `gpt-4o-mini-tts` speaking with instructions, through the real `@patchbay/openai` adapter) and
 * ElevenLabs on both speech stages, each filling its part of `voice_records`; and, with neither
 * vendor's key, one `MissingApiKey` naming both before any request.
 */
import { replayFetch } from "@patchbay/conformance"
import { Audio, createPatchbay, MissingApiKey, type VoiceConfig } from "@patchbay/core"
import { FakeLlm, fakeProvider } from "@patchbay/core/testing"
import { openai } from "@patchbay/openai"
import { describe, expect, it, vi } from "vitest"
import { elevenlabs } from "../src/index.ts"
import { audioPath, cassette, cassettesDir } from "./support/cassettes.ts"

const stt = cassette("stt-success.json")
const sttOptions = stt.cassette.scenario!.request.provider_options!
const TRANSCRIPT = "Hello from Patchbay. (beep) Nice to meet you."
const REPLY = "Patchbay turns speech into text and back again."
const AUDIO_URL = /^\/media\/doc_[A-Za-z0-9_-]{24}\?exp=\d+&sig=[A-Za-z0-9_-]+$/

/** The seed's mixed example, verbatim (`reference/SEED.md`, "Provider options without vendor lock in"). */
const seedVoice: VoiceConfig = {
  stt: {
    provider: "elevenlabs",
    model: "scribe_v2",
    language: "en",
    provider_options: { elevenlabs: { diarize: true, timestamps_granularity: "word" } }
  },
  tts: {
    provider: "openai",
    model: "gpt-4o-mini-tts",
    voice: "coral",
    output_format: "mp3",
    provider_options: { openai: { instructions: "Calm and professional" } }
  }
}

describe("through the pipeline", () => {
  it("the seed's mixed example: ElevenLabs scribe_v2 transcribes with speakers and word times, OpenAI gpt-4.1 answers and gpt-4o-mini-tts speaks it with instructions", async () => {
    // One replay serves both adapters: each vendor's requests must match its own interactions.
    const fetch = replayFetch(cassette("seed/mixed-example.json"), { delayScale: 0 })
    const pb = createPatchbay({
      providers: [elevenlabs({ fetch, apiKey: "test-key-not-secret" }), openai({ fetch, apiKey: "sk-test-key-not-secret" })],
      media: { secret: "test-media-secret" }
    })
    try {
      const response = await pb.addMessage({
        audioFile: audioPath("dialogue.mp3"),
        voice: seedVoice,
        llmProvider: "openai",
        modelName: "gpt-4.1",
        sendToLlm: "true",
        stream: false
      })
      expect(response).toMatchObject({ status: "completed", model_provider: "openai", model_name: "gpt-4.1" })
      expect(response.content).toBe("Nice to meet you too. I heard two speakers and one beep.")

      // Every request went to its vendor and matched once; the reply was spoken sentence chunk by
      // chunk (the two speech requests may overlap, so they are compared in cassette order).
      const log = [...fetch.log].sort((a, b) => (a.interaction ?? -1) - (b.interaction ?? -1))
      expect(log.map((e) => [e.method, new URL(e.url).host + new URL(e.url).pathname, e.interaction, e.repeated, e.mismatch])).toEqual([
        ["POST", "api.elevenlabs.io/v1/speech-to-text", 0, false, undefined],
        ["POST", "api.openai.com/v1/chat/completions", 1, false, undefined],
        ["POST", "api.openai.com/v1/audio/speech", 2, false, undefined],
        ["POST", "api.openai.com/v1/audio/speech", 3, false, undefined]
      ])
      expect(log[0]?.body).toMatchObject({
        type: "multipart",
        fields: { model_id: "scribe_v2", language_code: "en", diarize: "true", timestamps_granularity: "word", file: { sha256: "8844b728fd70e04fe6d9979b120c4cccbe4a93584490a658f379f926b4c9801c", size: 18_801 } }
      })
      expect(log[1]?.body).toMatchObject({ type: "json", json: { model: "gpt-4.1", messages: [{ role: "user", content: TRANSCRIPT }] } })
      const speech = log.slice(2).map((e) => (e.body?.type === "json" ? e.body.json : undefined))
      expect(speech).toEqual(["Nice to meet you too.", "I heard two speakers and one beep."].map((input) => ({
        model: "gpt-4o-mini-tts",
        input,
        voice: "coral",
        response_format: "mp3",
        instructions: "Calm and professional",
        stream_format: "sse"
      })))

      const records = response.messages.at(-1)?.voice_records
      expect(records?.stt).toMatchObject({
        provider: "elevenlabs",
        model: "scribe_v2",
        language: "en",
        transcript: TRANSCRIPT,
        request_id: "el_stt_req_seed",
        segments: [
          { text: "Hello from Patchbay.", speaker: "speaker_0" },
          { text: "(beep)", speaker: "speaker_0" },
          { text: "Nice to meet you.", speaker: "speaker_1" }
        ],
        speakers: [{ id: "speaker_0", speaking_seconds: 1.449 }, { id: "speaker_1", speaking_seconds: 1.347 }],
        usage: { audio_seconds: 4.644 }
      })
      const words = records?.stt?.words ?? []
      expect(words).toHaveLength(15)
      expect(words.filter((w) => w.type === "word").map((w) => w.text)).toEqual(["Hello", "from", "Patchbay.", "Nice", "to", "meet", "you."])
      expect(words.filter((w) => w.type === "audio_event").map((w) => w.text)).toEqual(["(beep)"])
      expect(words.filter((w) => w.type === "spacing")).toHaveLength(7)
      expect(words[0]).toMatchObject({ text: "Hello", start: 0.02, end: 0.389, type: "word", speaker: "speaker_0" })
      expect(words[6]).toMatchObject({ text: "(beep)", start: 2.169, end: 2.519, type: "audio_event" })
      expect(words.at(-1)).toMatchObject({ text: "you.", start: 3.907, end: 4.116, type: "word", speaker: "speaker_1" })
      expect(records?.stt?.duration_seconds).toBeCloseTo(4.644, 2)

      const tts = records?.tts
      expect(tts).toMatchObject({
        provider: "openai",
        model: "gpt-4o-mini-tts",
        voice: "coral",
        output_format: "mp3",
        characters: 21 + 34,
        usage: { input_tokens: 11 + 14, output_tokens: 98 + 152, total_tokens: 109 + 166 },
        request_id: "req_seed_mixed_tts_1"
      })
      expect(tts?.audio_url).toMatch(AUDIO_URL)
      // Measured from the joined mp3's frames: the two espeak-ng segments, 1.536 s + 2.544 s.
      expect(tts?.duration_seconds).toBeGreaterThan(0)
      expect(tts?.duration_seconds).toBeCloseTo(4.08, 2)
      const stored = await pb.media.get(tts!.document_id)
      expect(stored.media_type).toBe("audio/mpeg")
      expect(Audio.sniff(stored.bytes)?.container).toBe("mp3")
    } finally {
      await pb.dispose()
    }
  })

  it("ElevenLabs on both stages: the transcript's answer is spoken by ElevenLabs in pcm, billed characters in the record", async () => {
    const tts = cassette("tts-success-pcm.json")
    const fetch = replayFetch([...stt.cassette.interactions, ...tts.cassette.interactions], { baseDir: cassettesDir, delayScale: 0 })
    const pb = createPatchbay({
      providers: [elevenlabs({ fetch, apiKey: "test-key-not-secret" }), fakeProvider({ id: "llm", llm: FakeLlm({ reply: REPLY }) })],
      media: { secret: "test-media-secret" }
    })
    const response = await pb.addMessage({
      audioFile: audioPath("dialogue.mp3"),
      voice: {
        stt: { provider: "elevenlabs", model: "scribe_v2", language: "en", provider_options: sttOptions },
        tts: {
          provider: "elevenlabs",
          model: "eleven_flash_v2_5",
          voice: "JBFqnCBsd6RMkjVDRZzb",
          output_format: "pcm",
          provider_options: { elevenlabs: { language_code: "en", previous_request_ids: ["09bOJkdYVjKy2oOiiVtR"] } }
        }
      },
      llmProvider: "llm",
      modelName: "fake-llm"
    })
    expect(fetch.log.map((e) => [new URL(e.url).pathname, e.mismatch])).toEqual([
      ["/v1/speech-to-text", undefined],
      ["/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb/stream", undefined]
    ])
    const records = response.messages.at(-1)?.voice_records
    expect(records?.stt?.transcript).toBe("Hello from Patchbay. (beep) Nice to meet you.")
    expect(records?.tts).toMatchObject({
      provider: "elevenlabs",
      model: "eleven_flash_v2_5",
      voice: "JBFqnCBsd6RMkjVDRZzb",
      output_format: "pcm_24000",
      characters: 47,
      usage: { characters: 47 },
      request_id: "el_tts_req_0002"
    })
    expect(records?.tts?.duration_seconds).toBeCloseTo(2.566625, 3)
    const audio = await pb.media.get(records!.tts!.document_id)
    expect(audio.bytes.byteLength).toBe(123_198)
  })

  it("without ELEVENLABS_API_KEY and OPENAI_API_KEY: one MissingApiKey names both vendors, before any request", async () => {
    // Blank counts as missing, whatever the environment held when it was first read.
    vi.stubEnv("ELEVENLABS_API_KEY", "")
    vi.stubEnv("OPENAI_API_KEY", "")
    const requests: Array<string> = []
    const fetch = (input: string | URL | Request) => {
      requests.push(String(input))
      return Promise.reject(new Error("no request is expected"))
    }
    const pb = createPatchbay({ providers: [elevenlabs({ fetch }), openai({ fetch })], media: { secret: "test-media-secret" } })
    try {
      const error = await pb.addMessage({ audioFile: audioPath("dialogue.mp3"), voice: seedVoice, sendToLlm: false }).then(
        () => undefined,
        (e: unknown) => e
      )
      expect(error).toBeInstanceOf(MissingApiKey)
      expect(error).toMatchObject({
        provider: "elevenlabs",
        variable: "ELEVENLABS_API_KEY",
        others: [{ provider: "openai", variable: "OPENAI_API_KEY" }],
        message:
          "No API key for elevenlabs and openai: set ELEVENLABS_API_KEY and OPENAI_API_KEY or pass apiKey to the elevenlabs() and openai() factories"
      })
      expect(requests).toEqual([])
    } finally {
      vi.unstubAllEnvs()
      await pb.dispose()
    }
  })
})
