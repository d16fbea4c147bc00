/**
 * The store stage: produced media (speech, images) into the `MediaStore`, returned with a
 * signed URL. Its own module because both the speech and the LLM stage (the image tool) store.
 */
import { Effect } from "effect"
import type { Media } from "../../Media.ts"
import { MediaStore } from "../../MediaStore.ts"
import { PipelineSettings } from "../../Settings.ts"

/** Stores produced media and returns it with a signed URL. */
export const store = Effect.fn("Stages.store")(function*(media: {
  readonly bytes: Uint8Array
  readonly media_type: string
  readonly thread_id?: string | undefined
}) {
  const settings = yield* PipelineSettings
  const mediaStore = yield* MediaStore
  const stored = yield* mediaStore.put(media)
  const url = yield* mediaStore.url(stored.document_id, { ttlSeconds: settings.mediaUrlTtlSeconds }).pipe(Effect.orDie)
  return { url, document_id: stored.document_id, media_type: stored.media_type } satisfies Media
})

/** A record's warnings field: absent when there are none. */
export const withWarnings = (warnings: ReadonlyArray<string>) => (warnings.length === 0 ? {} : { warnings })
