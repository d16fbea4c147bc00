/**
 * The stages a message passes through — transcribe, respond, speak, store — as public,
 * composable Effects. `Pipeline.addMessage` is built from them; a user can assemble their own
 * flow from the same pieces (STT only; TTS of text they already have; STT → a translating LLM
 * → TTS in another language) and get the same events and the same records. Each stage emits
 * into the `Run` in context; `Run.toStream` turns a program of stages into an event stream.
 *
 * @example
 * ```ts
 * const events = Run.toStream({ thread_id: "thr_1", run_id: "run_1" },
 *   Stages.speak({ tts: { provider: "openai", model: "tts-1", voice: "alloy" }, text: "Hello!" }))
 * ```
 * @since 0.1.0
 */
import { type Cause, Clock, Deferred, Effect, Fiber, Option, Queue, Semaphore, Stream } from "effect"
import * as Audio from "./Audio.ts"
import * as AudioInputs from "./AudioInput.ts"
import type { AudioInput, AudioSource } from "./AudioInput.ts"
import { InputTooLarge, InvalidRequest, type ProviderError, ProviderUnavailable, UnsupportedFormat } from "./Errors.ts"
import { makeJoiner } from "@patchbay/audio/Join"
import { tap } from "@patchbay/audio/Meter"
import { fallbackStream, idleTimeout, retryEffect, retryStream, timeoutEffect } from "./internal/resilience.ts"
import { chunkSentences } from "./internal/sentences.ts"
import type { Media } from "./Media.ts"
import { mediaTypeOfOutputFormat } from "./ModelInfo.ts"
import { MediaStore } from "./MediaStore.ts"
import type { AudioChunk, LlmEvent, LlmMessage, SpeechSummary, SttDelta, Transcript } from "./Provider.ts"
import { ProviderRegistry, type Resolved } from "./ProviderRegistry.ts"
import { emit, Run } from "./Run.ts"
import { PipelineSettings } from "./Settings.ts"
import type { ToolCall, ToolDefinition } from "./Tools.ts"
import { combineUsage, type Usage } from "./Usage.ts"
import * as Validation from "./Validation.ts"
import type { ProviderOptions, SttConfig, TtsConfig } from "./VoiceConfig.ts"
import type { SttRecord, TtsRecord } from "./VoiceRecords.ts"

export { chunkSentences }
export type { ChunkingOptions } from "./internal/sentences.ts"

const now = Clock.currentTimeMillis

const isAudioInput = (u: AudioSource | AudioInput): u is AudioInput =>
  typeof u === "object" && u !== null && "filename" in u && "once" in u && typeof (u as AudioInput).stream === "function"

// ---------------------------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------------------------

/**
 * Stores produced media in the `MediaStore` and returns it with a signed URL.
 *
 * @category stages
 */
export const store = Effect.fn("Stages.store")(function*(media: {
  readonly bytes: Uint8Array
  readonly media_type: string
  readonly thread_id?: string | undefined
}) {
  const settings = yield* PipelineSettings
  const mediaStore = yield* MediaStore
  const stored = yield* mediaStore.put(media)
  const url = yield* mediaStore.url(stored.document_id, { ttlSeconds: settings.mediaUrlTtlSeconds }).pipe(Effect.orDie)
  return { url, document_id: stored.document_id, media_type: stored.media_type } satisfies Media
})

// ---------------------------------------------------------------------------------------------
// Transcribe
// ---------------------------------------------------------------------------------------------

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

  /** The vendor answered: from here on, no retry or fallback may replace it. */
  const begin = (entry: Validation.ValidStt) =>
    Effect.gen(function*() {
      if (served !== undefined) return
      served = entry
      firstByte = yield* now
      run.emitUnsafe({ type: "stt_stream_start", provider: entry.resolved.provider.id, model: entry.resolved.modelId })
    })
  const onDelta = (entry: Validation.ValidStt, delta: string, final = false) =>
    Effect.andThen(begin(entry), Effect.sync(() => {
      // An empty delta is dropped, except as the only one: deltas always join to the transcript.
      if (delta === "" && (text !== "" || !final)) return
      text += delta
      run.emitUnsafe({ type: "stt_text_delta", delta })
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
      const measured = measuring === undefined ? yield* watched.duration : yield* Fiber.join(measuring)
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
  run.emitUnsafe({ type: "stt_stream_end", transcript: transcript.text, record })
  return record
})

const withWarnings = (warnings: ReadonlyArray<string>) => (warnings.length === 0 ? {} : { warnings })

/**
 * Transcribes audio: validates `stt` against the registry (provider, model, language, format,
 * size, options), then runs {@link transcribeValidated}.
 *
 * @category stages
 */
export const transcribe = (input: { readonly stt: SttConfig; readonly audio: AudioSource | AudioInput }) =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const audio = isAudioInput(input.audio) ? input.audio : yield* AudioInputs.fromSource(input.audio)
    const valid = yield* Validation.validateStt(registry, input.stt, { size: audio.size, container: audio.container }, "stt")
    return yield* transcribeValidated(valid, audio)
  })

// ---------------------------------------------------------------------------------------------
// Respond
// ---------------------------------------------------------------------------------------------

