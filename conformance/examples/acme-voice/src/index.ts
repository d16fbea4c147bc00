/**
 * `acmeVoice()`: a Patchbay adapter for Acme Voice, a fictional vendor with speech to text,
 * streaming text to speech, a chat model with tools and image generation, all over plain
 * `fetch`. It is the worked example of `docs/adapters/authoring.md`, and it passes the
 * conformance battery (`conformance/test/AcmeVoice.conformance.test.ts`). The plumbing — the
 * key, abortable requests, error mapping, bodies, SSE — is `@patchbay/core/adapter`'s; what is
 * here is what is about Acme Voice.
 *
 * @example
 * ```ts
 * import { acmeVoice } from "./examples/acme-voice/src/index.ts"
 * const provider = acmeVoice()                 // key from ACME_VOICE_API_KEY, read on first use
 * const replayed = acmeVoice({ fetch, apiKey }) // what the battery does, with its replay fetch
 * ```
 */
import type { PatchbayProvider } from "@patchbay/core"
import { type HttpAdapterOptions, makeHttpClient } from "@patchbay/core/adapter"
import * as Chat from "./Chat.ts"
import * as Image from "./Image.ts"
import { models, PROVIDER } from "./Models.ts"
import * as Speech from "./Speech.ts"
import * as Transcription from "./Transcription.ts"
import { errorOf } from "./Wire.ts"

export * from "./Models.ts"

/** The factory's options: `apiKey` (default: `ACME_VOICE_API_KEY`, read on first use), `baseURL` (default: `https://api.acme-voice.test/v1`), `fetch`. */
export type AcmeVoiceOptions = HttpAdapterOptions

/** Builds the Acme Voice provider. Never throws: a missing key fails the first call with `MissingApiKey`. */
export const acmeVoice = (options: AcmeVoiceOptions = {}): PatchbayProvider => {
  const client = makeHttpClient({ provider: PROVIDER, options, keyVariable: "ACME_VOICE_API_KEY", defaultBaseURL: "https://api.acme-voice.test/v1", readError: errorOf })
  return { id: PROVIDER, models, stt: Transcription.make(client), tts: Speech.make(client), llm: Chat.make(client), image: Image.make(client), credentials: client.credentials }
}
