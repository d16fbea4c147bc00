/**
 * Every example under `examples/` runs as a user would run it (`node packages/core/examples/<name>.ts`
 * from the repo root) and prints exactly what its docs page shows. The examples run concurrently.
 */
import { describe, expect, it } from "vitest"
import { runExample as run } from "./support/examples.ts"

const expected: Record<string, ReadonlyArray<string>> = {
  "text-to-text": [
    "reply: I can see 2 messages so far.",
    "status: completed, model: fake/fake-llm, tokens: 10 in, 7 out",
    "messages: user, assistant",
    "same thread: true, reply: I can see 3 messages so far."
  ],
  "audio-to-text": [
    "Transcript: What is the weather like tomorrow?",
    "Reply: You asked: \"What is the weather like tomorrow?\" Expect sunshine.",
    "stt record: fake/fake-stt, language en, 2.66 s of audio",
    "messages: user (voice_records: none), assistant (voice_records: stt)"
  ],
  "text-to-audio": [
    "Reply: Hello there! It is good to hear from you today.",
    "Audio URL: /media/doc_…?exp=…&sig=…",
    "tts record: fake/fake-tts, voice ada, mp3_24000, 2.76 s, 46 characters",
    "synthesis requests: \"Hello there!\", \"It is good to hear from you today.\"",
    "served: 200 audio/mpeg, 11111 bytes, attachments: audio/mpeg"
  ],
  "audio-to-audio": [
    "Transcript: Can you book a table for two tonight?",
    "Reply: Of course. I booked a table for two at eight.",
    "Audio URL: /media/doc_…",
    "served by: stt elevenlabs-like, llm openai-like, tts openai-like",
    "audio in: 2.66 s; audio out: wav_16000, 2.64 s"
  ],
  "transcript-only": [
    "content: Remind me to call the dentist on Monday.",
    "messages: 1 (user), message_id is the user's: true",
    "transcript: Remind me to call the dentist on Monday.",
    "status: completed, model_provider: none"
  ],
  streaming: [
    "run_started",
    "stt_stream_start fake/fake-stt",
    "stt_text_delta \"Will \"",
    "stt_text_delta \"it \"",
    "stt_text_delta \"rain \"",
    "stt_text_delta \"today?\"",
    "stt_stream_end \"Will it rain today?\"",
    "content_streaming \"Sunny\"",
    "content_streaming \" and\"",
    "content_streaming \" warm.\"",
    "content_streaming \" Take\"",
    "tts_stream_start fake/fake-tts ada mp3_24000",
    "tts_audio_chunk #0 1187 bytes",
    "tts_audio_chunk #1 1283 bytes",
    "tts_audio_chunk #2 1153 bytes",
    "content_streaming \" a\"",
    "content_streaming \" hat.\"",
    "tts_audio_chunk #3 768 bytes",
    "tts_audio_chunk #4 960 bytes",
    "tts_audio_chunk #5 864 bytes",
    "tts_stream_end /media/doc_… 1.54 s",
    "run_ended completed",
    "invalid input: rejects with InvalidRequest at voice.tts.voice",
    "failure: run_started → error QuotaExceeded: Quota exceeded (flaky): add credit or raise the plan's limit → run_ended failed; " +
    "then the iterator throws QuotaExceeded"
  ],
  "run-control": [
    "cancel: run_started → content_streaming → run_ended",
    "cancel: status cancelled, partial text \"Here is the first sentence. And here comes\"",
    "cancel: vendor calls llm interrupted; tts interrupted",
    "cancel: next message → Earlier I said: \"Here is the first sentence. And here comes\"",
    "signal (stream): run_started → content_streaming, then the iterator throws Cancelled",
    "signal (promise): rejects with Cancelled",
    "signal: vendor calls llm interrupted, interrupted",
    "effect: last event content_streaming, thread keeps user \"Hi\" (completed), assistant \"Here is the\" (cancelled)",
    "effect: vendor calls llm interrupted"
  ],
  stages: [
    "events: stt_stream_start, stt_text_delta, stt_stream_end, content_streaming ×11, tts_stream_start, tts_audio_chunk ×6, tts_stream_end",
    "ids: every event has thr_mine, run_mine and seq 0, 1, 2, …",
    "heard: Good morning, everyone.",
    "spoken: grace, mp3_24000, 3.05 s, 51 characters, /media/doc_…",
    "tts requests: \"Bonjour à tous.\", \"Je suis ravie de vous voir ce matin.\"",
    "refused: InvalidRequest at tts.voice, vendor calls: 0",
    "spoken while written: \"Bonjour à tous.\" (pcm_16000), \"Je suis ravie de vous voir ce matin.\" (pcm_16000)",
    "chunks: \"Dr. Smith came at 9 a.m. today.\", \"Late! Why? Nobody knows, he said.\""
  ],
  realtime: [
    "partial: Patchbay",
    "partial: Patchbay turns",
    "partial: Patchbay turns speech",
    "partial: Patchbay turns speech into",
    "partial: Patchbay turns speech into text",
    "partial: Patchbay turns speech into text and",
    "partial: Patchbay turns speech into text and back",
    "partial: Patchbay turns speech into text and back again.",
    "partial: Patchbay turns speech into text and back again.",
    "partial: Patchbay turns speech into text and back again.",
    "committed: Patchbay turns speech into text and back again.",
    "record: fake/fake-realtime, 2.566625 s of audio, usage {\"audio_seconds\":2.566625}, session fake_rt_1",
    "you: Patchbay turns speech into text and back again.",
    "assistant: It does, both ways. (run completed)",
    "you: Can it answer me as well?",
    "assistant: Yes: each utterance becomes a message. (run completed)",
    "thread: user, assistant, user, assistant",
    "refused: UnsupportedFormat at format, allowed: pcm_16000, pcm_24000, ulaw_8000",
    "aborted: Cancelled",
    "vendor sessions: 3 opened, 3 closed"
  ],
  memory: [
    "thread 1: Nice to meet you! (memory operation: started)",
    "operation: COMPLETED, ADD",
    "thread 2: You live in Oslo. (retrieved: Lives in Oslo)",
    "another user: Nice to meet you!",
    "after delete: 0 found",
    "history: ADD (by the operation), UPDATE, DELETE, RESTORE",
    "stats: {\"total_count\":1,\"deleted_count\":0,\"scopes\":1}"
  ]
}

