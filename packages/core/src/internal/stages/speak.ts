/**
 * The TTS stage: text (a string, or deltas as the LLM streams them) in, one audio document out.
 * Streamed text is cut into sentences as it arrives and synthesized with a bounded number of
 * requests in flight, their audio emitted in order as `tts_audio_chunk`s that join into the
 * stored file: `tts_stream_start` → chunks → `tts_stream_end` with the `voice_records.tts` record.
 */
import { type Cause, Clock, Deferred, Effect, Option, Queue, Semaphore, Stream } from "effect"
import * as Audio from "../../Audio.ts"
import { InvalidRequest, type ProviderError, UnsupportedFormat } from "../../Errors.ts"
import type { MediaStore } from "../../MediaStore.ts"
import { mediaTypeOfOutputFormat } from "../../ModelInfo.ts"
import type { AudioChunk, SpeechSummary } from "../../Provider.ts"
import { Run } from "../../Run.ts"
import { PipelineSettings } from "../../Settings.ts"
import { combineUsage, type Usage } from "../../Usage.ts"
import type * as Validation from "../../Validation.ts"
import type { TtsRecord } from "../../VoiceRecords.ts"
import { makeJoiner } from "@patchbay/audio/Join"
import { fallbackStream, idleTimeout, retryStream } from "../resilience.ts"
import { chunkSentences } from "../sentences.ts"
import { store, withWarnings } from "./store.ts"

const now = Clock.currentTimeMillis

const encodeBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}


type Segment = Stream.Stream<Uint8Array, ProviderError>

/**
 * Speaks text with an already validated TTS entry. Streamed text is cut into sentences as it
 * arrives (`chunkSentences`), synthesized with at most `ttsConcurrency` requests in flight, and
 * emitted in order as one audio file: `tts_stream_start` when the first audio byte arrives,
 * `tts_audio_chunk`s whose bytes join into the stored document, then `tts_stream_end` with the
 * signed URL and the record. Formats that cannot be joined (ogg/opus, flac, aac) are synthesized
 * in one request once the text is complete. Returns undefined when there was nothing to say.
 *
 * @category stages
 */
