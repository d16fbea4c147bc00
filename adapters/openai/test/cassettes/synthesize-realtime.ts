/**
 * Writes the realtime cassettes of `gpt-4o-transcribe` (`node test/cassettes/synthesize-realtime.ts`
 * from `adapters/openai`): one transcription session each on the Realtime API's WebSocket
 * (`/v1/realtime?intent=transcription`), synthesized from the SDK's event types
 * (`openai/resources/realtime/realtime`: `session.update`, `input_audio_buffer.append` /
 * `.commit` up; `session.created`, `session.updated`, `input_audio_buffer.committed`,
 * `conversation.item.input_audio_transcription.delta` / `.completed` and `error` down), over
 * the espeak-ng recording `audio/lights.pcm` ("Turn the lights on. Play some music.", 24 kHz
 * s16le mono) sent in 0.1 s chunks (4,800 bytes). Turn detection is off (`commit: "manual"`): the
 * battery commits after the first sentence (chunk 14), the adapter commits the rest when the
 * input ends, and each commit is transcribed in deltas while the audio goes on, as the service
 * does. Delays are plausible, not measured.
 */
import { statSync, writeFileSync } from "node:fs"

const here = new URL("./", import.meta.url)
const AUDIO = "audio/lights.pcm"
const CHUNK = 4800
const FIRST = 14
const size = statSync(new URL(AUDIO, here)).size
const MODEL = "gpt-4o-transcribe"
const SESSION = "sess_CQx7f3kYb2Lr9TmWd4Hs1"
const chunks = Math.ceil(size / CHUNK)

const append = (n: number) => ({
  from: "client",
  json: { type: "input_audio_buffer.append", audio: { $base64: { file: AUDIO, start: n * CHUNK, end: Math.min(size, (n + 1) * CHUNK) } } }
})
const commit = { from: "client", json: { type: "input_audio_buffer.commit" } }
let events = 0
const server = (json: Record<string, unknown>, delay_ms: number) => ({ from: "server", json: { event_id: `event_CQx7g${String(++events).padStart(3, "0")}`, ...json }, delay_ms })

const input = (transcription: unknown, turnDetection: unknown) => ({
  format: { type: "audio/pcm", rate: 24000 },
  noise_reduction: null,
  transcription,
  turn_detection: turnDetection
})
const session = (transcription: unknown, turnDetection: unknown) => ({
  type: "transcription",
  object: "realtime.transcription_session",
  id: SESSION,
  expires_at: 1796320800,
  audio: { input: input(transcription, turnDetection) },
  include: null
})
const opening = () => {
  events = 0
  return [
    server({ type: "session.created", session: session(null, { type: "server_vad", threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 }) }, 80),
    {
      from: "client",
      json: {
        type: "session.update",
        session: { type: "transcription", audio: { input: { format: { type: "audio/pcm", rate: 24000 }, transcription: { model: MODEL, language: "en" }, turn_detection: null } } }
      }
    },
    server({ type: "session.updated", session: session({ model: MODEL, language: "en", prompt: "" }, null) }, 40)
  ]
}

const utterance = (item: string, previous: string | null, words: ReadonlyArray<string>, tokens: { input: number; output: number }) => [
  server({ type: "input_audio_buffer.committed", previous_item_id: previous, item_id: item }, 30),
  ...words.map((word, i) =>
    server({ type: "conversation.item.input_audio_transcription.delta", item_id: item, content_index: 0, delta: i === 0 ? word : ` ${word}` }, i === 0 ? 220 : 45)
  ),
  server({
    type: "conversation.item.input_audio_transcription.completed",
    item_id: item,
    content_index: 0,
    transcript: words.join(" "),
    usage: {
      type: "tokens",
      input_tokens: tokens.input,
      input_token_details: { text_tokens: 0, audio_tokens: tokens.input },
      output_tokens: tokens.output,
      total_tokens: tokens.input + tokens.output
    }
  }, 30)
]

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
        request: {
          model: MODEL,
          language: "en",
          audio: { fixture: AUDIO },
          audio_format: "pcm_24000",
          commit: "manual",
          chunk_bytes: CHUNK,
          ...(scenarioCase === "success" ? { commit_after: [FIRST] } : {})
        },
        ...(expect === undefined ? {} : { expect })
      },
      interactions: [],
      websocket: { url: "wss://api.openai.com/v1/realtime?intent=transcription", messages, end }
    }, null, 2)}\n`
  )

const success: Array<unknown> = [...opening()]
for (let n = 0; n < FIRST; n++) success.push(append(n))
success.push(commit, ...utterance("item_CQx7h1", null, ["Turn", "the", "lights", "on."], { input: 15, output: 7 }))
for (let n = FIRST; n < chunks; n++) success.push(append(n))
success.push(commit, ...utterance("item_CQx7h2", "item_CQx7h1", ["Play", "some", "music."], { input: 14, output: 6 }))
cassette(
  "stt-realtime-success.json",
  "success",
  "gpt-4o-transcribe, turn detection off: the first sentence committed by the caller mid-input and transcribed in deltas while the audio goes on, the rest committed by the adapter when the input ends; the client closes.",
  success,
  { by: "client" },
  { text: "Turn the lights on. Play some music." }
)

const failure = (error: Record<string, unknown>) => server({ type: "error", error: { event_id: null, param: null, ...error } }, 40)
const closes = { by: "server", code: 1008, reason: "error" }
cassette(
  "stt-realtime-unauthorized.json",
  "unauthorized",
  "An error event naming the key invalid (a key revoked while the socket opened); the service closes.",
  [server({ type: "session.created", session: session(null, null) }, 80), failure({ type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided: [redacted]." })],
  closes
)
cassette(
  "stt-realtime-quota-exceeded.json",
  "quota_exceeded",
  "insufficient_quota on the first append; the service closes.",
  [...opening(), append(0), failure({ type: "insufficient_quota", code: "insufficient_quota", message: "You exceeded your current quota, please check your plan and billing details." })],
  closes
)
cassette(
  "stt-realtime-rate-limited.json",
  "rate_limited",
  "rate_limit_exceeded after two appends; the service closes.",
  [...opening(), append(0), append(1), failure({ type: "rate_limit_exceeded", code: "rate_limit_exceeded", message: "Rate limit reached for gpt-4o-transcribe on audio seconds per minute." })],
  closes
)
cassette(
  "stt-realtime-invalid-request.json",
  "invalid_request",
  "invalid_request_error on the first append (audio the service cannot decode); the service closes.",
  [...opening(), append(0), failure({ type: "invalid_request_error", code: "invalid_value", param: "audio", message: "Invalid 'audio'. Expected base64-encoded audio bytes." })],
  closes
)
cassette(
  "stt-realtime-unavailable.json",
  "unavailable",
  "The connection drops after three appends, without a close frame.",
  [...opening(), append(0), append(1), append(2)],
  { by: "drop" }
)
