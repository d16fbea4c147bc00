/**
 * A transcript's parts have the shapes `voice_records` stores: each word, segment and speaker
 * decodes as core's `Word`, `Segment` and `Speaker`. TypeScript cannot hold an adapter to the
 * literals of a word's `type` (`word`, `spacing`, `audio_event`) once the value is built from the
 * vendor's JSON or cast, and `stt.timestamps` reads only times and speakers: a word typed
 * `"token"` or `""`, a speaker id that is a number, reach the record unnoticed and fail whoever
 * decodes it later.
 */
import { Segment, Speaker, Word } from "@patchbay/core"
import { Cause, Effect, Exit, Schema } from "effect"
import { show } from "../json.ts"
import { define, eachCassette, ensure, overSuccesses, playCassette, succeeded } from "./common.ts"

/** Per list, the record schema's name and whether an item decodes (with the first line of why not). */
const decoder = <S extends Schema.Decoder<unknown>>(schema: S) => {
  const decode = Schema.decodeUnknownExit(schema)
  return (item: unknown): string | undefined => {
    const exit = decode(item)
    return Exit.isSuccess(exit) ? undefined : Cause.pretty(exit.cause).split("\n")[0] ?? "it does not decode"
  }
}
const decoders = [
  ["words", "Word", decoder(Word)],
  ["segments", "Segment", decoder(Segment)],
  ["speakers", "Speaker", decoder(Speaker)]
] as const

export const sttShape = define(
  "stt",
  "shape",
  "the transcript's words, segments and speakers decode as voice_records' Word, Segment and Speaker",
  overSuccesses("stt"),
  Effect.fn("Checks.stt.shape")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded) =>
      Effect.gen(function*() {
        const values = yield* succeeded(yield* playCassette(subject, loaded))
        const transcript = values.at(-1) as Readonly<Record<string, unknown>> | undefined
        for (const [field, name, problemOf] of decoders) {
          const list = transcript?.[field]
          if (list === undefined) continue
          yield* ensure(Array.isArray(list), () => `${field} is ${show(list)}; expected a list`)
          for (const [i, item] of (list as ReadonlyArray<unknown>).entries()) {
            const problem = problemOf(item)
            yield* ensure(problem === undefined, () =>
              `${field}[${i}] ${show(item)} does not decode as voice_records' ${name}: ${problem} (a word's type is "word", "spacing" or "audio_event"; times are numbers in seconds)`)
          }
        }
      }))
  })
)
