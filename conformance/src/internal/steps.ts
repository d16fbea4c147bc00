/**
 * A cassette response body as the steps the replay transport writes: bytes after an optional
 * delay, or a failure of the stream (a dropped connection). SSE events and NDJSON lines are
 * framed here, binary chunks are decoded from base64 or read from a file next to the cassette.
 */
import { readFileSync } from "node:fs"
import * as path from "node:path"
import type { ResponseBody, SseChunk } from "../Cassette.ts"

/** One write of the replayed body. */
export type Step =
  | { readonly _tag: "Bytes"; readonly delayMs: number; readonly bytes: Uint8Array }
  | { readonly _tag: "Failure"; readonly delayMs: number; readonly message: string }

const encoder = new TextEncoder()

/** The content type a body of this kind is served with when the cassette names none. */
export const defaultContentType = (body: ResponseBody | undefined): string | undefined => {
  switch (body?.type) {
    case undefined:
      return undefined
    case "json":
      return "application/json"
    case "text":
      return "text/plain; charset=utf-8"
    case "sse":
      return "text/event-stream"
    case "ndjson":
      return "application/x-ndjson"
    case "binary":
      return "application/octet-stream"
  }
}

/** Frames one SSE event: `event:`/`id:` lines, one `data:` line per line of data, a blank line. */
export const frameSse = (chunk: Extract<SseChunk, { data: unknown }>): string => {
  const data = typeof chunk.data === "string" ? chunk.data : JSON.stringify(chunk.data)
  const lines = [
    ...(chunk.event === undefined ? [] : [`event: ${chunk.event}`]),
    ...(chunk.id === undefined ? [] : [`id: ${chunk.id}`]),
    ...data.split("\n").map((line) => `data: ${line}`)
  ]
  return `${lines.join("\n")}\n\n`
}

const fileCache = new Map<string, Uint8Array>()

const readFixture = (baseDir: string, file: string): Uint8Array => {
  const full = path.resolve(baseDir, file)
  const cached = fileCache.get(full)
  if (cached !== undefined) return cached
  const bytes = new Uint8Array(readFileSync(full))
  fileCache.set(full, bytes)
  return bytes
}

/** The steps of a response body; `baseDir` resolves binary `file` chunks. */
export const stepsOf = (body: ResponseBody | undefined, baseDir: string): ReadonlyArray<Step> => {
  if (body === undefined) return []
  switch (body.type) {
    case "json":
      return [{ _tag: "Bytes", delayMs: 0, bytes: encoder.encode(JSON.stringify(body.json)) }]
    case "text":
      return [{ _tag: "Bytes", delayMs: 0, bytes: encoder.encode(body.text) }]
    case "sse":
      return body.chunks.map((chunk): Step => {
        const delayMs = chunk.delay_ms ?? 0
        if ("error" in chunk) return { _tag: "Failure", delayMs, message: chunk.error }
        if ("raw" in chunk) return { _tag: "Bytes", delayMs, bytes: encoder.encode(chunk.raw) }
        return { _tag: "Bytes", delayMs, bytes: encoder.encode(frameSse(chunk)) }
      })
    case "ndjson":
      return body.chunks.map((chunk): Step => {
        const delayMs = chunk.delay_ms ?? 0
        if ("error" in chunk) return { _tag: "Failure", delayMs, message: chunk.error }
        return { _tag: "Bytes", delayMs, bytes: encoder.encode(`${JSON.stringify(chunk.json)}\n`) }
      })
    case "binary":
      return body.chunks.map((chunk): Step => {
        const delayMs = chunk.delay_ms ?? 0
        if ("error" in chunk) return { _tag: "Failure", delayMs, message: chunk.error }
        if ("base64" in chunk) return { _tag: "Bytes", delayMs, bytes: new Uint8Array(Buffer.from(chunk.base64, "base64")) }
        const bytes = readFixture(baseDir, chunk.file)
        return { _tag: "Bytes", delayMs, bytes: bytes.subarray(chunk.start ?? 0, chunk.end ?? bytes.length) }
      })
  }
}
