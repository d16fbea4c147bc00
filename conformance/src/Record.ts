/**
 * Record mode: a `fetch` wrapper around the real one that writes what it sees as cassettes,
 * with `source: "recorded"`. Credentials never reach the file: auth headers (`authorization`,
 * `xi-api-key`, `api-key`, cookies, …) are dropped, key query parameters and every known key
 * are replaced by `[redacted]` in URLs and bodies (through core's `redactSecrets`), uploads are
 * kept only as `{sha256, size}`. Streaming responses are recorded chunk by chunk with the
 * delays between them, so a replay shows the same streaming.
 *
 * Record mode is off by default and never runs in CI: `runConformance` records only when
 * `PATCHBAY_RECORD=1` and the vendor's key variable is set. Tests exercise it offline by
 * wrapping a fake upstream `fetch`.
 *
 * @since 0.1.0
 */
import { type PatchbayProvider, redactSecrets, rememberSecret } from "@patchbay/core"
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import * as Cassette from "./Cassette.ts"
import { type AnyBody, essence, readBody, toByteStream } from "./internal/body.ts"
import { isRecord } from "./internal/json.ts"
import { REDACTED } from "./internal/match.ts"
import { outputsOf, play } from "./internal/operations.ts"
import { normalizeCall, publicHeaders, publicUrl, SECRET_HEADERS } from "./internal/request.ts"
import type { Subject } from "./Subject.ts"

/** The environment variable that turns record mode on (`1`). */
export const RECORD_VARIABLE = "PATCHBAY_RECORD"

/** Whether record mode is on in this environment. */
export const isRecordMode = (env: Readonly<Record<string, string | undefined>> = process.env): boolean => env[RECORD_VARIABLE] === "1"

/** Options of {@link recordFetch}. */
export interface RecordOptions {
  /** The `fetch` that reaches the vendor; the global one by default. */
  readonly upstream?: typeof fetch | undefined
  /** Keys to remove wherever they appear (the adapter's API key). */
  readonly secrets?: ReadonlyArray<string> | undefined
  /** Streaming chunks closer together than this (ms) are merged into one. Default 2. */
  readonly mergeWithinMs?: number | undefined
}

/** A `fetch` that records every exchange it forwards. */
export interface RecordingFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>
  /** The interactions so far, once every response body has been read to its end. */
  readonly interactions: () => Promise<ReadonlyArray<Cassette.Interaction>>
}

/** Response headers that describe the transfer, not the content; a replay sets its own. */
const TRANSFER_HEADERS = new Set(["content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive", "date"])

const redactText = (text: string, secrets: ReadonlyArray<string>): string =>
  redactSecrets(secrets.reduce((out, secret) => out.split(secret).join(REDACTED), text))

const SECRET_KEY = /^(api[-_]?key|authorization|password|secret|access[-_]?token|token|xi-api-key)$/i

const redactJson = (value: unknown, secrets: ReadonlyArray<string>): unknown => {
  if (typeof value === "string") return redactText(value, secrets)
  if (Array.isArray(value)) return value.map((v) => redactJson(v, secrets))
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && typeof v === "string" ? REDACTED : redactJson(v, secrets)]))
  }
  return value
}

const redactBody = (body: Cassette.RequestBody | undefined, secrets: ReadonlyArray<string>): Cassette.RequestBody | undefined => {
  switch (body?.type) {
    case undefined:
      return undefined
    case "json":
      return { type: "json", json: redactJson(body.json, secrets) }
    case "text":
      return { type: "text", text: redactText(body.text, secrets) }
    case "form":
      return { type: "form", fields: redactJson(body.fields, secrets) as Cassette.FormFields }
    case "multipart": {
      const fields = Object.fromEntries(Object.entries(body.fields).map(([name, value]) => {
        const one = (v: Cassette.MultipartValue): Cassette.MultipartValue =>
          typeof v === "string" ? (SECRET_KEY.test(name) ? REDACTED : redactText(v, secrets)) : v
        return [name, Array.isArray(value) ? value.map(one) : one(value as Cassette.MultipartValue)]
      }))
      return { type: "multipart", fields }
    }
    case "binary":
      return body
  }
}

const responseHeaders = (headers: Headers, secrets: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  headers.forEach((value, name) => {
    const key = name.toLowerCase()
    if (!SECRET_HEADERS.has(key) && !TRANSFER_HEADERS.has(key)) out[key] = redactText(value, secrets)
  })
  return out
}

type Kind = "json" | "sse" | "ndjson" | "binary" | "text"

const kindOf = (contentType: string | null): Kind => {
  const type = essence(contentType)
  if (type === "text/event-stream") return "sse"
  if (type === "application/x-ndjson" || type === "application/jsonl" || type === "application/x-jsonlines") return "ndjson"
  if (type === "application/json" || type.endsWith("+json")) return "json"
  if (type.startsWith("text/") || type === "application/xml") return "text"
  return "binary"
}

