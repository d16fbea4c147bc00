/**
 * The HTTP checks of every capability: each failing status maps to its tagged error with the
 * vendor's fields, an error mid-stream ends in a typed error after the partial output,
 * interruption aborts the request, and the adapter never retries by itself.
 */
import { type Capability, isProviderError, parseRetryAfter, type ProviderError } from "@patchbay/core"
import { Effect, Exit, Fiber } from "effect"
import { type LoadedCassette, operationOf, type Scenario, type ScenarioCase } from "../../Cassette.ts"
import type { ReplayFetch, ReplayOptions } from "../../Replay.ts"
import { cassettesFor, type Subject } from "../../Subject.ts"
import { show } from "../json.ts"
import { failureOf, outputsOf, type Played, play } from "../operations.ts"
import {
  type Arranged,
  arrange,
  type Check,
  type CheckFailed,
  define,
  describeFailure,
  eachCassette,
  ensure,
  failWith,
  skip,
  type Plan,
  playCassette,
  run,
  scenarioIn,
  successes,
  transportNote,
  waitUntil
} from "./common.ts"
import { streams } from "./tts.ts"

export const defaultTags: Partial<Record<ScenarioCase, string>> = {
  unauthorized: "AuthenticationFailed",
  unknown_model: "UnknownModel",
  too_large: "InputTooLarge",
  invalid_request: "InvalidRequest",
  rate_limited: "RateLimited",
  quota_exceeded: "QuotaExceeded",
  unavailable: "ProviderUnavailable"
}

const httpPlan = (capability: Capability, scenarioCase: ScenarioCase) => (subject: Subject): Plan => {
  if (subject.mode === "in-process") return skip("in-process provider: no HTTP")
  const found = cassettesFor(subject, capability, scenarioCase)
  return found.length === 0 ? skip(`no ${capability} cassette with case "${scenarioCase}"`) : run(found)
}

/** The typed error a call must end in, with the vendor fields DESIGN requires. */
const typedFailure = (played: Played & Arranged, scenario: Scenario, tag: string | undefined): Effect.Effect<ProviderError, CheckFailed> =>
  Effect.gen(function*() {
    const failure = failureOf(played.exit)
    if (failure === undefined) return yield* failWith(`the call succeeded; expected ${tag ?? "a typed error"}`)
    if (failure._tag === "Defect") return yield* failWith(describeFailure(played))
    const error = failure.error
    if (!isProviderError(error)) return yield* failWith(`the call failed with ${error._tag}: ${error.message}${transportNote(played.transport)}`)
    yield* ensure(tag === undefined || error._tag === tag, () => `the call failed with ${error._tag} (${error.message}); expected ${tag}`)
    const entry = played.transport?.log[0]
    const answered = entry?.status !== undefined && entry.status >= 400 ? entry : undefined
    const fields = error as { readonly provider?: string; readonly status?: number; readonly requestId?: string; readonly retryAfter?: number }
    if (answered !== undefined) {
      yield* ensure(fields.provider === played.provider.id, () => `${error._tag}.provider is ${show(fields.provider)}; expected ${show(played.provider.id)}`)
      yield* ensure(fields.status === answered.status, () => `${error._tag}.status is ${show(fields.status)}; the vendor answered ${answered.status}`)
    }
    const expected = scenario.expect?.error
    if (expected?.requestId !== undefined) {
      yield* ensure(fields.requestId === expected.requestId, () => `${error._tag}.requestId is ${show(fields.requestId)}; the vendor's is ${show(expected.requestId)}`)
    }
    if (expected?.status !== undefined) {
      yield* ensure(fields.status === expected.status, () => `${error._tag}.status is ${show(fields.status)}; expected ${expected.status}`)
    }
    // What the error says about the request: the field at fault, the model, an over-limit size and its limit; and the vendor's words.
    for (const name of ["field", "model", "size", "limit", "detail"] as const) {
      const want = expected?.[name]
      if (want === undefined) continue
      const got = (error as unknown as Record<string, unknown>)[name]
      yield* ensure(got === want, () => `${error._tag}.${name} is ${show(got)}; expected ${show(want)}: keep what the vendor's answer and the request say about the ${name === "field" ? "field at fault" : name === "detail" ? "failure" : name}`)
    }
    return error
  })

