/**
 * Core's own share of each hand-over of a spoken turn: from the run's start to the STT call,
 * from the transcript's return to the LLM call, from the boundary token to the TTS call, from
 * the first audio bytes to the `tts_audio_chunk` the caller sees. Vendors are core's fakes,
 * wrapped to note when they are called and when they answer, so what is measured is the
 * pipeline's CPU time between them. A diagnostic for `first-audio`, not one of `pnpm bench`'s
 * figures.
 *
 * Each vendor waits 20 ms before its first answer, as a real one would, so work the pipeline
 * does beside a request has room.
 *
 * Run: `node bench/handovers.ts [runs]` (default 200). `LAYER=once` builds the layer once, as a
 * server (or `createPatchbay`) does, instead of on every turn; `WARM=n` sets how many turns warm
 * the JIT up first (default 20; `WARM=1` is close to `first-audio`'s few turns); `NO_TIMEOUTS=1`
 * runs without stage timeouts; `TRACE_OUT=file` writes each turn's marks for a CPU profile.
 */
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { defaultSettings, MediaStore, Pipeline, PipelineSettings, ProviderRegistry, Stores } from "../packages/core/src/index.ts"
import { FakeLlm, fakeProvider, FakeStt, FakeTts, silentMp3 } from "../packages/core/src/testing/index.ts"

const runs = Number(process.argv[2] ?? 200)
let t0 = 0
let marks: Record<string, number> = {}
const mark = (name: string) => {
  if (marks[name] === undefined) marks[name] = performance.now() - t0
}

const fakeStt = FakeStt({ transcript: "How do I get to the station?", consumeAudio: false, latency: "20 millis" })
const fakeLlm = FakeLlm({ reply: "Sure. The quickest way to the station is to walk north along the river.", firstToken: "20 millis", tokensPerSecond: 200 })
const fakeTts = FakeTts({ chunks: 3, firstByte: "20 millis", chunkInterval: "5 millis" })
const provider = fakeProvider({
  id: "fake",
  stt: {
    ...fakeStt,
    transcribe: (request) =>
      Effect.suspend(() => (mark("stt.called"), fakeStt.transcribe(request))).pipe(Effect.tap(() => Effect.sync(() => mark("stt.answered"))))
  },
  llm: {
    ...fakeLlm,
    stream: (request) =>
      Stream.suspend(() => (mark("llm.called"), fakeLlm.stream(request))).pipe(
        // one token per chunk, as a vendor streams them
        Stream.rechunk(1),
        Stream.tap((event) => Effect.sync(() => event.type === "text_delta" && event.delta === " The" && mark("llm.boundary")))
      )
  },
  tts: {
    ...fakeTts,
    synthesize: (request) =>
      Stream.suspend(() => (mark("tts.called"), fakeTts.synthesize(request))).pipe(
        Stream.rechunk(1),
        Stream.tap((chunk) => Effect.sync(() => chunk.type === "audio" && mark("tts.bytes")))
      )
  }
})
const layer = Layer.mergeAll(
  ProviderRegistry.layer([provider]),
  MediaStore.layerMemory({ secret: "bench-secret-not-for-production" }),
  Stores.layerMemory,
  Pipeline.Runs.layer
)
const audio = silentMp3({ seconds: 3, sampleRate: 16000, bitrateKbps: 32 })
const request = {
  voice: { stt: { provider: "fake", model: "fake-stt" }, tts: { provider: "fake", model: "fake-tts", voice: "ada" } },
  llm_provider: "fake",
  model_name: "fake-llm"
}
const turn = Pipeline.addMessage(request, { audio }).pipe(
  Stream.runForEach((event) =>
    Effect.sync(() => {
      if (event.type === "run_started") mark("event.run_started")
      if (event.type === "stt_stream_end") mark("event.stt_stream_end")
      if (event.type === "tts_audio_chunk") mark("event.tts_audio_chunk")
    })
  )
)
// NO_TIMEOUTS=1: no stage timeouts (an experiment: what the idle timeouts cost)
const settingsLayer = process.env.NO_TIMEOUTS === "1"
  ? Layer.succeed(PipelineSettings, { ...defaultSettings, timeouts: { stt: Infinity, llm: Infinity, tts: Infinity, image: Infinity } })
  : Layer.empty
const runtime = ManagedRuntime.make(Layer.merge(layer, settingsLayer))
const once = process.env.LAYER === "once"
const all: Array<Record<string, number>> = []
/** Each turn's start on the monotonic clock of CPU profiles (µs), to place a profile's samples. */
const starts: Array<number> = []
const warm = Number(process.env.WARM ?? 20)
for (let i = 0; i < runs + warm; i++) {
  marks = {}
  t0 = performance.now()
  if (i >= warm) starts.push(Number(process.hrtime.bigint() / 1000n))
  await (once ? runtime.runPromise(turn) : Effect.runPromise(Effect.provide(turn, Layer.merge(layer, settingsLayer))))
  if (i >= warm) all.push(marks) // after the JIT has warmed up
}
await runtime.dispose()
if (process.env.TRACE_OUT !== undefined) {
  const { writeFileSync } = await import("node:fs")
  writeFileSync(process.env.TRACE_OUT, JSON.stringify(all.map((marks, i) => ({ marks, startedUs: starts[i] }))))
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const step = (from: string | undefined, to: string) => median(all.map((m) => m[to]! - (from === undefined ? 0 : m[from]!)))
const rows: Array<[string, number]> = [
  ["run start → STT called", step(undefined, "stt.called")],
  ["STT answered → LLM called", step("stt.answered", "llm.called")],
  ["STT answered → stt_stream_end seen", step("stt.answered", "event.stt_stream_end")],
  ["boundary token → TTS called", step("llm.boundary", "tts.called")],
  ["TTS first bytes → tts_audio_chunk seen", step("tts.bytes", "event.tts_audio_chunk")]
]
console.log(`core's share of each hand-over, median of ${runs} turns (layer ${once ? "built once" : "built per turn"}):`)
for (const [what, ms] of rows) console.log(`${ms.toFixed(3).padStart(8)} ms  ${what}`)
