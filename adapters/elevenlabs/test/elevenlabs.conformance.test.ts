/**
 * The shared conformance battery on the ElevenLabs adapter, replaying the synthesized cassettes
 * of `test/cassettes/` (never the network, whatever keys are set).
 */
import { runConformance } from "@patchbay/conformance"
import { elevenlabs } from "../src/index.ts"

runConformance({
  name: "elevenlabs",
  make: ({ fetch, apiKey }) => elevenlabs({ fetch, apiKey }),
  cassettes: new URL("./cassettes/", import.meta.url),
  record: { apiKeyVariable: "ELEVENLABS_API_KEY" }
})