/**
 * `RateLimited.retryAfter` is exactly what the vendor sent: the scenario's `expect.error.retryAfter`
 * when it gives one, else the 429's `retry-after` (or `retry-after-ms`) header; no `retryAfter` at
 * all when the vendor sent none. A header in seconds must come out unchanged; an HTTP date is
 * read relative to the clock, so it must fall between its value when the response arrived and
 * its value now.
 */
const retryAfterAsSent = (loaded: LoadedCassette, scenario: Scenario, played: Played & Arranged, error: ProviderError): Effect.Effect<void, CheckFailed> =>
  Effect.gen(function*() {
    const retryAfter = (error as { readonly retryAfter?: number }).retryAfter
    const response = (loaded.cassette.interactions.find((i) => i.response.status === 429) ?? loaded.cassette.interactions[0])?.response
    const headers = new Headers(response?.headers ?? {})
    const expected = scenario.expect?.error?.retryAfter
    const hint = "(parse retry-after with core's parseRetryAfter, and never invent one)"
    if (expected !== undefined) {
      return yield* ensure(retryAfter === expected, () => `RateLimited.retryAfter is ${show(retryAfter)}; the vendor said ${expected} s ${hint}`)
    }
    const now = Date.now()
    const atNow = parseRetryAfter(headers, now)
    if (atNow === undefined) {
      return yield* ensure(retryAfter === undefined, () =>
        `RateLimited.retryAfter is ${show(retryAfter)}, but the vendor's 429 carries no retry-after: leave retryAfter out ${hint}`)
    }
    const answeredAt = played.transport?.log[0]?.respondedAt
    const atResponse = answeredAt === undefined ? atNow : parseRetryAfter(headers, now - (performance.now() - answeredAt))
    const low = Math.min(atNow, atResponse ?? atNow)
    const high = Math.max(atNow, atResponse ?? atNow)
    const sent = headers.get("retry-after-ms") !== null ? `retry-after-ms: ${headers.get("retry-after-ms")}` : `retry-after: ${headers.get("retry-after")}`
    yield* ensure(retryAfter !== undefined && retryAfter >= low && retryAfter <= high, () =>
      `RateLimited.retryAfter is ${show(retryAfter)}; the vendor sent ${sent} (${low === high ? `${low} s` : `${low.toFixed(3)}–${high.toFixed(3)} s`}) ${hint}`)
  })

const httpCheck = (capability: Capability, scenarioCase: ScenarioCase, title: string): Check =>
  define(
    capability,
    scenarioCase,
    title,
    httpPlan(capability, scenarioCase),
    Effect.fn(`Checks.${capability}.${scenarioCase}`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const played = yield* playCassette(subject, loaded)
          const tag = scenario.expect?.error?._tag ?? defaultTags[scenarioCase]
          const error = yield* typedFailure(played, scenario, tag)
          if (scenarioCase === "rate_limited") yield* retryAfterAsSent(loaded, scenario, played, error)
        }))
    })
  )

const streamingOperation = (subject: Subject, loaded: LoadedCassette): boolean => {
  const scenario = scenarioIn(loaded)
  switch (scenario.capability) {
    case "stt":
      return operationOf(scenario) === "transcribeStream"
    case "tts":
      return streams(subject, loaded)
    case "llm":
      return true
    case "image":
    case "embedding":
      return false
  }
}

const contentTypes = new Set(["delta", "audio", "text_delta", "tool_call"])

