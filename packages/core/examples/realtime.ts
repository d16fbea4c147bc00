/**
 * Realtime speech to text (`pb.listen`): live audio in, partial and committed transcripts out
 * while the audio is still arriving; then a spoken conversation in a thread, where each
 * committed utterance is answered as a message; then a refusal and an abort. The microphone is
 * a real espeak-ng recording (16-bit PCM at 16 kHz) sent in 100 ms chunks; the vendors are the
 * deterministic fakes of `@patchbay/core/testing` — the realtime one "hears" a script, a word a
 * partial, and commits on silence, on `Commit` and when the audio ends.
 *
 * Run it: `node packages/core/examples/realtime.ts` (Node 24, from the repo root).
 */
import { readFileSync } from "node:fs"
import { Commit, createPatchbay } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeRealtimeStt, fixtureSentence } from "@patchbay/core/testing"

const recording = new Uint8Array(readFileSync(new URL("../test/fixtures/audio/speech.pcm", import.meta.url)))

/** A microphone stand-in: the recording in chunks of 100 ms (3200 bytes of 16 kHz PCM). */
async function* microphone() {
  for (let at = 0; at < recording.byteLength; at += 3200) yield recording.subarray(at, at + 3200)
}

const stt = FakeRealtimeStt({ script: [fixtureSentence, "Can it answer me as well?"] })
const pb = createPatchbay({
  providers: [
    fakeProvider({
      id: "fake",
      stt,
      llm: FakeLlm({
        reply: (request) =>
          String(request.messages.at(-1)?.content).startsWith("Patchbay") ? "It does, both ways." : "Yes: each utterance becomes a message."
      })
    })
  ],
  defaults: { llm: { provider: "fake", model: "fake-llm" } },
  media: { secret: "example-secret" }
})
const voice = { stt: { provider: "fake", model: "fake-realtime", language: "en" } }

// 1. Live transcription: partials replace each other; committed utterances settle.
for await (const event of pb.listen({ voice, audio: microphone(), format: "pcm_16000" })) {
  if (event.type === "stt_partial") console.log(`partial: ${event.text}`)
  if (event.type === "stt_committed") console.log(`committed: ${event.text}`)
  if (event.type === "stt_stream_end") {
    const { record } = event
    console.log(`record: ${record.provider}/${record.model}, ${record.duration_seconds} s of audio, usage ${JSON.stringify(record.usage)}, session ${record.request_id}`)
  }
}

// 2. A spoken conversation: manual commits, each utterance answered in the thread.
async function* twoTurns() {
  yield* microphone()
  yield Commit
  yield* microphone()
  yield Commit
}
const thread = await pb.createThread({ systemPrompt: "Answer in one short sentence." })
const replies = new Map<string, string>()
const session = pb.listen({ voice, audio: twoTurns(), format: "pcm_16000", commit: "manual", threadId: thread.thread_id, respond: true })
for await (const event of session) {
  if (event.type === "stt_committed") console.log(`you: ${event.text}`)
  if (event.type === "content_streaming") replies.set(event.run_id, (replies.get(event.run_id) ?? "") + event.content)
  if (event.type === "run_ended") console.log(`assistant: ${replies.get(event.run_id)} (run ${event.status})`)
}
const stored = await pb.threads.get(thread.thread_id)
console.log(`thread: ${stored.messages.map((m) => m.role).join(", ")}`)

// 3. Refused before connecting: a format the model does not take.
try {
  for await (const _ of pb.listen({ voice, audio: microphone(), format: "mp3" })) break
} catch (error) {
  const refused = error as { readonly _tag: string; readonly field: string; readonly allowed: ReadonlyArray<string> }
  console.log(`refused: ${refused._tag} at ${refused.field}, allowed: ${refused.allowed.join(", ")}`)
}

// 4. Aborted while the microphone is still on: the vendor session closes.
async function* openMicrophone() {
  for (;;) yield* microphone()
}
const controller = new AbortController()
try {
  for await (const event of pb.listen({ voice, audio: openMicrophone(), format: "pcm_16000", signal: controller.signal })) {
    if (event.type === "stt_partial") controller.abort()
  }
} catch (error) {
  console.log(`aborted: ${(error as { readonly _tag: string })._tag}`)
}
console.log(`vendor sessions: ${stt.opened()} opened, ${stt.closed()} closed`)
await pb.dispose()
