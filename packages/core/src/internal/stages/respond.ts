/**
 * The LLM stage and its tool loop. One round asks the LLM and streams its reply
 * (`content_streaming` deltas, whole `tool_call`s); the loop runs the built-in tools the LLM
 * calls (the `generate_image` tool, when an image model is given) and asks again, until the LLM
 * answers, or calls a tool of the caller's — then the stage ends with `tool_submit_required`
 * and status `requires_action`, handing back the conversation to continue once the caller has
 * the outputs. A flow built from `Stages` gets the same loop as `Pipeline.addMessage`.
 */
import { Effect, Stream } from "effect"
import { InvalidRequest } from "../../Errors.ts"
import type { Media } from "../../Media.ts"
import { MediaStore } from "../../MediaStore.ts"
import type { ImageData, LlmEvent, LlmMessage } from "../../Provider.ts"
import type { Resolved } from "../../ProviderRegistry.ts"
import { Run } from "../../Run.ts"
import { PipelineSettings } from "../../Settings.ts"
import type { ToolCall, ToolDefinition } from "../../Tools.ts"
import { combineUsage, type Usage } from "../../Usage.ts"
import * as Validation from "../../Validation.ts"
import type { ProviderOptions } from "../../VoiceConfig.ts"
import { fallbackStream, idleTimeout, retryEffect, retryStream, timeoutEffect } from "../resilience.ts"
import { store } from "./store.ts"

/** What the LLM is asked. */
export interface Prompt {
  readonly messages: ReadonlyArray<LlmMessage>
  /** The caller's tools: when the LLM calls one, the stage pauses for its output. */
  readonly tools?: ReadonlyArray<ToolDefinition> | undefined
  readonly provider_options?: ProviderOptions | undefined
}

/** How a reply ended: answered, or waiting for the outputs of the caller's tools. */
export type ReplyStatus = "completed" | "requires_action"

/** What the LLM stage produced. */
export interface Reply {
  readonly status: ReplyStatus
  /** The text of every round, as it was streamed. */
  readonly content: string
  /** The tool calls of the last round. */
  readonly tool_calls: ReadonlyArray<ToolCall>
  /** The caller's tool calls waiting for outputs (status `requires_action`); empty otherwise. */
  readonly pending: ReadonlyArray<ToolCall>
  /**
   * The conversation after the stage: the prompt's messages, each round's reply and the results
   * of built-in tools. To resume after `requires_action`, append one `tool` message per pending
   * call and ask again.
   */
  readonly messages: ReadonlyArray<LlmMessage>
  /** Images the built-in image tool generated. */
  readonly media: ReadonlyArray<Media>
  /** Every round's usage, and the image model's. */
  readonly usage: Usage
  readonly finish_reason: string
  /** The LLM that served, after any fallback. */
  readonly provider: string
  readonly model: string
  readonly request_id?: string | undefined
  readonly warnings?: ReadonlyArray<string> | undefined
}

/**
 * What the stage has spent and who served, updated as each round and each image completes —
 * kept by the caller, so a run cancelled midway still reports them.
 */
export interface Progress {
  usage: Usage
  llm: { readonly provider: string; readonly model: string } | undefined
}

/** Options of the validated LLM stage. */
export interface RespondOptions {
  /** Called with each text delta as it arrives, e.g. to feed speech. */
  readonly onText?: ((delta: string) => void) | undefined
  /** Offers the built-in `generate_image` tool, served by this image model. */
  readonly image?: Resolved<"image"> | undefined
  /** The thread whose images the image tool may edit, and under which it stores new ones. */
  readonly thread_id?: string | undefined
  readonly progress?: Progress | undefined
}

/** The built-in tool the LLM is offered when an image model is given (`image_generation: "auto"`). */
export const generateImageTool: ToolDefinition = {
  type: "function",
  function: {
    name: "generate_image",
    description: "Generate an image from a text prompt. To edit an image of this conversation, pass its document_id " +
      "as input_image_document_id. Returns the new image's document_id.",
    parameters: {
      type: "object",
      properties: {
        prompt: { type: "string", description: "What the image should show, or how to change the input image." },
        input_image_document_id: { type: "string", description: "The document_id of an image of this conversation to edit." }
      },
      required: ["prompt"],
      additionalProperties: false
    }
  }
}

