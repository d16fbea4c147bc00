/**
 * `SpeechModel` → `TtsProvider`: a model that implements the AI SDK's experimental streaming
 * speech interface (`doStream`) streams its audio chunks as they arrive; any other model's
 * `doGenerate` audio is one chunk. Either way the stream ends with the summary: the format
 * the bytes are in (read from the bytes where they have a header), the characters billed (the
 * vendor's count, else the text's), the usage and warnings.
 *
 * @since 0.1.0
 */
import type {
  Experimental_SpeechModelV4StreamPart as SpeechStreamPart,
  Experimental_StreamingSpeechModelV4 as StreamingSpeechModel,
  SharedV4AudioFormat
} from "@ai-sdk/provider"
import {
  acceptsVoice,
  type AudioChunk,
  Audio,
  combineUsage,
  GenericOutputFormat,
  InvalidRequest,
  mediaTypeOfOutputFormat,
  type ModelInfo,
  outputFormatNames,
  type ProviderError,
  ProviderUnavailable,
  resolveOutputFormat,
  type SpeechSummary,
  type TtsProvider,
  type TtsRequest,
  type TtsSpec,
  UnsupportedFormat,
  type Usage,
  type ValidationError
} from "@patchbay/core"
import { Clock, Effect, Schema, Stream } from "effect"
import { once, recordSharedPart, streaming } from "./internal/Calls.ts"
import { type Models, optionsKey } from "./internal/Models.ts"
import { type AiSdkOptions, passThrough, type SettingsHook, type SpeechModel, type TtsCallSettings } from "./Options.ts"
import { type ErrorContext, jsonValue, requestIdOf, toBytes, toProviderError, usageFromJson, usageOf, warningText } from "./Wire.ts"

const MODEL_FIELD = "voice.tts.model"
const optionsField = (id: string) => `voice.tts.provider_options.${id}`

/** Whether a speech model implements the experimental streaming interface. */
export const streams = (model: SpeechModel): model is SpeechModel & StreamingSpeechModel =>
  typeof (model as Partial<StreamingSpeechModel>).doStream === "function"

const settingsOf = (options: AiSdkOptions, spec: TtsSpec, model: SpeechModel | undefined): Effect.Effect<TtsCallSettings, ValidationError> => {
  const hook: SettingsHook<TtsSpec, TtsCallSettings> = options.settings?.tts ?? passThrough
  return hook(spec, {
    key: model === undefined ? options.providerOptionsKey ?? options.id : optionsKey(options, model),
    field: optionsField(options.id)
  })
}

const isGeneric = Schema.is(GenericOutputFormat)

/** The generic family of a format id: the catalogue's entry, else the id's prefix (`pcm_24000` → `pcm`). */
const familyOf = (info: ModelInfo | undefined, id: string): GenericOutputFormat | undefined => {
  const entry = info === undefined ? undefined : resolveOutputFormat(info, id)
  if (entry !== undefined) return entry.format
  const prefix = id.split("_")[0] ?? id
  return isGeneric(prefix) ? prefix : undefined
}

/** The streaming interface's names for the headerless formats; the others are the usual media types. */
const streamTypes: Partial<Record<GenericOutputFormat, string>> = { pcm: "audio/pcm", ulaw: "audio/pcmu", alaw: "audio/pcma" }
const streamTypeOf = (family: GenericOutputFormat): string => streamTypes[family] ?? mediaTypeOfOutputFormat(family)

/** A format id as the streaming interface's audio format (`pcm_24000` → `{ type: "audio/pcm", rate: 24000 }`). */
export const audioFormatOf = (info: ModelInfo | undefined, id: string): SharedV4AudioFormat | undefined => {
  const family = familyOf(info, id)
  if (family === undefined) return undefined
  const entry = info === undefined ? undefined : resolveOutputFormat(info, id)
  const rate = entry?.sample_rate ?? Number(/_(\d{4,6})(?:_|$)/.exec(id)?.[1] ?? Number.NaN)
  return Number.isFinite(rate) ? { type: streamTypeOf(family), rate } : { type: streamTypeOf(family) }
}

