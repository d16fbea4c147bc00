/**
 * Mode 3 of the seed — audio in, audio out (STT + LLM + TTS), mixing vendors in one request:
 * one vendor transcribes, another answers and speaks. Both are deterministic fakes from
 * `@patchbay/core/testing`, registered under the ids "elevenlabs-like" and "openai-like"; with
 * the real adapters the request is the same with `elevenlabs()` and `openai()` registered.
 *
 * Run it: `node packages/core/examples/audio-to-audio.ts` (Node 24, from the repo root).
 */
import { fileURLToPath } from "node:url"
import { createPatchbay } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeStt, FakeTts } from "@patchbay/core/testing"

const audioFile = fileURLToPath(new URL("../test/fixtures/audio/speech.mp3", import.meta.url))

const pb = createPatchbay({
  providers: [
    fakeProvider({ id: "elevenlabs-like", stt: FakeStt({ transcript: "Can you book a table for two tonight?" }) }),
    fakeProvider({
      id: "openai-like",
      llm: FakeLlm({ reply: "Of course. I booked a table for two at eight." }),
      tts: FakeTts()
    })
  ],
  media: { secret: "example-secret" }
})

const response = await pb.addMessage({
  voice: {
    stt: { provider: "elevenlabs-like", model: "fake-stt", language: "en" },
    tts: { provider: "openai-like", model: "fake-tts", voice: "grace", output_format: "wav" }
  },
  audioFile,
  llmProvider: "openai-like",
  modelName: "fake-llm",
  sendToLlm: "true",
  stream: false
})

const vr = response.messages.at(-1)?.voice_records
console.log(`Transcript: ${vr?.stt?.transcript}`)
console.log(`Reply: ${response.content}`)
console.log(`Audio URL: ${vr?.tts?.audio_url.slice(0, "/media/doc_".length)}…`)
console.log(`served by: stt ${vr?.stt?.provider}, llm ${response.model_provider}, tts ${vr?.tts?.provider}`)
console.log(`audio in: ${vr?.stt?.duration_seconds?.toFixed(2)} s; audio out: ${vr?.tts?.output_format}, ${vr?.tts?.duration_seconds?.toFixed(2)} s`)

await pb.dispose()
