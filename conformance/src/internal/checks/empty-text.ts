/**
 * Speaking nothing is refused before any request. `validate` cannot judge it — a speech spec
 * carries no text — so the refusal is `synthesize`'s own: empty or blank text fails with
 * `InvalidRequest` naming the field at fault and saying why, and nothing reaches the vendor. An
 * adapter that sends it anyway pays a round trip for the vendor's 400 (or, worse, for a second
 * of billed silence), and one that refuses without naming the field leaves the caller guessing.
 */
import { Effect } from "effect"
import { show } from "../json.ts"
import { describeFailure, define, eachCassette, ensure, failWith, overSuccesses, playCassette, run, scenarioIn } from "./common.ts"
import { failureOf } from "../operations.ts"

const texts = ["", " \n\t "] as const

export const ttsEmptyText = define(
  "tts",
  "refuses_empty_text",
  "empty or blank text is refused with InvalidRequest naming the field, before any request",
  overSuccesses("tts", (_subject, found) => run(found.slice(0, 1))),
  Effect.fn("Checks.tts.refuses_empty_text")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded) =>
      Effect.forEach(texts, (text) =>
        Effect.gen(function*() {
          const scenario = scenarioIn(loaded)
          const blank = { ...loaded, cassette: { ...loaded.cassette, scenario: { ...scenario, request: { ...scenario.request, text } } } }
          const played = yield* playCassette(subject, blank)
          const failure = failureOf(played.exit)
          const requests = played.transport?.log.length ?? 0
          const what = `the text ${show(text)}`
          if (failure === undefined) return yield* failWith(`${what} was spoken (${requests} request(s) sent); refuse it with InvalidRequest before any request`)
          yield* ensure(failure._tag === "Typed" && failure.error._tag === "InvalidRequest", () =>
            `${what} failed with ${describeFailure(played)}; expected InvalidRequest`)
          const error = (failure as { readonly error: { readonly field?: unknown; readonly reason?: unknown } }).error
          yield* ensure(typeof error.field === "string" && error.field !== "", () =>
            `${what} was refused naming the field ${show(error.field)}: name the request field that holds the text`)
          yield* ensure(typeof error.reason === "string" && error.reason.trim() !== "", () => `${what} was refused with no reason: say why`)
          yield* ensure(requests === 0, () => `${what} was refused, but only after ${requests} request(s): refuse it before the request`)
        }), { discard: true }))
  })
)
