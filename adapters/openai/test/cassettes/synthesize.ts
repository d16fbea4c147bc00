// Synthesizes the @patchbay/openai cassettes from the shapes of OpenAI's published OpenAPI spec
// (reference/openai-openapi.yaml) and WIRE-FORMATS.md, with the real audio and images next to
// this file. Every body is built by `../support/FakeUpstream.ts`, which checks it against the
// adapter's wire schemas. Run `node test/cassettes/synthesize.ts` from adapters/openai after
// changing it; a cassette re-recorded from the live API ("source": "recorded") is never overwritten.
import type { Cassette } from "@patchbay/conformance"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import {
  base64 as b64,
  choice,
  chunk,
  type CompletionUsage,
  embeddingsFor,
  errorEvent,
  fail,
  headers,
  imagesResponse,
  ok,
  request,
  speechEvent,
  speechSse,
  type SpeechUsage,
  sse,
  transcriptionDiarizedJson,
  transcriptionEvent,
  transcriptionJson,
  transcriptionVerboseJson
} from "../support/FakeUpstream.ts"

const OUT = path.dirname(fileURLToPath(import.meta.url))

type Interaction = Cassette.Interaction
type Response = Cassette.CassetteResponse
type Json = Record<string, unknown>

/** Writes a cassette unless the file holds a recorded one. */
const save = (file: string, cassette: Json): void => {
  if (existsSync(file) && JSON.parse(readFileSync(file, "utf8")).source === "recorded") {
    console.log(`kept ${path.relative(OUT, file)}: it was recorded from the live API`)
    return
  }
  writeFileSync(file, `${JSON.stringify(cassette, null, 2)}\n`)
}

const file = (rel: string): Buffer => readFileSync(path.join(OUT, rel))
const ref = (rel: string, content_type: string): Cassette.BinaryRef => {
  const bytes = file(rel)
  return { sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, filename: path.basename(rel), content_type }
}

let count = 0
const write = (name: string, description: string, scenario: Json | undefined, interactions: ReadonlyArray<Interaction>): void => {
  save(path.join(OUT, `${name}.json`), { version: 1, source: "synthesized", description, ...(scenario ? { scenario } : {}), interactions })
  count++
}

const multipart = request.multipart
const json = request.json
type ErrorFields = Parameters<typeof fail>[2]

// ---------------------------------------------------------------------------------------------
// Errors shared by every endpoint (bodies as OpenAI's error envelope)
// ---------------------------------------------------------------------------------------------
const unauthorized: ErrorFields = { message: "Incorrect API key provided: sk-proj-****************************wxyz. You can find your API key at https://platform.openai.com/account/api-keys.", type: "invalid_request_error", code: "invalid_api_key" }
const quota: ErrorFields = { message: "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.", type: "insufficient_quota", code: "insufficient_quota" }
const serverError: ErrorFields = { message: "The server had an error while processing your request. Sorry about that!", type: "server_error" }
const rateHeaders = (limit: number): Record<string, string> => ({ "retry-after": "2", "x-ratelimit-limit-requests": String(limit), "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.2s" })

// ---------------------------------------------------------------------------------------------
// STT
// ---------------------------------------------------------------------------------------------
const SPEECH = "Patchbay turns speech into text and back again."
const mp3 = ref("audio/speech.mp3", "audio/mpeg")
const m4a = ref("audio/speech.m4a", "audio/mp4")
const stt = (model: string, fields: Cassette.MultipartFields, fileRef: Cassette.BinaryRef = mp3) => multipart("/audio/transcriptions", { model, ...fields, file: fileRef })
const sttScenario = (kase: string, request: Json, expect?: Json, extra: Json = {}): Json => ({ capability: "stt", case: kase, ...extra, request: { audio: { fixture: "audio/speech.mp3" }, ...request }, ...(expect ? { expect } : {}) })

const words = ([
  ["Patchbay", 0.0, 0.52], ["turns", 0.52, 0.8], ["speech", 0.8, 1.18], ["into", 1.18, 1.38],
  ["text", 1.38, 1.72], ["and", 1.72, 1.9], ["back", 1.9, 2.18], ["again", 2.18, 2.6]
] as const).map(([word, start, end]) => ({ word, start, end }))

write("stt-success-whisper-verbose",
  "whisper-1 with verbose_json (the adapter's default for it), word and segment timestamps, and a temperature. The language comes back as an English name (\"english\") and is normalized to \"en\"; usage is billed in seconds. Shapes from CreateTranscriptionResponseVerboseJson; the audio is core's speech.mp3 fixture, which says the sentence below.",
  sttScenario("success",
    { model: "whisper-1", language: "en", provider_options: { openai: { timestamp_granularities: ["word", "segment"], temperature: 0 } } },
    { text: SPEECH, language: "en", duration_seconds: 2.664, words: 8, segments: 1, usage: { audio_seconds: 3 } }),
  [{
    request: stt("whisper-1", { response_format: "verbose_json", language: "en", temperature: "0", "timestamp_granularities[]": ["word", "segment"] }),
    response: ok("req_5c1e0b7f3a2d4e6f8a9b0c1d2e3f4a01", transcriptionVerboseJson({
      task: "transcribe", language: "english", duration: 2.664, text: SPEECH, words,
      segments: [{ id: 0, seek: 0, start: 0.0, end: 2.6, text: ` ${SPEECH}`, tokens: [50364, 10702, 49945, 4919, 6218, 666, 2487, 293, 646, 797, 13, 50494], temperature: 0.0, avg_logprob: -0.2412, compression_ratio: 0.9423, no_speech_prob: 0.0121 }],
      usage: { type: "duration", seconds: 3 }
    }))
  }])

write("stt-success-whisper-srt",
  "whisper-1 with response_format srt: the body is SubRip text; each cue becomes a segment and the transcript is their text.",
  sttScenario("success",
    { model: "whisper-1", provider_options: { openai: { response_format: "srt", prompt: "Patchbay is a product name." } } },
    { text: SPEECH, language: null, segments: 2, usage: {} }),
  [{
    request: stt("whisper-1", { response_format: "srt", prompt: "Patchbay is a product name." }),
    response: {
      status: 200,
      headers: { "content-type": "text/plain; charset=utf-8", ...headers("req_5c1e0b7f3a2d4e6f8a9b0c1d2e3f4a02") },
      body: { type: "text", text: "1\n00:00:00,000 --> 00:00:01,380\nPatchbay turns speech into\n\n2\n00:00:01,380 --> 00:00:02,600\ntext and back again.\n\n" }
    }
  }])

write("stt-success-gpt-4o-transcribe",
  "gpt-4o-transcribe with a prompt and logprobs (include[]=logprobs, json only). The json response says no language, so the transcript's language is null; usage is billed in tokens. The audio is core's speech.m4a fixture (the same sentence, in mp4).",
  {
    capability: "stt", case: "success",
    request: { model: "gpt-4o-transcribe", language: "en", audio: { fixture: "audio/speech.m4a" }, provider_options: { openai: { prompt: "Patchbay is a product name.", include: ["logprobs"], temperature: 0.1 } } },
    expect: { text: SPEECH, language: null, usage: { input_tokens: 47, output_tokens: 11, total_tokens: 58, audio_tokens: 40 } }
  },
  [{
    request: stt("gpt-4o-transcribe", { response_format: "json", language: "en", prompt: "Patchbay is a product name.", temperature: "0.1", "include[]": "logprobs" }, m4a),
    response: ok("req_5c1e0b7f3a2d4e6f8a9b0c1d2e3f4a03", transcriptionJson({
      text: SPEECH,
      logprobs: SPEECH.split(/(?= )/).map((token, i) => ({ token, logprob: -0.0012 * (i + 1), bytes: [...Buffer.from(token)] })),
      usage: { type: "tokens", input_tokens: 47, input_token_details: { text_tokens: 7, audio_tokens: 40 }, output_tokens: 11, total_tokens: 58 }
    }))
  }])

