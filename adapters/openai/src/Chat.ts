/**
 * The language model: `POST /chat/completions` with `stream: true` and
 * `stream_options.include_usage`, read as server-sent `chat.completion.chunk`s. Text deltas pass
 * on as they arrive; tool-call fragments are assembled by index and each call is emitted once,
 * whole, when the choice finishes; the usage comes from the last chunk (`choices: []`); the
 * stream ends with one `finish`. An error event in the middle of the stream, or a body that
 * breaks, ends in a tagged error after the partial output.
 *
 * The catalogue is open: OpenAI adds chat models often, so an id outside the list is accepted
 * when it has the syntax of an OpenAI model id, and the vendor's 404 `model_not_found` becomes
 * `UnknownModel`.
 *
 * @since 0.1.0
 */
import {
  InvalidRequest,
  type LlmEvent,
  type LlmMessage,
  type LlmProvider,
  type LlmRequest,
  type LlmSpec,
  type ProviderError,
  ProviderUnavailable,
  type ToolCall,
  UnknownModel,
  type Usage,
  type ValidationError
} from "@patchbay/core"
import { requestIdOf, responseBytes, sseEvents, toolCallAssembler } from "@patchbay/core/adapter"
import { Effect, Option, Schema, Stream } from "effect"
import type { ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam } from "openai/resources/chat/completions"
import { type Client, decodeOptions } from "./internal/Client.ts"
import { fromStreamError, optionField } from "./internal/Errors.ts"
import { idsOf, LLM_MODEL_PATTERN, PROVIDER } from "./Models.ts"
import { LlmOptions } from "./Options.ts"
import { ChatCompletionChunk, type CompletionUsage, ErrorBody } from "./Wire.ts"

/**
 * The pure hook: the model id's syntax (the catalogue is open), the options, and the rules that
 * tie options to the tools (`tool_choice` names a given tool; `parallel_tool_calls` needs tools).
 */
export const validate = (spec: LlmSpec): Effect.Effect<LlmOptions, ValidationError> =>
  Effect.gen(function*() {
    if (!LLM_MODEL_PATTERN.test(spec.model)) {
      return yield* new UnknownModel({
        provider: PROVIDER,
        model: spec.model,
        field: "model_name",
        allowed: [...idsOf("llm"), `/${LLM_MODEL_PATTERN.source}/`]
      })
    }
    const options = yield* decodeOptions(LlmOptions, "llm", spec.provider_options)
    const tools = (spec.tools ?? []).map((t) => t.function.name)
    const choice = options.tool_choice
    if (choice !== undefined && typeof choice === "object" && !tools.includes(choice.function.name)) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: optionField("llm", "tool_choice"),
        value: choice,
        allowed: tools,
        reason: `tool_choice names ${JSON.stringify(choice.function.name)}, which is not among the request's tools`
      })
    }
    if (options.parallel_tool_calls !== undefined && tools.length === 0) {
      return yield* new InvalidRequest({
        provider: PROVIDER,
        field: optionField("llm", "parallel_tool_calls"),
        value: options.parallel_tool_calls,
        reason: "parallel_tool_calls applies only when the request has tools"
      })
    }
    return options
  })

/** A Patchbay message in the chat completions format; images become `data:` URLs. */
export const toWireMessage = (message: LlmMessage): ChatCompletionMessageParam => {
  switch (message.role) {
    case "system":
      return { role: "system", content: message.content }
    case "user":
      return {
        role: "user",
        content: typeof message.content === "string"
          ? message.content
          : message.content.map((part) =>
            part.type === "text"
              ? { type: "text" as const, text: part.text }
              : {
                type: "image_url" as const,
                image_url: { url: `data:${part.media_type};base64,${Buffer.from(part.data).toString("base64")}` }
              }
          )
      }
    case "assistant": {
      const calls = message.tool_calls ?? []
      return {
        role: "assistant",
        content: message.content === "" && calls.length > 0 ? null : message.content,
        ...(calls.length === 0
          ? {}
          : { tool_calls: calls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.function.name, arguments: c.function.arguments } })) })
      }
    }
    case "tool":
      return { role: "tool", tool_call_id: message.tool_call_id, content: message.content }
  }
}

/** The JSON body of `POST /chat/completions`: messages, tools, options, and streaming with usage. */
export const chatBody = (request: LlmRequest, options: LlmOptions): ChatCompletionCreateParamsStreaming => ({
  ...(options as Omit<ChatCompletionCreateParamsStreaming, "model" | "messages" | "stream">),
  model: request.model,
  messages: request.messages.map(toWireMessage),
  ...(request.tools === undefined || request.tools.length === 0
    ? {}
    : { tools: request.tools.map((t) => ({ type: "function" as const, function: { ...t.function } })) }),
  stream: true,
  stream_options: { include_usage: true }
})

/** The chat usage (`prompt_tokens`, `completion_tokens`, …) as `Usage`. */
export const usageOf = (usage: CompletionUsage): Usage => {
  const audio = (usage.prompt_tokens_details?.audio_tokens ?? 0) + (usage.completion_tokens_details?.audio_tokens ?? 0)
  return {
    input_tokens: usage.prompt_tokens,
    output_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
    ...(audio > 0 ? { audio_tokens: audio } : {})
  }
}

