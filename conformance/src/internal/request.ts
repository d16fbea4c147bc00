/**
 * What a `fetch` call asks for, whichever way it was called: `fetch(url)`, `fetch(URL, init)` or
 * `fetch(Request, init?)`, following the fetch standard's precedence (init over the Request).
 * Also the list of headers that carry secrets, which cassettes never keep.
 */
import { redactSecrets } from "@patchbay/core"
import type { AnyBody } from "./body.ts"
import { REDACTED } from "./match.ts"

/** A fetch call, normalized. */
export interface FetchCall {
  readonly method: string
  readonly url: URL
  readonly headers: Headers
  readonly body: AnyBody
  readonly signal: AbortSignal | undefined
}

/** Normalizes the arguments of a `fetch` call. */
export const normalizeCall = (input: string | URL | Request, init?: RequestInit): FetchCall => {
  const request = input instanceof Request ? input : undefined
  const url = new URL(request?.url ?? (input instanceof URL ? input.href : String(input)))
  const method = (init?.method ?? request?.method ?? "GET").toUpperCase()
  const headers = init?.headers !== undefined ? new Headers(init.headers) : new Headers(request?.headers)
  const body = (init?.body !== undefined ? init.body : request?.body ?? null) as AnyBody
  const signal = init?.signal ?? request?.signal ?? undefined
  return { method, url, headers, body, signal }
}

/** Request and response headers that carry credentials or session state. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "xi-api-key",
  "api-key",
  "x-api-key",
  "x-goog-api-key",
  "ocp-apim-subscription-key",
  "cookie",
  "set-cookie",
  "openai-organization",
  "openai-project"
])

/** Query parameters that carry keys (some vendors accept `?key=`). */
export const SECRET_PARAMS: ReadonlySet<string> = new Set(["key", "api_key", "apikey", "api-key", "token", "access_token", "xi-api-key"])

/** Headers as a plain record, lowercased, without secret-bearing ones. */
export const publicHeaders = (headers: Headers): Record<string, string> => {
  const out: Record<string, string> = {}
  headers.forEach((value, name) => {
    if (!SECRET_HEADERS.has(name.toLowerCase())) out[name.toLowerCase()] = redactSecrets(value)
  })
  return out
}

/** A URL with secret query parameters replaced by `[redacted]`. */
export const publicUrl = (url: URL): string => {
  const copy = new URL(url.href)
  for (const name of [...copy.searchParams.keys()]) {
    if (SECRET_PARAMS.has(name.toLowerCase())) copy.searchParams.set(name, REDACTED)
  }
  copy.username = ""
  copy.password = ""
  return copy.href
}