write("stt-success-gpt-transcribe",
  "gpt-transcribe with candidate languages and keywords (languages[], keywords[]); it answers the detected languages, here one, so the transcript's language is \"en\".",
  sttScenario("success",
    { model: "gpt-transcribe", provider_options: { openai: { languages: ["en", "fr"], keywords: ["Patchbay"] } } },
    { text: SPEECH, language: "en", usage: { input_tokens: 42, output_tokens: 11, total_tokens: 53, audio_tokens: 40 } }),
  [{
    request: stt("gpt-transcribe", { response_format: "json", "languages[]": ["en", "fr"], "keywords[]": "Patchbay" }),
    response: ok("req_5c1e0b7f3a2d4e6f8a9b0c1d2e3f4a04", transcriptionJson({
      text: SPEECH, languages: [{ code: "en" }],
      usage: { type: "tokens", input_tokens: 42, input_token_details: { text_tokens: 2, audio_tokens: 40 }, output_tokens: 11, total_tokens: 53 }
    }))
  }])

const DIARIZED_TEXT = "agent: Patchbay turns speech into\nagent: text and back again."
write("stt-success-diarize",
  "gpt-4o-transcribe-diarize with diarized_json (its default here) and chunking_strategy=auto (always sent for this model), with one known speaker. Segments carry the speaker; the speakers list is derived from them. Shapes from CreateTranscriptionResponseDiarizedJson.",
  sttScenario("success",
    { model: "gpt-4o-transcribe-diarize", language: "en", provider_options: { openai: { known_speaker_names: ["agent"], known_speaker_references: ["data:audio/wav;base64,UklGRiQAAABXQVZFZm10IBAAAAABAAEAgD4AAAB9AAACABAAZGF0YQAAAAA="] } } },
    { text: DIARIZED_TEXT, language: null, duration_seconds: 2.664, segments: 2, speakers: 1, usage: { audio_seconds: 3 }, wire: { chunking_strategy: "auto", response_format: "diarized_json" } }),
  [{
    request: stt("gpt-4o-transcribe-diarize", {
      response_format: "diarized_json", language: "en", chunking_strategy: "auto",
      "known_speaker_names[]": "agent", "known_speaker_references[]": "data:audio/wav;base64,UklGRiQAAABXQVZFZm10IBAAAAABAAEAgD4AAAB9AAACABAAZGF0YQAAAAA="
    }),
    response: ok("req_5c1e0b7f3a2d4e6f8a9b0c1d2e3f4a05", transcriptionDiarizedJson({
      task: "transcribe", duration: 2.664, text: DIARIZED_TEXT,
      segments: [
        { type: "transcript.text.segment", id: "seg_001", start: 0.0, end: 1.38, text: "Patchbay turns speech into", speaker: "agent" },
        { type: "transcript.text.segment", id: "seg_002", start: 1.38, end: 2.6, text: "text and back again.", speaker: "agent" }
      ],
      usage: { type: "duration", seconds: 3 }
    }))
  }])

const sttStreamDeltas = ["Patchbay", " turns", " speech", " into text", " and back again."]
write("stt-success-stream",
  "Streaming transcription (stream=true) with gpt-4o-mini-transcribe: transcript.text.delta events, then transcript.text.done with the token usage (without its `type`, as in the spec's example).",
  sttScenario("success",
    { model: "gpt-4o-mini-transcribe", language: "en", provider_options: { openai: { temperature: 0 } } },
    { text: SPEECH, language: null, usage: { input_tokens: 36, output_tokens: 12, total_tokens: 48, audio_tokens: 36 } },
    { operation: "transcribeStream" }),
  [{
    request: stt("gpt-4o-mini-transcribe", { response_format: "json", language: "en", temperature: "0", stream: "true" }),
    response: {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", ...headers("req_5c1e0b7f3a2d4e6f8a9b0c1d2e3f4a06") },
      body: {
        type: "sse",
        chunks: [
          ...sttStreamDeltas.map((delta, i) => ({ data: transcriptionEvent({ type: "transcript.text.delta", delta }), ...(i === 0 ? {} : { delay_ms: 15 }) })),
          { data: transcriptionEvent({ type: "transcript.text.done", text: SPEECH, usage: { input_tokens: 36, input_token_details: { text_tokens: 0, audio_tokens: 36 }, output_tokens: 12, total_tokens: 48 } }), delay_ms: 10 }
        ]
      }
    }
  }])

const trailingDeltas = ["Patchbay turns", "", " speech into text", " and back again."]
write("stt-success-stream-trailing",
  "Streaming transcription with gpt-4o-mini-transcribe whose stream holds an empty transcript.text.delta, and events after transcript.text.done (a stray delta, then [DONE], as a proxy replaying the stream's tail may send): the adapter passes on the non-empty deltas before the done event and nothing after it.",
  sttScenario("success",
    { model: "gpt-4o-mini-transcribe", language: "en" },
    { text: SPEECH, language: null, deltas: trailingDeltas.filter((d) => d !== ""), usage: { input_tokens: 36, output_tokens: 12, total_tokens: 48, audio_tokens: 36 } },
    { operation: "transcribeStream" }),
  [{
    request: stt("gpt-4o-mini-transcribe", { response_format: "json", language: "en", stream: "true" }),
    response: {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", ...headers("req_5c1e0b7f3a2d4e6f8a9b0c1d2e3f4a08") },
      body: {
        type: "sse",
        chunks: [
          ...trailingDeltas.map((delta, i) => ({ data: transcriptionEvent({ type: "transcript.text.delta", delta }), ...(i === 0 ? {} : { delay_ms: 10 }) })),
          { data: transcriptionEvent({ type: "transcript.text.done", text: SPEECH, usage: { input_tokens: 36, input_token_details: { text_tokens: 0, audio_tokens: 36 }, output_tokens: 12, total_tokens: 48 } }), delay_ms: 5 },
          { data: transcriptionEvent({ type: "transcript.text.delta", delta: " again." }), delay_ms: 5 },
          { data: transcriptionEvent({ type: "transcript.text.done", text: `${SPEECH} again.` }), delay_ms: 5 },
          { data: "[DONE]" }
        ]
      }
    }
  }])

write("stt-success-tokens-without-details",
  "gpt-4o-mini-transcribe with json whose token usage has no input_token_details (optional in TranscriptTextUsageTokens): the usage has no audio_tokens.",
  sttScenario("success",
    { model: "gpt-4o-mini-transcribe" },
    { text: SPEECH, language: null, usage: { input_tokens: 38, output_tokens: 11, total_tokens: 49 } }),
  [{
    request: stt("gpt-4o-mini-transcribe", { response_format: "json" }),
    response: ok("req_5c1e0b7f3a2d4e6f8a9b0c1d2e3f4a09", transcriptionJson({
      text: SPEECH,
      usage: { type: "tokens", input_tokens: 38, output_tokens: 11, total_tokens: 49 }
    }))
  }])

