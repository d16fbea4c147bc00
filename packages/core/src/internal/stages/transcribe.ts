/**
 * The STT stage: audio in, `stt_stream_start` → `stt_text_delta`s → `stt_stream_end` out, and
 * the `voice_records.stt` record. Each vendor of the stage (the request's, then its fallbacks)
 * is tried while nothing was output and the audio can be sent again; each request is retried
 * while it has yielded nothing.
 */
import { Clock, Effect, Fiber, Stream } from "effect"
import type { AudioInput } from "../../AudioInput.ts"
import { InputTooLarge, InvalidRequest, type ProviderError, ProviderUnavailable } from "../../Errors.ts"
import type { SttDelta, Transcript } from "../../Provider.ts"
import { Run } from "../../Run.ts"
import { PipelineSettings } from "../../Settings.ts"
import type * as Validation from "../../Validation.ts"
import type { SttRecord } from "../../VoiceRecords.ts"
import { tap } from "@patchbay/audio/Meter"
import { idleTimeout, retryEffect, timeoutEffect } from "../resilience.ts"
import { withWarnings } from "./store.ts"

const now = Clock.currentTimeMillis

/**
 * Transcribes audio with an already validated STT entry (see `Validation.validateStt`):
 * `stt_stream_start` once the vendor answers, `stt_text_delta`s (one holding the whole text when
 * the vendor cannot stream), then `stt_stream_end` with the record. The duration is measured from
 * the audio itself; a stream of unknown length is counted against the vendor's limit as it
 * uploads.
 *
 * @category stages
 */
export const transcribeValidated = Effect.fn("Stages.transcribe")(function*(
  valid: ReadonlyArray<Validation.ValidStt>,
  audio: AudioInput,
  warnings: ReadonlyArray<string> = []
) {
  if (valid.length === 0) return yield* new InvalidRequest({ field: "voice.stt", reason: "no STT provider to run" })
  const settings = yield* PipelineSettings
  const run = yield* Run
  let served: Validation.ValidStt | undefined
  /** Whether a one-shot audio stream was read: then it cannot go to another vendor. */
  let consumed = false
  let firstByte: number | undefined
  let text = ""
  const started = yield* now
  // Audio that can be read again is measured beside the request, not after the transcript: the
  // measurement no longer delays the transcript's events. A one-shot stream is measured from the
  // bytes the vendor reads (below).
  const measuringAgain = audio.once ? undefined : yield* Effect.forkChild(tap(audio, undefined).duration)

  /** The vendor answered: from here on, no retry or fallback may replace it. */
  const begin = (entry: Validation.ValidStt) =>
    Effect.gen(function*() {
      if (served !== undefined) return
      served = entry
      firstByte = yield* now
      yield* run.emit({ type: "stt_stream_start", provider: entry.resolved.provider.id, model: entry.resolved.modelId })
    })
  const onDelta = (entry: Validation.ValidStt, delta: string, final = false) =>
    Effect.andThen(begin(entry), Effect.suspend(() => {
      // An empty delta is dropped, except as the only one: deltas always join to the transcript.
      if (delta === "" && (text !== "" || !final)) return Effect.void
      text += delta
      return run.emit({ type: "stt_text_delta", delta })
    }))

  /** One vendor: its requests retried while nothing came back and the audio can be sent again. */
  const attempt = (entry: Validation.ValidStt) =>
    Effect.gen(function*() {
      const { resolved } = entry
      const limit = resolved.model?.max_input_bytes
      let watched = tap(audio, limit)
      const measuring = audio.once ? yield* Effect.forkChild(watched.duration) : undefined
      const context = { provider: resolved.provider.id, stage: "stt" }
      const request = () => ({ model: resolved.modelId, language: entry.language, provider_options: entry.options, audio: watched.input })
      const overLimit = (error: ProviderError): ProviderError => {
        const counted = watched.counted()
        return counted.exceeded && limit !== undefined
          ? new InputTooLarge({ provider: resolved.provider.id, model: resolved.modelId, field: "audio_file", limit, size: counted.bytes })
          : error
      }
      // A one-shot stream that was read cannot be sent again; bytes, Blobs and files can.
      const canRetry = () => served === undefined && (!audio.once || watched.counted().bytes === 0)
      let tries = 0
      const capability = resolved.capability
      const one = (): Effect.Effect<Transcript, ProviderError> => capability.transcribeStream !== undefined
        ? idleTimeout(capability.transcribeStream(request()), settings.timeouts.stt, context).pipe(
          Stream.runFoldEffect(
            (): Transcript | undefined => undefined,
            (final, element: SttDelta | Transcript) => element.type === "delta" ? Effect.as(onDelta(entry, element.delta), final) : Effect.succeed(element)
          ),
          Effect.flatMap((final) =>
            final === undefined
              ? Effect.fail(new ProviderUnavailable({ provider: resolved.provider.id, detail: "the STT stream ended without a transcript" }))
              : Effect.succeed(final)
          )
        )
        : timeoutEffect(capability.transcribe(request()), settings.timeouts.stt, context)
      const transcript = yield* retryEffect(
        Effect.suspend(() => {
          // each retry of re-readable audio reads it afresh
          if (tries++ > 0 && !audio.once) watched = tap(audio, limit)
          return one()
        }),
        settings.retry,
        canRetry
      ).pipe(
        Effect.mapError(overLimit),
        Effect.tapError(() => Effect.sync(() => void (consumed = audio.once && watched.counted().bytes > 0)))
      )
      yield* begin(entry)
      watched.close()
      const measured = measuring !== undefined
        ? yield* Fiber.join(measuring)
        : measuringAgain !== undefined
        ? yield* Fiber.join(measuringAgain)
        : yield* watched.duration
      return { transcript, measured }
    })

  // The stage's vendors in order, each tried only while nothing was output and the audio can be re-sent.
  let outcome: { readonly transcript: Transcript; readonly measured: number | undefined } | undefined
  for (const [i, entry] of valid.entries()) {
    const result = yield* Effect.result(attempt(entry))
    if (result._tag === "Success") {
      outcome = result.success
      break
    }
    const last = i === valid.length - 1
    if (last || served !== undefined || consumed) return yield* Effect.fail(result.failure)
  }
  const entry = served!
  const { transcript, measured } = outcome!
  // Deltas always join to the transcript: a vendor that could not stream gets one delta.
  if (text === "") yield* onDelta(entry, transcript.text, true)
  else if (text !== transcript.text && transcript.text.startsWith(text)) yield* onDelta(entry, transcript.text.slice(text.length))
  const finished = yield* now
  const record: SttRecord = {
    provider: entry.resolved.provider.id,
    model: entry.resolved.modelId,
    language: transcript.language ?? entry.language ?? null,
    transcript: transcript.text,
    duration_seconds: measured ?? null,
    ...(transcript.request_id === undefined ? {} : { request_id: transcript.request_id }),
    ...withWarnings([
      ...warnings,
      ...(transcript.warnings ?? []),
      ...(measured === undefined ? ["the audio's duration could not be measured from its bytes"] : [])
    ]),
    ...(transcript.words === undefined ? {} : { words: transcript.words }),
    ...(transcript.segments === undefined ? {} : { segments: transcript.segments }),
    ...(transcript.speakers === undefined ? {} : { speakers: transcript.speakers }),
    usage: transcript.usage,
    latency_ms: { first_byte: (firstByte ?? finished) - started, total: finished - started },
    provider_output: transcript.provider_output
  }
  yield* run.emit({ type: "stt_stream_end", transcript: transcript.text, record })
  return record
})
