/**
 * `provider_options.openrouter`: OpenRouter's own request fields, under their wire
 * (snake_case) names — routing (`provider.order`, `provider.allow_fallbacks`, `provider.sort`,
 * `provider.max_price`, …), fallback `models`, sampling, reasoning, and for images
 * `modalities` and `image_config`. Each is checked against OpenRouter's published schema; an
 * unknown or malformed option is `InvalidRequest` naming its path, never silently dropped.
 * The options go into the chat completion body as written.
 *
 * @since 0.1.0
 */
import type { InvalidRequest } from "@patchbay/core"
import { decodeProviderOptions } from "@patchbay/core/adapter"
import { type Effect, Schema } from "effect"

const Slug = Schema.String.check(Schema.isMinLength(1))
const Price = Schema.Union([Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)), Schema.String])
const Percentiles = Schema.Struct({
  p50: Schema.optionalKey(Schema.Number),
  p75: Schema.optionalKey(Schema.Number),
  p90: Schema.optionalKey(Schema.Number),
  p99: Schema.optionalKey(Schema.Number)
})

/** How providers are sorted when `order` is not given. */
export const ProviderSort = Schema.Literals(["price", "throughput", "latency", "exacto"])

/**
 * Provider routing (OpenRouter `ProviderPreferences`): which upstream providers may serve the
 * request, in which order, whether to fall back, and the most you will pay.
 *
 * @category schemas
 */
export const ProviderPreferences = Schema.Struct({
  /** Provider slugs to try, in order (`["anthropic", "openai"]`). */
  order: Schema.optionalKey(Schema.Array(Slug)),
  /** Whether other providers may serve when those of `order` cannot (default true). */
  allow_fallbacks: Schema.optionalKey(Schema.Boolean),
  /** Only providers that support every parameter of the request. */
  require_parameters: Schema.optionalKey(Schema.Boolean),
  data_collection: Schema.optionalKey(Schema.Literals(["allow", "deny"])),
  /** Only providers with zero data retention. */
  zdr: Schema.optionalKey(Schema.Boolean),
  enforce_distillable_text: Schema.optionalKey(Schema.Boolean),
  /** Provider slugs allowed for this request. */
  only: Schema.optionalKey(Schema.Array(Slug)),
  /** Provider slugs skipped for this request. */
  ignore: Schema.optionalKey(Schema.Array(Slug)),
  quantizations: Schema.optionalKey(Schema.Array(
    Schema.Literals(["int4", "int8", "fp4", "mxfp4", "nvfp4", "fp6", "fp8", "mxfp8", "fp16", "bf16", "fp32", "unknown"])
  )),
  /** `"price"`, `"throughput"`, `"latency"`, or `{ by, partition }`. */
  sort: Schema.optionalKey(Schema.Union([
    ProviderSort,
    Schema.Struct({ by: Schema.optionalKey(ProviderSort), partition: Schema.optionalKey(Schema.Literals(["model", "none"])) })
  ])),
  /** The most to pay, in USD: per million prompt/completion tokens, per image, per request. */
  max_price: Schema.optionalKey(Schema.Struct({
    prompt: Schema.optionalKey(Price),
    completion: Schema.optionalKey(Price),
    image: Schema.optionalKey(Price),
    audio: Schema.optionalKey(Price),
    request: Schema.optionalKey(Price)
  })),
  preferred_max_latency: Schema.optionalKey(Schema.Union([Schema.Number, Percentiles])),
  preferred_min_throughput: Schema.optionalKey(Schema.Union([Schema.Number, Percentiles]))
})
export type ProviderPreferences = typeof ProviderPreferences.Type

const Effort = Schema.Literals(["max", "xhigh", "high", "medium", "low", "minimal", "none"])

/** The fields both the LLM and the image capability take. */
const common = {
  provider: Schema.optionalKey(ProviderPreferences),
  /** Fallback models, tried in order when the requested one is unavailable. */
  models: Schema.optionalKey(Schema.Array(Slug)),
  user: Schema.optionalKey(Schema.String),
  session_id: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(256))),
  seed: Schema.optionalKey(Schema.Int),
  /** Plugins by id (`{ id: "web", max_results: 3 }`), passed as written. */
  plugins: Schema.optionalKey(Schema.Array(Schema.Record(Schema.String, Schema.Unknown))),
  transforms: Schema.optionalKey(Schema.Array(Schema.String)),
  metadata: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
}

/** Output modalities of the response. */
export const Modalities = Schema.Array(Schema.Literals(["text", "image", "audio"]))

/** Provider-specific image settings: `aspect_ratio` (`"16:9"`), `image_size` (`"1K"`, `"2K"`, `"4K"`), … */
export const ImageConfig = Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Number, Schema.Array(Schema.Unknown)]))

/**
 * `provider_options.openrouter` of a message's LLM.
 *
 * @example
 * ```ts
 * { provider: { order: ["anthropic", "amazon-bedrock"], allow_fallbacks: false, max_price: { prompt: 3, completion: 15 } },
 *   models: ["anthropic/claude-sonnet-4.5", "openai/gpt-4.1"], temperature: 0.3 }
 * ```
 * @category schemas
 */
export const LlmOptions = Schema.Struct({
  ...common,
  temperature: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 2 }))),
  top_p: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  top_k: Schema.optionalKey(Schema.Int),
  min_p: Schema.optionalKey(Schema.Number),
  top_a: Schema.optionalKey(Schema.Number),
  max_tokens: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  max_completion_tokens: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  stop: Schema.optionalKey(Schema.Union([Schema.String, Schema.Array(Schema.String)])),
  frequency_penalty: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: -2, maximum: 2 }))),
  presence_penalty: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: -2, maximum: 2 }))),
  repetition_penalty: Schema.optionalKey(Schema.Number),
  parallel_tool_calls: Schema.optionalKey(Schema.Boolean),
  reasoning: Schema.optionalKey(Schema.Struct({
    effort: Schema.optionalKey(Effort),
    max_tokens: Schema.optionalKey(Schema.Int),
    exclude: Schema.optionalKey(Schema.Boolean),
    enabled: Schema.optionalKey(Schema.Boolean),
    summary: Schema.optionalKey(Schema.Literals(["auto", "concise", "detailed"]))
  })),
  reasoning_effort: Schema.optionalKey(Effort),
  modalities: Schema.optionalKey(Modalities),
  image_config: Schema.optionalKey(ImageConfig)
})
export type LlmOptions = typeof LlmOptions.Type

/**
 * `provider_options.openrouter` of the image model. `modalities` defaults to
 * `["image", "text"]` (text-and-image models such as Gemini); image-only models (Flux) take
 * `["image"]`.
 *
 * @category schemas
 */
export const ImageOptions = Schema.Struct({
  ...common,
  modalities: Schema.optionalKey(Modalities),
  image_config: Schema.optionalKey(ImageConfig),
  temperature: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 2 })))
})
export type ImageOptions = typeof ImageOptions.Type

/** The aspect ratios OpenRouter's `image_config.aspect_ratio` documents. */
export const ASPECT_RATIOS = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"] as const
/** The sizes of `image_config.image_size`. */
export const IMAGE_SIZES = ["0.5K", "1K", "2K", "4K"] as const

/**
 * Decodes the options under our key, refusing unknown fields; a problem is `InvalidRequest`
 * naming its path under `field` (`provider_options.openrouter.provider.sort`).
 */
export const decodeOptions = <S extends Schema.Decoder<unknown>>(schema: S, input: unknown, field: string): Effect.Effect<S["Type"], InvalidRequest> =>
  decodeProviderOptions(schema, input, { provider: "openrouter", field })