write("stt-success-stream-diarize",
  "Streaming diarization: deltas tagged with their segment_id, a transcript.text.segment event per finished segment, then transcript.text.done.",
  sttScenario("success",
    { model: "gpt-4o-transcribe-diarize", language: "en" },
    { text: SPEECH, language: null, segments: 2, speakers: 1, usage: {} },
    { operation: "transcribeStream" }),
  [{
    request: stt("gpt-4o-transcribe-diarize", { response_format: "diarized_json", language: "en", chunking_strategy: "auto", stream: "true" }),
    response: {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", ...headers("req_5c1e0b7f3a2d4e6f8a9b0c1d2e3f4a07") },
      body: {
        type: "sse",
        chunks: [
          { data: transcriptionEvent({ type: "transcript.text.delta", delta: "Patchbay turns speech into", segment_id: "seg_001" }) },
          { data: transcriptionEvent({ type: "transcript.text.segment", id: "seg_001", start: 0.0, end: 1.38, text: "Patchbay turns speech into", speaker: "A" }), delay_ms: 10 },
          { data: transcriptionEvent({ type: "transcript.text.delta", delta: " text and back again.", segment_id: "seg_002" }), delay_ms: 10 },
          { data: transcriptionEvent({ type: "transcript.text.segment", id: "seg_002", start: 1.38, end: 2.6, text: "text and back again.", speaker: "A" }), delay_ms: 10 },
          { data: transcriptionEvent({ type: "transcript.text.done", text: SPEECH }), delay_ms: 5 }
        ]
      }
    }
  }])

const sttError = (name: string, description: string, kase: string, response: Response, expect?: Json) =>
  write(name, description, sttScenario(kase, { model: "whisper-1", language: "en" }, expect), [{ request: stt("whisper-1", { response_format: "verbose_json", language: "en" }), response }])

sttError("stt-unauthorized", "A revoked key: 401 invalid_api_key (the message's masked key never reaches the error unredacted).", "unauthorized",
  fail(401, "req_stt_401", unauthorized), { error: { _tag: "AuthenticationFailed", requestId: "req_stt_401", status: 401 } })
write("stt-unknown-model", "A model outside the closed catalogue: refused before any request, so there is no interaction.",
  sttScenario("unknown_model", { model: "whisper-2", language: "en" }), [])
sttError("stt-too-large", "The server's 413 for an upload over 25 MiB, with the message seen in public logs (type server_error, no code).", "too_large",
  fail(413, "req_stt_413", { message: "Maximum content size limit (26214400) exceeded (26228170 bytes read)", type: "server_error" }),
  { error: { _tag: "InputTooLarge", field: "audio_file", size: 26228170, limit: 26214400 } })
sttError("stt-invalid-request", "A file the server cannot decode: 400 invalid_request_error naming param `file`.", "invalid_request",
  fail(400, "req_stt_400", { message: "Audio file might be corrupted or unsupported", type: "invalid_request_error", param: "file", code: "invalid_value" }),
  { error: { _tag: "InvalidRequest", field: "audio_file" } })
sttError("stt-rate-limited", "429 rate_limit_exceeded with retry-after: 2 and the x-ratelimit headers.", "rate_limited",
  fail(429, "req_stt_429", { message: "Rate limit reached for whisper-1 in organization org-patchbay on requests per min (RPM): Limit 50, Used 50, Requested 1. Please try again in 1.2s.", type: "requests", code: "rate_limit_exceeded" }, rateHeaders(50)),
  { error: { _tag: "RateLimited", retryAfter: 2, requestId: "req_stt_429" } })
sttError("stt-quota-exceeded", "429 insufficient_quota: QuotaExceeded, not retried.", "quota_exceeded", fail(429, "req_stt_quota", quota))
sttError("stt-unavailable", "500 server_error.", "unavailable", fail(500, "req_stt_500", serverError))

write("stt-stream-error",
  "A streaming transcription whose connection drops after two deltas.",
  sttScenario("stream_error", { model: "gpt-4o-mini-transcribe", language: "en" }, { error: { _tag: "ProviderUnavailable" } }, { operation: "transcribeStream" }),
  [{
    request: stt("gpt-4o-mini-transcribe", { response_format: "json", language: "en", stream: "true" }),
    response: {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", ...headers("req_stt_drop") },
      body: { type: "sse", chunks: [
        { data: transcriptionEvent({ type: "transcript.text.delta", delta: "Patchbay" }) },
        { data: transcriptionEvent({ type: "transcript.text.delta", delta: " turns" }), delay_ms: 10 },
        { error: "connection reset by peer", delay_ms: 10 }
      ] }
    }
  }])

write("stt-stream-error-event",
  "A streaming transcription that reports an error event (an object with an `error` key) after one delta.",
  sttScenario("stream_error", { model: "gpt-4o-transcribe", language: "en" }, { error: { _tag: "ProviderUnavailable" } }, { operation: "transcribeStream" }),
  [{
    request: stt("gpt-4o-transcribe", { response_format: "json", language: "en", stream: "true" }),
    response: {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", ...headers("req_stt_event") },
      body: { type: "sse", chunks: [
        { data: transcriptionEvent({ type: "transcript.text.delta", delta: "Patchbay" }) },
        { data: errorEvent({ type: "error", error: { message: "The server had an error while processing your request.", type: "server_error", param: null, code: "server_error" } }), delay_ms: 10 }
      ] }
    }
  }])

// ---------------------------------------------------------------------------------------------
// TTS
// ---------------------------------------------------------------------------------------------
const HELLO = "Hello from Patchbay."
const durations = { mp3: 1.536, aac: 1.536, opus: 1.484583, flac: 1.484583, wav: 1.484583, pcm: 1.484583 }
const contentTypes: Record<string, string> = { mp3: "audio/mpeg", opus: "audio/ogg", aac: "audio/aac", flac: "audio/flac", wav: "audio/wav", pcm: "audio/pcm" }
const ttsScenario = (kase: string, request: Json, expect?: Json): Json => ({ capability: "tts", case: kase, request: { text: HELLO, ...request }, ...(expect ? { expect } : {}) })
const speech = (body: Json) => json("/audio/speech", { input: HELLO, ...body })
const thirds = (rel: string, parts = 3, delay = 30): Array<Cassette.BinaryChunk> => {
  const size = file(rel).length
  const step = Math.ceil(size / parts / 2) * 2 // even offsets keep pcm frames whole
  const out: Array<Cassette.BinaryChunk> = []
  for (let start = 0, i = 0; start < size; start += step, i++) {
    out.push({ file: rel, start, end: Math.min(size, start + step), ...(i === 0 ? {} : { delay_ms: delay }) })
  }
  return out
}
const binary = (format: string, id: string, chunks: ReadonlyArray<Cassette.BinaryChunk>): Response => ({
  status: 200,
  headers: { "content-type": contentTypes[format] ?? "application/octet-stream", "transfer-encoding": "chunked", ...headers(id) },
  body: { type: "binary", chunks }
})
const sseAudio = (rel: string, id: string, usage: SpeechUsage, parts = 3): Response => speechSse(file(rel), id, usage, parts)
const tokens = { input_tokens: 14, output_tokens: 101, total_tokens: 115 }

