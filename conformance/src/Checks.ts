/**
 * The checks of the conformance battery, as plain values: each has an id (`stt.text`), a title,
 * a `plan` that decides without I/O which cassettes it plays (or why it does not apply), and a
 * `run` that plays them against fresh providers and fails with a message saying what is wrong
 * and how to fix it. `runConformance` wraps each in a vitest test; {@link runCheck} and
 * {@link runChecks} run them directly, which is how the battery's own self-tests prove that
 * every check can fail.
 *
 * @since 0.1.0
 */
import {
  Audio,
  type AudioChunk,
  AudioInput,
  type Capability,
  combineUsage,
  type ImageResult,
  isProviderError,
  Language,
  type LlmEvent,
  type ModelInfo,
  type OutputFormat,
  type PatchbayProvider,
  parseRetryAfter,
  type ProviderError,
  resolveOutputFormat,
  type SpeechSummary,
  type SttDelta,
  type Transcript,
  Usage
} from "@patchbay/core"
import { Cause, Data, Effect, Exit, Fiber, Schema } from "effect"
import { type LoadedCassette, operationOf, type Scenario, type ScenarioCase } from "./Cassette.ts"
import { readImage } from "./internal/image.ts"
import { jsonEqual, show } from "./internal/json.ts"
import {
  audioOf,
  failureOf,
  modelOf,
  optionsOf,
  outputFormatOf,
  outputsOf,
  type Played,
  play,
  ScenarioProblem,
  validateScenario
} from "./internal/operations.ts"
import { stepsOf } from "./internal/steps.ts"
import { fieldNames, optionOnWire, valueOnWire } from "./internal/wire.ts"
import { REPLAY_API_KEY, type ReplayFetch, replayFetch, type ReplayOptions } from "./Replay.ts"
import { capabilitiesOf, cassettesFor, refusingFetch, type Subject } from "./Subject.ts"

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

/** Where a check's row sits in the report: a capability, or `process` for local programs. */
export type CheckGroup = Capability | "process"

/** A check's verdict. @category models */
export type CheckStatus = "pass" | "fail" | "not_applicable"

/** One row of the report. @category models */
export interface CheckResult {
  readonly adapter: string
  readonly group: CheckGroup
  /** The check's name within its group (`text`, `rate_limited`). */
  readonly check: string
  readonly title: string
  readonly status: CheckStatus
  /** Why it failed, or why it does not apply. */
  readonly detail?: string | undefined
  /** The cassette files it played. */
  readonly cassettes: ReadonlyArray<string>
}

/** Which cassettes a check plays, or why it does not apply. @category models */
export type Plan =
  | { readonly _tag: "Run"; readonly cassettes: ReadonlyArray<LoadedCassette> }
  | { readonly _tag: "NotApplicable"; readonly reason: string }

/** A check failed; the message says what is wrong and how to fix it. @category errors */
export class CheckFailed extends Data.TaggedError("CheckFailed")<{ readonly message: string }> {}

