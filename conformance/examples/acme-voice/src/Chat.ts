/**
 * The language model: `POST /v1/chat` with `stream: true`, answered with server-sent events —
 * text deltas, tool-call fragments by index, usage, then `done`. Deltas pass on as they come;
 * a tool call is emitted once, whole, when the stream says it is done. An `event: error` in
 * the middle of the stream becomes the tagged error of its code, after the partial output.
 */
import {
  fromHttpFailure,
  type LlmEvent,
  type LlmProvider,
  type LlmRequest,
  type LlmSpec,
  ProviderUnavailable,
  type ToolCall,
  UnknownModel
} from "@patchbay/core"
import { Effect, Option, Schema, Stream } from "effect"
import { type Client, decodeOptions } from "./internal/Client.ts"
import { LLM_MODEL_PATTERN, PROVIDER } from "./Models.ts"
import { LlmOptions } from "./Options.ts"
import { ChatEvent, ErrorBody } from "./Wire.ts"

/** The pure hook: model syntax (the family is open) and options. */
export const validate = (spec: LlmSpec) =>
  Effect.gen(function*() {
    if (!LLM_MODEL_PATTERN.test(spec.model)) {
      return yield* new UnknownModel({ provider: PROVIDER, model: spec.model, field: "model_name", allowed: [`/${LLM_MODEL_PATTERN.source}/`] })
    }
    yield* decodeOptions(LlmOptions, spec.provider_options, "")
  })

/** One server-sent event: its `event:` name and joined `data:` lines. */
interface SseEvent {
  readonly event: string
  readonly data: string
}

interface Partial {
  readonly event: string
  readonly data: ReadonlyArray<string>
}

const empty: Partial = { event: "message", data: [] }

/** Folds one line into the event being read; a blank line ends it. Comments and other fields are ignored. */
const step = (state: Partial, line: string): readonly [Partial, ReadonlyArray<SseEvent>] => {
  if (line === "") return [empty, state.data.length === 0 ? [] : [{ event: state.event, data: state.data.join("\n") }]]
  const colon = line.indexOf(":")
  const field = colon === -1 ? line : line.slice(0, colon)
  const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
  if (field === "data") return [{ ...state, data: [...state.data, value] }, []]
  if (field === "event") return [{ ...state, event: value }, []]
  return [state, []]
}

/** Server-sent events from the lines of a body. */
const toEvents = <E>(lines: Stream.Stream<string, E>): Stream.Stream<SseEvent, E> => lines.pipe(Stream.mapAccum(() => empty, step))

const decodeEvent = Schema.decodeUnknownOption(Schema.fromJsonString(ChatEvent))
const decodeError = Schema.decodeUnknownOption(Schema.fromJsonString(ErrorBody))

interface Pending {
  id: string
  name: string
  arguments: string
}

/** The LLM capability over a client. */
export const make = (client: Client): LlmProvider => ({
  catalogue: "open",
  modelPattern: LLM_MODEL_PATTERN,
  validate,
  stream: (request: LlmRequest) =>
    Stream.unwrap(Effect.gen(function*() {
      yield* validate(request)
      const options = yield* decodeOptions(LlmOptions, request.provider_options, "")
      const body = JSON.stringify({
        model: request.model,
        messages: request.messages,
        ...(request.tools === undefined ? {} : { tools: request.tools }),
        stream: true,
        ...options
      })
      const response = yield* client.send({ method: "POST", path: "/chat", body, json: true }, { model: request.model, field: "messages" })
      const requestId = response.headers.get("x-request-id") ?? undefined
      const source = response.body
      if (source === null) return Stream.fail(new ProviderUnavailable({ provider: PROVIDER, detail: "the chat response has no body" }))
      const calls = new Map<number, Pending>()
      const lines = Stream.fromReadableStream({
        evaluate: () => source,
        onError: (cause) => new ProviderUnavailable({ provider: PROVIDER, detail: `the chat stream broke: ${cause instanceof Error ? cause.message : String(cause)}` })
      }).pipe(Stream.decodeText, Stream.splitLines)
      return toEvents(lines).pipe(
        Stream.takeWhile((e) => e.data !== "[DONE]"),
        Stream.mapEffect((e): Effect.Effect<ReadonlyArray<LlmEvent>, ReturnType<typeof fromHttpFailure>> => {
          if (e.event === "error") {
            const error = Option.getOrUndefined(decodeError(e.data))?.error
            return Effect.fail(fromHttpFailure({ provider: PROVIDER, status: 503, code: error?.code, message: error?.message ?? e.data, requestId }))
          }
          const event = Option.getOrUndefined(decodeEvent(e.data))
          if (event === undefined) return Effect.fail(new ProviderUnavailable({ provider: PROVIDER, detail: `unexpected chat event: ${e.data.slice(0, 200)}` }))
          switch (event.type) {
            case "text":
              return Effect.succeed([{ type: "text_delta", delta: event.delta }])
            case "tool_call": {
              const pending = calls.get(event.index) ?? { id: "", name: "", arguments: "" }
              if (event.id !== undefined) pending.id = event.id
              if (event.name !== undefined) pending.name = event.name
              pending.arguments += event.arguments ?? ""
              calls.set(event.index, pending)
              return Effect.succeed([])
            }
            case "usage":
              return Effect.succeed([{
                type: "usage",
                usage: { input_tokens: event.input_tokens, output_tokens: event.output_tokens, total_tokens: event.input_tokens + event.output_tokens }
              }])
            case "done": {
              const whole = [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]): LlmEvent => ({
                type: "tool_call",
                tool_call: { id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } } satisfies ToolCall
              }))
              calls.clear()
              return Effect.succeed([...whole, { type: "finish", reason: event.finish_reason, ...(requestId === undefined ? {} : { request_id: requestId }) }])
            }
          }
        }),
        Stream.flattenIterable
      )
    }).pipe(Effect.withSpan("AcmeVoice.chat")))
})
