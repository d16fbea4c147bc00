import { expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ProviderRegistry } from "../src/index.ts"
import { vendors } from "./support/catalogues.ts"

it.effect("providers register by id and resolve a capability with the model's catalogue entry", () =>
  Effect.gen(function*() {
    const v = vendors()
    const registry = yield* ProviderRegistry
    expect((yield* registry.list).map((p) => p.id)).toEqual(["openai", "elevenlabs"])
    const resolved = yield* registry.resolve("stt", "openai", "whisper-1", { provider: "voice.stt.provider", model: "voice.stt.model" })
    expect(resolved.provider.id).toBe("openai")
    expect(resolved.model).toMatchObject({ id: "whisper-1", max_input_bytes: 26_214_400 })
    expect(v.calls.vendor).toEqual([])
  }).pipe(Effect.provide(ProviderRegistry.layer([vendors().openai, vendors().elevenlabs]))))

it.effect("an unknown provider fails listing the providers registered for that capability", () =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const error = yield* Effect.flip(registry.resolve("stt", "deepgram", "nova-3", { provider: "voice.stt.provider", model: "voice.stt.model" }))
    expect(error).toMatchObject({ _tag: "UnknownProvider", provider: "deepgram", field: "voice.stt.provider", registered: ["openai", "elevenlabs"], capability: "stt" })
    const noLlm = yield* Effect.flip(registry.resolve("llm", "elevenlabs", "x", { provider: "llm_provider", model: "model_name" }))
    expect(noLlm).toMatchObject({ _tag: "UnknownProvider", provider: "elevenlabs", registered: ["openai"] })
    const get = yield* Effect.flip(registry.get("nope"))
    expect(get).toMatchObject({ _tag: "UnknownProvider", field: "provider", registered: ["openai", "elevenlabs"] })
  }).pipe(Effect.provide(ProviderRegistry.layer([vendors().openai, vendors().elevenlabs]))))

it.effect("a model missing from a closed catalogue fails listing the catalogue", () =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const error = yield* Effect.flip(registry.resolve("stt", "openai", "whisper-2", { provider: "voice.stt.provider", model: "voice.stt.model" }))
    expect(error).toMatchObject({
      _tag: "UnknownModel",
      provider: "openai",
      model: "whisper-2",
      field: "voice.stt.model",
      allowed: ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"]
    })
  }).pipe(Effect.provide(ProviderRegistry.layer([vendors().openai]))))

it.effect("an open catalogue accepts unlisted ids of the right syntax and refuses others", () =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const fields = { provider: "llm_provider", model: "model_name" }
    const unlisted = yield* registry.resolve("llm", "router", "anthropic/claude-sonnet-4.5", fields)
    expect(unlisted.model).toBeUndefined()
    expect(unlisted.modelId).toBe("anthropic/claude-sonnet-4.5")
    const listed = yield* registry.resolve("llm", "router", "acme/known-model", fields)
    expect(listed.model?.id).toBe("acme/known-model")
    const bad = yield* Effect.flip(registry.resolve("llm", "router", "no-slash", fields))
    expect(bad).toMatchObject({ _tag: "UnknownModel", model: "no-slash", field: "model_name", allowed: ["acme/known-model"] })
  }).pipe(Effect.provide(ProviderRegistry.layer([vendors().router]))))

it.effect("adapters add themselves with ProviderRegistry.register; an id registered twice is refused", () =>
  Effect.gen(function*() {
    const v = vendors()
    const layer = ProviderRegistry.register(v.elevenlabs).pipe(Layer.provideMerge(ProviderRegistry.layer([v.openai])))
    const ids = yield* Effect.gen(function*() {
      const registry = yield* ProviderRegistry
      return (yield* registry.list).map((p) => p.id)
    }).pipe(Effect.provide(layer))
    expect(ids).toEqual(["openai", "elevenlabs"])
    const twice = yield* Effect.flip(Layer.build(ProviderRegistry.layer([v.openai, v.openai])).pipe(Effect.scoped))
    expect(twice).toMatchObject({ _tag: "InvalidRequest", field: "providers", value: "openai" })
  }))
