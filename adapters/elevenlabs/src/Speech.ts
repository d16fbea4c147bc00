/**
 * Text to speech through the SDK's `textToSpeech`:
 *
 * - `POST /v1/text-to-speech/{voice_id}/stream`: the audio bytes are passed on as they arrive, so
 *   the first chunk plays before the vendor has finished;
 * - `…/stream/with-timestamps` (`with_timestamps: true`): newline-delimited JSON, each line a
 *   slice of audio in base64 and the alignment of the characters it speaks; the audio is passed
 *   on as it arrives and the alignment becomes the summary's word timings;
 * - `POST /v1/text-to-speech/{voice_id}` (and `…/with-timestamps`) for wav, which the streaming
 *   endpoints do not offer; its body is still passed on as it arrives.
 *
 * The summary carries the characters the vendor billed (`character-cost` header, also
 * `usage.characters`), else the characters sent, and the vendor's `request-id`. Interrupting the
 * stream, before or during the body, aborts the HTTP request.
 *
 * @since 0.1.0
 */
import type { ElevenLabs } from "@elevenlabs/elevenlabs-js"
import {
  acceptsVoice,
  type AudioChunk,
  InputTooLarge,
  InvalidRequest,
  Language,
  mediaTypeOfOutputFormat,
  type ModelInfo,
  type OutputFormat,
  outputFormatNames,
  ProviderUnavailable,
  redactSecrets,
  resolveOutputFormat,
  type SpeechSummary,
  type TtsProvider,
  type TtsRequest,
  type TtsSpec,
  UnknownModel,
  UnsupportedFormat,
  type ValidationError,
  type Word
} from "@patchbay/core"
import { Effect, Schema, Stream } from "effect"
import { checkIso6391, type Client, decodeOptions, optionsField } from "./internal/Client.ts"
import type { FailureContext } from "./internal/Errors.ts"
import { isWav, PROVIDER, withoutLanguageCode } from "./Models.ts"
import { nestedStructs, TtsOptions } from "./Options.ts"
import { type Alignment, AudioWithTimestamps } from "./Wire.ts"

const FIELD = optionsField("tts")

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** A request that passed validation: the model, the format it resolved to and the options. */
export interface ValidTts {
  readonly model: ModelInfo
  readonly format: OutputFormat
  readonly options: TtsOptions
}

const checkLanguage = (model: ModelInfo, field: string, code: string): Effect.Effect<void, InvalidRequest> => {
  if (!Language.isIso6391(code)) return checkIso6391(field, code)
  if (model.languages !== undefined && !model.languages.includes(code)) {
    return Effect.fail(new InvalidRequest({ provider: PROVIDER, field, value: code, allowed: model.languages, reason: `${model.id} does not speak this language` }))
  }
  return Effect.void
}

/**
 * The pure hook: the model (closed catalogue), the voice (an ElevenLabs voice id), the output
 * format (the vendor's id or a generic name), the language, the options and their rules. Also
 * run at the start of `synthesize`.
 */
export const validateWith = (models: ReadonlyArray<ModelInfo>) => (spec: TtsSpec): Effect.Effect<ValidTts, ValidationError> =>
  Effect.gen(function*() {
    const ttsModels = models.filter((m) => m.capability === "tts")
    const model = ttsModels.find((m) => m.id === spec.model)
    if (model === undefined) {
      return yield* new UnknownModel({ provider: PROVIDER, model: spec.model, field: "voice.tts.model", allowed: ttsModels.map((m) => m.id) })
    }
    if (!acceptsVoice(model.voices, spec.voice)) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: "voice.tts.voice",
        value: spec.voice,
        allowed: [...(model.voices?.ids ?? []), ...(model.voices?.pattern === undefined ? [] : [`/${model.voices.pattern}/`])],
        reason: "not an ElevenLabs voice id (20 letters and digits, e.g. \"21m00Tcm4TlvDq8ikWAM\"; list yours with GET /v1/voices)"
      })
    }
    const format = resolveOutputFormat(model, spec.output_format)
    if (format === undefined) {
      return yield* new UnsupportedFormat({
        provider: PROVIDER,
        model: model.id,
        field: "voice.tts.output_format",
        format: spec.output_format ?? "(default)",
        allowed: outputFormatNames(model)
      })
    }
    if (spec.language !== undefined) yield* checkLanguage(model, "voice.tts.language", spec.language)
    const options = yield* decodeOptions(TtsOptions, spec.provider_options, FIELD, nestedStructs)
    if (options.language_code !== undefined) {
      if (withoutLanguageCode.has(model.id)) {
        return yield* new InvalidRequest({
          provider: PROVIDER,
          field: `${FIELD}.language_code`,
          value: options.language_code,
          allowed: models.filter((m) => m.capability === "tts" && !withoutLanguageCode.has(m.id)).map((m) => m.id),
          reason: `${model.id} does not take language_code`
        })
      }
      yield* checkLanguage(model, `${FIELD}.language_code`, options.language_code)
    }
    return { model, format, options }
  })

