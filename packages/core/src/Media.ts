/**
 * A produced medium (generated image, synthesized speech) as callers see it: a stable
 * `document_id` in the media store and a signed URL to fetch it.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** `document_id`s use URL-safe characters only and are unguessable. */
export const DocumentId = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]{16,128}$/))

/** @category schemas */
export const Media = Schema.Struct({
  url: Schema.String,
  document_id: DocumentId,
  media_type: Schema.String
})
export type Media = typeof Media.Type
