/**
 * The check that the word timestamps a speech summary carries (`words`, built from a vendor's
 * character alignment) can be used to follow the audio: each word is text without spaces,
 * its start no later than its end, the words in order, and every word inside the audio that
 * was produced (measured from the bytes). A vendor that sends the alignment in chunks may give
 * each chunk's times from the start of the audio or from the chunk's own start; an adapter that
 * takes one for the other puts words past the end of the audio or out of order.
 */
import type { Word } from "@patchbay/core"
import { Effect } from "effect"
import { show } from "../json.ts"
import { close, define, eachCassette, ensure, overSuccesses } from "./common.ts"
import { measureSpeech, speechFor } from "./tts.ts"

export const ttsWords = define(
  "tts",
  "words",
  "a speech summary's words are ordered, without spaces, and inside the audio",
  overSuccesses("tts"),
  Effect.fn("Checks.tts.words")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const { speech } = yield* speechFor(subject, loaded, scenario)
        const words: ReadonlyArray<Word> = speech.summary.words ?? []
        if (words.length === 0) return
        const measured = yield* measureSpeech(speech)
        let previous = 0
        for (const [i, word] of words.entries()) {
          yield* ensure(word.text !== "" && !/\s/.test(word.text), () => `words[${i}] is ${show(word.text)}: a word is text without spaces`)
          yield* ensure(Number.isFinite(word.start) && Number.isFinite(word.end) && word.start >= 0 && word.start <= word.end, () =>
            `words[${i}] (${show(word.text)}) runs from ${word.start} to ${word.end}`)
          yield* ensure(word.start + 1e-9 >= previous, () =>
            `words[${i}] (${show(word.text)}) starts at ${word.start}, before words[${i - 1}] (${previous}): put every chunk's times on the audio's time line`)
          yield* ensure(word.end <= measured || close(word.end, measured), () =>
            `words[${i}] (${show(word.text)}) ends at ${word.end} s, after the audio (${measured.toFixed(3)} s): times of a chunk given from the start of the audio must not be shifted again`)
          previous = word.start
        }
      }))
  })
)
