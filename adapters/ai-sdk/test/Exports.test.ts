/**
 * The public surface of @patchbay/ai-sdk: a change to it shows here, in review.
 */
import { expect, it } from "vitest"
import * as AiSdk from "../src/index.ts"

it("exports the bridge, its layer, the default settings hooks and the capability modules", () => {
  expect(Object.keys(AiSdk).sort()).toEqual([
    "Chat",
    "Embedding",
    "Image",
    "Speech",
    "Transcription",
    "Wire",
    "defaultImageSettings",
    "defaultSttSettings",
    "fromAiSdk",
    "layer",
    "passThrough"
  ])
  expect(Object.keys(AiSdk.Wire).sort()).toEqual([
    "finishReason",
    "headersOf",
    "imageMediaType",
    "jsonValue",
    "languageModelUsage",
    "requestIdOf",
    "toBytes",
    "toPrompt",
    "toProviderError",
    "toTools",
    "usageFromJson",
    "usageOf",
    "vendorError",
    "warningText"
  ])
})
