/**
 * The language model: `POST /v1/chat` with `stream: true`, answered with server-sent events —
 * text deltas, tool-call fragments by index, usage, then `done`. Deltas pass on as they come;
 * a tool call is emitted once, whole, when the stream says it is done. An `event: error` in
 * the middle of the stream becomes the tagged error of its code, after the partial output.
 */
import { fromHttpFailure, type LlmEvent, type LlmProvider, type LlmSpec, type ProviderError, ProviderUnavailable } from "@patchbay/core"
import { type HttpClient, jsonBody, openModel, requestIdOf, responseBytes, sseEvents, toolCallAssembler, withoutUndefined } from "@patchbay/core/adapter"
import { Effect, Option, Schema, Stream } from "effect"
import { LLM_MODEL_PATTERN, PROVIDER } from "./Models.ts"
import { decodeOptions, LlmOptions } from "./Options.ts"
import { ChatEvent, ErrorBody } from "./Wire.ts"

/** The pure hook: model syntax (the family is open) and options. */
export const validate = (spec: LlmSpec) =>
  Effect.andThen(openModel(PROVIDER, LLM_MODEL_PATTERN, spec.model, "model_name"), decodeOptions(LlmOptions, spec.provider_options, ""))

const decodeEvent = Schema.decodeUnknownOption(Schema.fromJsonString(ChatEvent))
const decodeError = Schema.decodeUnknownOption(Schema.fromJsonString(ErrorBody))

/** Turns the vendor's events into Patchbay's; tool-call fragments are gathered until `done`. */
const translate = (requestId: string | undefined) => {
  const calls = toolCallAssembler()
  return (event: ChatEvent): ReadonlyArray<LlmEvent> => {
    switch (event.type) {
      case "text":
        return [{ type: "text_delta", delta: event.delta }]
      case "tool_call":
        calls.add(event.index, event)
        return []
      case "usage":
        return [{ type: "usage", usage: { input_tokens: event.input_tokens, output_tokens: event.output_tokens, total_tokens: event.input_tokens + event.output_tokens } }]
      case "done":
        return [
          ...calls.complete().map((tool_call): LlmEvent => ({ type: "tool_call", tool_call })),
          { type: "finish", reason: event.finish_reason, ...withoutUndefined({ request_id: requestId }) }
        ]
    }
  }
}

/** An event the stream carries: an `error` event fails it with the tagged error of its code. */
const read = (requestId: string | undefined, toLlmEvents: ReturnType<typeof translate>) => (e: { event: string; data: string }): Effect.Effect<ReadonlyArray<LlmEvent>, ProviderError> => {
  if (e.event === "error") {
    const error = Option.getOrUndefined(decodeError(e.data))?.error
    return Effect.fail(fromHttpFailure({ provider: PROVIDER, status: 503, code: error?.code, message: error?.message ?? e.data, requestId }))
  }
  const event = Option.getOrUndefined(decodeEvent(e.data))
  return event === undefined
    ? Effect.fail(new ProviderUnavailable({ provider: PROVIDER, detail: `unexpected chat event: ${e.data.slice(0, 200)}` }))
    : Effect.succeed(toLlmEvents(event))
}

/** The LLM capability over the client. */
export const make = (client: HttpClient): LlmProvider => ({
  catalogue: "open",
  modelPattern: LLM_MODEL_PATTERN,
  validate: (spec) => Effect.asVoid(validate(spec)),
  stream: (request) =>
    Stream.unwrap(Effect.gen(function*() {
      const options = yield* validate(request)
      const { model, messages, tools } = request
      const response = yield* client.post("/chat", jsonBody({ model, messages, tools, stream: true, ...options }), { model, field: "messages" })
      const requestId = requestIdOf(response.headers)
      return sseEvents(responseBytes(PROVIDER, response, "chat"), { provider: PROVIDER }).pipe(
        Stream.takeWhile((e) => e.data !== "[DONE]"),
        Stream.mapEffect(read(requestId, translate(requestId))),
        Stream.flattenIterable
      )
    }).pipe(Effect.withSpan("AcmeVoice.chat")))
})
