/**
 * The LLM bridge: a language model's stream parts become Patchbay's events, its warnings reach
 * the finish event, its errors become core's tagged errors, the abort signal reaches the model
 * call, and nothing is retried.
 */
import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from "@ai-sdk/provider"
import { APICallError, LoadAPIKeyError } from "@ai-sdk/provider"
import { expect, it } from "@effect/vitest"
import { type LlmEvent, type LlmProvider, MissingApiKey, ProviderRegistry } from "@patchbay/core"
import { convertArrayToReadableStream, MockLanguageModelV4 } from "ai/test"
import { Deferred, Effect, Exit, Fiber, Layer, Stream } from "effect"
import { fromAiSdk, layer } from "../src/index.ts"
import { chatModel, tokens, toolModel } from "./support/MockModels.ts"

const llmOf = (models: Record<string, MockLanguageModelV4>): LlmProvider => fromAiSdk({ id: "mock", models: { llm: models } }).llm!

const run = (llm: LlmProvider, request: Parameters<LlmProvider["stream"]>[0]) => Stream.runCollect(llm.stream(request))

const ask = { model: "mock-chat", messages: [{ role: "user" as const, content: "What does Patchbay do?" }] }

const failingWith = (error: unknown) =>
  new MockLanguageModelV4({
    modelId: "mock-chat",
    doStream: async () => {
      throw error
    }
  })

const streaming = (parts: Array<LanguageModelV4StreamPart>) =>
  new MockLanguageModelV4({ modelId: "mock-chat", doStream: async () => ({ stream: convertArrayToReadableStream(parts) }) })

const apiError = (statusCode: number, body: unknown, headers: Record<string, string> = {}) =>
  new APICallError({
    message: (body as { error?: { message?: string } }).error?.message ?? "failed",
    url: "https://api.example.test/v1/chat",
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
    responseBody: JSON.stringify(body)
  })

it.effect("text deltas, usage and one finish carrying the warnings, the request id and the vendor's usage", () =>
  Effect.gen(function*() {
    const events = yield* run(llmOf({ "mock-chat": chatModel() }), ask)
    expect(events).toEqual([
      { type: "text_delta", delta: "Patchbay " },
      { type: "text_delta", delta: "turns speech " },
      { type: "text_delta", delta: "into text." },
      { type: "usage", usage: { input_tokens: 12, output_tokens: 5, total_tokens: 17 } },
      {
        type: "finish",
        reason: "stop",
        request_id: "req_mock_chat",
        warnings: ["topK is not supported: the mock samples greedily"],
        provider_output: {
          id: "resp_mock_1",
          model: "mock-chat-2026-01",
          finish_reason: "stop",
          usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 }
        }
      }
    ])
  }))

it.effect("a tool call arrives once, whole, after its argument fragments", () =>
  Effect.gen(function*() {
    const events = yield* run(llmOf({ "mock-tools": toolModel() }), {
      model: "mock-tools",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }]
    })
    expect(events.filter((e) => e.type !== "finish")).toEqual([
      { type: "tool_call", tool_call: { id: "call_weather_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } } },
      { type: "usage", usage: { input_tokens: 40, output_tokens: 9, total_tokens: 49 } }
    ])
    expect(events.at(-1)).toMatchObject({ type: "finish", reason: "tool_calls" })
  }))

it.effect("the conversation reaches the model as an AI SDK prompt, with tools and the options under the model's key", () =>
  Effect.gen(function*() {
    const model = chatModel()
    const llm = fromAiSdk({ id: "acme", models: { llm: { "mock-chat": model } } }).llm!
    yield* run(llm, {
      model: "mock-chat",
      provider_options: { temperature_mode: "precise" },
      tools: [{ type: "function", function: { name: "lookup", description: "Looks up a word." } }],
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image", data: Uint8Array.of(1, 2, 3), media_type: "image/png" }] },
        { role: "assistant", content: "", tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{\"word\":\"robot\"}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "a machine" }
      ]
    })
    const call = model.doStreamCalls[0] as LanguageModelV4CallOptions
    expect(call.prompt).toEqual([
      { role: "system", content: "Be brief." },
      {
        role: "user",
        content: [{ type: "text", text: "What is this?" }, { type: "file", mediaType: "image/png", data: { type: "data", data: Uint8Array.of(1, 2, 3) } }]
      },
      { role: "assistant", content: [{ type: "tool-call", toolCallId: "call_1", toolName: "lookup", input: { word: "robot" } }] },
      { role: "tool", content: [{ type: "tool-result", toolCallId: "call_1", toolName: "lookup", output: { type: "text", value: "a machine" } }] }
    ])
    expect(call.tools).toEqual([{ type: "function", name: "lookup", description: "Looks up a word.", inputSchema: { type: "object", properties: {} } }])
    expect(call.toolChoice).toEqual({ type: "auto" })
    // `mock.chat` is the model's provider: its options key is `mock`
    expect(call.providerOptions).toEqual({ mock: { temperature_mode: "precise" } })
    expect(call.abortSignal).toBeInstanceOf(AbortSignal)
  }))

it.effect("429 with retry-after becomes RateLimited with the vendor's status, request id and delay", () =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(run(
      llmOf({ "mock-chat": failingWith(apiError(429, { error: { message: "Slow down", code: "rate_limit_exceeded" } }, { "retry-after": "7", "x-request-id": "req_429" })) }),
      ask
    ))
    expect(error).toMatchObject({ _tag: "RateLimited", provider: "mock", status: 429, requestId: "req_429", retryAfter: 7, detail: "Slow down" })
    expect(error.retryable).toBe(true)
  }))

