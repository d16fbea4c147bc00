/**
 * `@patchbay/s3`: Patchbay's produced media in an S3-compatible bucket, for
 * `createPatchbay({ media: { store: s3({ bucket }) } })`.
 *
 * @since 0.1.0
 */
export { s3, type S3MediaOptions } from "./S3Media.ts"