/** How the produced bytes are labelled: by their header when they have one, else by the requested format. */
const labelOf = (
  info: ModelInfo | undefined,
  requested: string | undefined,
  bytes: Uint8Array,
  declaredType: string | undefined
): { readonly output_format: string; readonly media_type: string; readonly warning?: string } => {
  const sniffed = Audio.sniff(bytes)
  const family = requested === undefined ? undefined : familyOf(info, requested)
  if (sniffed !== undefined) {
    const matches = family === undefined || family === sniffed.container || (family === "opus" && sniffed.container === "ogg")
    if (requested !== undefined && matches) return { output_format: requested, media_type: sniffed.media_type }
    return {
      output_format: sniffed.container,
      media_type: sniffed.media_type,
      ...(requested === undefined ? {} : { warning: `${requested} was requested but the model produced ${sniffed.container}` })
    }
  }
  if (requested !== undefined) return { output_format: requested, media_type: mediaTypeOfOutputFormat(family ?? requested) }
  const container = declaredType === undefined ? undefined : Audio.containerOfMediaType(declaredType)
  if (container !== undefined) return { output_format: container, media_type: Audio.mediaTypeOf(container) }
  return { output_format: "unknown", media_type: "application/octet-stream", warning: "the audio's format could not be determined" }
}