const decoder = new TextDecoder()

/** Splits SSE text into whole events; the remainder waits for more bytes. */
const splitEvents = (text: string): { readonly events: ReadonlyArray<string>; readonly rest: string } => {
  const parts = text.replace(/\r\n/g, "\n").split("\n\n")
  return { events: parts.slice(0, -1), rest: parts[parts.length - 1] ?? "" }
}

const sseChunk = (block: string, delay: number, secrets: ReadonlyArray<string>): Cassette.SseChunk => {
  const lines = block.split("\n")
  const data: Array<string> = []
  let event: string | undefined
  let id: string | undefined
  let plain = true
  for (const line of lines) {
    const colon = line.indexOf(":")
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
    if (field === "data") data.push(value)
    else if (field === "event") event = value
    else if (field === "id") id = value
    else plain = false // comments, retry:, unknown fields: keep the framing exactly
  }
  const delay_ms = Math.round(delay)
  if (!plain || data.length === 0) return { raw: `${redactText(block, secrets)}\n\n`, delay_ms }
  const text = redactText(data.join("\n"), secrets)
  let json: unknown = text
  if (/^\s*[[{]/.test(text)) {
    try {
      const parsed = JSON.parse(text)
      if (JSON.stringify(parsed) === text) json = parsed // only when it replays byte for byte
    } catch {
      json = text
    }
  }
  return { data: json, ...(event === undefined ? {} : { event }), ...(id === undefined ? {} : { id }), delay_ms }
}

/** Reads a response body branch as it arrives, turning it into chunks with their delays. */
const recordStream = async (
  stream: ReadableStream<Uint8Array>,
  kind: "sse" | "ndjson" | "binary",
  start: number,
  secrets: ReadonlyArray<string>,
  mergeWithinMs: number
): Promise<Cassette.ResponseBody> => {
  const reader = stream.getReader()
  let last = start
  let text = ""
  const sse: Array<Cassette.SseChunk> = []
  const ndjson: Array<Cassette.NdjsonChunk> = []
  const binary: Array<{ bytes: Array<Uint8Array>; delay: number; at: number }> = []
  let failure: string | undefined
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      const now = performance.now()
      if (kind === "binary") {
        const previous = binary[binary.length - 1]
        if (previous !== undefined && now - previous.at < mergeWithinMs) {
          previous.bytes.push(next.value)
          previous.at = now
        } else {
          binary.push({ bytes: [next.value], delay: now - last, at: now })
          last = now
        }
        continue
      }
      text += decoder.decode(next.value, { stream: true })
      if (kind === "sse") {
        const { events, rest } = splitEvents(text)
        text = rest
        for (const block of events) {
          sse.push(sseChunk(block, now - last, secrets))
          last = now
        }
      } else {
        const lines = text.split("\n")
        text = lines.pop() ?? ""
        for (const line of lines.filter((l) => l.trim() !== "")) {
          ndjson.push({ json: redactJson(JSON.parse(line), secrets), delay_ms: Math.round(now - last) })
          last = now
        }
      }
    }
  } catch (error) {
    failure = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error)
  }
  const at = Math.round(performance.now() - last)
  if (kind === "sse") {
    if (text.trim() !== "") sse.push({ raw: redactText(text, secrets), delay_ms: 0 })
    if (failure !== undefined) sse.push({ error: failure, delay_ms: at })
    return { type: "sse", chunks: sse }
  }
  if (kind === "ndjson") {
    if (failure !== undefined) ndjson.push({ error: failure, delay_ms: at })
    return { type: "ndjson", chunks: ndjson }
  }
  const chunks: Array<Cassette.BinaryChunk> = binary.map((c) => ({
    base64: Buffer.concat(c.bytes).toString("base64"),
    delay_ms: Math.round(c.delay)
  }))
  if (failure !== undefined) chunks.push({ error: failure, delay_ms: at })
  return { type: "binary", chunks }
}

/**
 * Wraps a `fetch` so that every exchange is recorded. The caller gets the vendor's response
 * unchanged, streaming as it arrives; the recording reads a copy of it.
 *
 * @category constructors
 */
