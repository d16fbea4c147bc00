/**
 * Speech to text: `POST /audio/transcriptions`, a multipart upload. The audio goes up without
 * being held in memory (a file as a `Blob`, a stream of unknown length streamed and counted
 * against the 26,214,400-byte limit as it uploads). Each model gets exactly the options it
 * supports, checked by the pure {@link validate} hook before any request.
 *
 * The answer is normalized into a `Transcript`: `verbose_json`'s language name (`"english"`)
 * becomes ISO 639-1 (`"en"`), its words and segments are kept, `diarized_json`'s segments fill
 * segments and speakers, `srt`/`vtt` cues become segments, and both usage shapes — tokens, or
 * seconds of audio — become `Usage`. `transcribeStream` streams `transcript.text.delta` events
 * where the model streams (the gpt-4o transcribe models and the diarize model).
 *
 * @since 0.1.0
 */
import {
  AudioInput,
  InputTooLarge,
  InvalidRequest,
  Language,
  type ModelInfo,
  type ProviderError,
  ProviderUnavailable,
  type Segment,
  type Speaker,
  type SttDelta,
  type SttProvider,
  type SttRequest,
  type SttSpec,
  type Transcript,
  UnknownModel,
  type Usage,
  Validation,
  type ValidationError,
  type Word
} from "@patchbay/core"
import { requestIdOf, responseBytes, sseEvents } from "@patchbay/core/adapter"
import { Effect, Option, Schema, Stream } from "effect"
import type OpenAI from "openai"
import { toStreamingFile, type Uploadable } from "openai"
import type { TranscriptionCreateParamsNonStreaming } from "openai/resources/audio/transcriptions"
import { type Client, decodeOptions } from "./internal/Client.ts"
import { fromStreamError, optionField } from "./internal/Errors.ts"
import { parseSubtitles } from "./internal/Subtitles.ts"
import {
  idsOf,
  isSttModel,
  MAX_UPLOAD_BYTES,
  modelsOf,
  PROVIDER,
  type SttModel,
  sttFeatures,
  type TranscriptionFormat
} from "./Models.ts"
import { SttOptions } from "./Options.ts"
import {
  type DiarizedSegment,
  ErrorBody,
  TranscriptionDiarizedJson,
  type TranscriptionDiarizedJson as DiarizedJson,
  TranscriptionJson,
  type TranscriptionJson as Json,
  TranscriptionStreamEvent,
  type TranscriptionUsage,
  TranscriptionVerboseJson,
  type TranscriptionVerboseJson as VerboseJson,
  type TranscriptTextDone
} from "./Wire.ts"

const field = (name: string) => optionField("stt", name)

/** A request that passed {@link validate}: the model, its options, and the response format to ask for. */
export interface ValidTranscription {
  readonly model: SttModel
  readonly info: ModelInfo
  readonly options: SttOptions
  readonly format: TranscriptionFormat
}

const refuse = (name: string, value: unknown, reason: string, allowed?: ReadonlyArray<string>) =>
  Effect.fail(
    new InvalidRequest({ provider: PROVIDER, field: field(name), value, reason, ...(allowed === undefined ? {} : { allowed }) })
  )

/**
 * The model-dependent rules of the options (the spec's model matrix). Returns the response
 * format to ask for: the request's, else the model's default.
 */