/** One check of the battery. @category models */
export interface Check {
  /** `<group>.<name>`, e.g. `tts.format`. */
  readonly id: string
  readonly group: CheckGroup
  readonly name: string
  readonly title: string
  readonly plan: (subject: Subject) => Plan
  readonly run: (subject: Subject, cassettes: ReadonlyArray<LoadedCassette>) => Effect.Effect<void, CheckFailed>
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const failWith = (message: string): Effect.Effect<never, CheckFailed> => Effect.fail(new CheckFailed({ message }))

const ensure = (condition: boolean, message: () => string): Effect.Effect<void, CheckFailed> =>
  condition ? Effect.void : failWith(message())

const run = (cassettes: ReadonlyArray<LoadedCassette>): Plan => ({ _tag: "Run", cassettes })
const notApplicable = (reason: string): Plan => ({ _tag: "NotApplicable", reason })

const successes = (subject: Subject, capability: Capability) => cassettesFor(subject, capability, "success")

/** Plans a check over the success cassettes of a capability. */
const overSuccesses = (capability: Capability, also?: (subject: Subject, cassettes: ReadonlyArray<LoadedCassette>) => Plan | undefined) => (subject: Subject): Plan => {
  const found = successes(subject, capability)
  if (found.length === 0) return notApplicable(`no ${capability} cassette with case "success"`)
  return also?.(subject, found) ?? run(found)
}

const scenarioIn = (loaded: LoadedCassette): Scenario => loaded.cassette.scenario as Scenario

/** A provider built for one cassette, with the transport it talks through (none in process). */
interface Arranged {
  readonly provider: PatchbayProvider
  readonly transport: ReplayFetch | undefined
}

const arrange = (subject: Subject, loaded: LoadedCassette, options?: ReplayOptions): Arranged => {
  if (subject.mode === "in-process") return { provider: subject.make({ fetch: refusingFetch, apiKey: REPLAY_API_KEY }), transport: undefined }
  const transport = replayFetch(loaded, options)
  return { provider: subject.make({ fetch: transport, apiKey: REPLAY_API_KEY }), transport }
}

/** Plays a cassette's scenario against a fresh provider. */
const playCassette = (
  subject: Subject,
  loaded: LoadedCassette,
  options?: ReplayOptions,
  overrides?: Parameters<typeof outputsOf>[3]
): Effect.Effect<Played & Arranged> =>
  Effect.suspend(() => {
    const arranged = arrange(subject, loaded, options)
    return play(outputsOf(arranged.provider, loaded, scenarioIn(loaded), overrides)).pipe(
      Effect.map((played) => ({ ...played, ...arranged })),
      Effect.ensuring(Effect.sync(() => arranged.transport?.dispose()))
    )
  })

/** Runs a step per cassette; failures are prefixed with the cassette's file name. */
const eachCassette = (
  cassettes: ReadonlyArray<LoadedCassette>,
  step: (loaded: LoadedCassette, scenario: Scenario) => Effect.Effect<void, CheckFailed | ScenarioProblem>
): Effect.Effect<void, CheckFailed> =>
  Effect.forEach(cassettes, (loaded) =>
    step(loaded, scenarioIn(loaded)).pipe(
      Effect.mapError((e) => new CheckFailed({ message: `${loaded.name}: ${e.message}` }))
    ), { discard: true })

const transportNote = (transport: ReplayFetch | undefined): string => {
  const problem = transport?.log.find((e) => e.error !== undefined)?.error
  return problem === undefined ? "" : `\n  transport: ${problem.split("\n").join("\n  ")}`
}

const describeFailure = (played: Played): string => {
  const failure = failureOf(played.exit)
  if (failure === undefined) return "it succeeded"
  if (failure._tag === "Defect") return `it died with a defect instead of a typed error: ${failure.message}`
  return `${failure.error._tag}: ${failure.error.message}`
}

/** The outputs of a call that must have succeeded. */
const succeeded = (played: Played & Arranged): Effect.Effect<ReadonlyArray<unknown>, CheckFailed> =>
  Exit.isSuccess(played.exit)
    ? Effect.succeed(played.outputs.map((o) => o.value))
    : failWith(`the call failed: ${withTransport(describeFailure(played), played.transport)}`)

/** A failure description, with the transport's own explanation when the adapter's message lacks it. */
const withTransport = (message: string, transport: ReplayFetch | undefined): string => {
  const problem = transport?.log.find((e) => e.error !== undefined)?.error
  return problem === undefined || message.includes(problem.split("\n")[0] ?? problem) ? message : `${message}${transportNote(transport)}`
}

const ofType = <T extends { readonly type: string }>(values: ReadonlyArray<unknown>, type: T["type"]): ReadonlyArray<T> =>
  values.filter((v): v is T => typeof v === "object" && v !== null && (v as { type?: unknown }).type === type)

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.byteLength
  }
  return out
}

/** Durations agree within 0.25 s or 5 %, whichever is larger. */
const close = (a: number, b: number) => Math.abs(a - b) <= Math.max(0.25, 0.05 * Math.max(a, b))

const waitUntil = (condition: () => boolean, ms: number): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const until = performance.now() + ms
    while (!condition()) {
      if (performance.now() > until) return false
      yield* Effect.sleep("5 millis")
    }
    return true
  })

const decodeUsage = Schema.decodeUnknownExit(Usage)

const checkUsage = (usage: unknown, expected: Usage | undefined, where: string): Effect.Effect<void, CheckFailed> =>
  Effect.gen(function*() {
    yield* ensure(Exit.isSuccess(decodeUsage(usage)), () => `${where} ${show(usage)} does not decode as Usage (non-negative numbers, known fields)`)
    const values = Object.values(usage as Record<string, unknown>)
    yield* ensure(values.every((v) => typeof v === "number" && Number.isFinite(v)), () => `${where} ${show(usage)} holds a value that is not a finite number`)
    if (expected !== undefined) {
      yield* ensure(jsonEqual(usage, expected), () => `${where} is ${show(usage)}; the vendor reported ${show(expected)} (usage is never guessed nor dropped)`)
    }
  })

const define = (group: CheckGroup, name: string, title: string, plan: Check["plan"], runCheck: Check["run"]): Check => ({
  id: `${group}.${name}`,
  group,
  name,
  title,
  plan,
  run: runCheck
})

// ---------------------------------------------------------------------------------------------
// Every capability: the validate hook
// ---------------------------------------------------------------------------------------------

