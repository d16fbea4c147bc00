/**
 * `acmeVoice()`: a Patchbay adapter for Acme Voice, a fictional vendor with speech to text,
 * streaming text to speech, a chat model with tools and image generation, all over plain
 * `fetch`. It is the worked example of `docs/adapters/authoring.md`, and it passes the
 * conformance battery (`conformance/test/AcmeVoice.conformance.test.ts`).
 *
 * @example
 * ```ts
 * import { acmeVoice } from "./examples/acme-voice/src/index.ts"
 * const provider = acmeVoice()                 // key from ACME_VOICE_API_KEY, read on first use
 * const replayed = acmeVoice({ fetch, apiKey }) // what the battery does, with its replay fetch
 * ```
 */
import type { PatchbayProvider } from "@patchbay/core"
import * as Chat from "./Chat.ts"
import * as Image from "./Image.ts"
import { type ClientOptions, makeClient } from "./internal/Client.ts"
import { models, PROVIDER } from "./Models.ts"
import * as Speech from "./Speech.ts"
import * as Transcription from "./Transcription.ts"

export type { ClientOptions as AcmeVoiceOptions } from "./internal/Client.ts"
export { models, PROVIDER } from "./Models.ts"
export type { OutputFormatId, SttModel, TtsModel, Voice } from "./Models.ts"

/** Builds the Acme Voice provider. Never throws: a missing key fails the first call with `MissingApiKey`. */
export const acmeVoice = (options: ClientOptions = {}): PatchbayProvider => {
  const client = makeClient(options)
  return {
    id: PROVIDER,
    models,
    stt: Transcription.make(client),
    tts: Speech.make(client),
    llm: Chat.make(client),
    image: Image.make(client)
  }
}
