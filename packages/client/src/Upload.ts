/**
 * Messages with audio, as the server reads them: a `multipart/form-data` body whose text fields
 * come first (`voice`, `tools`, `provider_options` and `llm_fallback` as JSON strings, booleans
 * as `"true"`/`"false"`) and whose `audio_file` part comes last. Audio of known size goes up as
 * one body of known length, built without reading the audio: bytes joined to the parts' text
 * (one write on the socket, so the server has the whole message at once), a `Blob` or file
 * (`fs.openAsBlob`) as a `Blob` of the parts, read from disk as `fetch` sends it. A stream or an
 * async iterable goes up as a body stream produced as `fetch` pulls it: its bytes pass through
 * chunk by chunk, so an endless microphone stream is never held whole in memory. (`FormData`
 * cannot take a stream, and costs `fetch` an encoding pass of its own; hence a body of our own.)
 *
 * Every audio kind `createPatchbay` takes is accepted: bytes, a `Blob` (or `File`), a web
 * `ReadableStream`, any `AsyncIterable<Uint8Array>`, and a file path — the path only where
 * `node:fs` exists (Node, Bun, Deno), loaded when a path is first given so the client itself
 * imports no `node:` module.
 *
 * @since 0.2.0
 */
import type { AddMessageParams } from "@patchbay/core"
import { InvalidRequest, NotFound } from "@patchbay/core/schema"

/** What `audioFile` may be: the facade's `AudioSource` (a path needs `node:fs`). */
export type AudioSource = NonNullable<AddMessageParams["audioFile"]>

/** The audio of an upload: its part's file name and content type, and its bytes (in memory, a `Blob`, or a stream read once). */
interface AudioPart {
  readonly filename: string
  readonly type: string
  readonly content: Uint8Array | Blob | ReadableStream<Uint8Array>
}

/** Fields the server parses as JSON in a multipart message. */
const jsonFields = new Set(["voice", "tools", "provider_options", "llm_fallback"])

const encoder = new TextEncoder()

/** The last segment of a path, on either separator. */
const baseName = (path: string): string => path.split(/[\\/]/).pop() ?? path

/** A web stream over an async iterable, pulled one chunk at a time. */
const fromIterable = (source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> => {
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
 * A file as a `Blob` read from disk as it is sent (`fs.openAsBlob`). Fails as the facade does:
 * `NotFound` (kind `file`) for a missing file, `InvalidRequest` for one that cannot be read or
 * where there is no file system.
 */
const openFile = async (path: string): Promise<Blob> => {
  const specifier = "node:fs"
  let fs: {
    readonly openAsBlob: (path: string) => Promise<Blob>
    readonly promises: { readonly stat: (path: string) => Promise<{ readonly isFile: () => boolean }> }
  }
  try {
    fs = await import(/* @vite-ignore */ specifier)
  } catch {
    throw new InvalidRequest({ field: "audio_file", value: path, reason: "a file path needs node:fs; pass bytes, a Blob or a stream here" })
  }
  try {
    if (!(await fs.promises.stat(path)).isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" })
    return await fs.openAsBlob(path)
  } catch (cause) {
    const code = (cause as { readonly code?: unknown } | undefined)?.code
    if (code === "ENOENT") throw new NotFound({ kind: "file", id: path })
    throw new InvalidRequest({ field: "audio_file", value: path, reason: `the file could not be read (${String(code ?? cause)})` })
  }
}

/** The audio part of any source the facade accepts. */
export const audioPart = async (source: AudioSource): Promise<AudioPart> => {
  if (typeof source === "string") {
    return { filename: baseName(source), type: "application/octet-stream", content: await openFile(source) }
  }
  if (source instanceof Uint8Array) return { filename: "audio", type: "application/octet-stream", content: source }
  if (source instanceof Blob) {
    const name = "name" in source && typeof source.name === "string" && source.name !== "" ? source.name : "audio"
    return { filename: name, type: source.type === "" ? "application/octet-stream" : source.type, content: source }
  }
  if (source instanceof ReadableStream) return { filename: "audio", type: "application/octet-stream", content: source }
  return { filename: "audio", type: "application/octet-stream", content: fromIterable(source) }
}

/** A header parameter's value, quoted as browsers quote form data (`"`, CR and LF escaped). */
const quoted = (value: string) => `"${value.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A")}"`

/** A form field's text: JSON for the JSON fields and objects, else the value as a string. */
const fieldText = (key: string, value: unknown): string =>
  jsonFields.has(key) || (typeof value === "object" && value !== null) ? JSON.stringify(value) : String(value)

/**
 * A multipart message: the wire fields, then the audio. Returns the body — one `Uint8Array` for
 * audio in memory, a `Blob` of the parts for a `Blob` or file (not read until sent), else a
 * stream produced as it is read — and its content type with the boundary.
 */
export const multipart = (
  fields: Readonly<Record<string, unknown>>,
  audio: AudioPart
): { readonly body: Uint8Array<ArrayBuffer> | Blob | ReadableStream<Uint8Array>; readonly contentType: string } => {
  const boundary = `patchbay-${crypto.randomUUID()}`
  const contentType = `multipart/form-data; boundary=${boundary}`
  let head = ""
  for (const [key, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name=${quoted(key)}\r\n\r\n${fieldText(key, value)}\r\n`
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="audio_file"; filename=${quoted(audio.filename)}\r\nContent-Type: ${audio.type}\r\n\r\n`
  const tail = `\r\n--${boundary}--\r\n`
  const { content } = audio
  if (content instanceof Uint8Array) {
    const [before, after] = [encoder.encode(head), encoder.encode(tail)]
    const body = new Uint8Array(before.byteLength + content.byteLength + after.byteLength)
    body.set(before, 0)
    body.set(content, before.byteLength)
    body.set(after, before.byteLength + content.byteLength)
    return { body, contentType }
  }
  if (content instanceof Blob) return { body: new Blob([head, content, tail]), contentType }
  async function* parts(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
    yield encoder.encode(head)
    const reader = stream.getReader()
    let finished = false
    try {
      for (;;) {
        const next = await reader.read()
        if (next.done) break
        yield next.value
      }
      finished = true
    } finally {
      // the request went away before the audio was sent: stop reading its source
      if (!finished) await reader.cancel().catch(() => undefined)
    }
    yield encoder.encode(tail)
  }
  return { body: fromIterable(parts(content)), contentType }
}
