/**
 * `@patchbay/openai` — OpenAI behind Patchbay, on the official `openai` SDK: speech to text
 * (`whisper-1`, the gpt-4o transcribe models, diarization), text to speech (`tts-1`, `tts-1-hd`,
 * `gpt-4o-mini-tts`), realtime transcription of live audio (the gpt-4o transcribe models on the
 * Realtime API's WebSocket), chat completions with tools, images (`gpt-image-1`) and embeddings
 * (`text-embedding-3-small`/`-large`, `ada-002`), each streaming where OpenAI streams.
 *
 * @example
 * ```ts
 * import { createPatchbay } from "@patchbay/core"
 * import { openai } from "@patchbay/openai"
 *
 * const pb = createPatchbay({ providers: [openai()] }) // the key is read from OPENAI_API_KEY on first use
 * const response = await pb.addMessage({
 *   content: "Say hello in one sentence",
 *   llmProvider: "openai", modelName: "gpt-4.1",
 *   voice: { tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "alloy" } }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type InvalidRequest, type PatchbayProvider, ProviderRegistry } from "@patchbay/core"
import type { Layer } from "effect"
import * as Chat from "./Chat.ts"
import * as Embedding from "./Embedding.ts"
import * as Image from "./Image.ts"
import { makeClient, type OpenAIOptions } from "./internal/Client.ts"
import { models, PROVIDER } from "./Models.ts"
import * as Realtime from "./Realtime.ts"
import * as Speech from "./Speech.ts"
import * as Transcription from "./Transcription.ts"

export { KEY_VARIABLE } from "./internal/Client.ts"
export type { OpenAIOptions, RealtimeSocketOptions } from "./internal/Client.ts"
export {
  CUSTOM_VOICE,
  IMAGE_SIZES,
  INPUT_FORMATS,
  LLM_MODEL_PATTERN,
  MAX_EMBEDDING_INPUTS,
  MAX_EMBEDDING_TOKENS,
  MAX_SPEECH_CHARACTERS,
  MAX_UPLOAD_BYTES,
  models,
  OUTPUT_FORMATS,
  PROVIDER,
  REALTIME_FORMATS,
  REALTIME_MODELS,
  sttFeatures,
  ttsFeatures,
  VOICES
} from "./Models.ts"
export type { EmbeddingModel, ImageModel, LlmModel, OutputFormatId, RealtimeSttModel, SttFeatures, SttModel, TranscriptionFormat, TtsFeatures, TtsModel, Voice } from "./Models.ts"
export { decodeVector } from "./Embedding.ts"
export { EmbeddingOptions, ImageOptions, LlmOptions, RealtimeSttOptions, SttOptions, TtsOptions } from "./Options.ts"

/**
 * Builds the OpenAI provider (id `"openai"`): STT, TTS, LLM, image and embedding. Never throws: without
 * `apiKey`, the key is read from `OPENAI_API_KEY` on first use, and a missing one fails that
 * call with `MissingApiKey` before any request. The SDK client is created on first use, with
 * `maxRetries: 0` (retries belong to the pipeline).
 *
 * @example
 * ```ts
 * const provider = openai()                                   // OPENAI_API_KEY, read lazily
 * const proxied = openai({ apiKey, baseURL: "https://proxy.example/v1", organization: "org_…" })
 * const replayed = openai({ fetch: replayFetch(cassette), apiKey: REPLAY_API_KEY }) // tests
 * const faked = openai({ apiKey, baseURL: fake.baseURL, realtimeSocket: { createConnection } }) // a local realtime server, no TLS (tests)
 * ```
 */
export const openai = (options: OpenAIOptions = {}): PatchbayProvider => {
  const client = makeClient(options)
  return {
    id: PROVIDER,
    models,
    stt: { ...Transcription.make(client), ...Realtime.make(client) },
    tts: Speech.make(client),
    llm: Chat.make(client),
    image: Image.make(client),
    embedding: Embedding.make(client),
    credentials: client.credentials
  }
}

/**
 * A layer that registers `openai(options)` in the `ProviderRegistry` in context, for Effect
 * users composing their own layers.
 *
 * @example
 * ```ts
 * const providers = layer().pipe(Layer.provideMerge(ProviderRegistry.layer()))
 * ```
 */
export const layer = (options: OpenAIOptions = {}): Layer.Layer<never, InvalidRequest, ProviderRegistry> =>
  ProviderRegistry.register(openai(options))
