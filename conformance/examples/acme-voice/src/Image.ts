/**
 * Images: `POST /v1/images` with JSON, answered with JSON holding base64 PNGs and the cost.
 */
import { type ImageProvider, type ImageRequest, type ImageResult, type ImageSpec, UnknownModel } from "@patchbay/core"
import { Effect } from "effect"
import { type Client, decodeOptions } from "./internal/Client.ts"
import { models, PROVIDER } from "./Models.ts"
import { ImageOptions } from "./Options.ts"
import { Images } from "./Wire.ts"

const imageModels = models.filter((m) => m.capability === "image")

/** The pure hook: model and options. */
export const validate = (spec: ImageSpec) =>
  Effect.gen(function*() {
    if (!imageModels.some((m) => m.id === spec.model)) {
      return yield* new UnknownModel({ provider: PROVIDER, model: spec.model, field: "image_model_name", allowed: imageModels.map((m) => m.id) })
    }
    yield* decodeOptions(ImageOptions, spec.provider_options, "")
  })

/** The image capability over a client. */
export const make = (client: Client): ImageProvider => ({
  catalogue: "closed",
  validate,
  generate: Effect.fn("AcmeVoice.generateImage")(function*(request: ImageRequest) {
    yield* validate(request)
    const options = yield* decodeOptions(ImageOptions, request.provider_options, "")
    const body = JSON.stringify({ model: request.model, prompt: request.prompt, ...(request.size === undefined ? {} : { size: request.size }), ...options })
    const response = yield* client.send({ method: "POST", path: "/images", body, json: true }, { model: request.model, field: "prompt" })
    const { body: raw, decoded } = yield* client.json(response, Images)
    const requestId = response.headers.get("x-request-id") ?? undefined
    const revised = decoded.data[0]?.revised_prompt
    const result: ImageResult = {
      images: decoded.data.map((d) => ({ data: new Uint8Array(Buffer.from(d.b64_png, "base64")), media_type: "image/png" })),
      usage: decoded.usage?.cost_usd === undefined ? {} : { cost_usd: decoded.usage.cost_usd },
      ...(revised === undefined ? {} : { revised_prompt: revised }),
      ...(requestId === undefined ? {} : { request_id: requestId }),
      provider_output: raw
    }
    return result
  })
})
