/**
 * The shared conformance battery on the ElevenLabs adapter, replaying the synthesized cassettes
 * of `test/cassettes/` (never the network, whatever keys are set): HTTP through the replay
 * `fetch`, the realtime sessions (`stt-realtime-*.json`) through the replay WebSocket server.
 */
import { runConformance } from "@patchbay/conformance"
import { elevenlabs } from "../src/index.ts"
import { SttOptions, TtsOptions } from "../src/Options.ts"

const stt = (name: string) => `voice.stt.provider_options.elevenlabs.${name}`
const tts = (name: string) => `voice.tts.provider_options.elevenlabs.${name}`

runConformance({
  name: "elevenlabs",
  // The realtime checks give the replay WebSocket server's address: the SDK's realtime connection goes there.
  make: ({ fetch, apiKey, realtimeBaseUrl }) => elevenlabs({ fetch, apiKey, ...(realtimeBaseUrl === undefined ? {} : { baseUrl: realtimeBaseUrl }) }),
  // The SDK's request deadline (an hour by default), shortened for `*.deadline`.
  deadline: ({ fetch, apiKey, seconds }) => elevenlabs({ fetch, apiKey, timeoutInSeconds: seconds }),
  cassettes: new URL("./cassettes/", import.meta.url),
  record: { apiKeyVariable: "ELEVENLABS_API_KEY" },
  options: {
    stt: {
      schema: SttOptions,
      samples: {
        diarization_threshold: { value: 0.3, with: { diarize: true } },
        entity_redaction: { value: "pii", with: { entity_detection: "all" } },
        entity_redaction_mode: { value: "redacted", with: { entity_detection: "all", entity_redaction: "pii" } }
      },
      unsupported: [
        { model: "scribe_v1", option: "keyterms", value: ["Patchbay"], field: stt("keyterms"), allowed: ["scribe_v2"] },
        { model: "scribe_v1", option: "no_verbatim", value: true, field: stt("no_verbatim"), allowed: ["scribe_v2"] }
      ],
      // From the speech-to-text reference: ranges, the options that need another, the keyterm rules, language codes.
      invalid: [
        { option: "detect_speaker_roles", value: true, with: {}, field: stt("detect_speaker_roles"), why: "without diarize" },
        { option: "diarization_threshold", value: 0.3, with: {}, field: stt("diarization_threshold"), why: "without diarize" },
        { option: "diarization_threshold", value: 0.3, with: { diarize: true, num_speakers: 2 }, field: stt("diarization_threshold"), why: "beside num_speakers" },
        { option: "diarization_threshold", value: 0.41, with: { diarize: true }, field: stt("diarization_threshold"), why: "just above 0.4" },
        { option: "num_speakers", value: 33, with: {}, field: stt("num_speakers"), why: "just above 32" },
        { option: "temperature", value: 2.01, with: {}, field: stt("temperature"), why: "just above 2" },
        { option: "entity_redaction", value: "pii", with: {}, field: stt("entity_redaction"), why: "without entity_detection" },
        { option: "entity_redaction_mode", value: "redacted", with: { entity_detection: "all" }, field: stt("entity_redaction_mode"), why: "without entity_redaction" },
        { model: "scribe_v2", option: "keyterms", value: ["a".repeat(50)], with: {}, field: stt("keyterms[0]"), why: "a keyterm of 50 characters" },
        { model: "scribe_v2", option: "keyterms", value: ["Patchbay", "one two three four five six"], with: {}, field: stt("keyterms[1]"), why: "a keyterm of six words" },
        { model: "scribe_v2", option: "keyterms", value: ["a <b>"], with: {}, field: stt("keyterms[0]"), why: "a keyterm with < >" },
        { model: "scribe_v2", option: "keyterms", value: Array.from({ length: 1001 }, (_, i) => `term ${i}`), with: {}, field: stt("keyterms"), why: "1,001 keyterms" },
        { request: { language: "eng" }, with: {}, field: "voice.stt.language", why: "an ISO 639-2 code" }
      ],
      valid: [
        { option: "detect_speaker_roles", value: true, with: { diarize: true }, why: "with diarize" },
        { option: "diarization_threshold", value: 0.4, with: { diarize: true }, why: "the upper bound" },
        { option: "num_speakers", value: 32, with: {}, why: "the upper bound" },
        { option: "temperature", value: 2, with: {}, why: "the upper bound" },
        { model: "scribe_v2", option: "keyterms", value: ["a".repeat(49), "one two three four five"], with: {}, why: "49 characters, five words" },
        { model: "scribe_v2", option: "keyterms", value: Array.from({ length: 1000 }, (_, i) => `term ${i}`), with: {}, why: "1,000 keyterms" }
      ]
    },
    tts: {
      schema: TtsOptions,
      // The option selects the `/with-timestamps` endpoint; it is not a body field.
      samples: { with_timestamps: { value: true, onWire: (request) => new URL(request.url).pathname.endsWith("/with-timestamps") } },
      unsupported: [
        { model: "eleven_multilingual_v2", option: "language_code", value: "en", field: tts("language_code"), allowed: ["eleven_v3", "eleven_flash_v2_5", "eleven_flash_v2"] }
      ],
      // From the text-to-speech reference: voice ids, the voice settings' ranges, languages the model speaks.
      invalid: [
        { request: { voice: "21m00Tcm4TlvDq8ikWA" }, field: "voice.tts.voice", allowed: ["21m00Tcm4TlvDq8ikWAM", "/^[A-Za-z0-9]{20}$/"], why: "19 characters, not a voice id" },
        { request: { voice: "21m00Tcm4TlvDq8ikWAMx" }, field: "voice.tts.voice", why: "21 characters" },
        { model: "eleven_flash_v2", request: { language: "de" }, with: {}, field: "voice.tts.language", allowed: ["en"], why: "an English-only model" },
        { model: "eleven_flash_v2", option: "language_code", value: "de", field: tts("language_code"), allowed: ["en"], why: "an English-only model" },
        { model: "eleven_flash_v2_5", option: "language_code", value: "english", field: tts("language_code"), why: "a language name, not an ISO 639-1 code" },
        { model: "eleven_v3", option: "voice_settings", value: { speed: 1.21 }, field: tts("voice_settings.speed"), why: "just above 1.2" },
        { model: "eleven_v3", option: "voice_settings", value: { stability: -0.01 }, field: tts("voice_settings.stability"), why: "just below 0" },
        { model: "eleven_v3", option: "previous_request_ids", value: ["a", "b", "c", "d"], field: tts("previous_request_ids"), why: "four ids, at most three" }
      ],
      valid: [
        { request: { voice: "AbCdEfGhIjKlMnOpQrSt" }, why: "any 20 letters and digits (a voice of the account)" },
        { model: "eleven_flash_v2", request: { language: "en" }, with: {}, why: "the language the model speaks" },
        { model: "eleven_flash_v2_5", option: "language_code", value: "de", why: "a multilingual model" },
        { model: "eleven_v3", option: "voice_settings", value: { speed: 1.2, stability: 0 }, why: "the bounds" }
      ]
    }
  }
})