export const speakValidated = <E, R>(
  valid: ReadonlyArray<Validation.ValidTts>,
  text: Stream.Stream<string, E, R>,
  options: { readonly thread_id?: string | undefined; readonly warnings?: ReadonlyArray<string> } = {}
): Effect.Effect<TtsRecord | undefined, E | ProviderError | InvalidRequest, R | Run | MediaStore> =>
  Effect.scoped(Effect.gen(function*() {
    const primary = valid[0]
    if (primary === undefined) return yield* new InvalidRequest({ field: "voice.tts", reason: "no TTS provider to run" })
    const settings = yield* PipelineSettings
    const run = yield* Run
    const scope = yield* Effect.scope
    const joiners = valid.map((entry) => (entry.outputFormat === undefined ? undefined : makeJoiner(entry.outputFormat)))
    // Joinable formats are spoken sentence by sentence; others in one request once the text is complete.
    const chunks: Stream.Stream<string, E, R> = joiners[0] !== undefined
      ? text.pipe(chunkSentences(settings.chunking))
      : Stream.fromEffect(Stream.mkString(text)).pipe(Stream.filter((all) => all.trim() !== ""), Stream.map((all) => all.trim()))

    const permits = yield* Semaphore.make(Math.max(1, settings.ttsConcurrency))
    /** Which entry serves the stage: decided by the first audio byte of the first sentence. */
    const serving = yield* Deferred.make<number, ProviderError>()
    let servingIndex = 0
    /** Each request's summary at its segment's index. */
    const summaryAt: Array<SpeechSummary | undefined> = []
    let requestStarted: number | undefined
    let firstByteAt: number | undefined
    let previous: string | undefined

    /** One synthesis request of a segment to one entry, its bytes passed through that entry's joiner. */
    const synthesize = (entryIndex: number, chunk: string, index: number, previousText: string | undefined) =>
      Stream.suspend(() => {
        const entry = valid[entryIndex]!
        const { resolved } = entry
        const transform = joiners[entryIndex]?.segment(index)
        const request = {
          model: resolved.modelId,
          voice: entry.voice,
          output_format: entry.outputFormatId,
          language: entry.language,
          provider_options: entry.options,
          text: chunk,
          ...(previousText === undefined ? {} : { previous_text: previousText })
        }
        // What one vendor chunk became after joining goes out as one piece.
        const join = (bytes: () => ReadonlyArray<Uint8Array>) =>
          Effect.try({
            try: () => {
              const out = bytes()
              return out.length === 1 ? out[0]! : concat(out)
            },
            catch: (cause) =>
              new UnsupportedFormat({
                provider: resolved.provider.id,
                model: resolved.modelId,
                field: "voice.tts.output_format",
                format: entry.outputFormatId ?? "default",
                allowed: [],
                detail: `the vendor's audio could not be joined into one file: ${cause instanceof Error ? cause.message : String(cause)}`
              })
          })
        const audio = idleTimeout(resolved.capability.synthesize(request), settings.timeouts.tts, { provider: resolved.provider.id, stage: "tts" }).pipe(
          Stream.mapEffect((element: AudioChunk | SpeechSummary) =>
            element.type === "summary"
              ? Effect.as(Effect.sync(() => void (summaryAt[index] = element)), new Uint8Array(0))
              : join(() => (transform === undefined ? [element.data] : transform.push(element.data)))
          ),
          Stream.concat(Stream.fromEffect(Effect.suspend(() => join(() => transform?.end() ?? [])))),
          Stream.filter((bytes) => bytes.byteLength > 0)
        )
        return audio
      })

    /** Starts a segment's request now (within a permit); its bytes wait in a queue for their turn. */
    const startSegment = (chunk: string, index: number): Effect.Effect<Segment> =>
      Effect.gen(function*() {
        yield* permits.take(1)
        const queue = yield* Queue.unbounded<Uint8Array, ProviderError | Cause.Done>()
        const previousText = previous
        previous = chunk
        const t = yield* now
        if (requestStarted === undefined) requestStarted = t
        const bytes: Stream.Stream<Uint8Array, ProviderError> = index === 0
          // The first sentence may fall back to the next vendor while no audio came out.
          ? fallbackStream(
            valid.map((_, i) => () => retryStream(() => synthesize(i, chunk, index, previousText), settings.retry)),
            (i) => Effect.andThen(Effect.sync(() => void (servingIndex = i)), Deferred.succeed(serving, i))
          ).pipe(Stream.tapError((error) => Deferred.fail(serving, error)))
          // Later sentences go to the vendor that served the first, retried while they yield nothing.
          : Stream.unwrap(Effect.map(Deferred.await(serving), (i) => retryStream(() => synthesize(i, chunk, index, previousText), settings.retry)))
        yield* bytes.pipe(
          Stream.runForEach((piece) => Effect.sync(() => void Queue.offerUnsafe(queue, piece))),
          Effect.matchCauseEffect({
            onSuccess: () => Queue.end(queue),
            onFailure: (cause) => Queue.failCause(queue, cause)
          }),
          Effect.ensuring(permits.release(1)),
          Effect.forkIn(scope)
        )
        return Stream.fromQueue(queue)
      })

    const parts: Array<Uint8Array> = []
    let chunkIndex = 0
    const emitBytes = (bytes: Uint8Array) =>
      Effect.gen(function*() {
        if (chunkIndex === 0) {
          firstByteAt = yield* now
          const entry = valid[servingIndex]!
          yield* run.emit({
            type: "tts_stream_start",
            provider: entry.resolved.provider.id,
            model: entry.resolved.modelId,
            voice: entry.voice,
            output_format: entry.outputFormatId ?? "default"
          })
        }
        parts.push(bytes)
        yield* run.emit({ type: "tts_audio_chunk", data: encodeBase64(bytes), index: chunkIndex++ })
      })

    yield* chunks.pipe(
      Stream.zipWithIndex,
      Stream.mapEffect(([chunk, index]) => startSegment(chunk, index)),
      Stream.buffer({ capacity: Math.max(1, settings.ttsConcurrency) }),
      Stream.flatMap((segment) => segment),
      Stream.runForEach(emitBytes)
    )
    if (parts.length === 0) return undefined

    const entry = valid[servingIndex]!
    const joiner = joiners[servingIndex]
    const finished = yield* now
    const summaries = summaryAt.filter((s): s is SpeechSummary => s !== undefined)
    const joined = concat(parts)
    const stored = joiner?.finalize(joined) ?? joined
    const first = summaries[0]
    const named = mediaTypeOfOutputFormat(first?.output_format ?? entry.outputFormatId ?? "")
    const media_type = named !== "application/octet-stream" ? named : first?.media_type ?? named
    const media = yield* store({ bytes: stored, media_type, thread_id: options.thread_id })
    const measured = joiner?.duration(stored) ??
      (yield* Audio.probe(stored).pipe(Effect.map((info) => info.duration_seconds), Effect.option, Effect.map(Option.getOrUndefined)))
    const record: TtsRecord = {
      provider: entry.resolved.provider.id,
      model: entry.resolved.modelId,
      voice: entry.voice,
      output_format: first?.output_format ?? entry.outputFormatId ?? "default",
      audio_url: media.url,
      document_id: media.document_id,
      duration_seconds: measured ?? null,
      characters: summaries.reduce((n, s) => n + s.characters, 0),
      ...(summaries.some((s) => s.words !== undefined) ? { words: summaries.flatMap((s) => s.words ?? []) } : {}),
      usage: summaries.reduce((u, s) => combineUsage(u, s.usage), {} as Usage),
      latency_ms: {
        first_byte: (firstByteAt ?? finished) - (requestStarted ?? finished),
        total: finished - (requestStarted ?? finished)
      },
      ...(first?.request_id === undefined ? {} : { request_id: first.request_id }),
      ...withWarnings([
        ...(options.warnings ?? []),
        ...summaries.flatMap((s) => s.warnings ?? []),
        ...(measured === undefined ? ["the audio's duration could not be measured from its bytes"] : [])
      ]),
      provider_output: summaries.map((s) => s.provider_output)
    }
    yield* run.emit({ type: "tts_stream_end", audio_url: media.url, document_id: media.document_id, duration_seconds: record.duration_seconds, record })
    return record
  }))
