/**
 * Speech to text: `POST /v1/transcriptions`, a multipart upload answered with JSON. The audio
 * goes up as a `Blob` (a file is never buffered); one of unknown length is counted as it is
 * read and refused with `InputTooLarge` when it passes the limit.
 */
import {
  AudioInput,
  InputTooLarge,
  InvalidRequest,
  Language,
  type SttProvider,
  type SttRequest,
  type SttSpec,
  type Transcript,
  UnknownModel,
  Validation
} from "@patchbay/core"
import { Effect } from "effect"
import { type Client, decodeOptions } from "./internal/Client.ts"
import { MAX_UPLOAD_BYTES, models, PROVIDER } from "./Models.ts"
import { SttOptions } from "./Options.ts"
import { Transcription } from "./Wire.ts"

const sttModels = models.filter((m) => m.capability === "stt")

/** The pure hook: model, audio container and size, options. */
export const validate = (spec: SttSpec) =>
  Effect.gen(function*() {
    const model = sttModels.find((m) => m.id === spec.model)
    if (model === undefined) {
      return yield* new UnknownModel({ provider: PROVIDER, model: spec.model, field: "voice.stt.model", allowed: sttModels.map((m) => m.id) })
    }
    yield* Validation.checkAudio(model, spec.audio)
    yield* decodeOptions(SttOptions, spec.provider_options, "voice.stt")
  })

const unreadable = (cause: unknown) =>
  new InvalidRequest({ provider: PROVIDER, field: "audio_file", reason: `the audio could not be read: ${cause instanceof Error ? cause.message : String(cause)}` })

/** Reads the upload as a Blob; a stream of unknown length is counted against the limit. */
const uploadOf = (audio: AudioInput.AudioInput, model: string) =>
  Effect.gen(function*() {
    if (audio.size !== undefined) return yield* Effect.tryPromise({ try: () => audio.blob(), catch: unreadable })
    const chunks: Array<Uint8Array> = []
    let size = 0
    const reader = audio.stream().getReader()
    for (;;) {
      const next = yield* Effect.tryPromise({ try: () => reader.read(), catch: unreadable })
      if (next.done) break
      size += next.value.byteLength
      if (size > MAX_UPLOAD_BYTES) {
        yield* Effect.promise(() => reader.cancel().catch(() => {}))
        return yield* new InputTooLarge({ provider: PROVIDER, model, field: "audio_file", limit: MAX_UPLOAD_BYTES, size })
      }
      chunks.push(next.value)
    }
    return new Blob(chunks as Array<Uint8Array<ArrayBuffer>>, { type: AudioInput.mediaTypeFor(audio) })
  })

const toTranscript = (body: unknown, wire: Transcription, requestId: string | undefined): Transcript => ({
  type: "transcript",
  text: wire.text,
  language: Language.toIso6391(wire.language),
  ...(wire.language_probability === undefined ? {} : { language_probability: wire.language_probability }),
  ...(wire.duration === undefined ? {} : { duration_seconds: wire.duration }),
  ...(wire.words === undefined ? {} : { words: wire.words.map((w) => ({ ...w, type: "word" as const })) }),
  ...(wire.segments === undefined ? {} : { segments: wire.segments }),
  ...(wire.speakers === undefined ? {} : { speakers: wire.speakers }),
  usage: wire.usage?.audio_seconds === undefined ? {} : { audio_seconds: wire.usage.audio_seconds },
  ...(requestId === undefined ? {} : { request_id: requestId }),
  provider_output: body
})

/** The STT capability over a client. */
export const make = (client: Client): SttProvider => ({
  catalogue: "closed",
  validate,
  transcribe: Effect.fn("AcmeVoice.transcribe")(function*(request: SttRequest) {
    yield* validate({ ...request, audio: { size: request.audio.size, container: request.audio.container } })
    const options = yield* decodeOptions(SttOptions, request.provider_options, "voice.stt")
    const form = new FormData()
    form.append("model", request.model)
    form.append("file", yield* uploadOf(request.audio, request.model), request.audio.filename)
    if (request.language !== undefined) form.append("language", request.language)
    if (options.diarize !== undefined) form.append("diarize", String(options.diarize))
    for (const granularity of options.timestamp_granularities ?? []) form.append("timestamp_granularities[]", granularity)
    const response = yield* client.send(
      { method: "POST", path: "/transcriptions", body: form },
      { model: request.model, field: "audio_file", size: request.audio.size, limit: MAX_UPLOAD_BYTES }
    )
    const { body, decoded } = yield* client.json(response, Transcription)
    return toTranscript(body, decoded, response.headers.get("x-request-id") ?? undefined)
  })
})
