/**
 * The one path to the vendor: the official SDK, created on first use with the key read lazily
 * (a missing key is `MissingApiKey` before any request, never a throw from the factory), with
 * `maxRetries: 0` (retries belong to the pipeline), the caller's `fetch` and base URL, and every
 * call given an `AbortSignal` so interrupting it aborts the HTTP request — that plumbing is
 * `@patchbay/core/adapter`'s. Failures are mapped once (`Errors.ts`).
 *
 * The SDK hands back camelCase objects with `null`s dropped; `provider_output` must be the
 * vendor's body as it came. The `fetch` given to the SDK is therefore wrapped: within a call that
 * asks for it (an `AsyncLocalStorage` slot, so concurrent calls never mix), a JSON response is
 * also read as text, untouched.
 *
 * The same wrapper keeps the SDK from leaving its request deadline armed: the SDK clears that
 * timer only when `fetch` resolves, so a request that never got an answer (refused, unresolvable,
 * aborted) would keep the process alive until the deadline (an hour by default). The wrapper
 * therefore never rejects: it keeps the transport's failure in the call's slot, resolves with a
 * stand-in response the SDK reads as an error, and the call reports the kept failure instead.
 */
import { ElevenLabsClient } from "@elevenlabs/elevenlabs-js"
import { InvalidRequest, Language, type MissingApiKey, type ProviderError, ProviderUnavailable, redactSecrets } from "@patchbay/core"
import { abortable, clientOnFirstUse, decodeProviderOptions, loadApiKey, streamingUploadFetch } from "@patchbay/core/adapter"
import { Effect, type Redacted, type Schema } from "effect"
import { AsyncLocalStorage } from "node:async_hooks"
import { KEY_VARIABLE, PROVIDER } from "../Models.ts"
import { type FailureContext, fromSdkError, fromTransportFailure } from "./Errors.ts"

/** The factory's options. */
export interface ElevenLabsOptions {
  /** Defaults to `ELEVENLABS_API_KEY`, read on first use. */
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
  /** Defaults to the SDK's, `https://api.elevenlabs.io`. */
  readonly baseUrl?: string | undefined
  /**
   * The transport. By default, the global `fetch` — except for STT uploads, which go through
   * `node:http(s)` so the file streams from disk: Node's `fetch` keeps a request body in memory
   * (nodejs/undici#4058). A `fetch` given here is used for everything (the conformance battery
   * injects its replay transport); with Node's own, uploads are held in memory while they are sent.
   */
  readonly fetch?: typeof fetch | undefined
  /** The STT upload limit in bytes; defaults to the spec's (under 5,000,000,000). */
  readonly maxUploadBytes?: number | undefined
  /**
   * The SDK's deadline for one request until its response starts, in seconds. Default 3600: an
   * upload of several gigabytes takes long, and the pipeline's stage timeouts (measured between
   * outputs) are the ones meant to fire.
   */
  readonly timeoutInSeconds?: number | undefined
  /** Where one-shot audio streams are spooled before upload; defaults to `os.tmpdir()`. */
  readonly spoolDir?: string | undefined
}

/** What a call produced, and the vendor's JSON body as text when the call asked for it. */
export interface Called<A> {
  readonly value: A
  readonly body: string | undefined
}

interface Slot {
  readonly capture: boolean
  body?: Promise<string>
  /** Why the transport failed, when it did; the SDK saw a stand-in response instead. */
  failure?: { readonly cause: unknown; readonly timedOut: boolean }
}

/** What the SDK gets in place of a transport failure: an error status with an empty body. */
const standIn = () => new Response(null, { status: 599, statusText: "transport failed" })

const isJson = (contentType: string | null) => contentType !== null && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)

