/**
 * The one path to OpenAI shared by the four capabilities: the key read lazily (a missing key is
 * `MissingApiKey` on first use, before any request — never a throw from the factory), the SDK
 * client created on first use with `maxRetries: 0` (retries belong to the pipeline), every
 * request given an `AbortSignal` so that interrupting the call aborts it, and every failure
 * mapped once to a tagged error.
 */
import { InvalidRequest, MissingApiKey, rememberSecret, Validation } from "@patchbay/core"
import { Clock, Config, Effect, Redacted, type Schema, Stream } from "effect"
import OpenAI from "openai"
import { PROVIDER } from "../Models.ts"
import { brokenStream, type FailureContext, optionField, toProviderError } from "./Errors.ts"

/** The options of the `openai()` factory. */
export interface OpenAIOptions {
  /** The API key; read from `OPENAI_API_KEY` on first use when absent. */
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
  /** Defaults to `https://api.openai.com/v1` (or the SDK's `OPENAI_BASE_URL`). */
  readonly baseURL?: string | undefined
  /** The `fetch` the SDK uses; tests inject the conformance replay transport. */
  readonly fetch?: typeof fetch | undefined
  /** Sent as `OpenAI-Organization`. */
  readonly organization?: string | undefined
}

/** The environment variable the key is read from. */
export const KEY_VARIABLE = "OPENAI_API_KEY"

/**
 * The transport handed to the SDK. It carries `Response` so that the SDK does not probe a custom
 * `fetch` with a `data:` request before its first multipart upload (that probe would reach the
 * caller's transport as an extra request).
 */
const transportOf = (custom: typeof fetch | undefined) =>
  Object.assign((input: string | URL | Request, init?: RequestInit) => (custom ?? globalThis.fetch)(input, init), { Response })

/** The client shared by the capabilities of one provider. */
export const makeClient = (options: OpenAIOptions) => {
  let sdk: OpenAI | undefined

  /**
   * The factory's key, else `OPENAI_API_KEY` from the ambient `ConfigProvider` (an Effect app's
   * own provider wins), else from `process.env` as it is now: Effect's default provider reads
   * the environment once per process, so a key exported after that first read is still found.
   */
  const apiKey = Effect.gen(function*() {
    const given = options.apiKey
    if (given !== undefined) return typeof given === "string" ? Redacted.make(given) : given
    const configured = yield* Effect.result(Config.Redacted(KEY_VARIABLE))
    if (configured._tag === "Success") return configured.success
    const live = globalThis.process?.env?.[KEY_VARIABLE]
    return live === undefined ? yield* Effect.fail("missing") : Redacted.make(live)
  }).pipe(
    Effect.filterOrFail((key) => Redacted.value(key).trim() !== "", () => "empty"),
    Effect.mapError(() => new MissingApiKey({ provider: PROVIDER, variable: KEY_VARIABLE }))
  )

  /** The SDK client, created on first use once the key is known. */
  const client: Effect.Effect<OpenAI, MissingApiKey> = Effect.suspend(() =>
    sdk !== undefined ? Effect.succeed(sdk) : Effect.map(apiKey, (key) => {
      rememberSecret(key)
      sdk = new OpenAI({
        apiKey: Redacted.value(key),
        fetch: transportOf(options.fetch),
        maxRetries: 0,
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
        ...(options.organization === undefined ? {} : { organization: options.organization })
      })
      return sdk
    })
  )

  const mapFailure = (context: FailureContext) => (cause: unknown) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.fail(toProviderError(cause, context, now)))

  /**
   * Runs one SDK request with the call's `AbortSignal`: interrupting the effect aborts the
   * request. Failures are mapped to tagged errors.
   */
  const call = <A>(context: FailureContext, run: (sdk: OpenAI, signal: AbortSignal) => Promise<A>) =>
    Effect.flatMap(client, (sdk) =>
      Effect.tryPromise({ try: (signal) => run(sdk, signal), catch: (cause) => cause }).pipe(Effect.catch(mapFailure(context))))

  /**
   * Opens a streaming response. The request's signal lives as long as the scope (the stream
   * reading the body): closing the scope — the stream ended, failed or was interrupted —
   * aborts the request, so an interrupted stream stops the body too.
   */
  const open = (context: FailureContext, run: (sdk: OpenAI, signal: AbortSignal) => Promise<Response>) =>
    Effect.gen(function*() {
      const sdk = yield* client
      const controller = yield* Effect.acquireRelease(
        Effect.sync(() => new AbortController()),
        (c) => Effect.sync(() => c.abort())
      )
      return yield* Effect.tryPromise({
        try: (signal) => run(sdk, AbortSignal.any([signal, controller.signal])),
        catch: (cause) => cause
      }).pipe(Effect.catch(mapFailure(context)))
    })

  return { client, call, open }
}

/** The client's shape. */
export type Client = ReturnType<typeof makeClient>

/** The vendor's request id of a response. */
export const requestIdOf = (response: Response): string | undefined => response.headers.get("x-request-id") ?? undefined

/** A response body as a stream of bytes; a body that breaks half way fails with `ProviderUnavailable`. */
export const bodyOf = (response: Response, what: string): Stream.Stream<Uint8Array, ReturnType<typeof brokenStream>> => {
  const body = response.body
  const requestId = requestIdOf(response)
  if (body === null) return Stream.fail(brokenStream(what, new Error("the response has no body"), requestId))
  return Stream.fromReadableStream({ evaluate: () => body, onError: (cause) => brokenStream(what, cause, requestId) })
}

/**
 * Decodes the options under `provider_options.openai` for a capability. An unknown option or a
 * malformed one is `InvalidRequest` naming its path (`voice.stt.provider_options.openai.prompt`).
 */
export const decodeOptions = <S extends Schema.Decoder<unknown> & { readonly fields: Readonly<Record<string, unknown>> }>(
  schema: S,
  capability: FailureContext["capability"],
  options: unknown
): Effect.Effect<S["Type"], InvalidRequest> =>
  Effect.suspend(() => {
    if (options !== undefined && options !== null && typeof options === "object" && !Array.isArray(options)) {
      const known = Object.keys(schema.fields)
      const unknown = Object.keys(options).find((key) => !known.includes(key))
      if (unknown !== undefined) {
        return Effect.fail(
          new InvalidRequest({
            provider: PROVIDER,
            field: optionField(capability, unknown),
            value: (options as Record<string, unknown>)[unknown],
            allowed: known,
            reason: `${JSON.stringify(unknown)} is not an OpenAI ${capability.toUpperCase()} option`
          })
        )
      }
    }
    const prefix = optionField(capability, "").replace(/\.$/, "")
    return Validation.decodeWith(schema, prefix)(options ?? {}).pipe(
      Effect.mapError((error) =>
        new InvalidRequest({
          provider: PROVIDER,
          field: error.field,
          reason: error.reason,
          ...("value" in error ? { value: error.value } : {}),
          ...(error.allowed === undefined ? {} : { allowed: error.allowed })
        })
      )
    )
  })
