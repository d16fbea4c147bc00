/**
 * The speech-to-text checks: the transcript's text, language, duration, timestamps and usage
 * are the vendor's, and inputs the catalogue refuses (too large, an unsupported format) are
 * refused before any upload.
 */
import { Audio, AudioInput, Language, type ModelInfo, type SttDelta, type Transcript } from "@patchbay/core"
import { Effect, Exit } from "effect"
import { type LoadedCassette, operationOf, type Scenario } from "../../Cassette.ts"
import { show } from "../json.ts"
import { audioOf, failureOf, modelOf, type Played, type ScenarioProblem } from "../operations.ts"
import {
  type Arranged,
  type CheckFailed,
  checkUsage,
  close,
  concat,
  define,
  describeFailure,
  eachCassette,
  ensure,
  failWith,
  skip,
  ofType,
  overSuccesses,
  playCassette,
  run,
  scenarioIn,
  succeeded
} from "./common.ts"

const transcriptOf = (values: ReadonlyArray<unknown>): Effect.Effect<Transcript, CheckFailed> => {
  const last = values[values.length - 1] as { type?: unknown } | undefined
  return last?.type === "transcript"
    ? Effect.succeed(last as Transcript)
    : failWith("the call did not end with a Transcript ({ type: \"transcript\", … })")
}

export const sttText = define(
  "stt",
  "text",
  "the transcript is the recording's text",
  overSuccesses("stt"),
  Effect.fn("Checks.stt.text")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const values = yield* succeeded(yield* playCassette(subject, loaded))
        const transcript = yield* transcriptOf(values)
        yield* ensure(typeof transcript.text === "string" && transcript.text.trim() !== "", () => `the transcript text is ${show(transcript.text)}`)
        const expected = scenario.expect?.text
        if (expected !== undefined) {
          yield* ensure(transcript.text.trim() === expected.trim(), () => `the transcript is ${show(transcript.text)}; the vendor said ${show(expected)}`)
        }
        if (operationOf(scenario) === "transcribeStream") {
          const joined = ofType<SttDelta>(values, "delta").map((d) => d.delta).join("")
          const norm = (s: string) => s.replace(/\s+/g, " ").trim()
          yield* ensure(norm(joined) === norm(transcript.text), () => `the deltas join to ${show(joined)}, the transcript is ${show(transcript.text)}`)
        }
      }))
  })
)

export const sttLanguage = define(
  "stt",
  "language",
  "the language is ISO 639-1, or null when the vendor does not say",
  overSuccesses("stt"),
  Effect.fn("Checks.stt.language")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const transcript = yield* transcriptOf(yield* succeeded(yield* playCassette(subject, loaded)))
        const language = transcript.language
        yield* ensure(language === null || (typeof language === "string" && Language.isIso6391(language)), () =>
          `language is ${show(language)}; it must be an ISO 639-1 code ("en") or null (normalize with Language.toIso6391)`)
        const expected = scenario.expect?.language
        if (expected !== undefined) {
          yield* ensure(language === expected, () =>
            expected === null
              ? `language is ${show(language)} but the vendor did not say: report null, never guess`
              : `language is ${show(language)}; the vendor said ${show(expected)}`)
        }
      }))
  })
)

const measuredDuration = (loaded: LoadedCassette, scenario: Scenario): Effect.Effect<number | undefined, ScenarioProblem> =>
  Effect.gen(function*() {
    const audio = yield* audioOf(loaded, scenario)
    const bytes = yield* Effect.promise(() => audio.bytes())
    const info = yield* Effect.exit(Audio.probe(bytes))
    return Exit.isSuccess(info) ? info.value.duration_seconds : undefined
  })

