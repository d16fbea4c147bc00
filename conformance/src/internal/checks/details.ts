/**
 * The check that a failed response's error keeps what the vendor said: its message (as the
 * error's `detail`; a router may relay its upstream's message instead), its request id (the `x-request-id` or `request-id` header) and, for an
 * unknown model, the model asked for. The status checks prove the tag; this one proves the
 * facts a caller reads to understand and report the failure, for every error cassette the
 * adapter ships — so an adapter that maps the status right but drops or mangles the body passes
 * no longer.
 */
import { type Capability, isProviderError, redactSecrets } from "@patchbay/core"
import { Effect } from "effect"
import type { LoadedCassette, ScenarioCase } from "../../Cassette.ts"
import { cassettesFor } from "../../Subject.ts"
import { isRecord, show } from "../json.ts"
import { failureOf } from "../operations.ts"
import { type Check, define, describeFailure, eachCassette, ensure, failWith, playCassette, run, skip } from "./common.ts"

const errorCases: ReadonlyArray<ScenarioCase> = [
  "unauthorized",
  "unknown_model",
  "too_large",
  "invalid_request",
  "rate_limited",
  "quota_exceeded",
  "unavailable"
]

/**
 * The vendor's messages in an error body, outermost first: every non-empty string under
 * `message` or `msg`, or a string `detail`, at any depth — also inside a string field that holds
 * JSON, as an upstream's raw error relayed by a router (`metadata.raw`).
 */
export const vendorMessages = (body: unknown): ReadonlyArray<string> => {
  if (typeof body === "string") {
    const text = body.trim()
    if (!text.startsWith("{") && !text.startsWith("[")) return []
    try {
      return vendorMessages(JSON.parse(text))
    } catch {
      return []
    }
  }
  if (Array.isArray(body)) return body.flatMap(vendorMessages)
  if (!isRecord(body)) return []
  const own = ["message", "msg", "detail"].flatMap((key) => {
    const value = body[key]
    return typeof value === "string" && value.trim() !== "" ? [value] : []
  })
  return [...own, ...Object.values(body).flatMap(vendorMessages)]
}

/** The first response of a cassette that failed with a JSON body, with its request id header. */
const failedResponse = (loaded: LoadedCassette) => {
  const response = loaded.cassette.interactions.find((i) => i.response.status >= 400)?.response
  if (response === undefined) return undefined
  const body = response.body?.type === "json" ? response.body.json : undefined
  const requestId = Object.entries(response.headers ?? {}).find(([name]) => ["x-request-id", "request-id"].includes(name.toLowerCase()))?.[1]
  return { status: response.status, messages: vendorMessages(body).map(redactSecrets), requestId }
}

export const detailsCheck = (capability: Capability): Check =>
  define(
    capability,
    "error_details",
    "a failed response's error keeps the vendor's message, request id and the model asked for",
    (subject) => {
      if (subject.mode === "in-process") return skip("in-process provider: no HTTP")
      const found = errorCases.flatMap((c) => cassettesFor(subject, capability, c)).filter((c) => failedResponse(c) !== undefined)
      return found.length === 0 ? skip(`no ${capability} error cassette with a failed response`) : run(found)
    },
    Effect.fn(`Checks.${capability}.error_details`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const played = yield* playCassette(subject, loaded)
          const failure = failureOf(played.exit)
          if (failure === undefined || failure._tag === "Defect" || !isProviderError(failure.error)) {
            return yield* failWith(`expected a typed error; ${describeFailure(played)}`)
          }
          const error = failure.error as { readonly _tag: string; readonly message: string; readonly detail?: string; readonly requestId?: string; readonly model?: string }
          const sent = failedResponse(loaded)
          const said = sent?.messages ?? []
          if (said.length > 0) {
            yield* ensure(said.some((message) => (error.detail ?? "").includes(message)), () =>
              `${error._tag}.detail is ${show(error.detail)}; the vendor said ${show(said[0])}: keep the vendor's message as the error's detail (core's fromHttpFailure does)`)
          }
          if (sent?.requestId !== undefined) {
            yield* ensure(error.requestId === sent.requestId, () =>
              `${error._tag}.requestId is ${show(error.requestId)}; the response carried ${show(sent.requestId)}: keep the vendor's request id`)
          }
          if (error._tag === "UnknownModel") {
            yield* ensure(error.model === scenario.request.model, () =>
              `UnknownModel.model is ${show(error.model)}; the request asked for ${show(scenario.request.model)}`)
          }
        }))
    })
  )