write("tts-success-mp3",
  "tts-1 in mp3 at speed 1.1: the chunked audio body (tts-1 cannot stream server-sent events), three chunks 30 ms apart. tts-1 bills the characters sent. The audio is espeak-ng speech of the text, 24 kHz mono, encoded with ffmpeg.",
  ttsScenario("success", { model: "tts-1", voice: "alloy", output_format: "mp3", provider_options: { openai: { speed: 1.1 } } },
    { characters: 20, duration_seconds: durations.mp3, usage: { characters: 20 }, provider_output: { content_type: "audio/mpeg", x_request_id: "req_tts_0001" } }),
  [{ request: speech({ model: "tts-1", voice: "alloy", response_format: "mp3", speed: 1.1 }), response: binary("mp3", "req_tts_0001", thirds("audio/hello.mp3")) }])

write("tts-success-mp3-sse",
  "gpt-4o-mini-tts with instructions: stream_format=sse (the adapter's default for this model), base64 speech.audio.delta events, then speech.audio.done with the token usage.",
  ttsScenario("success", { model: "gpt-4o-mini-tts", voice: "coral", output_format: "mp3", provider_options: { openai: { instructions: "Calm and professional" } } },
    { characters: 20, duration_seconds: durations.mp3, usage: tokens, wire: { stream_format: "sse" } }),
  [{ request: speech({ model: "gpt-4o-mini-tts", voice: "coral", response_format: "mp3", instructions: "Calm and professional", stream_format: "sse" }), response: sseAudio("audio/hello.mp3", "req_tts_0002", tokens) }])

write("tts-success-opus",
  "gpt-4o-mini-tts-2025-12-15 in opus (Ogg) over server-sent events, voice marin.",
  ttsScenario("success", { model: "gpt-4o-mini-tts-2025-12-15", voice: "marin", output_format: "opus" },
    { characters: 20, duration_seconds: durations.opus, usage: tokens }),
  [{ request: speech({ model: "gpt-4o-mini-tts-2025-12-15", voice: "marin", response_format: "opus", stream_format: "sse" }), response: sseAudio("audio/hello.opus", "req_tts_0003", tokens, 2) }])

write("tts-success-aac",
  "tts-1-hd in aac (ADTS), the chunked body.",
  ttsScenario("success", { model: "tts-1-hd", voice: "nova", output_format: "aac" },
    { characters: 20, duration_seconds: durations.aac, usage: { characters: 20 } }),
  [{ request: speech({ model: "tts-1-hd", voice: "nova", response_format: "aac" }), response: binary("aac", "req_tts_0004", thirds("audio/hello.aac", 2)) }])

write("tts-success-flac",
  "gpt-4o-mini-tts in flac with stream_format=audio (the chunked body, so no usage is reported).",
  ttsScenario("success", { model: "gpt-4o-mini-tts", voice: "sage", output_format: "flac", provider_options: { openai: { stream_format: "audio" } } },
    { characters: 20, duration_seconds: durations.flac, usage: {} }),
  [{ request: speech({ model: "gpt-4o-mini-tts", voice: "sage", response_format: "flac", stream_format: "audio" }), response: binary("flac", "req_tts_0005", thirds("audio/hello.flac")) }])

write("tts-success-wav",
  "gpt-4o-mini-tts in wav with a custom voice: `voice_1234` is sent as {\"id\": \"voice_1234\"}.",
  ttsScenario("success", { model: "gpt-4o-mini-tts", voice: "voice_1234", output_format: "wav", provider_options: { openai: { stream_format: "audio", speed: 0.9 } } },
    { characters: 20, duration_seconds: durations.wav, usage: {} }),
  [{ request: speech({ model: "gpt-4o-mini-tts", voice: { id: "voice_1234" }, response_format: "wav", stream_format: "audio", speed: 0.9 }), response: binary("wav", "req_tts_0006", thirds("audio/hello.wav")) }])

write("tts-success-pcm",
  "tts-1 in pcm: headerless 24 kHz signed 16-bit little-endian mono, the chunked body.",
  ttsScenario("success", { model: "tts-1", voice: "echo", output_format: "pcm" },
    { characters: 20, duration_seconds: durations.pcm, usage: { characters: 20 } }),
  [{ request: speech({ model: "tts-1", voice: "echo", response_format: "pcm" }), response: binary("pcm", "req_tts_0007", thirds("audio/hello.pcm")) }])

const ttsError = (name: string, description: string, kase: string, response: Response, expect?: Json) =>
  write(name, description, ttsScenario(kase, { model: "tts-1", voice: "alloy", output_format: "mp3" }, expect),
    [{ request: speech({ model: "tts-1", voice: "alloy", response_format: "mp3" }), response }])

ttsError("tts-unauthorized", "401 invalid_api_key.", "unauthorized", fail(401, "req_tts_401", unauthorized), { error: { _tag: "AuthenticationFailed", requestId: "req_tts_401" } })
write("tts-unknown-model", "A model outside the closed catalogue: refused before any request.", ttsScenario("unknown_model", { model: "tts-2", voice: "alloy", output_format: "mp3" }), [])
ttsError("tts-invalid-request", "400 invalid_request_error naming param `input`.", "invalid_request",
  fail(400, "req_tts_400", { message: "Invalid 'input': the text contains no speakable characters.", type: "invalid_request_error", param: "input", code: "invalid_value" }),
  { error: { _tag: "InvalidRequest", field: "content" } })
ttsError("tts-rate-limited", "429 rate_limit_exceeded with retry-after: 2.", "rate_limited",
  fail(429, "req_tts_429", { message: "Rate limit reached for tts-1 in organization org-patchbay on requests per min (RPM): Limit 50, Used 50, Requested 1. Please try again in 1.2s.", type: "requests", code: "rate_limit_exceeded" }, rateHeaders(50)))
ttsError("tts-quota-exceeded", "429 insufficient_quota.", "quota_exceeded", fail(429, "req_tts_quota", quota))
ttsError("tts-unavailable", "502 from the gateway (server_error envelope).", "unavailable", fail(502, "req_tts_502", { message: "Bad gateway.", type: "server_error" }))

write("stt-stream-error-rate-limited",
  "A streaming transcription rate-limited after one delta, in band: an error event with code rate_limit_exceeded maps to RateLimited, as a 429 would.",
  sttScenario("stream_error", { model: "gpt-4o-transcribe", language: "en" }, { error: { _tag: "RateLimited", requestId: "req_stt_event_429" } }, { operation: "transcribeStream" }),
  [{
    request: stt("gpt-4o-transcribe", { response_format: "json", language: "en", stream: "true" }),
    response: {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", ...headers("req_stt_event_429") },
      body: { type: "sse", chunks: [
        { data: transcriptionEvent({ type: "transcript.text.delta", delta: "Patchbay" }) },
        { data: errorEvent({ type: "error", error: { message: "Rate limit reached for gpt-4o-transcribe on requests per min (RPM): Limit 50, Used 50, Requested 1.", type: "requests", param: null, code: "rate_limit_exceeded" } }), delay_ms: 10 }
      ] }
    }
  }])