/** What the LLM stage produced. */
export interface Reply {
  readonly content: string
  readonly tool_calls: ReadonlyArray<ToolCall>
  readonly usage: Usage
  readonly finish_reason: string
  readonly provider: string
  readonly model: string
  readonly request_id?: string | undefined
  readonly warnings?: ReadonlyArray<string> | undefined
}

/** What the LLM is asked. */
export interface Prompt {
  readonly messages: ReadonlyArray<LlmMessage>
  readonly tools?: ReadonlyArray<ToolDefinition> | undefined
  readonly provider_options?: ProviderOptions | undefined
}

/**
 * Streams the LLM's reply with an already validated LLM: `content_streaming` deltas (each also
 * handed to the synchronous `onText`, e.g. to feed TTS) and whole `tool_call`s.
 *
 * @category stages
 */
export const respondValidated = Effect.fn("Stages.respond")(function*(
  valid: ReadonlyArray<Resolved<"llm">>,
  prompt: Prompt,
  onText: (delta: string) => void = () => undefined
) {
  if (valid.length === 0) return yield* new InvalidRequest({ field: "llm_provider", reason: "no LLM to run" })
  const run = yield* Run
  const settings = yield* PipelineSettings
  let entry = valid[0]!
  let content = ""
  const toolCalls: Array<ToolCall> = []
  let usage: Usage = {}
  let finish = "stop"
  let requestId: string | undefined
  let warnings: ReadonlyArray<string> | undefined
  // Deltas are the hot path: each batch the vendor stream yields is handled in one step.
  const handle = (events: ReadonlyArray<LlmEvent>) =>
    Effect.sync(() => {
      for (const event of events) {
        switch (event.type) {
          case "text_delta":
            if (event.delta === "") break
            content += event.delta
            run.emitUnsafe({ type: "content_streaming", content: event.delta })
            onText(event.delta)
            break
          case "tool_call":
            toolCalls.push(event.tool_call)
            run.emitUnsafe({ type: "tool_call", tool_call: event.tool_call })
            break
          case "usage":
            usage = combineUsage(usage, event.usage)
            break
          case "finish":
            finish = event.reason
            requestId = event.request_id
            warnings = event.warnings
            break
          case "media":
            break
        }
      }
    })
  // Each LLM in turn (the request's, then `llm_fallback`) while nothing was output; each
  // request retried while it has yielded nothing.
  const candidates = valid.map((candidate) => () =>
    retryStream(() => {
      const { options } = Validation.optionsFor(prompt.provider_options, candidate.provider.id, "provider_options")
      const request = { model: candidate.modelId, messages: prompt.messages, tools: prompt.tools, provider_options: options }
      return idleTimeout(candidate.capability.stream(request), settings.timeouts.llm, { provider: candidate.provider.id, stage: "llm" })
    }, settings.retry)
  )
  yield* fallbackStream(candidates, (i) => Effect.sync(() => void (entry = valid[i]!))).pipe(Stream.runForEachArray(handle))
  const reply: Reply = {
    content,
    tool_calls: toolCalls,
    usage,
    finish_reason: finish,
    provider: entry.provider.id,
    model: entry.modelId,
    request_id: requestId,
    warnings
  }
  return reply
})

/**
 * Asks an LLM: validates the named provider and model, then runs {@link respondValidated}.
 *
 * @category stages
 */
export const respond = (input: Prompt & {
  readonly llm: { readonly provider: string; readonly model: string }
  /** Called with each text delta as it arrives, e.g. to feed speech. */
  readonly onText?: (delta: string) => void
}) =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const valid = yield* Validation.validateModel(
      registry,
      "llm",
      input.llm.provider,
      input.llm.model,
      { provider: "llm.provider", model: "llm.model" },
      input.provider_options
    )
    return yield* respondValidated([valid], input, input.onText)
  })

// ---------------------------------------------------------------------------------------------
// Speak
// ---------------------------------------------------------------------------------------------

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
          run.emitUnsafe({
            type: "tts_stream_start",
            provider: entry.resolved.provider.id,
            model: entry.resolved.modelId,
            voice: entry.voice,
            output_format: entry.outputFormatId ?? "default"
          })
        }
        parts.push(bytes)
        run.emitUnsafe({ type: "tts_audio_chunk", data: encodeBase64(bytes), index: chunkIndex++ })
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
    run.emitUnsafe({ type: "tts_stream_end", audio_url: media.url, document_id: media.document_id, duration_seconds: record.duration_seconds, record })
    return record
  }))

/**
 * Speaks text — a string, or a stream of text deltas — after validating `tts` against the
 * registry (provider, model, voice, output format, options). See {@link speakValidated}.
 *
 * @category stages
 */
export const speak = <E = never, R = never>(input: {
  readonly tts: TtsConfig
  readonly text: string | Stream.Stream<string, E, R>
  readonly thread_id?: string | undefined
}) =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const valid = yield* Validation.validateTts(registry, input.tts, "tts")
    const text = typeof input.text === "string" ? Stream.succeed(input.text) : input.text
    return yield* speakValidated(valid, text, { thread_id: input.thread_id })
  })
