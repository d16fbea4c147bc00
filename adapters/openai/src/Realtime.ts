/**
 * Realtime speech to text: a transcription session on the Realtime API's WebSocket
 * (`wss://api.openai.com/v1/realtime?intent=transcription`), opened, authenticated and parsed
 * by the SDK's `openai/realtime/ws` client.
 *
 * The session is configured once with `session.update`: the transcription model, language and
 * prompt, the input audio format, and turn detection — server VAD for `commit: "vad"` (the
 * vendor commits when the speaker pauses), none for `"manual"` (each `Commit` of the input
 * becomes `input_audio_buffer.commit`). Once the vendor has applied it, the input's audio goes
 * up as `input_audio_buffer.append` events as it is read, one at a time: each waits until the
 * socket has written the previous one, so a fast producer is held back instead of buffered.
 *
 * The vendor's `conversation.item.input_audio_transcription.delta` events are accumulated per
 * item into `partial` events (each the utterance so far, not a delta), and each `.completed`
 * becomes `committed`. When the input ends, what is left uncommitted is committed, the last
 * transcripts are awaited, the socket is closed, and a `summary` ends the stream (the seconds of
 * audio sent, measured from the bytes, and the tokens the vendor reported). Error events map to
 * the usual tags; a refused upgrade maps as its HTTP status; a dropped socket is
 * `ProviderUnavailable`. Interrupting the stream closes the socket.
 *
 * What is here is the request: its validation and the session's configuration. The session
 * itself — the socket, the feed, the bookkeeping — is `internal/RealtimeSession.ts`.
 *
 * @since 0.2.0
 */
import {
  InvalidRequest,
  Language,
  type ProviderError,
  type RealtimeSttEvent,
  type RealtimeSttInput,
  type RealtimeSttSpec,
  UnknownModel,
  type ValidationError
} from "@patchbay/core"
import { Effect, Stream } from "effect"
import type { RealtimeAudioFormats, RealtimeTranscriptionSessionCreateRequest } from "openai/resources/realtime/realtime"
import { type Client, decodeOptions } from "./internal/Client.ts"
import { optionField } from "./internal/Errors.ts"
import * as Session from "./internal/RealtimeSession.ts"
import { idsOf, isRealtimeModel, isSttModel, PROVIDER, REALTIME_FORMATS, REALTIME_MODELS, type RealtimeSttModel } from "./Models.ts"
import { RealtimeSttOptions } from "./Options.ts"

// ---------------------------------------------------------------------------------------------
// Validation and the session's configuration
// ---------------------------------------------------------------------------------------------

/** Each generic format id as the API names it, and how many bytes make a second of it. */
const wireFormats: Readonly<Record<string, { readonly format: RealtimeAudioFormats; readonly bytesPerSecond: number }>> = {
  pcm_24000: { format: { type: "audio/pcm", rate: 24000 }, bytesPerSecond: 48_000 },
  ulaw_8000: { format: { type: "audio/pcmu" }, bytesPerSecond: 8_000 },
  alaw_8000: { format: { type: "audio/pcma" }, bytesPerSecond: 8_000 }
}

/** A realtime request that passed {@link validateRealtime}. */
export interface ValidRealtime {
  readonly model: RealtimeSttModel
  readonly format: { readonly format: RealtimeAudioFormats; readonly bytesPerSecond: number }
  readonly options: RealtimeSttOptions
}

/**
 * The pure hook: the model is one of the realtime transcription models, the audio format one the
 * API takes, the language ISO 639-1, the options known and well formed (turn detection only for
 * `commit: "vad"`). No I/O: a refused request never connects.
 */
export const validateRealtime = (spec: RealtimeSttSpec): Effect.Effect<ValidRealtime, ValidationError> =>
  Effect.gen(function*() {
    const model = spec.model
    if (!isSttModel(model)) {
      return yield* new UnknownModel({ provider: PROVIDER, model, field: "voice.stt.model", allowed: idsOf("stt") })
    }
    if (!isRealtimeModel(model)) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: "voice.stt.model",
        value: model,
        reason: `${model} does not transcribe in real time`,
        allowed: REALTIME_MODELS
      })
    }
    const format = Object.hasOwn(wireFormats, spec.audio_format) ? wireFormats[spec.audio_format] : undefined
    if (format === undefined) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: "audio_format",
        value: spec.audio_format,
        reason: "OpenAI's realtime sessions take 16-bit PCM at 24 kHz or G.711 at 8 kHz",
        allowed: REALTIME_FORMATS
      })
    }
    if (spec.language !== undefined && !Language.isIso6391(spec.language)) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: "voice.stt.language",
        value: spec.language,
        reason: "expected an ISO 639-1 code such as \"en\""
      })
    }
    const options = yield* decodeOptions(RealtimeSttOptions, "stt", spec.provider_options)
    if (spec.commit === "manual" && options.turn_detection !== undefined) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: optionField("stt", "turn_detection"),
        value: options.turn_detection,
        reason: "commit \"manual\" turns turn detection off; it applies to commit \"vad\" only"
      })
    }
    return { model, format, options }
  })

/** The `session.update` of a transcription session, by the API's names. */
export const sessionOf = (spec: RealtimeSttSpec, valid: ValidRealtime): RealtimeTranscriptionSessionCreateRequest => {
  const { options } = valid
  return {
    type: "transcription",
    audio: {
      input: {
        format: valid.format.format,
        transcription: {
          model: valid.model,
          ...(spec.language === undefined ? {} : { language: spec.language }),
          ...(options.prompt === undefined ? {} : { prompt: options.prompt })
        },
        turn_detection: spec.commit === "manual" ? null : { ...(options.turn_detection ?? { type: "server_vad" }) },
        ...(options.noise_reduction === undefined ? {} : { noise_reduction: { type: options.noise_reduction } })
      }
    },
    ...(options.include === undefined ? {} : { include: [...options.include] })
  }
}

/** The realtime half of the STT capability over the provider's client. */
export const make = (client: Client) => {
  const realtime = (spec: RealtimeSttSpec, input: Stream.Stream<RealtimeSttInput>): Stream.Stream<RealtimeSttEvent, ProviderError> =>
    Stream.unwrap(Effect.gen(function*() {
      const valid = yield* validateRealtime(spec)
      const sdk = yield* client.client
      return Session.run(
        { sdk, spec, session: sessionOf(spec, valid), bytesPerSecond: valid.format.bytesPerSecond, socketOptions: client.realtimeSocket },
        input
      )
    }))
  return {
    realtime,
    validateRealtime: (spec: RealtimeSttSpec) => Effect.asVoid(validateRealtime(spec))
  }
}
