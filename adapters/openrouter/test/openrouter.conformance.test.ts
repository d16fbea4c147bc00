/**
 * The battery over OpenRouter's HTTP exchanges, replayed from cassettes synthesized from its
 * published spec: the LLM (text, tools, every error case, an error inside a 200 stream) and
 * image generation through chat completions (including an image item without its `type`).
 */
import { runConformance } from "@patchbay/conformance"
import { openrouter } from "../src/index.ts"
import { ImageOptions, LlmOptions } from "../src/Options.ts"

const opt = (name: string) => `provider_options.openrouter.${name}`

runConformance({
  name: "openrouter",
  make: ({ fetch, apiKey }) => openrouter({ fetch, apiKey }),
  cassettes: new URL("./cassettes/", import.meta.url),
  record: { apiKeyVariable: "OPENROUTER_API_KEY" },
  options: {
    llm: {
      schema: LlmOptions,
      // From OpenRouter's chat completions schema: the sampling ranges, routing slugs and prices, the session id's length.
      invalid: [
        { option: "temperature", value: 2.01, with: {}, field: opt("temperature"), why: "just above 2" },
        { option: "top_p", value: -0.01, with: {}, field: opt("top_p"), why: "just below 0" },
        { option: "frequency_penalty", value: -2.01, with: {}, field: opt("frequency_penalty"), why: "just below -2" },
        { option: "max_tokens", value: 0, with: {}, field: opt("max_tokens"), why: "below 1" },
        { option: "top_k", value: 1.5, with: {}, field: opt("top_k"), why: "not a whole number" },
        { option: "session_id", value: "s".repeat(257), with: {}, field: opt("session_id"), why: "one character over 256" },
        { option: "provider", value: { order: ["openai", ""] }, with: {}, field: opt("provider.order[1]"), why: "an empty provider slug" },
        { option: "provider", value: { max_price: { prompt: -1 } }, with: {}, field: opt("provider.max_price.prompt"), why: "a negative price" },
        { option: "reasoning", value: { effort: "extreme" }, with: {}, field: opt("reasoning.effort"), why: "an effort outside the closed list" }
      ],
      valid: [
        { option: "temperature", value: 2, with: {}, why: "the upper bound" },
        { option: "top_p", value: 0, with: {}, why: "the lower bound" },
        { option: "frequency_penalty", value: -2, with: {}, why: "the lower bound" },
        { option: "max_tokens", value: 1, with: {}, why: "the least" },
        { option: "session_id", value: "s".repeat(256), with: {}, why: "exactly 256 characters" },
        { option: "provider", value: { max_price: { prompt: 0 } }, with: {}, why: "a price of zero" }
      ]
    },
    image: {
      schema: ImageOptions,
      // From OpenRouter's image generation guide: the aspect ratios and image sizes a size maps to.
      invalid: [
        { request: { size: "1000x333" }, with: {}, field: "size", allowed: ["16:9", "1K"], why: "a pixel size of no documented aspect ratio" },
        { request: { size: "8K" }, with: {}, field: "size", why: "an image size OpenRouter does not make" },
        { request: { size: "1920x1080px" }, with: {}, field: "size", why: "a pixel size of 16:9 with text after it" },
        { request: { size: "w1920x1080" }, with: {}, field: "size", why: "a pixel size of 16:9 with text before it" },
        { option: "temperature", value: 2.01, with: {}, field: opt("temperature"), why: "just above 2" },
        { option: "modalities", value: ["video"], with: {}, field: opt("modalities[0]"), why: "a modality outside the closed list" }
      ],
      valid: [
        { request: { size: "1920x1080" }, with: {}, why: "a pixel size of 16:9" },
        { request: { size: "0.5K" }, with: {}, why: "the smallest image size" },
        { option: "temperature", value: 2, with: {}, why: "the upper bound" }
      ]
    }
  }
})
