/**
 * Matching a WebSocket session against its recording, for the replay WebSocket server: the
 * upgrade's path and query, and each client message — JSON by value (key order ignored, fields of
 * the session's `ignore` list skipped), text exactly, bytes by content or by size — and the
 * server's recorded messages turned into what goes on the wire (`$base64` references expanded).
 * Every difference is listed, one per line, so a failing replay says all that is wrong at once.
 */
import { readFileSync } from "node:fs"
import * as path from "node:path"
import type { SocketBytes, SocketMessage } from "../Cassette.ts"
import { isRecord, joinPath, jsonEqual, show } from "./json.ts"
import { REDACTED } from "./match.ts"

/** A message as the server received it. */
export type Received =
  | { readonly kind: "json"; readonly json: unknown; readonly size: number }
  | { readonly kind: "text"; readonly text: string; readonly size: number }
  | { readonly kind: "binary"; readonly bytes: Uint8Array; readonly size: number }

const BASE64 = "$base64"

/** Reads recorded bytes: decoded base64, or a byte range of a file beside the cassette; `undefined` for a size only. */
export const bytesOf = (bytes: SocketBytes, baseDir: string): Uint8Array | undefined => {
  if ("base64" in bytes) return new Uint8Array(Buffer.from(bytes.base64, "base64"))
  if ("file" in bytes) {
    const all = readFileSync(path.resolve(baseDir, bytes.file))
    return new Uint8Array(all.subarray(bytes.start ?? 0, bytes.end ?? all.byteLength))
  }
  return undefined
}

/** The size recorded bytes stand for. */
const sizeOf = (bytes: SocketBytes, baseDir: string): number => ("size" in bytes ? bytes.size : (bytesOf(bytes, baseDir)?.byteLength ?? 0))

const describeBytes = (bytes: SocketBytes, baseDir: string): string =>
  "file" in bytes
    ? `${sizeOf(bytes, baseDir)} bytes of ${bytes.file} [${bytes.start ?? 0}, ${bytes.end ?? "end"})`
    : `${sizeOf(bytes, baseDir)} bytes`

const isReference = (value: unknown): value is { readonly [BASE64]: SocketBytes } =>
  isRecord(value) && Object.keys(value).length === 1 && isRecord(value[BASE64])

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b))

/** Whether sent bytes are the recorded ones (or of the recorded size, when only that is kept). */
const bytesMatch = (recorded: SocketBytes, sent: Uint8Array, baseDir: string): boolean => {
  const expected = bytesOf(recorded, baseDir)
  return expected === undefined ? sent.byteLength === sizeOf(recorded, baseDir) : sameBytes(expected, sent)
}

/** Replaces every `{ "$base64": … }` of a recorded JSON value by the base64 it stands for (server messages). */
export const expand = (value: unknown, baseDir: string): unknown => {
  if (isReference(value)) {
    const bytes = bytesOf(value[BASE64], baseDir)
    return Buffer.from(bytes ?? new Uint8Array(sizeOf(value[BASE64], baseDir))).toString("base64")
  }
  if (Array.isArray(value)) return value.map((v) => expand(v, baseDir))
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, baseDir)]))
  return value
}

/** What the server writes for a recorded message: text, or a binary frame. */
export const payloadOf = (message: SocketMessage, baseDir: string): { readonly data: string | Uint8Array; readonly binary: boolean } => {
  if ("json" in message) return { data: JSON.stringify(expand(message.json, baseDir)), binary: false }
  if ("text" in message) return { data: message.text, binary: false }
  return { data: bytesOf(message.binary, baseDir) ?? new Uint8Array(sizeOf(message.binary, baseDir)), binary: true }
}

const ignoredPath = (at: string, ignore: ReadonlyArray<string>): boolean =>
  ignore.some((prefix) => at === prefix || at.startsWith(`${prefix}.`) || at.startsWith(`${prefix}[`))

