/**
 * The conformance battery on the OpenAI adapter: every check of every capability, replayed from
 * the synthesized cassettes in `./cassettes/`, offline and without a key: HTTP through the
 * replay `fetch`, the realtime sessions (`stt-realtime-*.json`) through the replay WebSocket server.
 */
import { runConformance } from "@patchbay/conformance"
import { createConnection } from "node:net"
import { openai } from "../src/index.ts"
import { ImageOptions, LlmOptions, SttOptions, TtsOptions } from "../src/Options.ts"

const stt = (name: string) => `voice.stt.provider_options.openai.${name}`
const tts = (name: string) => `voice.tts.provider_options.openai.${name}`
const opt = (name: string) => `provider_options.openai.${name}`
/** A tool of the request, for the cases on `tool_choice` and `parallel_tool_calls`. */
const weather = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: {} } } }]

runConformance({
  name: "openai",
  // The realtime checks give the replay WebSocket server's address: the SDK dials `wss:` to baseURL's host, so it goes over plain TCP.
  make: ({ fetch, apiKey, realtimeBaseUrl }) =>
    openai({ fetch, apiKey, ...(realtimeBaseUrl === undefined ? {} : { baseURL: `${realtimeBaseUrl}/v1`, realtimeSocket: { createConnection } }) }),
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
      ],
      // From the transcription reference and the model matrix: ranges, pairings, closed lists, language codes.
      invalid: [
        { model: "whisper-1", option: "temperature", value: 1.01, with: {}, field: stt("temperature"), allowed: ["0 to 1"], why: "just above 1" },
        { model: "whisper-1", option: "temperature", value: -0.01, with: {}, field: stt("temperature"), allowed: ["0 to 1"], why: "just below 0" },
        { model: "gpt-4o-transcribe", option: "response_format", value: "srt", with: {}, field: stt("response_format"), allowed: ["json"], why: "a format only whisper-1 returns" },
        { model: "whisper-1", option: "timestamp_granularities", value: ["word"], with: { response_format: "json" }, field: stt("timestamp_granularities"), why: "timestamps need verbose_json" },
        { model: "gpt-4o-transcribe-diarize", option: "chunking_strategy", value: { type: "server_vad" }, with: {}, field: stt("chunking_strategy"), allowed: ["auto"], why: "the diarizing model always chunks auto" },
        { model: "gpt-4o-transcribe-diarize", option: "known_speaker_names", value: ["ada", "grace"], with: { known_speaker_references: ["data:audio/wav;base64,UklGRiQAAABXQVZF"] }, field: stt("known_speaker_references"), why: "two names, one reference" },
        { model: "gpt-transcribe", option: "languages", value: ["en", "english"], with: {}, field: `${stt("languages")}[1]`, why: "a language name, not an ISO 639-1 code" },
        { model: "whisper-1", request: { language: "eng" }, with: {}, field: "voice.stt.language", why: "an ISO 639-2 code" }
      ],
      valid: [
        { model: "whisper-1", option: "temperature", value: 1, with: {}, why: "the upper bound" },
        { model: "whisper-1", option: "temperature", value: 0, with: {}, why: "the lower bound" },
        { model: "gpt-4o-transcribe", option: "include", value: ["logprobs"], with: { response_format: "json" }, why: "logprobs with json" },
        { model: "gpt-4o-transcribe-diarize", option: "chunking_strategy", value: "auto", with: {}, why: "the one strategy the diarizing model takes" },
        { model: "gpt-transcribe", option: "languages", value: ["en", "pt"], with: {}, why: "ISO 639-1 codes" }
      ]
    },
    tts: {
      schema: TtsOptions,
      unsupported: [
        { model: "tts-1", option: "instructions", value: "Calm" },
        { model: "tts-1", option: "stream_format", value: "sse" }
      ],
      // From the speech reference: speed 0.25–4, instructions up to 4,096 characters, the voices of each model.
      invalid: [
        { model: "tts-1", option: "speed", value: 4.01, with: {}, field: tts("speed"), why: "just above 4" },
        { model: "tts-1", option: "speed", value: 0.24, with: {}, field: tts("speed"), why: "just below 0.25" },
        { model: "gpt-4o-mini-tts", option: "instructions", value: "a".repeat(4097), with: {}, field: tts("instructions"), why: "one character over 4,096" },
        { model: "tts-1", request: { voice: "marin" }, with: {}, field: "voice.tts.voice", allowed: ["alloy", "nova"], why: "a voice only the gpt-4o-mini-tts models speak" },
        { model: "tts-1", request: { voice: "Voice_1234" }, with: {}, field: "voice.tts.voice", why: "neither a built-in voice nor a custom voice id" }
      ],
      valid: [
        { model: "tts-1", option: "speed", value: 4, with: {}, why: "the upper bound" },
        { model: "tts-1", option: "speed", value: 0.25, with: {}, why: "the lower bound" },
        { model: "gpt-4o-mini-tts", option: "instructions", value: "a".repeat(4096), with: {}, why: "exactly 4,096 characters" },
        { model: "gpt-4o-mini-tts", request: { voice: "marin" }, with: {}, why: "a voice the model speaks" }
      ]
    },
    llm: {
      schema: LlmOptions,
      // From the chat completions reference: ranges, and tool_choice / parallel_tool_calls tied to the request's tools.
      invalid: [
        { model: "gpt-4.1-mini", request: { tools: weather }, option: "tool_choice", value: { type: "function", function: { name: "get_time" } }, field: opt("tool_choice"), allowed: ["get_weather"], why: "a tool the request does not declare" },
        { model: "gpt-4.1", request: { tools: [] }, option: "parallel_tool_calls", value: true, field: opt("parallel_tool_calls"), why: "no tools" },
        { model: "gpt-4.1", option: "temperature", value: 2.01, field: opt("temperature"), why: "just above 2" },
        { model: "gpt-4.1", option: "top_p", value: 1.01, field: opt("top_p"), why: "just above 1" },
        { model: "gpt-4.1", option: "max_completion_tokens", value: 0, field: opt("max_completion_tokens"), why: "below 1" },
        { model: "gpt-4.1", option: "presence_penalty", value: -2.01, field: opt("presence_penalty"), why: "just below -2" }
      ],
      valid: [
        { model: "gpt-4.1-mini", request: { tools: weather }, option: "tool_choice", value: { type: "function", function: { name: "get_weather" } }, why: "the declared tool" },
        { model: "gpt-4.1", option: "temperature", value: 2, why: "the upper bound" },
        { model: "gpt-4.1", option: "max_completion_tokens", value: 1, why: "the least" },
        { model: "gpt-4.1", option: "presence_penalty", value: -2, why: "the lower bound" }
      ]
    },
    image: {
      schema: ImageOptions,
      samples: { output_compression: { value: 80, with: { output_format: "jpeg" } } },
      // From the image reference: compression only for jpeg and webp (png is the default), transparency not in jpeg, 1–10 images, the sizes.
      invalid: [
        { option: "output_compression", value: 80, with: {}, field: opt("output_compression"), allowed: ["jpeg", "webp"], why: "the default format, png, has no compression" },
        { option: "output_compression", value: 101, with: { output_format: "webp" }, field: opt("output_compression"), why: "just above 100" },
        { option: "background", value: "transparent", with: { output_format: "jpeg" }, field: opt("background"), why: "jpeg has no transparency" },
        { option: "n", value: 11, with: {}, field: opt("n"), why: "just above 10" },
        { request: { size: "512x512" }, with: {}, field: "size", why: "a size gpt-image-1 does not make" }
      ],
      valid: [
        { option: "output_compression", value: 100, with: { output_format: "webp" }, why: "the upper bound" },
        { option: "background", value: "transparent", with: { output_format: "png" }, why: "png has transparency" },
        { option: "n", value: 10, with: {}, why: "the upper bound" }
      ]
    }
  }
})
