/**
 * The text-to-speech checks: a streaming model streams, the bytes are the declared format,
 * the duration is measured, the characters counted, and usage is the vendor's.
 */
import { Audio, type AudioChunk, type OutputFormat, type PatchbayProvider, resolveOutputFormat, type SpeechSummary } from "@patchbay/core"
import { Cause, Effect, Exit } from "effect"
import type { LoadedCassette, Scenario } from "../../Cassette.ts"
import type { Subject } from "../../Subject.ts"
import { modelOf } from "../operations.ts"
import { stepsOf } from "../steps.ts"
import {
  checkUsage,
  close,
  concat,
  type CheckFailed,
  define,
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

interface Speech {
  readonly chunks: ReadonlyArray<AudioChunk>
  readonly summary: SpeechSummary
  readonly bytes: Uint8Array
  readonly declared: OutputFormat | undefined
}

const speechOf = (provider: PatchbayProvider, scenario: Scenario, values: ReadonlyArray<unknown>): Effect.Effect<Speech, CheckFailed> =>
  Effect.gen(function*() {
    const chunks = ofType<AudioChunk>(values, "audio")
    const summaries = ofType<SpeechSummary>(values, "summary")
    const summary = summaries[0]
    if (summary === undefined || summaries.length !== 1 || values[values.length - 1] !== summary) {
      return yield* failWith(`the stream must end with exactly one SpeechSummary (got ${summaries.length})`)
    }
    yield* ensure(chunks.length > 0, () => "the stream produced no audio chunk")
    const model = modelOf(provider, scenario)
    const declared = model === undefined ? undefined : resolveOutputFormat(model, scenario.request.output_format)
    return { chunks, summary, bytes: concat(chunks.map((c) => c.data)), declared }
  })

export const speechFor = (subject: Subject, loaded: LoadedCassette, scenario: Scenario) =>
  Effect.gen(function*() {
    const played = yield* playCassette(subject, loaded)
    const speech = yield* speechOf(played.provider, scenario, yield* succeeded(played))
    return { played, speech }
  })

export const streams = (subject: Subject, loaded: LoadedCassette) => modelOf(subject.provider, scenarioIn(loaded))?.streaming === true

export const ttsStreaming = define(
  "tts",
  "streaming",
  "the first chunk arrives before the response completes",
  overSuccesses("tts", (subject, found) => {
    if (subject.mode === "in-process") return skip("in-process provider: no transport to time")
    // A speech answer that is one JSON document (audio in base64 beside its timestamps) cannot be
    // played before it ends, whatever the model: streaming is proven on the answers that stream.
    const streaming = found.filter((c) => streams(subject, c) && c.cassette.interactions.find((i) => i.response.status < 300)?.response.body?.type !== "json")
    return streaming.length === 0
      ? skip(`${scenarioIn(found[0] as LoadedCassette).request.model} does not declare streaming (one chunk)`)
      : run(streaming)
  }),
  Effect.fn("Checks.tts.streaming")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const interaction = loaded.cassette.interactions.find((i) => i.response.status < 300)
        const steps = stepsOf(interaction?.response.body, loaded.dir)
        yield* ensure(steps.length >= 2 && steps.slice(1).some((s) => s.delayMs > 0), () =>
          "the cassette cannot show streaming: split the audio body into several chunks with delay_ms")
        const { played } = yield* speechFor(subject, loaded, scenario)
        const first = played.outputs.find((o) => (o.value as { type?: unknown }).type === "audio")
        const completed = played.transport?.log[0]?.completedAt
        if (first === undefined || completed === undefined) return yield* failWith("the response never completed at the transport")
        yield* ensure(first.at < completed, () =>
          `the first chunk reached the caller ${(first.at - completed).toFixed(0)} ms after the response completed: the adapter buffers the body instead of streaming it`)
      }))
  })
)

const expectedContainers: Record<string, ReadonlyArray<string>> = {
  mp3: ["mp3"],
  wav: ["wav"],
  opus: ["ogg", "webm"],
  flac: ["flac"],
  aac: ["aac", "mp4"]
}
const rawEncoding = { pcm: "pcm_s16le", ulaw: "ulaw", alaw: "alaw" } as const

export /**
 * Whether a media type names headerless audio of a family: `audio/basic` (or an alias such as
 * `audio/pcmu`) for ulaw, `audio/x-alaw-basic` (`audio/pcma`, …) for alaw, and for s16le pcm
 * `application/octet-stream` or `audio/pcm` (`audio/L16` is big-endian by its RFC).
 */
const namesHeaderless = (mediaType: string, family: "pcm" | "ulaw" | "alaw"): boolean => {
  const named = Audio.containerOfMediaType(mediaType)
  if (named !== undefined) return named === family
  return family === "pcm" && mediaType.split(";")[0]?.trim().toLowerCase() === "application/octet-stream"
}

