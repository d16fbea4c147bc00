/**
 * `sseEvents`: effect's SSE parser on a vendor's body, with the two differences vendors need —
 * a `retry:` line does not end the stream, and an unfinished last event is kept.
 */
import { expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ProviderUnavailable } from "../../src/index.ts"
import { sseEvents } from "../../src/adapter/index.ts"

const bytes = (...chunks: ReadonlyArray<string>) => Stream.fromIterable(chunks.map((c) => new TextEncoder().encode(c)))
const read = (...chunks: ReadonlyArray<string>) => Stream.runCollect(sseEvents(bytes(...chunks), { provider: "acme" }))

it.effect("events split anywhere across chunks, with names, ids and multi-line data", () =>
  Effect.gen(function*() {
    expect(yield* read("event: delta\nda", "ta: one\ndata: two\nid: 7\n\n", ": a comment\n\ndata: three\r\n\r\n")).toEqual([
      { event: "delta", data: "one\ntwo", id: "7" },
      { event: "message", data: "three", id: "7" }
    ])
  }))

it.effect("a retry: line is ignored and the events after it still arrive", () =>
  Effect.gen(function*() {
    expect(yield* read("data: a\n\nretry: 3000\n\ndata: b\n\n")).toEqual([{ event: "message", data: "a" }, { event: "message", data: "b" }])
  }))

it.effect("an event the body ends in without its blank line is kept", () =>
  Effect.gen(function*() {
    expect(yield* read("data: a\n\ndata: last")).toEqual([{ event: "message", data: "a" }, { event: "message", data: "last" }])
  }))

it.effect("an event still pending past the size limit fails the stream with ProviderUnavailable", () =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(Stream.runDrain(sseEvents(bytes(`data: ${"x".repeat(100)}`, "\n\n"), { provider: "acme", maxEventSize: 10 })))
    expect(error).toEqual(new ProviderUnavailable({ provider: "acme", detail: "the event stream broke: Pending SSE event exceeded the maximum size of 10" }))
  }))
