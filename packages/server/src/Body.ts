/**
 * Request bodies read by the server itself, not by the declaration's decoders, so every refusal
 * is one of our errors with its body: a media type the route does not take (415), a JSON body
 * past `limits.maxJsonBytes` (413, as soon as it passes) or nested deeper than
 * `limits.maxJsonDepth`, malformed JSON (400), a body that stops arriving (408). The decoded
 * value then goes to core, which decodes it against the wire schemas and names the field at
 * fault. Unknown top-level fields are ignored and reported as warnings.
 *
 * @since 0.1.0
 */
import { RequestTimeout, UnsupportedMediaType } from "@patchbay/api"
import { InputTooLarge, InvalidRequest } from "@patchbay/core"
import { Effect, Stream } from "effect"
import type { HttpServerRequest } from "effect/http"
import type { Limits } from "./Limits.ts"

/** The media types a JSON route takes. */
export const JSON_TYPES: ReadonlyArray<string> = ["application/json"]
/** The media types a message route takes. */
export const MESSAGE_TYPES: ReadonlyArray<string> = ["application/json", "multipart/form-data"]

/** The request's media type, lowercased, without parameters; empty when none was sent. */
export const mediaTypeOf = (request: HttpServerRequest.HttpServerRequest): string =>
  (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase()

/** `UnsupportedMediaType` unless the request's media type is one of `allowed` (or absent, when `absentOk`). */
export const requireMediaType = (request: HttpServerRequest.HttpServerRequest, allowed: ReadonlyArray<string>) => {
  const type = mediaTypeOf(request)
  return type === "" || allowed.includes(type)
    ? Effect.succeed(type)
    : Effect.fail(new UnsupportedMediaType({ contentType: request.headers["content-type"] ?? "", allowed }))
}

/** Fails with `RequestTimeout` when the stream sends nothing for `ms`. */
export const idleTimeout = <A, E, R>(stream: Stream.Stream<A, E, R>, ms: number): Stream.Stream<A, E | RequestTimeout, R> =>
  Stream.timeoutOrElse(stream, { duration: ms, orElse: () => Stream.fail(new RequestTimeout({ timeoutMs: ms })) })

/** The deepest nesting of a JSON value (a scalar is 0), counted no further than past `limit`. */
export const depthOf = (value: unknown, limit: number): number => {
  let deepest = 0
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!
    if (typeof current !== "object" || current === null) continue
    deepest = Math.max(deepest, depth + 1)
    if (deepest > limit) return deepest
    for (const child of Object.values(current)) stack.push([child, depth + 1])
  }
  return deepest
}

/**
 * The request's body as JSON: `{}` when empty; `InputTooLarge` (field `body`) as soon as it
 * passes `maxJsonBytes`; `InvalidRequest` (field `body`) when it is not JSON, or not an object,
 * or nested too deep.
 */
export const readJson = Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest, limits: Limits) {
  yield* requireMediaType(request, JSON_TYPES)
  const declared = Number(request.headers["content-length"] ?? NaN)
  if (Number.isFinite(declared) && declared > limits.maxJsonBytes) {
    return yield* new InputTooLarge({ field: "body", limit: limits.maxJsonBytes, size: declared })
  }
  const chunks: Array<Uint8Array> = []
  let size = 0
  yield* idleTimeout(request.stream, limits.bodyIdleTimeoutMs).pipe(
    Stream.mapError((error) =>
      error instanceof RequestTimeout ? error : new InvalidRequest({ field: "body", reason: "the body could not be read" })
    ),
    Stream.runForEach((chunk) => {
      size += chunk.byteLength
      if (size > limits.maxJsonBytes) return Effect.fail(new InputTooLarge({ field: "body", limit: limits.maxJsonBytes, size }))
      chunks.push(chunk)
      return Effect.void
    })
  )
  const text = Buffer.concat(chunks).toString("utf8")
  if (text.trim() === "") return {} as Record<string, unknown>
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    return yield* new InvalidRequest({ field: "body", reason: `not valid JSON: ${(cause as Error).message}` })
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return yield* new InvalidRequest({ field: "body", reason: "expected a JSON object" })
  }
  if (depthOf(value, limits.maxJsonDepth) > limits.maxJsonDepth) {
    return yield* new InvalidRequest({ field: "body", reason: `nested deeper than ${limits.maxJsonDepth} levels` })
  }
  return value as Record<string, unknown>
})

/** The top-level keys of `body` that `known` does not list. */
export const unknownFields = (body: Readonly<Record<string, unknown>>, known: ReadonlyArray<string>): ReadonlyArray<string> =>
  Object.keys(body).filter((key) => !known.includes(key))

/** Drops the keys `known` does not list, returning the rest and the warnings for the dropped ones. */
export const withoutUnknown = (body: Readonly<Record<string, unknown>>, known: ReadonlyArray<string>) => {
  const unknown = unknownFields(body, known)
  const kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body)) if (known.includes(key)) kept[key] = value
  return {
    body: kept,
    warnings: unknown.map((key) => ({ code: "unknown_field", message: `unknown field ${JSON.stringify(key)} was ignored` }))
  }
}
