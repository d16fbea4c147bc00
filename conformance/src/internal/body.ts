/**
 * Reading request bodies the way the matcher sees them, whatever a vendor SDK hands to `fetch`:
 * a string, `URLSearchParams`, `FormData`, a `Blob`, bytes, a `ReadableStream` or an async
 * iterable. Multipart bodies are parsed as they stream (from `FormData` directly, or from the
 * encoded bytes), and file parts and binary bodies are hashed incrementally with SHA-256, so an
 * upload is never held in memory.
 */
import { createHash } from "node:crypto"
import type { BinaryRef, FormFields, MultipartFields, MultipartValue, RequestBody } from "../Cassette.ts"

/** What `fetch` accepts as a body, plus async iterables (Node's fetch takes them). */
export type AnyBody =
  | string
  | URLSearchParams
  | FormData
  | Blob
  | ArrayBuffer
  | ArrayBufferView
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | null
  | undefined

const decoder = new TextDecoder()

/** The media type without parameters, lowercased. */
export const essence = (contentType: string | undefined | null): string =>
  (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? ""

/** A parameter of a `Content-Type` (e.g. the multipart `boundary`). */
export const parameter = (header: string, name: string): string | undefined => {
  const pattern = new RegExp(`;\\s*${name}\\*?=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i")
  const found = pattern.exec(header)
  if (found === null) return undefined
  const value = found[1] ?? found[2] ?? ""
  return value.replace(/\\(.)/g, "$1")
}

const isJsonType = (type: string) => type === "application/json" || type.endsWith("+json") || type.endsWith("/json")

const addField = <V>(fields: Record<string, V | Array<V>>, name: string, value: V): void => {
  const existing = fields[name]
  if (existing === undefined) fields[name] = value
  else if (Array.isArray(existing)) existing.push(value)
  else fields[name] = [existing, value]
}

/** Counts and hashes bytes as they pass. */
export class Hasher {
  readonly #hash = createHash("sha256")
  #size = 0
  update(bytes: Uint8Array): void {
    this.#hash.update(bytes)
    this.#size += bytes.byteLength
  }
  get size(): number {
    return this.#size
  }
  digest(): { readonly sha256: string; readonly size: number } {
    return { sha256: this.#hash.digest("hex"), size: this.#size }
  }
}

/** Turns any streaming body into a web stream of bytes. */
export const toByteStream = (body: Exclude<AnyBody, string | URLSearchParams | FormData | null | undefined>): ReadableStream<Uint8Array> => {
  if (body instanceof ReadableStream) return body
  if (body instanceof Blob) return body.stream()
  if (body instanceof ArrayBuffer) return new Blob([body]).stream()
  if (ArrayBuffer.isView(body)) {
    return new Blob([new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength)]).stream()
  }
  const iterator = body[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      const next = await iterator.next()
      if (next.done === true) controller.close()
      else controller.enqueue(next.value)
    },
    cancel: async (reason) => {
      await iterator.return?.(reason)
    }
  })
}

/** Reads a stream whole (for JSON and text bodies, which are small). */
const readAll = async (stream: ReadableStream<Uint8Array>): Promise<Uint8Array> => new Uint8Array(await new Response(stream).arrayBuffer())

/** Hashes a stream as it is read. */
export const hashStream = async (stream: ReadableStream<Uint8Array>): Promise<{ readonly sha256: string; readonly size: number }> => {
  const hasher = new Hasher()
  const reader = stream.getReader()
  for (let next = await reader.read(); !next.done; next = await reader.read()) hasher.update(next.value)
  return hasher.digest()
}

const fileRef = (digest: { readonly sha256: string; readonly size: number }, filename: string | undefined, contentType: string | undefined): BinaryRef => ({
  sha256: digest.sha256,
  size: digest.size,
  ...(filename === undefined ? {} : { filename }),
  ...(contentType === undefined || contentType === "" ? {} : { content_type: contentType })
})

const fromFormData = async (form: FormData): Promise<MultipartFields> => {
  const fields: Record<string, MultipartValue | Array<MultipartValue>> = {}
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") addField(fields, name, value)
    else addField(fields, name, fileRef(await hashStream(value.stream()), value.name, value.type))
  }
  return fields
}

const fromSearchParams = (params: URLSearchParams): FormFields => {
  const fields: Record<string, string | Array<string>> = {}
  for (const [name, value] of params) addField(fields, name, value)
  return fields
}

const textBody = (text: string, type: string): RequestBody => {
  if (type === "application/x-www-form-urlencoded") return { type: "form", fields: fromSearchParams(new URLSearchParams(text)) }
  if (isJsonType(type) || (type === "" && /^\s*[[{]/.test(text))) {
    try {
      return { type: "json", json: JSON.parse(text) }
    } catch {
      return { type: "text", text }
    }
  }
  return { type: "text", text }
}

const isTextual = (type: string) =>
  type === "" || type.startsWith("text/") || isJsonType(type) || type === "application/x-www-form-urlencoded"

/**
 * Reads a request body into the cassette's form. `contentType` is the request's header (for
 * `FormData` and `URLSearchParams` it is implied). Bodies without a type are read as text when
 * they are strings and as binary otherwise.
 */
export const readBody = async (body: AnyBody, contentType: string | undefined | null): Promise<RequestBody | undefined> => {
  if (body === null || body === undefined) return undefined
  const type = essence(contentType)
  if (typeof body === "string") return textBody(body, type)
  if (body instanceof URLSearchParams) return { type: "form", fields: fromSearchParams(body) }
  if (body instanceof FormData) return { type: "multipart", fields: await fromFormData(body) }
  const stream = toByteStream(body)
  if (type === "multipart/form-data") {
    const boundary = parameter(contentType ?? "", "boundary")
    if (boundary === undefined || boundary === "") throw new TypeError("multipart/form-data body without a boundary")
    return { type: "multipart", fields: await parseMultipart(stream, boundary) }
  }
  if (type !== "" && isTextual(type)) return textBody(decoder.decode(await readAll(stream)), type)
  const digest = await hashStream(stream)
  const blobType = body instanceof Blob && body.type !== "" ? body.type : undefined
  const declared = contentType ?? blobType
  return { type: "binary", ...digest, ...(declared === undefined || declared === "" ? {} : { content_type: declared }) }
}

// ---------------------------------------------------------------------------------------------
// Streaming multipart/form-data parser
// ---------------------------------------------------------------------------------------------

const CRLF = Buffer.from("\r\n")
const HEADER_END = Buffer.from("\r\n\r\n")
const DASHES = Buffer.from("--")
const MAX_HEADER_BYTES = 16 * 1024
const MAX_TEXT_PART_BYTES = 1024 * 1024

interface PartSink {
  write(bytes: Uint8Array): void
  finish(): MultipartValue
}

const textSink = (name: string): PartSink => {
  const chunks: Array<Uint8Array> = []
  let size = 0
  return {
    write(bytes) {
      size += bytes.byteLength
      if (size > MAX_TEXT_PART_BYTES) throw new TypeError(`multipart field ${JSON.stringify(name)} is over ${MAX_TEXT_PART_BYTES} bytes of text`)
      chunks.push(Uint8Array.from(bytes))
    },
    finish: () => decoder.decode(Buffer.concat(chunks))
  }
}

const fileSink = (filename: string | undefined, contentType: string | undefined): PartSink => {
  const hasher = new Hasher()
  return {
    write: (bytes) => hasher.update(bytes),
    finish: () => fileRef(hasher.digest(), filename, contentType)
  }
}

const parsePartHeaders = (block: string): { name: string; filename: string | undefined; contentType: string | undefined } => {
  let disposition = ""
  let contentType: string | undefined
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":")
    if (colon === -1) continue
    const header = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (header === "content-disposition") disposition = value
    else if (header === "content-type") contentType = value
  }
  const name = parameter(disposition, "name")
  if (name === undefined) throw new TypeError(`multipart part without a name (Content-Disposition: ${JSON.stringify(disposition)})`)
  return { name, filename: parameter(disposition, "filename"), contentType }
}

const isFilePart = (filename: string | undefined, contentType: string | undefined) =>
  filename !== undefined || (contentType !== undefined && !isTextual(essence(contentType)))

/**
 * Parses an encoded `multipart/form-data` stream into fields, hashing file parts as their bytes
 * arrive. Only a small tail (the length of the delimiter) is ever buffered inside a part.
 */
export const parseMultipart = async (stream: ReadableStream<Uint8Array>, boundary: string): Promise<MultipartFields> => {
  const delimiter = Buffer.from(`--${boundary}`)
  const partEnd = Buffer.from(`\r\n--${boundary}`)
  const fields: Record<string, MultipartValue | Array<MultipartValue>> = {}
  type State = "preamble" | "after-delimiter" | "headers" | "body" | "done"
  let state = "preamble" as State
  let buffer: Buffer = Buffer.alloc(0)
  let part: { readonly name: string; readonly sink: PartSink } | undefined

  const step = (): boolean => {
    switch (state) {
      case "preamble": {
        const at = buffer.indexOf(delimiter)
        if (at === -1) {
          buffer = buffer.subarray(Math.max(0, buffer.length - delimiter.length))
          return false
        }
        buffer = buffer.subarray(at + delimiter.length)
        state = "after-delimiter"
        return true
      }
      case "after-delimiter": {
        if (buffer.length < 2) return false
        if (buffer.subarray(0, 2).equals(DASHES)) {
          state = "done"
          return false
        }
        const eol = buffer.indexOf(CRLF)
        if (eol === -1) return false
        buffer = buffer.subarray(eol + 2) // skips transport padding
        state = "headers"
        return true
      }
      case "headers": {
        const end = buffer.indexOf(HEADER_END)
        if (end === -1) {
          if (buffer.length > MAX_HEADER_BYTES) throw new TypeError("multipart part headers are too long")
          return false
        }
        const headers = parsePartHeaders(buffer.subarray(0, end).toString("utf8"))
        const sink = isFilePart(headers.filename, headers.contentType)
          ? fileSink(headers.filename, headers.contentType)
          : textSink(headers.name)
        part = { name: headers.name, sink }
        buffer = buffer.subarray(end + HEADER_END.length)
        state = "body"
        return true
      }
      case "body": {
        const current = part
        if (current === undefined) throw new TypeError("multipart parser lost its part")
        const end = buffer.indexOf(partEnd)
        if (end === -1) {
          const safe = buffer.length - (partEnd.length - 1)
          if (safe > 0) {
            current.sink.write(buffer.subarray(0, safe))
            buffer = buffer.subarray(safe)
          }
          return false
        }
        current.sink.write(buffer.subarray(0, end))
        addField(fields, current.name, current.sink.finish())
        part = undefined
        buffer = buffer.subarray(end + partEnd.length)
        state = "after-delimiter"
        return true
      }
      case "done":
        return false
    }
  }

  const reader = stream.getReader()
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (state === "done") continue // epilogue: drain it
    buffer = buffer.length === 0 ? Buffer.from(next.value) : Buffer.concat([buffer, next.value])
    while (step()) { /* keep parsing what is buffered */ }
  }
  if (state !== "done") throw new TypeError(`multipart body ended before its closing delimiter (in ${state})`)
  return fields
}
