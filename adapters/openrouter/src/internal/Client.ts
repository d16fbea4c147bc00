/**
 * The OpenRouter client behind both capabilities: `@openrouter/ai-sdk-provider` created with
 * the key once it is known — read lazily from `OPENROUTER_API_KEY` when the factory got none,
 * so a missing key is `MissingApiKey` on first use, before any request, never a throw — with
 * the given `fetch` (the battery's replay transport) wrapped to repair untyped image items.
 * The AI SDK provider does not retry; the bridge calls its models directly. Key and client
 * plumbing come from `@patchbay/core/adapter`.
 */
import { createOpenRouter, type OpenRouterProvider } from "@openrouter/ai-sdk-provider"
import type { MissingApiKey } from "@patchbay/core"
import { clientOnFirstUse, loadApiKey } from "@patchbay/core/adapter"
import { Effect, type Redacted } from "effect"
import { DEFAULT_BASE_URL, KEY_VARIABLE, PROVIDER } from "../Models.ts"
import { repairImageParts } from "../Wire.ts"

/** The factory's options. */
export interface OpenRouterOptions {
  /** Defaults to `OPENROUTER_API_KEY`, read on first use. */
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
  /** Defaults to `https://openrouter.ai/api/v1`. */
  readonly baseURL?: string | undefined
  /** Defaults to the global `fetch`; tests inject the replay transport. */
  readonly fetch?: typeof fetch | undefined
}

/** The client's models, made on first use. */
export interface Client {
  /** OpenRouter's chat model for an id; fails with `MissingApiKey` when there is no key. */
  readonly chat: (modelId: string) => Effect.Effect<ReturnType<OpenRouterProvider["chat"]>, MissingApiKey>
  /** Succeeds when the key is there; no request. The provider's `credentials`. */
  readonly credentials: Effect.Effect<void, MissingApiKey>
}

/** Builds the client; reads nothing until a model is asked for. */
export const makeClient = (options: OpenRouterOptions): Client => {
  const transport = repairImageParts(options.fetch ?? ((input, init) => globalThis.fetch(input, init)))
  const key = loadApiKey({ provider: PROVIDER, variable: KEY_VARIABLE, apiKey: options.apiKey })
  const sdk = clientOnFirstUse(
    key,
    (apiKey) => createOpenRouter({ apiKey, baseURL: options.baseURL ?? DEFAULT_BASE_URL, fetch: transport })
  )
  return { chat: (modelId) => Effect.map(sdk, (openrouter) => openrouter.chat(modelId)), credentials: Effect.asVoid(key) }
}
