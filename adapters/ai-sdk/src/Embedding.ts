/**
 * `EmbeddingModel` → `EmbeddingProvider`: any AI SDK embedding model embeds texts for Patchbay,
 * through its own `doEmbed` (never `embedMany`, which retries — retries belong to the
 * pipeline), with what `embedMany` does besides: a batch over the model's
 * `maxEmbeddingsPerCall` becomes several calls, joined in order. The floats become
 * `Float32Array`s; the tokens the model reports become `input_tokens`.
 *
 * @since 0.2.0
 */
import {
  type EmbeddingProvider,
  type EmbeddingRequest,
  type EmbeddingResult,
  type EmbeddingSpec,
  ProviderUnavailable,
  type ValidationError,
  Validation
} from "@patchbay/core"
import { Effect } from "effect"
import { once } from "./internal/Calls.ts"
import { type Models, optionsKey } from "./internal/Models.ts"
import { type AiSdkOptions, type EmbeddingCallSettings, type EmbeddingModel, passThrough, type SettingsHook } from "./Options.ts"
import { type ErrorContext, jsonValue, requestIdOf, warningText } from "./Wire.ts"

const MODEL_FIELD = "model"
const optionsField = (id: string) => `provider_options.${id}`

/** The model's per-call limit when it states a finite number now (a promise is read at call time). */
export const statedLimit = (model: EmbeddingModel): number | undefined => {
  const limit = model.maxEmbeddingsPerCall
  return typeof limit === "number" && Number.isFinite(limit) && limit >= 1 ? limit : undefined
}

const settingsOf = (options: AiSdkOptions, spec: EmbeddingSpec, model: EmbeddingModel | undefined): Effect.Effect<EmbeddingCallSettings, ValidationError> => {
  const hook: SettingsHook<EmbeddingSpec, EmbeddingCallSettings> = options.settings?.embedding ?? passThrough
  return hook(spec, {
    key: model === undefined ? options.providerOptionsKey ?? options.id : optionsKey(options, model),
    field: optionsField(options.id)
  })
}

/** Cuts the texts into pieces the model takes in one call. */
const piecesOf = (texts: ReadonlyArray<string>, limit: number | undefined): ReadonlyArray<ReadonlyArray<string>> => {
  if (limit === undefined || texts.length <= limit) return [texts]
  const out: Array<ReadonlyArray<string>> = []
  for (let at = 0; at < texts.length; at += limit) out.push(texts.slice(at, at + limit))
  return out
}

/** The embedding capability over the bridge's embedding models. */
export const make = (options: AiSdkOptions, models: Models<EmbeddingModel>): EmbeddingProvider => {
  const validate = (spec: EmbeddingSpec): Effect.Effect<void, ValidationError> =>
    Effect.gen(function*() {
      yield* models.check(spec.model, MODEL_FIELD)
      yield* Validation.checkEmbeddingInput(models.info(spec.model), spec)
      yield* settingsOf(options, spec, models.peek(spec.model))
    })

  const embed = Effect.fn("AiSdk.embed")(function*(request: EmbeddingRequest) {
    yield* validate(request)
    const model = yield* models.get(request.model, MODEL_FIELD)
    const settings = yield* settingsOf(options, request, model)
    const context: ErrorContext = {
      provider: options.id,
      model: request.model,
      field: "texts",
      optionsField: optionsField(options.id),
      modelField: MODEL_FIELD,
      vendor: options.errors
    }
    const stated = yield* Effect.promise(() => Promise.resolve(model.maxEmbeddingsPerCall))
    const limit = typeof stated === "number" && Number.isFinite(stated) && stated >= 1 ? stated : undefined
    const vectors: Array<Float32Array> = []
    const warnings: Array<string> = []
    const outputs: Array<unknown> = []
    let tokens: number | undefined
    let requestId: string | undefined
    for (const values of piecesOf(request.texts, limit)) {
      const result = yield* once(context, (abortSignal) =>
        model.doEmbed({
          values: [...values],
          ...(request.dimensions === undefined ? {} : { dimensions: request.dimensions }),
          ...(settings.providerOptions === undefined ? {} : { providerOptions: settings.providerOptions }),
          ...(settings.headers === undefined ? {} : { headers: settings.headers }),
          abortSignal
        }))
      if (result.embeddings.length !== values.length) {
        return yield* new ProviderUnavailable({ provider: options.id, detail: `the model gave ${result.embeddings.length} embeddings for ${values.length} texts` })
      }
      vectors.push(...result.embeddings.map((embedding) => Float32Array.from(embedding)))
      warnings.push(...result.warnings.map(warningText))
      if (result.usage !== undefined) tokens = (tokens ?? 0) + result.usage.tokens
      requestId = requestIdOf(result.response?.headers) ?? requestId
      outputs.push(jsonValue({ provider_metadata: result.providerMetadata }) ?? null)
    }
    const out: EmbeddingResult = {
      vectors,
      usage: tokens === undefined ? {} : { input_tokens: tokens },
      ...(requestId === undefined ? {} : { request_id: requestId }),
      ...(warnings.length === 0 ? {} : { warnings }),
      provider_output: outputs.length === 1 ? outputs[0] : outputs
    }
    return out
  })

  return { catalogue: models.catalogue, modelPattern: models.pattern, validate, embed }
}