/** The error a cassette's stream reports in band (an `error` event, or a chunk whose data holds `error`). */
const inBandError = (loaded: LoadedCassette): { readonly code?: string; readonly message?: string } | undefined => {
  for (const interaction of loaded.cassette.interactions) {
    const body = interaction.response.body
    if (body?.type !== "sse") continue
    for (const chunk of body.chunks) {
      if (!("data" in chunk)) continue
      const data = chunk.data as { readonly error?: unknown; readonly message?: unknown; readonly code?: unknown } | null
      const inner = typeof data?.error === "object" && data.error !== null ? data.error as { readonly message?: unknown; readonly code?: unknown } : undefined
      if (("event" in chunk && chunk.event === "error") || inner !== undefined) {
        const found = inner ?? data ?? {}
        return {
          ...(typeof found.code === "string" ? { code: found.code } : {}),
          ...(typeof found.message === "string" ? { message: found.message } : {})
        }
      }
    }
  }
  return undefined
}

/** The request id the first response carried (`x-request-id` or `request-id`). */
const requestIdHeader = (loaded: LoadedCassette): string | undefined => {
  const headers = loaded.cassette.interactions[0]?.response.headers ?? {}
  return Object.entries(headers).find(([name]) => ["x-request-id", "request-id"].includes(name.toLowerCase()))?.[1]
}

const streamErrorCheck = (capability: Capability): Check =>
  define(
    capability,
    "stream_error",
    "an error mid-stream ends in its code's typed error after the partial output, with the vendor's message and request id",
    (subject) => {
      if (capability === "image") return skip("image generation does not stream")
      if (capability === "embedding") return skip("embeddings do not stream")
      if (capability === "stt" && subject.provider.stt?.transcribeStream === undefined) return skip("the provider does not stream transcripts")
      const planned = httpPlan(capability, "stream_error")(subject)
      if (planned._tag === "Skip" || subject.mode === "in-process") return planned
      const streaming = planned.cassettes.filter((c) => streamingOperation(subject, c))
      return streaming.length === 0 ? skip("the stream_error cassettes call no streaming operation") : run(streaming)
    },
    Effect.fn(`Checks.${capability}.stream_error`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const played = yield* playCassette(subject, loaded)
          const error = yield* typedFailure(played, scenario, scenario.expect?.error?._tag)
          const partial = played.outputs.filter((o) => contentTypes.has((o.value as { type?: string }).type ?? ""))
          yield* ensure(partial.length > 0, () => "no output came before the error: stream the output as it arrives, then fail")
          const vendor = inBandError(loaded)
          if (vendor?.message !== undefined) {
            yield* ensure(
              error.message.includes(vendor.message),
              () => `${error._tag}: ${error.message} drops the vendor's message ${show(vendor.message)}: keep it as the error's detail (core's streamFailure does)`
            )
          }
          const requestId = requestIdHeader(loaded)
          const got = (error as { readonly requestId?: string }).requestId
          if (requestId !== undefined) {
            yield* ensure(got === requestId, () => `${error._tag}.requestId is ${show(got)}; the response carried ${show(requestId)}: keep the request id of a stream that fails`)
          }
        }))
    })
  )

/**
 * What tells an operation's code path apart: the operation the scenario calls, and the first
 * request's method and path with the media type of its response (an SSE speech path, an
 * audio-body path, a streaming transcription).
 */
const operationKey = (loaded: LoadedCassette): string => {
  const first = loaded.cassette.interactions[0]
  const path = first === undefined ? "" : URL.canParse(first.request.url) ? new URL(first.request.url).pathname : first.request.url
  const contentType = Object.entries(first?.response.headers ?? {}).find(([name]) => name.toLowerCase() === "content-type")?.[1]
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase() ?? ""
  return `${operationOf(scenarioIn(loaded))} ${first?.request.method ?? ""} ${path} ${mediaType}`
}

