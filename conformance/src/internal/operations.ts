/**
 * Turning a cassette's scenario into the provider call it describes — the same request the
 * pipeline would make (provider_options under the vendor's key picked out, a generic output
 * format resolved against the catalogue) — and running it while timing every output.
 */
import {
  AudioInput,
  type EmbeddingSpec,
  type ImageSpec,
  type LlmMessage,
  type LlmSpec,
  type ModelInfo,
  type PatchbayProvider,
  type ProviderError,
  resolveOutputFormat,
  type SttSpec,
  type TtsSpec
} from "@patchbay/core"
import { Cause, Data, Effect, Exit, Stream } from "effect"
import { readFileSync } from "node:fs"
import { type LoadedCassette, operationOf, resolveIn, type Scenario } from "../Cassette.ts"

/**
 * The cassette cannot be played: no scenario, a missing fixture, a capability the provider
 * lacks. Messages do not name the file; the battery prefixes it.
 */
export class ScenarioProblem extends Data.TaggedError("ScenarioProblem")<{ readonly message: string }> {}

/** An output of a provider call and when it arrived (`performance.now()`). */
export interface Timed {
  readonly value: unknown
  readonly at: number
}

/** What a call produced: its outputs in order, and how it ended. */
export interface Played {
  readonly outputs: ReadonlyArray<Timed>
  readonly exit: Exit.Exit<void, ProviderError | ScenarioProblem>
  readonly endedAt: number
}

/** The catalogue entry of the scenario's model, if the provider lists it. */
export const modelOf = (provider: PatchbayProvider, scenario: Scenario): ModelInfo | undefined =>
  provider.models.find((m) => m.id === scenario.request.model && m.capability === scenario.capability)

/** The scenario's options under this vendor's key, as the pipeline hands them to the adapter. */
export const optionsOf = (provider: PatchbayProvider, scenario: Scenario): Readonly<Record<string, unknown>> | undefined =>
  scenario.request.provider_options?.[provider.id]

/** Reads the scenario's audio fixture. */
export const audioOf = (loaded: LoadedCassette, scenario: Scenario): Effect.Effect<AudioInput.AudioInput, ScenarioProblem> => {
  const fixture = scenario.request.audio?.fixture
  if (fixture === undefined) return Effect.fail(new ScenarioProblem({ message: "an STT scenario needs request.audio.fixture" }))
  return AudioInput.fromFile(resolveIn(loaded, fixture)).pipe(
    Effect.mapError((e) => new ScenarioProblem({ message: `request.audio.fixture ${JSON.stringify(fixture)}: ${e.message}` }))
  )
}

/** The output format id the pipeline would pass: the vendor's id for a generic name, else as written. */
export const outputFormatOf = (provider: PatchbayProvider, scenario: Scenario): string | undefined => {
  const model = modelOf(provider, scenario)
  const requested = scenario.request.output_format
  if (model === undefined || model.output_formats === undefined) return requested
  return resolveOutputFormat(model, requested)?.id ?? requested
}

/** The scenario's messages as the LLM gets them: an image part's file read next to the cassette. */
const messagesOf = (loaded: LoadedCassette, scenario: Scenario): ReadonlyArray<LlmMessage> =>
  (scenario.request.messages ?? [{ role: "user" as const, content: scenario.request.text ?? "" }]).map((message): LlmMessage => {
    if (message.role !== "user") return message
    const content = message.content
    if (typeof content === "string") return { role: "user", content }
    return {
      role: "user",
      content: content.map((part) =>
        part.type === "text"
          ? part
          : { type: "image" as const, data: new Uint8Array(readFileSync(resolveIn(loaded, part.fixture))), media_type: part.media_type }
      )
    }
  })

const missing = (provider: PatchbayProvider, scenario: Scenario) =>
  new ScenarioProblem({ message: `the provider ${provider.id} declares no ${scenario.capability} capability` })

/** Changes to the spec a scenario gives `validate`: how the battery builds requests that must be refused. */
export interface SpecTweak {
  readonly model?: string | undefined
  readonly provider_options?: Readonly<Record<string, unknown>> | undefined
  readonly audio_size?: number | undefined
  readonly container?: string | undefined
  readonly output_format?: string | undefined
  readonly texts?: ReadonlyArray<string> | undefined
  readonly dimensions?: number | undefined
}

