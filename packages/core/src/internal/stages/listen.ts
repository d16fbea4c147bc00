/**
 * The realtime STT stage: live audio in, `stt_stream_start` → `stt_partial`s and
 * `stt_committed`s → `stt_stream_end` out, and the `voice_records.stt` record of the session.
 * Unlike the batch stage there is no retry and no fallback: live audio is sent once, to one
 * vendor. The audio is read as the vendor's session consumes it, and the session consumes it as
 * the run's client takes events (`Run.toStream`'s bound), so nothing piles up in between.
 */
import { Clock, Deferred, Effect, Stream } from "effect"
import { isProviderError, type ProviderError, ProviderTimeout, ProviderUnavailable } from "../../Errors.ts"
import { realtimeFormatInfo } from "../../ModelInfo.ts"
import type { RealtimeSttEvent, RealtimeSttInput } from "../../Provider.ts"
import { Run } from "../../Run.ts"
import { PipelineSettings } from "../../Settings.ts"
import type * as Validation from "../../Validation.ts"
import type { SttRecord, Word } from "../../VoiceRecords.ts"
import { withWarnings } from "./store.ts"

/** One settled utterance of a session, as `stt_committed` carries it. */
export interface Utterance {
  readonly text: string
  readonly words?: ReadonlyArray<Word> | undefined
  readonly language?: string | null | undefined
}

/** What {@link listenValidated} does beside emitting events. */
export interface ListenOptions<E2, R2> {
  /**
   * Runs after each `stt_committed` (of non-blank text), before the session reads more audio:
   * e.g. answering the utterance. Its failure ends the session with that failure.
   */
  readonly onCommitted?: ((utterance: Utterance) => Effect.Effect<void, E2, R2>) | undefined
}

/** A failure of the caller's audio, kept apart from the vendor's. */
class AudioFailed<E> {
  readonly error: E
  constructor(error: E) {
    this.error = error
  }
}

/** A failure of `onCommitted`, kept apart from the vendor's. */
class CommittedFailed<E> {
  readonly error: E
  constructor(error: E) {
    this.error = error
  }
}

/**
 * Transcribes live audio with an already validated realtime session (see
 * `Validation.validateRealtimeStt`): opens the vendor session, sends `audio` as the session
 * reads it (bytes and `Commit`s), and emits `stt_stream_start` when the vendor has started the
 * session, `stt_partial` for each partial (the utterance so far, replacing the previous one),
 * `stt_committed` for each settled utterance that is not blank, and `stt_stream_end` with the
 * record once the audio has ended and the vendor has committed what it held. The record's
 * transcript is the committed utterances joined with a space; its duration and
 * `usage.audio_seconds` are measured from the bytes sent and the format's rate. A vendor error
 * emits `error` and fails the stage with it; the audio's own failure, and `onCommitted`'s, fail
 * it without an event. Interrupting the stage closes the vendor session.
 *
 * @category stages
 */
