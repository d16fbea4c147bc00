/**
 * Audio given to an STT provider, whatever the caller handed over: a file path, bytes, a
 * `Blob`, a web `ReadableStream` or any `AsyncIterable<Uint8Array>`. Its container is sniffed
 * from the first bytes (never from the file name) and its size is known up front when the
 * source has one, so validation can refuse it before any upload. The bytes themselves are
 * read only when a provider asks, as a stream or a `Blob`, so a large file never sits in memory
 * unless a provider needs it whole. First bytes that are text, not audio, are refused whatever
 * the source.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import * as path from "node:path"
import { Readable } from "node:stream"
import { type AudioContainer, mediaTypeOf, sniff } from "@patchbay/audio/Container"
import { InvalidRequest, NotFound, TEXT_INPUT, UnsupportedFormat } from "./Errors.ts"

/** What callers may pass as `audioFile`. */
export type AudioSource = string | Uint8Array | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>

/** @category models */
export interface AudioInput {
  /** A file name for multipart uploads: the path's base name, or `audio.<container>`. */
  readonly filename: string
  /** Bytes in total, when the source knows (bytes, Blob, file); undefined for streams. */
  readonly size: number | undefined
  /** The container sniffed from the first bytes; undefined when they match no known format. */
  readonly container: AudioContainer | undefined
  readonly media_type: string | undefined
  /** True for one-shot sources (streams, iterables): their bytes can be read only once. */
  readonly once: boolean
  /** The bytes as a web stream. A one-shot source (stream, iterable) can be read only once. */
  readonly stream: () => ReadableStream<Uint8Array>
  /** The bytes as a `Blob`. Files are not buffered (`fs.openAsBlob`); streams are read whole. */
  readonly blob: () => Promise<Blob>
  /** The bytes whole, in memory. Only for providers that need them at once. */
  readonly bytes: () => Promise<Uint8Array>
}

const SNIFF_BYTES = 64

const collect = async (stream: ReadableStream<Uint8Array>): Promise<Uint8Array> =>
  new Uint8Array(await new Response(stream).arrayBuffer())

/** Whether bytes are UTF-8 text without control characters other than whitespace (none: false). */
const isText = (head: Uint8Array): boolean => {
  if (head.byteLength === 0) return false
  let text: string
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true }) // a character cut at the end is fine
  } catch {
    return false
  }
  return !/[\x00-\x08\x0b\x0e-\x1f\x7f]/.test(text)
}

const make = (
  once: boolean,
  name: string | undefined,
  head: Uint8Array,
  size: number | undefined,
  stream: () => ReadableStream<Uint8Array>,
  blob: (type: string | undefined) => Promise<Blob>
): AudioInput => {
  const facts = sniff(head)
  const container = facts?.container
  const media_type = facts?.media_type
  return {
    once,
    filename: name ?? `audio.${container ?? "bin"}`,
    size,
    container,
    media_type,
    stream,
    blob: () => blob(media_type),
    bytes: () => collect(stream())
  }
}

/** Audio held in memory. */
export const fromBytes = (bytes: Uint8Array, filename?: string): AudioInput =>
  make(
    false,
    filename,
    bytes.subarray(0, SNIFF_BYTES),
    bytes.byteLength,
    () => new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(),
    async (type) => new Blob([bytes as Uint8Array<ArrayBuffer>], type === undefined ? {} : { type })
  )

/** An input and the first bytes it was sniffed from. */
interface Opened {
  readonly input: AudioInput
  readonly head: Uint8Array
}

const openBlob = (blob: Blob, filename?: string): Effect.Effect<Opened, InvalidRequest> =>
  Effect.tryPromise({
    try: async () => {
      const head = new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer())
      const name = filename ?? ("name" in blob && typeof blob.name === "string" && blob.name !== "" ? blob.name : undefined)
      return { input: make(false, name, head, blob.size, () => blob.stream(), async () => blob), head }
    },
    catch: (cause) => new InvalidRequest({ field: "audio_file", reason: `the Blob could not be read: ${String(cause)}` })
  })

/** Audio in a `Blob` (or `File`); its bytes are read only when asked for. */
export const fromBlob = (blob: Blob, filename?: string): Effect.Effect<AudioInput, InvalidRequest> =>
  Effect.map(openBlob(blob, filename), ({ input }) => input)

/**
 * Refuses an input whose first bytes are text rather than audio (a transcript, an error page,
 * JSON): `UnsupportedFormat` with format {@link TEXT_INPUT}. Bytes of an audio container, or
 * binary bytes of no known one, pass (the latter to be refused by validation as unrecognized).
 */
const refuseText = (
  { head, input }: Opened,
  release: () => Promise<void> = () => Promise.resolve()
): Effect.Effect<AudioInput, UnsupportedFormat> =>
  input.container === undefined && isText(head)
    ? Effect.andThen(
      Effect.promise(() => release().catch(() => undefined)),
      Effect.fail(new UnsupportedFormat({ field: "audio_file", format: TEXT_INPUT, allowed: [] }))
    )
    : Effect.succeed(input)

/**
 * Audio in a file: its size comes from `stat`, its container from the first bytes. A file whose
 * first bytes are text (a transcript saved as `.mp3`, an error page) is refused here, as not audio.
 */