write("tts-stream-error",
  "tts-1's chunked body drops after the first chunk.",
  ttsScenario("stream_error", { model: "tts-1", voice: "alloy", output_format: "mp3" }, { error: { _tag: "ProviderUnavailable" } }),
  [{ request: speech({ model: "tts-1", voice: "alloy", response_format: "mp3" }), response: binary("mp3", "req_tts_drop", [{ file: "audio/hello.mp3", start: 0, end: 3152 }, { error: "connection reset by peer", delay_ms: 20 }]) }])

write("tts-stream-error-sse",
  "gpt-4o-mini-tts over server-sent events reports an error event after the first audio delta.",
  ttsScenario("stream_error", { model: "gpt-4o-mini-tts", voice: "alloy", output_format: "mp3" }, { error: { _tag: "ProviderUnavailable" } }),
  [{
    request: speech({ model: "gpt-4o-mini-tts", voice: "alloy", response_format: "mp3", stream_format: "sse" }),
    response: {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", ...headers("req_tts_event") },
      body: { type: "sse", chunks: [
        { data: speechEvent({ type: "speech.audio.delta", audio: b64(file("audio/hello.mp3").subarray(0, 3152)) }) },
        { data: errorEvent({ type: "error", error: { message: "The server had an error while processing your request.", type: "server_error", param: null, code: "server_error" } }), delay_ms: 10 }
      ] }
    }
  }])

write("tts-stream-error-sse-quota",
  "gpt-4o-mini-tts over server-sent events runs out of quota after the first audio delta: an error event with code insufficient_quota maps to QuotaExceeded, as the 429 would.",
  ttsScenario("stream_error", { model: "gpt-4o-mini-tts", voice: "alloy", output_format: "mp3" }, { error: { _tag: "QuotaExceeded", requestId: "req_tts_event_quota" } }),
  [{
    request: speech({ model: "gpt-4o-mini-tts", voice: "alloy", response_format: "mp3", stream_format: "sse" }),
    response: {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", ...headers("req_tts_event_quota") },
      body: { type: "sse", chunks: [
        { data: speechEvent({ type: "speech.audio.delta", audio: b64(file("audio/hello.mp3").subarray(0, 3152)) }) },
        { data: errorEvent({ type: "error", error: { message: "You exceeded your current quota, please check your plan and billing details.", type: "insufficient_quota", param: null, code: "insufficient_quota" } }), delay_ms: 10 }
      ] }
    }
  }])

// ---------------------------------------------------------------------------------------------
// LLM
// ---------------------------------------------------------------------------------------------
const chatRequest = (body: Json) => json("/chat/completions", { ...body, stream: true, stream_options: { include_usage: true } })
const llmMessages = [{ role: "system", content: "You are a concise assistant." }, { role: "user", content: "Say hello in one sentence." }]
const textUsage = { prompt_tokens: 24, completion_tokens: 9, total_tokens: 33, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } }
const C1 = "chatcmpl-Bp3xYz1"
const pieces = ["Hello", "! It's", " nice to meet", " you."]
write("llm-success-text",
  "gpt-4.1 with system instructions, a temperature and max_completion_tokens: role chunk, content deltas, the finish chunk, then the usage chunk (choices: []) of stream_options.include_usage, then [DONE]. Shapes from CreateChatCompletionStreamResponse.",
  { capability: "llm", case: "success", request: { model: "gpt-4.1", messages: llmMessages, provider_options: { openai: { temperature: 0.2, max_completion_tokens: 64 } } },
    expect: { text: pieces.join(""), finish_reason: "stop", usage: { input_tokens: 24, output_tokens: 9, total_tokens: 33 }, wire: { stream: true, stream_options: { include_usage: true } }, provider_output: { system_fingerprint: "fp_3f58d112f7", service_tier: "default", usage: { prompt_tokens: 24, completion_tokens: 9, total_tokens: 33 } } } },
  [{
    request: chatRequest({ model: "gpt-4.1", messages: llmMessages, temperature: 0.2, max_completion_tokens: 64 }),
    response: sse("req_llm_0001", [
      { data: chunk(C1, "gpt-4.1-2025-04-14", [choice({ role: "assistant", content: "", refusal: null })], null) },
      ...pieces.map((content) => ({ data: chunk(C1, "gpt-4.1-2025-04-14", [choice({ content })], null), delay_ms: 10 })),
      { data: chunk(C1, "gpt-4.1-2025-04-14", [choice({}, "stop")], null), delay_ms: 5 },
      { data: chunk(C1, "gpt-4.1-2025-04-14", [], textUsage), delay_ms: 5 },
      { data: "[DONE]" }
    ])
  }])

const weather = { type: "function", function: { name: "get_weather", description: "The current weather in a city.", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false }, strict: true } }
const toolMessages = [{ role: "user", content: "What is the weather in Paris and in Rome?" }]
const C2 = "chatcmpl-Bp3xYz2"
const tc = <E extends object>(index: number, extra: E) => ({ index, ...extra })
write("llm-success-tools",
  "gpt-4.1-mini calling two tools in parallel: each call's first fragment has its id and name, the arguments follow in pieces by index; finish_reason tool_calls; then usage.",
  { capability: "llm", case: "success", request: { model: "gpt-4.1-mini", messages: toolMessages, tools: [weather], provider_options: { openai: { tool_choice: "auto", parallel_tool_calls: true } } },
    expect: { tool_calls: [{ name: "get_weather", arguments: { city: "Paris" } }, { name: "get_weather", arguments: { city: "Rome" } }], finish_reason: "tool_calls", usage: { input_tokens: 61, output_tokens: 46, total_tokens: 107 } } },
  [{
    request: chatRequest({ model: "gpt-4.1-mini", messages: toolMessages, tools: [weather], tool_choice: "auto", parallel_tool_calls: true }),
    response: sse("req_llm_0002", [
      { data: chunk(C2, "gpt-4.1-mini-2025-04-14", [choice({ role: "assistant", content: null, tool_calls: [tc(0, { id: "call_kx7Fq2", type: "function", function: { name: "get_weather", arguments: "" } })], refusal: null })], null) },
      { data: chunk(C2, "gpt-4.1-mini-2025-04-14", [choice({ tool_calls: [tc(0, { function: { arguments: "{\"ci" } })] })], null), delay_ms: 10 },
      { data: chunk(C2, "gpt-4.1-mini-2025-04-14", [choice({ tool_calls: [tc(0, { function: { arguments: "ty\": \"Paris\"}" } })] })], null), delay_ms: 10 },
      { data: chunk(C2, "gpt-4.1-mini-2025-04-14", [choice({ tool_calls: [tc(1, { id: "call_Zr81mB", type: "function", function: { name: "get_weather", arguments: "" } })] })], null), delay_ms: 10 },
      { data: chunk(C2, "gpt-4.1-mini-2025-04-14", [choice({ tool_calls: [tc(1, { function: { arguments: "{\"city\": \"Rome\"}" } })] })], null), delay_ms: 10 },
      { data: chunk(C2, "gpt-4.1-mini-2025-04-14", [choice({}, "tool_calls")], null), delay_ms: 5 },
      { data: chunk(C2, "gpt-4.1-mini-2025-04-14", [], { prompt_tokens: 61, completion_tokens: 46, total_tokens: 107, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } }), delay_ms: 5 },
      { data: "[DONE]" }
    ])
  }])

