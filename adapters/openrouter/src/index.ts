/**
 * @patchbay/openrouter — OpenRouter's language and image models for Patchbay, on
 * `@openrouter/ai-sdk-provider` through the AI SDK bridge (`@patchbay/ai-sdk`). Any OpenRouter
 * model id works (an open catalogue with a `vendor/model` syntax check); image-capable chat
 * models serve the image tool. The key is read lazily from `OPENROUTER_API_KEY`.
 *
 * @example
 * ```ts
 * import { createPatchbay } from "@patchbay/core"
 * import { openai } from "@patchbay/openai"
 * import { openrouter } from "@patchbay/openrouter"
 *
 * const pb = createPatchbay({ providers: [openai(), openrouter()] })
 * const reply = await pb.sendMessage("Generate a square image of a tiny red robot watering a sunflower.", {
 *   llmProvider: "openai", modelName: "gpt-4.1",
 *   imageGeneration: "auto", imageModelProvider: "openrouter", imageModelName: "google/gemini-3.1-flash-image-preview"
 * })
 * ```
 *
 * @since 0.1.0
 */
import { fromAiSdk } from "@patchbay/ai-sdk"
import { type InvalidRequest, type PatchbayProvider, ProviderRegistry } from "@patchbay/core"
import type { Layer } from "effect"
import * as Chat from "./Chat.ts"
import * as Image from "./Image.ts"
import { makeClient, type OpenRouterOptions } from "./internal/Client.ts"
import { catalogue, MODEL_PATTERN, PROVIDER } from "./Models.ts"
import { costOf, readError } from "./Wire.ts"

export type { OpenRouterOptions } from "./internal/Client.ts"
export { catalogue, DEFAULT_BASE_URL, KEY_VARIABLE, MODEL_PATTERN, PROVIDER } from "./Models.ts"
export type { KnownImageModel, KnownLlmModel, ModelId } from "./Models.ts"
export { ImageOptions, LlmOptions, ProviderPreferences } from "./Options.ts"
export * as Wire from "./Wire.ts"
export { Chat, Image }

/**
 * Builds the OpenRouter provider (id `"openrouter"`): `llm` and `image`. Never throws: without
 * `apiKey` the key is read from `OPENROUTER_API_KEY` on first use, and a missing one fails that
 * call with `MissingApiKey` before any request.
 *
 * @example
 * ```ts
 * const provider = openrouter()                                  // key from OPENROUTER_API_KEY
 * const replayed = openrouter({ apiKey: "sk-or-…", fetch })      // e.g. the battery's replay fetch
 * ```
 * @category constructors
 */
export const openrouter = (options: OpenRouterOptions = {}): PatchbayProvider => {
  const client = makeClient(options)
  const provider = fromAiSdk({
    id: PROVIDER,
    models: { llm: client.chat, image: client.chat },
    catalogue,
    modelPatterns: { llm: MODEL_PATTERN, image: MODEL_PATTERN },
    providerOptionsKey: "openrouter",
    settings: { llm: Chat.settings, image: Image.settings },
    errors: readError,
    usage: ({ providerMetadata }) => ({ cost_usd: costOf(providerMetadata) })
  })
  return { ...provider, credentials: client.credentials }
}

/**
 * A layer that adds `openrouter(options)` to the `ProviderRegistry` in context.
 *
 * @example
 * ```ts
 * const providers = layer({}).pipe(Layer.provideMerge(ProviderRegistry.layer()))
 * ```
 * @category layers
 */
export const layer = (options: OpenRouterOptions = {}): Layer.Layer<never, InvalidRequest, ProviderRegistry> =>
  ProviderRegistry.register(openrouter(options))
