/**
 * The adapter inside the pipeline, against the cassettes: the seed's mixed example (ElevenLabs
 * `scribe_v2` with diarization and word timestamps, another vendor answering and speaking) and
 * ElevenLabs on both speech stages, each filling its part of `voice_records`.
 */
import { replayFetch } from "@patchbay/conformance"
import { createPatchbay } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeTts } from "@patchbay/core/testing"
import { describe, expect, it } from "vitest"
import { elevenlabs } from "../src/index.ts"
import { audioPath, cassette, cassettesDir } from "./support/cassettes.ts"

const stt = cassette("stt-success.json")
const sttOptions = stt.cassette.scenario!.request.provider_options!
const REPLY = "Patchbay turns speech into text and back again."

describe("through the pipeline", () => {
  it("the seed's mixed example: ElevenLabs scribe_v2 transcribes with speakers and word times, another vendor answers and speaks", async () => {
    const fetch = replayFetch(stt, { delayScale: 0 })
    const pb = createPatchbay({
      providers: [
        elevenlabs({ fetch, apiKey: "test-key-not-secret" }),
        fakeProvider({ id: "openai-like", llm: FakeLlm({ reply: REPLY }), tts: FakeTts() })
      ],
      media: { secret: "test-media-secret" }
    })
    const response = await pb.addMessage({
      audioFile: audioPath("dialogue.mp3"),
      voice: {
        stt: { provider: "elevenlabs", model: "scribe_v2", language: "en", provider_options: sttOptions },
        tts: { provider: "openai-like", model: "fake-tts", voice: "grace", output_format: "mp3" }
      },
      llmProvider: "openai-like",
      modelName: "fake-llm"
    })
    expect(response.status).toBe("completed")
    const records = response.messages.at(-1)?.voice_records
    expect(records?.stt).toMatchObject({
      provider: "elevenlabs",
      model: "scribe_v2",
      language: "en",
      transcript: "Hello from Patchbay. (beep) Nice to meet you.",
      request_id: "el_stt_req_0001",
      segments: [
        { text: "Hello from Patchbay.", speaker: "speaker_0" },
        { text: "(beep)", speaker: "speaker_0" },
        { text: "Nice to meet you.", speaker: "speaker_1" }
      ],
      speakers: [{ id: "speaker_0", speaking_seconds: 1.449 }, { id: "speaker_1", speaking_seconds: 1.347 }],
      usage: { audio_seconds: 4.644 }
    })
    expect(records?.stt?.words).toHaveLength(15)
    expect(records?.stt?.duration_seconds).toBeCloseTo(4.644, 2)
    expect((records?.stt?.provider_output as { language_code: string }).language_code).toBe("eng")
    expect(records?.tts).toMatchObject({ provider: "openai-like", model: "fake-tts", voice: "grace" })
    expect(response.content).toBe(REPLY)
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
})
