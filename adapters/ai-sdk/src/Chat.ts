/**
 * `LanguageModel` → `LlmProvider`: the model's `doStream` called directly (no AI SDK retries)
 * with the conversation as an AI SDK prompt; its parts become Patchbay's events as they
 * arrive — text deltas, whole tool calls, generated files, then the usage and one `finish`
 * carrying the call's warnings, the vendor's request id and its usage object. An error part
 * ends the stream with the tagged error of its code, after the output already sent.
 *
 * @since 0.1.0
 */
import type { LanguageModelV4StreamPart, LanguageModelV4StreamResult } from "@ai-sdk/provider"
import {
  combineUsage,
  type LlmEvent,
  type LlmProvider,
  type LlmRequest,
  type LlmSpec,
  type ProviderError,
  ProviderUnavailable,
  type Usage,
  type ValidationError
} from "@patchbay/core"
import { Clock, Effect, Stream } from "effect"
import { streaming } from "./internal/Calls.ts"
import { type Models, optionsKey } from "./internal/Models.ts"
import { type AiSdkOptions, type LanguageModel, type LlmCallSettings, passThrough, type SettingsHook } from "./Options.ts"
import {
  type ErrorContext,
  finishReason,
  imageMediaType,
  jsonValue,
  languageModelUsage,
  requestIdOf,
  toBytes,
  toPrompt,
  toProviderError,
  toTools,
  warningText
} from "./Wire.ts"

/** The request fields an LLM's errors name. */
const fields = (id: string) => ({ model: "model_name", options: `provider_options.${id}` })

/** The usage of a finish part: the standard token counts plus what the usage hook adds (a cost). */
export const usageOfFinish = (
  options: AiSdkOptions,
  part: { readonly usage: Parameters<typeof languageModelUsage>[0]; readonly providerMetadata?: unknown }
): Usage => {
  const base = languageModelUsage(part.usage)
  const extra = options.usage?.({
    capability: "llm",
    providerMetadata: part.providerMetadata as Readonly<Record<string, unknown>> | undefined,
    raw: part.usage?.raw
  })
  return extra?.cost_usd === undefined ? base : combineUsage(base, { cost_usd: extra.cost_usd })
}

/** The call settings of a spec: the settings hook (pass-through by default) under the model's key. */
export const settingsOf = (
  options: AiSdkOptions,
  spec: LlmSpec,
  model: LanguageModel | undefined
): Effect.Effect<LlmCallSettings, ValidationError> => {
  const hook: SettingsHook<LlmSpec, LlmCallSettings> = options.settings?.llm ?? passThrough
  return hook(spec, {
    key: model === undefined ? options.providerOptionsKey ?? options.id : optionsKey(options, model),
    field: fields(options.id).options
  })
}

/** What is known of a streamed response while it is read. */
interface Progress {
  warnings: Array<string>
  id: string | undefined
  modelId: string | undefined
  finished: boolean
}

