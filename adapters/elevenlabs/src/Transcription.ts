/**
 * Speech to text with Scribe: `POST /v1/speech-to-text` (multipart) through the SDK's
 * `speechToText.convert`, answered with one JSON transcript.
 *
 * - **The upload never sits in memory.** The SDK reads a stream or a file path whole before
 *   uploading; only a `Blob` passes through. A file becomes `fs.openAsBlob` (core's
 *   `AudioInput.blob()`), bytes and Blobs are passed as they are, and a one-shot stream of
 *   unknown length is spooled to a temporary file first (counted against the limit on the way,
 *   so an over-limit stream fails before any request), then uploaded from disk.
 * - **Words, segments, speakers.** Every entry of `words` (type `word`, `spacing` or
 *   `audio_event`, with times, `speaker_id` and `logprob`) becomes a word; segments are the
 *   speaker turns, cut at the end of each sentence; speakers are the ids in order of appearance
 *   with the time they spoke. `language_code` (ISO 639-3, `eng`) is normalized to ISO 639-1.
 * - `provider_output` is the response body exactly as the vendor sent it.
 *
 * @since 0.1.0
 */
import {
  AudioInput,
  InvalidRequest,
  Language,
  type ModelInfo,
  ProviderUnavailable,
  type Segment,
  type Speaker,
  type SttProvider,
  type SttRequest,
  type SttSpec,
  type Transcript,
  UnknownModel,
  type ValidationError,
  Validation,
  type Word
} from "@patchbay/core"
import { spoolToFile } from "@patchbay/core/adapter"
import { Effect, Schema } from "effect"
import { checkIso6391, type Client, decodeOptions, type ElevenLabsOptions, optionsField } from "./internal/Client.ts"
import type { FailureContext } from "./internal/Errors.ts"
import { PROVIDER, withKeyterms } from "./Models.ts"
import { SttOptions } from "./Options.ts"
import { SttResponse, type SttWord } from "./Wire.ts"

const FIELD = optionsField("stt")

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const invalid = (name: string, value: unknown, reason: string, allowed?: ReadonlyArray<string>) =>
  new InvalidRequest({ provider: PROVIDER, field: `${FIELD}.${name}`, value, reason, ...(allowed === undefined ? {} : { allowed }) })

const KEYTERM_FORBIDDEN = /[<>{}[\]\\]/

/** The rules between options and the model, after each option decoded on its own. */
const checkRules = (model: string, options: SttOptions): Effect.Effect<void, InvalidRequest> =>
  Effect.gen(function*() {
    const v2Only = [...withKeyterms]
    if (options.keyterms !== undefined && !withKeyterms.has(model)) {
      return yield* invalid("keyterms", options.keyterms, `keyterms is only supported by scribe_v2, not ${model}`, v2Only)
    }
    if (options.no_verbatim !== undefined && !withKeyterms.has(model)) {
      return yield* invalid("no_verbatim", options.no_verbatim, `no_verbatim is only supported by scribe_v2, not ${model}`, v2Only)
    }
    const keyterms = options.keyterms ?? []
    if (keyterms.length > 1000) return yield* invalid("keyterms", `${keyterms.length} keyterms`, "at most 1000 keyterms")
    for (const [i, term] of keyterms.entries()) {
      const name = `keyterms[${i}]`
      if (term.trim() === "") return yield* invalid(name, term, "a keyterm cannot be empty")
      if ([...term].length >= 50) return yield* invalid(name, term, "a keyterm must be shorter than 50 characters")
      if (term.trim().split(/\s+/).length > 5) return yield* invalid(name, term, "a keyterm has at most 5 words")
      if (KEYTERM_FORBIDDEN.test(term)) return yield* invalid(name, term, "a keyterm cannot contain < > { } [ ] or \\")
    }
    if (options.diarization_threshold !== undefined) {
      if (options.diarize !== true) {
        return yield* invalid("diarization_threshold", options.diarization_threshold, "diarization_threshold needs diarize: true")
      }
      if (options.num_speakers !== undefined) {
        return yield* invalid("diarization_threshold", options.diarization_threshold, "diarization_threshold cannot be set together with num_speakers")
      }
    }
    if (options.detect_speaker_roles === true && options.diarize !== true) {
      return yield* invalid("detect_speaker_roles", true, "detect_speaker_roles needs diarize: true")
    }
    if (options.entity_redaction !== undefined && options.entity_detection === undefined) {
      return yield* invalid("entity_redaction", options.entity_redaction, "entity_redaction must be a subset of entity_detection, which is not set")
    }
    if (options.entity_redaction_mode !== undefined && options.entity_redaction === undefined) {
      return yield* invalid("entity_redaction_mode", options.entity_redaction_mode, "entity_redaction_mode needs entity_redaction")
    }
  })

