/**
 * Spooling a one-shot audio stream to a temporary file, so that it reaches the SDK as a
 * file-backed `Blob` (`fs.openAsBlob`): the SDK reads a stream whole into memory before
 * uploading, a `Blob` it passes through. The bytes are counted on the way and the spool stops
 * with `InputTooLarge` as soon as they pass the limit — before any request is made. The file
 * lives in a private directory (mode 0700) that the enclosing scope removes.
 */
import { InputTooLarge, InvalidRequest, ProviderUnavailable } from "@patchbay/core"
import { Effect, type Scope } from "effect"
import * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { PROVIDER } from "../Models.ts"

/** What a spool needs: the stream, the limit, where to write and how to label the Blob. */
export interface SpoolOptions {
  readonly stream: ReadableStream<Uint8Array>
  readonly limit: number
  readonly model: string
  readonly mediaType: string
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

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * Writes the stream to a temporary file and returns it as a `Blob` read from disk on demand.
 * The file is deleted when the scope closes (after the upload), whatever the outcome.
 */
export const spoolToFile = (options: SpoolOptions): Effect.Effect<Blob, InputTooLarge | InvalidRequest | ProviderUnavailable, Scope.Scope> =>
  Effect.gen(function*() {
    const diskError = (cause: unknown) =>
      new ProviderUnavailable({ provider: PROVIDER, detail: `the upload could not be spooled to disk: ${describe(cause)}` })
    // The stream first: cancelled unless read to its end, whatever fails after.
    const reader = yield* Effect.acquireRelease(
      Effect.sync(() => options.stream.getReader()),
      (opened, exit) => exit._tag === "Success" ? Effect.void : Effect.promise(() => opened.cancel().catch(() => undefined))
    )
    const dir = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => fsp.mkdtemp(path.join(options.dir ?? os.tmpdir(), "patchbay-elevenlabs-")),
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
        return yield* new InputTooLarge({ provider: PROVIDER, model: options.model, field: "audio_file", limit: options.limit, size })
      }
      const chunk = next.value
      yield* Effect.tryPromise({ try: () => writeAll(handle, chunk), catch: diskError })
    }
    return yield* Effect.tryPromise({ try: () => fs.openAsBlob(file, { type: options.mediaType }), catch: diskError })
  })
