/**
 * `decodeProviderOptions`: unknown keys refused with the allowed ones, malformed values named
 * by their full path, the provider on every error.
 */
import { expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { InvalidRequest } from "../../src/index.ts"
import { decodeProviderOptions, optionsDecoder, optionsField, optionsSchema } from "../../src/adapter/index.ts"

const Settings = Schema.Struct({ stability: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))) })
const Options = Schema.Struct({
  diarize: Schema.optionalKey(Schema.Boolean),
  settings: Schema.optionalKey(Settings),
  routing: Schema.optionalKey(Schema.Struct({ order: Schema.optionalKey(Schema.Array(Schema.String)) }))
})
const place = { provider: "acme", field: "voice.stt.provider_options.acme", nested: { settings: Settings } }

it.effect("absent options decode to none; valid ones decode unchanged", () =>
  Effect.gen(function*() {
    expect(yield* decodeProviderOptions(Options, undefined, place)).toEqual({})
    expect(yield* decodeProviderOptions(Options, { diarize: true, settings: { stability: 0.5 } }, place)).toEqual({ diarize: true, settings: { stability: 0.5 } })
  }))

it.effect("an unknown key is refused, naming it, its value and the allowed keys", () =>
  Effect.gen(function*() {
    expect(yield* Effect.flip(decodeProviderOptions(Options, { diarise: true }, place))).toEqual(
      new InvalidRequest({
        provider: "acme",
        field: "voice.stt.provider_options.acme.diarise",
        value: true,
        allowed: ["diarize", "settings", "routing"],
        reason: "\"diarise\" is not an option of acme here"
      })
    )
    expect(yield* Effect.flip(decodeProviderOptions(Options, { settings: { stabilty: 1 } }, place))).toMatchObject({
      field: "voice.stt.provider_options.acme.settings.stabilty",
      allowed: ["stability"]
    })
  }))

it.effect("an unknown key deeper down, or a bad value, is named by its path", () =>
  Effect.gen(function*() {
    expect(yield* Effect.flip(decodeProviderOptions(Options, { routing: { ordr: ["a"] } }, place))).toMatchObject({
      _tag: "InvalidRequest",
      provider: "acme",
      field: "voice.stt.provider_options.acme.routing.ordr"
    })
    expect(yield* Effect.flip(decodeProviderOptions(Options, { settings: { stability: 3 } }, place))).toMatchObject({
      _tag: "InvalidRequest",
      provider: "acme",
      field: "voice.stt.provider_options.acme.settings.stability",
      value: 3
    })
  }))

it.effect("optionsDecoder places a stage's options; optionsSchema makes every option optional", () =>
  Effect.gen(function*() {
    expect([optionsField("voice.tts", "acme"), optionsField("", "acme")]).toEqual(["voice.tts.provider_options.acme", "provider_options.acme"])
    const Image = optionsSchema({ seed: Schema.Int, style: Schema.Literals(["photo", "sketch"]) })
    const decode = optionsDecoder("acme")
    expect(yield* decode(Image, { seed: 7 }, "")).toEqual({ seed: 7 })
    expect(yield* Effect.flip(decode(Image, { style: "oil" }, ""))).toMatchObject({ field: "provider_options.acme.style", value: "oil" })
  }))
