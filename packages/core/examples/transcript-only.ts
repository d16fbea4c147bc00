/**
 * Audio in, transcript out — no LLM: `sendToLlm: "false"` stops the turn after STT. The
 * response's content is the transcript, the turn has one message (the user's), and the voice
 * records sit on it. No LLM needs to be registered or named. The vendor is a deterministic fake
 * from `@patchbay/core/testing`; the audio is a real mp3.
 *
 * Run it: `node packages/core/examples/transcript-only.ts` (Node 24, from the repo root).
 */
import { fileURLToPath } from "node:url"
import { createPatchbay } from "@patchbay/core"
import { fakeProvider, FakeStt } from "@patchbay/core/testing"

const audioFile = fileURLToPath(new URL("../test/fixtures/audio/speech.mp3", import.meta.url))

// Only an STT is registered, and no default LLM: none is needed when the LLM is skipped.
const pb = createPatchbay({
  providers: [fakeProvider({ id: "fake", stt: FakeStt({ transcript: "Remind me to call the dentist on Monday." }) })],
  media: { secret: "example-secret" }
})

const response = await pb.addMessage({
  voice: { stt: { provider: "fake", model: "fake-stt", language: "en" } },
  audioFile,
  sendToLlm: "false",
  stream: false
})

const last = response.messages.at(-1) // the only message: the user's
console.log(`content: ${response.content}`)
console.log(`messages: ${response.messages.length} (${last?.role}), message_id is the user's: ${last?.message_id === response.message_id}`)
console.log(`transcript: ${last?.voice_records?.stt?.transcript}`)
console.log(`status: ${response.status}, model_provider: ${response.model_provider ?? "none"}`)

await pb.dispose()