/** A request that passed validation: the model's catalogue entry and the decoded options. */
export interface ValidStt {
  readonly model: ModelInfo
  readonly options: SttOptions
}

/**
 * The pure hook: the model (closed catalogue, batch models only: `scribe_v2_realtime` is unknown
 * to a file), the audio's container and size, the language, the options and their rules. Also run at the start of `transcribe`.
 */
export const validateWith = (models: ReadonlyArray<ModelInfo>) => (spec: SttSpec): Effect.Effect<ValidStt, ValidationError> =>
  Effect.gen(function*() {
    const sttModels = models.filter((m) => m.capability === "stt" && m.realtime !== true)
    const model = sttModels.find((m) => m.id === spec.model)
    if (model === undefined) {
      return yield* new UnknownModel({ provider: PROVIDER, model: spec.model, field: "voice.stt.model", allowed: sttModels.map((m) => m.id) })
    }
    yield* Validation.checkAudio(model, spec.audio)
    if (spec.language !== undefined) yield* checkIso6391("voice.stt.language", spec.language)
    const options = yield* decodeOptions(SttOptions, spec.provider_options, FIELD)
    yield* checkRules(model.id, options)
    return { model, options }
  })

// ---------------------------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------------------------

const asList = (value: string | ReadonlyArray<string>): Array<string> => (typeof value === "string" ? [value] : [...value])

/**
 * The SDK's request for the options (camelCase; the SDK writes the vendor's field names). Entity
 * lists are always arrays: the SDK silently drops a plain string.
 */
export const sdkOptions = (options: SttOptions) => ({
  ...(options.diarize === undefined ? {} : { diarize: options.diarize }),
  ...(options.num_speakers === undefined ? {} : { numSpeakers: options.num_speakers }),
  ...(options.diarization_threshold === undefined ? {} : { diarizationThreshold: options.diarization_threshold }),
  ...(options.timestamps_granularity === undefined ? {} : { timestampsGranularity: options.timestamps_granularity }),
  ...(options.tag_audio_events === undefined ? {} : { tagAudioEvents: options.tag_audio_events }),
  ...(options.keyterms === undefined ? {} : { keyterms: [...options.keyterms] }),
  ...(options.no_verbatim === undefined ? {} : { noVerbatim: options.no_verbatim }),
  ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
  ...(options.seed === undefined ? {} : { seed: options.seed }),
  ...(options.detect_speaker_roles === undefined ? {} : { detectSpeakerRoles: options.detect_speaker_roles }),
  ...(options.use_speaker_library === undefined ? {} : { useSpeakerLibrary: options.use_speaker_library }),
  ...(options.entity_detection === undefined ? {} : { entityDetection: asList(options.entity_detection) }),
  ...(options.entity_redaction === undefined ? {} : { entityRedaction: asList(options.entity_redaction) }),
  ...(options.entity_redaction_mode === undefined ? {} : { entityRedactionMode: options.entity_redaction_mode }),
  ...(options.enable_logging === undefined ? {} : { enableLogging: options.enable_logging })
})

/** The request field of each vendor parameter, for errors the vendor reports against one. */
const fieldOfParam = (param: string): string => {
  switch (param) {
    case "model_id":
      return "voice.stt.model"
    case "file":
      return "audio_file"
    case "language_code":
      return "voice.stt.language"
    default:
      return param in SttOptions.fields ? `${FIELD}.${param}` : "voice.stt"
  }
}

