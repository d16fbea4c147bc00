/**
 * Server-sent events read from a vendor's response body as they arrive, parsed by effect's
 * `Sse` (`effect/encoding`). Two differences from `Sse.decode`, both for reading vendors: a
 * `retry:` line is ignored (`Sse.decode` ends the stream with it — a vendor's hint to a browser
 * must not end our read), and an event the body ends in without its blank line is kept.
 *
 * @since 0.2.0
 */
import { Effect, Option, Schema, Stream } from "effect"
import { Sse } from "effect/encoding"
import { ProviderUnavailable } from "../Errors.ts"

/** One event: its `event:` name (`message` when absent), its joined `data:` lines and last `id:`. */
export interface SseEvent {
  readonly event: string
  readonly data: string
  readonly id?: string | undefined
}

/**
 * The events of a body of bytes. An event past `maxEventSize` (10 MiB by default) fails the
 * stream with `ProviderUnavailable`.
 *
 * @example
 * ```ts
 * sseEvents(responseBytes("acme-voice", response, "chat"), { provider: "acme-voice" }).pipe(
 *   Stream.takeWhile((event) => event.data !== "[DONE]")
 * )
 * ```
 */
export const sseEvents = <E, R>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  options: { readonly provider: string; readonly maxEventSize?: number | undefined }
): Stream.Stream<SseEvent, E | ProviderUnavailable, R> =>
  Stream.suspend(() => {
    let ready: Array<SseEvent> = []
    const parser = Sse.makeParser((parsed) => {
      if (parsed._tag === "Event") ready.push({ event: parsed.event, data: parsed.data, ...(parsed.id === undefined ? {} : { id: parsed.id }) })
    }, { maxEventSize: options.maxEventSize })
    const feed = (text: string) => {
      const error = parser.feed(text)
      if (error !== undefined) return Effect.fail(new ProviderUnavailable({ provider: options.provider, detail: `the event stream broke: ${error.message}` }))
      const out = ready
      ready = []
      return Effect.succeed(out)
    }
    // The blank lines at the end dispatch an event the body did not finish.
    return bytes.pipe(Stream.decodeText, Stream.concat(Stream.succeed("\n\n")), Stream.mapEffect(feed), Stream.flattenIterable)
  })

/**
 * The JSON `data` of each event decoded with the vendor's wire schema, up to a `data: [DONE]`
 * sentinel (OpenAI's convention, which many vendors follow). An event that does not decode
 * fails the stream with `ProviderUnavailable` naming it: the vendor changed its API.
 *
 * @example
 * ```ts
 * decodeSseData(sseEvents(bytes, { provider }), ChatChunk, { provider, what: "chat" })
 * ```
 */
export const decodeSseData = <S extends Schema.Decoder<unknown>, E, R>(
  events: Stream.Stream<SseEvent, E, R>,
  schema: S,
  options: { readonly provider: string; readonly what: string }
): Stream.Stream<S["Type"], E | ProviderUnavailable, R> => {
  const decode = Schema.decodeUnknownOption(Schema.fromJsonString(schema))
  return events.pipe(
    Stream.takeWhile((event) => event.data !== "[DONE]"),
    Stream.mapEffect((event) =>
      Option.match(decode(event.data), {
        onNone: () => Effect.fail(new ProviderUnavailable({ provider: options.provider, detail: `unexpected ${options.what} event: ${event.data.slice(0, 200)}` })),
        onSome: (value) => Effect.succeed(value as S["Type"])
      })
    )
  )
}