const hi = [{ role: "user", content: "Say hello in one sentence." }]
const llmError = (name: string, description: string, kase: string, response: Response, expect?: Json, model = "gpt-4.1") =>
  write(name, description, { capability: "llm", case: kase, request: { model, messages: hi }, ...(expect ? { expect } : {}) },
    [{ request: chatRequest({ model, messages: hi }), response }])

llmError("llm-unauthorized", "401 invalid_api_key.", "unauthorized", fail(401, "req_llm_401", unauthorized))
llmError("llm-unknown-model", "The chat catalogue is open: a well-formed unknown id goes to OpenAI, whose 404 model_not_found becomes UnknownModel.", "unknown_model",
  fail(404, "req_llm_404", { message: "The model `gpt-9` does not exist or you do not have access to it.", type: "invalid_request_error", code: "model_not_found" }),
  { error: { _tag: "UnknownModel", status: 404, requestId: "req_llm_404", field: "model_name", model: "gpt-9" } }, "gpt-9")
llmError("llm-invalid-request", "400 context_length_exceeded naming param `messages`.", "invalid_request",
  fail(400, "req_llm_400", { message: "This model's maximum context length is 1047576 tokens. However, your messages resulted in 1200345 tokens. Please reduce the length of the messages.", type: "invalid_request_error", param: "messages", code: "context_length_exceeded" }),
  { error: { _tag: "InvalidRequest", field: "content" } })
llmError("llm-rate-limited", "429 on tokens per minute, retry-after: 2.", "rate_limited",
  fail(429, "req_llm_429", { message: "Rate limit reached for gpt-4.1 in organization org-patchbay on tokens per min (TPM): Limit 30000, Used 29950, Requested 120. Please try again in 140ms.", type: "tokens", code: "rate_limit_exceeded" }, { "retry-after": "2", "x-ratelimit-limit-tokens": "30000", "x-ratelimit-remaining-tokens": "50", "x-ratelimit-reset-tokens": "140ms" }))
llmError("llm-quota-exceeded", "429 insufficient_quota.", "quota_exceeded", fail(429, "req_llm_quota", quota))
llmError("llm-unavailable", "503: the engine is overloaded.", "unavailable", fail(503, "req_llm_503", { message: "The engine is currently overloaded, please try again later.", type: "server_error" }))

const C4 = "chatcmpl-Bp3xYz4"
const refusal = ["I'm sorry,", " but I can't", " help with that."]
/** A chunk of a deployment that reports no fingerprint (`system_fingerprint: null`, as in the reference's chat completion example). */
const unfingerprinted = (choices: Parameters<typeof chunk>[2], usage: CompletionUsage | null) => ({ ...chunk(C4, "gpt-4.1-2025-04-14", choices, usage), system_fingerprint: null })
write("llm-success-refusal",
  "gpt-4.1 refuses: the deltas carry `refusal` text instead of `content` (ChatCompletionStreamResponseDelta.refusal), passed on as text deltas; the chunks' system_fingerprint is null, so the provider_output has none.",
  { capability: "llm", case: "success", request: { model: "gpt-4.1", messages: hi },
    expect: { text: refusal.join(""), deltas: refusal, finish_reason: "stop", usage: { input_tokens: 12, output_tokens: 10, total_tokens: 22 }, provider_output_absent: ["system_fingerprint"], provider_output: { choices: [{ index: 0, message: { role: "assistant", content: null, refusal: refusal.join("") }, finish_reason: "stop" }] }, warnings: ["the model refused"] } },
  [{
    request: chatRequest({ model: "gpt-4.1", messages: hi }),
    response: sse("req_llm_refusal", [
      { data: unfingerprinted([choice({ role: "assistant", content: null, refusal: "" })], null) },
      ...refusal.map((text) => ({ data: unfingerprinted([choice({ refusal: text })], null), delay_ms: 10 })),
      { data: unfingerprinted([choice({}, "stop")], null), delay_ms: 5 },
      { data: unfingerprinted([], { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 }), delay_ms: 5 },
      { data: "[DONE]" }
    ])
  }])

const C3 = "chatcmpl-Bp3xYz3"
write("llm-stream-error",
  "The model fails after two deltas: an event carrying an `error` key (the SDK treats any such event as an error).",
  { capability: "llm", case: "stream_error", request: { model: "gpt-4.1", messages: hi }, expect: { error: { _tag: "ProviderUnavailable" } } },
  [{
    request: chatRequest({ model: "gpt-4.1", messages: hi }),
    response: sse("req_llm_event", [
      { data: chunk(C3, "gpt-4.1-2025-04-14", [choice({ role: "assistant", content: "Hello" })], null) },
      { data: chunk(C3, "gpt-4.1-2025-04-14", [choice({ content: " there" })], null), delay_ms: 10 },
      { data: errorEvent({ error: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null } }), delay_ms: 10 }
    ])
  }])

write("llm-stream-error-rate-limited",
  "The model is rate-limited after two deltas, in band: an event with code rate_limit_exceeded maps to RateLimited, as a 429 would.",
  { capability: "llm", case: "stream_error", request: { model: "gpt-4.1", messages: hi }, expect: { error: { _tag: "RateLimited", requestId: "req_llm_event_429" } } },
  [{
    request: chatRequest({ model: "gpt-4.1", messages: hi }),
    response: sse("req_llm_event_429", [
      { data: chunk(C3, "gpt-4.1-2025-04-14", [choice({ role: "assistant", content: "Hello" })], null) },
      { data: chunk(C3, "gpt-4.1-2025-04-14", [choice({ content: " there" })], null), delay_ms: 10 },
      { data: errorEvent({ error: { message: "Rate limit reached for gpt-4.1 in organization org-patchbay on tokens per min (TPM): Limit 30000, Used 30000, Requested 120.", type: "tokens", param: null, code: "rate_limit_exceeded" } }), delay_ms: 10 }
    ])
  }])

write("llm-stream-error-drop",
  "The connection drops after two deltas, before any finish_reason.",
  { capability: "llm", case: "stream_error", request: { model: "gpt-4.1", messages: hi }, expect: { error: { _tag: "ProviderUnavailable" } } },
  [{
    request: chatRequest({ model: "gpt-4.1", messages: hi }),
    response: sse("req_llm_drop", [
      { data: chunk(C3, "gpt-4.1-2025-04-14", [choice({ role: "assistant", content: "Hello" })], null) },
      { data: chunk(C3, "gpt-4.1-2025-04-14", [choice({ content: " there" })], null), delay_ms: 10 },
      { error: "connection reset by peer", delay_ms: 10 }
    ])
  }])

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------
const fox = file("images/fox.png")
const edited = file("images/fox-winter.png")
const imageUsage = { total_tokens: 284, input_tokens: 12, output_tokens: 272, input_tokens_details: { text_tokens: 12, image_tokens: 0 }, output_tokens_details: { image_tokens: 272, text_tokens: 0 } }
const PROMPT = "a red fox in the snow"
write("image-success",
  "gpt-image-1 generation at 1024x1024, low quality, opaque png: one base64 image and the token usage (ImagesResponse, ImageGenUsage). The image is a real 1024x1024 PNG.",
  { capability: "image", case: "success", request: { model: "gpt-image-1", prompt: PROMPT, size: "1024x1024", provider_options: { openai: { quality: "low", background: "opaque", output_format: "png" } } },
    expect: { images: 1, usage: { input_tokens: 12, output_tokens: 272, total_tokens: 284 }, provider_output: { created: 1764115200, size: "1024x1024", quality: "low", usage: { total_tokens: 284 } } } },
  [{
    request: json("/images/generations", { model: "gpt-image-1", prompt: PROMPT, size: "1024x1024", quality: "low", background: "opaque", output_format: "png" }),
    response: ok("req_img_0001", imagesResponse({ created: 1764115200, data: [{ b64_json: b64(fox) }], background: "opaque", output_format: "png", size: "1024x1024", quality: "low", usage: imageUsage }))
  }])

