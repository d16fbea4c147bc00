/**
 * `@patchbay/elevenlabs`: ElevenLabs speech to text (Scribe) and text to speech behind Patchbay,
 * on the official SDK (`@elevenlabs/elevenlabs-js`).
 *
 * @example
 * ```ts
 * import { createPatchbay } from "@patchbay/core"
 * import { elevenlabs } from "@patchbay/elevenlabs"
 *
 * const pb = createPatchbay({ providers: [elevenlabs()] }) // key from ELEVENLABS_API_KEY, read on first use
 * const reply = await pb.addMessage({
 *   audioFile: "question.mp3",
 *   sendToLlm: false,
 *   voice: {
 *     stt: { provider: "elevenlabs", model: "scribe_v2", provider_options: { elevenlabs: { diarize: true } } },
 *     tts: { provider: "elevenlabs", model: "eleven_flash_v2_5", voice: "21m00Tcm4TlvDq8ikWAM", output_format: "mp3" }
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type InvalidRequest, type PatchbayProvider, ProviderRegistry } from "@patchbay/core"
import type { Layer } from "effect"
import { type ElevenLabsOptions, makeClient } from "./internal/Client.ts"
import { catalogue, PROVIDER } from "./Models.ts"
import * as Realtime from "./Realtime.ts"
import * as Speech from "./Speech.ts"
import * as Transcription from "./Transcription.ts"

export type { ElevenLabsOptions } from "./internal/Client.ts"
export {
  catalogue,
  DEFAULT_OUTPUT_FORMAT,
  KEY_VARIABLE,
  MAX_UPLOAD_BYTES,
  models,
  outputFormats,
  PROVIDER,
  realtimeFormatIds,
  realtimeSttModelIds,
  sttModelIds,
  ttsModelIds,
  VOICE_ID_PATTERN
} from "./Models.ts"
export type { OutputFormatId, RealtimeSttModel, SttModel, TtsModel } from "./Models.ts"
export { PronunciationDictionaryLocator, RealtimeSttOptions, SttOptions, TtsOptions, VoiceSettings } from "./Options.ts"

/**
 * Builds the ElevenLabs provider: STT (`scribe_v1`, `scribe_v2`; live audio with
 * `scribe_v2_realtime`) and streaming TTS. Never throws: the key (`apiKey`, else
 * `ELEVENLABS_API_KEY`) is read on first use, and a missing one fails that call with
 * `MissingApiKey` before any request or connection. The SDK client is created then, with
 * `maxRetries: 0` (retries belong to the pipeline).
 *
 * @example
 * ```ts
 * const provider = elevenlabs()                                  // live, key from the environment
 * const replayed = elevenlabs({ fetch: replayFetch(cassette), apiKey: "test" }) // what the battery does
 * const proxied = elevenlabs({ baseUrl: "https://eu.proxy.example", maxUploadBytes: 1_000_000_000 })
 * ```
 * @category constructors
 */
export const elevenlabs = (options: ElevenLabsOptions = {}): PatchbayProvider => {
  const client = makeClient(options)
  const models = catalogue(options)
  return {
    id: PROVIDER,
    models,
    stt: { ...Transcription.make(client, models, options), ...Realtime.make(client, models) },
    tts: Speech.make(client, models),
    credentials: client.credentials
  }
}

/**
 * A layer that registers the provider in the `ProviderRegistry` in context, for Effect users.
 *
 * @example
 * ```ts
 * const providers = layer().pipe(Layer.provideMerge(ProviderRegistry.layer()))
 * ```
 * @category layers
 */
export const layer = (options: ElevenLabsOptions = {}): Layer.Layer<never, InvalidRequest, ProviderRegistry> =>
  ProviderRegistry.register(elevenlabs(options))
