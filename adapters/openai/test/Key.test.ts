/**
 * The key: read lazily from OPENAI_API_KEY when the factory is given none, a missing one failing
 * the first call with MissingApiKey before any request (never a throw from the factory), and the
 * provider registered by `layer()`.
 */
import { replayFetch } from "@patchbay/conformance"
import { ProviderRegistry } from "@patchbay/core"
import { ConfigProvider, Effect, Layer, Redacted, Stream } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { KEY_VARIABLE, layer, openai } from "../src/index.ts"
import { audio, failure, fields } from "./support/harness.ts"

let saved: string | undefined
beforeEach(() => {
  saved = process.env[KEY_VARIABLE]
  delete process.env[KEY_VARIABLE]
})
afterEach(() => {
  if (saved === undefined) delete process.env[KEY_VARIABLE]
  else process.env[KEY_VARIABLE] = saved
})

/** A fetch that records the authorization header of each request, then answers from nothing. */
const spying = () => {
  const replay = replayFetch([])
  const keys: Array<string | null> = []
  const fetch: typeof globalThis.fetch = (input, init) => {
    keys.push(new Headers(init?.headers).get("authorization"))
    return replay(input, init)
  }
  return { fetch, keys, log: replay.log }
}

describe("without a key", () => {
  it("the factory returns, and each capability's first call fails with MissingApiKey before any request", async () => {
    const { fetch, log } = spying()
    const provider = openai({ fetch })
    const input = await audio()
    const errors = [
      await failure(provider.stt!.transcribe({ model: "whisper-1", audio: input })),
      await failure(Stream.runDrain(provider.stt!.transcribeStream!({ model: "gpt-4o-mini-transcribe", audio: input }))),
      await failure(Stream.runDrain(provider.tts!.synthesize({ model: "tts-1", voice: "alloy", text: "Hi." }))),
      await failure(Stream.runDrain(provider.llm!.stream({ model: "gpt-4.1", messages: [{ role: "user", content: "Hi" }] }))),
      await failure(provider.image!.generate({ model: "gpt-image-1", prompt: "a fox" }))
    ]
    for (const error of errors) {
      expect(fields(error)).toMatchObject({ _tag: "MissingApiKey", provider: "openai", variable: "OPENAI_API_KEY" })
      expect(error.message).toBe("No API key for openai: set OPENAI_API_KEY or pass apiKey to the openai() factory")
    }
    expect(log).toHaveLength(0)
  })

  it("validation needs no key (it is pure)", async () => {
    const provider = openai()
    await Effect.runPromise(provider.tts!.validate({ model: "tts-1", voice: "alloy", output_format: "mp3" }))
  })

  it("an empty key counts as missing", async () => {
    const { fetch, log } = spying()
    expect(fields(await failure(openai({ fetch, apiKey: "" }).image!.generate({ model: "gpt-image-1", prompt: "a fox" })))).toMatchObject({ _tag: "MissingApiKey" })
    process.env[KEY_VARIABLE] = "  "
    expect(fields(await failure(openai({ fetch }).image!.generate({ model: "gpt-image-1", prompt: "a fox" })))).toMatchObject({ _tag: "MissingApiKey" })
    expect(log).toHaveLength(0)
  })
})

describe("the key's sources", () => {
  it("OPENAI_API_KEY is read on first use, not when the factory runs", async () => {
    const { fetch, keys } = spying()
    const provider = openai({ fetch })
    // Effect's default ConfigProvider has already read the environment (the tests above):
    // a key exported afterwards is still found.
    process.env[KEY_VARIABLE] = "sk" + "-from-the-environment-0001"
    await Effect.runPromise(Effect.exit(provider.image!.generate({ model: "gpt-image-1", prompt: "a fox" })))
    expect(keys).toEqual(["Bearer sk" + "-from-the-environment-0001"])
  })

  it("an Effect app's own ConfigProvider supplies OPENAI_API_KEY", async () => {
    process.env[KEY_VARIABLE] = "sk" + "-from-the-environment-0005"
    const { fetch, keys } = spying()
    const secrets = ConfigProvider.fromEnv({ env: { OPENAI_API_KEY: "sk" + "-from-the-config-provider-0006" } })
    await Effect.runPromise(Effect.exit(openai({ fetch }).image!.generate({ model: "gpt-image-1", prompt: "a fox" }).pipe(
      Effect.provideService(ConfigProvider.ConfigProvider, secrets)
    )))
    expect(keys).toEqual(["Bearer sk" + "-from-the-config-provider-0006"])
  })

  it("apiKey wins over the environment, as a string or a Redacted", async () => {
    process.env[KEY_VARIABLE] = "sk" + "-from-the-environment-0002"
    for (const apiKey of ["sk-given-0003", Redacted.make("sk-given-0003")]) {
      const { fetch, keys } = spying()
      await Effect.runPromise(Effect.exit(openai({ fetch, apiKey }).image!.generate({ model: "gpt-image-1", prompt: "a fox" })))
      expect(keys).toEqual(["Bearer sk-given-0003"])
    }
  })
})

describe("layer()", () => {
  it("registers the provider in the ProviderRegistry in context", async () => {
    const ids = await Effect.runPromise(
      Effect.gen(function*() {
        const registry = yield* ProviderRegistry
        const provider = yield* registry.get("openai")
        const resolved = yield* registry.resolve("tts", "openai", "gpt-4o-mini-tts", { provider: "voice.tts.provider", model: "voice.tts.model" })
        return [provider.id, resolved.model?.id, (yield* registry.list).map((p) => p.id)]
      }).pipe(Effect.provide(layer({ apiKey: "sk-layer-key-0004" }).pipe(Layer.provideMerge(ProviderRegistry.layer()))))
    )
    expect(ids).toEqual(["openai", "gpt-4o-mini-tts", ["openai"]])
  })

  it("registering twice is refused", async () => {
    const exit = await Effect.runPromise(Effect.exit(Effect.void.pipe(Effect.provide(layer().pipe(Layer.provideMerge(ProviderRegistry.layer([openai()])))))))
    expect(exit._tag).toBe("Failure")
  })
})
