/**
 * Request bodies for vendors spoken to over `fetch`: JSON, a multipart form, raw bytes, or a
 * stream of unknown length that is counted as it uploads and cut off past the vendor's limit —
 * the request then fails with `InputTooLarge`, not a connection error. For a form, an upload of
 * unknown length is counted into a `Blob` first ({@link uploadBlob}): `FormData` takes no stream.
 *
 * @since 0.2.0
 */
import { Effect } from "effect"
import { InputTooLarge, InvalidRequest } from "../Errors.ts"
import { describeCause } from "./Call.ts"

/** A body ready for `fetch`, with the headers it needs. */
export interface RequestBody {
  readonly body: BodyInit
  readonly headers: Readonly<Record<string, string>>
  /** Set for a streamed body: `fetch` needs `duplex: "half"` to send one. */
  readonly duplex?: "half" | undefined
  /** For a counted stream: the error when the upload passed its limit (then `fetch` rejected). */
  readonly overflow?: (() => InputTooLarge | undefined) | undefined
}

/** A JSON body (`content-type: application/json`). */
export const jsonBody = (value: unknown): RequestBody => ({ body: JSON.stringify(value), headers: { "content-type": "application/json" } })

/** A file part of a form: the content and the file name sent with it. */
export interface FilePart {
  readonly file: Blob
  readonly filename: string
}

/** A form field: text, a number or boolean (sent as text), a file, or a list sent as repeated fields. */
export type FormValue = string | number | boolean | FilePart | ReadonlyArray<string | number | boolean> | undefined

/**
 * A multipart form; `undefined` fields are left out and a list becomes repeated fields (name them
 * `timestamp_granularities[]` when the vendor wants brackets). `fetch` sets the boundary.
 *
 * @example
 * ```ts
 * multipartBody({ model, file: { file: blob, filename: "a.wav" }, language, diarize: options.diarize })
 * ```
 */
export const multipartBody = (fields: Readonly<Record<string, FormValue>>): RequestBody => {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value) form.append(name, String(item))
    else if (typeof value === "object" && "file" in value) form.append(name, value.file, value.filename)
    else form.append(name, String(value))
  }
  return { body: form, headers: {} }
}

/** Raw bytes of a known length with their media type. */
export const bytesBody = (bytes: Uint8Array | Blob, mediaType: string): RequestBody => ({
  body: bytes instanceof Blob ? bytes : new Blob([bytes as Uint8Array<ArrayBuffer>]),
  headers: { "content-type": mediaType }
})

/** Where an upload goes and how much it may be: what `InputTooLarge` says past the limit. */
export interface UploadLimit {
  readonly provider: string
  /** The most bytes the vendor takes. */
  readonly limit: number
  readonly model?: string | undefined
  /** The request field of the upload; `audio_file` by default. */
  readonly field?: string | undefined
}

const tooLarge = (limit: UploadLimit, size: number): InputTooLarge =>
  new InputTooLarge({
    provider: limit.provider,
    field: limit.field ?? "audio_file",
    limit: limit.limit,
    size,
    ...(limit.model === undefined ? {} : { model: limit.model })
  })

/**
 * A stream of unknown length sent as it is read (chunked), counted on the way. Past the limit the
 * body is cut off, which aborts the request; the client then fails with {@link RequestBody.overflow}'s
 * `InputTooLarge`.
 */
export const countedStreamBody = (stream: ReadableStream<Uint8Array>, mediaType: string, limit: UploadLimit): RequestBody => {
  let size = 0
  let exceeded: InputTooLarge | undefined
  const counted = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength
        if (size > limit.limit) {
          exceeded = tooLarge(limit, size)
          controller.error(exceeded)
          return
        }
        controller.enqueue(chunk)
      }
    })
  )
  return { body: counted, headers: { "content-type": mediaType }, duplex: "half", overflow: () => exceeded }
}

/** An upload as `AudioInput` gives it: its size when known, as a `Blob` or as a one-shot stream. */
export interface Upload {
  readonly size?: number | undefined
  readonly blob: () => Promise<Blob>
  readonly stream: () => ReadableStream<Uint8Array>
}

const unreadable = (provider: string, field: string) => (cause: unknown) =>
  new InvalidRequest({ provider, field, reason: `the audio could not be read: ${describeCause(cause)}` })

/**
 * The upload as a `Blob` for a form, labelled `mediaType` when it has no type of its own (a
 * caller's untyped `Blob` would otherwise go up as `application/octet-stream`). One of known size
 * is passed through (a file is never buffered — a `Blob` of a `Blob` refers to its bytes; its size
 * was checked by `validate`); one of unknown length is read and counted, and refused with
 * `InputTooLarge` as soon as it passes the limit — before any request.
 */
export const uploadBlob = (
  upload: Upload,
  options: UploadLimit & { readonly mediaType: string }
): Effect.Effect<Blob, InputTooLarge | InvalidRequest> =>
  Effect.gen(function*() {
    const failed = unreadable(options.provider, options.field ?? "audio_file")
    if (upload.size !== undefined) {
      const blob = yield* Effect.tryPromise({ try: () => upload.blob(), catch: failed })
      return blob.type === "" ? new Blob([blob], { type: options.mediaType }) : blob
    }
    const chunks: Array<Uint8Array<ArrayBuffer>> = []
    let size = 0
    const reader = upload.stream().getReader()
    for (;;) {
      const next = yield* Effect.tryPromise({ try: () => reader.read(), catch: failed })
      if (next.done) break
      size += next.value.byteLength
      if (size > options.limit) {
        yield* Effect.promise(() => reader.cancel().catch(() => undefined))
        return yield* tooLarge(options, size)
      }
      chunks.push(next.value as Uint8Array<ArrayBuffer>)
    }
    return new Blob(chunks, { type: options.mediaType })
  })
