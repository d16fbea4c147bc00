/**
 * A realtime session is refused before the vendor is connected: each refusal names the field,
 * the value and what is allowed, and the fake vendor never opens a session.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { Commit, MissingApiKey, ProviderRegistry, Run, Stages } from "../src/index.ts"
import type { RealtimeSttConfig } from "../src/Validation.ts"
import { FakeLlm, fakeProvider, FakeRealtimeStt, FakeStt } from "../src/testing/index.ts"

const setup = (options: { readonly credentials?: Effect.Effect<void, MissingApiKey> } = {}) => {
  const stt = FakeRealtimeStt()
  const registry = ProviderRegistry.layer([
    fakeProvider({ id: "fake", stt, ...(options.credentials === undefined ? {} : { credentials: options.credentials }) }),
    fakeProvider({ id: "batch", stt: FakeStt() }),
    fakeProvider({ id: "chat", llm: FakeLlm() })
  ])
  return { stt, registry }
}

const good: RealtimeSttConfig = { stt: { provider: "fake", model: "fake-realtime", language: "en" }, audio_format: "pcm_16000" }

/** Runs `Stages.listen` with some audio and returns its failure. */
const refusal = (config: unknown, options: Parameters<typeof setup>[0] = {}) => {
  const { stt, registry } = setup(options)
  return Effect.gen(function*() {
    const audio = Stream.make<Array<Uint8Array | Commit>>(new Uint8Array(3200), Commit)
    const error = yield* Effect.flip(
      Stream.runDrain(Run.toStream({ thread_id: "", run_id: "run_v" }, Stages.listen({ ...(config as RealtimeSttConfig), audio })))
    )
    return { error, opened: stt.opened() }
  }).pipe(Effect.provide(registry))
}

