/**
 * The API key: read lazily (the factory never throws, even though the SDK's constructor does
 * without a key), from `ELEVENLABS_API_KEY` when not given, failing the first call with
 * `MissingApiKey` before any request or any spooling; and never shown by an error.
 */
import { replayFetch } from "@patchbay/conformance"
import { AudioInput, type PatchbayProvider } from "@patchbay/core"
import { ConfigProvider, Effect, Redacted, Stream } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { inspect } from "node:util"
import { describe, expect, it } from "vitest"
import { elevenlabs } from "../src/index.ts"
import { audioPath, cassette } from "./support/cassettes.ts"

const withEnv = (env: Record<string, string>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(env))

const speak = (provider: PatchbayProvider) =>
  Stream.runDrain(provider.tts!.synthesize({ model: "eleven_flash_v2_5", voice: "21m00Tcm4TlvDq8ikWAM", text: "Hi." }))

/** A replay of a cassette whose `fetch` also records the key header the SDK sent. */
const keyed = (name: string) => {
  const replay = replayFetch(cassette(name), { delayScale: 0 })
  const keys: Array<string | null> = []
  const fetch: typeof globalThis.fetch = (input, init) => {
    keys.push(new Headers(init?.headers).get("xi-api-key"))
    return replay(input, init)
  }
  return { fetch, keys, replay }
}

describe("a missing key", () => {
  it("the factory returns, validate works, and each capability's first call fails with MissingApiKey before any request", async () => {
    const fetch = replayFetch([])
    const provider = elevenlabs({ fetch })
    await Effect.runPromise(provider.tts!.validate({ model: "eleven_v3", voice: "21m00Tcm4TlvDq8ikWAM" }))
    const spoolDir = mkdtempSync(path.join(os.tmpdir(), "el-key-test-"))
    try {
      const lazy = elevenlabs({ fetch, spoolDir })
      const stream = new Blob([readFileSync(audioPath("speech.mp3"))]).stream()
      const transcribe = Effect.flatMap(AudioInput.fromFile(audioPath("speech.mp3")), (audio) => lazy.stt!.transcribe({ model: "scribe_v1", audio }))
      const fromStream = Effect.flatMap(AudioInput.fromStream(stream), (audio) => lazy.stt!.transcribe({ model: "scribe_v1", audio }))
      for (const call of [transcribe, fromStream, speak(provider)]) {
        const error = await Effect.runPromise(Effect.flip(call.pipe(withEnv({}))))
        expect([error._tag, error.message]).toEqual([
          "MissingApiKey",
          "No API key for elevenlabs: set ELEVENLABS_API_KEY or pass apiKey to the elevenlabs() factory"
        ])
      }
      expect(readdirSync(spoolDir)).toEqual([])
    } finally {
      rmSync(spoolDir, { recursive: true, force: true })
    }
    expect(fetch.log).toHaveLength(0)
  })

  it("an empty key is missing too", async () => {
    const fetch = replayFetch([])
    const error = await Effect.runPromise(Effect.flip(speak(elevenlabs({ fetch })).pipe(withEnv({ ELEVENLABS_API_KEY: " " }))))
    expect(error._tag).toBe("MissingApiKey")
    expect(fetch.log).toHaveLength(0)
  })
})

describe("where the key comes from", () => {
  it("ELEVENLABS_API_KEY when the factory has none, read on first use", async () => {
    const { fetch, keys, replay } = keyed("tts-success-pcm.json")
    const provider = elevenlabs({ fetch })
    await Effect.runPromise(Stream.runDrain(provider.tts!.synthesize({
      model: "eleven_flash_v2_5",
      voice: "JBFqnCBsd6RMkjVDRZzb",
      output_format: "pcm_24000",
      text: "Patchbay turns speech into text and back again.",
      provider_options: { language_code: "en", previous_request_ids: ["09bOJkdYVjKy2oOiiVtR"] }
    })).pipe(withEnv({ ELEVENLABS_API_KEY: "from-the-environment" })))
    expect(keys).toEqual(["from-the-environment"])
    expect(replay.log[0]?.headers["xi-api-key"]).toBeUndefined() // the transport's log never keeps it
  })

  it("the factory's key, as a string or a Redacted value, wins over the environment", async () => {
    for (const apiKey of ["given-to-the-factory", Redacted.make("given-to-the-factory")]) {
      const { fetch, keys } = keyed("tts-unavailable.json")
      await Effect.runPromise(Effect.exit(speak(elevenlabs({ fetch, apiKey })).pipe(withEnv({ ELEVENLABS_API_KEY: "from-the-environment" }))))
      expect(keys).toEqual(["given-to-the-factory"])
    }
  })
})

describe("redaction", () => {
  it("a vendor message that echoes the key is redacted in every form of the error", async () => {
    const key = "a-key-of-no-known-shape-4242"
    const [interaction] = cassette("tts-unauthorized.json").cassette.interactions
    const fetch = replayFetch([{
      ...interaction!,
      response: { status: 401, headers: { "content-type": "application/json" }, body: { type: "json", json: { detail: { status: "invalid_api_key", message: `Invalid API key '${key}'` } } } }
    }])
    const error = await Effect.runPromise(Effect.flip(Stream.runDrain(elevenlabs({ fetch, apiKey: key }).tts!.synthesize({
      model: "eleven_flash_v2_5",
      voice: "21m00Tcm4TlvDq8ikWAM",
      output_format: "mp3",
      text: "Patchbay turns speech into text and back again."
    }))))
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", detail: "Invalid API key '[redacted]'" })
    for (const form of [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 5 })]) expect(form).not.toContain(key)
  })
})
