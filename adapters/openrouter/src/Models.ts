/**
 * The OpenRouter catalogue. OpenRouter routes to hundreds of models and adds new ones daily,
 * so both catalogues are **open**: any id of the form `vendor/model` (optionally with a
 * `:variant`) is accepted after a syntax check, and OpenRouter's own answer to an id it does
 * not know maps to `UnknownModel`. The entries listed here are the models the documentation and
 * tests use, with what they are known to do.
 *
 * @since 0.1.0
 */
import type { ModelDetails } from "@patchbay/ai-sdk"

/** The provider id, and the key of its `provider_options`. */
export const PROVIDER = "openrouter"

/** The environment variable the key is read from when the factory is given none. */
export const KEY_VARIABLE = "OPENROUTER_API_KEY"

/** OpenRouter's API root. */
export const DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"

/**
 * The syntax of OpenRouter model ids: `vendor/model`, optionally `:variant` (`:free`,
 * `:beta`, `:thinking`) or a leading `~` for a moving alias (`~anthropic/claude-sonnet-latest`).
 */
export const MODEL_PATTERN = /^~?[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._~-]*(?::[a-z0-9._-]+)?$/i

/** Language models the docs and tests name; any other `vendor/model` id works too. */
export type KnownLlmModel = "openai/gpt-4.1" | "openai/gpt-4o-mini" | "anthropic/claude-sonnet-4.5" | "google/gemini-2.5-flash"

/** Image-capable chat models the docs and tests name. */
export type KnownImageModel = "google/gemini-3.1-flash-image-preview" | "google/gemini-2.5-flash-image"

/** A model id: the known ones complete in an editor, any other string is accepted. */
export type ModelId<Known extends string> = Known | (string & {})

/** The listed entries of the open catalogues. */
export const catalogue: ReadonlyArray<ModelDetails> = [
  { id: "openai/gpt-4.1", capability: "llm", display_name: "OpenAI GPT-4.1 (via OpenRouter)", streaming: true, tools: true, image_input: true, context_window: 1_047_576 },
  { id: "openai/gpt-4o-mini", capability: "llm", display_name: "OpenAI GPT-4o mini (via OpenRouter)", streaming: true, tools: true, image_input: true, context_window: 128_000 },
  { id: "anthropic/claude-sonnet-4.5", capability: "llm", display_name: "Claude Sonnet 4.5 (via OpenRouter)", streaming: true, tools: true, image_input: true, context_window: 200_000 },
  { id: "google/gemini-2.5-flash", capability: "llm", display_name: "Gemini 2.5 Flash (via OpenRouter)", streaming: true, tools: true, image_input: true, context_window: 1_048_576 },
  { id: "google/gemini-3.1-flash-image-preview", capability: "image", display_name: "Gemini 3.1 Flash Image Preview (via OpenRouter)", image_input: true },
  { id: "google/gemini-2.5-flash-image", capability: "image", display_name: "Gemini 2.5 Flash Image (via OpenRouter)", image_input: true }
]
