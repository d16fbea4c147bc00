/**
 * The public surface of @patchbay/openrouter: a change to it shows here, in review.
 */
import { expect, it } from "vitest"
import * as OpenRouter from "../src/index.ts"

it("exports the factory, its layer, the catalogue, the option schemas and the modules", () => {
  expect(Object.keys(OpenRouter).sort()).toEqual([
    "Chat",
    "DEFAULT_BASE_URL",
    "Image",
    "ImageOptions",
    "KEY_VARIABLE",
    "LlmOptions",
    "MODEL_PATTERN",
    "PROVIDER",
    "ProviderPreferences",
    "Wire",
    "catalogue",
    "layer",
    "openrouter"
  ])
})