/** The TTS capability over the bridge's speech models. */
export const make = (options: AiSdkOptions, models: Models<SpeechModel>): TtsProvider => {
  const validate = (spec: TtsSpec): Effect.Effect<void, ValidationError> =>
    Effect.gen(function*() {
      yield* models.check(spec.model, MODEL_FIELD)
      const info = models.info(spec.model)
      if (info?.voices !== undefined && !acceptsVoice(info.voices, spec.voice)) {
        return yield* new InvalidRequest({
          provider: options.id,
          field: "voice.tts.voice",
          value: spec.voice,
          allowed: [...(info.voices.ids ?? []), ...(info.voices.pattern === undefined ? [] : [`/${info.voices.pattern}/`])],
          reason: `${spec.model} has no voice ${JSON.stringify(spec.voice)}`
        })
      }
      if (info?.output_formats !== undefined && spec.output_format !== undefined && resolveOutputFormat(info, spec.output_format) === undefined) {
        return yield* new UnsupportedFormat({
          provider: options.id,
          model: spec.model,
          field: "voice.tts.output_format",
          format: spec.output_format,
          allowed: outputFormatNames(info)
        })
      }
      yield* settingsOf(options, spec, models.peek(spec.model))
    })

  const synthesize = (request: TtsRequest): Stream.Stream<AudioChunk | SpeechSummary, ProviderError> =>
    Stream.unwrap(
      Effect.gen(function*() {
        yield* validate(request)
        if (request.text.trim() === "") {
          // Nothing to say: refused here, before the model is called.
          return yield* new InvalidRequest({ provider: options.id, field: "text", value: request.text, reason: "there is nothing to say: the text is empty or blank" })
        }
        const model = yield* models.get(request.model, MODEL_FIELD)
        const settings = yield* settingsOf(options, request, model)
        const info = models.info(request.model)
        const requested = request.output_format ?? info?.default_output_format
        const context: ErrorContext = {
          provider: options.id,
          model: request.model,
          field: "text",
          optionsField: optionsField(options.id),
          modelField: MODEL_FIELD,
          vendor: options.errors
        }
        const characters = [...request.text].length
        const usageOfRaw = (raw: unknown, providerMetadata: unknown, billed: number | undefined): Usage => {
          const base = combineUsage(usageFromJson(raw), usageOf({ characters: billed }))
          const extra = options.usage?.({ capability: "tts", providerMetadata: providerMetadata as Readonly<Record<string, unknown>> | undefined, raw })
          return extra?.cost_usd === undefined ? base : combineUsage(base, { cost_usd: extra.cost_usd })
        }
        const common = {
          ...(request.voice === "" ? {} : { voice: request.voice }),
          ...(request.language === undefined ? {} : { language: request.language })
        }

        if (!streams(model)) {
          const result = yield* once(context, (abortSignal) =>
            model.doGenerate({ ...common, ...(requested === undefined ? {} : { outputFormat: requested }), ...settings, text: request.text, abortSignal }))
          const data = toBytes(result.audio)
          const label = labelOf(info, requested, data, undefined)
          const warnings = [...result.warnings.map(warningText), ...(label.warning === undefined ? [] : [label.warning])]
          const usage = usageOfRaw(result.usage, result.providerMetadata, undefined)
          const requestId = requestIdOf(result.response.headers)
          const summary: SpeechSummary = {
            type: "summary",
            output_format: label.output_format,
            media_type: label.media_type,
            characters: usage.characters ?? characters,
            usage,
            ...(requestId === undefined ? {} : { request_id: requestId }),
            ...(warnings.length === 0 ? {} : { warnings }),
            provider_output: jsonValue(result.response.body) ?? jsonValue({ model_id: result.response.modelId, headers: result.response.headers })
          }
          return Stream.fromIterable<AudioChunk | SpeechSummary>([{ type: "audio", data }, summary])
        }

        const outputFormat = requested === undefined ? undefined : audioFormatOf(info, requested)
        const text = new ReadableStream({
          start(controller) {
            controller.enqueue({ type: "text" as const, text: request.text })
            controller.close()
          }
        })
        // The streaming call takes the format as an audio format, resolved above; the rest carries over.
        const { outputFormat: _named, ...streamSettings } = settings
        const { result, parts } = yield* streaming(context, (abortSignal) =>
          model.doStream({
            ...common,
            ...streamSettings,
            ...(outputFormat === undefined ? {} : { outputFormat }),
            text,
            abortSignal
          }))
        const now = yield* Clock.currentTimeMillis
        const progress = {
          head: undefined as Uint8Array | undefined,
          declared: undefined as string | undefined,
          warnings: [] as Array<string>,
          errors: [] as Array<unknown>,
          headers: result.response?.headers,
          body: result.response?.body,
          finished: false
        }
        const step = (part: SpeechStreamPart): ReadonlyArray<AudioChunk | SpeechSummary> => {
          switch (part.type) {
            case "stream-start":
              progress.warnings.push(...part.warnings.map(warningText))
              return []
            case "audio": {
              const data = toBytes(part.audio)
              if (data.byteLength === 0) return []
              progress.head ??= data
              progress.declared ??= part.audioFormat.type
              return [{ type: "audio", data }]
            }
            case "response-metadata":
            case "error":
              recordSharedPart(progress, part, context, now)
              return []
            case "finish": {
              progress.finished = true
              const label = labelOf(info, requested, progress.head ?? new Uint8Array(), progress.declared)
              const billed = part.usage?.inputCharacters
              const usage = combineUsage(
                usageOfRaw(part.usage?.raw, part.providerMetadata, billed),
                usageOf({ input_tokens: part.usage?.inputTokens, output_tokens: part.usage?.outputTokens })
              )
              const warnings = [...progress.warnings, ...(label.warning === undefined ? [] : [label.warning])]
              const requestId = requestIdOf(progress.headers)
              return [{
                type: "summary",
                output_format: label.output_format,
                media_type: label.media_type,
                characters: billed ?? characters,
                usage,
                ...(requestId === undefined ? {} : { request_id: requestId }),
                ...(warnings.length === 0 ? {} : { warnings }),
                provider_output: jsonValue(progress.body) ?? (part.usage?.raw === undefined ? null : jsonValue({ usage: part.usage.raw }))
              }]
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
              ? new ProviderUnavailable({ provider: options.id, detail: "the speech stream ended without a finish" })
              : toProviderError(context, last, now)
          )
        })
        return parts.pipe(Stream.map(step), Stream.flattenIterable, Stream.concat(ended))
      }).pipe(Effect.withSpan("AiSdk.synthesize", { attributes: { provider: options.id, model: request.model } }))
    )

  return { catalogue: models.catalogue, modelPattern: models.pattern, validate, synthesize }
}
