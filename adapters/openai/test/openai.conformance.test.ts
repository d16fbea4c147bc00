/**
 * The conformance battery on the OpenAI adapter: every check of every capability, replayed from
 * the synthesized cassettes in `./cassettes/`, offline and without a key.
 */
import { runConformance } from "@patchbay/conformance"
import { openai } from "../src/index.ts"
import { ImageOptions, LlmOptions, SttOptions, TtsOptions } from "../src/Options.ts"

runConformance({
  name: "openai",
  make: ({ fetch, apiKey }) => openai({ fetch, apiKey }),
  cassettes: new URL("./cassettes/", import.meta.url),
  record: { apiKeyVariable: "OPENAI_API_KEY" },
  options: {
    stt: {
      schema: SttOptions,
      samples: {
        known_speaker_references: {
          value: ["data:audio/wav;base64,UklGRiQAAABXQVZF"],
          model: "gpt-4o-transcribe-diarize",
          with: { known_speaker_names: ["ada"] }
        }
      },
      unsupported: [
        { model: "whisper-1", option: "include", value: ["logprobs"] },
        { model: "gpt-4o-transcribe", option: "timestamp_granularities", value: ["word"] },
        { model: "gpt-4o-transcribe-diarize", option: "prompt", value: "Patchbay" },
        { model: "gpt-4o-transcribe", option: "known_speaker_names", value: ["ada"], with: { known_speaker_references: ["data:audio/wav;base64,UklGRiQAAABXQVZF"] } },
        { model: "gpt-4o-transcribe", option: "keywords", value: ["Patchbay"] }
      ]
    },
    tts: {
      schema: TtsOptions,
      unsupported: [
        { model: "tts-1", option: "instructions", value: "Calm" },
        { model: "tts-1", option: "stream_format", value: "sse" }
      ]
    },
    llm: { schema: LlmOptions },
    image: { schema: ImageOptions, samples: { output_compression: { value: 80, with: { output_format: "jpeg" } } } }
  }
})
