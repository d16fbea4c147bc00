/**
 * Text to speech: `POST /v1/speech` with JSON, answered with the audio as a chunked binary body.
 * Chunks are passed on as they arrive (the first plays before the vendor has finished), then a
 * summary with the characters the vendor billed (`x-acme-characters`). A broken connection in
 * the middle of the body is a typed `ProviderUnavailable` after the chunks already sent.
 */
import {
  type AudioChunk,
  InvalidRequest,
  type OutputFormat,
  ProviderUnavailable,
  resolveOutputFormat,
  type SpeechSummary,
  type TtsProvider,
  type TtsRequest,
  type TtsSpec,
  UnknownModel,
  UnsupportedFormat
} from "@patchbay/core"
import { Effect, Stream } from "effect"
import { type Client, decodeOptions } from "./internal/Client.ts"
import { models, PROVIDER } from "./Models.ts"
import { TtsOptions } from "./Options.ts"

const ttsModels = models.filter((m) => m.capability === "tts")

/** The media type of each format family the vendor produces. */
const mediaTypes: Record<string, string> = { mp3: "audio/mpeg", pcm: "audio/pcm", ulaw: "audio/basic" }

/** The pure hook: model, voice, output format, options. */
export const validate = (spec: TtsSpec) =>
  Effect.gen(function*() {
    const model = ttsModels.find((m) => m.id === spec.model)
    if (model === undefined) {
      return yield* new UnknownModel({ provider: PROVIDER, model: spec.model, field: "voice.tts.model", allowed: ttsModels.map((m) => m.id) })
    }
    const voices = model.voices?.ids ?? []
    if (!voices.includes(spec.voice)) {
      return yield* new InvalidRequest({ provider: PROVIDER, field: "voice.tts.voice", value: spec.voice, allowed: voices, reason: `${model.id} has no voice ${JSON.stringify(spec.voice)}` })
    }
    const format = resolveOutputFormat(model, spec.output_format)
    if (format === undefined) {
      return yield* new UnsupportedFormat({
        provider: PROVIDER,
        model: model.id,
        field: "voice.tts.output_format",
        format: spec.output_format ?? "(default)",
        allowed: (model.output_formats ?? []).map((f) => f.id)
      })
    }
    yield* decodeOptions(TtsOptions, spec.provider_options, "voice.tts")
    return format
  })

const summaryOf = (request: TtsRequest, format: OutputFormat, response: Response): SpeechSummary => {
  const billed = Number(response.headers.get("x-acme-characters"))
  const characters = Number.isInteger(billed) && billed >= 0 ? billed : request.text.length
  const requestId = response.headers.get("x-request-id") ?? undefined
  return {
    type: "summary",
    output_format: format.id,
    media_type: mediaTypes[format.format] ?? "application/octet-stream",
    characters,
    usage: { characters },
    ...(requestId === undefined ? {} : { request_id: requestId }),
    provider_output: { content_type: response.headers.get("content-type"), x_acme_characters: response.headers.get("x-acme-characters") }
  }
}

/** The TTS capability over a client. */
export const make = (client: Client): TtsProvider => ({
  catalogue: "closed",
  validate: (spec) => Effect.asVoid(validate(spec)),
  synthesize: (request) =>
    Stream.unwrap(Effect.gen(function*() {
      const format = yield* validate(request)
      const options = yield* decodeOptions(TtsOptions, request.provider_options, "voice.tts")
      const body = JSON.stringify({ model: request.model, voice: request.voice, input: request.text, format: format.id, ...options })
      const response = yield* client.send({ method: "POST", path: "/speech", body, json: true }, { model: request.model, field: "text" })
      const audio = response.body
      if (audio === null) return Stream.fail(new ProviderUnavailable({ provider: PROVIDER, detail: "the speech response has no body" }))
      const chunks: Stream.Stream<AudioChunk | SpeechSummary, ProviderUnavailable> = Stream.fromReadableStream({
        evaluate: () => audio,
        onError: (cause) => new ProviderUnavailable({ provider: PROVIDER, detail: `the audio stream broke: ${cause instanceof Error ? cause.message : String(cause)}` })
      }).pipe(Stream.map((data): AudioChunk => ({ type: "audio", data })))
      return Stream.concat(chunks, Stream.sync(() => summaryOf(request, format, response)))
    }).pipe(Effect.withSpan("AcmeVoice.synthesize")))
})
