/**
 * The whole HTTP path of an adapter that speaks to its vendor with plain `fetch`: the key read
 * on first use, the vendor's auth headers, the call's `AbortSignal` (interrupting the call
 * aborts the request), no retries (they belong to the pipeline), and every failed response
 * mapped once. What is left to the adapter is what is about its vendor: where to send what,
 * and how to read the answer.
 *
 * @since 0.2.0
 */
import { Effect, Redacted, type Schema, type Stream } from "effect"
import { fromRequestFailure, type MissingApiKey, type ProviderError, type ProviderUnavailable } from "../Errors.ts"
import { loadApiKey } from "./ApiKey.ts"
import { abortable, describeCause } from "./Call.ts"
import type { RequestBody } from "./RequestBody.ts"
import { decodeJsonResponse, failedResponse, type FailureContext, requestIdOf, responseBytes, type VendorError } from "./Response.ts"
import { decodeSseData, sseEvents } from "./ServerSentEvents.ts"

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
  /** The factory's options: the key, the API's root, the transport. */
  readonly options: HttpAdapterOptions
  /** The environment variable the key is read from when the factory got none (`ACME_VOICE_API_KEY`). */
  readonly keyVariable: string
  /** The API's root when the factory names none (`https://api.acme-voice.test/v1`). */
  readonly defaultBaseURL: string
  /** The auth headers for a key; defaults to `authorization: Bearer <key>`. */
  readonly authorize?: ((key: string) => Readonly<Record<string, string>>) | undefined
  /** Picks the vendor's code, message and parameter out of an error body. */
  readonly readError?: ((body: unknown) => VendorError | undefined) | undefined
}

/** A successful answer, read: what every capability needs of it besides the body. */
export interface Answered {
  readonly response: Response
  /** The vendor's request id (`x-request-id` or `request-id`). */
  readonly requestId: string | undefined
}

/** A client for one vendor, shared by its capabilities. */
export interface HttpClient {
  /** Succeeds when the key is there (given or configured); no request. The provider's `credentials`. */
  readonly credentials: Effect.Effect<void, MissingApiKey>
  /**
   * Sends a request; a 2xx answer is returned for the caller to read, any other fails with the
   * mapped tagged error (`context` says which model and field it was about). A connection that
   * fails is `ProviderUnavailable` (a request no transport can answer, like an unmatched replay, is a final `InvalidRequest`); a counted upload past its limit is `InputTooLarge`.
   */
  readonly send: (
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    body?: RequestBody | undefined,
    context?: FailureContext
  ) => Effect.Effect<Response, ProviderError>
  /** `send("POST", …)`. */
  readonly post: (path: string, body: RequestBody, context?: FailureContext) => Effect.Effect<Response, ProviderError>
  /** Posts, then reads the JSON answer and decodes it with the vendor's wire schema: the raw body (for `provider_output`) and the value. */
  readonly postForJson: <S extends Schema.Decoder<unknown>>(
    path: string,
    body: RequestBody,
    schema: S,
    context?: FailureContext
  ) => Effect.Effect<Answered & { readonly body: unknown; readonly value: S["Type"] }, ProviderError>
  /** Posts, then streams the answer's bytes as they arrive (audio); a body that breaks is `ProviderUnavailable`. */
  readonly postForBytes: (
    path: string,
    body: RequestBody,
    context?: FailureContext
  ) => Effect.Effect<Answered & { readonly bytes: Stream.Stream<Uint8Array, ProviderUnavailable> }, ProviderError>
  /**
   * Posts, then reads the answer as server-sent events whose JSON data is decoded with the
   * vendor's schema, up to a `[DONE]` sentinel (see {@link sseEvents} and {@link decodeSseData}).
   */
  readonly postForEvents: <S extends Schema.Decoder<unknown>>(
    path: string,
    body: RequestBody,
    schema: S,
    context?: FailureContext
  ) => Effect.Effect<Answered & { readonly events: Stream.Stream<S["Type"], ProviderUnavailable> }, ProviderError>
}

/**
 * Builds the client. Nothing is read until the first call: the key is read then (a missing
 * one fails that call with `MissingApiKey`, before any request).
 *
 * @example
 * ```ts
 * const client = makeHttpClient({
 *   provider: "acme-voice",
 *   options, // the factory's { apiKey?, baseURL?, fetch? }
 *   keyVariable: "ACME_VOICE_API_KEY",
 *   defaultBaseURL: "https://api.acme-voice.test/v1",
 *   readError: (body) => decodeErrorBody(body)?.error
 * })
 * const { value, body, requestId } = yield* client.postForJson("/images", jsonBody({ model, prompt }), Images, { model, field: "prompt" })
 * ```
 */
export const makeHttpClient = (config: HttpClientConfig): HttpClient => {
  const { options, provider } = config
  const apiKey = loadApiKey({ provider, variable: config.keyVariable, apiKey: options.apiKey })
  const root = (options.baseURL ?? config.defaultBaseURL).replace(/\/+$/, "")
  const authorize = config.authorize ?? ((key: string) => ({ authorization: `Bearer ${key}` }))
  const readError = config.readError ?? (() => undefined)
  const send: HttpClient["send"] = (method, path, body, context = {}) =>
    Effect.gen(function*() {
      const key = yield* apiKey
      const init: RequestInit & { duplex?: "half" } = {
        method,
        headers: { ...authorize(Redacted.value(key)), ...body?.headers },
        body: body?.body ?? null,
        ...(body?.duplex === undefined ? {} : { duplex: body.duplex })
      }
      const response = yield* abortable(
        (signal) => (options.fetch ?? globalThis.fetch)(`${root}${path}`, { ...init, signal }),
        (cause): ProviderError =>
          body?.overflow?.() ?? fromRequestFailure(provider, cause, `the request failed: ${describeCause(cause)}`)
      )
      if (!response.ok) return yield* Effect.flip(failedResponse(provider, response, readError, context))
      return response
    }).pipe(Effect.withSpan(`${provider}.${method} ${path}`))
  const post: HttpClient["post"] = (path, body, context) => send("POST", path, body, context)
  /** What a broken body is called in errors: the endpoint's last path segment (`the speech stream broke`). */
  const what = (path: string) => path.split("?")[0]?.split("/").filter((p) => p !== "").at(-1) ?? "response"
  const answered = (response: Response): Answered => ({ response, requestId: requestIdOf(response.headers) })
  return {
    credentials: Effect.asVoid(apiKey),
    send,
    post,
    postForJson: (path, body, schema, context) =>
      Effect.flatMap(post(path, body, context), (response) =>
        Effect.map(decodeJsonResponse(provider, response, schema), ({ body, decoded }) => ({ ...answered(response), body, value: decoded }))),
    postForBytes: (path, body, context) =>
      Effect.map(post(path, body, context), (response) => ({ ...answered(response), bytes: responseBytes(provider, response, what(path)) })),
    postForEvents: (path, body, schema, context) =>
      Effect.map(post(path, body, context), (response) => ({
        ...answered(response),
        events: decodeSseData(sseEvents(responseBytes(provider, response, what(path)), { provider }), schema, { provider, what: what(path) })
      }))
  }
}
