/**
 * `MessageRequest`: one message to a thread, in the wire (snake_case) form the seed sends. The
 * audio itself travels beside it (a multipart part, or `audioFile` in the async API).
 *
 * @since 0.1.0
 */
import { Schema, SchemaTransformation } from "effect"
import { ToolDefinition } from "./Tools.ts"
import { ProviderOptions, VoiceConfig } from "./VoiceConfig.ts"

/** A boolean that also accepts the strings "true" and "false", as the seed's SDKs send them. */
export const BooleanLike = Schema.Union([
  Schema.Boolean,
  Schema.Literals(["true", "false"]).pipe(
    Schema.decodeTo(
      Schema.Boolean,
      SchemaTransformation.transform({
        decode: (s: "true" | "false") => s === "true",
        encode: (b: boolean): "true" | "false" => (b ? "true" : "false")
      })
    )
  )
])

/** An LLM to try, in order, when the request's LLM fails before its first output. */
export const LlmFallbackEntry = Schema.Struct({
  provider: Schema.String,
  model: Schema.String
})
export type LlmFallbackEntry = typeof LlmFallbackEntry.Type

/** @category schemas */
export const MessageRequest = Schema.Struct({
  /** Absent: a new thread is created and its id returned. */
  thread_id: Schema.optionalKey(Schema.String),
  content: Schema.optionalKey(Schema.String),
  voice: Schema.optionalKey(VoiceConfig),
  /** Default true. False: no LLM call; the user's text (or transcript) is the response. */
  send_to_llm: Schema.optionalKey(BooleanLike),
  stream: Schema.optionalKey(BooleanLike),
  llm_provider: Schema.optionalKey(Schema.String),
  model_name: Schema.optionalKey(Schema.String),
  system_prompt: Schema.optionalKey(Schema.String),
  tools: Schema.optionalKey(Schema.Array(ToolDefinition)),
  provider_options: Schema.optionalKey(ProviderOptions),
  llm_fallback: Schema.optionalKey(Schema.Array(LlmFallbackEntry)),
  /** `"auto"` offers the LLM the built-in `generate_image` tool; needs the two fields below. */
  image_generation: Schema.optionalKey(Schema.Literal("auto")),
  image_model_provider: Schema.optionalKey(Schema.String),
  image_model_name: Schema.optionalKey(Schema.String),
  /** The assistant of a new thread (default `asst_default`); with `thread_id`, it must be the thread's. */
  assistant_id: Schema.optionalKey(Schema.String),
  /**
   * How this message uses memory: `"Auto"` retrieves before the LLM call and writes after the
   * turn, `"Readonly"` only retrieves, `"off"` neither. Absent: the assistant's (default `"off"`).
   */
  memory: Schema.optionalKey(Schema.Literals(["Auto", "Readonly", "off"])),
  /** Whose memories: a string such as the end user's id (default `"default"`). */
  memory_scope: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty()))
})
export type MessageRequest = typeof MessageRequest.Type
export type MessageRequestEncoded = typeof MessageRequest.Encoded

/** The camelCase options of a message (`AddMessageParams` without its audio), as {@link wireOf} reads them. */
export interface CamelMessageOptions {
  readonly threadId?: unknown
  readonly assistantId?: unknown
  readonly content?: unknown
  readonly voice?: unknown
  readonly sendToLlm?: unknown
  readonly stream?: unknown
  readonly llmProvider?: unknown
  readonly modelName?: unknown
  readonly systemPrompt?: unknown
  readonly tools?: unknown
  readonly providerOptions?: unknown
  readonly llmFallback?: unknown
  readonly imageGeneration?: unknown
  readonly imageModelProvider?: unknown
  readonly imageModelName?: unknown
  readonly memory?: unknown
  readonly memoryScope?: unknown
}

/**
 * The wire request (snake_case, as `POST /threads/messages` takes it) of a message given with
 * the seed's camelCase options: what `createPatchbay` decodes and `@patchbay/client` sends.
 * Options left undefined are left out; the audio travels beside it.
 */
export const wireOf = (params: CamelMessageOptions): Record<string, unknown> => {
  const wire: Record<string, unknown> = {}
  const set = (key: string, value: unknown) => {
    if (value !== undefined) wire[key] = value
  }
  set("thread_id", params.threadId)
  set("assistant_id", params.assistantId)
  set("content", params.content)
  set("voice", params.voice)
  set("send_to_llm", params.sendToLlm)
  set("stream", params.stream)
  set("llm_provider", params.llmProvider)
  set("model_name", params.modelName)
  set("system_prompt", params.systemPrompt)
  set("tools", params.tools)
  set("provider_options", params.providerOptions)
  set("llm_fallback", params.llmFallback)
  set("image_generation", params.imageGeneration)
  set("image_model_provider", params.imageModelProvider)
  set("image_model_name", params.imageModelName)
  set("memory", params.memory)
  set("memory_scope", params.memoryScope)
  return wire
}