describe("a realtime session is refused before connecting", () => {
  it.effect("a provider without realtime STT, naming those with it", () =>
    Effect.gen(function*() {
      const { error, opened } = yield* refusal({ ...good, stt: { provider: "batch", model: "fake-stt" } })
      expect(error).toMatchObject({
        _tag: "UnknownProvider",
        provider: "batch",
        field: "stt.provider",
        capability: "realtime stt",
        registeredWithout: true,
        registered: ["fake"]
      })
      expect(opened).toBe(0)
    }))

  it.effect("a provider without STT at all, and an unknown provider", () =>
    Effect.gen(function*() {
      const noStt = yield* refusal({ ...good, stt: { provider: "chat", model: "x" } })
      expect(noStt.error).toMatchObject({ _tag: "UnknownProvider", provider: "chat", field: "stt.provider", capability: "stt", registeredWithout: true })
      const unknown = yield* refusal({ ...good, stt: { provider: "nobody", model: "x" } })
      expect(unknown.error).toMatchObject({ _tag: "UnknownProvider", provider: "nobody", field: "stt.provider" })
      expect([noStt.opened, unknown.opened]).toEqual([0, 0])
    }))

  it.effect("a model outside the closed catalogue lists only the realtime models", () =>
    Effect.gen(function*() {
      const { error, opened } = yield* refusal({ ...good, stt: { provider: "fake", model: "fake-realtime-2" } })
      expect(error).toMatchObject({ _tag: "UnknownModel", provider: "fake", model: "fake-realtime-2", field: "stt.model", allowed: ["fake-realtime"] })
      expect(opened).toBe(0)
    }))

  it.effect("a batch model of a realtime provider", () =>
    Effect.gen(function*() {
      const { error, opened } = yield* refusal({ ...good, stt: { provider: "fake", model: "fake-stt" } })
      expect(error).toMatchObject({
        _tag: "InvalidRequest",
        provider: "fake",
        field: "stt.model",
        value: "fake-stt",
        allowed: ["fake-realtime"],
        reason: "fake-stt does not transcribe live audio"
      })
      expect(opened).toBe(0)
    }))

  it.effect("an audio format the model does not take, listing those it takes", () =>
    Effect.gen(function*() {
      for (const audio_format of ["pcm_44100", "mp3", "alaw_8000"]) {
        const { error, opened } = yield* refusal({ ...good, audio_format })
        expect(error).toMatchObject({
          _tag: "UnsupportedFormat",
          provider: "fake",
          model: "fake-realtime",
          field: "audio_format",
          format: audio_format,
          allowed: ["pcm_16000", "pcm_24000", "ulaw_8000"]
        })
        expect(opened).toBe(0)
      }
    }))

  it.effect("a language that is not ISO 639-1, and one the model does not take", () =>
    Effect.gen(function*() {
      const bad = yield* refusal({ ...good, stt: { ...good.stt, language: "english" } })
      expect(bad.error).toMatchObject({ _tag: "InvalidRequest", field: "stt.language", value: "english" })
      const untaken = yield* refusal({ ...good, stt: { ...good.stt, language: "ja" } })
      expect(untaken.error).toMatchObject({ _tag: "InvalidRequest", field: "stt.language", value: "ja", allowed: ["en", "fr", "de"], provider: "fake" })
      expect([bad.opened, untaken.opened]).toEqual([0, 0])
    }))

  it.effect("commit other than vad or manual", () =>
    Effect.gen(function*() {
      const { error, opened } = yield* refusal({ ...good, commit: "auto" })
      expect(error).toMatchObject({ _tag: "InvalidRequest", field: "commit", value: "auto", allowed: ["vad", "manual"] })
      expect(opened).toBe(0)
    }))

  it.effect("include_timestamps that is not a boolean", () =>
    Effect.gen(function*() {
      const { error, opened } = yield* refusal({ ...good, include_timestamps: "yes" })
      expect(error).toMatchObject({ _tag: "InvalidRequest", field: "include_timestamps", value: "yes" })
      expect(opened).toBe(0)
    }))

  it.effect("malformed provider_options, then the adapter's own option rules", () =>
    Effect.gen(function*() {
      const notAnObject = yield* refusal({ ...good, stt: { ...good.stt, provider_options: { fake: "label" } } })
      expect(notAnObject.error).toMatchObject({ _tag: "InvalidRequest", field: "stt.provider_options.fake", value: "label" })
      const unknownOption = yield* refusal({ ...good, stt: { ...good.stt, provider_options: { fake: { colour: "red" } } } })
      expect(unknownOption.error).toMatchObject({
        _tag: "InvalidRequest",
        provider: "fake",
        field: "voice.stt.provider_options.fake.colour",
        value: "red",
        allowed: ["label"]
      })
      const badValue = yield* refusal({ ...good, stt: { ...good.stt, provider_options: { fake: { label: 7 } } } })
      expect(badValue.error).toMatchObject({ _tag: "InvalidRequest", field: "voice.stt.provider_options.fake.label", value: 7 })
      expect([notAnObject.opened, unknownOption.opened, badValue.opened]).toEqual([0, 0, 0])
    }))

  it.effect("a fallback: live audio is sent once, to one vendor", () =>
    Effect.gen(function*() {
      const { error, opened } = yield* refusal({ ...good, stt: { ...good.stt, fallback: [{ provider: "batch", model: "fake-stt" }] } })
      expect(error).toMatchObject({ _tag: "InvalidRequest", field: "stt.fallback" })
      expect(opened).toBe(0)
    }))

  it.effect("a missing key, after everything else passed", () =>
    Effect.gen(function*() {
      const missing = Effect.fail(new MissingApiKey({ provider: "fake", variable: "FAKE_API_KEY" }))
      const { error, opened } = yield* refusal(good, { credentials: missing })
      expect(error).toMatchObject({ _tag: "MissingApiKey", provider: "fake", variable: "FAKE_API_KEY" })
      expect(opened).toBe(0)
    }))

  it.effect("a valid session connects once", () =>
    Effect.gen(function*() {
      const { stt, registry } = setup()
      const audio = Stream.make<Array<Uint8Array | Commit>>(new Uint8Array(3200))
      yield* Stream.runDrain(Run.toStream({ thread_id: "", run_id: "run_v" }, Stages.listen({ ...good, audio }))).pipe(Effect.provide(registry))
      expect([stt.opened(), stt.closed()]).toEqual([1, 1])
      expect(stt.sessions[0]?.spec).toEqual({
        model: "fake-realtime",
        language: "en",
        audio_format: "pcm_16000",
        commit: "vad",
        include_timestamps: undefined,
        provider_options: undefined
      })
    }))
})