export const sttDuration = define(
  "stt",
  "duration",
  "the duration is the vendor's or measured, never guessed",
  overSuccesses("stt"),
  Effect.fn("Checks.stt.duration")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const transcript = yield* transcriptOf(yield* succeeded(yield* playCassette(subject, loaded)))
        const measured = yield* measuredDuration(loaded, scenario)
        const reported = transcript.duration_seconds
        const vendor = scenario.expect?.duration_seconds
        if (vendor !== undefined) {
          yield* ensure(reported !== undefined, () => `the vendor reported ${vendor} s; the transcript has no duration_seconds`)
          yield* ensure(Math.abs((reported ?? 0) - vendor) < 0.001, () => `duration_seconds is ${reported}; the vendor reported ${vendor} s`)
        } else if (reported !== undefined && measured !== undefined) {
          yield* ensure(Number.isFinite(reported) && close(reported, measured), () =>
            `duration_seconds is ${reported}, but the audio lasts ${measured.toFixed(3)} s: report the vendor's value or none, never a guess`)
        }
        const seconds = transcript.usage?.audio_seconds
        const billed = scenario.expect?.usage?.audio_seconds
        if (seconds !== undefined) {
          const reference = billed ?? vendor ?? measured
          if (reference !== undefined) {
            yield* ensure(close(seconds, reference), () =>
              `usage.audio_seconds is ${seconds}, but the audio lasts ${reference.toFixed(3)} s: never guess usage`)
          }
        }
      }))
  })
)

const offersTimestamps = (model: ModelInfo | undefined) => model?.word_timestamps === true || model?.diarization === true

export const sttTimestamps = define(
  "stt",
  "timestamps",
  "words, segments and speakers the model offers are kept and consistent; with diarization every segment has a known speaker",
  overSuccesses("stt", (subject, found) => {
    const offering = found.filter((c) => offersTimestamps(modelOf(subject.provider, scenarioIn(c))))
    return offering.length === 0 ? skip("the catalogue offers neither word timestamps nor diarization for the recorded models") : run(offering)
  }),
  Effect.fn("Checks.stt.timestamps")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const t = yield* transcriptOf(yield* succeeded(yield* playCassette(subject, loaded)))
        const expect = scenario.expect ?? {}
        for (const [field, list, wanted] of [
          ["words", t.words, expect.words],
          ["segments", t.segments, expect.segments],
          ["speakers", t.speakers, expect.speakers]
        ] as const) {
          if (wanted !== undefined) {
            yield* ensure((list?.length ?? 0) === wanted, () => `${field}: the vendor returned ${wanted}, the transcript has ${list?.length ?? "none"}`)
          }
        }
        const measured = yield* measuredDuration(loaded, scenario)
        for (const [field, spans] of [["words", t.words ?? []], ["segments", t.segments ?? []]] as const) {
          let previous = 0
          for (const [i, span] of spans.entries()) {
            yield* ensure(Number.isFinite(span.start) && Number.isFinite(span.end) && span.start >= 0 && span.start <= span.end, () =>
              `${field}[${i}] runs from ${span.start} to ${span.end}`)
            yield* ensure(span.start + 1e-9 >= previous, () => `${field}[${i}] starts at ${span.start}, before ${field}[${i - 1}] (${previous})`)
            if (measured !== undefined) {
              yield* ensure(span.end <= measured + 0.5, () => `${field}[${i}] ends at ${span.end} s, after the audio (${measured.toFixed(3)} s)`)
            }
            previous = span.start
          }
        }
        const speakers = new Set((t.speakers ?? []).map((s) => s.id))
        if ((expect.speakers ?? 0) > 0) {
          // The vendor diarized: every segment says who speaks (a dropped label is lost attribution).
          const unlabelled = (t.segments ?? []).findIndex((s) => s.speaker === undefined)
          yield* ensure(unlabelled < 0, () => `segments[${unlabelled}] carries no speaker, but the vendor diarized (${expect.speakers} speaker(s)): keep each segment's speaker`)
        }
        if (speakers.size > 0) {
          const labelled = [...(t.words ?? []), ...(t.segments ?? [])].map((s) => s.speaker).filter((s) => s !== undefined)
          const unknown = labelled.find((s) => !speakers.has(s))
          yield* ensure(unknown === undefined, () => `speaker ${show(unknown)} is not among the transcript's speakers ${show([...speakers])}`)
        }
      }))
  })
)

export const sttUsage = define(
  "stt",
  "usage",
  "usage decodes and equals what the vendor reported",
  overSuccesses("stt"),
  Effect.fn("Checks.stt.usage")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const t = yield* transcriptOf(yield* succeeded(yield* playCassette(subject, loaded)))
        yield* checkUsage(t.usage, scenario.expect?.usage, "usage")
      }))
  })
)

