/**
 * The stages a message passes through — transcribe, respond, speak, store — as public,
 * composable Effects, `listen` for live audio, and `embed` for the vectors memory retrieval and user flows need. `Pipeline.addMessage` is built from them; a user can assemble their own
 * flow from the same pieces (STT only; TTS of text they already have; STT → a translating LLM
 * → TTS in another language) and get the same events and the same records. Each stage emits
 * into the `Run` in context; `Run.toStream` turns a program of stages into an event stream.
 *
 * @example
 * ```ts
 * const events = Run.toStream({ thread_id: "thr_1", run_id: "run_1" },
 *   Stages.speak({ tts: { provider: "openai", model: "tts-1", voice: "alloy" }, text: "Hello!" }))
 * ```
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import * as AudioInputs from "./AudioInput.ts"
import type { AudioInput, AudioSource } from "./AudioInput.ts"
import { AssistantStore } from "./AssistantStore.ts"
import { embedValidated } from "./internal/stages/embed.ts"
import { listenValidated } from "./internal/stages/listen.ts"
import * as Recall from "./internal/stages/recall.ts"
import { type Prompt, respondValidated } from "./internal/stages/respond.ts"
import { speakValidated } from "./internal/stages/speak.ts"
import { transcribeValidated } from "./internal/stages/transcribe.ts"
import type { RealtimeSttInput } from "./Provider.ts"
import { ProviderRegistry } from "./ProviderRegistry.ts"
import * as Validation from "./Validation.ts"
import type { SttConfig, TtsConfig } from "./VoiceConfig.ts"

export { chunkSentences } from "./internal/sentences.ts"
export type { ChunkingOptions } from "./internal/sentences.ts"
export { generateImageTool, respondValidated } from "./internal/stages/respond.ts"
export type { Progress, Prompt, Reply, ReplyStatus, RespondOptions } from "./internal/stages/respond.ts"
export { embedValidated } from "./internal/stages/embed.ts"
export { systemBlock } from "./internal/stages/recall.ts"
export type { Embedded } from "./internal/stages/embed.ts"
export { speakValidated } from "./internal/stages/speak.ts"
export { transcribeValidated } from "./internal/stages/transcribe.ts"
export { listenValidated } from "./internal/stages/listen.ts"
export type { ListenOptions, Utterance } from "./internal/stages/listen.ts"

/**
 * Stores produced media in the `MediaStore` and returns it with a signed URL.
 *
 * @category stages
 */
export { store } from "./internal/stages/store.ts"

/**
 * Transcribes audio: validates `stt` against the registry (provider, model, language, format,
 * size, options), then runs {@link transcribeValidated}: `stt_stream_start` once the vendor
 * answers, `stt_text_delta`s (one holding the whole text when the vendor cannot stream), then
 * `stt_stream_end` with the record.
 *
 * @category stages
 */
export const transcribe = (input: { readonly stt: SttConfig; readonly audio: AudioSource | AudioInput }) =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const audio = AudioInputs.isAudioInput(input.audio) ? input.audio : yield* AudioInputs.fromSource(input.audio)
    const valid = yield* Validation.validateStt(registry, input.stt, { size: audio.size, container: audio.container }, "stt")
    return yield* transcribeValidated(valid, audio)
  })

/**
 * Transcribes live audio as it arrives: validates the session against the registry before
 * connecting (a provider with realtime STT, one of its realtime models, an audio format of that
 * model, the language, `commit`, the options; then the provider's key), then runs
 * {@link listenValidated}: `stt_stream_start` once the vendor session starts, `stt_partial`s and
 * `stt_committed`s while the audio is still being sent, and `stt_stream_end` with the record
 * once `audio` has ended. `audio` holds bytes in `audio_format` and, with `commit: "manual"`,
 * `Commit`s that end each utterance. Returns the record.
 *
 * @example
 * ```ts
 * const events = Run.toStream({ thread_id: "", run_id: "run_1" }, Stages.listen({
 *   stt: { provider: "elevenlabs", model: "scribe_v2_realtime", language: "en" },
 *   audio_format: "pcm_16000",
 *   audio: microphone // Stream<Uint8Array | Commit>
 * }))
 * ```
 * @category stages
 */
export const listen = <E = never, R = never>(input: Validation.RealtimeSttConfig & { readonly audio: Stream.Stream<RealtimeSttInput, E, R> }) =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const valid = yield* Validation.validateRealtimeStt(registry, input)
    if (valid.resolved.provider.credentials !== undefined) yield* valid.resolved.provider.credentials
    return yield* listenValidated(valid, input.audio)
  })

