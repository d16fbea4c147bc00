/**
 * Images with the GPT image models: `POST /images/generations` (JSON), or `POST /images/edits`
 * (multipart, the input images as repeated `image[]` parts) when the request carries input
 * images. The base64 images of the answer become bytes labelled with their format, and the
 * token usage is reported.
 *
 * @since 0.1.0
 */
import {
  type ImageData,
  type ImageProvider,
  type ImageRequest,
  type ImageResult,
  type ImageSpec,
  InvalidRequest,
  ProviderUnavailable,
  UnknownModel,
  type Usage,
  type ValidationError
} from "@patchbay/core"
import { requestIdOf } from "@patchbay/core/adapter"
import { Effect, Schema } from "effect"
import type { ImageEditParamsNonStreaming, ImageGenerateParamsNonStreaming } from "openai/resources/images"
import { type Client, decodeOptions } from "./internal/Client.ts"
import { optionField } from "./internal/Errors.ts"
import { IMAGE_SIZES, type ImageModel, idsOf, isImageModel, MAX_EDIT_IMAGES, PROVIDER } from "./Models.ts"
import { ImageOptions } from "./Options.ts"
import { ImagesResponse } from "./Wire.ts"

/** A request that passed {@link validate}. */
export interface ValidImage {
  readonly model: ImageModel
  readonly options: ImageOptions
}

const refuse = (name: string, value: unknown, reason: string, allowed?: ReadonlyArray<string>) =>
  Effect.fail(
    new InvalidRequest({
      provider: PROVIDER,
      field: optionField("image", name),
      value,
      reason,
      ...(allowed === undefined ? {} : { allowed })
    })
  )

/**
 * The pure hook: the model against the closed catalogue, the size, the options, and the rules
 * between them (a transparent background and compression need a format that has them). No I/O.
 */
export const validate = (spec: ImageSpec): Effect.Effect<ValidImage, ValidationError> =>
  Effect.gen(function*() {
    const model = spec.model
    if (!isImageModel(model)) {
      return yield* new UnknownModel({ provider: PROVIDER, model, field: "image_model_name", allowed: idsOf("image") })
    }
    if (spec.size !== undefined && !IMAGE_SIZES.includes(spec.size)) {
      return yield* new InvalidRequest({ provider: PROVIDER, field: "size", value: spec.size, allowed: IMAGE_SIZES, reason: `${model} makes no image of this size` })
    }
    const options = yield* decodeOptions(ImageOptions, "image", spec.provider_options)
    const format = options.output_format ?? "png"
    if (options.background === "transparent" && format === "jpeg") {
      return yield* refuse("background", "transparent", "a transparent background needs output_format png or webp", ["png", "webp"])
    }
    if (options.output_compression !== undefined && format === "png") {
      return yield* refuse("output_compression", options.output_compression, "compression applies to output_format jpeg or webp", ["jpeg", "webp"])
    }
    return { model, options }
  })

const extensions: Readonly<Record<string, string>> = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" }

const mediaTypeOf = (format: string) => (format === "jpeg" || format === "jpg" ? "image/jpeg" : `image/${format}`)

/** The image tokens, as `Usage`. */
const usageOf = (usage: ImagesResponse["usage"]): Usage =>
  usage === null || usage === undefined
    ? {}
    : { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens, total_tokens: usage.total_tokens }

/** The wire body without its base64 payloads (the bytes are in `images`). */
const withoutPayloads = (body: unknown): unknown => {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { data?: unknown }).data)) return body
  const data = (body as { data: ReadonlyArray<unknown> }).data.map((item, i) =>
    typeof item === "object" && item !== null && typeof (item as { b64_json?: unknown }).b64_json === "string"
      ? { ...item, b64_json: `[${Buffer.byteLength((item as { b64_json: string }).b64_json, "base64")} bytes: images[${i}]]` }
      : item
  )
  return { ...body, data }
}

/** The image capability over a client. */
export const make = (client: Client): ImageProvider => ({
  catalogue: "closed",
  validate: (spec) => Effect.asVoid(validate(spec)),
  generate: Effect.fn("OpenAI.generateImage")(function*(request: ImageRequest) {
    const { options } = yield* validate(request)
    const inputs = request.input_images ?? []
    const edit = inputs.length > 0
    if (inputs.length > MAX_EDIT_IMAGES) {
      return yield* new InvalidRequest({ provider: PROVIDER, field: "input_images", value: inputs.length, reason: `an edit takes at most ${MAX_EDIT_IMAGES} images` })
    }
    if (edit && options.moderation !== undefined) {
      return yield* refuse("moderation", options.moderation, "moderation applies to generation, not to edits")
    }
    if (!edit && options.input_fidelity !== undefined) {
      return yield* refuse("input_fidelity", options.input_fidelity, "input_fidelity applies to edits (a request with input images)")
    }
    const fields = {
      model: request.model,
      prompt: request.prompt,
      ...(request.size === undefined ? {} : { size: request.size }),
      ...options
    }
    const { response, text } = yield* client.call({ capability: "image", model: request.model }, async (sdk, signal) => {
      const response = edit
        ? await sdk.images.edit({
          ...fields,
          image: inputs.map((image: ImageData, i) =>
            new File([image.data as Uint8Array<ArrayBuffer>], `image-${i}.${extensions[image.media_type] ?? "png"}`, { type: image.media_type })
          )
        } as ImageEditParamsNonStreaming, { signal }).asResponse()
        : await sdk.images.generate(fields as ImageGenerateParamsNonStreaming, { signal }).asResponse()
      return { response, text: await response.text() }
    })
    const requestId = requestIdOf(response.headers)
    const unexpected = (detail: string) =>
      new ProviderUnavailable({ provider: PROVIDER, ...(requestId === undefined ? {} : { requestId }), detail: `unexpected image response: ${detail}` })
    const body = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => unexpected(`not JSON: ${text.slice(0, 200)}`) })
    const wire = yield* Schema.decodeUnknownEffect(ImagesResponse)(body).pipe(Effect.mapError((e) => unexpected(e.message)))
    const media_type = mediaTypeOf(wire.output_format ?? options.output_format ?? "png")
    const images: Array<ImageData> = []
    for (const item of wire.data ?? []) {
      if (typeof item.b64_json !== "string") return yield* unexpected("an image came without b64_json")
      images.push({ data: new Uint8Array(Buffer.from(item.b64_json, "base64")), media_type })
    }
    if (images.length === 0) return yield* unexpected("no image in the response")
    const revised = wire.data?.[0]?.revised_prompt
    const result: ImageResult = {
      images,
      usage: usageOf(wire.usage),
      ...(typeof revised === "string" ? { revised_prompt: revised } : {}),
      ...(requestId === undefined ? {} : { request_id: requestId }),
      provider_output: withoutPayloads(body)
    }
    return result
  })
})