const validateCheck = (capability: Capability): Check =>
  define(
    capability,
    "validate",
    "the validate hook accepts every success scenario and makes no request",
    overSuccesses(capability),
    Effect.fn(`Checks.${capability}.validate`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const { provider, transport } = arrange(subject, loaded)
          const exit = yield* Effect.exit(validateScenario(provider, loaded, scenario))
          if (Exit.isFailure(exit)) {
            const failure = failureOf(exit)
            return yield* failWith(`validate refused a valid request: ${failure?._tag === "Typed" ? `${failure.error._tag}: ${failure.error.message}` : failure?.message}`)
          }
          const requests = transport?.log.length ?? 0
          yield* ensure(requests === 0, () => `validate made ${requests} request(s); it must be pure (no I/O)`)
        }))
    })
  )

// ---------------------------------------------------------------------------------------------
// STT
// ---------------------------------------------------------------------------------------------

const transcriptOf = (values: ReadonlyArray<unknown>): Effect.Effect<Transcript, CheckFailed> => {
  const last = values[values.length - 1] as { type?: unknown } | undefined
  return last?.type === "transcript"
    ? Effect.succeed(last as Transcript)
    : failWith("the call did not end with a Transcript ({ type: \"transcript\", … })")
}

const sttText = define(
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

const sttLanguage = define(
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

const sttDuration = define(
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

const sttTimestamps = define(
  "stt",
  "timestamps",
  "words, segments and speakers the model offers are kept and consistent",
  overSuccesses("stt", (subject, found) => {
    const offering = found.filter((c) => offersTimestamps(modelOf(subject.provider, scenarioIn(c))))
    return offering.length === 0 ? notApplicable("the catalogue offers neither word timestamps nor diarization for the recorded models") : run(offering)
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
        if (speakers.size > 0) {
          const labelled = [...(t.words ?? []), ...(t.segments ?? [])].map((s) => s.speaker).filter((s) => s !== undefined)
          const unknown = labelled.find((s) => !speakers.has(s))
          yield* ensure(unknown === undefined, () => `speaker ${show(unknown)} is not among the transcript's speakers ${show([...speakers])}`)
        }
      }))
  })
)

