/**
 * Images: `POST /v1/images` with JSON, answered with JSON holding base64 PNGs and the cost.
 */
import type { ImageProvider, ImageRequest, ImageResult, ImageSpec } from "@patchbay/core"
import { closedModel, type HttpClient, jsonBody, withoutUndefined } from "@patchbay/core/adapter"
import { Effect } from "effect"
import { models } from "./Models.ts"
import { decodeOptions, ImageOptions } from "./Options.ts"
import { Images } from "./Wire.ts"

/** The pure hook: model and options. */
export const validate = (spec: ImageSpec) =>
  Effect.andThen(closedModel(models, "image", spec.model, "image_model_name"), decodeOptions(ImageOptions, spec.provider_options, ""))

/** The image capability over the client. */
export const make = (client: HttpClient): ImageProvider => ({
  catalogue: "closed",
  validate: (spec) => Effect.asVoid(validate(spec)),
  generate: Effect.fn("AcmeVoice.generateImage")(function*(request: ImageRequest) {
    const options = yield* validate(request)
    const body = jsonBody({ model: request.model, prompt: request.prompt, size: request.size, ...options })
    const { body: raw, value, requestId } = yield* client.postForJson("/images", body, Images, { model: request.model, field: "prompt" })
    return {
      images: value.data.map((d) => ({ data: new Uint8Array(Buffer.from(d.b64_png, "base64")), media_type: "image/png" })),
      usage: withoutUndefined({ cost_usd: value.usage?.cost_usd }),
      ...withoutUndefined({ revised_prompt: value.data[0]?.revised_prompt, request_id: requestId }),
      provider_output: raw
    } satisfies ImageResult
  })
})