/** The first success cassette of each operation (see {@link operationKey}), in file order. */
const onePerOperation = (found: ReadonlyArray<LoadedCassette>): ReadonlyArray<LoadedCassette> => {
  const seen = new Set<string>()
  return found.filter((loaded) => {
    const key = operationKey(loaded)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

const abortCheck = (capability: Capability): Check =>
  define(
    capability,
    "abort",
    "interruption aborts the request of every operation (seen at the transport)",
    (subject) => {
      if (subject.mode === "in-process") return skip("in-process provider: no HTTP request to abort")
      const found = successes(subject, capability)
      return found.length === 0 ? skip(`no ${capability} cassette with case "success"`) : run(onePerOperation(found))
    },
    Effect.fn(`Checks.${capability}.abort`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const phases: ReadonlyArray<readonly [string, ReplayOptions["stall"]]> = [
            ["while waiting for the response", "headers"],
            ...(streamingOperation(subject, loaded) ? [["while the body streams", { afterChunks: 1 }] as const] : [])
          ]
          for (const [phase, stall] of phases) {
            const arranged = arrange(subject, loaded, { stall })
            const transport = arranged.transport as ReplayFetch
            const fiber = yield* Effect.forkChild(play(outputsOf(arranged.provider, loaded, scenario)))
            const reached = yield* waitUntil(
              // Matched and held by the transport (not merely started: it must be waiting on the vendor).
              () => (stall === "headers" ? transport.log[0]?.interaction !== undefined : (transport.log[0]?.chunkTimes.length ?? 0) > 0) || fiber.pollUnsafe() !== undefined,
              2000
            )
            const early = fiber.pollUnsafe()
            if (!reached || early !== undefined) {
              transport.dispose()
              const outcome = early === undefined ? "it was still pending" : "it had already ended"
              return yield* failWith(`${phase}: the call never got there (${transport.log.length} request(s), ${outcome})${transportNote(transport)}`)
            }
            const stopped = yield* Fiber.interrupt(fiber).pipe(Effect.timeoutOption("2 seconds"))
            const entry = transport.log[0]
            const aborted = yield* waitUntil(() => entry?.aborted === true || (stall !== "headers" && entry?.cancelled === true), 500)
            transport.dispose()
            yield* ensure(stopped._tag === "Some", () => `${phase}: the call did not stop within 2 s of its interruption`)
            yield* ensure(aborted, () =>
              `${phase}: interrupting the call did not abort the request (the transport never saw its signal abort): pass the AbortSignal to fetch or the SDK`)
          }
        }))
    })
  )

const noRetryCheck = (capability: Capability): Check =>
  define(
    capability,
    "no_retry",
    "the adapter does not retry (one request for a 5xx or a 429)",
    (subject) => {
      if (subject.mode === "in-process") return skip("in-process provider: no HTTP")
      const found = [...cassettesFor(subject, capability, "unavailable"), ...cassettesFor(subject, capability, "rate_limited")]
      return found.length === 0 ? skip(`no ${capability} cassette with case "unavailable" or "rate_limited"`) : run(found)
    },
    Effect.fn(`Checks.${capability}.no_retry`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded) =>
        Effect.gen(function*() {
          const played = yield* playCassette(subject, loaded)
          const log = played.transport?.log ?? []
          const status = log[0]?.status
          yield* ensure(log.length === 1, () =>
            `one call made ${log.length} requests for a ${status ?? "failing"} response: the adapter retried by itself (create SDK clients with maxRetries: 0; retries belong to the pipeline)`)
          yield* ensure(Exit.isFailure(played.exit), () => "the call succeeded on a failing response")
        }))
    })
  )

export const httpChecks = (capability: Capability): ReadonlyArray<Check> => [
  httpCheck(capability, "unauthorized", "a refused key → AuthenticationFailed"),
  httpCheck(capability, "unknown_model", "an unknown model → UnknownModel"),
  httpCheck(capability, "too_large", "an over-limit input → InputTooLarge"),
  httpCheck(capability, "invalid_request", "a rejected request → InvalidRequest"),
  httpCheck(capability, "rate_limited", "a rate limit → RateLimited, with the vendor's retry-after when it sent one"),
  httpCheck(capability, "quota_exceeded", "a spent quota or credit → QuotaExceeded"),
  httpCheck(capability, "unavailable", "a vendor failure (5xx) → ProviderUnavailable"),
  streamErrorCheck(capability),
  abortCheck(capability),
  noRetryCheck(capability)
]