const checkOptions = (model: SttModel, options: SttOptions): Effect.Effect<TranscriptionFormat, InvalidRequest> =>
  Effect.gen(function*() {
    const features = sttFeatures[model]
    const format = options.response_format ?? features.defaultFormat
    if (!features.responseFormats.includes(format)) {
      return yield* refuse("response_format", format, `${model} does not return ${JSON.stringify(format)}`, features.responseFormats)
    }
    if (options.timestamp_granularities !== undefined) {
      if (!features.timestamps) {
        return yield* refuse("timestamp_granularities", options.timestamp_granularities, `${model} returns no timestamps; whisper-1 does, with response_format "verbose_json"`)
      }
      if (format !== "verbose_json") {
        return yield* refuse("timestamp_granularities", options.timestamp_granularities, `timestamps come only with response_format "verbose_json" (the request asks for ${JSON.stringify(format)})`)
      }
    }
    if (options.temperature !== undefined && (options.temperature < 0 || options.temperature > 1)) {
      return yield* refuse("temperature", options.temperature, "the temperature must be between 0 and 1", ["0 to 1"])
    }
    if (options.prompt !== undefined && !features.prompt) {
      return yield* refuse("prompt", options.prompt, `${model} takes no prompt`)
    }
    if (options.include !== undefined && options.include.length > 0) {
      if (!features.logprobs) {
        return yield* refuse("include", options.include, `${model} returns no logprobs; the gpt-4o transcribe models do, with response_format "json"`)
      }
      if (format !== "json") {
        return yield* refuse("include", options.include, `logprobs come only with response_format "json" (the request asks for ${JSON.stringify(format)})`)
      }
    }
    if (features.diarization && options.chunking_strategy !== undefined && options.chunking_strategy !== "auto") {
      return yield* refuse("chunking_strategy", options.chunking_strategy, `${model} always uses chunking_strategy "auto"`, ["auto"])
    }
    for (const name of ["known_speaker_names", "known_speaker_references"] as const) {
      if (options[name] !== undefined && !features.diarization) {
        return yield* refuse(name, options[name], `${model} does not label speakers; gpt-4o-transcribe-diarize does`)
      }
    }
    const names = options.known_speaker_names?.length ?? 0
    const references = options.known_speaker_references?.length ?? 0
    if (names !== references) {
      return yield* refuse(
        names > references ? "known_speaker_references" : "known_speaker_names",
        names > references ? options.known_speaker_references : options.known_speaker_names,
        `known_speaker_names and known_speaker_references pair up: ${names} name(s), ${references} reference(s)`
      )
    }
    for (const name of ["languages", "keywords"] as const) {
      if (options[name] !== undefined && !features.hints) {
        return yield* refuse(name, options[name], `${model} takes no ${name}; gpt-transcribe does`)
      }
    }
    const badLanguage = (options.languages ?? []).findIndex((code) => !Language.isIso6391(code))
    if (badLanguage !== -1) {
      return yield* Effect.fail(
        new InvalidRequest({
          provider: PROVIDER,
          field: `${field("languages")}[${badLanguage}]`,
          value: options.languages?.[badLanguage],
          reason: "expected an ISO 639-1 code such as \"en\""
        })
      )
    }
    return format
  })

/**
 * The pure hook: the model against the closed catalogue, the language, the audio's container and
 * size, the options' shapes, then the model's rules. No I/O.
 */
export const validate = (spec: SttSpec): Effect.Effect<ValidTranscription, ValidationError> =>
  Effect.gen(function*() {
    const model = spec.model
    if (!isSttModel(model)) {
      return yield* new UnknownModel({ provider: PROVIDER, model, field: "voice.stt.model", allowed: idsOf("stt") })
    }
    const info = modelsOf("stt").find((m) => m.id === model) as ModelInfo
    if (spec.language !== undefined && !Language.isIso6391(spec.language)) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: "voice.stt.language",
        value: spec.language,
        reason: "expected an ISO 639-1 code such as \"en\""
      })
    }
    yield* Validation.checkAudio(info, spec.audio)
    const options = yield* decodeOptions(SttOptions, "stt", spec.provider_options)
    const format = yield* checkOptions(model, options)
    return { model, info, options, format }
  })

// ---------------------------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------------------------

/** Counts an upload of unknown length; past the limit the stream errors and `exceeded` says why. */
const counting = (source: ReadableStream<Uint8Array>) => {
  const state = { bytes: 0, exceeded: false }
  const stream = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        state.bytes += chunk.byteLength
        if (state.bytes > MAX_UPLOAD_BYTES) {
          state.exceeded = true
          controller.error(new Error(`the audio passed OpenAI's limit of ${MAX_UPLOAD_BYTES} bytes`))
          return
        }
        controller.enqueue(chunk)
      }
    })
  )
  return { state, stream }
}

