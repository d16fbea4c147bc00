// Synthesizes `seed/mixed-example.json`: the seed's mixed example (ElevenLabs scribe_v2 with
// diarize and word timestamps → OpenAI gpt-4.1 → OpenAI gpt-4o-mini-tts, voice coral, mp3,
// instructions "Calm and professional") as the wire sees it, for `../../Pipeline.test.ts`.
// OpenAI's bodies come from adapters/openai/test/support/FakeUpstream.ts (checked against that
// adapter's wire schemas, as its own cassettes are); ElevenLabs' response is ../stt-success.json's. The reply's speech is real:
// espeak-ng then ffmpeg at 24 kHz mono, 48 kbit/s (OpenAI's rate; the recipe of openai's
// audio/hello.mp3), written to ../audio/seed-reply-*.mp3 when missing and reused afterwards.
// Run `node test/cassettes/seed/synthesize.ts` from adapters/elevenlabs (needs espeak-ng and
// ffmpeg only when the mp3 files are missing); a "recorded" cassette is never overwritten.
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as OpenAI from "../../../../openai/test/support/FakeUpstream.ts"

const SEED = path.dirname(fileURLToPath(import.meta.url))
const CASSETTES = path.dirname(SEED)
const OUT = path.join(SEED, "mixed-example.json")

// What the pipeline sends, given the seed's voice object and the reply below.
const TRANSCRIPT = "Hello from Patchbay. (beep) Nice to meet you."
// Two sentences: the chunker sends the first alone, then the rest (the end of the stream flushes it).
const SENTENCES = ["Nice to meet you too.", "I heard two speakers and one beep."]
const REPLY = SENTENCES.join(" ")
const INSTRUCTIONS = "Calm and professional"

/** The mp3 of a sentence: made once with espeak-ng and ffmpeg, then reused. */
const speechMp3 = (rel: string, text: string): Buffer => {
  const file = path.join(CASSETTES, rel)
  if (!existsSync(file)) {
    const dir = mkdtempSync(path.join(tmpdir(), "patchbay-seed-"))
    try {
      const wav = path.join(dir, "say.wav")
      execFileSync("espeak-ng", ["-v", "en-us", "-s", "165", "-w", wav, text])
      execFileSync("ffmpeg", ["-loglevel", "error", "-y", "-i", wav, "-ar", "24000", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k", file])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return readFileSync(file)
}

const ref = (rel: string, content_type: string) => {
  const bytes = readFileSync(path.join(CASSETTES, rel))
  return { sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, filename: path.basename(rel), content_type }
}

// ---------------------------------------------------------------------------------------------
// ElevenLabs: the seed's STT options exactly (diarize, word timestamps) on the same upload as
// ../stt-success.json. Its response is that cassette's: tag_audio_events defaults to true (the
// beep is still tagged) and diarization finds the two voices without num_speakers.
// ---------------------------------------------------------------------------------------------
const elSuccess = JSON.parse(readFileSync(path.join(CASSETTES, "stt-success.json"), "utf8")).interactions[0].response
const elStt = {
  request: {
    method: "POST",
    url: "https://api.elevenlabs.io/v1/speech-to-text",
    headers: { "content-type": "multipart/form-data" },
    body: {
      type: "multipart",
      fields: {
        model_id: "scribe_v2",
        file: ref("audio/dialogue.mp3", "audio/mpeg"),
        language_code: "en",
        diarize: "true",
        timestamps_granularity: "word"
      }
    }
  },
  response: { ...elSuccess, headers: { ...elSuccess.headers, "request-id": "el_stt_req_seed" } }
}
if (elSuccess.body.json.text !== TRANSCRIPT) throw new Error("stt-success.json no longer says the transcript this cassette answers")

// ---------------------------------------------------------------------------------------------
// OpenAI: the chat completion stream and one speech request per sentence chunk
// ---------------------------------------------------------------------------------------------
const { choice, request, sse, speechSse } = OpenAI
const json = request.json
const CHAT = "chatcmpl-seedmixed"
const MODEL = "gpt-4.1-2025-04-14"
const chunk = (choices: ReadonlyArray<OpenAI.Choice>, usage: OpenAI.CompletionUsage | null) => OpenAI.chunk(CHAT, MODEL, choices, usage)

const chat = {
  request: json("/chat/completions", { model: "gpt-4.1", messages: [{ role: "user", content: TRANSCRIPT }], stream: true, stream_options: { include_usage: true } }),
  response: sse("req_seed_mixed_llm", [
    { data: chunk([choice({ role: "assistant", content: "", refusal: null })], null) },
    ...REPLY.split(/(?<= )/).map((content) => ({ data: chunk([choice({ content })], null), delay_ms: 5 })),
    { data: chunk([choice({}, "stop")], null) },
    { data: chunk([], { prompt_tokens: 19, completion_tokens: 14, total_tokens: 33, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } }) },
    { data: "[DONE]" }
  ])
}

/** gpt-4o-mini-tts streams server-sent events (the adapter's default for it): base64 deltas, then the usage. */
const speech = (text: string, mp3: Uint8Array, id: string, usage: OpenAI.SpeechUsage) => ({
  request: json("/audio/speech", { model: "gpt-4o-mini-tts", input: text, voice: "coral", response_format: "mp3", instructions: INSTRUCTIONS, stream_format: "sse" }),
  response: speechSse(mp3, id, usage, 2)
})

const tts = SENTENCES.map((text, i) =>
  speech(text, speechMp3(`audio/seed-reply-${i + 1}.mp3`, text), `req_seed_mixed_tts_${i + 1}`,
    i === 0 ? { input_tokens: 11, output_tokens: 98, total_tokens: 109 } : { input_tokens: 14, output_tokens: 152, total_tokens: 166 }))

if (existsSync(OUT) && JSON.parse(readFileSync(OUT, "utf8")).source === "recorded") {
  console.log("kept seed/mixed-example.json: it was recorded from the live API")
} else {
  writeFileSync(OUT, `${JSON.stringify({
    version: 1,
    source: "synthesized",
    description: "The seed's mixed example through the pipeline: ElevenLabs scribe_v2 (diarize, word timestamps; the upload and response of stt-success.json, without its extra options) transcribes audio/dialogue.mp3, OpenAI gpt-4.1 answers in two sentences, and gpt-4o-mini-tts speaks each sentence chunk with the voice coral in mp3 with the instructions \"Calm and professional\". The speech bytes are espeak-ng audio encoded with ffmpeg (audio/seed-reply-*.mp3); written by seed/synthesize.ts.",
    interactions: [elStt, chat, ...tts]
  }, null, 2)}\n`)
  console.log("wrote seed/mixed-example.json")
}
