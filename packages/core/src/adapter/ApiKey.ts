/**
 * An adapter's API key, read when it is first needed. The factory never throws: a key that is
 * neither given nor configured (or is blank) fails the first call with `MissingApiKey`, before
 * any request. A key read here is remembered so that no error message can show it.
 *
 * @since 0.2.0
 */
import { Config, Effect, Redacted } from "effect"
import { MissingApiKey } from "../Errors.ts"
import { rememberSecret } from "../Secrets.ts"

/** Where a provider's key comes from. */
export interface ApiKeySource {
  /** The provider id, for the error. */
  readonly provider: string
  /** The environment variable read when `apiKey` is absent (`OPENAI_API_KEY`). */
  readonly variable: string
  /** The key given to the factory, which wins over the environment. */
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
}

/**
 * The key: the factory's, else `variable` from the ambient `ConfigProvider` (an Effect app's own
 * provider wins), else from `process.env` as it is now — Effect's default provider reads the
 * environment once, so a key exported after that first read is still found.
 *
 * @example
 * ```ts
 * const key = loadApiKey({ provider: "acme-voice", variable: "ACME_VOICE_API_KEY", apiKey: options.apiKey })
 * ```
 */
export const loadApiKey = (source: ApiKeySource): Effect.Effect<Redacted.Redacted<string>, MissingApiKey> =>
  Effect.gen(function*() {
    const given = source.apiKey
    if (given !== undefined) return typeof given === "string" ? Redacted.make(given) : given
    const configured = yield* Effect.result(Config.Redacted(source.variable))
    if (configured._tag === "Success") return configured.success
    const live = globalThis.process?.env?.[source.variable]
    return live === undefined ? yield* Effect.fail("missing") : Redacted.make(live)
  }).pipe(
    Effect.filterOrFail((key) => Redacted.value(key).trim() !== "", () => "blank"),
    Effect.mapError(() => new MissingApiKey({ provider: source.provider, variable: source.variable })),
    Effect.tap((key) => Effect.sync(() => rememberSecret(key)))
  )

/**
 * A vendor SDK client made on first use, once its key is known, and made again only if the key
 * changes. `make` receives the key's text; SDK constructors often throw without one.
 *
 * @example
 * ```ts
 * const client = clientOnFirstUse(loadApiKey(source), (apiKey) => new OpenAI({ apiKey, maxRetries: 0 }))
 * ```
 */
export const clientOnFirstUse = <C, E>(
  key: Effect.Effect<Redacted.Redacted<string>, E>,
  make: (apiKey: string) => C
): Effect.Effect<C, E> => {
  let cached: { readonly key: string; readonly client: C } | undefined
  return Effect.map(key, (redacted) => {
    const value = Redacted.value(redacted)
    if (cached?.key !== value) cached = { key: value, client: make(value) }
    return cached.client
  })
}