// ---------------------------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------------------------

/** The SDK's request body (camelCase; the SDK writes the vendor's field names) and any warnings. */
export const sdkRequest = (request: TtsRequest, valid: ValidTts) => {
  const { model, format, options } = valid
  const warnings: Array<string> = []
  let languageCode = options.language_code
  if (languageCode === undefined && request.language !== undefined) {
    if (withoutLanguageCode.has(model.id)) warnings.push(`language ${request.language} is not sent: ${model.id} does not take language_code`)
    else languageCode = request.language
  }
  const previousText = options.previous_text ?? request.previous_text
  const nextText = options.next_text ?? request.next_text
  const settings = options.voice_settings
  const body = {
    text: request.text,
    modelId: model.id,
    outputFormat: format.id,
    ...(languageCode === undefined ? {} : { languageCode }),
    ...(settings === undefined ? {} : {
      voiceSettings: {
        ...(settings.stability === undefined ? {} : { stability: settings.stability }),
        ...(settings.similarity_boost === undefined ? {} : { similarityBoost: settings.similarity_boost }),
        ...(settings.style === undefined ? {} : { style: settings.style }),
        ...(settings.use_speaker_boost === undefined ? {} : { useSpeakerBoost: settings.use_speaker_boost }),
        ...(settings.speed === undefined ? {} : { speed: settings.speed })
      }
    }),
    ...(options.pronunciation_dictionary_locators === undefined ? {} : {
      pronunciationDictionaryLocators: options.pronunciation_dictionary_locators.map((l) => ({
        pronunciationDictionaryId: l.pronunciation_dictionary_id,
        ...(l.version_id === undefined ? {} : { versionId: l.version_id })
      }))
    }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(previousText === undefined ? {} : { previousText }),
    ...(nextText === undefined ? {} : { nextText }),
    ...(options.previous_request_ids === undefined ? {} : { previousRequestIds: [...options.previous_request_ids] }),
    ...(options.next_request_ids === undefined ? {} : { nextRequestIds: [...options.next_request_ids] }),
    ...(options.apply_text_normalization === undefined ? {} : { applyTextNormalization: options.apply_text_normalization }),
    ...(options.apply_language_text_normalization === undefined ? {} : { applyLanguageTextNormalization: options.apply_language_text_normalization }),
    ...(options.enable_logging === undefined ? {} : { enableLogging: options.enable_logging })
  }
  return { body, warnings }
}

/** The request field of each vendor parameter, for errors the vendor reports against one. */
const fieldOfParam = (options: TtsOptions) => (param: string): string => {
  switch (param) {
    case "model_id":
      return "voice.tts.model"
    case "voice_id":
      return "voice.tts.voice"
    case "output_format":
      return "voice.tts.output_format"
    case "text":
      return "text"
    case "language_code":
      return options.language_code === undefined ? "voice.tts.language" : `${FIELD}.language_code`
    default:
      return param in TtsOptions.fields ? `${FIELD}.${param}` : "voice.tts"
  }
}

// ---------------------------------------------------------------------------------------------
// Alignment → word timings
// ---------------------------------------------------------------------------------------------

/** The wire (snake_case) form of the SDK's alignment. */
const toWireAlignment = (a: ElevenLabs.CharacterAlignmentResponseModel): Alignment => ({
  characters: a.characters,
  character_start_times_seconds: a.characterStartTimesSeconds,
  character_end_times_seconds: a.characterEndTimesSeconds
})

/**
 * Joins the alignments of the chunks into one, on the audio's time line. Times are taken as
 * given (from the start of the audio); a chunk whose times start over, before the previous
 * chunk's, is taken as relative to its own start and shifted by the time spoken so far.
 */
export const joinAlignments = (alignments: ReadonlyArray<Alignment>): Alignment => {
  const characters: Array<string> = []
  const starts: Array<number> = []
  const ends: Array<number> = []
  let spoken = 0
  let lastStart = Number.NEGATIVE_INFINITY
  for (const a of alignments) {
    const first = a.character_start_times_seconds[0]
    const offset = first !== undefined && first < lastStart ? spoken : 0
    for (const [i, character] of a.characters.entries()) {
      const start = (a.character_start_times_seconds[i] ?? 0) + offset
      const end = (a.character_end_times_seconds[i] ?? start) + offset
      characters.push(character)
      starts.push(start)
      ends.push(end)
      lastStart = start
      spoken = Math.max(spoken, end)
    }
  }
  return { characters, character_start_times_seconds: starts, character_end_times_seconds: ends }
}

/** Words from a character alignment: runs of non-space characters, from the first one's start to the last one's end. */
export const wordsFromAlignment = (alignment: Alignment): Array<Word> => {
  const words: Array<Word> = []
  let current: { text: string; start: number; end: number } | undefined
  for (const [i, character] of alignment.characters.entries()) {
    if (/^\s*$/.test(character)) {
      if (current !== undefined) words.push({ ...current, type: "word" })
      current = undefined
      continue
    }
    const start = alignment.character_start_times_seconds[i] ?? 0
    const end = alignment.character_end_times_seconds[i] ?? start
    if (current === undefined) current = { text: character, start, end }
    else {
      current.text += character
      current.end = Math.max(current.end, end)
    }
  }
  if (current !== undefined) words.push({ ...current, type: "word" })
  return words
}

// ---------------------------------------------------------------------------------------------
// The summary
// ---------------------------------------------------------------------------------------------

interface Timestamps {
  readonly alignments: Array<Alignment>
  readonly normalized: Array<Alignment>
}

/** The last element: format, billed characters, request id, and the response's metadata (snake_case). */
export const summaryOf = (
  request: TtsRequest,
  format: OutputFormat,
  headers: { get(name: string): string | null },
  warnings: ReadonlyArray<string>,
  timestamps: Timestamps | undefined
): SpeechSummary => {
  const cost = headers.get("character-cost")
  const billed = cost !== null && /^\d+$/.test(cost.trim()) ? Number(cost) : undefined
  const requestId = headers.get("request-id") ?? headers.get("x-request-id") ?? undefined
  const alignment = timestamps === undefined || timestamps.alignments.length === 0 ? undefined : joinAlignments(timestamps.alignments)
  const normalized = timestamps === undefined || timestamps.normalized.length === 0 ? undefined : joinAlignments(timestamps.normalized)
  const words = alignment === undefined ? undefined : wordsFromAlignment(alignment)
  const header = (name: string) => {
    const value = headers.get(name)
    return value === null ? {} : { [name.replaceAll("-", "_")]: value }
  }
  return {
    type: "summary",
    output_format: format.id,
    media_type: mediaTypeOfOutputFormat(format.id),
    characters: billed ?? [...request.text].length,
    ...(words === undefined ? {} : { words }),
    usage: billed === undefined ? {} : { characters: billed },
    ...(requestId === undefined ? {} : { request_id: requestId }),
    ...(warnings.length === 0 ? {} : { warnings }),
    provider_output: {
      ...header("request-id"),
      ...header("history-item-id"),
      ...header("character-cost"),
      ...header("content-type"),
      ...(alignment === undefined ? {} : { alignment }),
      ...(normalized === undefined ? {} : { normalized_alignment: normalized })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The capability
// ---------------------------------------------------------------------------------------------

/** A body that broke half way: retryable, with the request id of the response that was streaming. */
const broken = (headers: Headers) => (cause: unknown) => {
  const requestId = headers.get("request-id") ?? headers.get("x-request-id") ?? undefined
  return new ProviderUnavailable({
    provider: PROVIDER,
    ...(requestId === undefined ? {} : { requestId }),
    detail: redactSecrets(`the audio stream broke: ${cause instanceof Error ? `${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ""}` : String(cause)}`)
  })
}

const decodeBase64 = (base64: string): Uint8Array => new Uint8Array(Buffer.from(base64, "base64"))

const decodeWithTimestamps = Schema.decodeUnknownEffect(AudioWithTimestamps)

type Output = AudioChunk | SpeechSummary

/** The TTS capability over a client and the catalogue. */
export const make = (client: Client, models: ReadonlyArray<ModelInfo>): TtsProvider => {
  const validate = validateWith(models)
  return {
    catalogue: "closed",
    validate: (spec) => Effect.asVoid(validate(spec)),
    synthesize: (request) =>
      Stream.unwrap(Effect.gen(function*() {
        const valid = yield* validate(request)
        const { model, format, options } = valid
        if (request.text.trim() === "") {
          // Nothing to say: the vendor would refuse it, after a round trip.
          return yield* new InvalidRequest({ provider: PROVIDER, field: "text", value: request.text, reason: "there is nothing to say: the text is empty or blank" })
        }
        const characters = [...request.text].length
        const limit = model.max_input_characters
        if (limit !== undefined && characters > limit) {
          return yield* new InputTooLarge({ provider: PROVIDER, model: model.id, field: "text", limit, size: characters })
        }
        // Aborted when the stream ends or is interrupted: the body is read after the call returns.
        const controller = yield* Effect.acquireRelease(Effect.sync(() => new AbortController()), (c) => Effect.sync(() => c.abort()))
        const { body, warnings } = sdkRequest(request, valid)
        const context: FailureContext = {
          capability: "tts",
          model: model.id,
          voice: request.voice,
          characters,
          characterLimit: limit,
          fields: fieldOfParam(options)
        }
        const timestamps = options.with_timestamps === true
        const voice = request.voice
        const summary = (headers: { get(name: string): string | null }, aligned: Timestamps | undefined) =>
          Stream.sync((): Output => summaryOf(request, format, headers, warnings, aligned))
        const audio = (data: Uint8Array): Output => ({ type: "audio", data })

        if (isWav(format.id) && timestamps) {
          // wav with alignment: one JSON object, audio and alignment whole.
          const called = yield* client.call(context, (sdk, signal) =>
            sdk.textToSpeech.convertWithTimestamps(voice, { ...body, outputFormat: format.id as ElevenLabs.TextToSpeechConvertWithTimestampsRequestOutputFormat }, { abortSignal: signal })
              .withRawResponse(), { capture: true, signal: controller.signal })
          const wire = yield* Effect.try({
            try: () => JSON.parse(called.body ?? "null") as unknown,
            catch: () => new ProviderUnavailable({ provider: PROVIDER, detail: "the response is not JSON" })
          }).pipe(
            Effect.flatMap(decodeWithTimestamps),
            Effect.mapError((e) => new ProviderUnavailable({ provider: PROVIDER, detail: `unexpected response: ${e.message}` }))
          )
          const aligned: Timestamps = {
            alignments: wire.alignment == null ? [] : [wire.alignment],
            normalized: wire.normalized_alignment == null ? [] : [wire.normalized_alignment]
          }
          return Stream.concat(Stream.make(audio(decodeBase64(wire.audio_base64))), summary(called.value.rawResponse.headers, aligned))
        }

        if (timestamps) {
          const called = yield* client.call(context, (sdk, signal) =>
            sdk.textToSpeech.streamWithTimestamps(voice, { ...body, outputFormat: format.id as ElevenLabs.TextToSpeechStreamWithTimestampsRequestOutputFormat }, { abortSignal: signal })
              .withRawResponse(), { signal: controller.signal })
          const aligned: Timestamps = { alignments: [], normalized: [] }
          const chunks = Stream.fromAsyncIterable(called.value.data, broken(called.value.rawResponse.headers)).pipe(
            Stream.map((line) => {
              if (line.alignment != null) aligned.alignments.push(toWireAlignment(line.alignment))
              if (line.normalizedAlignment != null) aligned.normalized.push(toWireAlignment(line.normalizedAlignment))
              return decodeBase64(line.audioBase64 ?? "")
            }),
            Stream.filter((data) => data.byteLength > 0),
            Stream.map(audio)
          )
          return Stream.concat(chunks, summary(called.value.rawResponse.headers, aligned))
        }

        const called = yield* client.call(context, (sdk, signal) =>
          isWav(format.id)
            ? sdk.textToSpeech.convert(voice, { ...body, outputFormat: format.id as ElevenLabs.TextToSpeechConvertRequestOutputFormat }, { abortSignal: signal })
              .withRawResponse()
            : sdk.textToSpeech.stream(voice, { ...body, outputFormat: format.id as ElevenLabs.TextToSpeechStreamRequestOutputFormat }, { abortSignal: signal })
              .withRawResponse(), { signal: controller.signal })
        const chunks = Stream.fromReadableStream({ evaluate: () => called.value.data, onError: broken(called.value.rawResponse.headers) }).pipe(
          Stream.filter((data) => data.byteLength > 0),
          Stream.map(audio)
        )
        return Stream.concat(chunks, summary(called.value.rawResponse.headers, undefined))
      }).pipe(Effect.withSpan("ElevenLabs.synthesize")))
  }
}
