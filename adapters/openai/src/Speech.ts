/**
 * Text to speech: `POST /audio/speech`. The audio is passed on chunk by chunk as it arrives, so
 * the first piece plays before OpenAI has finished: as `speech.audio.delta` server-sent events
 * (`stream_format=sse`, the default where the model supports it — `gpt-4o-mini-tts` — which
 * also reports token usage), else as the chunked audio body (`tts-1`, `tts-1-hd`). The stream
 * ends with a summary: the format produced, the characters spoken and the usage.
 *
 * The voice is a built-in name (refused before the request when the model lacks it, with the
 * list) or a custom voice id `voice_…`, sent as `{ "id": "voice_…" }`.
 *
 * @since 0.1.0
 */
import {
  type AudioChunk,
  InvalidRequest,
  type ModelInfo,
  mediaTypeOfOutputFormat,
  type OutputFormat,
  outputFormatNames,
  type ProviderError,
  ProviderUnavailable,
  resolveOutputFormat,
  type SpeechSummary,
  type TtsProvider,
  type TtsRequest,
  type TtsSpec,
  UnknownModel,
  UnsupportedFormat,
  type Usage,
  type ValidationError
} from "@patchbay/core"
import { requestIdOf, responseBytes, sseEvents } from "@patchbay/core/adapter"
import { Effect, Option, Schema, Stream } from "effect"
import type { SpeechCreateParams } from "openai/resources/audio/speech"
import { type Client, decodeOptions } from "./internal/Client.ts"
import { fromStreamError, optionField } from "./internal/Errors.ts"
import { CUSTOM_VOICE, idsOf, isTtsModel, MAX_SPEECH_CHARACTERS, modelsOf, PROVIDER, type TtsModel, ttsFeatures } from "./Models.ts"
import { TtsOptions } from "./Options.ts"
import { ErrorBody, type SpeechAudioDone, SpeechStreamEvent } from "./Wire.ts"

/** A request that passed {@link validate}. */
export interface ValidSpeech {
  readonly model: TtsModel
  readonly format: OutputFormat
  readonly options: TtsOptions
  /** How the audio comes back: server-sent events, or the chunked body. */
  readonly streamFormat: "sse" | "audio"
  /** The voice as sent: a built-in name, or `{ id }` for a custom voice. */
  readonly voice: string | { readonly id: string }
}

const refuse = (name: string, value: unknown, reason: string, allowed?: ReadonlyArray<string>) =>
  Effect.fail(
    new InvalidRequest({
      provider: PROVIDER,
      field: optionField("tts", name),
      value,
      reason,
      ...(allowed === undefined ? {} : { allowed })
    })
  )

/**
 * The pure hook: the model against the closed catalogue, the voice (the model's built-in names or
 * a custom `voice_…` id), the output format, the options, then the model's rules (`instructions`
 * only on `gpt-4o-mini-tts`, `speed` between 0.25 and 4, no `sse` on `tts-1`). No I/O.
 */
export const validate = (spec: TtsSpec): Effect.Effect<ValidSpeech, ValidationError> =>
  Effect.gen(function*() {
    const model = spec.model
    if (!isTtsModel(model)) {
      return yield* new UnknownModel({ provider: PROVIDER, model, field: "voice.tts.model", allowed: idsOf("tts") })
    }
    const info = modelsOf("tts").find((m) => m.id === model) as ModelInfo
    const features = ttsFeatures[model]
    const custom = CUSTOM_VOICE.test(spec.voice)
    if (!custom && !(features.voices as ReadonlyArray<string>).includes(spec.voice)) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: "voice.tts.voice",
        value: spec.voice,
        allowed: [...features.voices, `/${CUSTOM_VOICE.source}/`],
        reason: `${model} has no voice ${JSON.stringify(spec.voice)}`
      })
    }
    const format = resolveOutputFormat(info, spec.output_format)
    if (format === undefined) {
      return yield* new UnsupportedFormat({
        provider: PROVIDER,
        model,
        field: "voice.tts.output_format",
        format: spec.output_format ?? "(default)",
        allowed: outputFormatNames(info)
      })
    }
    const options = yield* decodeOptions(TtsOptions, "tts", spec.provider_options)
    if (options.speed !== undefined && (options.speed < 0.25 || options.speed > 4)) {
      return yield* refuse("speed", options.speed, "the speed must be between 0.25 and 4.0", ["0.25 to 4.0"])
    }
    if (options.instructions !== undefined) {
      if (!features.instructions) {
        return yield* refuse("instructions", options.instructions, `${model} takes no instructions; the gpt-4o-mini-tts models do`)
      }
      if (options.instructions.length > MAX_SPEECH_CHARACTERS) {
        return yield* refuse("instructions", options.instructions.length, `instructions take at most ${MAX_SPEECH_CHARACTERS} characters`)
      }
    }
    if (options.stream_format === "sse" && !features.sse) {
      return yield* refuse("stream_format", "sse", `${model} streams only the audio body`, ["audio"])
    }
    return {
      model,
      format,
      options,
      streamFormat: options.stream_format ?? (features.sse ? "sse" : "audio"),
      voice: custom ? { id: spec.voice } : spec.voice
    }
  })