export const listenValidated = <E = never, R = never, E2 = never, R2 = never>(
  valid: Validation.ValidRealtimeStt,
  audio: Stream.Stream<RealtimeSttInput, E, R>,
  options: ListenOptions<E2, R2> = {}
): Effect.Effect<SttRecord, ProviderError | E | E2, Run | R | R2> =>
  Effect.gen(function*() {
    const run = yield* Run
    const { resolved, spec } = valid
    const provider = resolved.provider.id
    const realtime = resolved.capability.realtime
    if (realtime === undefined) {
      return yield* new ProviderUnavailable({ provider, detail: "this STT provider has no realtime sessions" })
    }
    const format = realtimeFormatInfo(spec.audio_format)
    const started = yield* Clock.currentTimeMillis
    let bytes = 0
    let begun = false
    let firstResult: number | undefined
    let sessionId: string | undefined
    let language: string | undefined
    const texts: Array<string> = []
    const words: Array<Word> = []
    let summary: Extract<RealtimeSttEvent, { readonly type: "summary" }> | undefined

    // The caller's audio, counted as the vendor reads it. Its failure stops the session from the
    // outside (below) rather than reaching the adapter, which only reads audio that cannot fail.
    const audioFailed = yield* Deferred.make<never, AudioFailed<E>>()
    /** Done when the caller's audio has ended: from then on the vendor has `timeouts.realtime` to finish. */
    const audioEnded = yield* Deferred.make<void>()
    const context = yield* Effect.context<R>()
    const input: Stream.Stream<RealtimeSttInput> = audio.pipe(
      Stream.tap((element) => Effect.sync(() => void (element instanceof Uint8Array && (bytes += element.byteLength)))),
      Stream.catch((error: E) => Stream.concat(Stream.drain(Stream.fromEffect(Deferred.fail(audioFailed, new AudioFailed(error)))), Stream.never)),
      Stream.onEnd(Deferred.succeed(audioEnded, undefined)),
      Stream.provideContext(context)
    )
    const tailMs = (yield* PipelineSettings).timeouts.realtime ?? 30_000
    const tail = Effect.andThen(
      Deferred.await(audioEnded),
      Effect.andThen(Effect.sleep(tailMs), Effect.fail(new ProviderTimeout({ provider, stage: "stt", timeoutMs: tailMs })))
    )

    const begin = Effect.suspend(() => {
      if (begun) return Effect.void
      begun = true
      return run.emit({ type: "stt_stream_start", provider, model: resolved.modelId })
    })
    const result = Effect.flatMap(Clock.currentTimeMillis, (at) => Effect.sync(() => void (firstResult ??= at)))
    const handle = (event: RealtimeSttEvent): Effect.Effect<void, CommittedFailed<E2>, R2> => {
      switch (event.type) {
        case "session_started":
          sessionId = event.session_id ?? sessionId
          return begin
        case "partial":
          return Effect.andThen(Effect.andThen(begin, result), run.emit({ type: "stt_partial", text: event.text }))
        case "committed":
          return Effect.gen(function*() {
            yield* begin
            yield* result
            if (event.text.trim() === "") return
            texts.push(event.text)
            if (event.words !== undefined) words.push(...event.words)
            if (typeof event.language === "string") language = event.language
            yield* run.emit({ type: "stt_committed", text: event.text, ...(event.words === undefined ? {} : { words: event.words }) })
            if (options.onCommitted !== undefined) {
              yield* Effect.mapError(options.onCommitted(event), (error) => new CommittedFailed(error))
            }
          })
        case "summary":
          return Effect.sync(() => {
            summary = event
            sessionId = event.session_id ?? sessionId
          })
      }
    }

    yield* Effect.raceAllFirst([Stream.runForEach(realtime(spec, input), handle), Deferred.await(audioFailed), tail]).pipe(
      Effect.catch((failure): Effect.Effect<never, ProviderError | E | E2> =>
        failure instanceof AudioFailed
          ? Effect.fail(failure.error as E)
          : failure instanceof CommittedFailed
          ? Effect.fail(failure.error as E2)
          : isProviderError(failure)
          ? Effect.andThen(run.emit({ type: "error", code: failure._tag, message: failure.message, retryable: failure.retryable }), Effect.fail(failure))
          : Effect.die(failure))
    )
    if (summary === undefined) {
      const error = new ProviderUnavailable({ provider, detail: "the realtime session ended without its summary" })
      yield* run.emit({ type: "error", code: error._tag, message: error.message, retryable: error.retryable })
      return yield* error
    }
    yield* begin
    const finished = yield* Clock.currentTimeMillis
    const duration = format === undefined ? null : bytes / format.bytes_per_second
    const transcript = texts.join(" ")
    const id = summary.session_id ?? sessionId
    const record: SttRecord = {
      provider,
      model: resolved.modelId,
      language: language ?? spec.language ?? null,
      transcript,
      duration_seconds: duration,
      ...(id === undefined ? {} : { request_id: id }),
      ...withWarnings([
        ...valid.warnings,
        ...(summary.warnings ?? []),
        ...(duration === null ? [`the duration of ${spec.audio_format} audio cannot be measured from its bytes`] : [])
      ]),
      ...(words.length === 0 ? {} : { words }),
      usage: duration === null ? summary.usage : { ...summary.usage, audio_seconds: duration },
      latency_ms: { first_byte: (firstResult ?? finished) - started, total: finished - started },
      provider_output: summary.provider_output
    }
    yield* run.emit({ type: "stt_stream_end", transcript, record })
    return record
  })
