/**
 * A `fetch` for multipart uploads that streams the body from disk, for adapters whose uploads can
 * be gigabytes (ElevenLabs' speech to text takes up to 5 GB). Node's global `fetch` (undici)
 * keeps every byte of a request body it has sent until the request ends — measured here, a
 * 600 MB `FormData` upload of a file-backed `Blob` grows the process by 600 MB; upstream as
 * nodejs/undici#4058 — so a `Blob` that the SDK passed through unread would still end up whole in
 * memory. An adapter whose factory is given no `fetch` sends requests with a `FormData` body
 * through this one instead ({@link streamingUploadFetch}): the multipart encoding is written by hand (with its
 * `Content-Length`, from the parts' sizes) to a `node:http`/`node:https` request, each file part
 * read from its `Blob` as the socket drains. Every other request uses the global `fetch`.
 *
 * @since 0.2.0
 */
import { randomBytes } from "node:crypto"
import * as http from "node:http"
import * as https from "node:https"
import { Readable } from "node:stream"

const encoder = new TextEncoder()

/** Escapes a field or file name for a `Content-Disposition` header, as browsers do. */
const escapeName = (name: string): string => name.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22")

/** Line breaks in text fields are sent as CRLF (the HTML multipart encoding). */
const normalizeLineBreaks = (value: string): string => value.replace(/\r\n|\r|\n/g, "\r\n")

/** The multipart encoding of a form: bytes and file `Blob`s in order, and the total length. */
export const encodeMultipart = (form: FormData, boundary: string): { readonly parts: ReadonlyArray<Uint8Array | Blob>; readonly length: number } => {
  const parts: Array<Uint8Array | Blob> = []
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") {
      parts.push(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"\r\n\r\n${normalizeLineBreaks(value)}\r\n`))
    } else {
      const type = value.type === "" ? "application/octet-stream" : value.type
      parts.push(
        encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"; filename="${escapeName(value.name)}"\r\nContent-Type: ${type}\r\n\r\n`),
        value,
        encoder.encode("\r\n")
      )
    }
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`))
  return { parts, length: parts.reduce((n, part) => n + (part instanceof Blob ? part.size : part.byteLength), 0) }
}

/** Whether a request body is a form with at least one file: what this transport is for. */
export const isFileUpload = (body: unknown): body is FormData =>
  body instanceof FormData && [...body.values()].some((value) => typeof value !== "string")

const abortError = (signal: AbortSignal): unknown => signal.reason ?? new DOMException("This operation was aborted", "AbortError")

/** Waits until the request can take more bytes (or has failed). */
const drained = (request: http.ClientRequest): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const done = () => {
      request.off("drain", done)
      request.off("close", closed)
      resolve()
    }
    const closed = () => {
      request.off("drain", done)
      reject(new Error("the connection closed during the upload"))
    }
    request.once("drain", done)
    request.once("close", closed)
  })

const writeParts = async (request: http.ClientRequest, parts: ReadonlyArray<Uint8Array | Blob>): Promise<void> => {
  for (const part of parts) {
    if (!(part instanceof Blob)) {
      if (!request.write(part)) await drained(request)
      continue
    }
    const reader = part.stream().getReader()
    let done = false
    try {
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        if (request.destroyed) return
        if (!request.write(next.value)) await drained(request)
      }
      done = true
    } finally {
      if (!done) await reader.cancel().catch(() => undefined) // lets go of the file
    }
  }
  request.end()
}

/**
 * Sends a request whose body is a `FormData` with files, streaming each file from its `Blob`.
 * The answer is a standard `Response` whose body streams too; the request's `signal` aborts the
 * exchange at any point (before the answer, or while its body is read).
 */
export const uploadFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const form = init.body
    if (!(form instanceof FormData)) return reject(new TypeError("uploadFetch sends FormData bodies only"))
    if (url.protocol !== "http:" && url.protocol !== "https:") return reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`))
    const signal = init.signal ?? undefined
    if (signal?.aborted === true) return reject(abortError(signal))

    const boundary = `----patchbay${randomBytes(12).toString("hex")}`
    const { parts, length } = encodeMultipart(form, boundary)
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((value, name) => {
      if (name !== "content-type" && name !== "content-length" && name !== "transfer-encoding") headers[name] = value
    })
    headers["content-type"] = `multipart/form-data; boundary=${boundary}`
    headers["content-length"] = String(length)

    // A connection of its own: an upload may start long after the last request, and a pooled
    // socket the server has meanwhile closed would fail it half way (keep-alive race).
    const request = (url.protocol === "https:" ? https : http).request(url, { method: init.method ?? "POST", headers, agent: false })
    let response: http.IncomingMessage | undefined
    const onAbort = () => {
      const reason = abortError(signal as AbortSignal)
      request.destroy(reason instanceof Error ? reason : new Error(String(reason)))
      response?.destroy(reason instanceof Error ? reason : new Error(String(reason)))
      reject(reason)
    }
    signal?.addEventListener("abort", onAbort, { once: true })
    request.on("error", (cause) => {
      signal?.removeEventListener("abort", onAbort)
      reject(signal?.aborted === true ? abortError(signal) : new TypeError("fetch failed", { cause }))
    })
    request.on("response", (incoming) => {
      response = incoming
      incoming.on("close", () => signal?.removeEventListener("abort", onAbort))
      const status = incoming.statusCode ?? 0
      const responseHeaders = new Headers()
      for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) responseHeaders.append(incoming.rawHeaders[i] as string, incoming.rawHeaders[i + 1] as string)
      const empty = status === 204 || status === 205 || status === 304
      if (empty) incoming.resume()
      const body = empty ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>)
      const answer = new Response(body, { status, statusText: incoming.statusMessage ?? "", headers: responseHeaders })
      Object.defineProperty(answer, "url", { value: url.href })
      resolve(answer)
    })
    writeParts(request, parts).catch((cause: unknown) => request.destroy(cause instanceof Error ? cause : new Error(String(cause))))
  })

/**
 * A default transport for an adapter: `FormData` uploads with files through {@link uploadFetch},
 * everything else through the global `fetch` (looked up per call, so a stub installed later is used).
 *
 * @since 0.2.0
 */
export const streamingUploadFetch: typeof fetch = (input, init) =>
  isFileUpload(init?.body) ? uploadFetch(input, init) : globalThis.fetch(input, init)
