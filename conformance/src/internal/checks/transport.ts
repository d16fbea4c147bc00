/**
 * The check that a request which never got a response fails the way a caller can act on: the
 * transport rejects before any status arrives — a connection reset, the response's headers
 * timing out, a refused connection reported without undici's `fetch failed` wrapper (as
 * `node:http` reports it) — and the call must end in `ProviderUnavailable` or `ProviderTimeout`
 * (retryable, naming the provider, no HTTP status), after exactly one attempt, with a message
 * that says what happened: the innermost cause's own words, no placeholder (`undefined`,
 * `null`, `[object Object]`, empty parentheses), and never the API key. The status checks all
 * play a vendor's answer, so an adapter that loses the cause of a network failure, words it
 * badly or leaks the request's init into it passed until now.
 */
import { type Capability, isProviderError } from "@patchbay/core"
import { Cause, Effect, Exit } from "effect"
import type { LoadedCassette } from "../../Cassette.ts"
import { show } from "../json.ts"
import { failureOf, outputsOf, play } from "../operations.ts"
import { type Check, define, eachCassette, ensure, failWith, run, scenarioIn, skip, successes } from "./common.ts"
import { errorTexts, SECRET_API_KEY } from "./secrets.ts"

/** A failure of the transport before any response, as Node reports it, and the words that must reach the error. */
interface TransportFailure {
  readonly what: string
  readonly error: () => unknown
  readonly says: string
}

const withCode = (message: string, fields: Readonly<Record<string, unknown>>): Error => Object.assign(new Error(message), fields)

export const transportFailures: ReadonlyArray<TransportFailure> = [
  {
    what: "a connection reset before the response",
    error: () => new TypeError("fetch failed", { cause: withCode("read ECONNRESET", { code: "ECONNRESET", errno: -104, syscall: "read" }) }),
    says: "read ECONNRESET"
  },
  {
    what: "the response's headers timing out",
    error: () => new TypeError("fetch failed", { cause: withCode("Headers Timeout Error", { name: "HeadersTimeoutError", code: "UND_ERR_HEADERS_TIMEOUT" }) }),
    says: "Headers Timeout Error"
  },
  {
    what: "a refused connection, reported without a wrapper",
    error: () => withCode("connect ECONNREFUSED 127.0.0.1:443", { code: "ECONNREFUSED", errno: -111, syscall: "connect", address: "127.0.0.1", port: 443 }),
    says: "connect ECONNREFUSED 127.0.0.1:443"
  }
]

/** Text a message built from a missing value shows instead of words. */
const PLACEHOLDER = /\bundefined\b|\bnull\b|\[object Object\]|\(\s*\)/

/** A `fetch` that fails every request with the error, counting the attempts. */
const failingFetch = (failure: TransportFailure) => {
  let attempts = 0
  const fetch = (async () => {
    attempts++
    throw failure.error()
  }) as unknown as typeof globalThis.fetch
  return { fetch, attempts: () => attempts }
}

/** The first success cassette of each operation: each may reach the transport by its own path. */
const firstPerOperation = (found: ReadonlyArray<LoadedCassette>): ReadonlyArray<LoadedCassette> => {
  const seen = new Set<string>()
  return found.filter((loaded) => {
    const key = scenarioIn(loaded).operation ?? ""
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

export const transportFailureCheck = (capability: Capability): Check =>
  define(
    capability,
    "transport_failure",
    "a request that got no response (reset, timed out, refused) → ProviderUnavailable or ProviderTimeout saying what happened",
    (subject) => {
      if (subject.mode === "in-process") return skip("in-process provider: no HTTP")
      const found = successes(subject, capability)
      return found.length === 0 ? skip(`no ${capability} cassette with case "success"`) : run(firstPerOperation(found))
    },
    Effect.fn(`Checks.${capability}.transport_failure`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded) =>
        Effect.gen(function*() {
          for (const failure of transportFailures) {
            const transport = failingFetch(failure)
            const provider = subject.make({ fetch: transport.fetch, apiKey: SECRET_API_KEY })
            const played = yield* play(outputsOf(provider, loaded, scenarioIn(loaded)))
            const ended = failureOf(played.exit)
            if (ended === undefined) return yield* failWith(`${failure.what}: the call succeeded`)
            if (ended._tag === "Defect") return yield* failWith(`${failure.what}: it died with a defect instead of a typed error: ${ended.message}`)
            const error = ended.error
            yield* ensure(transport.attempts() > 0, () => `${failure.what}: it failed with ${error._tag} before any request (${error.message})`)
            yield* ensure(isProviderError(error) && (error._tag === "ProviderUnavailable" || error._tag === "ProviderTimeout"), () =>
              `${failure.what}: it failed with ${error._tag} (${error.message}); expected ProviderUnavailable (or ProviderTimeout), which the pipeline may retry`)
            const fields = error as unknown as { readonly provider?: string; readonly status?: number; readonly retryable?: boolean }
            yield* ensure(fields.retryable === true, () => `${failure.what}: ${error._tag} is not retryable; a network failure is worth another attempt`)
            yield* ensure(fields.provider === provider.id, () => `${failure.what}: ${error._tag}.provider is ${show(fields.provider)}; expected ${show(provider.id)}`)
            yield* ensure(fields.status === undefined, () => `${failure.what}: ${error._tag}.status is ${show(fields.status)}, but no response came: leave status out`)
            yield* ensure(transport.attempts() === 1, () =>
              `${failure.what}: one call made ${transport.attempts()} attempts: the adapter retried by itself (retries belong to the pipeline)`)
            yield* ensure(error.message.includes(failure.says), () =>
              `${failure.what}: the message ${show(error.message)} does not say what happened (the transport said ${show(failure.says)}): keep the cause chain's messages, innermost included`)
            const placeholder = PLACEHOLDER.exec(error.message)?.[0]
            yield* ensure(placeholder === undefined, () =>
              `${failure.what}: the message ${show(error.message)} shows ${show(placeholder)} where words belong: build it only from the parts the cause has`)
            const texts = [...errorTexts(error), ...(Exit.isFailure(played.exit) ? [["the pretty-printed failure", Cause.pretty(played.exit.cause)] as const] : [])]
            const leak = texts.find(([, text]) => text.includes(SECRET_API_KEY))
            yield* ensure(leak === undefined, () =>
              `${failure.what}: the API key appears in ${leak?.[0]}: never put the key, headers or the request's init in an error`)
          }
        }))
    })
  )
