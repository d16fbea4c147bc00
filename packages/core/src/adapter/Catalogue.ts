/**
 * The checks a `validate` hook makes against the adapter's own catalogue, with the errors the
 * pipeline gives for the same mistakes: a model outside a closed list or an open family's
 * syntax, a voice the model does not have, an output format it cannot produce. Pure: no I/O.
 *
 * @since 0.2.0
 */
import { Effect } from "effect"
import { type InputTooLarge, InvalidRequest, UnknownModel, UnsupportedFormat } from "../Errors.ts"
import { acceptsVoice, type Capability, type ModelInfo, type OutputFormat, outputFormatNames, resolveOutputFormat } from "../ModelInfo.ts"
import type { EmbeddingSpec, SttSpec, TtsSpec } from "../Provider.ts"
import { checkAudio, checkEmbeddingInput } from "../Validation.ts"

/** The model of a closed catalogue, or `UnknownModel` listing the capability's models. */
export const closedModel = (
  models: ReadonlyArray<ModelInfo>,
  capability: Capability,
  id: string,
  field: string
): Effect.Effect<ModelInfo, UnknownModel> => {
  const own = models.filter((m) => m.capability === capability)
  const model = own.find((m) => m.id === id)
  return model !== undefined
    ? Effect.succeed(model)
    : Effect.fail(new UnknownModel({ provider: own[0]?.provider ?? "", model: id, field, allowed: own.map((m) => m.id) }))
}

/** Checks a model id of an open family against its syntax (the vendor's 404 covers the rest). */
export const openModel = (provider: string, pattern: RegExp, id: string, field: string): Effect.Effect<void, UnknownModel> =>
  pattern.test(id) ? Effect.void : Effect.fail(new UnknownModel({ provider, model: id, field, allowed: [`/${pattern.source}/`] }))

/** Checks a voice against the model's voice catalogue (closed list, syntax, or open). */
export const checkVoice = (model: ModelInfo, voice: string, field = "voice.tts.voice"): Effect.Effect<void, InvalidRequest> => {
  if (acceptsVoice(model.voices, voice)) return Effect.void
  const voices = model.voices
  const allowed = [...(voices?.ids ?? []), ...(voices?.pattern === undefined ? [] : [`/${voices.pattern}/`])]
  return Effect.fail(
    new InvalidRequest({ provider: model.provider, field, value: voice, allowed, reason: `${model.id} has no voice ${JSON.stringify(voice)}` })
  )
}

/** The output format asked for (a generic name, a vendor id, or absent: the default), or `UnsupportedFormat`. */
export const outputFormatOf = (
  model: ModelInfo,
  requested: string | undefined,
  field = "voice.tts.output_format"
): Effect.Effect<OutputFormat, UnsupportedFormat> => {
  const format = resolveOutputFormat(model, requested)
  return format !== undefined ? Effect.succeed(format) : Effect.fail(
    new UnsupportedFormat({ provider: model.provider, model: model.id, field, format: requested ?? "(default)", allowed: outputFormatNames(model) })
  )
}

/**
 * What an STT `validate` hook checks against a closed catalogue: the model, then the audio's
 * container and size against what the model takes. Returns the model.
 */
export const checkSttSpec = (
  models: ReadonlyArray<ModelInfo>,
  spec: SttSpec,
  field = "voice.stt.model"
): Effect.Effect<ModelInfo, UnknownModel | UnsupportedFormat | InputTooLarge> =>
  Effect.tap(closedModel(models, "stt", spec.model, field), (model) => checkAudio(model, spec.audio))

/**
 * What a TTS `validate` hook checks against a closed catalogue: the model, the voice, and the
 * output format, resolved to the model's entry (a generic name such as `mp3` to the default variant).
 */
export const checkTtsSpec = (
  models: ReadonlyArray<ModelInfo>,
  spec: TtsSpec
): Effect.Effect<{ readonly model: ModelInfo; readonly format: OutputFormat }, UnknownModel | InvalidRequest | UnsupportedFormat> =>
  Effect.gen(function*() {
    const model = yield* closedModel(models, "tts", spec.model, "voice.tts.model")
    yield* checkVoice(model, spec.voice)
    return { model, format: yield* outputFormatOf(model, spec.output_format) }
  })

/**
 * What an embedding `validate` hook checks against a closed catalogue: the model, then the texts
 * (none empty, none over `max_input_characters`) and `dimensions` against its entry. Returns the
 * model. A batch over `max_texts_per_call` passes: `Stages.embed` splits it.
 */
export const checkEmbeddingSpec = (
  models: ReadonlyArray<ModelInfo>,
  spec: EmbeddingSpec,
  field = "embedding.model"
): Effect.Effect<ModelInfo, UnknownModel | InvalidRequest | InputTooLarge> =>
  Effect.tap(closedModel(models, "embedding", spec.model, field), (model) => checkEmbeddingInput(model, spec))
