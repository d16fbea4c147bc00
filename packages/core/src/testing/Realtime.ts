/**
 * A fake realtime STT vendor for tests: its behaviour is driven by the audio it is sent, never
 * by a clock. It "hears" a script: every `bytesPerPartial` bytes of speech (audio louder than
 * `silenceThreshold`) it emits a partial with one more word of the current utterance; it commits
 * the whole utterance on a `Commit`, on a run of silence in `vad` mode, and when the input ends.
 * It counts the sessions it opened and closed and records each session's spec, bytes and
 * outcome, so a test can prove that a refused request never connected and that an interrupted
 * one closed its session.
 *
 * @since 0.3.0
 */
import { Cause, Effect, type Exit, Schema, Stream } from "effect"
import { decodeProviderOptions, optionsSchema } from "../adapter/ProviderOptions.ts"
import type { ProviderError } from "../Errors.ts"
import { realtimeFormatInfo } from "../ModelInfo.ts"
import type { RealtimeSttEvent, RealtimeSttInput, RealtimeSttSpec, SttProvider } from "../Provider.ts"
import type { Word } from "../VoiceRecords.ts"
import { FakeStt, type FakeSttOptions } from "./Fakes.ts"

/** The sentence spoken in the audio fixtures, the fake's default script. */
export const fixtureSentence = "Patchbay turns speech into text and back again."

/** Options of {@link FakeRealtimeStt}. */
export interface FakeRealtimeSttOptions {
  /** The utterances the fake hears, in order (repeated when the audio outlasts them). Default: {@link fixtureSentence}. */
  readonly script?: ReadonlyArray<string>
  /** Bytes of speech per partial (default 4800: 0.15 s of `pcm_16000`). */
  readonly bytesPerPartial?: number
  /** `vad`: the silence, in milliseconds of audio, that ends an utterance (default 300). */
  readonly silenceMs?: number
  /** The loudest sample that is still silence, on the 16-bit scale (default 256). */
  readonly silenceThreshold?: number
  /** What successive sessions fail with as they connect (`undefined`: that one connects); later ones connect. */
  readonly failures?: ReadonlyArray<ProviderError | undefined>
  /** Fail the first session once it has received this many bytes, as a vendor dropping mid-session. */
  readonly failAfter?: { readonly bytes: number; readonly error: ProviderError }
  /** The batch side (`transcribe`), as {@link FakeStt}'s options. */
  readonly batch?: FakeSttOptions
}

/** What one session of the fake saw. */
export interface FakeRealtimeSession {
  readonly spec: RealtimeSttSpec
  /** Audio bytes received. */
  bytes: number
  /** `Commit`s received. */
  commits: number
  outcome: "open" | "completed" | "failed" | "interrupted"
}

/** A fake STT capability with realtime sessions, and what they saw. */
export interface FakeRealtimeStt extends FakeStt {
  readonly realtime: NonNullable<SttProvider["realtime"]>
  readonly validateRealtime: NonNullable<SttProvider["validateRealtime"]>
  /** Every session, in the order they were opened. */
  readonly sessions: ReadonlyArray<FakeRealtimeSession>
  /** Sessions opened (connection attempts included). */
  readonly opened: () => number
  /** Sessions closed, however they ended. */
  readonly closed: () => number
}

/** The fake's realtime options (`provider_options.fake`): a label echoed in the summary. */
export const FakeRealtimeOptions = optionsSchema({ label: Schema.String })

/** The magnitude of one G.711 sample, on the 16-bit scale. */
const g711Magnitude = (byte: number, law: "ulaw" | "alaw"): number => {
  if (law === "ulaw") {
    const u = ~byte & 0xff
    const exponent = (u >> 4) & 0x07
    return (((u & 0x0f) << 3) + 0x84 << exponent) - 0x84
  }
  const a = byte ^ 0x55
  const exponent = (a >> 4) & 0x07
  const mantissa = a & 0x0f
  return exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1)
}