/** One stream part as Patchbay events, or the typed error an error part carries. */
const eventsOf = (
  options: AiSdkOptions,
  context: ErrorContext,
  now: number,
  progress: Progress,
  result: LanguageModelV4StreamResult,
  part: LanguageModelV4StreamPart
): Effect.Effect<ReadonlyArray<LlmEvent>, ProviderError> => {
  switch (part.type) {
    case "stream-start":
      progress.warnings.push(...part.warnings.map(warningText))
      return Effect.succeed([])
    case "response-metadata":
      if (part.id !== undefined) progress.id = part.id
      if (part.modelId !== undefined) progress.modelId = part.modelId
      return Effect.succeed([])
    case "text-delta":
      return Effect.succeed(part.delta === "" ? [] : [{ type: "text_delta", delta: part.delta }])
    case "tool-call":
      // Tools the vendor runs itself are its business; only the caller's calls are events.
      return Effect.succeed(part.providerExecuted === true ? [] : [{
        type: "tool_call",
        tool_call: { id: part.toolCallId, type: "function", function: { name: part.toolName, arguments: part.input } }
      }])
    case "file": {
      if (part.data.type === "url") {
        progress.warnings.push(`a generated file at ${part.data.url.href} was not fetched`)
        return Effect.succeed([])
      }
      const data = toBytes(part.data.data)
      const media_type = part.mediaType.startsWith("image") ? imageMediaType(data, part.mediaType) : part.mediaType
      return Effect.succeed([{ type: "media", data, media_type }])
    }
    case "error":
      return Effect.fail(toProviderError(context, part.error, now))
    case "finish": {
      progress.finished = true
      const reason = finishReason(part.finishReason)
      if (reason === "error" || reason === "interrupted") {
        const raw = part.finishReason.raw === undefined ? "" : ` (${part.finishReason.raw})`
        return Effect.fail(new ProviderUnavailable({
          provider: context.provider,
          detail: reason === "error" ? `the model stopped with an error${raw}` : "the stream ended before the model finished"
        }))
      }
      const usage = usageOfFinish(options, part)
      const requestId = requestIdOf(result.response?.headers) ?? progress.id
      const output = jsonValue({
        id: progress.id,
        model: progress.modelId,
        finish_reason: part.finishReason.raw ?? part.finishReason.unified,
        usage: part.usage.raw
      })
      return Effect.succeed([
        ...(Object.keys(usage).length === 0 ? [] : [{ type: "usage" as const, usage }]),
        {
          type: "finish" as const,
          reason,
          ...(requestId === undefined ? {} : { request_id: requestId }),
          ...(progress.warnings.length === 0 ? {} : { warnings: [...progress.warnings] }),
          provider_output: output
        }
      ])
    }
    default:
      // reasoning, tool-input fragments, sources, raw chunks: not part of Patchbay's events
      return Effect.succeed([])
  }
}

/** The LLM capability over the bridge's language models. */
export const make = (options: AiSdkOptions, models: Models<LanguageModel>): LlmProvider => {
  const { model: modelField, options: optionsField } = fields(options.id)
  const validate = (spec: LlmSpec): Effect.Effect<void, ValidationError> =>
    Effect.andThen(models.check(spec.model, modelField), Effect.asVoid(settingsOf(options, spec, models.peek(spec.model))))

  const stream = (request: LlmRequest): Stream.Stream<LlmEvent, ProviderError> =>
    Stream.unwrap(
      Effect.gen(function*() {
        yield* validate(request)
        const model = yield* models.get(request.model, modelField)
        const settings = yield* settingsOf(options, request, model)
        const context: ErrorContext = {
          provider: options.id,
          model: request.model,
          field: "messages",
          optionsField,
          modelField,
          vendor: options.errors
        }
        const tools = toTools(request.tools)
        const { result, parts } = yield* streaming(context, (abortSignal) =>
          model.doStream({
            ...settings,
            prompt: toPrompt(request.messages),
            ...(tools === undefined ? {} : { tools, toolChoice: settings.toolChoice ?? { type: "auto" } }),
            abortSignal
          }))
        const now = yield* Clock.currentTimeMillis
        const progress: Progress = { warnings: [], id: undefined, modelId: undefined, finished: false }
        const ended = Stream.suspend(() =>
          progress.finished
            ? Stream.empty
            : Stream.fail(new ProviderUnavailable({ provider: options.id, detail: "the stream ended without a finish" }))
        )
        return parts.pipe(
          Stream.mapEffect((part) => eventsOf(options, context, now, progress, result, part)),
          Stream.flattenIterable,
          Stream.concat(ended)
        )
      }).pipe(Effect.withSpan("AiSdk.chat", { attributes: { provider: options.id, model: request.model } }))
    )

  return { catalogue: models.catalogue, modelPattern: models.pattern, validate, stream }
}
