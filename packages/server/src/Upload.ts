/**
 * Multipart messages, read as they stream in: text fields first (`voice`, `tools`,
 * `provider_options` and `llm_fallback` as JSON strings, as Backboard's SDK sends them), then
 * the `audio_file` part, refused with `InputTooLarge` (413) the moment it passes the limit of the
 * STT model named in the fields before it (else `limits.maxUploadBytes`). An audio file of up to
 * {@link IN_MEMORY_BYTES} stays in memory, handed to the pipeline as bytes: a spoken turn's
 * upload costs no disk round trips before the run starts. A larger one is spooled chunk by chunk
 * to a temporary file — never held whole in memory — and the pipeline reads it by path. Either
 * way the pipeline knows its size before validating it.
 *
 * @since 0.1.0
 */
import type { RequestTimeout } from "@patchbay/api"
import { InputTooLarge, InvalidRequest, type ProviderRegistryShape } from "@patchbay/core"
import { Effect, Stream } from "effect"
import { type HttpServerRequest, Multipart } from "effect/http"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as NodePath from "node:path"
import { depthOf, idleTimeout } from "./Body.ts"
import type { Limits } from "./Limits.ts"

/** The most parts a multipart message may have (every message field, and the audio). */
const MAX_PARTS = 64

/**
 * The largest audio file kept in memory (1 MiB: a minute of speech in most codecs); past it, the
 * upload goes to disk. It bounds the memory one upload holds.
 */
export const IN_MEMORY_BYTES = 1_048_576

/** Fields that arrive as JSON strings in a multipart message. */
const jsonFields = new Set(["voice", "tools", "provider_options", "llm_fallback"])

/** A multipart message: its fields (JSON ones parsed) and the audio, if any. */
export interface Upload {
  readonly fields: Record<string, unknown>
  /** The audio: bytes in memory (up to {@link IN_MEMORY_BYTES}), else the path it was spooled to; its file name as sent. */
  readonly audio?: { readonly source: Uint8Array | string; readonly filename: string; readonly size: number } | undefined
  /** Removes the spooled file; run it once the run is over. */
  readonly cleanup: Effect.Effect<void>
}

/** The upload limit of the STT model the fields name: its catalogue's `max_input_bytes`, else the server's. */
const limitOf = (registry: ProviderRegistryShape, fields: Record<string, unknown>, limits: Limits) =>
  Effect.gen(function*() {
    const stt = (fields["voice"] as { readonly stt?: { readonly provider?: unknown; readonly model?: unknown } } | undefined)?.stt
    if (typeof stt?.provider !== "string" || typeof stt.model !== "string") return { limit: limits.maxUploadBytes }
    const providers = yield* registry.list
    const model = providers.find((p) => p.id === stt.provider)?.models.find((m) => m.id === stt.model && m.capability === "stt")
    const limit = model?.max_input_bytes
    // The smaller limit wins, and the error names the model only when the limit is the model's.
    return limit === undefined || limit > limits.maxUploadBytes
      ? { limit: limits.maxUploadBytes }
      : { limit, provider: stt.provider, model: stt.model }
  })

/** Chunks joined in one buffer (the one chunk itself when there is one). */
const joined = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/** A file name safe to use inside our own temporary directory (its extension kept). */
const safeName = (name: string): string => {
  const base = NodePath.basename(name).replace(/[^A-Za-z0-9._-]/g, "_").slice(-64)
  return base === "" || base.startsWith(".") ? `audio${base}` : base
}

/**
 * Reads a multipart message. Fails with `InvalidRequest` for a malformed body, a JSON field that
 * is not JSON, a second audio file or a `files` part (not supported yet); `InputTooLarge` as soon
 * as the audio passes its limit; `RequestTimeout` when the body goes silent.
 */
