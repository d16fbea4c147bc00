/**
 * OpenRouter's language models: any `vendor/model` id, streamed through the AI SDK bridge
 * (text deltas, whole tool calls, usage with its `cost` as `usage.cost_usd`). The request's
 * `provider_options.openrouter` — routing (`provider.order`, `allow_fallbacks`, `sort`,
 * `max_price`), fallback `models`, sampling, reasoning — is checked against OpenRouter's
 * schema and goes into the chat completion body under its own names.
 *
 * @since 0.1.0
 */
import type { LlmCallSettings, SettingsContext } from "@patchbay/ai-sdk"
import type { InvalidRequest, LlmSpec } from "@patchbay/core"
import { Effect } from "effect"
import { decodeOptions, LlmOptions } from "./Options.ts"

/** Options as the AI SDK provider's `providerOptions.openrouter`, which it spreads into the request body. */
export const toProviderOptions = (options: object): LlmCallSettings["providerOptions"] =>
  Object.keys(options).length === 0 ? undefined : { openrouter: JSON.parse(JSON.stringify(options)) }

/**
 * The LLM settings hook: decodes `provider_options.openrouter` (unknown fields refused) and
 * hands it to the chat model. Pure: `validate` runs it before any request.
 */
export const settings = (spec: LlmSpec, context: SettingsContext): Effect.Effect<LlmCallSettings, InvalidRequest> =>
  Effect.map(decodeOptions(LlmOptions, spec.provider_options, context.field), (options) => {
    const providerOptions = toProviderOptions(options)
    return providerOptions === undefined ? {} : { providerOptions }
  })
