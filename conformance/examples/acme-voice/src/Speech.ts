/**
 * Text to speech: `POST /v1/speech` with JSON, answered with the audio as a chunked binary body.
 * Chunks are passed on as they arrive (the first plays before the vendor has finished), then a
 * summary with the characters the vendor billed (`x-acme-characters`). A broken connection in
 * the middle of the body is a typed `ProviderUnavailable` after the chunks already sent. Blank
 * text is refused before any request: there is nothing to say, and the vendor would bill the call.
 */
import { type AudioChunk, InvalidRequest, type OutputFormat, type SpeechSummary, type TtsProvider, type TtsRequest, type TtsSpec } from "@patchbay/core"
import { type Answered, checkTtsSpec, type HttpClient, jsonBody, withoutUndefined } from "@patchbay/core/adapter"
import { Effect, Stream } from "effect"
import { models, PROVIDER } from "./Models.ts"
import { decodeOptions, TtsOptions } from "./Options.ts"

/** The media type of each format family the vendor produces. */
const mediaTypes: Record<string, string> = { mp3: "audio/mpeg", pcm: "audio/pcm", ulaw: "audio/basic" }

/** The pure hook: model, voice, output format, options. */
export const validate = (spec: TtsSpec) =>
  Effect.all({ checked: checkTtsSpec(models, spec), options: decodeOptions(TtsOptions, spec.provider_options, "voice.tts") })

const summaryOf = (request: TtsRequest, format: OutputFormat, { response, requestId }: Answered): SpeechSummary => {
  const billed = response.headers.get("x-acme-characters")
  const characters = billed !== null && billed.trim() !== "" && Number.isInteger(Number(billed)) && Number(billed) >= 0 ? Number(billed) : request.text.length
  const media_type = mediaTypes[format.format] ?? "application/octet-stream"
  // The billed figure's header only when the vendor sent it: provider_output invents nothing.
  const provider_output = { content_type: response.headers.get("content-type"), ...(billed === null ? {} : { x_acme_characters: billed }) }
  return { type: "summary", output_format: format.id, media_type, characters, usage: { characters }, ...withoutUndefined({ request_id: requestId }), provider_output }
}

/** The TTS capability over the client. */
export const make = (client: HttpClient): TtsProvider => ({
  catalogue: "closed",
  validate: (spec) => Effect.asVoid(validate(spec)),
  synthesize: (request) =>
    Stream.unwrap(Effect.gen(function*() {
      const { checked: { format }, options } = yield* validate(request)
      if (request.text.trim() === "") {
        return yield* new InvalidRequest({ provider: PROVIDER, field: "text", value: request.text, reason: "there is nothing to say" })
      }
      const body = jsonBody({ model: request.model, voice: request.voice, input: request.text, format: format.id, ...options })
      const answer = yield* client.postForBytes("/speech", body, { model: request.model, field: "text" })
      const chunks = answer.bytes.pipe(Stream.map((data): AudioChunk => ({ type: "audio", data })))
      return Stream.concat(chunks, Stream.sync(() => summaryOf(request, format, answer)))
    }).pipe(Effect.withSpan("AcmeVoice.synthesize")))
})
