/**
 * `GET /media/{document_id}`: produced media, with Range requests. A signed URL (`exp`, `sig`)
 * is its own authority and needs no key — the store's handler checks it and reads the document
 * whoever owns it; without a signature, the caller's key must be the owning tenant's. A
 * `Range: bytes=…` header answers 206 with that part (one range), 416 when it cannot be
 * satisfied.
 *
 * @since 0.1.0
 */
import { InvalidRequest, MediaStore, NotFound } from "@patchbay/core"
import { Effect } from "effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"

/** The part of `size` bytes a `Range` header asks for; undefined for none or one we do not serve (then all is sent). */
export const parseRange = (header: string | undefined, size: number): { readonly start: number; readonly end: number } | "unsatisfiable" | undefined => {
  if (header === undefined) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match === null) return undefined
  const [, from = "", to = ""] = match
  if (from === "" && to === "") return undefined
  if (from === "") {
    const suffix = Number(to)
    if (suffix === 0) return "unsatisfiable"
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(from)
  const end = to === "" ? size - 1 : Math.min(Number(to), size - 1)
  if (start >= size || start > end) return "unsatisfiable"
  return { start, end }
}

/** The response for a document's bytes, whole or the range asked for. */
const respond = (request: HttpServerRequest.HttpServerRequest, bytes: Uint8Array, mediaType: string, cacheControl: string) => {
  const size = bytes.byteLength
  const range = parseRange(request.headers["range"], size)
  const common = { "accept-ranges": "bytes", "cache-control": cacheControl, "x-content-type-options": "nosniff", "content-security-policy": "sandbox" }
  if (range === "unsatisfiable") {
    return HttpServerResponse.empty({ status: 416, headers: { ...common, "content-range": `bytes */${size}` } })
  }
  const head = request.method === "HEAD"
  if (range === undefined) {
    return HttpServerResponse.uint8Array(head ? new Uint8Array(0) : bytes, { contentType: mediaType, headers: { ...common, "content-length": String(size) } })
  }
  const part = bytes.subarray(range.start, range.end + 1)
  return HttpServerResponse.uint8Array(head ? new Uint8Array(0) : part, {
    status: 206,
    contentType: mediaType,
    headers: { ...common, "content-range": `bytes ${range.start}-${range.end}/${size}` }
  })
}

/** Serves a document: by its signed URL, or by id to its owning tenant. */
export const serveMedia = Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest, documentId: string) {
  const store = yield* MediaStore
  const url = new URL(request.url, "http://localhost")
  if (url.searchParams.has("sig") || url.searchParams.has("exp")) {
    const signed = `/media/${documentId}${url.search}`
    yield* store.verify(signed).pipe(
      Effect.mapError((error) => new InvalidRequest({ field: "sig", reason: error.reason }))
    )
    // The store's own handler reads a verified document whoever owns it.
    const served = yield* Effect.promise(() => store.handler(new Request(`http://localhost${signed}`)))
    if (served.status !== 200) return yield* new NotFound({ kind: "document", id: documentId })
    const bytes = new Uint8Array(yield* Effect.promise(() => served.arrayBuffer()))
    return respond(request, bytes, served.headers.get("content-type") ?? "application/octet-stream", served.headers.get("cache-control") ?? "private")
  }
  const found = yield* store.get(documentId)
  return respond(request, found.bytes, found.media_type, "private, no-store")
})