const sttUsage = define(
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
const refusedBeforeRequest = (played: Played & Arranged, tag: string, what: string): Effect.Effect<void, CheckFailed> =>
  Effect.gen(function*() {
    const failure = failureOf(played.exit)
    const requests = played.transport?.log.length ?? 0
    if (failure === undefined) return yield* failWith(`${what} was accepted (${requests} request(s) sent); it must fail with ${tag} before any request`)
    yield* ensure(failure._tag === "Typed" && failure.error._tag === tag, () => `${what} failed with ${describeFailure(played)}; expected ${tag}`)
    yield* ensure(requests === 0, () => `${what} was refused with ${tag}, but only after ${requests} request(s): refuse it before the upload`)
  })

const sttTooLarge = define(
  "stt",
  "refuses_too_large",
  "an over-limit input is refused with InputTooLarge before any request",
  overSuccesses("stt", (subject, found) => {
    const first = found[0] as LoadedCassette
    const model = modelOf(subject.provider, scenarioIn(first))
    return model?.max_input_bytes === undefined ? notApplicable(`the catalogue declares no max_input_bytes for ${scenarioIn(first).request.model}`) : run([first])
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

const sttUnsupported = define(
  "stt",
  "refuses_unsupported_format",
  "an unsupported format is refused with UnsupportedFormat before any request",
  overSuccesses("stt", (subject, found) => {
    const first = found[0] as LoadedCassette
    const model = modelOf(subject.provider, scenarioIn(first))
    if (model?.input_formats === undefined) return notApplicable(`the catalogue declares no input_formats for ${scenarioIn(first).request.model}`)
    if (unsupportedSample(model) === undefined) return notApplicable(`${model.id} accepts every format the battery can produce`)
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

// ---------------------------------------------------------------------------------------------
// Options on the wire (every capability)
// ---------------------------------------------------------------------------------------------

const wireCheck = (capability: Capability): Check =>
  define(
    capability,
    "provider_options",
    capability === "tts"
      ? "model, voice, format and provider_options are on the wire"
      : "provider_options are visible in the recorded request",
    (subject) => {
      if (subject.mode === "in-process") return notApplicable("in-process provider: nothing goes over a wire")
      const found = successes(subject, capability)
      const relevant = capability === "tts"
        ? found
        : found.filter((c) => Object.keys(optionsOf(subject.provider, scenarioIn(c)) ?? {}).length > 0 || scenarioIn(c).expect?.wire !== undefined)
      return relevant.length === 0 ? notApplicable(`no ${capability} success cassette sets provider_options.${subject.provider.id}`) : run(relevant)
    },
    Effect.fn(`Checks.${capability}.provider_options`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const played = yield* playCassette(subject, loaded)
          const entry = played.transport?.log[0]
          if (entry === undefined) return yield* failWith(`no request was made (${describeFailure(played)})`)
          const missing: Array<string> = []
          const key = played.provider.id
          for (const [name, value] of Object.entries(optionsOf(played.provider, scenario) ?? {})) {
            if (!optionOnWire(entry, name, value)) missing.push(`provider_options.${key}.${name} = ${show(value)}`)
          }
          for (const [name, value] of Object.entries(scenario.expect?.wire ?? {})) {
            if (!optionOnWire(entry, name, value)) missing.push(`${name} = ${show(value)}`)
          }
          if (capability === "tts") {
            const format = outputFormatOf(played.provider, scenario)
            for (const [name, value] of [["model", scenario.request.model], ["voice", scenario.request.voice], ["output_format", format]] as const) {
              if (value !== undefined && !valueOnWire(entry, value)) missing.push(`${name} ${show(value)}`)
            }
          }
          yield* ensure(missing.length === 0, () =>
            `not in the request: ${missing.join("; ")} (${fieldNames(entry)}): options that validate must reach the vendor`)
        }))
    })
  )

// ---------------------------------------------------------------------------------------------
// TTS
// ---------------------------------------------------------------------------------------------

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

const speechFor = (subject: Subject, loaded: LoadedCassette, scenario: Scenario) =>
  Effect.gen(function*() {
    const played = yield* playCassette(subject, loaded)
    const speech = yield* speechOf(played.provider, scenario, yield* succeeded(played))
    return { played, speech }
  })

const streams = (subject: Subject, loaded: LoadedCassette) => modelOf(subject.provider, scenarioIn(loaded))?.streaming === true

const ttsStreaming = define(
  "tts",
  "streaming",
  "the first chunk arrives before the response completes",
  overSuccesses("tts", (subject, found) => {
    if (subject.mode === "in-process") return notApplicable("in-process provider: no transport to time")
    const streaming = found.filter((c) => streams(subject, c))
    return streaming.length === 0
      ? notApplicable(`${scenarioIn(found[0] as LoadedCassette).request.model} does not declare streaming (one chunk)`)
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

const ttsFormat = define(
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

const measureSpeech = (speech: Speech): Effect.Effect<number, CheckFailed> =>
  Effect.gen(function*() {
    const family = speech.declared?.format
    if (family === "pcm" || family === "ulaw" || family === "alaw") {
      return Audio.rawDuration({ bytes: speech.bytes.byteLength, sample_rate: speech.declared?.sample_rate ?? 0, channels: speech.declared?.channels ?? 1, encoding: rawEncoding[family] })
    }
    const info = yield* Effect.exit(Audio.probe(speech.bytes))
    if (Exit.isFailure(info)) return yield* failWith(`the audio cannot be measured: ${Cause.pretty(info.cause).split("\n")[0]}`)
    return info.value.duration_seconds
  })

const ttsDuration = define(
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

const ttsCharacters = define(
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

const ttsUsage = define(
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

// ---------------------------------------------------------------------------------------------
// LLM
// ---------------------------------------------------------------------------------------------

const eventsOf = (values: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<LlmEvent>, CheckFailed> =>
  Effect.gen(function*() {
    const events = values as ReadonlyArray<LlmEvent>
    const finishes = events.filter((e) => e.type === "finish")
    yield* ensure(finishes.length === 1 && events[events.length - 1]?.type === "finish", () =>
      `the stream must end with exactly one finish event (got ${finishes.length}${finishes.length === 1 ? ", not last" : ""})`)
    return events
  })

const llmText = define(
  "llm",
  "text",
  "the text deltas concatenate to the final text",
  overSuccesses("llm"),
  Effect.fn("Checks.llm.text")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const events = yield* eventsOf(yield* succeeded(yield* playCassette(subject, loaded)))
        const text = events.flatMap((e) => (e.type === "text_delta" ? [e.delta] : [])).join("")
        const expected = scenario.expect?.text
        if (expected !== undefined) yield* ensure(text === expected, () => `the deltas concatenate to ${show(text, 120)}; the vendor's text is ${show(expected, 120)}`)
        else if (!events.some((e) => e.type === "tool_call")) yield* ensure(text !== "", () => "the stream produced no text and no tool call")
      }))
  })
)

const llmToolCalls = define(
  "llm",
  "tool_calls",
  "tool calls arrive whole, their arguments parse as JSON",
  overSuccesses("llm", (_, found) => {
    const calling = found.filter((c) => (scenarioIn(c).expect?.tool_calls?.length ?? 0) > 0)
    return calling.length === 0 ? notApplicable("no llm cassette expects tool calls") : run(calling)
  }),
  Effect.fn("Checks.llm.tool_calls")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const events = yield* eventsOf(yield* succeeded(yield* playCassette(subject, loaded)))
        const calls = events.flatMap((e) => (e.type === "tool_call" ? [e.tool_call] : []))
        const ids = new Set<string>()
        const parsed: Array<{ name: string; arguments: unknown }> = []
        for (const [i, call] of calls.entries()) {
          yield* ensure(typeof call.id === "string" && call.id !== "" && !ids.has(call.id), () => `tool call ${i} has an empty or repeated id ${show(call.id)}: emit each call once, whole`)
          ids.add(call.id)
          yield* ensure(call.type === "function" && call.function.name !== "", () => `tool call ${i} is not a named function: ${show(call)}`)
          let args: unknown
          try {
            args = JSON.parse(call.function.arguments)
          } catch {
            return yield* failWith(`tool call ${i} (${call.function.name}) has arguments that are not JSON: ${show(call.function.arguments)}`)
          }
          parsed.push({ name: call.function.name, arguments: args })
        }
        const expected = scenario.expect?.tool_calls ?? []
        yield* ensure(jsonEqual(parsed, expected), () => `the tool calls are ${show(parsed, 200)}; the vendor made ${show(expected, 200)}`)
        const finish = events[events.length - 1]
        const reason = scenario.expect?.finish_reason ?? "tool_calls"
        yield* ensure(finish?.type === "finish" && finish.reason === reason, () =>
          `the finish reason is ${show(finish?.type === "finish" ? finish.reason : undefined)}; expected ${reason}`)
      }))
  })
)

const llmUsage = define(
  "llm",
  "usage",
  "usage decodes and equals what the vendor reported",
  overSuccesses("llm"),
  Effect.fn("Checks.llm.usage")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const events = yield* eventsOf(yield* succeeded(yield* playCassette(subject, loaded)))
        const usages = events.flatMap((e) => (e.type === "usage" ? [e.usage] : []))
        const expected = scenario.expect?.usage
        if (usages.length === 0) {
          yield* ensure(expected === undefined, () => `the vendor reported usage ${show(expected)}; the stream has no usage event`)
          return
        }
        for (const usage of usages) yield* checkUsage(usage, undefined, "a usage event")
        yield* checkUsage(usages.reduce(combineUsage), expected, "the combined usage")
      }))
  })
)

