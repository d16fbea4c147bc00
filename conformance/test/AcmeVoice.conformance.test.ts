/**
 * The battery on the example adapter, exactly as a third party runs it: one import, one call.
 */
import { runConformance } from "@patchbay/conformance"
import { acmeVoice } from "../examples/acme-voice/src/index.ts"
import { acmeOptions } from "./support/AcmeOptions.ts"

runConformance({
  name: "acme-voice",
  make: ({ fetch, apiKey }) => acmeVoice({ fetch, apiKey }),
  cassettes: new URL("../examples/acme-voice/cassettes/", import.meta.url),
  record: { apiKeyVariable: "ACME_VOICE_API_KEY" },
  options: acmeOptions
})
