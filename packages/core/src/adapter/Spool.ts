/**
 * Spooling a one-shot audio stream to a temporary file, so that it reaches a vendor SDK as a
 * file-backed `Blob` (`fs.openAsBlob`): SDKs such as ElevenLabs' read a stream whole into memory
 * before uploading, a `Blob` they pass through. The bytes are counted on the way and the spool stops
 * with `InputTooLarge` as soon as they pass the limit — before any request is made. The file
 * lives in a private directory (mode 0700) that the enclosing scope removes.
 *
 * @since 0.2.0
 */
import { Effect, type Scope } from "effect"
import * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { InputTooLarge, InvalidRequest, ProviderUnavailable } from "../Errors.ts"

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** What a spool needs: the stream, whose upload it is and its limit, where to write and how to label the Blob. */
export interface SpoolOptions {
  readonly stream: ReadableStream<Uint8Array>
  readonly provider: string
  readonly limit: number
  readonly model?: string | undefined
  readonly mediaType: string
  /** The directory the private spool directory is made in; `os.tmpdir()` by default. */
  readonly dir?: string | undefined
}

/** Writes every byte of a chunk (a write may take fewer than it was given). */
const writeAll = async (handle: fsp.FileHandle, chunk: Uint8Array): Promise<void> => {
  let offset = 0
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset)
    offset += bytesWritten
  }
}

/**
 * Writes the stream to a temporary file and returns it as a `Blob` read from disk on demand.
 * The file is deleted when the scope closes (after the upload), whatever the outcome.
 */
export const spoolToFile = (options: SpoolOptions): Effect.Effect<Blob, InputTooLarge | InvalidRequest | ProviderUnavailable, Scope.Scope> =>
  Effect.gen(function*() {
    const diskError = (cause: unknown) =>
      new ProviderUnavailable({ provider: options.provider, detail: `the upload could not be spooled to disk: ${describe(cause)}` })
    // The stream first: cancelled unless read to its end, whatever fails after.
    const reader = yield* Effect.acquireRelease(
      Effect.sync(() => options.stream.getReader()),
      (opened, exit) => exit._tag === "Success" ? Effect.void : Effect.promise(() => opened.cancel().catch(() => undefined))
    )
    const dir = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => fsp.mkdtemp(path.join(options.dir ?? os.tmpdir(), `patchbay-${options.provider}-`)),
        catch: diskError
      }),
      (created) => Effect.promise(() => fsp.rm(created, { recursive: true, force: true }).catch(() => undefined))
    )
    const file = path.join(dir, "upload")
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => fsp.open(file, "wx", 0o600), catch: diskError }),
      (opened) => Effect.promise(() => opened.close().catch(() => undefined))
    )
    let size = 0
    for (;;) {
      const next = yield* Effect.tryPromise({
        try: () => reader.read(),
        catch: (cause) => new InvalidRequest({ field: "audio_file", reason: `the audio stream failed: ${describe(cause)}` })
      })
      if (next.done) break
      size += next.value.byteLength
      if (size > options.limit) {
        yield* Effect.promise(() => reader.cancel().catch(() => undefined))
        return yield* new InputTooLarge({
          provider: options.provider,
          field: "audio_file",
          limit: options.limit,
          size,
          ...(options.model === undefined ? {} : { model: options.model })
        })
      }
      const chunk = next.value
      yield* Effect.tryPromise({ try: () => writeAll(handle, chunk), catch: diskError })
    }
    return yield* Effect.tryPromise({ try: () => fs.openAsBlob(file, { type: options.mediaType }), catch: diskError })
  })
