/**
 * The image bridge: AI SDK image models, and language models that answer with image files,
 * generate and edit; images are labelled by their bytes.
 */
import type { ImageModelV4CallOptions, LanguageModelV4CallOptions } from "@ai-sdk/provider"
import { expect, it } from "@effect/vitest"
import { MockImageModelV4 } from "ai/test"
import { Effect } from "effect"
import { fromAiSdk } from "../src/index.ts"
import { chatImageModel, imageModel, mockProvider, robotPng } from "./support/MockModels.ts"

const prompt = "a tiny red robot watering a sunflower"

it.effect("an image model: the PNG labelled from its bytes, the revised prompt, the token usage", () =>
  Effect.gen(function*() {
    const result = yield* mockProvider().image!.generate({ model: "mock-draw", prompt, size: "32x32" })
    expect(result).toEqual({
      images: [{ data: robotPng, media_type: "image/png" }],
      usage: { input_tokens: 14, output_tokens: 1024, total_tokens: 1038 },
      revised_prompt: "A tiny red robot watering a sunflower, pixel art.",
      provider_output: {
        model: "mock-draw",
        provider_metadata: { mock: { images: [{ revisedPrompt: "A tiny red robot watering a sunflower, pixel art." }] } }
      }
    })
  }))

it.effect("an edit sends the input images as files; size and aspect ratio reach the call", () =>
  Effect.gen(function*() {
    const model = imageModel()
    const calls: Array<ImageModelV4CallOptions> = []
    const spy = new MockImageModelV4({
      provider: "mock.image",
      supportsFileInputs: true,
      doGenerate: (options) => {
        calls.push(options)
        return model.doGenerate(options)
      }
    })
    const image = fromAiSdk({ id: "mock", models: { image: { draw: spy } } }).image!
    yield* image.generate({ model: "draw", prompt: "make it blue", size: "1024x1024", input_images: [{ data: robotPng, media_type: "image/png" }] })
    yield* image.generate({ model: "draw", prompt: "wider", size: "16:9" })
    expect(calls.map((c) => [c.prompt, c.n, c.size, c.aspectRatio, c.files])).toEqual([
      ["make it blue", 1, "1024x1024", undefined, [{ type: "file", mediaType: "image/png", data: robotPng }]],
      ["wider", 1, undefined, "16:9", undefined]
    ])
  }))

it.effect("an image model that cannot edit refuses input images; a malformed size is refused by validate", () =>
  Effect.gen(function*() {
    const model = new MockImageModelV4({ supportsFileInputs: false, doGenerate: imageModel().doGenerate })
    const image = fromAiSdk({ id: "mock", models: { image: { draw: model } } }).image!
    const edit = yield* Effect.flip(image.generate({ model: "draw", prompt, input_images: [{ data: robotPng, media_type: "image/png" }] }))
    expect(edit).toMatchObject({ _tag: "InvalidRequest", field: "input_images", reason: "draw does not take input images (it cannot edit)" })
    const size = yield* Effect.flip(image.validate({ model: "draw", size: "large" }))
    expect(size).toMatchObject({ _tag: "InvalidRequest", field: "size", value: "large" })
  }))

it.effect("a language model answering with files serves images; the prompt and input images are one user message", () =>
  Effect.gen(function*() {
    const inner = chatImageModel()
    const calls: Array<LanguageModelV4CallOptions> = []
    const model = Object.assign(chatImageModel(), {
      doGenerate: (options: LanguageModelV4CallOptions) => {
        calls.push(options)
        return inner.doGenerate(options)
      }
    })
    const image = fromAiSdk({ id: "mock", models: { image: { "chat-image": model } } }).image!
    const result = yield* image.generate({ model: "chat-image", prompt: "make it blue", size: "1024x1024", input_images: [{ data: robotPng, media_type: "image/png" }] })
    expect(calls[0]?.prompt).toEqual([{
      role: "user",
      content: [{ type: "text", text: "make it blue" }, { type: "file", mediaType: "image/png", data: { type: "data", data: robotPng } }]
    }])
    expect(result).toEqual({
      images: [{ data: robotPng, media_type: "image/png" }],
      usage: { input_tokens: 20, output_tokens: 1290, total_tokens: 1310 },
      request_id: "resp_mock_image",
      warnings: ["size is not supported by chat-image, a language model answering with images"],
      provider_output: { id: "resp_mock_image" }
    })
    expect(mockProvider().models.find((m) => m.id === "mock-chat-image")).toEqual({ id: "mock-chat-image", provider: "mock", capability: "image", image_input: true })
  }))
