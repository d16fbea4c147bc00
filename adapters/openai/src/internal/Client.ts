/**
 * The one path to OpenAI shared by the four capabilities: the key read lazily (a missing key is
 * `MissingApiKey` on first use, before any request — never a throw from the factory), the SDK
 * client created on first use with `maxRetries: 0` (retries belong to the pipeline), every
 * request given an `AbortSignal` so that interrupting the call aborts it, and every failure
 * mapped once to a tagged error. The plumbing is `@patchbay/core/adapter`'s; what is here is
 * about OpenAI's SDK.
 */
import type { InvalidRequest, MissingApiKey } from "@patchbay/core"
import { abortable, abortableScoped, clientOnFirstUse, decodeProviderOptions, loadApiKey } from "@patchbay/core/adapter"
import { Effect, type Redacted, type Schema } from "effect"
import type { Agent } from "node:http"
import type { createConnection } from "node:net"
import OpenAI from "openai"
import { PROVIDER } from "../Models.ts"
import { type FailureContext, optionField, toProviderError } from "./Errors.ts"

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
  /** How realtime sessions reach the Realtime API's WebSocket (see {@link RealtimeSocketOptions}). */
  readonly realtimeSocket?: RealtimeSocketOptions | undefined
}

/**
 * Options for the WebSocket of realtime transcription sessions, handed to the `ws` client the
 * SDK opens (`openai/realtime/ws`). The SDK always speaks `wss:` to `baseURL`'s host; these say
 * how the connection is made.
 */
export interface RealtimeSocketOptions {
  /** An HTTP agent for the upgrade request (a proxy). */
  readonly agent?: Agent | undefined
  /**
   * Opens the connection in place of a TLS connection to the host (e.g. `net.createConnection`
   * to reach a local test server without TLS).
   */
  readonly createConnection?: typeof createConnection | undefined
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
  /** The SDK client, created on first use once the key is known (a missing key is `MissingApiKey`). */
  const apiKey = loadApiKey({ provider: PROVIDER, variable: KEY_VARIABLE, apiKey: options.apiKey })
  const client: Effect.Effect<OpenAI, MissingApiKey> = clientOnFirstUse(
    apiKey,
    (apiKey) =>
      new OpenAI({
        apiKey,
        fetch: transportOf(options.fetch),
        maxRetries: 0,
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
        ...(options.organization === undefined ? {} : { organization: options.organization })
      })
  )

  const mapFailure = (context: FailureContext) => (cause: unknown, now: number) => toProviderError(cause, context, now)

  /**
   * Runs one SDK request with the call's `AbortSignal`: interrupting the effect aborts the
   * request. Failures are mapped to tagged errors.
   */
  const call = <A>(context: FailureContext, run: (sdk: OpenAI, signal: AbortSignal) => Promise<A>) =>
    Effect.flatMap(client, (sdk) => abortable((signal) => run(sdk, signal), mapFailure(context)))

  /**
   * Opens a streaming response. The request's signal lives as long as the scope (the stream
   * reading the body): closing the scope — the stream ended, failed or was interrupted —
   * aborts the request, so an interrupted stream stops the body too.
   */
  const open = (context: FailureContext, run: (sdk: OpenAI, signal: AbortSignal) => Promise<Response>) =>
    Effect.flatMap(client, (sdk) => abortableScoped((signal) => run(sdk, signal), mapFailure(context)))

  /** Succeeds when the key is there; no request. The provider's `credentials`. */
  const credentials: Effect.Effect<void, MissingApiKey> = Effect.asVoid(apiKey)

  return { client, call, open, credentials, realtimeSocket: options.realtimeSocket }
}

/** The client's shape. */
export type Client = ReturnType<typeof makeClient>

/**
 * Decodes the options under `provider_options.openai` for a capability. An unknown option or a
 * malformed one is `InvalidRequest` naming its path (`voice.stt.provider_options.openai.prompt`).
 */
export const decodeOptions = <S extends Schema.Decoder<unknown>>(
  schema: S,
  capability: FailureContext["capability"],
  options: unknown
): Effect.Effect<S["Type"], InvalidRequest> =>
  decodeProviderOptions(schema, options, { provider: PROVIDER, field: optionField(capability, "").replace(/\.$/, "") })