it.effect("HTTP failures map through core: 401, 402, a quota 429, 404 of the model, 413, 422, 503", () =>
  Effect.gen(function*() {
    const cases: ReadonlyArray<readonly [number, unknown, string]> = [
      [401, { error: { message: "Invalid key" } }, "AuthenticationFailed"],
      [402, { error: { code: 402, message: "Insufficient credits" } }, "QuotaExceeded"],
      [429, { error: { message: "You exceeded your quota", type: "insufficient_quota", code: "insufficient_quota" } }, "QuotaExceeded"],
      [404, { error: { message: "No such model" } }, "UnknownModel"],
      [413, { error: { message: "Request payload too large" } }, "InputTooLarge"],
      [422, { error: { message: "Invalid argument" } }, "InvalidRequest"],
      [503, { error: { message: "Service temporarily unavailable" } }, "ProviderUnavailable"]
    ]
    for (const [status, body, tag] of cases) {
      const error = yield* Effect.flip(run(llmOf({ "mock-chat": failingWith(apiError(status, body)) }), ask))
      expect([status, error._tag, (error as { status?: number }).status]).toEqual([status, tag, status])
    }
  }))

it.effect("a request that never reached the vendor is ProviderUnavailable, an unknown key variable MissingApiKey", () =>
  Effect.gen(function*() {
    const offline = new APICallError({ message: "Cannot connect to API: fetch failed", url: "https://x.test", requestBodyValues: {}, cause: new TypeError("fetch failed") })
    const unreachable = yield* Effect.flip(run(llmOf({ "mock-chat": failingWith(offline) }), ask))
    expect(unreachable).toMatchObject({ _tag: "ProviderUnavailable", provider: "mock", detail: "the request failed: Cannot connect to API: fetch failed" })
    const noKey = new LoadAPIKeyError({ message: "API key is missing. Pass it using the 'apiKey' parameter or the ACME_API_KEY environment variable." })
    const missing = yield* Effect.flip(run(llmOf({ "mock-chat": failingWith(noKey) }), ask))
    expect(missing).toEqual(new MissingApiKey({ provider: "mock", variable: "ACME_API_KEY" }))
  }))

it.effect("an error part mid-stream ends the stream with its typed error, after the partial output", () =>
  Effect.gen(function*() {
    const model = streaming([
      { type: "stream-start", warnings: [] },
      { type: "text-delta", id: "t", delta: "Partial " },
      { type: "error", error: { code: 429, message: "Rate limit exceeded", metadata: { error_type: "rate_limit_exceeded" } } },
      { type: "finish", usage: tokens(1, 1), finishReason: { unified: "error", raw: "error" } }
    ])
    const seen: Array<LlmEvent> = []
    const exit = yield* Effect.exit(Stream.runForEach(llmOf({ "mock-chat": model }).stream(ask), (e) => Effect.sync(() => void seen.push(e))))
    expect(seen).toEqual([{ type: "text_delta", delta: "Partial " }])
    expect(Exit.isFailure(exit) && exit.cause.toString()).toContain("RateLimited")
    const error = yield* Effect.flip(Stream.runDrain(llmOf({ "mock-chat": model }).stream(ask)))
    expect(error).toMatchObject({ _tag: "RateLimited", provider: "mock", status: 429, detail: "Rate limit exceeded" })
  }))

