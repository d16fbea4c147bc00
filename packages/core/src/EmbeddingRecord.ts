/**
 * The record of an embedding request: which vendor and model served it, how many texts and
 * vendor calls it took (a batch over the model's per-call limit is split), the vectors' length,
 * usage and latency — everything but the vectors themselves, so it can be logged and stored
 * beside a run's other records.
 *
 * @since 0.2.0
 */
import { Schema } from "effect"
import { Usage } from "./Usage.ts"
import { LatencyMs } from "./VoiceRecords.ts"

/** @category schemas */
export const EmbeddingRecord = Schema.Struct({
  provider: Schema.String,
  model: Schema.String,
  /** How many texts were embedded (one vector each). */
  texts: Schema.Int,
  /** The length of every vector. */
  dimensions: Schema.Int,
  /** How many vendor calls the batch took. */
  calls: Schema.Int,
  /** Summed over the calls, as the vendor reported each. */
  usage: Usage,
  /** `first_byte`: until the first call answered; `total`: until the last did. */
  latency_ms: LatencyMs,
  request_ids: Schema.optionalKey(Schema.Array(Schema.String)),
  warnings: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Each call's wire response body, snake_case, vectors replaced by a note of their size. */
  provider_output: Schema.Array(Schema.Unknown)
})
export type EmbeddingRecord = typeof EmbeddingRecord.Type
