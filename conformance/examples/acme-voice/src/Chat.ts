/**
 * The language model: `POST /v1/chat` with `stream: true`, answered with server-sent events —
 * text deltas, tool-call fragments by index, usage, then `done`. Deltas pass on as they come;
 * a tool call is emitted once, whole, when the stream says it is done. An `event: error` in
 * the middle of the stream becomes the tagged error of its code, after the partial output.
 */
import type { LlmEvent, LlmProvider, LlmSpec, ProviderError } from "@patchbay/core"
import { type HttpClient, jsonBody, openModel, streamFailure, toolCallAssembler, withoutUndefined } from "@patchbay/core/adapter"
import { Effect, Schema, Stream } from "effect"
import { LLM_MODEL_PATTERN, PROVIDER } from "./Models.ts"
import { decodeOptions, LlmOptions } from "./Options.ts"
import { ChatEvent, ErrorBody } from "./Wire.ts"

/** The pure hook: model syntax (the family is open) and options. */
export const validate = (spec: LlmSpec) =>
  Effect.andThen(openModel(PROVIDER, LLM_MODEL_PATTERN, spec.model, "model_name"), decodeOptions(LlmOptions, spec.provider_options, ""))

/** Reads one response's events into Patchbay's; tool-call fragments are gathered until `done`, an error fails with its code's tag. */
const reader = (requestId: string | undefined) => {
  const calls = toolCallAssembler()
  return (event: ChatEvent | ErrorBody): Effect.Effect<ReadonlyArray<LlmEvent>, ProviderError> => {
    if ("error" in event) return Effect.fail(streamFailure(PROVIDER, event.error, requestId))
    switch (event.type) {
      case "text":
        return Effect.succeed([{ type: "text_delta", delta: event.delta }])
      case "tool_call":
        calls.add(event.index, event)
        return Effect.succeed([])
      case "usage": {
        const { input_tokens, output_tokens } = event
        return Effect.succeed([{ type: "usage", usage: { input_tokens, output_tokens, total_tokens: input_tokens + output_tokens } }])
      }
      case "done": {
        const whole = calls.complete().map((tool_call): LlmEvent => ({ type: "tool_call", tool_call }))
        return Effect.succeed([...whole, { type: "finish", reason: event.finish_reason, ...withoutUndefined({ request_id: requestId }) }])
      }
    }
  }
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
      const body = jsonBody({ model, messages, tools, stream: true, ...options })
      const { events, requestId } = yield* client.postForEvents("/chat", body, Schema.Union([ChatEvent, ErrorBody]), { model, field: "messages" })
      return events.pipe(Stream.mapEffect(reader(requestId)), Stream.flattenIterable)
    }).pipe(Effect.withSpan("AcmeVoice.chat")))
})