/**
 * The upload as a `Blob` the SDK passes through: a file is `fs.openAsBlob`, bytes and Blobs as
 * they are; a one-shot stream of unknown length is spooled to disk (in the caller's scope).
 */
export const uploadOf = (audio: AudioInput.AudioInput, model: ModelInfo, spoolDir: string | undefined) =>
  audio.size === undefined
    ? spoolToFile({
      stream: audio.stream(),
      provider: PROVIDER,
      limit: model.max_input_bytes ?? Number.POSITIVE_INFINITY,
      model: model.id,
      mediaType: AudioInput.mediaTypeFor(audio),
      dir: spoolDir
    })
    : Effect.tryPromise({
      try: async () => {
        const blob = await audio.blob()
        // Labelled for the multipart part; a Blob of a Blob refers to its bytes, it does not copy them.
        return blob.type === "" ? new Blob([blob], { type: AudioInput.mediaTypeFor(audio) }) : blob
      },
      catch: (cause) => new InvalidRequest({ field: "audio_file", reason: `the audio could not be read: ${String(cause)}` })
    })

// ---------------------------------------------------------------------------------------------
// Normalization
// ---------------------------------------------------------------------------------------------

const wordTypes = new Set(["word", "spacing", "audio_event"])
const SENTENCE_END = /[.!?…。！？؟]["'”’)\]]*$/

const timed = (w: SttWord): w is SttWord & { readonly start: number; readonly end: number } =>
  typeof w.start === "number" && typeof w.end === "number"

/** Every entry with times, as a `Word`: its type, speaker and logprob kept. */
export const wordsOf = (wire: ReadonlyArray<SttWord>): Array<Word> =>
  wire.filter(timed).map((w) => ({
    text: w.text,
    start: w.start,
    end: w.end,
    ...(wordTypes.has(w.type) ? { type: w.type as NonNullable<Word["type"]> } : {}),
    ...(typeof w.speaker_id === "string" ? { speaker: w.speaker_id } : {}),
    logprob: w.logprob
  }))

/** A segment, and the part of it that is speech (its words, not its audio events). */
interface Turn {
  readonly segment: Segment
  readonly speech: { readonly start: number; readonly end: number } | undefined
}

const turnsOf = (words: ReadonlyArray<Word>): Array<Turn> => {
  const out: Array<Turn> = []
  let current:
    | { text: string; start: number; end: number; speaker: string | undefined; closed: boolean; speech: { start: number; end: number } | undefined }
    | undefined
  const flush = () => {
    if (current === undefined) return
    const text = current.text.trim()
    const speaker = current.speaker
    if (text !== "") out.push({ segment: { text, start: current.start, end: current.end, ...(speaker === undefined ? {} : { speaker }) }, speech: current.speech })
    current = undefined
  }
  for (const word of words) {
    if (word.type === "spacing") {
      if (current !== undefined && !current.closed) current.text += word.text
      continue
    }
    if (current !== undefined && (current.closed || current.speaker !== word.speaker)) flush()
    if (current === undefined) current = { text: "", start: word.start, end: word.end, speaker: word.speaker, closed: false, speech: undefined }
    current.text += word.text
    current.end = Math.max(current.end, word.end)
    if (word.type !== "audio_event") {
      current.speech = current.speech === undefined ? { start: word.start, end: word.end } : { start: current.speech.start, end: Math.max(current.speech.end, word.end) }
      if (SENTENCE_END.test(word.text)) current.closed = true
    }
  }
  flush()
  return out
}

/**
 * Segments: a new one starts when the speaker changes and after a word that ends a sentence.
 * Spacing joins the words of a segment; it never opens or closes one.
 */
export const segmentsOf = (words: ReadonlyArray<Word>): Array<Segment> => turnsOf(words).map((t) => t.segment)

const round = (seconds: number) => Math.round(seconds * 1000) / 1000

/**
 * The speakers in order of appearance (any entry labelled with them), with the time they spoke:
 * their segments from first to last word, audio events such as a beep left out.
 */
export const speakersOf = (wire: ReadonlyArray<SttWord>, words: ReadonlyArray<Word>): Array<Speaker> => {
  const ids = [...new Set(wire.flatMap((w) => (typeof w.speaker_id === "string" ? [w.speaker_id] : [])))]
  const turns = turnsOf(words)
  return ids.map((id) => {
    const spoken = turns.flatMap((t) => (t.segment.speaker === id && t.speech !== undefined ? [t.speech.end - t.speech.start] : []))
    return spoken.length === 0 ? { id } : { id, speaking_seconds: round(spoken.reduce((a, b) => a + b, 0)) }
  })
}

/** The transcript of a response body (already decoded), with its request id. */
export const toTranscript = (body: unknown, wire: SttResponse, requestId: string | undefined): Transcript => {
  const words = wordsOf(wire.words)
  const segments = segmentsOf(words)
  const speakers = speakersOf(wire.words, words)
  const duration = wire.audio_duration_secs ?? undefined
  return {
    type: "transcript",
    text: wire.text,
    language: Language.toIso6391(wire.language_code),
    language_probability: wire.language_probability,
    ...(duration === undefined ? {} : { duration_seconds: duration }),
    ...(words.length === 0 ? {} : { words }),
    ...(segments.length === 0 ? {} : { segments }),
    ...(speakers.length === 0 ? {} : { speakers }),
    usage: duration === undefined ? {} : { audio_seconds: duration },
    ...(requestId === undefined ? {} : { request_id: requestId }),
    provider_output: body
  }
}

const decodeResponse = Schema.decodeUnknownEffect(SttResponse)

/** Parses and decodes the vendor's body; anything else is the vendor's failure. */
const readBody = (text: string | undefined) =>
  Effect.gen(function*() {
    if (text === undefined) return yield* new ProviderUnavailable({ provider: PROVIDER, detail: "the transcription response has no JSON body" })
    const body = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () => new ProviderUnavailable({ provider: PROVIDER, detail: "the transcription response is not JSON" })
    })
    const wire = yield* decodeResponse(body).pipe(
      Effect.mapError((e) => new ProviderUnavailable({ provider: PROVIDER, detail: `unexpected transcription response: ${e.message}` }))
    )
    return { body, wire }
  })