/** The upload: a file or Blob by reference (never buffered); a stream of unknown length streamed and counted. */
const uploadOf = (audio: AudioInput.AudioInput) => {
  const type = AudioInput.mediaTypeFor(audio)
  if (!audio.once) {
    return { state: undefined, file: async (): Promise<Uploadable> => new File([await audio.blob()], audio.filename, { type }) }
  }
  const counted = counting(audio.stream())
  return { state: counted.state, file: async (): Promise<Uploadable> => toStreamingFile(counted.stream, audio.filename, { type }) }
}

/** The multipart fields besides the file, by the vendor's names (arrays become `name[]` parts). */
const fieldsOf = (request: SttRequest, valid: ValidTranscription) => {
  const { options, format } = valid
  const chunking = options.chunking_strategy ?? (sttFeatures[valid.model].diarization ? "auto" : undefined)
  return {
    model: request.model,
    response_format: format,
    ...(request.language === undefined ? {} : { language: request.language }),
    ...(options.prompt === undefined ? {} : { prompt: options.prompt }),
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.timestamp_granularities === undefined ? {} : { timestamp_granularities: [...options.timestamp_granularities] }),
    ...(options.include === undefined ? {} : { include: [...options.include] }),
    ...(chunking === undefined ? {} : { chunking_strategy: chunking }),
    ...(options.known_speaker_names === undefined ? {} : { known_speaker_names: [...options.known_speaker_names] }),
    ...(options.known_speaker_references === undefined ? {} : { known_speaker_references: [...options.known_speaker_references] }),
    ...(options.languages === undefined ? {} : { languages: [...options.languages] }),
    ...(options.keywords === undefined ? {} : { keywords: [...options.keywords] })
  }
}

/** Sends the request with the call's signal; returns the raw response (its body not yet read). */
const send = (sdk: OpenAI, request: SttRequest, valid: ValidTranscription, stream: boolean, signal: AbortSignal, file: Uploadable) =>
  sdk.audio.transcriptions
    .create({ ...fieldsOf(request, valid), file, ...(stream ? { stream: true } : {}) } as unknown as TranscriptionCreateParamsNonStreaming, { signal })
    .asResponse()

// ---------------------------------------------------------------------------------------------
// Normalization
// ---------------------------------------------------------------------------------------------

/** Both usage shapes into `Usage`: tokens (the gpt-4o models), or seconds of audio (whisper-1, diarize). */
export const usageOf = (usage: TranscriptionUsage | null | undefined): Usage => {
  if (usage === null || usage === undefined) return {}
  if (usage.type === "duration") return { audio_seconds: usage.seconds }
  const audio = usage.input_token_details?.audio_tokens
  return {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    total_tokens: usage.total_tokens,
    ...(audio === null || audio === undefined ? {} : { audio_tokens: audio })
  }
}

/** The language of `gpt-transcribe`'s `languages`, when exactly one was detected. */
const detected = (languages: ReadonlyArray<{ readonly code: string }> | null | undefined): string | null =>
  languages?.length === 1 ? Language.toIso6391(languages[0]?.code) : null

/** The speakers of diarized segments, in order of first appearance, with the seconds each spoke. */
export const speakersOf = (segments: ReadonlyArray<Segment>): ReadonlyArray<Speaker> => {
  const spoken = new Map<string, number>()
  for (const s of segments) {
    if (s.speaker !== undefined) spoken.set(s.speaker, (spoken.get(s.speaker) ?? 0) + Math.max(0, s.end - s.start))
  }
  return [...spoken].map(([id, seconds]) => ({ id, speaking_seconds: Math.round(seconds * 1000) / 1000 }))
}

const diarizedSegment = (s: DiarizedSegment): Segment => ({ text: s.text.trim(), start: s.start, end: s.end, speaker: s.speaker })

interface Answer {
  readonly body: unknown
  readonly requestId: string | undefined
}

const base = (answer: Answer) => ({
  type: "transcript" as const,
  ...(answer.requestId === undefined ? {} : { request_id: answer.requestId }),
  provider_output: answer.body
})

