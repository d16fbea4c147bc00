/**
 * The pipeline's tunables, with defaults that need no configuration. Provide another value
 * with `Effect.provideService(PipelineSettings, { ...defaults, ttsConcurrency: 4 })`, or pass
 * `settings` to `createPatchbay`.
 *
 * @since 0.1.0
 */
import { Context } from "effect"
import type { ChunkingOptions } from "./internal/sentences.ts"

/** @category models */
export interface PipelineSettingsShape {
  /** Synthesis requests in flight at once per response (vendors such as ElevenLabs limit concurrency). */
  readonly ttsConcurrency: number
  /** How the reply is cut into speakable chunks. */
  readonly chunking: ChunkingOptions
  /** How long signed media URLs in responses and events stay valid, in seconds. */
  readonly mediaUrlTtlSeconds: number
  /** The LLM used when neither the request nor the thread names one. */
  readonly defaultLlm?: { readonly provider: string; readonly model: string } | undefined
}

/** The defaults. */
export const defaultSettings: PipelineSettingsShape = {
  ttsConcurrency: 2,
  chunking: {},
  mediaUrlTtlSeconds: 3600
}

/** @category services */
export const PipelineSettings = Context.Reference<PipelineSettingsShape>("@patchbay/core/PipelineSettings", {
  defaultValue: () => defaultSettings
})