export const fromFile = (filePath: string): Effect.Effect<AudioInput, NotFound | InvalidRequest | UnsupportedFormat> =>
  Effect.flatMap(readFile(filePath), (opened) => refuseText(opened))

const readFile = (filePath: string): Effect.Effect<Opened, NotFound | InvalidRequest> =>
  Effect.tryPromise({
    try: async () => {
      const stat = await fsp.stat(filePath)
      if (!stat.isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" })
      const handle = await fsp.open(filePath, "r")
      const head = new Uint8Array(Math.min(SNIFF_BYTES, stat.size))
      try {
        await handle.read(head, 0, head.byteLength, 0)
      } finally {
        await handle.close()
      }
      const input = make(
        false,
        path.basename(filePath),
        head,
        stat.size,
        () => Readable.toWeb(fs.createReadStream(filePath)) as ReadableStream<Uint8Array>,
        (type) => fs.openAsBlob(filePath, type === undefined ? {} : { type })
      )
      return { input, head }
    },
    catch: (cause) => {
      const code = (cause as { code?: unknown } | undefined)?.code
      return code === "ENOENT"
        ? new NotFound({ kind: "file", id: filePath })
        : new InvalidRequest({ field: "audio_file", value: filePath, reason: `the file could not be read (${String(code ?? cause)})` })
    }
  })

const toWebStream = (source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> => {
  if (source instanceof ReadableStream) return source
  const iterator = source[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      const next = await iterator.next()
      if (next.done === true) controller.close()
      else controller.enqueue(next.value)
    },
    cancel: async (reason) => {
      await iterator.return?.(reason)
    }
  }, { highWaterMark: 0 })
}

/**
 * Audio from a stream of unknown length. The first bytes are read to sniff the container and
 * then replayed ahead of the rest, so nothing is lost; the stream can be read only once.
 */
export const fromStream = (
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  filename?: string
): Effect.Effect<AudioInput, InvalidRequest> => Effect.map(openStream(source, filename), ({ input }) => input)

const openStream = (
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  filename?: string
): Effect.Effect<Opened & { readonly cancel: () => Promise<void> }, InvalidRequest> =>
  Effect.tryPromise({
    try: async () => {
      const reader = toWebStream(source).getReader()
      const prefix: Array<Uint8Array> = []
      let seen = 0
      let done = false
      while (seen < SNIFF_BYTES) {
        const next = await reader.read()
        if (next.done) {
          done = true
          break
        }
        prefix.push(next.value)
        seen += next.value.byteLength
      }
      const head = new Uint8Array(seen)
      let offset = 0
      for (const chunk of prefix) {
        head.set(chunk, offset)
        offset += chunk.byteLength
      }
      let taken = false
      const stream = (): ReadableStream<Uint8Array> => {
        if (taken) throw new Error("this audio stream was already read; pass bytes, a Blob or a path to read it twice")
        taken = true
        return new ReadableStream<Uint8Array>({
          pull: async (controller) => {
            const first = prefix.shift()
            if (first !== undefined) return controller.enqueue(first)
            if (done) return controller.close()
            const next = await reader.read()
            if (next.done) controller.close()
            else controller.enqueue(next.value)
          },
          cancel: (reason) => reader.cancel(reason)
        }, { highWaterMark: 0 })
      }
      const input = make(true, filename, head, done ? seen : undefined, stream, async (type) => {
        const bytes = await collect(stream())
        return new Blob([bytes as Uint8Array<ArrayBuffer>], type === undefined ? {} : { type })
      })
      return { input, head, cancel: () => reader.cancel() }
    },
    catch: (cause) => new InvalidRequest({ field: "audio_file", reason: `the audio stream failed: ${String(cause)}` })
  })

/**
 * Turns anything a caller may pass as `audioFile` into an {@link AudioInput}. Whatever the
 * source (a path, bytes, a `Blob`, a stream), first bytes that are text rather than audio are
 * refused here as `UnsupportedFormat` with format {@link TEXT_INPUT} (a stream refused so is
 * cancelled).
 *
 * @example
 * ```ts
 * const audio = yield* AudioInput.fromSource("question.mp3")
 * audio.container // "mp3", from the bytes
 * ```
 */
export const fromSource = (
  source: AudioSource,
  filename?: string
): Effect.Effect<AudioInput, NotFound | InvalidRequest | UnsupportedFormat> => {
  if (typeof source === "string") return fromFile(source)
  if (source instanceof Uint8Array) return refuseText({ input: fromBytes(source, filename), head: source.subarray(0, SNIFF_BYTES) })
  if (source instanceof Blob) return Effect.flatMap(openBlob(source, filename), (opened) => refuseText(opened))
  return Effect.flatMap(openStream(source, filename), (opened) => refuseText(opened, opened.cancel))
}

/**
 * True when `u` is already an {@link AudioInput} rather than a source to open: stages and the
 * pipeline take either.
 *
 * @category guards
 */
export const isAudioInput = (u: AudioSource | AudioInput): u is AudioInput =>
  typeof u === "object" && u !== null && "filename" in u && "once" in u && typeof (u as AudioInput).stream === "function"

/** The media type to label an upload with: sniffed, else derived from the container name. */
export const mediaTypeFor = (input: AudioInput): string =>
  input.media_type ?? (input.container === undefined ? "application/octet-stream" : mediaTypeOf(input.container))