write("image-success-no-usage",
  "gpt-image-1-mini generation answered without usage (optional in ImagesResponse): the result has no usage figures, and no error.",
  { capability: "image", case: "success", request: { model: "gpt-image-1-mini", prompt: PROMPT, size: "1024x1024" }, expect: { images: 1, usage: {} } },
  [{
    request: json("/images/generations", { model: "gpt-image-1-mini", prompt: PROMPT, size: "1024x1024" }),
    response: ok("req_img_0002", imagesResponse({ created: 1764115260, data: [{ b64_json: b64(fox) }], output_format: "png", size: "1024x1024" }))
  }])

write("image-success-null-usage",
  "gpt-image-1-mini generation answered with \"usage\": null (the API's null for a field it does not fill, which the adapter's wire schema admits for every optional field): no usage figures, and no error.",
  { capability: "image", case: "success", request: { model: "gpt-image-1-mini", prompt: PROMPT, size: "1024x1024" }, expect: { images: 1, usage: {} } },
  [{
    request: json("/images/generations", { model: "gpt-image-1-mini", prompt: PROMPT, size: "1024x1024" }),
    response: ok("req_img_0003", imagesResponse({ created: 1764115320, data: [{ b64_json: b64(fox) }], output_format: "png", size: "1024x1024", usage: null }))
  }])

write("image-edit",
  "An edit (no battery scenario: scenarios carry no input images): the input image goes up as a repeated image[] part of multipart /images/edits. Used by the adapter's own tests.",
  undefined,
  [{
    request: multipart("/images/edits", { model: "gpt-image-1", prompt: "make it winter", size: "1024x1024", input_fidelity: "high", "image[]": ref("images/fox-input.png", "image/png") }),
    response: ok("req_img_edit", imagesResponse({ created: 1764115300, data: [{ b64_json: b64(edited) }], background: "opaque", output_format: "png", size: "1024x1024", quality: "medium", usage: { total_tokens: 420, input_tokens: 148, output_tokens: 272, input_tokens_details: { text_tokens: 4, image_tokens: 144 }, output_tokens_details: { image_tokens: 272, text_tokens: 0 } } }))
  }])

const imageError = (name: string, description: string, kase: string, response: Response, expect?: Json) =>
  write(name, description, { capability: "image", case: kase, request: { model: "gpt-image-1", prompt: PROMPT }, ...(expect ? { expect } : {}) },
    [{ request: json("/images/generations", { model: "gpt-image-1", prompt: PROMPT }), response }])

imageError("image-unauthorized", "401 invalid_api_key.", "unauthorized", fail(401, "req_img_401", unauthorized))
write("image-unknown-model", "dall-e-3 is not among the GPT image models this adapter serves: refused before any request.",
  { capability: "image", case: "unknown_model", request: { model: "dall-e-3", prompt: PROMPT } }, [])
imageError("image-invalid-request", "400 moderation_blocked: the safety system rejected the prompt.", "invalid_request",
  fail(400, "req_img_400", { message: "Your request was rejected as a result of our safety system. Your request may contain content that is not allowed by our safety system.", type: "image_generation_user_error", code: "moderation_blocked" }),
  { error: { _tag: "InvalidRequest", field: "request" } })
imageError("image-rate-limited", "429 on images per minute, retry-after: 2.", "rate_limited",
  fail(429, "req_img_429", { message: "Rate limit reached for gpt-image-1 in organization org-patchbay on images per min (IPM): Limit 5, Used 5, Requested 1.", type: "requests", code: "rate_limit_exceeded" }, rateHeaders(5)))
imageError("image-quota-exceeded", "The images endpoint answers an exhausted billing limit with 400 billing_hard_limit_reached: QuotaExceeded.", "quota_exceeded",
  fail(400, "req_img_quota", { message: "Billing hard limit has been reached.", type: "invalid_request_error", param: null, code: "billing_hard_limit_reached" }),
  { error: { _tag: "QuotaExceeded", status: 400 } })
imageError("image-unavailable", "500 server_error.", "unavailable", fail(500, "req_img_500", serverError))


// ---------------------------------------------------------------------------------------------
// Embeddings (vectors from core's deterministic fakeVector, base64 float32s as encoding_format asks)
// ---------------------------------------------------------------------------------------------
const TEXTS = ["The fox jumps over the lazy dog.", "Patchbay turns speech into text and back again."]
const embeddingScenario = (kase: string, request: Json, expect?: Json): Json => ({ capability: "embedding", case: kase, request: { texts: TEXTS, ...request }, ...(expect ? { expect } : {}) })
const embeddingRequest = (fields: Json) => json("/embeddings", { input: TEXTS, encoding_format: "base64", ...fields })
const EMBED_USAGE = { input_tokens: 15, total_tokens: 15 }

write("embedding-success-small-256",
  "text-embedding-3-small shortened to 256 dimensions, two texts in one call, with the end-user id: one base64 vector per text (CreateEmbeddingResponse). The vectors are synthesized by a deterministic generator, not a model's.",
  embeddingScenario("success", { model: "text-embedding-3-small", dimensions: 256, provider_options: { openai: { user: "user-1234" } } }, { dimensions: 256, usage: EMBED_USAGE }),
  [{ request: embeddingRequest({ model: "text-embedding-3-small", dimensions: 256, user: "user-1234" }), response: ok("req_emb_0001", embeddingsFor("text-embedding-3-small", TEXTS, 256)) }])
write("embedding-success-large",
  "text-embedding-3-large at its default length (3072): no dimensions sent. Synthesized vectors.",
  embeddingScenario("success", { model: "text-embedding-3-large" }, { dimensions: 3072, usage: EMBED_USAGE }),
  [{ request: embeddingRequest({ model: "text-embedding-3-large" }), response: ok("req_emb_0002", embeddingsFor("text-embedding-3-large", TEXTS, undefined)) }])
write("embedding-success-ada",
  "text-embedding-ada-002, which takes no dimensions: 1536 floats per text. Synthesized vectors.",
  embeddingScenario("success", { model: "text-embedding-ada-002" }, { dimensions: 1536, usage: EMBED_USAGE }),
  [{ request: embeddingRequest({ model: "text-embedding-ada-002" }), response: ok("req_emb_0003", embeddingsFor("text-embedding-ada-002", TEXTS, undefined)) }])
const embeddingError = (name: string, description: string, kase: string, response: Response, expect?: Json) =>
  write(name, description, embeddingScenario(kase, { model: "text-embedding-3-small" }, expect),
    [{ request: embeddingRequest({ model: "text-embedding-3-small" }), response }])