const diffJson = (recorded: unknown, sent: unknown, at: string, ignore: ReadonlyArray<string>, baseDir: string, out: Array<string>): void => {
  if (ignoredPath(at, ignore) || recorded === REDACTED) return
  if (isReference(recorded)) {
    const ref = recorded[BASE64]
    const decoded = typeof sent === "string" ? new Uint8Array(Buffer.from(sent, "base64")) : undefined
    if (decoded === undefined || !bytesMatch(ref, decoded, baseDir)) {
      out.push(`${at}: recorded base64 of ${describeBytes(ref, baseDir)}, sent ${decoded === undefined ? show(sent) : `base64 of ${decoded.byteLength} other bytes`}`)
    }
    return
  }
  if (isRecord(recorded) && isRecord(sent)) {
    const keys = new Set([...Object.keys(recorded), ...Object.keys(sent)])
    for (const key of [...keys].sort()) diffJson(recorded[key], sent[key], joinPath(at, key), ignore, baseDir, out)
    return
  }
  if (Array.isArray(recorded) && Array.isArray(sent) && recorded.length === sent.length) {
    recorded.forEach((value, i) => diffJson(value, sent[i], joinPath(at, i), ignore, baseDir, out))
    return
  }
  if (!jsonEqual(recorded, sent)) out.push(`${at}: recorded ${show(recorded)}, sent ${show(sent)}`)
}

/** A received message in a few words, for a mismatch. */
export const describeReceived = (received: Received): string =>
  received.kind === "json"
    ? `JSON ${show(received.json, 120)}`
    : received.kind === "text"
    ? `text ${show(received.text)}`
    : `a binary frame of ${received.size} bytes`

/** A recorded client message in a few words. */
export const describeRecorded = (message: SocketMessage, baseDir: string): string =>
  "json" in message ? `JSON ${show(message.json, 120)}` : "text" in message ? `text ${show(message.text)}` : `a binary frame of ${describeBytes(message.binary, baseDir)}`

/**
 * The differences between a recorded client message and the one received: empty when they match.
 * `ignore` holds the session's `message.<path>` entries, without the prefix.
 */
export const compareMessage = (recorded: SocketMessage, received: Received, ignore: ReadonlyArray<string>, baseDir: string): ReadonlyArray<string> => {
  if ("json" in recorded) {
    if (received.kind !== "json") return [`recorded ${describeRecorded(recorded, baseDir)}, sent ${describeReceived(received)}`]
    const out: Array<string> = []
    diffJson(recorded.json, received.json, "", ignore, baseDir, out)
    return out.map((line) => (line.startsWith(":") ? `the message${line}` : line))
  }
  if ("text" in recorded) {
    return received.kind === "text" && received.text === recorded.text ? [] : [`recorded ${describeRecorded(recorded, baseDir)}, sent ${describeReceived(received)}`]
  }
  return received.kind === "binary" && bytesMatch(recorded.binary, received.bytes, baseDir)
    ? []
    : [`recorded ${describeRecorded(recorded, baseDir)}, sent ${describeReceived(received)}`]
}

/** The differences between the recorded upgrade URL and the one requested: path, then each query parameter. */
export const compareUpgrade = (recorded: string, requested: string, ignore: ReadonlyArray<string>): ReadonlyArray<string> => {
  const want = new URL(recorded, "ws://recorded")
  const got = new URL(requested, "ws://requested")
  const out: Array<string> = []
  if (want.pathname !== got.pathname) out.push(`path: recorded ${show(want.pathname)}, requested ${show(got.pathname)}`)
  const names = new Set([...want.searchParams.keys(), ...got.searchParams.keys()])
  for (const name of [...names].sort()) {
    if (ignoredPath(`query.${name}`, ignore)) continue
    const a = want.searchParams.getAll(name)
    const b = got.searchParams.getAll(name)
    if (a.length === 1 && a[0] === REDACTED && b.length > 0) continue
    if (!jsonEqual(a, b)) out.push(`query.${name}: recorded ${show(a.length <= 1 ? a[0] : a)}, requested ${show(b.length <= 1 ? b[0] : b)}`)
  }
  return out
}

/** Parses a frame as received: a text frame holding JSON is JSON, other text is text. */
export const parseFrame = (data: Buffer, binary: boolean): Received => {
  if (binary) return { kind: "binary", bytes: new Uint8Array(data), size: data.byteLength }
  const text = data.toString("utf8")
  try {
    return { kind: "json", json: JSON.parse(text) as unknown, size: data.byteLength }
  } catch {
    return { kind: "text", text, size: data.byteLength }
  }
}
