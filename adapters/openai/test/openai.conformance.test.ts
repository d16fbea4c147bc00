/**
 * The conformance battery on the OpenAI adapter: every check of every capability, replayed from
 * the synthesized cassettes in `./cassettes/`, offline and without a key.
 */
import { runConformance } from "@patchbay/conformance"
import { openai } from "../src/index.ts"

runConformance({
  name: "openai",
  make: ({ fetch, apiKey }) => openai({ fetch, apiKey }),
  cassettes: new URL("./cassettes/", import.meta.url),
  record: { apiKeyVariable: "OPENAI_API_KEY" }
})
