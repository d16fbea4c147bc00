/**
 * `TranscriptionModel` → `SttProvider`: `transcribe` reads the audio whole (counted against
 * the model's limit) and calls `doGenerate`; `transcribeStream` uses the model's `doStream`
 * when it has one — feature detection, per model — passing transcript deltas on as they
 * arrive and ending with the whole transcript, and falls back to one delta holding the
 * `doGenerate` transcript when it does not.
 *
 * @since 0.1.0
 */
import type {
  Experimental_TranscriptionModelV4StreamPart as TranscriptionStreamPart,
  Experimental_TranscriptionModelV4StreamResult as TranscriptionStreamResult,
  TranscriptionModelV4Result
} from "@ai-sdk/provider"
import {
  combineUsage,
  Language,
  type ProviderError,
  ProviderUnavailable,
  type SttDelta,
  type SttProvider,
  type SttRequest,
  type SttSpec,
  type Transcript,
  type Usage,
  Validation,
  type ValidationError
} from "@patchbay/core"
import { Clock, Effect, Stream } from "effect"
import { readAll, streamOf } from "./internal/AudioBytes.ts"
import { once, recordSharedPart, type StreamProgress, streaming } from "./internal/Calls.ts"
import { type Models, optionsKey } from "./internal/Models.ts"
import { type AiSdkOptions, defaultSttSettings, type SettingsHook, type SttCallSettings, type TranscriptionModel } from "./Options.ts"
import { type ErrorContext, jsonValue, requestIdOf, toProviderError, usageFromJson, warningText } from "./Wire.ts"

const MODEL_FIELD = "voice.stt.model"
const optionsField = (id: string) => `voice.stt.provider_options.${id}`

/** Whether a transcription model streams: it has a `doStream`. */
export const streams = (model: TranscriptionModel): boolean => typeof model.doStream === "function"

const settingsOf = (options: AiSdkOptions, spec: SttSpec, model: TranscriptionModel | undefined): Effect.Effect<SttCallSettings, ValidationError> => {
  const hook: SettingsHook<SttSpec, SttCallSettings> = options.settings?.stt ?? defaultSttSettings
  return hook(spec, {
    key: model === undefined ? options.providerOptionsKey ?? options.id : optionsKey(options, model),
    field: optionsField(options.id)
  })
}

const usageOf = (options: AiSdkOptions, raw: unknown, providerMetadata: unknown): Usage => {
  const base = usageFromJson(raw)
  const extra = options.usage?.({ capability: "stt", providerMetadata: providerMetadata as Readonly<Record<string, unknown>> | undefined, raw })
  return extra?.cost_usd === undefined ? base : combineUsage(base, { cost_usd: extra.cost_usd })
}

const segmentsOf = (segments: ReadonlyArray<{ readonly text: string; readonly startSecond: number; readonly endSecond: number }>) =>
  segments.length === 0 ? {} : { segments: segments.map((s) => ({ text: s.text, start: s.startSecond, end: s.endSecond })) }

/** A `doGenerate` result as Patchbay's transcript. */
const transcriptOf = (options: AiSdkOptions, result: TranscriptionModelV4Result, extraWarnings: ReadonlyArray<string>): Transcript => {
  const warnings = [...extraWarnings, ...result.warnings.map(warningText)]
  const requestId = requestIdOf(result.response.headers)
  return {
    type: "transcript",
    text: result.text,
    language: Language.toIso6391(result.language),
    ...(result.durationInSeconds === undefined ? {} : { duration_seconds: result.durationInSeconds }),
    ...segmentsOf(result.segments),
    ...(result.words === undefined || result.words.length === 0
      ? {}
      : { words: result.words.map((w) => ({ text: w.text, start: w.startSecond, end: w.endSecond, type: "word" as const })) }),
    usage: usageOf(options, result.usage, result.providerMetadata),
    ...(requestId === undefined ? {} : { request_id: requestId }),
    ...(warnings.length === 0 ? {} : { warnings }),
    provider_output: jsonValue(result.response.body) ??
      jsonValue({ text: result.text, segments: result.segments, language: result.language, duration_in_seconds: result.durationInSeconds })
  }
}

/** What is known of a streamed transcript while it is read. */
interface Progress extends StreamProgress {
  text: string
  /** Whether deltas arrived since the last final segment (then the final adds nothing). */
  sawDelta: boolean
}

