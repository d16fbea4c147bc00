/**
 * Speech to text: `POST /v1/transcriptions`, a multipart upload answered with JSON. The audio
 * goes up as a `Blob` (a file is never buffered); one of unknown length is counted as it is
 * read and refused with `InputTooLarge` when it passes the limit.
 */
import { AudioInput, InvalidRequest, Language, type SttProvider, type SttRequest, type SttSpec, type Transcript } from "@patchbay/core"
import { checkSttSpec, type HttpClient, multipartBody, uploadBlob, withoutUndefined } from "@patchbay/core/adapter"
import { Effect } from "effect"
import { MAX_UPLOAD_BYTES, models, PROVIDER } from "./Models.ts"
import { decodeOptions, SttOptions } from "./Options.ts"
import { Transcription } from "./Wire.ts"

/** The pure hook: model, audio container and size, options; `diarize` only on a model that labels speakers. */
export const validate = (spec: SttSpec) =>
  Effect.andThen(checkSttSpec(models, spec), decodeOptions(SttOptions, spec.provider_options, "voice.stt")).pipe(
    Effect.tap((options) =>
      options.diarize === true && models.find((m) => m.id === spec.model)?.diarization !== true
        ? new InvalidRequest({ provider: PROVIDER, field: "voice.stt.provider_options.acme-voice.diarize", value: true, reason: `${spec.model} does not label speakers` })
        : Effect.void
    )
  )

const toTranscript = (body: unknown, wire: Transcription, requestId: string | undefined): Transcript => ({
  type: "transcript", text: wire.text, language: Language.toIso6391(wire.language),
  ...withoutUndefined({ language_probability: wire.language_probability, duration_seconds: wire.duration, segments: wire.segments, speakers: wire.speakers }),
  ...withoutUndefined({ words: wire.words?.map((w) => ({ ...w, type: "word" as const })), request_id: requestId }),
  usage: withoutUndefined({ audio_seconds: wire.usage?.audio_seconds }),
  provider_output: body
})

/** The STT capability over the client. */
export const make = (client: HttpClient): SttProvider => ({
  catalogue: "closed",
  validate: (spec) => Effect.asVoid(validate(spec)),
  transcribe: Effect.fn("AcmeVoice.transcribe")(function*(request: SttRequest) {
    const { audio, model, language } = request
    const { diarize, timestamp_granularities } = yield* validate(request)
    const file = yield* uploadBlob(audio, { provider: PROVIDER, model, limit: MAX_UPLOAD_BYTES, mediaType: AudioInput.mediaTypeFor(audio) })
    const body = multipartBody({ model, file: { file, filename: audio.filename }, language, diarize, "timestamp_granularities[]": timestamp_granularities })
    const answer = yield* client.postForJson("/transcriptions", body, Transcription, { model, field: "audio_file", size: audio.size, limit: MAX_UPLOAD_BYTES })
    return toTranscript(answer.body, answer.value, answer.requestId)
  })
})