/**
 * The streaming example's speech and reply run side by side, so where the speech's lines fall
 * among the reply's depends on how busy the machine is. What does not: the speech's lines in
 * their order, every other line in its order, and what causes what — a sentence is spoken only
 * once the token after its end has arrived, and the speech ends only after the reply's last token.
 */
const interleaved: Record<string, (lines: ReadonlyArray<string>, printed: ReadonlyArray<string>) => void> = {
  streaming: (lines, printed) => {
    const speech = (line: string) => line.startsWith("tts_")
    expect(printed.filter(speech)).toEqual(lines.filter(speech))
    expect(printed.filter((line) => !speech(line))).toEqual(lines.filter((line) => !speech(line)))
    const at = (line: string) => printed.indexOf(line)
    expect(at("tts_stream_start fake/fake-tts ada mp3_24000")).toBeGreaterThan(at("content_streaming \" Take\""))
    expect(at("tts_audio_chunk #3 768 bytes")).toBeGreaterThan(at("content_streaming \" hat.\""))
  }
}

describe.concurrent("examples", () => {
  for (const [name, lines] of Object.entries(expected)) {
    it(`${name}.ts prints what docs show`, async () => {
      const printed = await run(name)
      const compare = interleaved[name]
      if (compare === undefined) expect(printed).toEqual(lines)
      else compare(lines, printed)
    }, 150_000)
  }
})