/** What {@link respond} takes: the prompt, the LLM, and optionally the image model of the built-in tool. */
export interface RespondInput extends Prompt {
  readonly llm: { readonly provider: string; readonly model: string }
  /** Called with each text delta as it arrives, e.g. to feed speech. */
  readonly onText?: ((delta: string) => void) | undefined
  /** Offers the LLM the built-in `generate_image` tool, served by this image model. */
  readonly image?: { readonly provider: string; readonly model: string } | undefined
  /** The thread whose images the image tool may edit, and under which it stores new ones. */
  readonly thread_id?: string | undefined
}

/**
 * Asks an LLM, with its tool loop: validates the named provider and model (and the image model,
 * when given), then runs {@link respondValidated}. Streams `content_streaming` deltas and whole
 * `tool_call`s; runs the built-in `generate_image` tool itself when `image` is given; a call to
 * one of `tools` ends the stage with `tool_submit_required` and status `requires_action`, its
 * `messages` ready to continue with the outputs.
 *
 * @category stages
 */
export const respond = (input: RespondInput) =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const fields = { provider: "llm.provider", model: "llm.model" }
    const valid = yield* Validation.validateModel(registry, "llm", input.llm.provider, input.llm.model, fields, input.provider_options)
    const image = input.image === undefined
      ? undefined
      : yield* Validation.validateModel(registry, "image", input.image.provider, input.image.model, {
        provider: "image.provider",
        model: "image.model"
      }, input.provider_options)
    return yield* respondValidated([valid], input, { onText: input.onText, image, thread_id: input.thread_id })
  })

/**
 * Speaks text — a string, or a stream of text deltas — after validating `tts` against the
 * registry (provider, model, voice, output format, options). See {@link speakValidated}: the text
 * is cut into sentences as it arrives, synthesized with at most `ttsConcurrency` requests in
 * flight, and emitted in order as one audio file (`tts_stream_start`, `tts_audio_chunk`s,
 * `tts_stream_end`). Returns undefined when there was nothing to say.
 *
 * @category stages
 */
export const speak = <E = never, R = never>(input: {
  readonly tts: TtsConfig
  readonly text: string | Stream.Stream<string, E, R>
  readonly thread_id?: string | undefined
}) =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const valid = yield* Validation.validateTts(registry, input.tts, "tts")
    const text = typeof input.text === "string" ? Stream.succeed(input.text) : input.text
    return yield* speakValidated(valid, text, { thread_id: input.thread_id })
  })

/**
 * Embeds texts: validates the provider, the model, the texts (none empty, none over the model's
 * limit) and `dimensions` against the registry and the adapter's hook — no vendor is called when
 * any is refused — then runs {@link embedValidated}: a batch larger than the model's
 * `max_texts_per_call` becomes several calls, joined in order. Returns the vectors (one
 * `Float32Array` per text), the summed usage and the record. Needs no `Run`: it emits no events.
 *
 * @example
 * ```ts
 * const { vectors } = yield* Stages.embed({ provider: "openai", model: "text-embedding-3-small", texts: ["a fox"], dimensions: 256 })
 * ```
 * @category stages
 */
export const embed = (input: Validation.EmbeddingConfig) =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const valid = yield* Validation.validateEmbedding(registry, input)
    return yield* embedValidated(valid, input)
  })

/**
 * Retrieves memories for a message (memory `"Readonly"` and `"Auto"` run it before the LLM
 * call): waits — at most `memory.waitMs` — for the scope's running memory write, then takes the
 * assistant's `memory_top_k` (or `top_k`) memories of `memory_scope` (default `"default"`) most
 * similar to `query`: lexical search, fused by reciprocal rank with vector search when the
 * assistant names an embedding model. Emits `memory_retrieved` and returns the memories; give
 * them to an LLM with {@link systemBlock}.
 *
 * @example
 * ```ts
 * const memories = yield* Stages.recall({ assistant_id: "asst_1", memory_scope: "user_42", query: "Where do I live?" })
 * const system = { role: "system", content: Stages.systemBlock(memories) }
 * ```
 * @category stages
 */
export const recall = (input: {
  readonly assistant_id: string
  readonly memory_scope?: string | undefined
  readonly query: string
  readonly top_k?: number | undefined
}) =>
  Effect.gen(function*() {
    const assistant = yield* AssistantStore.use((assistants) => assistants.get(input.assistant_id))
    const target = { assistant: input.top_k === undefined ? assistant : { ...assistant, memory_top_k: input.top_k }, scope: input.memory_scope ?? "default" }
    return (yield* Recall.recallForTurn(target, input.query)).memories
  })
