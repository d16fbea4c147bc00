/**
 * The helpers for what an adapter builds from a vendor's answer and checks against its own
 * catalogue: tool calls assembled from fragments, records without `undefined` fields, and the
 * catalogue checks of `validate` hooks.
 */
import { expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { InvalidRequest, type ModelInfo, UnknownModel, UnsupportedFormat } from "../../src/index.ts"
import { checkSttSpec, checkTtsSpec, closedModel, openModel, toolCallAssembler, withoutUndefined } from "../../src/adapter/index.ts"

it("tool calls are assembled by index and handed out whole, once, in order", () => {
  const calls = toolCallAssembler()
  calls.add(1, { id: "call_b", name: "second" })
  calls.add(0, { id: "call_a", name: "first", arguments: "{\"x\":" })
  calls.add(0, { id: "", name: null, arguments: "1}" })
  calls.add(2, { name: "third" })
  expect(calls.complete()).toEqual([
    { id: "call_a", type: "function", function: { name: "first", arguments: "{\"x\":1}" } },
    { id: "call_b", type: "function", function: { name: "second", arguments: "{}" } },
    { id: "call_2", type: "function", function: { name: "third", arguments: "{}" } }
  ])
  expect(calls.complete()).toEqual([])
})

it("withoutUndefined keeps only the fields that have a value", () => {
  expect(withoutUndefined({ a: 1, b: undefined, c: null, d: "" })).toEqual({ a: 1, c: null, d: "" })
  expect(Object.keys(withoutUndefined({ request_id: undefined }))).toEqual([])
})

const models: ReadonlyArray<ModelInfo> = [
  { id: "listen", provider: "acme", capability: "stt", input_formats: ["mp3"], max_input_bytes: 100 },
  {
    id: "speak",
    provider: "acme",
    capability: "tts",
    output_formats: [{ id: "mp3_16000", format: "mp3" }, { id: "pcm_16000", format: "pcm" }],
    default_output_format: "mp3_16000",
    voices: { catalogue: "closed", ids: ["ada"] }
  }
]

it.effect("a closed catalogue refuses other models, listing its own; an open family checks syntax", () =>
  Effect.gen(function*() {
    expect((yield* closedModel(models, "stt", "listen", "voice.stt.model")).id).toBe("listen")
    expect(yield* Effect.flip(closedModel(models, "tts", "shout", "voice.tts.model"))).toEqual(
      new UnknownModel({ provider: "acme", model: "shout", field: "voice.tts.model", allowed: ["speak"] })
    )
    yield* openModel("acme", /^think-\d$/, "think-1", "model_name")
    expect(yield* Effect.flip(openModel("acme", /^think-\d$/, "talk", "model_name"))).toEqual(
      new UnknownModel({ provider: "acme", model: "talk", field: "model_name", allowed: ["/^think-\\d$/"] })
    )
  }))

it.effect("an STT spec is checked for its model, audio container and size", () =>
  Effect.gen(function*() {
    yield* checkSttSpec(models, { model: "listen", audio: { size: 10, container: "mp3" } })
    expect(yield* Effect.flip(checkSttSpec(models, { model: "listen", audio: { size: 10, container: "wav" } }))).toMatchObject({ _tag: "UnsupportedFormat", format: "wav" })
    expect(yield* Effect.flip(checkSttSpec(models, { model: "listen", audio: { size: 101, container: "mp3" } }))).toMatchObject({ _tag: "InputTooLarge", limit: 100, size: 101 })
  }))

it.effect("a TTS spec is checked for its model, voice and output format, which it resolves", () =>
  Effect.gen(function*() {
    expect((yield* checkTtsSpec(models, { model: "speak", voice: "ada", output_format: "pcm" })).format.id).toBe("pcm_16000")
    expect((yield* checkTtsSpec(models, { model: "speak", voice: "ada" })).format.id).toBe("mp3_16000")
    expect(yield* Effect.flip(checkTtsSpec(models, { model: "speak", voice: "bob" }))).toEqual(
      new InvalidRequest({ provider: "acme", field: "voice.tts.voice", value: "bob", allowed: ["ada"], reason: "speak has no voice \"bob\"" })
    )
    expect(yield* Effect.flip(checkTtsSpec(models, { model: "speak", voice: "ada", output_format: "flac" }))).toEqual(
      new UnsupportedFormat({ provider: "acme", model: "speak", field: "voice.tts.output_format", format: "flac", allowed: ["mp3", "pcm", "mp3_16000", "pcm_16000"] })
    )
  }))
