/**
 * Server-sent events read from a response body, line by line, as they arrive: OpenAI streams
 * chat completions, transcriptions and speech (`stream_format=sse`) this way. Comments,
 * `retry:` and `id:` lines are skipped; the chat stream's `data: [DONE]` is passed on for the
 * reader to stop at.
 */
import { Stream } from "effect"

/** One event: its `event:` name (`message` when absent) and its joined `data:` lines. */
export interface SseEvent {
  readonly event: string
  readonly data: string
}

interface Reading {
  readonly event: string
  readonly data: ReadonlyArray<string>
}

const empty: Reading = { event: "message", data: [] }

const flush = (state: Reading): ReadonlyArray<SseEvent> =>
  state.data.length === 0 ? [] : [{ event: state.event, data: state.data.join("\n") }]

/** Folds one line into the event being read; a blank line ends it. */
const step = (state: Reading, line: string): readonly [Reading, ReadonlyArray<SseEvent>] => {
  if (line === "") return [empty, flush(state)]
  if (line.startsWith(":")) return [state, []]
  const colon = line.indexOf(":")
  const field = colon === -1 ? line : line.slice(0, colon)
  const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
  if (field === "data") return [{ ...state, data: [...state.data, value] }, []]
  if (field === "event") return [{ ...state, event: value }, []]
  return [state, []]
}

/** The events of a body of bytes; an event the body ends in without a blank line is kept. */
export const events = <E>(body: Stream.Stream<Uint8Array, E>): Stream.Stream<SseEvent, E> =>
  body.pipe(Stream.decodeText, Stream.splitLines, Stream.mapAccum(() => empty, step, { onHalt: flush }))
