/**
 * Options reach the wire under the vendor's names, exactly: read back from the replay
 * transport's log (which records what was sent even when no interaction answers it).
 */
import { AudioInput } from "@patchbay/core"
import { Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { audioPath, replayed, synthesize } from "./support/cassettes.ts"

const TEXT = "Patchbay turns speech into text and back again."
const VOICE = "21m00Tcm4TlvDq8ikWAM"

/** Runs a call against a transport that answers nothing, and returns what it sent. */
const sentBy = async (run: (p: ReturnType<typeof replayed>["provider"]) => Effect.Effect<unknown, unknown>) => {
  const { provider, fetch } = replayed(undefined)
  await Effect.runPromise(Effect.exit(run(provider)))
  expect(fetch.log).toHaveLength(1)
  const entry = fetch.log[0]!
  const url = new URL(entry.url)
  return { path: url.pathname, query: Object.fromEntries(url.searchParams), body: entry.body, headers: entry.headers }
}

describe("STT options on the wire", () => {
  it("every option becomes the multipart field of the same name; enable_logging a query parameter", async () => {
    const sent = await sentBy((p) =>
      Effect.flatMap(AudioInput.fromFile(audioPath("speech.mp3")), (audio) =>
        p.stt!.transcribe({
          model: "scribe_v2",
          language: "de",
          audio,
          provider_options: {
            diarize: true,
            num_speakers: 3,
            timestamps_granularity: "character",
            tag_audio_events: false,
            keyterms: ["Patchbay", "speech to text"],
            no_verbatim: true,
            temperature: 0.2,
            seed: 9,
            detect_speaker_roles: true,
            use_speaker_library: false,
            entity_detection: "pii",
            entity_redaction: ["email_address"],
            entity_redaction_mode: "redacted",
            enable_logging: false
          }
        })))
    expect(sent.path).toBe("/v1/speech-to-text")
    expect(sent.query).toEqual({ enable_logging: "false" })
    expect(sent.body).toEqual({
      type: "multipart",
      fields: {
        model_id: "scribe_v2",
        file: {
          sha256: "93e98e300cd2184f99251f8bfa7238320606c25b989c42b64fa468ac5b31a753",
          size: 21312,
          filename: "speech.mp3",
          content_type: "audio/mpeg"
        },
        language_code: "de",
        diarize: "true",
        num_speakers: "3",
        timestamps_granularity: "character",
        tag_audio_events: "false",
        keyterms: ["Patchbay", "speech to text"],
        no_verbatim: "true",
        temperature: "0.2",
        seed: "9",
        detect_speaker_roles: "true",
        use_speaker_library: "false",
        // a single entity type is sent as a list: the SDK drops a plain string
        entity_detection: "pii",
        entity_redaction: "email_address",
        entity_redaction_mode: "redacted"
      }
    })
  })

  it("sends only the model and the file when nothing else is asked, and never a key in the recorded headers", async () => {
    const sent = await sentBy((p) =>
      Effect.flatMap(AudioInput.fromFile(audioPath("speech.mp3")), (audio) => p.stt!.transcribe({ model: "scribe_v1", audio })))
    expect(sent.query).toEqual({})
    expect(Object.keys((sent.body as { fields: object }).fields).sort()).toEqual(["file", "model_id"])
    expect(JSON.stringify(sent.headers)).not.toContain("test-key-not-secret")
  })
})

describe("TTS options on the wire", () => {
  it("the model and options go in the JSON body, the voice in the path, the format and logging in the query", async () => {
    const sent = await sentBy((p) =>
      Stream.runDrain(p.tts!.synthesize({
        model: "eleven_v3",
        voice: VOICE,
        output_format: "pcm_16000",
        language: "de",
        text: TEXT,
        previous_text: "From the pipeline.",
        next_text: "Also from the pipeline.",
        provider_options: {
          voice_settings: { stability: 0.3, similarity_boost: 0.8, style: 0.1, use_speaker_boost: false, speed: 1.1 },
          seed: 4_294_967_295,
          previous_text: "Given explicitly.",
          previous_request_ids: ["09bOJkdYVjKy2oOiiVtR"],
          next_request_ids: ["3tPgBrD1UdW3snUkGw1K", "4D1jAxiRFkolBNUGzXkU"],
          pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: "dict1" }],
          apply_text_normalization: "on",
          apply_language_text_normalization: true,
          enable_logging: false
        }
      })))
    expect(sent.path).toBe(`/v1/text-to-speech/${VOICE}/stream`)
    expect(sent.query).toEqual({ output_format: "pcm_16000", enable_logging: "false" })
    expect(sent.body).toEqual({
      type: "json",
      json: {
        text: TEXT,
        model_id: "eleven_v3",
        language_code: "de",
        voice_settings: { stability: 0.3, similarity_boost: 0.8, style: 0.1, use_speaker_boost: false, speed: 1.1 },
        pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: "dict1" }],
        seed: 4_294_967_295,
        previous_text: "Given explicitly.",
        next_text: "Also from the pipeline.",
        previous_request_ids: ["09bOJkdYVjKy2oOiiVtR"],
        next_request_ids: ["3tPgBrD1UdW3snUkGw1K", "4D1jAxiRFkolBNUGzXkU"],
        apply_text_normalization: "on",
        apply_language_text_normalization: true
      }
    })
  })

  it("language_code from the option wins over the request's language; without either none is sent", async () => {
    const explicit = await sentBy((p) =>
      Stream.runDrain(p.tts!.synthesize({ model: "eleven_flash_v2_5", voice: VOICE, language: "de", text: "Hallo.", provider_options: { language_code: "fr" } })))
    expect((explicit.body as { json: Record<string, unknown> }).json.language_code).toBe("fr")
    const none = await sentBy((p) => Stream.runDrain(p.tts!.synthesize({ model: "eleven_flash_v2_5", voice: VOICE, text: "Hallo." })))
    expect((none.body as { json: Record<string, unknown> }).json).toEqual({ text: "Hallo.", model_id: "eleven_flash_v2_5" })
    expect(none.query).toEqual({ output_format: "mp3_44100_128" }) // the vendor's default, named explicitly
  })

  it("generic names resolve to the vendor's variant; wav goes to the non-streaming endpoint, with_timestamps to its variant", async () => {
    const cases = [
      [{ output_format: "pcm" }, "/stream", "pcm_24000"],
      [{ output_format: "opus" }, "/stream", "opus_48000_64"],
      [{ output_format: "ulaw" }, "/stream", "ulaw_8000"],
      [{ output_format: "wav" }, "", "wav_24000"],
      [{ output_format: "wav_44100" }, "", "wav_44100"],
      [{ output_format: "mp3", provider_options: { with_timestamps: true } }, "/stream/with-timestamps", "mp3_44100_128"],
      [{ output_format: "wav_8000", provider_options: { with_timestamps: true } }, "/with-timestamps", "wav_8000"]
    ] as const
    for (const [request, endpoint, format] of cases) {
      const sent = await sentBy((p) => Stream.runDrain(p.tts!.synthesize({ model: "eleven_flash_v2_5", voice: VOICE, text: "Hi.", ...request })))
      expect([sent.path, sent.query.output_format]).toEqual([`/v1/text-to-speech/${VOICE}${endpoint}`, format])
      expect(Object.keys((sent.body as { json: object }).json)).not.toContain("with_timestamps")
    }
  })

  it("on eleven_multilingual_v2 the request's language is not sent, and the summary says why", async () => {
    const { provider, fetch } = replayed("tts-success-mp3.json")
    const { summary } = await Effect.runPromise(synthesize(provider, {
      model: "eleven_multilingual_v2",
      voice: VOICE,
      output_format: "mp3",
      language: "en",
      text: TEXT,
      previous_text: "Here is how it works.",
      provider_options: {
        voice_settings: { stability: 0.5, similarity_boost: 0.75, style: 0, use_speaker_boost: true, speed: 1 },
        seed: 12345,
        apply_text_normalization: "auto",
        pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: "4ZUqyldxf71HqUbcP2Lc", version_id: "5xM3yVvZQKV0EfqQpLr2" }]
      }
    }))
    expect(fetch.log[0]?.mismatch).toBeUndefined()
    expect(summary?.warnings).toEqual(["language en is not sent: eleven_multilingual_v2 does not take language_code"])
  })
})