// ---------------------------------------------------------------------------------------------
// Image
// ---------------------------------------------------------------------------------------------

const imageOf = (values: ReadonlyArray<unknown>): ImageResult => values[0] as ImageResult

const imageBytes = define(
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

const imageUsage = define(
  "image",
  "usage",
  "usage equals what the vendor reported",
  overSuccesses("image", (_, found) => {
    const reported = found.filter((c) => scenarioIn(c).expect?.usage !== undefined)
    return reported.length === 0 ? notApplicable("no image cassette records usage (the vendor gives none)") : run(reported)
  }),
  Effect.fn("Checks.image.usage")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const result = imageOf(yield* succeeded(yield* playCassette(subject, loaded)))
        yield* checkUsage(result.usage, scenario.expect?.usage, "usage")
      }))
  })
)

// ---------------------------------------------------------------------------------------------
// HTTP behaviour (every capability)
// ---------------------------------------------------------------------------------------------

const defaultTags: Partial<Record<ScenarioCase, string>> = {
  unauthorized: "AuthenticationFailed",
  unknown_model: "UnknownModel",
  too_large: "InputTooLarge",
  invalid_request: "InvalidRequest",
  rate_limited: "RateLimited",
  quota_exceeded: "QuotaExceeded",
  unavailable: "ProviderUnavailable"
}

const httpPlan = (capability: Capability, scenarioCase: ScenarioCase) => (subject: Subject): Plan => {
  if (subject.mode === "in-process") return notApplicable("in-process provider: no HTTP")
  const found = cassettesFor(subject, capability, scenarioCase)
  return found.length === 0 ? notApplicable(`no ${capability} cassette with case "${scenarioCase}"`) : run(found)
}

