/**
 * The checks a `validate` hook makes against the adapter's own catalogue, with the errors the
 * pipeline gives for the same mistakes: a model outside a closed list or an open family's
 * syntax, a voice the model does not have, an output format it cannot produce. Pure: no I/O.
 *
 * @since 0.2.0
 */
import { Effect } from "effect"
import { InvalidRequest, UnknownModel, UnsupportedFormat } from "../Errors.ts"
import { acceptsVoice, type Capability, type ModelInfo, type OutputFormat, outputFormatNames, resolveOutputFormat } from "../ModelInfo.ts"

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
