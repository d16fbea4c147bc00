/**
 * Decoding the options a request carries under a provider's key (`provider_options.openai`).
 * An option the schema does not name is refused, not dropped — a typo must not pass silently —
 * and any problem is `InvalidRequest` naming its full path
 * (`voice.stt.provider_options.openai.prompt`), never a raw schema error.
 *
 * @since 0.2.0
 */
import { Effect, Schema, Struct } from "effect"
import { InvalidRequest } from "../Errors.ts"
import { decodeWith } from "../Validation.ts"

/** Where the options sit, and whose they are. */
export interface OptionsPlace {
  /** The provider id, carried by the error. */
  readonly provider: string
  /** The path of the options object in the request: `voice.stt.provider_options.openai`. */
  readonly field: string
  /** Objects inside the options whose keys are checked the same way, with their `allowed` list. */
  readonly nested?: Readonly<Record<string, { readonly fields: Schema.Struct.Fields }>> | undefined
}

/** The path of the options of a stage: `optionsField("voice.stt", "openai")`; `""` for the request's own. */
export const optionsField = (stage: string, provider: string): string =>
  `${stage === "" ? "" : `${stage}.`}provider_options.${provider}`

const refuseUnknownKeys = (input: unknown, fields: Schema.Struct.Fields, field: string, provider: string) => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return Effect.void
  const allowed = Object.keys(fields)
  const unknown = Object.keys(input).find((key) => !allowed.includes(key))
  return unknown === undefined ? Effect.void : Effect.fail(
    new InvalidRequest({
      provider,
      field: `${field}.${unknown}`,
      value: (input as Record<string, unknown>)[unknown],
      allowed,
      reason: `${JSON.stringify(unknown)} is not an option of ${provider} here`
    })
  )
}

/**
 * Decodes a provider's options with their schema. Unknown keys of the options object (and of
 * `nested` objects) are refused with the list of allowed ones; keys unknown deeper down, and
 * malformed values, are refused naming their path.
 *
 * @example
 * ```ts
 * const options = yield* decodeProviderOptions(SttOptions, request.provider_options, {
 *   provider: "acme-voice",
 *   field: "voice.stt.provider_options.acme-voice"
 * })
 * ```
 */
export const decodeProviderOptions = <S extends Schema.Decoder<unknown>>(
  schema: S,
  options: unknown,
  place: OptionsPlace
): Effect.Effect<S["Type"], InvalidRequest> =>
  Effect.gen(function*() {
    const input = options ?? {}
    const fields = (schema as { readonly fields?: Schema.Struct.Fields }).fields
    if (fields !== undefined) yield* refuseUnknownKeys(input, fields, place.field, place.provider)
    if (typeof input === "object" && input !== null) {
      for (const [name, inner] of Object.entries(place.nested ?? {})) {
        yield* refuseUnknownKeys((input as Record<string, unknown>)[name], inner.fields, `${place.field}.${name}`, place.provider)
      }
    }
    return yield* decodeWith(schema, place.field, { onExcessProperty: "error" })(input).pipe(
      Effect.mapError((error) =>
        new InvalidRequest({
          provider: place.provider,
          field: error.field,
          reason: error.reason,
          ...("value" in error ? { value: error.value } : {}),
          ...(error.allowed === undefined ? {} : { allowed: error.allowed })
        })
      )
    )
  })

/**
 * A provider's options decoder, for its capabilities: `stage` is where the options sit
 * (`voice.stt`, `voice.tts`, or `""` for the request's own `provider_options`).
 *
 * @example
 * ```ts
 * export const decodeOptions = optionsDecoder("acme-voice")
 * const options = yield* decodeOptions(SttOptions, spec.provider_options, "voice.stt")
 * ```
 */
export const optionsDecoder = (provider: string) =>
<S extends Schema.Decoder<unknown>>(schema: S, options: unknown, stage: string): Effect.Effect<S["Type"], InvalidRequest> =>
  decodeProviderOptions(schema, options, { provider, field: optionsField(stage, provider) })

/**
 * A provider's options schema: every option is optional, so each field is wrapped in
 * `Schema.optionalKey` (absent is allowed, `undefined` is not).
 *
 * @example
 * ```ts
 * export const SttOptions = optionsSchema({ diarize: Schema.Boolean, timestamp_granularities: Schema.Array(Schema.String) })
 * ```
 */
export const optionsSchema = <const Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.Struct(fields).mapFields(Struct.map(Schema.optionalKey))