/** The typed error a call must end in, with the vendor fields DESIGN requires. */
const typedFailure = (played: Played & Arranged, scenario: Scenario, tag: string | undefined): Effect.Effect<ProviderError, CheckFailed> =>
  Effect.gen(function*() {
    const failure = failureOf(played.exit)
    if (failure === undefined) return yield* failWith(`the call succeeded; expected ${tag ?? "a typed error"}`)
    if (failure._tag === "Defect") return yield* failWith(describeFailure(played))
    const error = failure.error
    if (!isProviderError(error)) return yield* failWith(`the call failed with ${error._tag}: ${error.message}${transportNote(played.transport)}`)
    yield* ensure(tag === undefined || error._tag === tag, () => `the call failed with ${error._tag} (${error.message}); expected ${tag}`)
    const entry = played.transport?.log[0]
    const answered = entry?.status !== undefined && entry.status >= 400 ? entry : undefined
    const fields = error as { readonly provider?: string; readonly status?: number; readonly requestId?: string; readonly retryAfter?: number }
    if (answered !== undefined) {
      yield* ensure(fields.provider === played.provider.id, () => `${error._tag}.provider is ${show(fields.provider)}; expected ${show(played.provider.id)}`)
      yield* ensure(fields.status === answered.status, () => `${error._tag}.status is ${show(fields.status)}; the vendor answered ${answered.status}`)
    }
    const expected = scenario.expect?.error
    if (expected?.requestId !== undefined) {
      yield* ensure(fields.requestId === expected.requestId, () => `${error._tag}.requestId is ${show(fields.requestId)}; the vendor's is ${show(expected.requestId)}`)
    }
    if (expected?.status !== undefined) {
      yield* ensure(fields.status === expected.status, () => `${error._tag}.status is ${show(fields.status)}; expected ${expected.status}`)
    }
    return error
  })

const httpCheck = (capability: Capability, scenarioCase: ScenarioCase, title: string): Check =>
  define(
    capability,
    scenarioCase,
    title,
    httpPlan(capability, scenarioCase),
    Effect.fn(`Checks.${capability}.${scenarioCase}`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const played = yield* playCassette(subject, loaded)
          const tag = scenario.expect?.error?._tag ?? defaultTags[scenarioCase]
          const error = yield* typedFailure(played, scenario, tag)
          if (scenarioCase === "rate_limited") {
            const interaction = loaded.cassette.interactions.find((i) => i.response.status === 429)
            const header = parseRetryAfter(new Headers(interaction?.response.headers ?? {}), Date.now())
            const wanted = scenario.expect?.error?.retryAfter ?? header
            if (wanted === undefined) return yield* failWith("the cassette's 429 carries no retry-after header to check retryAfter against")
            const retryAfter = (error as { readonly retryAfter?: number }).retryAfter
            yield* ensure(retryAfter !== undefined && Math.abs(retryAfter - wanted) < 1, () =>
              `RateLimited.retryAfter is ${show(retryAfter)}; the vendor said ${wanted} s (parse retry-after with parseRetryAfter)`)
          }
        }))
    })
  )

const streamingOperation = (subject: Subject, loaded: LoadedCassette): boolean => {
  const scenario = scenarioIn(loaded)
  switch (scenario.capability) {
    case "stt":
      return operationOf(scenario) === "transcribeStream"
    case "tts":
      return streams(subject, loaded)
    case "llm":
      return true
    case "image":
      return false
  }
}

const contentTypes = new Set(["delta", "audio", "text_delta", "tool_call"])

const streamErrorCheck = (capability: Capability): Check =>
  define(
    capability,
    "stream_error",
    "an error mid-stream ends in a typed error after the partial output",
    (subject) => {
      if (capability === "image") return notApplicable("image generation does not stream")
      if (capability === "stt" && subject.provider.stt?.transcribeStream === undefined) return notApplicable("the provider does not stream transcripts")
      const planned = httpPlan(capability, "stream_error")(subject)
      if (planned._tag === "NotApplicable" || subject.mode === "in-process") return planned
      const streaming = planned.cassettes.filter((c) => streamingOperation(subject, c))
      return streaming.length === 0 ? notApplicable("the stream_error cassettes call no streaming operation") : run(streaming)
    },
    Effect.fn(`Checks.${capability}.stream_error`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const played = yield* playCassette(subject, loaded)
          yield* typedFailure(played, scenario, scenario.expect?.error?._tag)
          const partial = played.outputs.filter((o) => contentTypes.has((o.value as { type?: string }).type ?? ""))
          yield* ensure(partial.length > 0, () => "no output came before the error: stream the output as it arrives, then fail")
        }))
    })
  )

