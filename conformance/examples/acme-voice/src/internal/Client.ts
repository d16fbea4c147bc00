/**
 * The one HTTP path of the adapter: the key read lazily (a missing key is `MissingApiKey` on
 * first use, never a throw from the factory), `fetch` given the call's `AbortSignal` so that
 * interrupting the call aborts the request, no retries (they belong to the pipeline), and every
 * failed response mapped once by core's `fromHttpFailure`.
 */
import {
  fromHttpFailure,
  InvalidRequest,
  MissingApiKey,
  parseRetryAfter,
  ProviderUnavailable,
  redactSecrets,
  rememberSecret,
  Validation
} from "@patchbay/core"
import { Clock, Config, Effect, Redacted, Schema } from "effect"
import { PROVIDER } from "../Models.ts"
import { ErrorBody } from "../Wire.ts"

/** The factory's options. */
export interface ClientOptions {
  /** Defaults to `ACME_VOICE_API_KEY`, read on first use. */
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
  /** Defaults to `https://api.acme-voice.test/v1`. */
  readonly baseURL?: string | undefined
  /** Defaults to the global `fetch`; tests inject the replay transport. */
  readonly fetch?: typeof fetch | undefined
}

/** What a failure needs beyond the response to be mapped: the model, the field and sizes. */
export interface FailureContext {
  readonly model?: string | undefined
  readonly field?: string | undefined
  readonly size?: number | undefined
  readonly limit?: number | undefined
}

/** A request to the vendor. */
export interface Call {
  readonly method: "POST" | "GET"
  readonly path: string
  readonly body?: FormData | string | undefined
  readonly json?: boolean | undefined
}

/** The environment variable the key is read from when the factory is given none. */
export const KEY_VARIABLE = "ACME_VOICE_API_KEY"

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** The client shared by the four capabilities. */
export const makeClient = (options: ClientOptions) => {
  const baseURL = (options.baseURL ?? "https://api.acme-voice.test/v1").replace(/\/$/, "")
  const doFetch = options.fetch ?? globalThis.fetch

  const apiKey = Effect.gen(function*() {
    if (options.apiKey !== undefined) return typeof options.apiKey === "string" ? Redacted.make(options.apiKey) : options.apiKey
    return yield* Config.Redacted(KEY_VARIABLE)
  }).pipe(
    Effect.mapError(() => new MissingApiKey({ provider: PROVIDER, variable: KEY_VARIABLE })),
    Effect.tap((key) => Effect.sync(() => rememberSecret(key)))
  )

  /** Maps a failed response: the vendor's `{ error: { code, message, param } }`, status, request id, retry-after. */
  const failure = (response: Response, context: FailureContext) =>
    Effect.gen(function*() {
      const text = yield* Effect.promise(() => response.text().catch(() => ""))
      const parsed = Schema.decodeUnknownOption(Schema.fromJsonString(ErrorBody))(text)
      const error = parsed._tag === "Some" ? parsed.value.error : undefined
      const now = yield* Clock.currentTimeMillis
      const requestId = response.headers.get("x-request-id") ?? undefined
      return fromHttpFailure({
        provider: PROVIDER,
        status: response.status,
        code: error?.code,
        message: error?.message ?? (text === "" ? undefined : text.slice(0, 500)),
        requestId,
        retryAfter: parseRetryAfter(response.headers, now),
        model: context.model,
        field: error?.param ?? context.field,
        size: context.size,
        limit: context.limit
      })
    })

  /** Sends a request; a non-2xx answer fails with the mapped tagged error. */
  const send = Effect.fn("AcmeVoice.send")(function*(call: Call, context: FailureContext = {}) {
    const key = yield* apiKey
    const headers: Record<string, string> = { authorization: `Bearer ${Redacted.value(key)}` }
    if (call.json === true) headers["content-type"] = "application/json"
    const response = yield* Effect.tryPromise({
      try: (signal) => doFetch(`${baseURL}${call.path}`, { method: call.method, headers, body: call.body ?? null, signal }),
      catch: (cause) => new ProviderUnavailable({ provider: PROVIDER, detail: redactSecrets(`the request failed: ${describe(cause)}`) })
    })
    if (!response.ok) return yield* Effect.fail(yield* failure(response, context))
    return response
  })

  /** Reads and decodes a JSON response body. */
  const json = <S extends Schema.Decoder<unknown>>(response: Response, schema: S) =>
    Effect.tryPromise({
      try: () => response.json() as Promise<unknown>,
      catch: (cause) => new ProviderUnavailable({ provider: PROVIDER, detail: `the response is not JSON: ${describe(cause)}` })
    }).pipe(
      Effect.flatMap((body) =>
        Schema.decodeUnknownEffect(schema)(body).pipe(
          Effect.map((decoded) => ({ body, decoded: decoded as S["Type"] })),
          Effect.mapError((error) => new ProviderUnavailable({ provider: PROVIDER, detail: `unexpected response: ${error.message}` }))
        )
      )
    )

  return { send, json, failure }
}

/** The client's shape. */
export type Client = ReturnType<typeof makeClient>

/**
 * Decodes the options under our key; a bad one is `InvalidRequest` naming its path, e.g.
 * `voice.stt.provider_options.acme-voice.diarize` (`field` is the stage: `voice.stt`, or "" for
 * the request's own `provider_options`).
 */
export const decodeOptions = <S extends Schema.Decoder<unknown>>(schema: S, options: unknown, field: string): Effect.Effect<S["Type"], InvalidRequest> =>
  Validation.decodeWith(schema, `${field === "" ? "" : `${field}.`}provider_options.${PROVIDER}`)(options ?? {})
