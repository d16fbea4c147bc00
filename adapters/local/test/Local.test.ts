/**
 * The factory and its place in Patchbay: `local()` never throws and starts nothing, `layer()`
 * registers it, and the pipeline runs it end to end — speech in, transcript and speech out —
 * with the records filled from the local engines.
 */
import { expect, it } from "@effect/vitest"
import { createPatchbay, ProviderRegistry } from "@patchbay/core"
import { Effect, Layer } from "effect"
import { fileURLToPath } from "node:url"
import { describe } from "vitest"
import { debianPackages, layer, local, MODEL_PACKAGE, models } from "../src/index.ts"
import { descendants } from "./support/Fakes.ts"

const fixture = fileURLToPath(new URL("./cassettes/audio/two-sentences.mp3", import.meta.url))

describe("local()", () => {
  it.effect("builds the provider without looking for any program, whatever the paths", () =>
    Effect.gen(function*() {
      const provider = local({ espeakNg: "/nonexistent/espeak-ng", pocketsphinx: "", ffmpeg: "not-on-path" })
      expect(provider.id).toBe("local")
      expect(provider.programs).toEqual({ espeakNg: "/nonexistent/espeak-ng", pocketsphinx: "", ffmpeg: "not-on-path" })
      expect(local().programs).toEqual({ espeakNg: "espeak-ng", pocketsphinx: "pocketsphinx_continuous", ffmpeg: "ffmpeg" })
      expect(yield* provider.availability()).toEqual({ espeakNg: false, pocketsphinx: false, ffmpeg: false })
      expect(descendants()).toEqual([])
    }))

  it("publishes a closed catalogue: espeak-ng with an open voice list, pocketsphinx in English", () => {
    expect(models.map((m) => [m.id, m.capability, m.streaming, m.languages, m.voices?.catalogue, m.default_output_format])).toEqual([
      ["espeak-ng", "tts", true, undefined, "open", "wav_22050"],
      ["pocketsphinx-en-us", "stt", true, ["en"], undefined, undefined]
    ])
    expect(local().tts.catalogue).toBe("closed")
    expect(local().stt.catalogue).toBe("closed")
    expect({ ...debianPackages, model: MODEL_PACKAGE }).toEqual({ espeakNg: "espeak-ng", pocketsphinx: "pocketsphinx", ffmpeg: "ffmpeg", model: "pocketsphinx-en-us" })
  })

  it.effect("layer() adds it to the registry in context", () =>
    Effect.gen(function*() {
      const registry = yield* ProviderRegistry
      const resolved = yield* registry.resolve("stt", "local", "pocketsphinx-en-us", { provider: "voice.stt.provider", model: "voice.stt.model" })
      expect(resolved.provider.id).toBe("local")
      expect((yield* registry.list).map((p) => p.id)).toEqual(["local"])
    }).pipe(Effect.provide(layer().pipe(Layer.provideMerge(ProviderRegistry.layer())))))
})

describe("in the pipeline", () => {
  it("transcribes and speaks: audio in, transcript and audio out, no LLM", async () => {
    const pb = createPatchbay({ providers: [local()], media: { secret: "local-test" } })
    const response = await pb.addMessage({
      audioFile: fixture,
      sendToLlm: false,
      voice: {
        stt: {
          provider: "local",
          model: "pocketsphinx-en-us",
          language: "en",
          provider_options: { local: { phrases: ["turn on the kitchen lights", "please call me tomorrow morning"] } }
        },
        tts: { provider: "local", model: "espeak-ng", voice: "en-gb", output_format: "mp3" }
      }
    })
    expect(response.content).toBe("turn on the kitchen lights please call me tomorrow morning")
    const records = response.messages.at(-1)?.voice_records
    expect(records?.stt).toMatchObject({
      provider: "local",
      model: "pocketsphinx-en-us",
      language: "en",
      transcript: "turn on the kitchen lights please call me tomorrow morning",
      usage: { audio_seconds: 5.1221875 }
    })
    expect(records?.stt?.words?.length).toBe(10)
    expect(records?.tts).toMatchObject({ provider: "local", model: "espeak-ng", voice: "en-gb", output_format: "mp3_22050_64", characters: 58 })
    expect(records?.tts?.duration_seconds).toBeGreaterThan(2)
    const stored = await pb.media.get(records?.tts?.document_id ?? "")
    expect(stored.media_type).toBe("audio/mpeg")
  })
})
