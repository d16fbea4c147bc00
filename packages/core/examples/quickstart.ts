/**
 * The core, end to end, without any vendor: a provider declares its catalogue, a request in the
 * seed's wire shape is validated against it before any network call, audio facts come from the
 * bytes, and produced media is stored behind a signed, expiring URL that a plain web handler
 * serves.
 *
 * Run it: `node packages/core/examples/quickstart.ts` (Node 24), or `./scripts/dev demo`.
 */
import { Effect, Layer, Stream } from "effect"
import { readFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import {
  Audio,
  AudioInput,
  MediaStore,
  type PatchbayProvider,
  ProviderRegistry,
  ProviderUnavailable,
  Validation
} from "@patchbay/core"

// 1. A provider: its catalogue is all validation needs. Its operations are never reached here.
const unreachable = Effect.fail(new ProviderUnavailable({ provider: "acme", detail: "the example makes no vendor calls" }))
const acme: PatchbayProvider = {
  id: "acme",
  models: [
    { id: "acme-listen-1", provider: "acme", capability: "stt", input_formats: ["wav", "mp3", "ogg"], max_input_bytes: 10_000_000 },
    {
      id: "acme-speak-1",
      provider: "acme",
      capability: "tts",
      streaming: true,
      output_formats: [{ id: "mp3_24000", format: "mp3", sample_rate: 24000 }, { id: "pcm_16000", format: "pcm", sample_rate: 16000 }],
      default_output_format: "mp3_24000",
      voices: { catalogue: "closed", ids: ["ada", "grace"] }
    },
    { id: "acme-think-1", provider: "acme", capability: "llm", streaming: true, tools: true }
  ],
  stt: { catalogue: "closed", validate: () => Effect.void, transcribe: () => unreachable },
  tts: { catalogue: "closed", validate: () => Effect.void, synthesize: () => Stream.fromEffect(unreachable) },
  llm: { catalogue: "closed", validate: () => Effect.void, stream: () => Stream.fromEffect(unreachable) }
}

const fixture = fileURLToPath(new URL("../test/fixtures/audio/speech.mp3", import.meta.url))

const program = Effect.gen(function*() {
  const registry = yield* ProviderRegistry

  // 2. Audio facts from the bytes, not the file name.
  const audio = yield* AudioInput.fromFile(fixture)
  const info = yield* Audio.probe(yield* Effect.promise(() => audio.bytes()))
  console.log(`audio: ${audio.container}, ${audio.size} bytes, ${info.duration_seconds.toFixed(2)} s`)

  // 3. The seed's audio → audio request, validated before any vendor call.
  const request = yield* Validation.decodeMessageRequest({
    voice: {
      stt: { provider: "acme", model: "acme-listen-1", language: "en" },
      tts: { provider: "acme", model: "acme-speak-1", voice: "ada", output_format: "mp3" }
    },
    llm_provider: "acme",
    model_name: "acme-think-1",
    send_to_llm: "true"
  })
  const valid = yield* Validation.validateMessage(registry, request, { size: audio.size, container: audio.container })
  console.log(`valid: stages ${Validation.stagesOf(valid).join(" → ")}, tts format ${valid.tts?.[0]?.outputFormatId}`)

  // 4. A wrong voice is refused with the field, the value and what is allowed.
  const wrong = yield* Validation.decodeMessageRequest({
    content: "Say hello",
    voice: { tts: { provider: "acme", model: "acme-speak-1", voice: "alloy" } },
    llm_provider: "acme",
    model_name: "acme-think-1"
  })
  const refused = yield* Effect.flip(Validation.validateMessage(registry, wrong, undefined))
  console.log(`refused: ${refused._tag}: ${refused.message}`)

  // 5. Media behind a signed, expiring URL, served by a plain web handler.
  const media = yield* MediaStore
  const stored = yield* media.put({ bytes: yield* Effect.promise(() => readFile(fixture)), media_type: "audio/mpeg" })
  const url = yield* media.url(stored.document_id)
  const ok = yield* Effect.promise(() => media.handler(new Request(`http://localhost${url}`)))
  const forged = url.replace(/sig=(.)/, (_, c: string) => `sig=${c === "A" ? "B" : "A"}`)
  const tampered = yield* Effect.promise(() => media.handler(new Request(`http://localhost${forged}`)))
  console.log(`media: ${stored.document_id.slice(0, 4)}… served ${ok.status} ${ok.headers.get("content-type")}, tampered link ${tampered.status}`)
})

const layer = Layer.mergeAll(
  ProviderRegistry.layer([acme]),
  MediaStore.layerMemory({ secret: "example-secret-for-the-quickstart" })
)

Effect.runPromise(program.pipe(Effect.provide(layer))).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
