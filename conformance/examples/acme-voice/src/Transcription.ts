/**
 * Speech to text: `POST /v1/transcriptions`, a multipart upload answered with JSON. The audio
 * goes up as a `Blob` (a file is never buffered); one of unknown length is counted as it is
 * read and refused with `InputTooLarge` when it passes the limit.
 */
import { AudioInput, Language, type SttProvider, type SttRequest, type SttSpec, type Transcript, Validation } from "@patchbay/core"
import { closedModel, type HttpClient, multipartBody, requestIdOf, uploadBlob, withoutUndefined } from "@patchbay/core/adapter"
import { Effect } from "effect"
import { MAX_UPLOAD_BYTES, models, PROVIDER } from "./Models.ts"
import { decodeOptions, SttOptions } from "./Options.ts"
import { Transcription } from "./Wire.ts"

/** The pure hook: model, audio container and size, options. */
export const validate = (spec: SttSpec) =>
  Effect.gen(function*() {
    const model = yield* closedModel(models, "stt", spec.model, "voice.stt.model")
    yield* Validation.checkAudio(model, spec.audio)
    return yield* decodeOptions(SttOptions, spec.provider_options, "voice.stt")
  })

const toTranscript = (body: unknown, wire: Transcription, requestId: string | undefined): Transcript => ({
  type: "transcript",
  text: wire.text,
  language: Language.toIso6391(wire.language),
  ...withoutUndefined({
    language_probability: wire.language_probability,
    duration_seconds: wire.duration,
    words: wire.words?.map((w) => ({ ...w, type: "word" as const })),
    segments: wire.segments,
    speakers: wire.speakers,
    request_id: requestId
  }),
  usage: withoutUndefined({ audio_seconds: wire.usage?.audio_seconds }),
  provider_output: body
})

/** The STT capability over the client. */
export const make = (client: HttpClient): SttProvider => ({
  catalogue: "closed",
  validate: (spec) => Effect.asVoid(validate(spec)),
  transcribe: Effect.fn("AcmeVoice.transcribe")(function*(request: SttRequest) {
    const { audio, model } = request
    const options = yield* validate({ ...request, audio: { size: audio.size, container: audio.container } })
    const limit = { provider: PROVIDER, model, limit: MAX_UPLOAD_BYTES }
    const file = yield* uploadBlob(audio, { ...limit, mediaType: AudioInput.mediaTypeFor(audio) })
    const body = multipartBody({
      model,
      file: { file, filename: audio.filename },
      language: request.language,
      diarize: options.diarize,
      "timestamp_granularities[]": options.timestamp_granularities
    })
    const response = yield* client.post("/transcriptions", body, { ...limit, field: "audio_file", size: audio.size })
    const { body: raw, decoded } = yield* client.json(response, Transcription)
    return toTranscript(raw, decoded, requestIdOf(response.headers))
  })
})
