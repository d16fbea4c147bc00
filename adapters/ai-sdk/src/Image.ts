/**
 * `ImageModel` → `ImageProvider`, and language models that answer with images (Gemini image
 * models, OpenRouter's image-capable chat models) too: which kind a model is, is read from the
 * model itself. An edit is a generate with input images — files of the image call, or image
 * parts of the user message for a language model. The images are labelled by their bytes.
 *
 * @since 0.1.0
 */
import {
  combineUsage,
  type ImageData,
  type ImageProvider,
  type ImageRequest,
  type ImageResult,
  type ImageSpec,
  InvalidRequest,
  ProviderUnavailable,
  type Usage,
  type ValidationError
} from "@patchbay/core"
import { Effect } from "effect"
import { once } from "./internal/Calls.ts"
import { type Models, optionsKey } from "./internal/Models.ts"
import {
  type AiSdkOptions,
  defaultImageSettings,
  type ImageCallSettings,
  type ImageCapableModel,
  type ImageModel,
  type LanguageModel,
  type SettingsHook
} from "./Options.ts"
import {
  type ErrorContext,
  finishReason,
  imageMediaType,
  jsonValue,
  languageModelUsage,
  requestIdOf,
  toBytes,
  usageOf,
  warningText
} from "./Wire.ts"

const MODEL_FIELD = "image_model_name"
const optionsField = (id: string) => `provider_options.${id}`

/** Whether an image-capable model is a language model (it streams chat) rather than an image model. */
export const isLanguageModel = (model: ImageCapableModel): model is LanguageModel =>
  typeof (model as Partial<LanguageModel>).doStream === "function"

const settingsOf = (options: AiSdkOptions, spec: ImageSpec, model: ImageCapableModel | undefined): Effect.Effect<ImageCallSettings, ValidationError> => {
  const hook: SettingsHook<ImageSpec, ImageCallSettings> = options.settings?.image ?? defaultImageSettings
  return hook(spec, {
    key: model === undefined ? options.providerOptionsKey ?? options.id : optionsKey(options, model),
    field: optionsField(options.id)
  })
}

const withCost = (options: AiSdkOptions, usage: Usage, providerMetadata: unknown, raw: unknown): Usage => {
  const extra = options.usage?.({ capability: "image", providerMetadata: providerMetadata as Readonly<Record<string, unknown>> | undefined, raw })
  return extra?.cost_usd === undefined ? usage : combineUsage(usage, { cost_usd: extra.cost_usd })
}

const imageOf = (data: string | Uint8Array, declared: string | undefined): ImageData => {
  const bytes = toBytes(data)
  return { data: bytes, media_type: imageMediaType(bytes, declared) }
}

/** An AI SDK image model's generation. */
const fromImageModel = (options: AiSdkOptions, context: ErrorContext, model: ImageModel, request: ImageRequest, settings: ImageCallSettings) =>
  Effect.gen(function*() {
    const inputs = request.input_images ?? []
    if (inputs.length > 0) {
      const supported = yield* Effect.promise(() => Promise.resolve(model.supportsFileInputs))
      if (supported === false) {
        return yield* new InvalidRequest({ provider: options.id, field: "input_images", reason: `${request.model} does not take input images (it cannot edit)` })
      }
    }
    const result = yield* once(context, (abortSignal) =>
      model.doGenerate({
        prompt: request.prompt,
        n: settings.n ?? 1,
        size: settings.size,
        aspectRatio: settings.aspectRatio,
        seed: settings.seed,
        files: inputs.length === 0 ? undefined : inputs.map((image) => ({ type: "file" as const, mediaType: image.media_type, data: image.data })),
        mask: undefined,
        providerOptions: settings.providerOptions ?? {},
        ...(settings.headers === undefined ? {} : { headers: settings.headers }),
        abortSignal
      }))
    const key = optionsKey(options, model)
    const metadata = result.providerMetadata?.[key]
    const first: unknown = Array.isArray(metadata?.images) ? metadata.images[0] : undefined
    const candidate = typeof first === "object" && first !== null ? (first as { readonly revisedPrompt?: unknown }).revisedPrompt : undefined
    const revised = typeof candidate === "string" ? candidate : undefined
    const usage = withCost(
      options,
      usageOf({ input_tokens: result.usage?.inputTokens, output_tokens: result.usage?.outputTokens, total_tokens: result.usage?.totalTokens }),
      result.providerMetadata,
      undefined
    )
    const warnings = result.warnings.map(warningText)
    const requestId = requestIdOf(result.response.headers)
    const images: ReadonlyArray<string | Uint8Array> = result.images
    const out: ImageResult = {
      images: images.map((image) => imageOf(image, undefined)),
      usage,
      ...(revised === undefined ? {} : { revised_prompt: revised }),
      ...(requestId === undefined ? {} : { request_id: requestId }),
      ...(warnings.length === 0 ? {} : { warnings }),
      provider_output: jsonValue({ model: result.response.modelId, provider_metadata: result.providerMetadata }) ?? null
    }
    return out
  })