/** One round's reply. */
interface Round {
  readonly content: string
  readonly tool_calls: ReadonlyArray<ToolCall>
  readonly usage: Usage
  readonly finish_reason: string
  readonly provider: string
  readonly model: string
  readonly request_id: string | undefined
  readonly warnings: ReadonlyArray<string> | undefined
}

/**
 * One round: streams the LLM's reply, trying each LLM in turn (the request's, then
 * `llm_fallback`) while nothing was output, each request retried while it has yielded nothing.
 */
const ask = (valid: ReadonlyArray<Resolved<"llm">>, prompt: Prompt, onText: (delta: string) => void) =>
  Effect.gen(function*() {
    const run = yield* Run
    const settings = yield* PipelineSettings
    let entry = valid[0]!
    let content = ""
    const toolCalls: Array<ToolCall> = []
    let usage: Usage = {}
    let finish = "stop"
    let requestId: string | undefined
    let warnings: ReadonlyArray<string> | undefined
    // Deltas are the hot path: each batch the vendor stream yields is emitted in one step, then
    // the stage waits while the client is behind.
    const handle = (events: ReadonlyArray<LlmEvent>) =>
      Effect.suspend(() => {
        for (const event of events) {
          switch (event.type) {
            case "text_delta":
              if (event.delta === "") break
              content += event.delta
              run.emitUnsafe({ type: "content_streaming", content: event.delta })
              onText(event.delta)
              break
            case "tool_call":
              toolCalls.push(event.tool_call)
              run.emitUnsafe({ type: "tool_call", tool_call: event.tool_call })
              break
            case "usage":
              usage = combineUsage(usage, event.usage)
              break
            case "finish":
              finish = event.reason
              requestId = event.request_id
              warnings = event.warnings
              break
            case "media":
              break
          }
        }
        return run.backpressure
      })
    const candidates = valid.map((candidate) => () =>
      retryStream(() => {
        const { options } = Validation.optionsFor(prompt.provider_options, candidate.provider.id, "provider_options")
        const request = { model: candidate.modelId, messages: prompt.messages, tools: prompt.tools, provider_options: options }
        return idleTimeout(candidate.capability.stream(request), settings.timeouts.llm, { provider: candidate.provider.id, stage: "llm" })
      }, settings.retry)
    )
    yield* fallbackStream(candidates, (i) => Effect.sync(() => void (entry = valid[i]!))).pipe(Stream.runForEachArray(handle))
    const round: Round = {
      content,
      tool_calls: toolCalls,
      usage,
      finish_reason: finish,
      provider: entry.provider.id,
      model: entry.modelId,
      request_id: requestId,
      warnings
    }
    return round
  })

/**
 * Runs the built-in image tool for one call. Whatever goes wrong — malformed arguments, a
 * document of another thread or none at all, the image vendor failing — becomes a tool result
 * the LLM reads, never a failure of the stage.
 */
const imageTool = (
  image: Resolved<"image">,
  call: ToolCall,
  context: { readonly provider_options: ProviderOptions | undefined; readonly thread_id: string | undefined },
  produced: Array<Media>
): Effect.Effect<{ readonly output: string; readonly usage: Usage }, never, MediaStore | Run> =>
  Effect.gen(function*() {
    const settings = yield* PipelineSettings
    const media = yield* MediaStore
    const run = yield* Run
    const { thread_id } = context
    const refuse = (error: string) => Effect.succeed({ output: JSON.stringify({ error }), usage: {} })
    let args: { prompt?: unknown; input_image_document_id?: unknown }
    try {
      args = JSON.parse(call.function.arguments) as typeof args
    } catch {
      return yield* refuse("the arguments are not valid JSON")
    }
    if (typeof args.prompt !== "string" || args.prompt.trim() === "") return yield* refuse("prompt must be a non-empty string")
    const inputId = args.input_image_document_id
    let input_images: Array<ImageData> | undefined
    if (inputId !== undefined) {
      const missing = `no image with document_id ${JSON.stringify(inputId)} in this conversation`
      if (typeof inputId !== "string") return yield* refuse(missing)
      const found = yield* Effect.option(media.get(inputId))
      // A document of another thread is refused exactly like one that does not exist.
      if (found._tag === "None" || found.value.thread_id !== thread_id || !found.value.media_type.startsWith("image/")) {
        return yield* refuse(missing)
      }
      input_images = [{ data: found.value.bytes, media_type: found.value.media_type }]
    }
    const { options } = Validation.optionsFor(context.provider_options, image.provider.id, "provider_options")
    const request = { model: image.modelId, prompt: args.prompt, input_images, provider_options: options }
    const result = yield* Effect.result(
      retryEffect(timeoutEffect(image.capability.generate(request), settings.timeouts.image, { provider: image.provider.id, stage: "image" }), settings.retry)
    )
    if (result._tag === "Failure") return yield* refuse(`the image could not be generated: ${result.failure.message}`)
    if (result.success.images.length === 0) return yield* refuse("the image model returned no image")
    const stored: Array<Media> = []
    for (const picture of result.success.images) {
      const medium = yield* store({ bytes: picture.data, media_type: picture.media_type, thread_id }).pipe(Effect.orDie)
      stored.push(medium)
      produced.push(medium)
      yield* run.emit({ type: "media_generated", media: medium })
    }
    const output = JSON.stringify({
      document_id: stored[0]?.document_id,
      ...(stored.length > 1 ? { document_ids: stored.map((m) => m.document_id) } : {}),
      media_type: stored[0]?.media_type,
      ...(result.success.revised_prompt === undefined ? {} : { revised_prompt: result.success.revised_prompt })
    })
    return { output, usage: result.success.usage }
  })