const abortCheck = (capability: Capability): Check =>
  define(
    capability,
    "abort",
    "interruption aborts the request (seen at the transport)",
    (subject) => {
      if (subject.mode === "in-process") return notApplicable("in-process provider: no HTTP request to abort")
      const found = successes(subject, capability)
      return found.length === 0 ? notApplicable(`no ${capability} cassette with case "success"`) : run([found[0] as LoadedCassette])
    },
    Effect.fn(`Checks.${capability}.abort`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const phases: ReadonlyArray<readonly [string, ReplayOptions["stall"]]> = [
            ["while waiting for the response", "headers"],
            ...(streamingOperation(subject, loaded) ? [["while the body streams", { afterChunks: 1 }] as const] : [])
          ]
          for (const [phase, stall] of phases) {
            const arranged = arrange(subject, loaded, { stall })
            const transport = arranged.transport as ReplayFetch
            const fiber = yield* Effect.forkChild(play(outputsOf(arranged.provider, loaded, scenario)))
            const reached = yield* waitUntil(
              // Matched and held by the transport (not merely started: it must be waiting on the vendor).
              () => (stall === "headers" ? transport.log[0]?.interaction !== undefined : (transport.log[0]?.chunkTimes.length ?? 0) > 0) || fiber.pollUnsafe() !== undefined,
              2000
            )
            const early = fiber.pollUnsafe()
            if (!reached || early !== undefined) {
              transport.dispose()
              const outcome = early === undefined ? "it was still pending" : "it had already ended"
              return yield* failWith(`${phase}: the call never got there (${transport.log.length} request(s), ${outcome})${transportNote(transport)}`)
            }
            const stopped = yield* Fiber.interrupt(fiber).pipe(Effect.timeoutOption("2 seconds"))
            const entry = transport.log[0]
            const aborted = yield* waitUntil(() => entry?.aborted === true || (stall !== "headers" && entry?.cancelled === true), 500)
            transport.dispose()
            yield* ensure(stopped._tag === "Some", () => `${phase}: the call did not stop within 2 s of its interruption`)
            yield* ensure(aborted, () =>
              `${phase}: interrupting the call did not abort the request (the transport never saw its signal abort): pass the AbortSignal to fetch or the SDK`)
          }
        }))
    })
  )

const noRetryCheck = (capability: Capability): Check =>
  define(
    capability,
    "no_retry",
    "the adapter does not retry (one request for a 5xx or a 429)",
    (subject) => {
      if (subject.mode === "in-process") return notApplicable("in-process provider: no HTTP")
      const found = [...cassettesFor(subject, capability, "unavailable"), ...cassettesFor(subject, capability, "rate_limited")]
      return found.length === 0 ? notApplicable(`no ${capability} cassette with case "unavailable" or "rate_limited"`) : run(found)
    },
    Effect.fn(`Checks.${capability}.no_retry`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded) =>
        Effect.gen(function*() {
          const played = yield* playCassette(subject, loaded)
          const log = played.transport?.log ?? []
          const status = log[0]?.status
          yield* ensure(log.length === 1, () =>
            `one call made ${log.length} requests for a ${status ?? "failing"} response: the adapter retried by itself (create SDK clients with maxRetries: 0; retries belong to the pipeline)`)
          yield* ensure(Exit.isFailure(played.exit), () => "the call succeeded on a failing response")
        }))
    })
  )

const httpChecks = (capability: Capability): ReadonlyArray<Check> => [
  httpCheck(capability, "unauthorized", "401 → AuthenticationFailed"),
  httpCheck(capability, "unknown_model", "an unknown model → UnknownModel"),
  httpCheck(capability, "too_large", "413 → InputTooLarge"),
  httpCheck(capability, "invalid_request", "422 → InvalidRequest"),
  httpCheck(capability, "rate_limited", "429 → RateLimited with retryAfter"),
  httpCheck(capability, "quota_exceeded", "a quota 429 → QuotaExceeded"),
  httpCheck(capability, "unavailable", "5xx → ProviderUnavailable"),
  streamErrorCheck(capability),
  abortCheck(capability),
  noRetryCheck(capability)
]

// ---------------------------------------------------------------------------------------------
// Process level (local adapters)
// ---------------------------------------------------------------------------------------------

const processPlan = (subject: Subject): Plan => {
  if (subject.process === undefined) {
    return notApplicable(
      subject.mode === "http"
        ? "HTTP adapter: process checks apply to adapters that run local programs"
        : "no process harness given (runConformance({ process }))"
    )
  }
  const firsts = capabilitiesOf(subject.provider).flatMap((c) => successes(subject, c).slice(0, 1))
  return firsts.length === 0 ? notApplicable("no success cassette to play") : run(firsts)
}

const processFailure = (title: string, build: (harness: NonNullable<Subject["process"]>) => PatchbayProvider) =>
  Effect.fn(`Checks.process.${title}`)(function*(subject: Subject, cassettes: ReadonlyArray<LoadedCassette>) {
    const harness = subject.process
    if (harness === undefined) return
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const provider = build(harness)
        const played = yield* play(outputsOf(provider, loaded, scenario)).pipe(Effect.timeoutOption("10 seconds"))
        if (played._tag === "None") return yield* failWith(`${scenario.capability}: the call did not end within 10 s`)
        const failure = failureOf(played.value.exit)
        yield* ensure(failure?._tag === "Typed" && isProviderError(failure.error), () =>
          `${scenario.capability}: expected a typed error, but ${describeFailure(played.value)}`)
      }))
  })