/** The client shared by the two capabilities. */
export const makeClient = (options: ElevenLabsOptions) => {
  const slots = new AsyncLocalStorage<Slot>()

  /** The caller's fetch, or the default transport (uploads streamed from disk), tapped. */
  const tapped: typeof fetch = async (input, init) => {
    const slot = slots.getStore()
    let response: Response
    try {
      response = await (options.fetch ?? streamingUploadFetch)(input, init)
    } catch (cause) {
      if (slot === undefined) throw cause
      slot.failure = { cause, timedOut: init?.signal?.reason === "timeout" } // the SDK's deadline fired
      return standIn()
    }
    if (slot !== undefined && slot.capture && isJson(response.headers.get("content-type"))) {
      const text = response.clone().text()
      text.catch(() => undefined) // read by the call when it succeeds; a failure is the SDK's to report
      slot.body = text
    }
    return response
  }

  /** The key: the factory's, else `ELEVENLABS_API_KEY`; remembered so no error message can show it. */
  const apiKey: Effect.Effect<Redacted.Redacted<string>, MissingApiKey> = loadApiKey({ provider: PROVIDER, variable: KEY_VARIABLE, apiKey: options.apiKey })

  /** The SDK client, created on first use (its constructor throws without a key). */
  const client: Effect.Effect<ElevenLabsClient, MissingApiKey> = clientOnFirstUse(apiKey, (key) =>
    new ElevenLabsClient({
      apiKey: key,
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      fetch: tapped,
      maxRetries: 0,
      timeoutInSeconds: options.timeoutInSeconds ?? 3600
    }))

  /**
   * Runs one SDK call with an abort signal that interrupting the effect fires (and, when given,
   * another one the caller controls, e.g. a stream's scope); a rejection is mapped to the tagged
   * error. `capture: true` also returns the vendor's JSON body as text.
   */
  const call = <A>(
    context: FailureContext,
    run: (sdk: ElevenLabsClient, signal: AbortSignal) => Promise<A>,
    extra: { readonly capture?: boolean; readonly signal?: AbortSignal } = {}
  ): Effect.Effect<Called<A>, ProviderError> =>
    Effect.gen(function*() {
      const sdk = yield* client
      const slot: Slot = { capture: extra.capture === true }
      const value = yield* abortable(
        (signal) => {
          const combined = extra.signal === undefined ? signal : AbortSignal.any([signal, extra.signal])
          return slots.run(slot, () => run(sdk, combined))
        },
        (cause, now) => (slot.failure === undefined ? fromSdkError(cause, context, now) : fromTransportFailure(slot.failure, context))
      )
      const pending = slot.body
      const body = pending === undefined ? undefined : yield* Effect.tryPromise({
        try: () => pending,
        catch: (cause) => new ProviderUnavailable({ provider: PROVIDER, detail: redactSecrets(`the response body broke: ${String(cause)}`) })
      })
      return { value, body }
    })

  return { apiKey, client, call, credentials: Effect.asVoid(apiKey) }
}

/** The client's shape. */
export type Client = ReturnType<typeof makeClient>

/** Refuses a language that is not an ISO 639-1 code, naming `field`. */
export const checkIso6391 = (field: string, code: string): Effect.Effect<void, InvalidRequest> =>
  Language.isIso6391(code)
    ? Effect.void
    : Effect.fail(new InvalidRequest({ provider: PROVIDER, field, value: code, reason: "expected an ISO 639-1 code such as \"en\"" }))

/** Where options sit in a request: `voice.stt.provider_options.elevenlabs`. */
export const optionsField = (stage: "stt" | "tts"): string => `voice.${stage}.provider_options.${PROVIDER}`

/**
 * Decodes the options under `provider_options.elevenlabs` with their schema. An unknown key (a
 * typo, or another capability's option) is refused rather than silently dropped; a bad value is
 * `InvalidRequest` naming its path, e.g. `voice.stt.provider_options.elevenlabs.num_speakers`.
 */
export const decodeOptions = <S extends Schema.Decoder<unknown>>(
  schema: S,
  options: unknown,
  field: string,
  nested: Readonly<Record<string, { readonly fields: Schema.Struct.Fields }>> = {}
): Effect.Effect<S["Type"], InvalidRequest> => decodeProviderOptions(schema, options, { provider: PROVIDER, field, nested })
