/**
 * The shared conformance battery on the ElevenLabs adapter, replaying the synthesized cassettes
 * of `test/cassettes/` (never the network, whatever keys are set).
 */
import { runConformance } from "@patchbay/conformance"
import { elevenlabs } from "../src/index.ts"
import { SttOptions, TtsOptions } from "../src/Options.ts"

runConformance({
  name: "elevenlabs",
  make: ({ fetch, apiKey }) => elevenlabs({ fetch, apiKey }),
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
        { model: "scribe_v1", option: "keyterms", value: ["Patchbay"] },
        { model: "scribe_v1", option: "no_verbatim", value: true }
      ]
    },
    tts: {
      schema: TtsOptions,
      // The option selects the `/with-timestamps` endpoint; it is not a body field.
      samples: { with_timestamps: { value: true, onWire: (request) => new URL(request.url).pathname.endsWith("/with-timestamps") } },
      unsupported: [{ model: "eleven_multilingual_v2", option: "language_code", value: "en" }]
    }
  }
})