/** The STT capability over the bridge's transcription models. */
export const make = (options: AiSdkOptions, models: Models<TranscriptionModel>): SttProvider => {
  const validate = (spec: SttSpec): Effect.Effect<void, ValidationError> =>
    Effect.gen(function*() {
      yield* models.check(spec.model, MODEL_FIELD)
      yield* Validation.checkAudio(models.info(spec.model), spec.audio)
      yield* settingsOf(options, spec, models.peek(spec.model))
    })

  const contextOf = (request: SttRequest): ErrorContext => ({
    provider: options.id,
    model: request.model,
    field: "audio_file",
    optionsField: optionsField(options.id),
    modelField: MODEL_FIELD,
    vendor: options.errors
  })
  const audioContext = (request: SttRequest) => ({ provider: options.id, model: request.model, limit: models.info(request.model)?.max_input_bytes })

  const transcribe = Effect.fn("AiSdk.transcribe")(function*(request: SttRequest) {
    yield* validate(request)
    const model = yield* models.get(request.model, MODEL_FIELD)
    const settings = yield* settingsOf(options, request, model)
    const audio = yield* readAll(request.audio, audioContext(request))
    const mediaType = request.audio.media_type ?? "application/octet-stream"
    const result = yield* once(contextOf(request), (abortSignal) => model.doGenerate({ ...settings, audio, mediaType, abortSignal }))
    return transcriptOf(options, result, [])
  })

  /** `doStream` parts as deltas, then the transcript. */
  const fromParts = (
    request: SttRequest,
    result: TranscriptionStreamResult,
    parts: Stream.Stream<TranscriptionStreamPart, ProviderError>,
    now: number,
    overLimit: () => ProviderError | undefined
  ): Stream.Stream<SttDelta | Transcript, ProviderError> => {
    const context = contextOf(request)
    const progress: Progress = { text: "", sawDelta: false, warnings: [], errors: [], headers: result.response?.headers, body: result.response?.body, finished: false }
    const delta = (text: string): ReadonlyArray<SttDelta> => {
      if (text === "") return []
      progress.text += text
      return [{ type: "delta", delta: text }]
    }
    const step = (part: TranscriptionStreamPart): ReadonlyArray<SttDelta | Transcript> => {
      switch (part.type) {
        case "stream-start":
          progress.warnings.push(...part.warnings.map(warningText))
          return []
        case "transcript-delta":
          progress.sawDelta = true
          return delta(part.delta)
        case "transcript-final": {
          // A vendor that only sends final segments: each one is the next delta.
          const sawDelta = progress.sawDelta
          progress.sawDelta = false
          if (sawDelta) return []
          const gap = progress.text === "" || /\s$/.test(progress.text) || /^\s/.test(part.text) ? "" : " "
          return delta(gap + part.text)
        }
        case "response-metadata":
        case "error":
          recordSharedPart(progress, part, context, now)
          return []
        case "finish": {
          progress.finished = true
          const rest = part.text.startsWith(progress.text) ? part.text.slice(progress.text.length) : ""
          const requestId = requestIdOf(progress.headers)
          const transcript: Transcript = {
            type: "transcript",
            text: part.text,
            language: Language.toIso6391(part.language),
            ...(part.durationInSeconds === undefined ? {} : { duration_seconds: part.durationInSeconds }),
            ...segmentsOf(part.segments),
            usage: usageOf(options, part.usage, part.providerMetadata),
            ...(requestId === undefined ? {} : { request_id: requestId }),
            ...(progress.warnings.length === 0 ? {} : { warnings: [...progress.warnings] }),
            provider_output: jsonValue(progress.body) ??
              jsonValue({ text: part.text, segments: part.segments, language: part.language, duration_in_seconds: part.durationInSeconds })
          }
          return [...delta(rest), transcript]
        }
        default:
          return []
      }
    }
    const ended = Stream.suspend(() => {
      if (progress.finished) return Stream.empty
      const last = progress.errors.at(-1)
      return Stream.fail(
        last === undefined
          ? new ProviderUnavailable({ provider: options.id, detail: "the transcript stream ended without a finish" })
          : toProviderError(context, last, now)
      )
    })
    return parts.pipe(
      Stream.map(step),
      Stream.flattenIterable,
      Stream.concat(ended),
      Stream.mapError((error) => overLimit() ?? error)
    )
  }

  const transcribeStream = (request: SttRequest): Stream.Stream<SttDelta | Transcript, ProviderError> =>
    Stream.unwrap(
      Effect.gen(function*() {
        yield* validate(request)
        const model = yield* models.get(request.model, MODEL_FIELD)
        const doStream = model.doStream?.bind(model)
        if (doStream === undefined) {
          const transcript = yield* transcribe(request)
          return Stream.fromIterable<SttDelta | Transcript>([{ type: "delta", delta: transcript.text }, transcript])
        }
        const settings = yield* settingsOf(options, request, model)
        const audio = yield* streamOf(request.audio, audioContext(request))
        const overLimit = () => (audio.counted().exceeded ? audio.tooLarge() : undefined)
        const { result, parts } = yield* streaming(contextOf(request), (abortSignal) =>
          doStream({
            ...(settings.providerOptions === undefined ? {} : { providerOptions: settings.providerOptions }),
            ...(settings.headers === undefined ? {} : { headers: settings.headers }),
            audio: audio.stream,
            inputAudioFormat: audio.format,
            abortSignal
          })).pipe(Effect.mapError((error) => overLimit() ?? error))
        const now = yield* Clock.currentTimeMillis
        return fromParts(request, result, parts, now, overLimit)
      }).pipe(Effect.withSpan("AiSdk.transcribeStream", { attributes: { provider: options.id, model: request.model } }))
    )

  const anyStreams = models.catalogue === "open" || models.entries.some((m) => m.streaming === true)
  return {
    catalogue: models.catalogue,
    modelPattern: models.pattern,
    validate,
    transcribe,
    ...(anyStreams ? { transcribeStream } : {})
  }
}