export const readMultipart = (
  request: HttpServerRequest.HttpServerRequest,
  registry: ProviderRegistryShape,
  limits: Limits
): Effect.Effect<Upload, InvalidRequest | InputTooLarge | RequestTimeout> =>
  Effect.gen(function*() {
    const fields: Record<string, unknown> = {}
    let dir: string | undefined
    let audio: { source: Uint8Array | string; filename: string; size: number } | undefined
    const cleanup = Effect.promise(() => (dir === undefined ? Promise.resolve() : Fs.rm(dir, { recursive: true, force: true })))
    const malformed = (error: Multipart.MultipartError): InvalidRequest | InputTooLarge => {
      switch (error.reason._tag) {
        case "FieldTooLarge":
          return new InputTooLarge({ field: "body", limit: limits.maxJsonBytes, size: limits.maxJsonBytes + 1, detail: "a form field is too large" })
        case "TooManyParts":
          return new InvalidRequest({ field: "body", reason: `more than ${MAX_PARTS} form parts` })
        default:
          return new InvalidRequest({ field: "body", reason: `malformed multipart body: ${error.message}` })
      }
    }

    /** Holds the audio in memory while it is small, then spools it (what was held first) to a temporary file. */
    const receive = Effect.fnUntraced(function*(file: Multipart.File) {
      if (audio !== undefined) return yield* new InvalidRequest({ field: "audio_file", reason: "send one audio_file" })
      const { limit, ...named } = yield* limitOf(registry, fields, limits)
      const name = safeName(file.name)
      const held: Array<Uint8Array> = []
      let handle: Fs.FileHandle | undefined
      let path: string | undefined
      let size = 0
      const spool = async (chunk: Uint8Array) => {
        if (handle === undefined) {
          dir = await Fs.mkdtemp(NodePath.join(Os.tmpdir(), "patchbay-upload-"))
          path = NodePath.join(dir, name)
          handle = await Fs.open(path, "w")
          for (const earlier of held.splice(0)) await handle.write(earlier)
        }
        await handle.write(chunk)
      }
      yield* idleTimeout(file.content, limits.bodyIdleTimeoutMs).pipe(
        Stream.mapError((error) => (Multipart.isMultipartError(error) ? malformed(error) : error)),
        Stream.runForEach((chunk) => {
          size += chunk.byteLength
          if (size > limit) return Effect.fail(new InputTooLarge({ field: "audio_file", limit, size, ...named }))
          if (handle === undefined && size <= IN_MEMORY_BYTES) {
            held.push(chunk)
            return Effect.void
          }
          return Effect.promise(() => spool(chunk))
        }),
        Effect.ensuring(Effect.promise(() => handle?.close() ?? Promise.resolve()))
      )
      audio = { source: path ?? joined(held, size), filename: name, size }
    })

    yield* idleTimeout(request.multipartStream, limits.bodyIdleTimeoutMs).pipe(
      Stream.mapError((error) => (Multipart.isMultipartError(error) ? malformed(error) : error)),
      Stream.runForEach((part) => {
        if (part._tag === "File") {
          if (part.key === "audio_file") return receive(part)
          if (part.key === "files") return Effect.fail(new InvalidRequest({ field: "files", reason: "file attachments are not supported yet" }))
          return Effect.fail(new InvalidRequest({ field: part.key, reason: "unexpected file part; the audio goes in audio_file" }))
        }
        if (part.key === "files") return Effect.fail(new InvalidRequest({ field: "files", reason: "file attachments are not supported yet" }))
        if (!jsonFields.has(part.key)) {
          fields[part.key] = part.value
          return Effect.void
        }
        let value: unknown
        try {
          value = JSON.parse(part.value)
        } catch {
          return Effect.fail(new InvalidRequest({ field: part.key, value: part.value, reason: "expected a JSON string" }))
        }
        if (depthOf(value, limits.maxJsonDepth) > limits.maxJsonDepth) {
          return Effect.fail(new InvalidRequest({ field: part.key, reason: `nested deeper than ${limits.maxJsonDepth} levels` }))
        }
        fields[part.key] = value
        return Effect.void
      }),
      Effect.onError(() => cleanup),
      // Text fields are held in memory: each is bounded like a JSON body, and so is their count.
      Effect.provideContext(Multipart.limitsServices({ maxParts: MAX_PARTS, maxFieldSize: limits.maxJsonBytes }))
    )
    const upload: Upload = { fields, audio, cleanup }
    return upload
  })
