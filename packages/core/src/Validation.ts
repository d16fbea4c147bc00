/**
 * Step 1 of every message: decode the request and check it against the registered catalogues
 * before any vendor is called. Unknown providers and models, audio the model does not take, a
 * file over the vendor's limit, a language that is not ISO 639-1, an output format the model
 * cannot produce, a voice outside a closed list, a malformed option — each fails here with an
 * error naming the field, the value and what is allowed. Each capability's own `validate` hook
 * (the adapter's option rules) runs here too, for the main entry and every fallback. Last, the
 * providers the message calls first check their keys, so one `MissingApiKey` names them all.
 *
 * @since 0.1.0
 */
import { Effect, Schema, type SchemaAST, SchemaIssue } from "effect"
import {
  EMPTY_INPUT,
  InputTooLarge,
  InvalidRequest,
  MissingApiKey,
  UnknownModel,
  UnknownProvider,
  UnsupportedFormat,
  type ValidationError
} from "./Errors.ts"
import { iso6391Codes, isIso6391 } from "./Language.ts"
import { MessageRequest } from "./MessageRequest.ts"
import {
  acceptsDimensions,
  acceptsVoice,
  type Capability,
  dimensionsAllowed,
  type ModelInfo,
  type OutputFormat,
  outputFormatNames,
  realtimeFormats,
  resolveOutputFormat
} from "./ModelInfo.ts"
import type { AudioFacts, CommitStrategy, EmbeddingSpec, RealtimeSttSpec } from "./Provider.ts"
import { modelsOf, type ProviderRegistryShape, type Resolved } from "./ProviderRegistry.ts"
import { type FallbackEntry, type ProviderOptions, SttConfig, type TtsConfig } from "./VoiceConfig.ts"