const fromJson = (wire: Json, answer: Answer): Transcript => ({
  ...base(answer),
  text: wire.text,
  language: detected(wire.languages),
  usage: usageOf(wire.usage)
})

const fromVerbose = (wire: VerboseJson, answer: Answer): Transcript => {
  const words = wire.words?.map((w): Word => ({ text: w.word, start: w.start, end: w.end, type: "word" }))
  const segments = wire.segments?.map((s): Segment => ({ text: s.text.trim(), start: s.start, end: s.end }))
  return {
    ...base(answer),
    text: wire.text,
    language: Language.toIso6391(wire.language),
    duration_seconds: wire.duration,
    ...(words === undefined ? {} : { words }),
    ...(segments === undefined ? {} : { segments }),
    usage: usageOf(wire.usage)
  }
}

const fromDiarized = (wire: DiarizedJson, answer: Answer): Transcript => {
  const segments = wire.segments.map(diarizedSegment)
  return {
    ...base(answer),
    text: wire.text,
    language: null,
    duration_seconds: wire.duration,
    segments,
    speakers: speakersOf(segments),
    usage: usageOf(wire.usage)
  }
}

const fromText = (text: string, format: "text" | "srt" | "vtt", answer: Answer): Transcript => {
  if (format === "text") return { ...base(answer), text: text.trim(), language: null, usage: {} }
  const segments = parseSubtitles(text)
  return { ...base(answer), text: segments.map((s) => s.text).join(" "), language: null, segments, usage: {} }
}

const unexpected = (detail: string, requestId: string | undefined) =>
  new ProviderUnavailable({
    provider: PROVIDER,
    ...(requestId === undefined ? {} : { requestId }),
    detail: `unexpected transcription response: ${detail}`
  })

const decodeAs = <S extends Schema.Decoder<unknown>>(schema: S, body: unknown, requestId: string | undefined) =>
  Schema.decodeUnknownEffect(schema)(body).pipe(Effect.mapError((e) => unexpected(e.message, requestId))) as Effect.Effect<S["Type"], ProviderUnavailable>

/** Normalizes a response body of the given format. */
const toTranscript = (format: TranscriptionFormat, text: string, requestId: string | undefined): Effect.Effect<Transcript, ProviderUnavailable> =>
  Effect.gen(function*() {
    if (format === "text" || format === "srt" || format === "vtt") return fromText(text, format, { body: text, requestId })
    const body = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => unexpected(`not JSON: ${text.slice(0, 200)}`, requestId) })
    const answer = { body, requestId }
    switch (format) {
      case "verbose_json":
        return fromVerbose(yield* decodeAs(TranscriptionVerboseJson, body, requestId), answer)
      case "diarized_json":
        return fromDiarized(yield* decodeAs(TranscriptionDiarizedJson, body, requestId), answer)
      case "json":
        return fromJson(yield* decodeAs(TranscriptionJson, body, requestId), answer)
    }
  })

// ---------------------------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------------------------

const decodeEvent = Schema.decodeUnknownOption(TranscriptionStreamEvent)
const decodeError = Schema.decodeUnknownOption(ErrorBody)