embeddingError("embedding-unauthorized", "401 invalid_api_key.", "unauthorized", fail(401, "req_emb_401", unauthorized))
write("embedding-unknown-model", "text-embedding-4 is not among the embedding models this adapter serves: refused before any request.",
  embeddingScenario("unknown_model", { model: "text-embedding-4" }), [])
embeddingError("embedding-invalid-request", "400 for a text over the model's 8192 tokens: OpenAI counts the tokens, so its refusal is the check (InvalidRequest with its message).", "invalid_request",
  fail(400, "req_emb_400", { message: "This model's maximum context length is 8192 tokens, however you requested 9120 tokens (9120 in your prompt; 0 for the completion). Please reduce your prompt; or completion length.", type: "invalid_request_error", param: null, code: null }),
  { error: { _tag: "InvalidRequest", field: "request" } })
embeddingError("embedding-rate-limited", "429 on tokens per minute, retry-after: 2.", "rate_limited",
  fail(429, "req_emb_429", { message: "Rate limit reached for text-embedding-3-small in organization org-patchbay on tokens per min (TPM): Limit 1000000, Used 999990, Requested 15.", type: "tokens", code: "rate_limit_exceeded" }, rateHeaders(3000)))
embeddingError("embedding-quota-exceeded", "429 insufficient_quota: QuotaExceeded, not RateLimited.", "quota_exceeded", fail(429, "req_emb_quota", quota))
embeddingError("embedding-unavailable", "503 server_error.", "unavailable", fail(503, "req_emb_503", serverError))

// ---------------------------------------------------------------------------------------------
// The seed's examples through the pipeline (no battery scenario; several interactions each)
// ---------------------------------------------------------------------------------------------
mkdirSync(path.join(OUT, "seed"), { recursive: true })
const writeSeed = (name: string, description: string, interactions: ReadonlyArray<Interaction>): void => {
  save(path.join(OUT, "seed", `${name}.json`), { version: 1, source: "synthesized", description, interactions })
  count++
}
const seedRef = (rel: string, type: string) => ref(rel, type)
const seedStt = (model: string, fields: Cassette.MultipartFields) => multipart("/audio/transcriptions", { model, ...fields, file: seedRef("audio/speech.mp3", "audio/mpeg") })
const replyStream = (id: string, model: string, text: string, usage: CompletionUsage) => sse(id, [
  { data: chunk(id, model, [choice({ role: "assistant", content: "", refusal: null })], null) },
  ...text.split(/(?<= )/).map((content) => ({ data: chunk(id, model, [choice({ content })], null), delay_ms: 5 })),
  { data: chunk(id, model, [choice({}, "stop")], null) },
  { data: chunk(id, model, [], usage) },
  { data: "[DONE]" }
])
const REPLY1 = "It turns what you say into text, and text back into speech."
const REPLY = "Hello from Patchbay."
const u = (p: number, c: number) => ({ prompt_tokens: p, completion_tokens: c, total_tokens: p + c })
const helloSse = (id: string, voice: string): Interaction => ({
  request: speech({ model: "gpt-4o-mini-tts", voice, response_format: "mp3", stream_format: "sse" }),
  response: sseAudio("audio/hello.mp3", id, tokens)
})

writeSeed("mode1-audio-to-text",
  "The seed's mode 1 (audio in, text out): whisper-1 transcribes user-question.mp3 (here core's speech.mp3), gpt-4.1 answers.",
  [
    { request: seedStt("whisper-1", { response_format: "verbose_json", language: "en" }),
      response: ok("req_seed_1_stt", transcriptionVerboseJson({ task: "transcribe", language: "english", duration: 2.664, text: SPEECH, segments: [{ id: 0, seek: 0, start: 0, end: 2.6, text: ` ${SPEECH}`, tokens: [50364, 13], temperature: 0, avg_logprob: -0.24, compression_ratio: 0.94, no_speech_prob: 0.01 }], usage: { type: "duration", seconds: 3 } })) },
    { request: chatRequest({ model: "gpt-4.1", messages: [{ role: "user", content: SPEECH }] }), response: replyStream("chatcmpl-seed1", "gpt-4.1-2025-04-14", REPLY1, u(18, 14)) }
  ])

writeSeed("mode2-text-to-audio",
  "The seed's mode 2 (text in, audio out): gpt-4.1 answers \"Say hello in one sentence\", gpt-4o-mini-tts speaks the reply with the voice alloy.",
  [
    { request: chatRequest({ model: "gpt-4.1", messages: [{ role: "user", content: "Say hello in one sentence" }] }), response: replyStream("chatcmpl-seed2", "gpt-4.1-2025-04-14", REPLY, u(12, 5)) },
    helloSse("req_seed_2_tts", "alloy")
  ])

writeSeed("mode3-audio-to-audio",
  "The seed's mode 3 (audio in, audio out): gpt-4o-transcribe (streamed: the pipeline streams transcripts wherever the model can), then gpt-4.1, then gpt-4o-mini-tts with the voice coral.",
  [
    { request: seedStt("gpt-4o-transcribe", { response_format: "json", language: "en", stream: "true" }),
      response: { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8", ...headers("req_seed_3_stt") }, body: { type: "sse", chunks: [
        { data: transcriptionEvent({ type: "transcript.text.delta", delta: "Patchbay turns speech" }) },
        { data: transcriptionEvent({ type: "transcript.text.delta", delta: " into text and back again." }), delay_ms: 5 },
        { data: transcriptionEvent({ type: "transcript.text.done", text: SPEECH, usage: { type: "tokens", input_tokens: 40, input_token_details: { text_tokens: 0, audio_tokens: 40 }, output_tokens: 11, total_tokens: 51 } }) }
      ] } } },
    { request: chatRequest({ model: "gpt-4.1", messages: [{ role: "user", content: SPEECH }] }), response: replyStream("chatcmpl-seed3", "gpt-4.1-2025-04-14", REPLY, u(18, 5)) },
    helloSse("req_seed_3_tts", "coral")
  ])

writeSeed("streaming",
  "The seed's streaming example: gpt-4o-mini-transcribe streams transcript deltas, gpt-4.1 streams the reply, gpt-4o-mini-tts (alloy) streams its audio.",
  [
    { request: seedStt("gpt-4o-mini-transcribe", { response_format: "json", language: "en", stream: "true" }),
      response: { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8", ...headers("req_seed_4_stt") }, body: { type: "sse", chunks: [
        ...sttStreamDeltas.map((delta, i) => ({ data: transcriptionEvent({ type: "transcript.text.delta", delta }), ...(i === 0 ? {} : { delay_ms: 5 }) })),
        { data: transcriptionEvent({ type: "transcript.text.done", text: SPEECH, usage: { type: "tokens", input_tokens: 36, input_token_details: { text_tokens: 0, audio_tokens: 36 }, output_tokens: 12, total_tokens: 48 } }) }
      ] } } },
    { request: chatRequest({ model: "gpt-4.1", messages: [{ role: "user", content: SPEECH }] }), response: replyStream("chatcmpl-seed4", "gpt-4.1-2025-04-14", REPLY, u(18, 5)) },
    helloSse("req_seed_4_tts", "alloy")
  ])
console.log(`${count} cassettes`)