/** A language model answering with image files: one user message, the prompt and any input images. */
const fromLanguageModel = (options: AiSdkOptions, context: ErrorContext, model: LanguageModel, request: ImageRequest, settings: ImageCallSettings) =>
  Effect.gen(function*() {
    const unsupported = [
      ...(settings.size === undefined ? [] : [`size is not supported by ${request.model}, a language model answering with images`]),
      ...(settings.aspectRatio === undefined ? [] : [`aspectRatio is not supported by ${request.model}, a language model answering with images`]),
      ...((settings.n ?? 1) === 1 ? [] : [`n is not supported by ${request.model}: it answers with the images it chooses`])
    ]
    const result = yield* once(context, (abortSignal) =>
      model.doGenerate({
        prompt: [{
          role: "user",
          content: [
            { type: "text", text: request.prompt },
            ...(request.input_images ?? []).map((image) => ({
              type: "file" as const,
              mediaType: image.media_type,
              data: { type: "data" as const, data: image.data }
            }))
          ]
        }],
        ...(settings.providerOptions === undefined ? {} : { providerOptions: settings.providerOptions }),
        ...(settings.seed === undefined ? {} : { seed: settings.seed }),
        ...(settings.headers === undefined ? {} : { headers: settings.headers }),
        abortSignal
      }))
    const reason = finishReason(result.finishReason)
    if (reason === "error" || reason === "interrupted") {
      return yield* new ProviderUnavailable({ provider: options.id, detail: `the model stopped with an error (${result.finishReason.raw ?? reason})` })
    }
    const images: Array<ImageData> = []
    const warnings = [...unsupported, ...result.warnings.map(warningText)]
    let text = ""
    for (const part of result.content) {
      if (part.type === "text") text += part.text
      if (part.type === "file" && part.mediaType.startsWith("image")) {
        if (part.data.type === "url") warnings.push(`an image at ${part.data.url.href} was not fetched`)
        else images.push(imageOf(part.data.data, part.mediaType))
      }
    }
    if (images.length === 0 && text !== "") warnings.push(`the model answered without an image: ${text.slice(0, 200)}`)
    const requestId = requestIdOf(result.response?.headers) ?? result.response?.id
    const out: ImageResult = {
      images,
      usage: withCost(options, languageModelUsage(result.usage), result.providerMetadata, result.usage.raw),
      ...(requestId === undefined ? {} : { request_id: requestId }),
      ...(warnings.length === 0 ? {} : { warnings }),
      provider_output: jsonValue(result.response?.body) ?? jsonValue({ text }) ?? null
    }
    return out
  })

/** The image capability over the bridge's image-capable models. */
export const make = (options: AiSdkOptions, models: Models<ImageCapableModel>): ImageProvider => {
  const validate = (spec: ImageSpec): Effect.Effect<void, ValidationError> =>
    Effect.andThen(models.check(spec.model, MODEL_FIELD), Effect.asVoid(settingsOf(options, spec, models.peek(spec.model))))

  const generate = Effect.fn("AiSdk.generateImage")(function*(request: ImageRequest) {
    yield* validate(request)
    const model = yield* models.get(request.model, MODEL_FIELD)
    const settings = yield* settingsOf(options, request, model)
    const context: ErrorContext = {
      provider: options.id,
      model: request.model,
      field: "prompt",
      optionsField: optionsField(options.id),
      modelField: MODEL_FIELD,
      vendor: options.errors
    }
    const result: ImageResult = isLanguageModel(model)
      ? yield* fromLanguageModel(options, context, model, request, settings)
      : yield* fromImageModel(options, context, model, request, settings)
    return result
  })

  return { catalogue: models.catalogue, modelPattern: models.pattern, validate, generate }
}