/** Reads `transcript.text.delta` / `.segment` / `.done` events into deltas, then the whole transcript. */
const fromEvents = (response: Response): Stream.Stream<SttDelta | Transcript, ProviderError> => {
  const requestId = requestIdOf(response.headers)
  const segments: Array<Segment> = []
  let done: { readonly event: TranscriptTextDone; readonly body: unknown } | undefined
  const deltas = sseEvents(responseBytes(PROVIDER, response, "transcription"), { provider: PROVIDER }).pipe(
    Stream.takeWhile((e) => e.data !== "[DONE]" && done === undefined),
    Stream.mapEffect((e): Effect.Effect<ReadonlyArray<SttDelta>, ProviderError> => {
      const parsed = Option.getOrUndefined(Option.liftThrowable(JSON.parse)(e.data))
      if (parsed === undefined) return Effect.fail(unexpected(`an event that is not JSON: ${e.data.slice(0, 200)}`, requestId))
      const failure = Option.getOrUndefined(decodeError(parsed))
      if (failure !== undefined) return Effect.fail(fromStreamError(failure.error, requestId, "stt"))
      const event = Option.getOrUndefined(decodeEvent(parsed))
      if (event === undefined) return Effect.succeed([]) // an event type this adapter does not know
      switch (event.type) {
        case "transcript.text.delta":
          return Effect.succeed(event.delta === "" ? [] : [{ type: "delta", delta: event.delta }])
        case "transcript.text.segment":
          segments.push(diarizedSegment(event))
          return Effect.succeed([])
        case "transcript.text.done":
          done = { event, body: parsed }
          return Effect.succeed([])
      }
    }),
    Stream.flattenIterable
  )
  const final = Stream.suspend((): Stream.Stream<Transcript, ProviderUnavailable> => {
    if (done === undefined) {
      return Stream.fail(unexpected("the stream ended before transcript.text.done", requestId))
    }
    const { event, body } = done
    return Stream.succeed({
      ...base({ body, requestId }),
      text: event.text,
      language: detected(event.languages),
      ...(segments.length === 0 ? {} : { segments, speakers: speakersOf(segments) }),
      usage: usageOf(event.usage)
    })
  })
  return Stream.concat(deltas, final)
}

// ---------------------------------------------------------------------------------------------
// The capability
// ---------------------------------------------------------------------------------------------

/** The STT capability over a client. */
export const make = (client: Client): SttProvider => {
  const context = (request: SttRequest) => ({ capability: "stt" as const, model: request.model, size: request.audio.size })

  /** Maps a failure, or `InputTooLarge` when a stream of unknown length passed the limit on the way. */
  const overLimit = (request: SttRequest, state: { readonly bytes: number; readonly exceeded: boolean } | undefined) =>
    (error: ProviderError): ProviderError =>
      state?.exceeded === true
        ? new InputTooLarge({ provider: PROVIDER, model: request.model, field: "audio_file", limit: MAX_UPLOAD_BYTES, size: state.bytes })
        : error

  /** One request with a validated request, the whole transcript back. */
  const transcribeValid = Effect.fn("OpenAI.transcribe")(function*(request: SttRequest, valid: ValidTranscription) {
    const upload = uploadOf(request.audio)
    const { response, text } = yield* client.call(context(request), async (sdk, signal) => {
      const response = await send(sdk, request, valid, false, signal, await upload.file())
      return { response, text: await response.text() }
    }).pipe(Effect.mapError(overLimit(request, upload.state)))
    return yield* toTranscript(valid.format, text, requestIdOf(response.headers))
  })
  const validateRequest = (request: SttRequest) => validate({ ...request, audio: { size: request.audio.size, container: request.audio.container } })
  const transcribe = (request: SttRequest) => Effect.flatMap(validateRequest(request), (valid) => transcribeValid(request, valid))

  const transcribeStream = (request: SttRequest): Stream.Stream<SttDelta | Transcript, ProviderError> =>
    Stream.unwrap(Effect.gen(function*() {
      const valid = yield* validateRequest(request)
      const streams = sttFeatures[valid.model].streaming && (valid.format === "json" || valid.format === "diarized_json")
      if (!streams) {
        // whisper-1 ignores `stream`: one request, then the whole text as one delta.
        return Stream.fromEffect(transcribeValid(request, valid)).pipe(
          Stream.flatMap((t) => Stream.make<[SttDelta, Transcript]>({ type: "delta", delta: t.text }, t))
        )
      }
      const upload = uploadOf(request.audio)
      const response = yield* client.open(context(request), async (sdk, signal) =>
        send(sdk, request, valid, true, signal, await upload.file())).pipe(Effect.mapError(overLimit(request, upload.state)))
      return fromEvents(response).pipe(Stream.mapError(overLimit(request, upload.state)))
    }).pipe(Effect.withSpan("OpenAI.transcribeStream")))

  return {
    catalogue: "closed",
    validate: (spec) => Effect.asVoid(validate(spec)),
    transcribe,
    transcribeStream
  }
}