/**
 * The LLM stage with already validated LLMs (the request's, then its fallbacks): asks, runs the
 * built-in tools the LLM calls and asks again, until it answers or calls a tool of the caller's.
 * Once an LLM has answered, later rounds stay with it: fallback happens only before the first
 * output. More than `maxToolRounds` rounds fail as `InvalidRequest` (field `tools`).
 */
export const respondValidated = Effect.fn("Stages.respond")(function*(
  valid: ReadonlyArray<Resolved<"llm">>,
  prompt: Prompt,
  options: RespondOptions = {}
) {
  if (valid.length === 0) return yield* new InvalidRequest({ field: "llm_provider", reason: "no LLM to run" })
  const settings = yield* PipelineSettings
  const run = yield* Run
  const progress: Progress = options.progress ?? { usage: {}, llm: undefined }
  const onText = options.onText ?? (() => undefined)
  const userTools = prompt.tools ?? []
  const tools = [...userTools, ...(options.image === undefined ? [] : [generateImageTool])]
  const messages = [...prompt.messages]
  const media: Array<Media> = []
  let usage: Usage = {}
  let content = ""
  let llms = valid
  const reply = (round: Round, status: ReplyStatus, pending: ReadonlyArray<ToolCall>): Reply => ({
    status,
    content,
    tool_calls: round.tool_calls,
    pending,
    messages,
    media,
    usage,
    finish_reason: round.finish_reason,
    provider: round.provider,
    model: round.model,
    request_id: round.request_id,
    warnings: round.warnings
  })
  for (let rounds = 0;; rounds++) {
    if (rounds >= settings.maxToolRounds) {
      return yield* new InvalidRequest({ field: "tools", reason: `the model was still calling tools after ${settings.maxToolRounds} rounds` })
    }
    const round = yield* ask(llms, { messages: [...messages], tools: tools.length === 0 ? undefined : tools, provider_options: prompt.provider_options }, onText)
    content += round.content
    progress.llm = { provider: round.provider, model: round.model }
    progress.usage = combineUsage(progress.usage, round.usage)
    usage = combineUsage(usage, round.usage)
    llms = llms.filter((entry) => entry.provider.id === round.provider && entry.modelId === round.model)
    messages.push({ role: "assistant", content: round.content, ...(round.tool_calls.length === 0 ? {} : { tool_calls: round.tool_calls }) })
    if (round.tool_calls.length === 0) return reply(round, "completed", [])
    const theirs = round.tool_calls.filter((call) => userTools.some((tool) => tool.function.name === call.function.name))
    for (const call of round.tool_calls) {
      if (theirs.includes(call)) continue
      const result = options.image !== undefined && call.function.name === generateImageTool.function.name
        ? yield* imageTool(options.image, call, { provider_options: prompt.provider_options, thread_id: options.thread_id }, media)
        : { output: JSON.stringify({ error: `there is no tool named ${JSON.stringify(call.function.name)}` }), usage: {} }
      progress.usage = combineUsage(progress.usage, result.usage)
      usage = combineUsage(usage, result.usage)
      messages.push({ role: "tool", tool_call_id: call.id, content: result.output })
    }
    if (theirs.length > 0) {
      yield* run.emit({ type: "tool_submit_required", tool_calls: theirs })
      return reply(round, "requires_action", theirs)
    }
  }
})
