/**
 * Mode 2 of the seed — text in, audio out (LLM + TTS): send text, get the LLM's reply and a
 * signed URL to the reply spoken as one audio file. The vendors are deterministic fakes from
 * `@patchbay/core/testing`; the fake TTS produces real mp3 frames (with ID3 tags and a Xing
 * frame per request), which Patchbay joins into one valid file.
 *
 * Run it: `node packages/core/examples/text-to-audio.ts` (Node 24, from the repo root).
 */
import { createPatchbay } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeTts } from "@patchbay/core/testing"

const tts = FakeTts()
const pb = createPatchbay({
  providers: [
    fakeProvider({ id: "fake", llm: FakeLlm({ reply: "Hello there! It is good to hear from you today." }), tts })
  ],
  defaults: { llm: { provider: "fake", model: "fake-llm" } },
  media: { secret: "example-secret" } // sign media URLs with a stable secret (else PATCHBAY_MEDIA_SECRET, else a random one)
})

const response = await pb.addMessage({
  content: "Say hello in one sentence",
  voice: { tts: { provider: "fake", model: "fake-tts", voice: "ada" } }, // output_format absent: the model's default (mp3)
  sendToLlm: "true",
  stream: false
})

const record = response.messages.at(-1)?.voice_records?.tts
if (record === undefined) throw new Error("no speech was produced")
console.log(`Reply: ${response.content}`)
console.log(`Audio URL: ${record.audio_url.slice(0, "/media/doc_".length)}…?exp=…&sig=…`)
console.log(`tts record: ${record.provider}/${record.model}, voice ${record.voice}, ${record.output_format}, ${record.duration_seconds?.toFixed(2)} s, ${record.characters} characters`)
// The reply was spoken sentence by sentence, and the requests joined into one stored file.
console.log(`synthesis requests: ${tts.log.requests.map((r) => JSON.stringify(r.text)).join(", ")}`)

// The URL is served by pb.media.handler (mount it on /media/* of any web server); pb.media.get reads it too.
const served = await pb.media.handler(new Request(`http://localhost${record.audio_url}`))
const stored = await pb.media.get(record.document_id)
console.log(`served: ${served.status} ${served.headers.get("content-type")}, ${stored.bytes.byteLength} bytes, attachments: ${response.attachments.map((a) => a.media_type).join(", ")}`)

await pb.dispose()
