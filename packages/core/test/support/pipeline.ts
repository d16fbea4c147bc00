/**
 * A pipeline over fake providers, for tests: two vendors ("fake" and "other") so requests can
 * mix them, a memory media store with a known secret, a memory thread store.
 */
import { Effect, Layer, Stream } from "effect"
import { MediaStore, Pipeline, type PipelineEvent, ProviderRegistry, Stores } from "../../src/index.ts"
import {
  FakeImage,
  type FakeImageOptions,
  FakeLlm,
  type FakeLlmOptions,
  fakeProvider,
  FakeStt,
  type FakeSttOptions,
  FakeTts,
  type FakeTtsOptions
} from "../../src/testing/index.ts"

export interface Scenario {
  readonly stt?: FakeSttOptions
  readonly tts?: FakeTtsOptions
  readonly llm?: FakeLlmOptions
  readonly image?: FakeImageOptions
  readonly otherStt?: FakeSttOptions
  readonly otherTts?: FakeTtsOptions
  readonly otherLlm?: FakeLlmOptions
}

export const makeScenario = (scenario: Scenario = {}) => {
  const fakes = {
    stt: FakeStt(scenario.stt),
    tts: FakeTts(scenario.tts),
    llm: FakeLlm(scenario.llm),
    image: FakeImage(scenario.image),
    otherStt: FakeStt(scenario.otherStt),
    otherTts: FakeTts(scenario.otherTts),
    otherLlm: FakeLlm(scenario.otherLlm)
  }
  const fake = fakeProvider({ id: "fake", stt: fakes.stt, tts: fakes.tts, llm: fakes.llm, image: fakes.image })
  const other = fakeProvider({ id: "other", stt: fakes.otherStt, tts: fakes.otherTts, llm: fakes.otherLlm })
  const layer = Layer.mergeAll(
    ProviderRegistry.layer([fake, other]),
    MediaStore.layerMemory({ secret: "pipeline-test-secret" }),
    Stores.layerMemory,
    Pipeline.Runs.layer
  )
  const vendorCalls = () =>
    fakes.stt.log.requests.length + fakes.tts.log.requests.length + fakes.llm.log.requests.length +
    fakes.image.log.requests.length + fakes.otherStt.log.requests.length + fakes.otherTts.log.requests.length +
    fakes.otherLlm.log.requests.length
  return { fakes, layer, vendorCalls }
}

/** The LLM of the fake vendor, as a request names it. */
export const llm = { llm_provider: "fake", model_name: "fake-llm" } as const
export const stt = { provider: "fake", model: "fake-stt" } as const
export const tts = { provider: "fake", model: "fake-tts", voice: "ada" } as const

/** Runs a message as a stream and collects its events. */
export const collect = (request: unknown, options: Pipeline.AddMessageOptions = {}) =>
  Stream.runCollect(Pipeline.addMessage(request, options)).pipe(Effect.map((events) => [...events]))

export const types = (events: ReadonlyArray<PipelineEvent>) => events.map((e) => e.type)

/** Joins the base64 audio chunks of a run. */
export const audioOf = (events: ReadonlyArray<PipelineEvent>): Uint8Array =>
  new Uint8Array(Buffer.concat(events.flatMap((e) => (e.type === "tts_audio_chunk" ? [Buffer.from(e.data, "base64")] : []))))
