/**
 * Mode 1 of the seed — audio in, text out (STT + LLM): send an audio file, get its transcript
 * and the LLM's reply to it. The vendors are deterministic fakes from `@patchbay/core/testing`;
 * the audio is a real mp3, whose duration Patchbay measures from its frames.
 *
 * Run it: `node packages/core/examples/audio-to-text.ts` (Node 24, from the repo root).
 */
import { fileURLToPath } from "node:url"
import { createPatchbay } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeStt } from "@patchbay/core/testing"

const audioFile = fileURLToPath(new URL("../test/fixtures/audio/speech.mp3", import.meta.url))

const pb = createPatchbay({
  providers: [
    fakeProvider({
      id: "fake",
      stt: FakeStt({ transcript: "What is the weather like tomorrow?" }),
      llm: FakeLlm({ reply: (request) => `You asked: "${String(request.messages.at(-1)?.content)}" Expect sunshine.` })
    })
  ],
  defaults: { llm: { provider: "fake", model: "fake-llm" } },
  media: { secret: "example-secret" }
})

// The seed's call, option for option.
const response = await pb.addMessage({
  voice: { stt: { provider: "fake", model: "fake-stt", language: "en" } },
  audioFile, // a path; bytes, a Blob, a web ReadableStream or an AsyncIterable work too
  sendToLlm: "true",
  stream: false
})

const last = response.messages.at(-1)
const stt = last?.voice_records?.stt
console.log(`Transcript: ${stt?.transcript}`)
console.log(`Reply: ${response.content}`)
console.log(`stt record: ${stt?.provider}/${stt?.model}, language ${stt?.language}, ${stt?.duration_seconds?.toFixed(2)} s of audio`)
// The transcript is the user's message; the records sit on the turn's last message.
console.log(`messages: ${response.messages.map((m) => `${m.role} (voice_records: ${Object.keys(m.voice_records ?? {}).join(", ") || "none"})`).join(", ")}`)

await pb.dispose()
