/**
 * The battery, in process, on the AI SDK's own mock models behind the bridge: an AI SDK
 * provider other than OpenRouter works unchanged. HTTP checks are skipped here (the
 * mocks make no requests); the OpenRouter adapter runs them over the same bridge.
 */
import { runConformance } from "@patchbay/conformance"
import { mockProvider } from "./support/MockModels.ts"

runConformance({
  name: "ai-sdk",
  mode: "in-process",
  make: () => mockProvider(),
  cassettes: new URL("./cassettes/", import.meta.url),
  // The bridge's default settings pass options through; the AI SDK model validates them when called.
  openOptions: "the bridge passes them to the AI SDK model, which validates them when called"
})