export const recordFetch = (options: RecordOptions = {}): RecordingFetch => {
  const upstream = options.upstream ?? globalThis.fetch
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0)
  for (const secret of secrets) rememberSecret(secret)
  const mergeWithinMs = options.mergeWithinMs ?? 2
  const pending: Array<Promise<Cassette.Interaction>> = []

  const recording = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const call = normalizeCall(input, init)
    let forward: AnyBody = call.body
    let inspect: AnyBody = call.body
    if (call.body instanceof ReadableStream || (call.body !== null && typeof call.body === "object" && Symbol.asyncIterator in call.body)) {
      const [a, b] = toByteStream(call.body as ReadableStream<Uint8Array>).tee()
      forward = a
      inspect = b
    }
    const parsed = readBody(inspect, call.headers.get("content-type"))
    parsed.catch(() => {}) // awaited below; this only keeps a failed upstream call from leaving it unhandled
    const forwardInit: RequestInit & { duplex?: "half" } = {
      ...init,
      method: call.method,
      headers: call.headers,
      body: forward as BodyInit | null,
      ...(call.signal === undefined ? {} : { signal: call.signal }),
      ...(forward instanceof ReadableStream ? { duplex: "half" as const } : {})
    }
    const response = await upstream(call.url.href, forwardInit)
    const start = performance.now()
    const kind = kindOf(response.headers.get("content-type"))
    const request = async (): Promise<Cassette.CassetteRequest> => {
      const body = redactBody(await parsed, secrets)
      return {
        method: call.method,
        url: redactText(publicUrl(call.url), secrets),
        headers: Object.fromEntries(Object.entries(publicHeaders(call.headers)).map(([k, v]) => [k, redactText(v, secrets)])),
        ...(body === undefined ? {} : { body })
      }
    }
    const base = { status: response.status, headers: responseHeaders(response.headers, secrets) }
    if (response.body === null) {
      pending.push(request().then((req) => ({ request: req, response: base })))
      return response
    }
    if (kind === "json" || kind === "text") {
      const text = await response.text()
      let body: Cassette.ResponseBody = { type: "text", text: redactText(text, secrets) }
      if (kind === "json") {
        try {
          body = { type: "json", json: redactJson(JSON.parse(text), secrets) }
        } catch {
          // not JSON after all: kept as text
        }
      }
      pending.push(request().then((req) => ({ request: req, response: { ...base, body } })))
      const copy = new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers })
      Object.defineProperty(copy, "url", { value: response.url })
      return copy
    }
    const [toCaller, toRecorder] = response.body.tee()
    const body = recordStream(toRecorder, kind, start, secrets, mergeWithinMs)
    pending.push(Promise.all([request(), body]).then(([req, b]) => ({ request: req, response: { ...base, body: b } })))
    const copy = new Response(toCaller, { status: response.status, statusText: response.statusText, headers: response.headers })
    Object.defineProperty(copy, "url", { value: response.url })
    return copy
  }

  return Object.assign(recording, {
    interactions: () => Promise.all(pending)
  })
}

/** Writes a cassette file (validated, indented, newline-terminated). @category writing */
export const writeCassette = Effect.fn("Record.writeCassette")(function*(file: string, cassette: Cassette.Cassette) {
  yield* Effect.try({
    try: () => writeFileSync(file, Cassette.stringify(cassette)),
    catch: (error) => new Cassette.CassetteError({ file, path: "", reason: `cannot be written: ${String(error)}` })
  })
})

/** What {@link recordSubject} did with each cassette. */
export interface Recorded {
  readonly file: string
  readonly interactions: number
  /** The call's outcome against the live API (`ok`, or the error's tag). */
  readonly outcome: string
}

/**
 * Re-records a subject's success cassettes against the live API: each scenario is played with a
 * provider built on a recording `fetch` and the live key, and the cassette file is rewritten
 * with `source: "recorded"`, its scenario unchanged and the new interactions. Error cassettes
 * (401, 429, 5xx, …) cannot be provoked on demand and stay as they are.
 *
 * @category recording
 */
export const recordSubject = Effect.fn("Record.recordSubject")(function*(
  subject: Subject,
  apiKey: string,
  upstream?: typeof fetch
) {
  const results: Array<Recorded> = []
  for (const loaded of subject.cassettes) {
    const scenario = loaded.cassette.scenario
    if (scenario?.case !== "success") continue
    const transport = recordFetch({ upstream, secrets: [apiKey] })
    const provider: PatchbayProvider = subject.make({ fetch: transport, apiKey })
    const played = yield* play(outputsOf(provider, loaded, scenario))
    const interactions = yield* Effect.promise(() => transport.interactions())
    const cassette: Cassette.Cassette = {
      version: Cassette.CURRENT_VERSION,
      source: "recorded",
      ...(loaded.cassette.description === undefined ? {} : { description: loaded.cassette.description }),
      recorded_at: new Date().toISOString(),
      scenario,
      interactions
    }
    yield* writeCassette(loaded.file, cassette)
    const outcome = played.exit._tag === "Success" ? "ok" : "failed"
    results.push({ file: loaded.file, interactions: interactions.length, outcome })
  }
  return results
})

