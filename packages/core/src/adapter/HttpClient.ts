/**
 * The whole HTTP path of an adapter that speaks to its vendor with plain `fetch`: the key read
 * on first use, the vendor's auth headers, the call's `AbortSignal` (interrupting the call
 * aborts the request), no retries (they belong to the pipeline), and every failed response
 * mapped once. What is left to the adapter is what is about its vendor: where to send what,
 * and how to read the answer.
 *
 * @since 0.2.0
 */
import { Effect, Redacted, type Schema } from "effect"
import { type MissingApiKey, type ProviderError, ProviderUnavailable } from "../Errors.ts"
import { redactSecrets } from "../Secrets.ts"
import { abortable, describeCause } from "./Call.ts"
import type { RequestBody } from "./RequestBody.ts"
import { decodeJsonResponse, failedResponse, type FailureContext, type VendorError } from "./Response.ts"

/** The options of an HTTP adapter's factory, as most take them (`acmeVoice({ apiKey, baseURL, fetch })`). */
export interface HttpAdapterOptions {
  /** The API key; read from the provider's environment variable on first use when absent. */
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
  /** The API's root; each adapter documents its default. */
  readonly baseURL?: string | undefined
  /** The transport; defaults to the global `fetch` (tests inject the conformance replay transport). */
  readonly fetch?: typeof fetch | undefined
}

/** What the client needs to know about the vendor. */
export interface HttpClientConfig {
  readonly provider: string
  /** The API's root, without a trailing slash needed (`https://api.acme-voice.test/v1`). */
  readonly baseURL: string
  /** Defaults to the global `fetch`, looked up per call (tests inject a replay transport). */
  readonly fetch?: typeof fetch | undefined
  /** The key, usually `loadApiKey(…)`. */
  readonly apiKey: Effect.Effect<Redacted.Redacted<string>, MissingApiKey>
  /** The auth headers for a key; defaults to `authorization: Bearer <key>`. */
  readonly authorize?: ((key: string) => Readonly<Record<string, string>>) | undefined
  /** Picks the vendor's code, message and parameter out of an error body. */
  readonly readError?: ((body: unknown) => VendorError | undefined) | undefined
}

/** A client for one vendor, shared by its capabilities. */
export interface HttpClient {
  /**
   * Sends a request; a 2xx answer is returned for the caller to read, any other fails with the
   * mapped tagged error (`context` says which model and field it was about). A connection that
   * fails is `ProviderUnavailable`; a counted upload past its limit is `InputTooLarge`.
   */
  readonly send: (
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    body?: RequestBody | undefined,
    context?: FailureContext
  ) => Effect.Effect<Response, ProviderError>
  /** `send("POST", …)`. */
  readonly post: (path: string, body: RequestBody, context?: FailureContext) => Effect.Effect<Response, ProviderError>
  /** Reads a JSON response and decodes it with the vendor's wire schema: the raw body and the value. */
  readonly json: <S extends Schema.Decoder<unknown>>(
    response: Response,
    schema: S
  ) => Effect.Effect<{ readonly body: unknown; readonly decoded: S["Type"] }, ProviderUnavailable>
}

/**
 * Builds the client. Nothing is read until the first call.
 *
 * @example
 * ```ts
 * const client = makeHttpClient({
 *   provider: "acme-voice",
 *   baseURL: options.baseURL ?? "https://api.acme-voice.test/v1",
 *   fetch: options.fetch,
 *   apiKey: loadApiKey({ provider: "acme-voice", variable: "ACME_VOICE_API_KEY", apiKey: options.apiKey }),
 *   readError: (body) => decodeErrorBody(body)?.error
 * })
 * const response = yield* client.post("/images", jsonBody({ model, prompt }), { model, field: "prompt" })
 * ```
 */
export const makeHttpClient = (config: HttpClientConfig): HttpClient => {
  const root = config.baseURL.replace(/\/+$/, "")
  const authorize = config.authorize ?? ((key: string) => ({ authorization: `Bearer ${key}` }))
  const readError = config.readError ?? (() => undefined)
  const send: HttpClient["send"] = (method, path, body, context = {}) =>
    Effect.gen(function*() {
      const key = yield* config.apiKey
      const init: RequestInit & { duplex?: "half" } = {
        method,
        headers: { ...authorize(Redacted.value(key)), ...body?.headers },
        body: body?.body ?? null,
        ...(body?.duplex === undefined ? {} : { duplex: body.duplex })
      }
      const response = yield* abortable(
        (signal) => (config.fetch ?? globalThis.fetch)(`${root}${path}`, { ...init, signal }),
        (cause): ProviderError =>
          body?.overflow?.() ??
            new ProviderUnavailable({ provider: config.provider, detail: redactSecrets(`the request failed: ${describeCause(cause)}`) })
      )
      if (!response.ok) return yield* Effect.flip(failedResponse(config.provider, response, readError, context))
      return response
    }).pipe(Effect.withSpan(`${config.provider}.${method} ${path}`))
  return {
    send,
    post: (path, body, context) => send("POST", path, body, context),
    json: (response, schema) => decodeJsonResponse(config.provider, response, schema)
  }
}