// ---------------------------------------------------------------------------------------------
// The capability
// ---------------------------------------------------------------------------------------------

/** The STT capability over a client and the catalogue. */
export const make = (client: Client, models: ReadonlyArray<ModelInfo>, options: Pick<ElevenLabsOptions, "spoolDir"> = {}): SttProvider => {
  const validate = validateWith(models)
  return {
    catalogue: "closed",
    validate: (spec) => Effect.asVoid(validate(spec)),
    transcribe: Effect.fn("ElevenLabs.transcribe")(function*(request: SttRequest) {
      const { model, options: sttOptions } = yield* validate({
        ...request,
        audio: { size: request.audio.size, container: request.audio.container }
      })
      yield* client.apiKey
      const file = yield* uploadOf(request.audio, model, options.spoolDir)
      const context: FailureContext = {
        capability: "stt",
        model: model.id,
        size: request.audio.size ?? file.size,
        limit: model.max_input_bytes,
        fields: fieldOfParam
      }
      const { value, body } = yield* client.call(
        context,
        (sdk, signal) =>
          sdk.speechToText.convert({
            modelId: model.id,
            file: { data: file, filename: request.audio.filename },
            ...(request.language === undefined ? {} : { languageCode: request.language }),
            ...sdkOptions(sttOptions)
          }, { abortSignal: signal }).withRawResponse(),
        { capture: true }
      )
      const { body: parsed, wire } = yield* readBody(body)
      const headers = value.rawResponse.headers
      return toTranscript(parsed, wire, headers.get("request-id") ?? headers.get("x-request-id") ?? undefined)
    }, Effect.scoped)
  }
}