/** The JSON body of `POST /audio/speech`. */
export const speechBody = (request: TtsRequest, valid: ValidSpeech): SpeechCreateParams => ({
  model: request.model,
  input: request.text,
  voice: valid.voice as SpeechCreateParams["voice"],
  response_format: valid.format.id as NonNullable<SpeechCreateParams["response_format"]>,
  ...(valid.options.speed === undefined ? {} : { speed: valid.options.speed }),
  ...(valid.options.instructions === undefined ? {} : { instructions: valid.options.instructions }),
  // sent when it is not the endpoint's default, or when the request names it
  ...(valid.streamFormat === "sse" || valid.options.stream_format !== undefined ? { stream_format: valid.streamFormat } : {})
})

const decodeEvent = Schema.decodeUnknownOption(SpeechStreamEvent)
const decodeError = Schema.decodeUnknownOption(ErrorBody)

const unexpected = (detail: string, requestId: string | undefined) =>
  new ProviderUnavailable({ provider: PROVIDER, ...(requestId === undefined ? {} : { requestId }), detail: `unexpected speech stream: ${detail}` })

/** `speech.audio.delta` events as audio chunks; `done` is set by the `speech.audio.done` event. */
const fromEvents = (response: Response, done: { event?: { readonly wire: unknown; readonly parsed: SpeechAudioDone } }) => {
  const requestId = requestIdOf(response.headers)
  return sseEvents(responseBytes(PROVIDER, response, "speech"), { provider: PROVIDER }).pipe(
    Stream.takeWhile(() => done.event === undefined),
    Stream.mapEffect((e): Effect.Effect<ReadonlyArray<AudioChunk>, ProviderError> => {
      const parsed = Option.getOrUndefined(Option.liftThrowable(JSON.parse)(e.data))
      if (parsed === undefined) return Effect.fail(unexpected(`an event that is not JSON: ${e.data.slice(0, 200)}`, requestId))
      const failure = Option.getOrUndefined(decodeError(parsed))
      if (failure !== undefined) return Effect.fail(fromStreamError(failure.error, requestId, "tts"))
      const event = Option.getOrUndefined(decodeEvent(parsed))
      if (event === undefined) return Effect.succeed([])
      if (event.type === "speech.audio.done") {
        done.event = { wire: parsed, parsed: event }
        return Effect.succeed([])
      }
      const data = new Uint8Array(Buffer.from(event.audio, "base64"))
      return Effect.succeed(data.byteLength === 0 ? [] : [{ type: "audio", data }])
    }),
    Stream.flattenIterable
  )
}

/** The TTS capability over a client. */
export const make = (client: Client): TtsProvider => ({
  catalogue: "closed",
  validate: (spec) => Effect.asVoid(validate(spec)),
  synthesize: (request) =>
    Stream.unwrap(Effect.gen(function*() {
      const valid = yield* validate(request)
      if (request.text.trim() === "" || request.text.length > MAX_SPEECH_CHARACTERS) {
        return yield* new InvalidRequest({
          provider: PROVIDER,
          field: "content",
          value: request.text.length,
          reason: `OpenAI speaks 1 to ${MAX_SPEECH_CHARACTERS} characters per request`
        })
      }
      const body = speechBody(request, valid)
      const response = yield* client.open(
        { capability: "tts", model: request.model, voice: request.voice },
        (sdk, signal) => sdk.audio.speech.create(body, { signal }).asResponse()
      )
      const requestId = requestIdOf(response.headers)
      const done: { event?: { readonly wire: unknown; readonly parsed: SpeechAudioDone } } = {}
      // A gateway that ignores stream_format answers with the audio itself: read what came.
      const contentType = response.headers.get("content-type") ?? ""
      const events = valid.streamFormat === "sse" && !/^(audio\/|application\/octet-stream)/i.test(contentType)
      const audio: Stream.Stream<AudioChunk, ProviderError> = events
        ? fromEvents(response, done)
        : responseBytes(PROVIDER, response, "speech").pipe(Stream.map((data): AudioChunk => ({ type: "audio", data })))
      const summary = Stream.suspend((): Stream.Stream<SpeechSummary, ProviderUnavailable> => {
        if (events && done.event === undefined) {
          return Stream.fail(unexpected("it ended before speech.audio.done", requestId))
        }
        const tokens = done.event?.parsed.usage
        const characters = request.text.length
        // tts-1 and tts-1-hd bill the characters sent; the gpt-4o-mini-tts models report tokens.
        const usage: Usage = tokens !== null && tokens !== undefined
          ? { input_tokens: tokens.input_tokens, output_tokens: tokens.output_tokens, total_tokens: tokens.total_tokens }
          : ttsFeatures[valid.model].sse
          ? {}
          : { characters }
        return Stream.succeed({
          type: "summary",
          output_format: valid.format.id,
          media_type: mediaTypeOfOutputFormat(valid.format.id),
          characters,
          usage,
          ...(requestId === undefined ? {} : { request_id: requestId }),
          provider_output: done.event?.wire ?? {
            content_type: response.headers.get("content-type"),
            ...(requestId === undefined ? {} : { x_request_id: requestId })
          }
        })
      })
      return Stream.concat(audio, summary)
    }).pipe(Effect.withSpan("OpenAI.synthesize")))
})
