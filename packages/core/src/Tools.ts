/**
 * Function tools in the OpenAI format, which the seed and most SDKs speak: definitions the LLM
 * is offered, the calls it makes (arguments as a JSON string), and the outputs sent back.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** A function the LLM may call, described by a JSON schema. @category schemas */
export const ToolDefinition = Schema.Struct({
  type: Schema.Literal("function"),
  function: Schema.Struct({
    name: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/)),
    description: Schema.optionalKey(Schema.String),
    parameters: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
    strict: Schema.optionalKey(Schema.Boolean)
  })
})
export type ToolDefinition = typeof ToolDefinition.Type

/** A call the LLM made; `arguments` is the JSON string it produced. @category schemas */
export const ToolCall = Schema.Struct({
  id: Schema.String,
  type: Schema.Literal("function"),
  function: Schema.Struct({
    name: Schema.String,
    arguments: Schema.String
  })
})
export type ToolCall = typeof ToolCall.Type

/** The caller's answer to one tool call. @category schemas */
export const ToolOutput = Schema.Struct({
  tool_call_id: Schema.String,
  output: Schema.String
})
export type ToolOutput = typeof ToolOutput.Type