const processChecks: ReadonlyArray<Check> = [
  define("process", "missing_program", "a missing program fails with a typed error", processPlan, processFailure("missing_program", (h) => h.missingProgram())),
  define("process", "killed_process", "a killed process fails with a typed error", processPlan, processFailure("killed_process", (h) => h.killedProgram())),
  define(
    "process",
    "interrupt_kills",
    "interruption kills the process",
    processPlan,
    Effect.fn("Checks.process.interrupt_kills")(function*(subject, cassettes) {
      const harness = subject.process
      if (harness === undefined) return
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const hanging = harness.hangingProgram()
          const fiber = yield* Effect.forkChild(play(outputsOf(hanging.provider, loaded, scenario)))
          const started = yield* waitUntil(() => hanging.running().length > 0, 2000)
          if (!started) {
            yield* Fiber.interrupt(fiber)
            return yield* failWith(`${scenario.capability}: no process was started within 2 s`)
          }
          const pids = hanging.running()
          yield* Fiber.interrupt(fiber).pipe(Effect.timeoutOption("2 seconds"))
          const gone = yield* waitUntil(() => hanging.running().length === 0, 1000)
          yield* ensure(gone, () => `${scenario.capability}: the program (pid ${pids.join(", ")}) still runs after the call was interrupted`)
        }))
    })
  )
]

// ---------------------------------------------------------------------------------------------
// The battery
// ---------------------------------------------------------------------------------------------

/** Every check, in report order: per capability the validate hook first, then behaviour, then HTTP. @category checks */
export const checks: ReadonlyArray<Check> = [
  validateCheck("stt"),
  sttText,
  sttLanguage,
  sttDuration,
  sttTimestamps,
  sttUsage,
  wireCheck("stt"),
  sttTooLarge,
  sttUnsupported,
  ...httpChecks("stt"),
  validateCheck("tts"),
  ttsStreaming,
  ttsFormat,
  ttsDuration,
  ttsCharacters,
  ttsUsage,
  wireCheck("tts"),
  ...httpChecks("tts"),
  validateCheck("llm"),
  llmText,
  llmToolCalls,
  llmUsage,
  wireCheck("llm"),
  ...httpChecks("llm"),
  validateCheck("image"),
  imageBytes,
  imageUsage,
  wireCheck("image"),
  ...httpChecks("image"),
  ...processChecks
]

/** The checks that apply to a subject: those of the capabilities it declares, then the process checks. */
export const checksFor = (subject: Subject): ReadonlyArray<Check> => {
  const declared = new Set<CheckGroup>([...capabilitiesOf(subject.provider), "process"])
  return checks.filter((c) => declared.has(c.group))
}

/** Looks a check up by id (`tts.format`). */
export const byId = (id: string): Check => {
  const found = checks.find((c) => c.id === id)
  if (found === undefined) throw new Error(`no check ${JSON.stringify(id)}; known: ${checks.map((c) => c.id).join(", ")}`)
  return found
}

/**
 * Plans and runs one check against a subject, never throwing: a failure, a defect inside the
 * check and a timeout all become a `fail` result with the reason.
 *
 * @category running
 */
export const runCheck = async (check: Check, subject: Subject): Promise<CheckResult> => {
  const plan = check.plan(subject)
  const base = { adapter: subject.name, group: check.group, check: check.name, title: check.title }
  if (plan._tag === "NotApplicable") return { ...base, status: "not_applicable", detail: plan.reason, cassettes: [] }
  const cassettes = plan.cassettes.map((c) => c.name)
  const verdict = await Effect.runPromise(check.run(subject, plan.cassettes).pipe(
    Effect.timeoutOption(subject.timeoutMs),
    Effect.map((done): { status: CheckStatus; detail?: string } =>
      done._tag === "Some" ? { status: "pass" } : { status: "fail", detail: `the check did not finish within ${subject.timeoutMs} ms` }
    ),
    Effect.catchTag("CheckFailed", (e) => Effect.succeed({ status: "fail" as const, detail: e.message })),
    Effect.catchCause((cause) => Effect.succeed({ status: "fail" as const, detail: `the check itself died: ${Cause.pretty(cause)}` }))
  ))
  return { ...base, ...verdict, cassettes }
}

/** Runs every applicable check against a subject, one after the other. @category running */
export const runChecks = async (subject: Subject): Promise<ReadonlyArray<CheckResult>> => {
  const results: Array<CheckResult> = []
  for (const check of checksFor(subject)) results.push(await runCheck(check, subject))
  return results
}