/** The spec `validate` sees for the scenario (for STT with the fixture's size and container). */
export const validateScenario = (
  provider: PatchbayProvider,
  loaded: LoadedCassette,
  scenario: Scenario,
  tweak: SpecTweak = {}
): Effect.Effect<void, ProviderError | ScenarioProblem> =>
  Effect.gen(function*() {
    const r = { ...scenario.request, ...(tweak.model === undefined ? {} : { model: tweak.model }) }
    const options = tweak.provider_options === undefined ? optionsOf(provider, scenario) : tweak.provider_options
    switch (scenario.capability) {
      case "stt": {
        if (provider.stt === undefined) return yield* missing(provider, scenario)
        const audio = yield* audioOf(loaded, scenario)
        const spec: SttSpec = {
          model: r.model,
          language: r.language,
          provider_options: options,
          audio: { size: tweak.audio_size ?? audio.size, container: tweak.container ?? audio.container }
        }
        return yield* provider.stt.validate(spec)
      }
      case "tts": {
        if (provider.tts === undefined) return yield* missing(provider, scenario)
        const spec: TtsSpec = { model: r.model, voice: r.voice ?? "", output_format: tweak.output_format ?? outputFormatOf(provider, scenario), language: r.language, provider_options: options }
        return yield* provider.tts.validate(spec)
      }
      case "llm": {
        if (provider.llm === undefined) return yield* missing(provider, scenario)
        const spec: LlmSpec = { model: r.model, tools: r.tools, provider_options: options }
        return yield* provider.llm.validate(spec)
      }
      case "image": {
        if (provider.image === undefined) return yield* missing(provider, scenario)
        const spec: ImageSpec = { model: r.model, size: r.size, provider_options: options }
        return yield* provider.image.validate(spec)
      }
      case "embedding": {
        if (provider.embedding === undefined) return yield* missing(provider, scenario)
        const spec: EmbeddingSpec = {
          model: r.model,
          texts: tweak.texts ?? r.texts ?? [],
          dimensions: "dimensions" in tweak ? tweak.dimensions : r.dimensions,
          provider_options: options
        }
        return yield* provider.embedding.validate(spec)
      }
    }
  })

/**
 * The provider call of a scenario, as a stream of its outputs: STT deltas and the transcript,
 * TTS chunks and the summary, LLM events, the image result, or the embedding result. `audio` replaces the fixture.
 */
export const outputsOf = (
  provider: PatchbayProvider,
  loaded: LoadedCassette,
  scenario: Scenario,
  overrides: { readonly audio?: AudioInput.AudioInput } = {}
): Stream.Stream<unknown, ProviderError | ScenarioProblem> => {
  const r = scenario.request
  const options = optionsOf(provider, scenario)
  const operation = operationOf(scenario)
  switch (scenario.capability) {
    case "stt": {
      const stt = provider.stt
      if (stt === undefined) return Stream.fail(missing(provider, scenario))
      return Stream.unwrap(Effect.gen(function*() {
        const audio = overrides.audio ?? (yield* audioOf(loaded, scenario))
        const request = { model: r.model, language: r.language, provider_options: options, audio }
        if (operation === "transcribeStream") {
          if (stt.transcribeStream === undefined) {
            return yield* new ScenarioProblem({ message: "the scenario calls transcribeStream, which the provider does not have" })
          }
          return stt.transcribeStream(request) as Stream.Stream<unknown, ProviderError>
        }
        return Stream.fromEffect(stt.transcribe(request)) as Stream.Stream<unknown, ProviderError>
      }))
    }
    case "tts": {
      if (provider.tts === undefined) return Stream.fail(missing(provider, scenario))
      return provider.tts.synthesize({
        model: r.model,
        voice: r.voice ?? "",
        output_format: outputFormatOf(provider, scenario),
        language: r.language,
        provider_options: options,
        text: r.text ?? "",
        previous_text: r.previous_text,
        next_text: r.next_text
      })
    }
    case "llm": {
      if (provider.llm === undefined) return Stream.fail(missing(provider, scenario))
      return provider.llm.stream({ model: r.model, tools: r.tools, provider_options: options, messages: messagesOf(loaded, scenario) })
    }
    case "image": {
      if (provider.image === undefined) return Stream.fail(missing(provider, scenario))
      return Stream.fromEffect(provider.image.generate({ model: r.model, size: r.size, provider_options: options, prompt: r.prompt ?? "" }))
    }
    case "embedding": {
      if (provider.embedding === undefined) return Stream.fail(missing(provider, scenario))
      return Stream.fromEffect(provider.embedding.embed({ model: r.model, texts: r.texts ?? [], dimensions: r.dimensions, provider_options: options }))
    }
  }
}

/** Runs a stream to its end, keeping every output with its arrival time and how it ended. */
export const play = (stream: Stream.Stream<unknown, ProviderError | ScenarioProblem>): Effect.Effect<Played> =>
  Effect.suspend(() => {
    const outputs: Array<Timed> = []
    return Stream.runForEach(stream, (value) => Effect.sync(() => void outputs.push({ value, at: performance.now() }))).pipe(
      Effect.exit,
      Effect.map((exit) => ({ outputs, exit, endedAt: performance.now() }))
    )
  })

/** The typed error a call failed with, a description of a defect, or undefined on success. */
export const failureOf = (
  exit: Exit.Exit<void, ProviderError | ScenarioProblem>
): { readonly _tag: "Typed"; readonly error: ProviderError | ScenarioProblem } | { readonly _tag: "Defect"; readonly message: string } | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const found = Cause.findErrorOption(exit.cause)
  if (found._tag === "Some") return { _tag: "Typed", error: found.value }
  return { _tag: "Defect", message: Cause.pretty(exit.cause).split("\n").slice(0, 3).join(" ") }
}