export const ttsFormat = define(
  "tts",
  "format",
  "the bytes are the declared format",
  overSuccesses("tts"),
  Effect.fn("Checks.tts.format")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const { speech } = yield* speechFor(subject, loaded, scenario)
        const { summary, bytes, declared } = speech
        const family = declared?.format ?? Audio.containerOfMediaType(summary.media_type)
        const label = `${family} (${summary.output_format}, ${summary.media_type})`
        if (declared !== undefined) {
          yield* ensure(summary.output_format === declared.id, () => `the summary says ${summary.output_format}; the request resolved to ${declared.id}`)
        }
        const found = Audio.sniff(bytes)
        if (family === "pcm" || family === "ulaw" || family === "alaw") {
          yield* ensure(found === undefined, () => `declared headerless ${label} but the bytes are ${found?.container} (they start with a header)`)
          yield* ensure(declared?.sample_rate !== undefined, () => `the catalogue gives no sample_rate for ${summary.output_format}; headerless audio needs one`)
          yield* ensure(Audio.rawAudioLengthIsConsistent({ bytes: bytes.byteLength, channels: declared?.channels ?? 1, encoding: rawEncoding[family] }), () =>
            `${bytes.byteLength} bytes is not a whole number of ${family} frames`)
          const expected = scenario.expect?.duration_seconds
          if (expected !== undefined) {
            const seconds = Audio.rawDuration({ bytes: bytes.byteLength, sample_rate: declared?.sample_rate ?? 0, channels: declared?.channels ?? 1, encoding: rawEncoding[family] })
            yield* ensure(close(seconds, expected), () =>
              `${bytes.byteLength} bytes at ${declared?.sample_rate} Hz last ${seconds.toFixed(3)} s; the audio lasts ${expected} s: the sample rate is not the declared one`)
          }
          yield* ensure(namesHeaderless(summary.media_type, family), () =>
            `media_type ${summary.media_type} does not name headerless ${family}: use ${family === "pcm" ? "application/octet-stream or audio/pcm (s16le; not audio/L16, which is big-endian)" : Audio.mediaTypeOf(family)} (Audio.mediaTypeOfFormat)`)
          return
        }
        const wanted = family === undefined ? undefined : expectedContainers[family]
        if (wanted === undefined) return yield* failWith(`the declared format ${label} is not one the battery knows`)
        yield* ensure(found !== undefined && wanted.includes(found.container), () =>
          `declared ${label} but the bytes are ${found?.container ?? "not a known audio format"}`)
        const named = Audio.containerOfMediaType(summary.media_type)
        yield* ensure(named === found?.container, () => `media_type ${summary.media_type} does not name the bytes (${found?.container})`)
      }))
  })
)

export const measureSpeech = (speech: Speech): Effect.Effect<number, CheckFailed> =>
  Effect.gen(function*() {
    const family = speech.declared?.format
    if (family === "pcm" || family === "ulaw" || family === "alaw") {
      return Audio.rawDuration({ bytes: speech.bytes.byteLength, sample_rate: speech.declared?.sample_rate ?? 0, channels: speech.declared?.channels ?? 1, encoding: rawEncoding[family] })
    }
    const info = yield* Effect.exit(Audio.probe(speech.bytes))
    if (Exit.isFailure(info)) return yield* failWith(`the audio cannot be measured: ${Cause.pretty(info.cause).split("\n")[0]}`)
    return info.value.duration_seconds
  })

export const ttsDuration = define(
  "tts",
  "duration",
  "the duration is measured from the audio",
  overSuccesses("tts"),
  Effect.fn("Checks.tts.duration")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const { speech } = yield* speechFor(subject, loaded, scenario)
        const measured = yield* measureSpeech(speech)
        yield* ensure(Number.isFinite(measured) && measured > 0, () => `the audio measures ${measured} s`)
        const expected = scenario.expect?.duration_seconds
        if (expected !== undefined) {
          yield* ensure(close(measured, expected), () => `the audio lasts ${measured.toFixed(3)} s; the recording lasts ${expected} s`)
        }
        const reported = speech.summary.usage.audio_seconds
        if (reported !== undefined) {
          yield* ensure(close(reported, measured), () => `usage.audio_seconds is ${reported}, but the audio lasts ${measured.toFixed(3)} s: measure it, never guess`)
        }
      }))
  })
)

export const ttsCharacters = define(
  "tts",
  "characters",
  "the characters are counted",
  overSuccesses("tts"),
  Effect.fn("Checks.tts.characters")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const { speech } = yield* speechFor(subject, loaded, scenario)
        const text = scenario.request.text ?? ""
        const expected = scenario.expect?.characters
        const counted = speech.summary.characters
        const ok = expected !== undefined ? counted === expected : counted === text.length || counted === [...text].length
        yield* ensure(ok, () =>
          `characters is ${counted}; ${expected !== undefined ? `the vendor billed ${expected}` : `the text has ${text.length}`}`)
        const usage = speech.summary.usage.characters
        if (usage !== undefined) yield* ensure(usage === counted, () => `usage.characters is ${usage}, the summary says ${counted}`)
      }))
  })
)

export const ttsUsage = define(
  "tts",
  "usage",
  "usage decodes and equals what the vendor reported",
  overSuccesses("tts"),
  Effect.fn("Checks.tts.usage")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const { speech } = yield* speechFor(subject, loaded, scenario)
        yield* checkUsage(speech.summary.usage, scenario.expect?.usage, "usage")
      }))
  })
)
