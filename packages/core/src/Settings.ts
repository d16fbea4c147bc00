/**
 * The pipeline's tunables, with defaults that need no configuration. Provide another value
 * with `Effect.provideService(PipelineSettings, { ...defaults, ttsConcurrency: 4 })`, or pass
 * `settings` to `createPatchbay`.
 *
 * @since 0.1.0
 */
import { Context } from "effect"
import type { ChunkingOptions } from "./internal/sentences.ts"

/** How vendor requests are retried: only while they have yielded nothing, only retryable errors. */
export interface RetrySettings {
  /** Retries after the first attempt. */
  readonly times: number
  /** The first backoff; each retry doubles it, jittered by up to a fifth either way (effect's `Schedule.jittered`). */
  readonly baseDelayMs: number
  /** No backoff is longer, unless the vendor's `retry-after` asks for more. */
  readonly maxDelayMs: number
  /** A vendor asking to wait longer than this (`retry-after`) is not retried. */
  readonly maxRetryAfterMs: number
}

/**
 * Per-stage timeouts in milliseconds: how long one vendor request may go without producing
 * anything (its first byte, or the next one) before it fails as `ProviderTimeout` (retryable).
 * For requests that answer once (STT without streaming, images) it bounds the whole request.
 */
export interface StageTimeouts {
  readonly stt?: number | undefined
  readonly llm?: number | undefined
  readonly tts?: number | undefined
  readonly image?: number | undefined
  readonly embedding?: number | undefined
  /**
   * Realtime STT: how long a session may take, once its audio has ended, to send its last
   * transcript and summary (default 30 s); then it fails as `ProviderTimeout` and the vendor
   * connection is closed. While audio flows, a session has no timeout: a speaker may pause.
   */
  readonly realtime?: number | undefined
}

/** How long runs hold their state (see `RunStore`). */
export interface RunSettings {
  /** How long a running run's owner lease lasts; the owner renews it while the run goes on. */
  readonly leaseMs: number
  /** How long a run paused for tool outputs can be resumed before it is cancelled as `expired`. */
  readonly pausedTtlMs: number
  /**
   * How often the process running a run looks at its stored row for a cancel asked by another
   * process, on stores that cannot tell it (SQLite; PostgreSQL tells at once through `NOTIFY`).
   * Default 200 ms.
   */
  readonly cancelPollMs?: number | undefined
  /**
   * How often `createPatchbay`'s runtime settles every tenant's lapsed and expired runs in the
   * background (`RunStore.sweep`); 0 (the default) is off — every read settles the runs it
   * touches anyway.
   */
  readonly sweepIntervalMs?: number | undefined
}

/** How memory reads wait for writes, and how long a write may take (see `Memory`). */
export interface MemorySettings {
  /**
   * How long a turn that reads memory waits for its scope's running operation before it
   * retrieves (default 2000): long enough to read the previous turn's facts, bounded so a slow
   * write never stalls a conversation.
   */
  readonly waitMs: number
  /** How often a wait polls the store for an operation's end. */
  readonly pollMs: number
  /** How long one memory operation may run before it ends `FAILED` (timeout). */
  readonly operationTimeoutMs: number
}

/** @category models */
export interface PipelineSettingsShape {
  /** Synthesis requests in flight at once per response (vendors such as ElevenLabs limit concurrency). */
  readonly ttsConcurrency: number
  /** How the reply is cut into speakable chunks. */
  readonly chunking: ChunkingOptions
  /** How long signed media URLs in responses and events stay valid, in seconds. */
  readonly mediaUrlTtlSeconds: number
  readonly retry: RetrySettings
  readonly timeouts: StageTimeouts
  /** How many LLM round trips one turn may take through built-in tools (the image tool). */
  readonly maxToolRounds: number
  readonly runs: RunSettings
  readonly memory: MemorySettings
  /** The LLM used when neither the request, the thread nor its assistant names one. */
  readonly defaultLlm?: { readonly provider: string; readonly model: string } | undefined
}

/** The defaults. */
export const defaultSettings: PipelineSettingsShape = {
  ttsConcurrency: 2,
  chunking: {},
  mediaUrlTtlSeconds: 3600,
  retry: { times: 3, baseDelayMs: 250, maxDelayMs: 8000, maxRetryAfterMs: 60_000 },
  timeouts: { stt: 300_000, llm: 60_000, tts: 30_000, image: 180_000, embedding: 60_000, realtime: 30_000 },
  maxToolRounds: 8,
  runs: { leaseMs: 30_000, pausedTtlMs: 24 * 60 * 60 * 1000, cancelPollMs: 200, sweepIntervalMs: 0 },
  memory: { waitMs: 2000, pollMs: 50, operationTimeoutMs: 120_000 }
}

/** @category services */
export const PipelineSettings = Context.Reference<PipelineSettingsShape>("@patchbay/core/PipelineSettings", {
  defaultValue: () => defaultSettings
})