/** A scripted realtime STT (with a {@link FakeStt} for batch requests). */
export const FakeRealtimeStt = (options: FakeRealtimeSttOptions = {}): FakeRealtimeStt => {
  const batch = FakeStt(options.batch)
  const script = options.script ?? [fixtureSentence]
  const perPartial = Math.max(1, options.bytesPerPartial ?? 4800)
  const threshold = options.silenceThreshold ?? 256
  const failures = [...(options.failures ?? [])]
  const sessions: Array<FakeRealtimeSession> = []
  let opened = 0
  let closed = 0

  const realtime = (spec: RealtimeSttSpec, input: Stream.Stream<RealtimeSttInput>): Stream.Stream<RealtimeSttEvent, ProviderError> =>
    Stream.suspend(() => {
      const session: FakeRealtimeSession = { spec, bytes: 0, commits: 0, outcome: "open" }
      sessions.push(session)
      opened++
      const index = opened
      const failAfter = index === 1 ? options.failAfter : undefined
      const format = realtimeFormatInfo(spec.audio_format) ?? realtimeFormatInfo("pcm_16000")!
      const silenceBytes = Math.ceil(((options.silenceMs ?? 300) / 1000) * format.sample_rate) * format.bytes_per_sample
      const session_id = `fake_rt_${index}`

      // The current utterance: which line of the script, the speech heard, the silence after it.
      let line = 0
      let speech = 0
      let partials = 0
      let silence = 0
      let startByte = 0
      let lastSpeechByte = 0
      /** A PCM sample's first byte, when a chunk ended inside a sample. */
      let carry: number | undefined

      const words = () => script[line % script.length]!.split(/\s+/).filter((w) => w !== "")
      const seconds = (bytes: number) => bytes / format.bytes_per_second
      const commit = (): RealtimeSttEvent => {
        const heard = words()
        const text = heard.join(" ")
        const start = seconds(startByte)
        const step = (seconds(lastSpeechByte) - start) / Math.max(1, heard.length)
        const timed: ReadonlyArray<Word> = heard.map((word, i) => ({
          text: word,
          start: start + i * step,
          end: start + (i + 1) * step,
          type: "word"
        }))
        line++
        speech = 0
        partials = 0
        return {
          type: "committed",
          text,
          language: spec.language ?? "en",
          ...(spec.include_timestamps === true ? { words: timed } : {})
        }
      }
      const hear = (sample: number, out: Array<RealtimeSttEvent>) => {
        session.bytes += format.bytes_per_sample
        if (Math.abs(sample) <= threshold) {
          silence += format.bytes_per_sample
          if (spec.commit === "vad" && speech > 0 && silence >= silenceBytes) out.push(commit())
          return
        }
        if (speech === 0) startByte = session.bytes - format.bytes_per_sample
        silence = 0
        speech += format.bytes_per_sample
        lastSpeechByte = session.bytes
        if (Math.floor(speech / perPartial) > partials) {
          partials++
          out.push({ type: "partial", text: words().slice(0, partials).join(" ") })
        }
      }
      const step = (element: RealtimeSttInput): Effect.Effect<ReadonlyArray<RealtimeSttEvent>, ProviderError> =>
        Effect.suspend(() => {
          const out: Array<RealtimeSttEvent> = []
          if (!(element instanceof Uint8Array)) {
            session.commits++
            if (speech > 0) out.push(commit())
            return Effect.succeed(out)
          }
          if (format.encoding === "pcm_s16le") {
            let i = 0
            if (carry !== undefined && element.byteLength > 0) {
              hear((element[0]! << 8 | carry) << 16 >> 16, out)
              carry = undefined
              i = 1
            }
            for (; i + 1 < element.byteLength; i += 2) hear((element[i + 1]! << 8 | element[i]!) << 16 >> 16, out)
            if (i < element.byteLength) carry = element[i]!
          } else {
            for (const byte of element) hear(g711Magnitude(byte, format.encoding), out)
          }
          if (failAfter !== undefined && session.bytes >= failAfter.bytes) return Effect.fail(failAfter.error)
          return Effect.succeed(out)
        })
      const settle = <A, E>(exit: Exit.Exit<A, E>) =>
        Effect.sync(() => {
          closed++
          session.outcome = exit._tag === "Success" ? "completed" : Cause.hasInterruptsOnly(exit.cause) ? "interrupted" : "failed"
        })
      const failure = failures.shift()
      const body: Stream.Stream<RealtimeSttEvent, ProviderError> = failure !== undefined
        ? Stream.fail(failure)
        : Stream.concat(
          Stream.succeed<RealtimeSttEvent>({ type: "session_started", session_id }),
          Stream.concat(
            input.pipe(Stream.mapEffect(step), Stream.flattenIterable),
            Stream.suspend(() =>
              Stream.fromIterable<RealtimeSttEvent>([
                ...(speech > 0 ? [commit()] : []),
                {
                  type: "summary",
                  usage: { audio_seconds: seconds(session.bytes) },
                  session_id,
                  provider_output: {
                    session_id,
                    bytes: session.bytes,
                    commits: session.commits,
                    ...(typeof spec.provider_options?.["label"] === "string" ? { label: spec.provider_options["label"] } : {})
                  }
                }
              ])
            )
          )
        )
      return body.pipe(Stream.onExit(settle))
    })

  return {
    ...batch,
    realtime,
    validateRealtime: (spec) =>
      Effect.asVoid(decodeProviderOptions(FakeRealtimeOptions, spec.provider_options, { provider: "fake", field: "voice.stt.provider_options.fake" })),
    sessions,
    opened: () => opened,
    closed: () => closed
  }
}
