/**
 * OpenRouter's image generation: an image-capable chat model (`google/gemini-3.1-flash-image-preview`,
 * …) asked through chat completions with `modalities: ["image", "text"]` — not the `/images`
 * endpoint. The images of the answer (`message.images`, base64 data URLs) become the result's
 * images; an edit sends the input image back as a data-URL image part of the user message. A
 * request `size` becomes `image_config.aspect_ratio` (`"16:9"`, or a pixel size of one of
 * those ratios) or `image_config.image_size` (`"1K"`, `"2K"`, `"4K"`).
 *
 * @since 0.1.0
 */
import type { ImageCallSettings, SettingsContext } from "@patchbay/ai-sdk"
import { type ImageSpec, InvalidRequest } from "@patchbay/core"
import { Effect } from "effect"
import { toProviderOptions } from "./Chat.ts"
import { ASPECT_RATIOS, decodeOptions, IMAGE_SIZES, ImageOptions } from "./Options.ts"

/** What is asked for when the options name no `modalities`: text-and-image answers (Gemini). */
export const DEFAULT_MODALITIES = ["image", "text"] as const

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

/** A request `size` as `image_config`: an aspect ratio, a pixel size of one, or an image size. */
export const sizeConfig = (size: string | undefined): Effect.Effect<Record<string, string>, InvalidRequest> => {
  if (size === undefined) return Effect.succeed({})
  if ((IMAGE_SIZES as ReadonlyArray<string>).includes(size)) return Effect.succeed({ image_size: size })
  const pixels = /^([1-9]\d*)x([1-9]\d*)$/.exec(size)
  const ratio = pixels === null
    ? size
    : `${Number(pixels[1]) / gcd(Number(pixels[1]), Number(pixels[2]))}:${Number(pixels[2]) / gcd(Number(pixels[1]), Number(pixels[2]))}`
  if ((ASPECT_RATIOS as ReadonlyArray<string>).includes(ratio)) return Effect.succeed({ aspect_ratio: ratio })
  return Effect.fail(new InvalidRequest({
    provider: "openrouter",
    field: "size",
    value: size,
    allowed: [...ASPECT_RATIOS, ...IMAGE_SIZES],
    reason: "OpenRouter takes an aspect ratio (or a pixel size of one) or an image size"
  }))
}

/**
 * The image settings hook: `modalities` (default `["image", "text"]`), the decoded options and
 * the size as `image_config`, all in the chat completion body. Pure.
 */
export const settings = (spec: ImageSpec, context: SettingsContext): Effect.Effect<ImageCallSettings, InvalidRequest> =>
  Effect.gen(function*() {
    const options = yield* decodeOptions(ImageOptions, spec.provider_options, context.field)
    const sized = yield* sizeConfig(spec.size)
    const imageConfig = { ...sized, ...options.image_config }
    const body = {
      ...options,
      modalities: options.modalities ?? DEFAULT_MODALITIES,
      ...(Object.keys(imageConfig).length === 0 ? {} : { image_config: imageConfig })
    }
    const providerOptions = toProviderOptions(body)
    return providerOptions === undefined ? {} : { providerOptions }
  })