it.effect("a stream that ends without finishing, or finishes interrupted, is ProviderUnavailable", () =>
  Effect.gen(function*() {
    const cut = yield* Effect.flip(Stream.runDrain(llmOf({ "mock-chat": streaming([{ type: "text-delta", id: "t", delta: "Hal" }]) }).stream(ask)))
    expect(cut).toMatchObject({ _tag: "ProviderUnavailable", detail: "the stream ended without a finish" })
    const interrupted = yield* Effect.flip(Stream.runDrain(llmOf({
      "mock-chat": streaming([{ type: "finish", usage: tokens(1, 1), finishReason: { unified: "interrupted", raw: undefined } }])
    }).stream(ask)))
    expect(interrupted).toMatchObject({ _tag: "ProviderUnavailable", detail: "the stream ended before the model finished" })
  }))

it.effect("the model is called once: a 503 is not retried by the bridge", () =>
  Effect.gen(function*() {
    const model = failingWith(apiError(503, { error: { message: "Service temporarily unavailable" } }))
    yield* Effect.flip(run(llmOf({ "mock-chat": model }), ask))
    expect(model.doStreamCalls.length).toBe(1)
  }))

it.live("interrupting the stream aborts the signal the model call was given", () =>
  Effect.gen(function*() {
    let signal: AbortSignal | undefined
    const model = new MockLanguageModelV4({
      modelId: "mock-chat",
      doStream: async (options) => {
        signal = options.abortSignal
        // a vendor that sends one delta and then keeps the connection open
        return {
          stream: new ReadableStream<LanguageModelV4StreamPart>({
            start(controller) {
              controller.enqueue({ type: "text-delta", id: "t", delta: "Hello" })
            }
          })
        }
      }
    })
    const first = yield* Deferred.make<void>()
    const fiber = yield* Effect.forkChild(Stream.runForEach(llmOf({ "mock-chat": model }).stream(ask), () => Deferred.succeed(first, undefined)))
    yield* Deferred.await(first)
    expect(signal?.aborted).toBe(false)
    yield* Fiber.interrupt(fiber)
    expect(signal?.aborted).toBe(true)
  }))

it.effect("a closed catalogue refuses an unknown model before any call, listing the models", () =>
  Effect.gen(function*() {
    const model = chatModel()
    const error = yield* Effect.flip(run(llmOf({ "mock-chat": model }), { ...ask, model: "mock-other" }))
    expect(error).toMatchObject({ _tag: "UnknownModel", provider: "mock", model: "mock-other", field: "model_name", allowed: ["mock-chat"] })
    expect(model.doStreamCalls.length).toBe(0)
  }))

it.effect("an open catalogue checks the id's syntax, then makes the model lazily — a missing key fails on first use", () =>
  Effect.gen(function*() {
    const made: Array<string> = []
    const provider = fromAiSdk({
      id: "lazy",
      models: {
        llm: (modelId) => {
          made.push(modelId)
          return Effect.fail(new MissingApiKey({ provider: "lazy", variable: "LAZY_API_KEY" }))
        }
      },
      modelPatterns: { llm: /^[a-z]+\/[a-z0-9-]+$/ }
    })
    expect(made).toEqual([])
    yield* provider.llm!.validate({ model: "acme/think-1" })
    expect(made).toEqual([])
    const refused = yield* Effect.flip(provider.llm!.validate({ model: "not a model" }))
    expect(refused).toMatchObject({ _tag: "UnknownModel", field: "model_name", allowed: ["/^[a-z]+\\/[a-z0-9-]+$/"] })
    const missing = yield* Effect.flip(run(provider.llm!, { ...ask, model: "acme/think-1" }))
    expect(missing).toEqual(new MissingApiKey({ provider: "lazy", variable: "LAZY_API_KEY" }))
    expect(made).toEqual(["acme/think-1"])
  }))

it.effect("a vendor error reader takes precedence over the generic mapping", () =>
  Effect.gen(function*() {
    const llm = fromAiSdk({
      id: "mock",
      models: { llm: { "mock-chat": failingWith(apiError(400, { error: { message: "acme/x is not a valid model ID" } })) } },
      errors: (error) =>
        APICallError.isInstance(error) && /not a valid model/.test(error.message)
          ? { provider: "mock", status: 400, code: "model_not_found", model: "mock-chat", message: error.message }
          : undefined
    }).llm!
    const error = yield* Effect.flip(run(llm, ask))
    expect(error).toMatchObject({ _tag: "UnknownModel", model: "mock-chat", status: 400 })
  }))

it.effect("layer() adds the bridged provider to the registry in context", () =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const resolved = yield* registry.resolve("llm", "mock", "mock-chat", { provider: "llm_provider", model: "model_name" })
    expect([resolved.provider.id, resolved.model]).toEqual(["mock", { id: "mock-chat", provider: "mock", capability: "llm", streaming: true }])
  }).pipe(Effect.provide(layer({ id: "mock", models: { llm: { "mock-chat": chatModel() } } }).pipe(Layer.provideMerge(ProviderRegistry.layer())))))
