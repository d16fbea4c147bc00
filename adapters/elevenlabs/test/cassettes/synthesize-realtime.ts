/**
 * Writes the realtime cassettes of `scribe_v2_realtime` (`node test/cassettes/synthesize-realtime.ts`
 * from `adapters/elevenlabs`): one WebSocket session each, synthesized from the SDK's message
 * types (`@elevenlabs/elevenlabs-js/wrapper/realtime`: `input_audio_chunk` up; `session_started`,
 * `partial_transcript`, `committed_transcript` and the error messages down), over the espeak-ng
 * recording `audio/speech-16000.pcm` ("Patchbay turns speech into text and back again.", 16 kHz
 * s16le mono) sent in 0.1 s chunks (3,200 bytes), as a microphone would. The upgrade's query is
 * the one the SDK writes for the scenario's session; delays are plausible, not measured.
 */
import { statSync, writeFileSync } from "node:fs"

const here = new URL("./", import.meta.url)
const AUDIO = "audio/speech-16000.pcm"
const CHUNK = 3200
const size = statSync(new URL(AUDIO, here)).size
const TEXT = "Patchbay turns speech into text and back again."
const MODEL = "scribe_v2_realtime"
const URL_ = `wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=${MODEL}&commit_strategy=manual&audio_format=pcm_16000&language_code=en`

const chunk = (n: number) => ({
  from: "client",
  json: {
    message_type: "input_audio_chunk",
    audio_base_64: { $base64: { file: AUDIO, start: n * CHUNK, end: Math.min(size, (n + 1) * CHUNK) } },
    commit: false,
    sample_rate: 16000
  }
})
const server = (json: unknown, delay_ms: number) => ({ from: "server", json, delay_ms })
const started = server({
  message_type: "session_started",
  session_id: "b7d0f3c2a1e94f6c8d5e2a7b9c0d1e2f",
  config: {
    sample_rate: 16000,
    audio_format: "pcm_16000",
    language_code: "en",
    commit_strategy: "manual",
    vad_silence_threshold_secs: 1.5,
    vad_threshold: 0.4,
    min_speech_duration_ms: 100,
    min_silence_duration_ms: 100,
    model_id: MODEL,
    enable_logging: true,
    include_timestamps: false,
    include_language_detection: false
  }
}, 60)
const chunks = Math.ceil(size / CHUNK)

const cassette = (name: string, scenarioCase: string, description: string, messages: Array<unknown>, end: unknown, expect?: unknown) =>
  writeFileSync(
    new URL(name, here),
    `${JSON.stringify({
      version: 1,
      source: "synthesized",
      description,
      scenario: {
        capability: "stt",
        case: scenarioCase,
        operation: "realtime",
        request: { model: MODEL, language: "en", audio: { fixture: AUDIO }, audio_format: "pcm_16000", commit: "manual", chunk_bytes: CHUNK },
        ...(expect === undefined ? {} : { expect })
      },
      interactions: [],
      websocket: { url: URL_, messages, end }
    }, null, 2)}\n`
  )

// A partial every half second of audio (the words heard so far), the committed text on the commit.
const words = TEXT.split(" ")
const partialAfter = new Map([[5, 1], [10, 2], [15, 4], [20, 6], [25, 7]])
const success: Array<unknown> = [started]
for (let n = 0; n < chunks; n++) {
  success.push(chunk(n))
  const count = partialAfter.get(n + 1)
  if (count !== undefined) success.push(server({ message_type: "partial_transcript", text: words.slice(0, count).join(" ") }, 140))
}
success.push(
  { from: "client", json: { message_type: "input_audio_chunk", audio_base_64: "", commit: true, sample_rate: 16000 } },
  server({ message_type: "committed_transcript", text: TEXT }, 260)
)
cassette(
  "stt-realtime-success.json",
  "success",
  "scribe_v2_realtime, manual commits: partial transcripts while the audio arrives, the committed transcript answering the commit the adapter sends when the input ends; the client closes.",
  success,
  { by: "client" },
  { text: TEXT }
)

const error = (type: string, text: string) => server({ message_type: type, error: text }, 40)
const closes = (reason: string) => ({ by: "server", code: 1008, reason })
cassette("stt-realtime-unauthorized.json", "unauthorized", "auth_error in place of session_started (a revoked key); the vendor closes.", [error("auth_error", "Invalid API key")], closes("auth_error"))
cassette(
  "stt-realtime-quota-exceeded.json",
  "quota_exceeded",
  "quota_exceeded after the first chunk; the vendor closes.",
  [started, chunk(0), error("quota_exceeded", "This request exceeds your quota of 10000. You have 0 credits remaining.")],
  closes("quota_exceeded")
)
cassette(
  "stt-realtime-rate-limited.json",
  "rate_limited",
  "rate_limited after two chunks (too many concurrent sessions); the vendor closes.",
  [started, chunk(0), chunk(1), error("rate_limited", "Too many concurrent requests")],
  closes("rate_limited")
)
cassette(
  "stt-realtime-invalid-request.json",
  "invalid_request",
  "input_error on the first chunk (audio the vendor cannot read); the vendor closes.",
  [started, chunk(0), error("input_error", "Invalid audio data")],
  closes("input_error")
)
cassette(
  "stt-realtime-unavailable.json",
  "unavailable",
  "The connection drops after three chunks, without a close frame.",
  [started, chunk(0), chunk(1), chunk(2)],
  { by: "drop" }
)
