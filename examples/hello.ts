/**
 * A starting point for your own script: it imports the Patchbay packages of this workspace and
 * runs one turn with no key and no network — the local espeak-ng speaks a sentence, the audio is
 * written to `hello.wav`. Copy it beside itself (`examples/my-script.ts`) and run it with
 * `node examples/my-script.ts` from the repository's root (Node 24).
 *
 * With a vendor's key set, swap in its adapter: `providers: [openai()]` from `@patchbay/openai`
 * and `tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "coral" }`.
 */
import { createPatchbay } from "@patchbay/core"
import { local } from "@patchbay/local"
import { writeFileSync } from "node:fs"

const pb = createPatchbay({ providers: [local()], media: { secret: "hello-example-secret" } })
try {
  const response = await pb.addMessage({
    content: "Hello from my own script.",
    sendToLlm: false,
    voice: { tts: { provider: "local", model: "espeak-ng", voice: "en-us", output_format: "wav_22050" } }
  })
  const tts = response.messages.at(-1)?.voice_records?.tts
  if (tts === undefined) throw new Error("no speech in the response")
  const audio = await pb.media.get(tts.document_id)
  writeFileSync(process.argv[2] ?? "hello.wav", audio.bytes)
  console.log(`hello.wav: ${audio.media_type}, ${audio.bytes.byteLength} bytes, ${tts.duration_seconds} s`)
} finally {
  await pb.dispose()
}
