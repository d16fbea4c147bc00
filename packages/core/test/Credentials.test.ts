/**
 * Keys are checked before any vendor call: the providers a request calls first run their
 * `credentials` hook, and one `MissingApiKey` names every vendor whose key is missing. A
 * fallback's key is not checked (it is read if the fallback is used).
 */
import { expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { MediaStore, MissingApiKey, Pipeline, ProviderRegistry, Stores } from "../src/index.ts"
import { FakeLlm, fakeProvider, FakeStt, FakeTts } from "../src/testing/index.ts"

const speechMp3 = new Uint8Array(readFileSync(new URL("./fixtures/audio/speech.mp3", import.meta.url)))

const keyless = (provider: string, variable: string) => Effect.fail(new MissingApiKey({ provider, variable }))

/** An STT vendor and a TTS vendor without keys, an LLM vendor with one, a keyless TTS fallback, and one without the hook. */
const makeVendors = () => {
  const fakes = { listen: FakeStt(), speak: FakeTts(), think: FakeLlm(), spare: FakeTts(), plain: FakeTts() }
  const providers = [
    fakeProvider({ id: "listen", stt: fakes.listen, credentials: keyless("listen", "LISTEN_API_KEY") }),
    fakeProvider({ id: "speak", tts: fakes.speak, credentials: keyless("speak", "SPEAK_API_KEY") }),
    fakeProvider({ id: "think", llm: fakes.think, credentials: Effect.void }),
    fakeProvider({ id: "spare", tts: fakes.spare, credentials: keyless("spare", "SPARE_API_KEY") }),
    fakeProvider({ id: "plain", tts: fakes.plain })
  ]
  const layer = Layer.mergeAll(
    ProviderRegistry.layer(providers),
    MediaStore.layerMemory({ secret: "credentials-test-secret" }),
    Stores.layerMemory,
    Pipeline.Runs.layer
  )
  const vendorCalls = () => Object.values(fakes).reduce((n, fake) => n + fake.log.requests.length, 0)
  return { fakes, layer, vendorCalls }
}

const llm = { llm_provider: "think", model_name: "fake-llm" } as const
const stt = { provider: "listen", model: "fake-stt" } as const
const spare = { provider: "spare", model: "fake-tts", voice: "ada" } as const

it.effect("STT and TTS vendors without keys: one MissingApiKey names both, before any vendor call", () => {
  const s = makeVendors()
  return Effect.gen(function*() {
    const tts = { provider: "speak", model: "fake-tts", voice: "ada", fallback: [spare] }
    const error = yield* Effect.flip(Pipeline.addMessageResponse({ voice: { stt, tts }, ...llm }, { audio: speechMp3 }))
    expect(error).toEqual(new MissingApiKey({ provider: "listen", variable: "LISTEN_API_KEY", others: [{ provider: "speak", variable: "SPEAK_API_KEY" }] }))
    expect(error.message).toBe(
      "No API key for listen and speak: set LISTEN_API_KEY and SPEAK_API_KEY or pass apiKey to the listen() and speak() factories"
    )
    expect(s.vendorCalls()).toBe(0)
  }).pipe(Effect.provide(s.layer))
})

it.effect("one vendor without a key: the error names it alone", () => {
  const s = makeVendors()
  return Effect.gen(function*() {
    const error = yield* Effect.flip(Pipeline.addMessageResponse({ content: "Hi", voice: { tts: { provider: "speak", model: "fake-tts", voice: "ada" } }, ...llm }))
    expect(error).toEqual(new MissingApiKey({ provider: "speak", variable: "SPEAK_API_KEY" }))
    expect(s.vendorCalls()).toBe(0)
  }).pipe(Effect.provide(s.layer))
})

it.effect("a keyless fallback is not checked, nor a provider without the hook: the run completes on the main entries", () => {
  const s = makeVendors()
  return Effect.gen(function*() {
    const tts = { provider: "plain", model: "fake-tts", voice: "ada", fallback: [spare] }
    const response = yield* Pipeline.addMessageResponse({ content: "Hi", voice: { tts }, ...llm })
    expect(response.status).toBe("completed")
    // The reply "Hello! How can I help?" is spoken as two sentences; the fallback is never called.
    expect([s.fakes.think.log.requests.length, s.fakes.plain.log.requests.length, s.fakes.spare.log.requests.length]).toEqual([1, 2, 0])
  }).pipe(Effect.provide(s.layer))
})
