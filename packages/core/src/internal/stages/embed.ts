/**
 * The embedding stage: texts in, one vector per text out, in order, with the record. A batch
 * larger than the model's `max_texts_per_call` is split into several vendor calls, made one
 * after another and joined in order; each call is retried (it answers once, so only while it
 * has answered nothing) and bounded by the stage's timeout.
 */
import { Clock, Effect } from "effect"
import type { EmbeddingRecord } from "../../EmbeddingRecord.ts"
import { ProviderUnavailable } from "../../Errors.ts"
import type { EmbeddingResult } from "../../Provider.ts"
import { PipelineSettings } from "../../Settings.ts"
import { combineUsage, type Usage } from "../../Usage.ts"
import type * as Validation from "../../Validation.ts"
import { retryEffect, timeoutEffect } from "../resilience.ts"
import { withWarnings } from "./store.ts"

/** What `Stages.embed` returns: the vectors in the order of the texts, the summed usage, and the record. */
export interface Embedded {
  readonly vectors: ReadonlyArray<Float32Array>
  readonly usage: Usage
  readonly record: EmbeddingRecord
}

/** Cuts a list into pieces of at most `size` (one piece when `size` is absent). */
export const batches = <A>(items: ReadonlyArray<A>, size: number | undefined): ReadonlyArray<ReadonlyArray<A>> => {
  if (size === undefined || !Number.isFinite(size) || size < 1 || items.length <= size) return [items]
  const out: Array<ReadonlyArray<A>> = []
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size))
  return out
}

/**
 * Embeds texts with an already validated entry (see `Validation.validateEmbedding`): splits the
 * batch by the model's `max_texts_per_call`, calls the vendor once per piece in order, checks
 * that each call gave one vector per text, all of one length, and joins them.
 *
 * @category stages
 */
export const embedValidated = Effect.fn("Stages.embed")(function*(
  valid: Validation.ValidEmbedding,
  request: { readonly texts: ReadonlyArray<string>; readonly dimensions?: number | undefined }
) {
  const settings = yield* PipelineSettings
  const { resolved } = valid
  const provider = resolved.provider.id
  const context = { provider, stage: "embedding" }
  const started = yield* Clock.currentTimeMillis
  let firstAnswer: number | undefined
  const vectors: Array<Float32Array> = []
  const results: Array<EmbeddingResult> = []
  for (const texts of batches(request.texts, resolved.model?.max_texts_per_call)) {
    const call = resolved.capability.embed({
      model: resolved.modelId,
      texts,
      dimensions: request.dimensions,
      provider_options: valid.options
    })
    const result = yield* retryEffect(timeoutEffect(call, settings.timeouts.embedding, context), settings.retry)
    firstAnswer ??= yield* Clock.currentTimeMillis
    if (result.vectors.length !== texts.length) {
      return yield* new ProviderUnavailable({
        provider,
        ...(result.request_id === undefined ? {} : { requestId: result.request_id }),
        detail: `the vendor gave ${result.vectors.length} vectors for ${texts.length} texts`
      })
    }
    vectors.push(...result.vectors)
    results.push(result)
  }
  const length = vectors[0]?.length ?? 0
  if (vectors.some((v) => v.length !== length)) {
    return yield* new ProviderUnavailable({ provider, detail: "the vendor gave vectors of different lengths" })
  }
  const finished = yield* Clock.currentTimeMillis
  const usage = results.reduce<Usage>((sum, r) => combineUsage(sum, r.usage), {})
  const requestIds = results.flatMap((r) => (r.request_id === undefined ? [] : [r.request_id]))
  const record: EmbeddingRecord = {
    provider,
    model: resolved.modelId,
    texts: vectors.length,
    dimensions: length,
    calls: results.length,
    usage,
    latency_ms: { first_byte: (firstAnswer ?? finished) - started, total: finished - started },
    ...(requestIds.length === 0 ? {} : { request_ids: requestIds }),
    ...withWarnings([...valid.warnings, ...results.flatMap((r) => r.warnings ?? [])]),
    provider_output: results.map((r) => r.provider_output)
  }
  return { vectors, usage, record } satisfies Embedded
})