type FinishReason = Extract<LlmEvent, { type: "finish" }>["reason"]

const finishReasons: Readonly<Record<string, FinishReason>> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  function_call: "tool_calls",
  content_filter: "content_filter"
}

const decodeChunk = Schema.decodeUnknownOption(ChatCompletionChunk)
const decodeError = Schema.decodeUnknownOption(ErrorBody)

/** Reads the chunks of one response into Patchbay's LLM events. */
const fromChunks = (response: Response): Stream.Stream<LlmEvent, ProviderError> => {
  const requestId = requestIdOf(response.headers)
  const calls = toolCallAssembler()
  const whole: Array<ToolCall> = []
  let meta: ChatCompletionChunk | undefined
  let finish: string | undefined
  let usage: CompletionUsage | undefined
  let content = ""
  let refusal = ""
  let sawDone = false

  const unexpected = (detail: string) =>
    new ProviderUnavailable({ provider: PROVIDER, ...(requestId === undefined ? {} : { requestId }), detail: `unexpected chat stream: ${detail}` })

  const onChunk = (chunk: ChatCompletionChunk): ReadonlyArray<LlmEvent> => {
    meta ??= chunk
    const out: Array<LlmEvent> = []
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue
      const delta = choice.delta
      if (typeof delta.content === "string" && delta.content !== "") {
        content += delta.content
        out.push({ type: "text_delta", delta: delta.content })
      }
      if (typeof delta.refusal === "string" && delta.refusal !== "") {
        refusal += delta.refusal
        out.push({ type: "text_delta", delta: delta.refusal })
      }
      for (const fragment of delta.tool_calls ?? []) {
        calls.add(fragment.index, { id: fragment.id, name: fragment.function?.name, arguments: fragment.function?.arguments })
      }
      if (typeof choice.finish_reason === "string" && finish === undefined) {
        finish = choice.finish_reason
        // The calls are complete: each is emitted once, whole.
        for (const call of calls.complete()) {
          whole.push(call)
          out.push({ type: "tool_call", tool_call: call })
        }
      }
    }
    if (chunk.usage !== null && chunk.usage !== undefined) {
      usage = chunk.usage
      out.push({ type: "usage", usage: usageOf(chunk.usage) })
    }
    return out
  }

  const events = sseEvents(responseBytes(PROVIDER, response, "chat"), { provider: PROVIDER }).pipe(
    Stream.takeWhile((e) => {
      if (e.data === "[DONE]") sawDone = true
      return !sawDone
    }),
    Stream.mapEffect((e): Effect.Effect<ReadonlyArray<LlmEvent>, ProviderError> => {
      const parsed = Option.getOrUndefined(Option.liftThrowable(JSON.parse)(e.data))
      if (parsed === undefined) return Effect.fail(unexpected(`an event that is not JSON: ${e.data.slice(0, 200)}`))
      const failure = Option.getOrUndefined(decodeError(parsed))
      if (failure !== undefined) return Effect.fail(fromStreamError(failure.error, requestId, "llm"))
      const chunk = Option.getOrUndefined(decodeChunk(parsed))
      if (chunk === undefined) return Effect.fail(unexpected(`an event that is not a chat.completion.chunk: ${e.data.slice(0, 200)}`))
      return Effect.succeed(onChunk(chunk))
    }),
    Stream.flattenIterable
  )

  const finished = Stream.suspend((): Stream.Stream<LlmEvent, ProviderUnavailable> => {
    if (finish === undefined) return Stream.fail(unexpected("it ended before a finish_reason"))
    const provider_output = {
      id: meta?.id,
      object: "chat.completion",
      created: meta?.created,
      model: meta?.model,
      ...(meta?.system_fingerprint === undefined || meta.system_fingerprint === null ? {} : { system_fingerprint: meta.system_fingerprint }),
      ...(meta?.service_tier === undefined || meta.service_tier === null ? {} : { service_tier: meta.service_tier }),
      choices: [{
        index: 0,
        message: {
          role: "assistant",
          content: content === "" ? null : content,
          ...(refusal === "" ? {} : { refusal }),
          ...(whole.length === 0 ? {} : { tool_calls: whole })
        },
        finish_reason: finish
      }],
      ...(usage === undefined ? {} : { usage })
    }
    return Stream.succeed({
      type: "finish",
      reason: finishReasons[finish] ?? "other",
      ...(requestId === undefined ? {} : { request_id: requestId }),
      ...(refusal === "" ? {} : { warnings: [`the model refused: ${refusal}`] }),
      provider_output
    })
  })

  return Stream.concat(events, finished)
}

/** The LLM capability over a client. */
export const make = (client: Client): LlmProvider => ({
  catalogue: "open",
  modelPattern: LLM_MODEL_PATTERN,
  validate: (spec) => Effect.asVoid(validate(spec)),
  stream: (request) =>
    Stream.unwrap(Effect.gen(function*() {
      const options = yield* validate(request)
      const body = chatBody(request, options)
      const response = yield* client.open(
        { capability: "llm", model: request.model },
        (sdk, signal) => sdk.chat.completions.create(body, { signal }).asResponse()
      )
      return fromChunks(response)
    }).pipe(Effect.withSpan("OpenAI.chat")))
})
