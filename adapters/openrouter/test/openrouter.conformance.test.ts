/**
 * The battery over OpenRouter's HTTP exchanges, replayed from cassettes synthesized from its
 * published spec: the LLM (text, tools, every error case, an error inside a 200 stream) and
 * image generation through chat completions (including an image item without its `type`).
 */
import { runConformance } from "@patchbay/conformance"
import { openrouter } from "../src/index.ts"
import { ImageOptions, LlmOptions } from "../src/Options.ts"

runConformance({
  name: "openrouter",
  make: ({ fetch, apiKey }) => openrouter({ fetch, apiKey }),
  cassettes: new URL("./cassettes/", import.meta.url),
  record: { apiKeyVariable: "OPENROUTER_API_KEY" },
  options: {
    llm: { schema: LlmOptions },
    image: { schema: ImageOptions }
  }
})
