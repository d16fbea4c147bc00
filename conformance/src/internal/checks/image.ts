/**
 * The image checks: the bytes decode as the declared image type, and usage is the vendor's.
 */
import type { ImageResult } from "@patchbay/core"
import { Effect } from "effect"
import { readImage } from "../image.ts"
import { checkUsage, define, eachCassette, ensure, skip, overSuccesses, playCassette, run, scenarioIn, succeeded } from "./common.ts"

const imageOf = (values: ReadonlyArray<unknown>): ImageResult => values[0] as ImageResult

export const imageBytes = define(
  "image",
  "bytes",
  "the bytes decode as the declared image type",
  overSuccesses("image"),
  Effect.fn("Checks.image.bytes")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const result = imageOf(yield* succeeded(yield* playCassette(subject, loaded)))
        const wanted = scenario.expect?.images
        yield* ensure(result.images.length > 0, () => "the result holds no image")
        if (wanted !== undefined) yield* ensure(result.images.length === wanted, () => `the result holds ${result.images.length} images; the vendor made ${wanted}`)
        for (const [i, image] of result.images.entries()) {
          const facts = readImage(image.data)
          yield* ensure(facts._tag === "Image" && facts.media_type === image.media_type, () =>
            facts._tag === "Image"
              ? `images[${i}] is declared ${image.media_type} but the bytes are ${facts.media_type}`
              : `images[${i}] is declared ${image.media_type} but does not decode: ${facts.reason}`)
        }
      }))
  })
)

export const imageUsage = define(
  "image",
  "usage",
  "usage equals what the vendor reported",
  overSuccesses("image", (_, found) => {
    const reported = found.filter((c) => scenarioIn(c).expect?.usage !== undefined)
    return reported.length === 0 ? skip("no image cassette records usage (the vendor gives none)") : run(reported)
  }),
  Effect.fn("Checks.image.usage")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const result = imageOf(yield* succeeded(yield* playCassette(subject, loaded)))
        yield* checkUsage(result.usage, scenario.expect?.usage, "usage")
      }))
  })
)
