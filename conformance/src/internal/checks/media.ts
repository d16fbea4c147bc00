/**
 * The check that images a language model streams reach the caller: an LLM scenario whose
 * `expect.images` says how many images the vendor sent must produce that many `media` events,
 * each decoding as its declared image type. Image items inside a chat stream are easy to lose —
 * an SDK schema that drops an item missing a field, a parser that reads only text deltas.
 */
import type { LlmEvent } from "@patchbay/core"
import { Effect } from "effect"
import { readImage } from "../image.ts"
import { define, eachCassette, ensure, overSuccesses, playCassette, run, scenarioIn, skip, succeeded } from "./common.ts"

export const llmMedia = define(
  "llm",
  "media",
  "images the model streams arrive as media events, each the declared image type",
  overSuccesses("llm", (_, found) => {
    const imaging = found.filter((c) => scenarioIn(c).expect?.images !== undefined)
    return imaging.length === 0 ? skip("no llm cassette expects images") : run(imaging)
  }),
  Effect.fn("Checks.llm.media")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const events = (yield* succeeded(yield* playCassette(subject, loaded))) as ReadonlyArray<LlmEvent>
        const media = events.flatMap((e) => (e.type === "media" ? [e] : []))
        const wanted = scenario.expect?.images ?? 0
        yield* ensure(media.length === wanted, () => `the stream carried ${media.length} media event(s); the vendor sent ${wanted} image(s): keep every image item`)
        for (const [i, item] of media.entries()) {
          const facts = readImage(item.data)
          yield* ensure(facts._tag === "Image" && facts.media_type === item.media_type, () =>
            facts._tag === "Image"
              ? `media[${i}] is declared ${item.media_type} but the bytes are ${facts.media_type}`
              : `media[${i}] is declared ${item.media_type} but does not decode: ${facts.reason}`)
        }
      }))
  })
)