/** Containers the battery can fake from their first bytes, to find one a model refuses. */
const samples: ReadonlyArray<readonly [string, () => Uint8Array]> = [
  ["flac", () => concat([new TextEncoder().encode("fLaC"), new Uint8Array(2048)])],
  ["ogg", () => concat([new TextEncoder().encode("OggS"), new Uint8Array(2048)])],
  ["webm", () => concat([Uint8Array.of(0x1a, 0x45, 0xdf, 0xa3), new Uint8Array(2048)])],
  ["wav", () => {
    const b = Buffer.alloc(44 + 3200)
    b.write("RIFF", 0)
    b.writeUInt32LE(36 + 3200, 4)
    b.write("WAVEfmt ", 8)
    b.writeUInt32LE(16, 16)
    b.writeUInt16LE(1, 20)
    b.writeUInt16LE(1, 22)
    b.writeUInt32LE(16000, 24)
    b.writeUInt32LE(32000, 28)
    b.writeUInt16LE(2, 32)
    b.writeUInt16LE(16, 34)
    b.write("data", 36)
    b.writeUInt32LE(3200, 40)
    return new Uint8Array(b)
  }]
]
const headerless = new Set(["pcm", "ulaw", "alaw"])

const unsupportedSample = (model: ModelInfo | undefined): { readonly name: string; readonly bytes: Uint8Array } | undefined => {
  const accepted = model?.input_formats
  if (accepted === undefined) return undefined
  const found = samples.find(([name]) => !accepted.includes(name))
  if (found !== undefined) return { name: found[0], bytes: found[1]() }
  if (accepted.some((f) => headerless.has(f))) return undefined
  return { name: "unrecognized bytes", bytes: new TextEncoder().encode("%PDF-1.7 this is not audio ".repeat(80)) }
}

/** Refusal before any request: the tag, and an empty transport log. */
export const refusedBeforeRequest = (played: Played & Arranged, tag: string, what: string): Effect.Effect<void, CheckFailed> =>
  Effect.gen(function*() {
    const failure = failureOf(played.exit)
    const requests = played.transport?.log.length ?? 0
    if (failure === undefined) return yield* failWith(`${what} was accepted (${requests} request(s) sent); it must fail with ${tag} before any request`)
    yield* ensure(failure._tag === "Typed" && failure.error._tag === tag, () => `${what} failed with ${describeFailure(played)}; expected ${tag}`)
    yield* ensure(requests === 0, () => `${what} was refused with ${tag}, but only after ${requests} request(s): refuse it before the upload`)
  })

export const sttTooLarge = define(
  "stt",
  "refuses_too_large",
  "an over-limit input is refused with InputTooLarge before any request",
  overSuccesses("stt", (subject, found) => {
    const first = found[0] as LoadedCassette
    const model = modelOf(subject.provider, scenarioIn(first))
    return model?.max_input_bytes === undefined ? skip(`the catalogue declares no max_input_bytes for ${scenarioIn(first).request.model}`) : run([first])
  }),
  Effect.fn("Checks.stt.refuses_too_large")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const limit = modelOf(subject.provider, scenario)?.max_input_bytes ?? 0
        const audio = yield* audioOf(loaded, scenario)
        const played = yield* playCassette(subject, loaded, undefined, { audio: { ...audio, size: limit + 1 } })
        yield* refusedBeforeRequest(played, "InputTooLarge", `audio of ${limit + 1} bytes (limit ${limit})`)
      }))
  })
)

export const sttUnsupported = define(
  "stt",
  "refuses_unsupported_format",
  "an unsupported format is refused with UnsupportedFormat before any request",
  overSuccesses("stt", (subject, found) => {
    const first = found[0] as LoadedCassette
    const model = modelOf(subject.provider, scenarioIn(first))
    if (model?.input_formats === undefined) return skip(`the catalogue declares no input_formats for ${scenarioIn(first).request.model}`)
    if (unsupportedSample(model) === undefined) return skip(`${model.id} accepts every format the battery can produce`)
    return run([first])
  }),
  Effect.fn("Checks.stt.refuses_unsupported_format")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const sample = unsupportedSample(modelOf(subject.provider, scenario))
        if (sample === undefined) return
        const audio = AudioInput.fromBytes(sample.bytes, `sample.${sample.name.split(" ")[0]}`)
        const played = yield* playCassette(subject, loaded, undefined, { audio })
        yield* refusedBeforeRequest(played, "UnsupportedFormat", `audio in ${sample.name}`)
      }))
  })
)
