/**
 * The check that a transcript's segments and speakers are what a reader can use: every
 * segment's text trimmed and not empty (an adapter that builds segments from the vendor's words
 * and their spacing easily keeps the space before a speaker change, or a segment of nothing but
 * spacing), and every speaker's `speaking_seconds` no more than the time of the segments (or,
 * without segments, the words) labelled with it, nor than the audio. `stt.timestamps` proves the
 * spans are ordered and inside the audio; this one proves what is built from them.
 */
import type { Transcript } from "@patchbay/core"
import { Effect } from "effect"
import { show } from "../json.ts"
import { define, eachCassette, ensure, failWith, overSuccesses, playCassette, succeeded } from "./common.ts"

/** Seconds of rounding a sum of spans may add (the vendor's times have milliseconds). */
const SLACK = 0.002

const spoken = (spans: ReadonlyArray<{ readonly start: number; readonly end: number; readonly speaker?: string | undefined }>, id: string) =>
  spans.filter((s) => s.speaker === id).reduce((total, s) => total + Math.max(0, s.end - s.start), 0)

export const sttSegments = define(
  "stt",
  "segments",
  "segments are trimmed and never empty; each speaker's speaking time fits its segments",
  overSuccesses("stt"),
  Effect.fn("Checks.stt.segments")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded) =>
      Effect.gen(function*() {
        const values = yield* succeeded(yield* playCassette(subject, loaded))
        const last = values.at(-1) as Transcript | undefined
        if (last?.type !== "transcript") return yield* failWith("the call did not end with a Transcript ({ type: \"transcript\", … })")
        const segments = last.segments ?? []
        for (const [i, segment] of segments.entries()) {
          yield* ensure(segment.text.trim() !== "", () => `segments[${i}] is empty (${show(segment.text)}): leave out a segment with no words`)
          yield* ensure(segment.text === segment.text.trim(), () =>
            `segments[${i}].text is ${show(segment.text)}: trim the spacing the vendor put around its words`)
        }
        const labelled = segments.some((s) => s.speaker !== undefined) ? segments : last.words ?? []
        for (const speaker of last.speakers ?? []) {
          const seconds = speaker.speaking_seconds
          if (seconds === undefined) continue
          yield* ensure(Number.isFinite(seconds) && seconds >= 0, () => `speaker ${show(speaker.id)} speaks ${show(seconds)} s`)
          const bound = spoken(labelled, speaker.id)
          const over = labelled.length > 0 && seconds > bound + SLACK
          yield* ensure(!over, () =>
            `speaker ${show(speaker.id)} speaks ${seconds} s, but the ${segments === labelled ? "segments" : "words"} labelled with it last ${bound.toFixed(3)} s: count each span's end minus its start`)
          const audio = last.duration_seconds
          yield* ensure(audio === undefined || seconds <= audio + SLACK, () => `speaker ${show(speaker.id)} speaks ${seconds} s, longer than the audio (${audio} s)`)
        }
      }))
  })
)