/** Everything validation can fail with. */
export type RequestError = ValidationError | UnknownProvider

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const pathToField = (path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>): string =>
  path.reduce<string>((out, segment) => {
    const key = typeof segment === "object" ? segment.key : segment
    return typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`
  }, "")

const valueAt = (input: unknown, field: string): unknown => {
  let current: unknown = input
  for (const part of field.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== "")) {
    if (current === null || typeof current !== "object") return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}

/**
 * Decodes an input against a schema; a mismatch becomes `InvalidRequest` naming the field path
 * (`voice.tts.voice`, `tools[0].function.name`), never a raw schema error. `parseOptions` go to
 * the decoder (`{ onExcessProperty: "error" }` refuses keys the schema does not name).
 */
export const decodeWith = <S extends Schema.Decoder<unknown>>(schema: S, prefix = "", parseOptions?: SchemaAST.ParseOptions) => (input: unknown): Effect.Effect<S["Type"], InvalidRequest> =>
  Schema.decodeUnknownEffect(schema)(input, parseOptions).pipe(
    Effect.mapError((error) => {
      const first = formatter(error.issue).issues[0]
      const inner = first === undefined ? "" : pathToField(first.path ?? [])
      const field = prefix === "" ? inner || "request" : inner === "" ? prefix : `${prefix}.${inner}`
      return new InvalidRequest({
        field,
        ...(inner === "" ? {} : { value: valueAt(input, inner) }),
        reason: first?.message ?? "does not match the expected shape"
      })
    })
  ) as Effect.Effect<S["Type"], InvalidRequest>

/** Decodes a wire `MessageRequest` (snake_case, `send_to_llm` as a boolean or "true"/"false"). */
export const decodeMessageRequest: (input: unknown) => Effect.Effect<MessageRequest, InvalidRequest> = decodeWith(MessageRequest)

const checkLanguage = (field: string, language: string | undefined, model: ModelInfo | undefined) =>
  Effect.suspend(() => {
    if (language === undefined) return Effect.void
    if (!isIso6391(language)) {
      return Effect.fail(new InvalidRequest({ field, value: language, allowed: iso6391Codes, reason: "expected an ISO 639-1 code such as \"en\"" }))
    }
    if (model?.languages !== undefined && !model.languages.includes(language)) {
      return Effect.fail(
        new InvalidRequest({ field, value: language, allowed: model.languages, reason: `${model.id} does not take this language`, provider: model.provider })
      )
    }
    return Effect.void
  })

/**
 * Splits `provider_options` into the serving vendor's own options and warnings for the keys
 * of other vendors, which are ignored.
 */
export const optionsFor = (
  options: ProviderOptions | undefined,
  providerId: string,
  field: string
): { readonly options: Readonly<Record<string, unknown>> | undefined; readonly warnings: ReadonlyArray<string> } => {
  if (options === undefined) return { options: undefined, warnings: [] }
  const warnings = Object.keys(options)
    .filter((key) => key !== providerId)
    .map((key) => `${field}.${key} is ignored: this stage is served by ${providerId}`)
  return { options: options[providerId], warnings }
}

/**
 * Checks an audio input against the model's accepted containers and byte limit. An empty input
 * is refused as such, whatever the model takes.
 */
export const checkAudio = (model: ModelInfo | undefined, audio: AudioFacts | undefined, field = "audio_file") =>
  Effect.suspend((): Effect.Effect<void, UnsupportedFormat | InputTooLarge> => {
    if (model === undefined || audio === undefined) return Effect.void
    const accepted = model.input_formats
    if (audio.size === 0) {
      return Effect.fail(new UnsupportedFormat({ provider: model.provider, model: model.id, field, format: EMPTY_INPUT, allowed: accepted ?? [] }))
    }
    if (accepted !== undefined && (audio.container === undefined || !accepted.includes(audio.container))) {
      return Effect.fail(
        new UnsupportedFormat({ provider: model.provider, model: model.id, field, format: audio.container ?? "unrecognized audio", allowed: accepted })
      )
    }
    if (model.max_input_bytes !== undefined && audio.size !== undefined && audio.size > model.max_input_bytes) {
      return Effect.fail(new InputTooLarge({ provider: model.provider, model: model.id, field, limit: model.max_input_bytes, size: audio.size }))
    }
    return Effect.void
  })

/** A text's length as embedding limits count it: in characters (Unicode code points). */
export const characterCount = (text: string): number => {
  let n = 0
  for (const _ of text) n++
  return n
}

/**
 * Checks embedding texts and `dimensions` against the model's catalogue entry: at least one
 * text, no empty text, none longer than `max_input_characters`, and `dimensions` the model can
 * give. A batch over `max_texts_per_call` is not refused (`Stages.embed` splits it). Pure.
 */
export const checkEmbeddingInput = (
  model: ModelInfo | undefined,
  spec: Pick<EmbeddingSpec, "texts" | "dimensions">,
  base = ""
): Effect.Effect<void, InvalidRequest | InputTooLarge> =>
  Effect.suspend((): Effect.Effect<void, InvalidRequest | InputTooLarge> => {
    const at = (field: string) => (base === "" ? field : `${base}.${field}`)
    const provider = model === undefined ? {} : { provider: model.provider }
    if (spec.texts.length === 0) {
      return Effect.fail(new InvalidRequest({ ...provider, field: at("texts"), value: [], reason: "give at least one text to embed" }))
    }
    for (const [i, text] of spec.texts.entries()) {
      if (text.length === 0) {
        return Effect.fail(new InvalidRequest({ ...provider, field: at(`texts[${i}]`), value: "", reason: "an empty text has no embedding" }))
      }
      const limit = model?.max_input_characters
      if (limit !== undefined) {
        const size = characterCount(text)
        if (size > limit) {
          return Effect.fail(new InputTooLarge({ provider: model!.provider, model: model!.id, field: at(`texts[${i}]`), limit, size }))
        }
      }
    }
    const dimensions = spec.dimensions
    if (dimensions !== undefined && model !== undefined && !acceptsDimensions(model, dimensions)) {
      return Effect.fail(
        new InvalidRequest({
          provider: model.provider,
          field: at("dimensions"),
          value: dimensions,
          allowed: dimensionsAllowed(model),
          reason: model.min_dimensions === undefined && model.max_dimensions === undefined
            ? `${model.id} gives only vectors of its own length`
            : `${model.id} cannot give vectors of this length`
        })
      )
    }
    if (dimensions !== undefined && (!Number.isInteger(dimensions) || dimensions < 1)) {
      return Effect.fail(new InvalidRequest({ ...provider, field: at("dimensions"), value: dimensions, reason: "expected a whole number of at least 1" }))
    }
    return Effect.void
  })

/** What {@link validateEmbedding} checks: the embedding model, the texts and the options. */
export interface EmbeddingConfig {
  readonly provider: string
  readonly model: string
  readonly texts: ReadonlyArray<string>
  readonly dimensions?: number | undefined
  /** Options by vendor key, as in a `MessageRequest`; only the serving vendor's are used. */
  readonly provider_options?: ProviderOptions | undefined
}

/** An embedding request that passed validation. */
export interface ValidEmbedding {
  readonly resolved: Resolved<"embedding">
  readonly options: Readonly<Record<string, unknown>> | undefined
  /** Options under other vendors' keys, ignored. */
  readonly warnings: ReadonlyArray<string>
}

/**
 * Validates an embedding request against the registry: provider, model, the texts and
 * `dimensions` against the catalogue (see {@link checkEmbeddingInput}), then the adapter's hook.
 */
export const validateEmbedding = (
  registry: ProviderRegistryShape,
  config: EmbeddingConfig,
  base = ""
): Effect.Effect<ValidEmbedding, RequestError> =>
  Effect.gen(function*() {
    const at = (field: string) => (base === "" ? field : `${base}.${field}`)
    const resolved = yield* registry.resolve("embedding", config.provider, config.model, { provider: at("provider"), model: at("model") })
    yield* checkEmbeddingInput(resolved.model, config, base)
    const { options, warnings } = optionsFor(config.provider_options, config.provider, at("provider_options"))
    yield* resolved.capability.validate({ model: config.model, texts: config.texts, dimensions: config.dimensions, provider_options: options })
    return { resolved, options, warnings }
  })

/** An STT stage that passed validation. */
export interface ValidStt {
  readonly resolved: Resolved<"stt">
  readonly language: string | undefined
  readonly options: Readonly<Record<string, unknown>> | undefined
}

/** A TTS stage that passed validation, with the output format resolved to the vendor's id. */
export interface ValidTts {
  readonly resolved: Resolved<"tts">
  readonly voice: string
  readonly outputFormat: OutputFormat | undefined
  /** What goes to the adapter: the vendor id of the format, or the name as given for open catalogues. */
  readonly outputFormatId: string | undefined
  readonly language: string | undefined
  readonly options: Readonly<Record<string, unknown>> | undefined
}

/** The stage's own entry, then its fallbacks, each with the request field it came from. */
const entries = (main: FallbackEntry, fallback: ReadonlyArray<FallbackEntry> | undefined, base: string) => [
  { entry: main, field: base },
  ...(fallback ?? []).map((entry, i) => ({ entry, field: `${base}.fallback[${i}]` }))
]

/**
 * Validates `voice.stt` and each of its fallbacks against the registry: provider, model,
 * language, audio container and size, then the adapter's own `validate` hook.
 */
export const validateStt = (
  registry: ProviderRegistryShape,
  config: SttConfig,
  audio: AudioFacts | undefined,
  base = "voice.stt"
): Effect.Effect<ReadonlyArray<ValidStt>, RequestError> =>
  Effect.forEach(entries(config, config.fallback, base), ({ entry, field }) =>
    Effect.gen(function*() {
      const resolved = yield* registry.resolve("stt", entry.provider, entry.model, {
        provider: `${field}.provider`,
        model: `${field}.model`
      })
      yield* checkLanguage(`${base}.language`, config.language, resolved.model)
      yield* checkAudio(resolved.model, audio)
      const { options } = optionsFor(config.provider_options, entry.provider, `${base}.provider_options`)
      yield* resolved.capability.validate({
        model: entry.model,
        language: config.language,
        provider_options: options,
        audio
      })
      return { resolved, language: config.language, options }
    }))

/**
 * Validates `voice.tts` and each of its fallbacks: provider, model, voice (closed lists and
 * syntax), output format (generic or vendor name), language, then the adapter's hook. A
 * fallback on another provider must name its own voice.
 */
export const validateTts = (
  registry: ProviderRegistryShape,
  config: TtsConfig,
  base = "voice.tts"
): Effect.Effect<ReadonlyArray<ValidTts>, RequestError> =>
  Effect.forEach(entries(config, config.fallback, base), ({ entry, field }) =>
    Effect.gen(function*() {
      const resolved = yield* registry.resolve("tts", entry.provider, entry.model, {
        provider: `${field}.provider`,
        model: `${field}.model`
      })
      const ownVoice = entry.voice
      const voiceField = ownVoice !== undefined ? `${field}.voice` : `${base}.voice`
      const voice = ownVoice ?? config.voice
      if (field !== base && entry.provider !== config.provider && ownVoice === undefined) {
        return yield* new InvalidRequest({
          field: `${field}.voice`,
          reason: `a fallback on another provider (${entry.provider}) must name its own voice`
        })
      }
      const model = resolved.model
      if (model !== undefined && !acceptsVoice(model.voices, voice)) {
        const voices = model.voices
        const allowed = [...(voices?.ids ?? []), ...(voices?.pattern === undefined ? [] : [`/${voices.pattern}/`])]
        return yield* new InvalidRequest({
          provider: entry.provider,
          field: voiceField,
          value: voice,
          allowed,
          reason: `${model.id} has no voice ${JSON.stringify(voice)}`
        })
      }
      let outputFormat: OutputFormat | undefined
      if (model !== undefined && model.output_formats !== undefined) {
        outputFormat = resolveOutputFormat(model, config.output_format)
        if (outputFormat === undefined) {
          return yield* new UnsupportedFormat({
            provider: entry.provider,
            model: model.id,
            field: `${base}.output_format`,
            format: config.output_format ?? "(default)",
            allowed: outputFormatNames(model)
          })
        }
      }
      yield* checkLanguage(`${base}.language`, config.language, model)
      const outputFormatId = outputFormat?.id ?? config.output_format
      const { options } = optionsFor(config.provider_options, entry.provider, `${base}.provider_options`)
      yield* resolved.capability.validate({
        model: entry.model,
        voice,
        output_format: outputFormatId,
        language: config.language,
        provider_options: options
      })
      return { resolved, voice, outputFormat, outputFormatId, language: config.language, options }
    }))

/** A realtime STT session as asked for, before validation: what `Stages.listen` takes beside the audio. */
export interface RealtimeSttConfig {
  /** Provider, model, language and options, as for a batch `voice.stt` (no fallback). */
  readonly stt: SttConfig
  /** A generic id from the model's `realtime_formats` (`pcm_16000`, `ulaw_8000`, …). */
  readonly audio_format: string
  /** `vad` (the default): the vendor commits when the speaker pauses; `manual`: on each `Commit`. */
  readonly commit?: CommitStrategy | undefined
  /** Ask for per-word times on committed utterances, where the vendor gives them. */
  readonly include_timestamps?: boolean | undefined
}

/** The request fields a realtime refusal names, so each caller reports its own spelling. */
export interface RealtimeFields {
  /** The STT object (`stt`, or `voice.stt` in `pb.listen`); its `provider`, `model`, … are below it. */
  readonly stt: string
  readonly audio_format: string
  readonly commit: string
  readonly language: string
  readonly include_timestamps: string
}

/** The field names of `Stages.listen`'s input. */
export const realtimeFields: RealtimeFields = {
  stt: "stt",
  audio_format: "audio_format",
  commit: "commit",
  language: "stt.language",
  include_timestamps: "include_timestamps"
}

/** A realtime STT session that passed validation: the vendor, and the spec its `realtime` gets. */
export interface ValidRealtimeStt {
  readonly resolved: Resolved<"stt">
  readonly spec: RealtimeSttSpec
  /** Options under other vendors' keys, ignored. */
  readonly warnings: ReadonlyArray<string>
}

/**
 * Validates a realtime STT session before any connection: the provider has realtime STT
 * (`UnknownProvider` naming those that do), the model is one of its realtime models
 * (`UnknownModel` outside a closed catalogue, `InvalidRequest` for a listed model without
 * `realtime`), the audio format is one the model takes (`UnsupportedFormat` listing them), the
 * language is ISO 639-1 and taken by the model, `commit` is `vad` or `manual`, the options are
 * objects — then the adapter's `validateRealtime`. No fallback: live audio is sent once.
 */
export const validateRealtimeStt = (
  registry: ProviderRegistryShape,
  config: RealtimeSttConfig,
  fields: RealtimeFields = realtimeFields
): Effect.Effect<ValidRealtimeStt, RequestError> =>
  Effect.gen(function*() {
    const stt = yield* decodeWith(SttConfig, fields.stt)(config.stt)
    const at = { provider: `${fields.stt}.provider`, model: `${fields.stt}.model` }
    if (stt.fallback !== undefined && stt.fallback.length > 0) {
      return yield* new InvalidRequest({ field: `${fields.stt}.fallback`, reason: "a realtime session has no fallback: live audio is sent once, to one vendor" })
    }
    const realtimeModels = Effect.map(registry.get(stt.provider, at.provider), (provider) =>
      modelsOf(provider, "stt").filter((m) => m.realtime === true).map((m) => m.id))
    // outside a closed catalogue: the error lists the realtime models only
    const resolved = yield* registry.resolve("stt", stt.provider, stt.model, at).pipe(
      Effect.catchTag("UnknownModel", (error) =>
        Effect.flatMap(realtimeModels, (allowed) =>
          Effect.fail(new UnknownModel({ provider: stt.provider, model: error.model, field: error.field, allowed }))))
    )
    if (resolved.capability.realtime === undefined) {
      const registered = (yield* registry.list).filter((p) => p.stt?.realtime !== undefined).map((p) => p.id)
      return yield* new UnknownProvider({ provider: stt.provider, field: at.provider, registered, capability: "realtime stt", registeredWithout: true })
    }
    const model = resolved.model
    if (model !== undefined && model.realtime !== true) {
      return yield* new InvalidRequest({
        provider: stt.provider,
        field: at.model,
        value: stt.model,
        allowed: yield* realtimeModels,
        reason: `${model.id} does not transcribe live audio`
      })
    }
    const accepted = model?.realtime_formats ?? realtimeFormats
    if (typeof config.audio_format !== "string" || !accepted.includes(config.audio_format)) {
      return yield* new UnsupportedFormat({
        provider: stt.provider,
        model: stt.model,
        field: fields.audio_format,
        format: String(config.audio_format),
        allowed: accepted
      })
    }
    yield* checkLanguage(fields.language, stt.language, model)
    const commit: unknown = config.commit ?? "vad"
    if (commit !== "vad" && commit !== "manual") {
      return yield* new InvalidRequest({
        field: fields.commit,
        value: commit,
        allowed: ["vad", "manual"],
        reason: "expected \"vad\" (the vendor commits when the speaker pauses) or \"manual\" (on each Commit)"
      })
    }
    const timestamps: unknown = config.include_timestamps
    if (timestamps !== undefined && typeof timestamps !== "boolean") {
      return yield* new InvalidRequest({ field: fields.include_timestamps, value: timestamps, reason: "expected true or false" })
    }
    const { options, warnings } = optionsFor(stt.provider_options, stt.provider, `${fields.stt}.provider_options`)
    const spec: RealtimeSttSpec = {
      model: stt.model,
      language: stt.language,
      audio_format: config.audio_format,
      commit,
      include_timestamps: timestamps,
      provider_options: options
    }
    if (resolved.capability.validateRealtime !== undefined) yield* resolved.capability.validateRealtime(spec)
    return { resolved, spec, warnings }
  })

/** Validates a named model of an LLM or image provider, then the adapter's hook. */
export const validateModel = <C extends "llm" | "image">(
  registry: ProviderRegistryShape,
  capability: C,
  providerId: string,
  modelId: string,
  fields: { readonly provider: string; readonly model: string },
  providerOptions: ProviderOptions | undefined
): Effect.Effect<Resolved<C>, RequestError> =>
  Effect.gen(function*() {
    const resolved = yield* registry.resolve(capability, providerId, modelId, fields)
    const { options } = optionsFor(providerOptions, providerId, "provider_options")
    const hook = resolved.capability.validate as (spec: { model: string; provider_options: typeof options }) => Effect.Effect<void, ValidationError>
    yield* hook({ model: modelId, provider_options: options })
    return resolved
  })

/** Where the LLM of a message comes from when the request does not name one. */
export interface LlmDefaults {
  /** The thread's default (set when the thread was created), else its assistant's. */
  readonly thread?: { readonly provider: string; readonly model: string } | undefined
  /** `createPatchbay({ defaults: { llm } })`. */
  readonly instance?: { readonly provider: string; readonly model: string } | undefined
}

/** A message that passed validation: what each stage will run. */
export interface ValidMessage {
  readonly request: MessageRequest
  readonly sendToLlm: boolean
  readonly stt: ReadonlyArray<ValidStt> | undefined
  readonly tts: ReadonlyArray<ValidTts> | undefined
  readonly llm: ReadonlyArray<Resolved<"llm">> | undefined
  readonly image: Resolved<"image"> | undefined
  /** Options under other vendors' keys, ignored. */
  readonly warnings: ReadonlyArray<string>
}

/**
 * Validates a decoded message against DESIGN's request rules and the catalogues. `audio` is
 * what is known of the uploaded audio, or undefined when none was sent.
 */
export const validateMessage = (
  registry: ProviderRegistryShape,
  request: MessageRequest,
  audio: AudioFacts | undefined,
  defaults: LlmDefaults = {}
): Effect.Effect<ValidMessage, RequestError> =>
  Effect.gen(function*() {
    const sendToLlm = request.send_to_llm ?? true
    if (request.content === undefined && audio === undefined) {
      return yield* new InvalidRequest({ field: "content", reason: "send content, an audio file, or both" })
    }
    if (audio !== undefined && request.voice?.stt === undefined) {
      return yield* new InvalidRequest({ field: "voice.stt", reason: "audio was sent without voice.stt to transcribe it" })
    }
    if (audio === undefined && request.voice?.stt !== undefined) {
      return yield* new InvalidRequest({ field: "audio_file", reason: "voice.stt was given without an audio file" })
    }
    const stt = request.voice?.stt === undefined ? undefined : yield* validateStt(registry, request.voice.stt, audio)
    const tts = request.voice?.tts === undefined ? undefined : yield* validateTts(registry, request.voice.tts)

    let llm: ReadonlyArray<Resolved<"llm">> | undefined
    let image: Resolved<"image"> | undefined
    if (sendToLlm) {
      const named = request.llm_provider !== undefined || request.model_name !== undefined
      if (named && (request.llm_provider === undefined || request.model_name === undefined)) {
        const missing = request.llm_provider === undefined ? "llm_provider" : "model_name"
        return yield* new InvalidRequest({ field: missing, reason: "llm_provider and model_name go together" })
      }
      const choice = request.llm_provider !== undefined && request.model_name !== undefined
        ? { provider: request.llm_provider, model: request.model_name }
        : defaults.thread ?? defaults.instance
      if (choice === undefined) {
        return yield* new InvalidRequest({
          field: "llm_provider",
          reason: "no LLM is named by the request, the thread, its assistant or createPatchbay({ defaults: { llm } })"
        })
      }
      const chain = [
        { entry: choice, fields: { provider: "llm_provider", model: "model_name" } },
        ...(request.llm_fallback ?? []).map((entry, i) => ({
          entry,
          fields: { provider: `llm_fallback[${i}].provider`, model: `llm_fallback[${i}].model` }
        }))
      ]
      llm = yield* Effect.forEach(chain, ({ entry, fields }) =>
        validateModel(registry, "llm", entry.provider, entry.model, fields, request.provider_options))
      if (request.image_generation === "auto") {
        const clash = (request.tools ?? []).findIndex((tool) => tool.function.name === "generate_image")
        if (clash !== -1) {
          return yield* new InvalidRequest({
            field: `tools[${clash}].function.name`,
            value: "generate_image",
            reason: "the name generate_image is the built-in image tool's while image_generation is \"auto\""
          })
        }
        if (request.image_model_provider === undefined || request.image_model_name === undefined) {
          const field = request.image_model_provider === undefined ? "image_model_provider" : "image_model_name"
          return yield* new InvalidRequest({ field, reason: "image_generation \"auto\" needs image_model_provider and image_model_name" })
        }
        image = yield* validateModel(
          registry,
          "image",
          request.image_model_provider,
          request.image_model_name,
          { provider: "image_model_provider", model: "image_model_name" },
          request.provider_options
        )
      }
    }
    const servedBy = new Set<string>([
      ...(llm ?? []).map((r) => r.provider.id),
      ...(image === undefined ? [] : [image.provider.id])
    ])
    const warnings = [
      ...[request.voice?.stt, request.voice?.tts].flatMap((config, i) =>
        config === undefined
          ? []
          : Object.keys(config.provider_options ?? {})
            .filter((key) => key !== config.provider && !(config.fallback ?? []).some((f) => f.provider === key))
            .map((key) => `voice.${i === 0 ? "stt" : "tts"}.provider_options.${key} is ignored: the stage is served by ${config.provider}`)
      ),
      ...Object.keys(request.provider_options ?? {})
        .filter((key) => !servedBy.has(key))
        .map((key) => `provider_options.${key} is ignored: no stage of this message is served by ${key}`)
    ]
    return { request, sendToLlm, stt, tts, llm, image, warnings }
  })

/** The capabilities a validated message will call, for logging and tests. */
export const stagesOf = (message: ValidMessage): ReadonlyArray<Capability> => [
  ...(message.stt === undefined ? [] : ["stt" as const]),
  ...(message.llm === undefined ? [] : ["llm" as const]),
  ...(message.image === undefined ? [] : ["image" as const]),
  ...(message.tts === undefined ? [] : ["tts" as const])
]

/**
 * Runs the `credentials` hook of every distinct provider the message calls first — the main
 * entry of each stage it runs (STT, LLM, TTS, the image model) — and fails with one
 * `MissingApiKey` naming each vendor whose key is missing, in that order. Fallbacks are not
 * checked: their keys are read if they are used. No vendor is called.
 */
export const checkCredentials = (message: ValidMessage): Effect.Effect<void, MissingApiKey> =>
  Effect.gen(function*() {
    const firsts = [message.stt?.[0]?.resolved, message.llm?.[0], message.tts?.[0]?.resolved, message.image]
    const providers = new Map(firsts.flatMap((r) => (r === undefined ? [] : [[r.provider.id, r.provider] as const])))
    const missing = yield* Effect.forEach([...providers.values()], (provider) =>
      provider.credentials === undefined
        ? Effect.succeed([])
        : Effect.match(provider.credentials, { onSuccess: () => [], onFailure: (error) => [error] }))
    const [first, ...rest] = missing.flat()
    if (first === undefined) return
    if (rest.length === 0) return yield* first
    const others = [...(first.others ?? []), ...rest.flatMap((e) => [{ provider: e.provider, variable: e.variable }, ...(e.others ?? [])])]
    return yield* new MissingApiKey({ provider: first.provider, variable: first.variable, others })
  })
