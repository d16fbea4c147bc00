import { expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { readFileSync } from "node:fs"
import { type LlmEvent, MediaStore, type PipelineEvent, ProviderRegistry, Run, Stages } from "../src/index.ts"
import { FakeImage, FakeLlm, fakeProvider, FakeStt, FakeTts } from "../src/testing/index.ts"

const speechMp3 = new Uint8Array(readFileSync(new URL("./fixtures/audio/speech.mp3", import.meta.url)))

it.effect("a user-built flow: STT → a translating LLM → TTS, with the same events and records", () => {
  const stt = FakeStt({ transcript: "Good morning, everyone." })
  const llm = FakeLlm({ reply: (request) => `Bonjour à tous (${String(request.messages[0]?.content).slice(0, 9)}).` })
  const tts = FakeTts()
  const layer = Layer.mergeAll(
    ProviderRegistry.layer([fakeProvider({ id: "fake", stt, llm, tts })]),
    MediaStore.layerMemory({ secret: "stages-test-secret" })
  )
  return Effect.gen(function*() {
    const flow = Effect.gen(function*() {
      const heard = yield* Stages.transcribe({ stt: { provider: "fake", model: "fake-stt", language: "en" }, audio: speechMp3 })
      const translated = yield* Stages.respond({
        llm: { provider: "fake", model: "fake-llm" },
        messages: [{ role: "system", content: "Translate to French." }, { role: "user", content: heard.transcript }]
      })
      const spoken = yield* Stages.speak({
        tts: { provider: "fake", model: "fake-tts", voice: "grace", language: "fr" },
        text: translated.content
      })
      return { heard, translated, spoken }
    })
    const events = [...(yield* Stream.runCollect(Run.toStream({ thread_id: "thr_mine", run_id: "run_mine" }, flow)))]
    expect(events.map((e) => e.type)).toEqual([
      "stt_stream_start",
      "stt_text_delta",
      "stt_stream_end",
      "content_streaming",
      "content_streaming",
      "content_streaming",
      "content_streaming",
      "tts_stream_start",
      "tts_audio_chunk",
      "tts_audio_chunk",
      "tts_audio_chunk",
      "tts_stream_end"
    ])
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i))
    expect(events.every((e) => e.thread_id === "thr_mine" && e.run_id === "run_mine")).toBe(true)
    expect(tts.log.requests.map((r) => [r.text, r.voice, r.language])).toEqual([["Bonjour à tous (Translate).", "grace", "fr"]])
    const end = events.at(-1)
    expect(end?.type === "tts_stream_end" && end.record.characters).toBe(27)
  }).pipe(Effect.provide(layer))
})

it.effect("a stage on its own validates like addMessage does", () => {
  const tts = FakeTts()
  const layer = Layer.mergeAll(ProviderRegistry.layer([fakeProvider({ id: "fake", tts })]), MediaStore.layerMemory({ secret: "s3cr3t-for-tests" }))
  return Effect.gen(function*() {
    const error = yield* Effect.flip(
      Stream.runDrain(Run.toStream({ thread_id: "t", run_id: "r" }, Stages.speak({ tts: { provider: "fake", model: "fake-tts", voice: "zed" }, text: "Hi" })))
    )
    expect(error).toMatchObject({ _tag: "InvalidRequest", field: "tts.voice", value: "zed" })
    expect(tts.log.requests).toEqual([])
  }).pipe(Effect.provide(layer))
})

it.effect("Stages.speak takes a stream of text and speaks it as it arrives", () => {
  const tts = FakeTts()
  const layer = Layer.mergeAll(ProviderRegistry.layer([fakeProvider({ id: "fake", tts })]), MediaStore.layerMemory({ secret: "s3cr3t-for-tests" }))
  return Effect.gen(function*() {
    const text = Stream.fromIterable(["It is ", "ten o'clock. ", "Time for ", "tea, I think."])
    const record = yield* Run.toStream({ thread_id: "t", run_id: "r" }, Stages.speak({ tts: { provider: "fake", model: "fake-tts", voice: "ada", output_format: "pcm" }, text })).pipe(
      Stream.runLast,
      Effect.map((last) => (last._tag === "Some" && last.value.type === "tts_stream_end" ? last.value.record : undefined))
    )
    expect(tts.log.requests.map((r) => r.text)).toEqual(["It is ten o'clock.", "Time for tea, I think."])
    expect(tts.log.requests.map((r) => r.output_format)).toEqual(["pcm_16000", "pcm_16000"])
    expect(record?.output_format).toBe("pcm_16000")
    // pcm joins as it is: the duration is the bytes over the rate
    const spoken = tts.log.requests.reduce((n, r) => n + Math.max(0.2, r.text.length * 0.06), 0)
    expect(record?.duration_seconds).toBeCloseTo(spoken, 3)
  }).pipe(Effect.provide(layer))
})

it.effect("a user-built flow gets the tool loop: Stages.respond runs the image tool itself and pauses for the caller's tools", () => {
  const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object" } } } as const
  const call = (id: string, name: string, args: string): LlmEvent => ({ type: "tool_call", tool_call: { id, type: "function", function: { name, arguments: args } } })
  // draws first, then asks for the weather, then answers with both results in hand
  const llm = FakeLlm({
    reply: (request) => {
      const results = request.messages.filter((m) => m.role === "tool").length
      return results === 0 ? [call("c1", "generate_image", "{\"prompt\":\"a lighthouse\"}")] : results === 1 ? [call("c2", "get_weather", "{}")] : "Sunny, and here it is."
    }
  })
  const image = FakeImage()
  const layer = Layer.mergeAll(
    ProviderRegistry.layer([fakeProvider({ id: "fake", llm, image })]),
    MediaStore.layerMemory({ secret: "stages-tools-secret" })
  )
  return Effect.gen(function*() {
    const asked = { llm: { provider: "fake", model: "fake-llm" }, image: { provider: "fake", model: "fake-image" }, tools: [weather], thread_id: "thr_mine" }
    const events: Array<PipelineEvent> = []
    yield* Stream.runForEach(
      Run.toStream({ thread_id: "thr_mine", run_id: "run_mine" }, Stages.respond({ ...asked, messages: [{ role: "user", content: "Weather, and a picture?" }] })),
      (e) => Effect.sync(() => void events.push(e))
    )
    expect(events.map((e) => e.type)).toEqual(["tool_call", "media_generated", "tool_call", "tool_submit_required"])
    expect(image.log.requests.map((r) => r.prompt)).toEqual(["a lighthouse"])
    expect(llm.log.requests[0]?.tools?.map((t) => t.function.name)).toEqual(["get_weather", "generate_image"])

    const flow = Effect.gen(function*() {
      const paused = yield* Stages.respond({ ...asked, messages: [{ role: "user", content: "Weather, and a picture?" }] })
      expect(paused.status).toBe("requires_action")
      expect(paused.pending.map((c) => c.id)).toEqual(["c2"])
      expect(paused.media).toHaveLength(1)
      expect(paused.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"])
      const done = yield* Stages.respond({ ...asked, messages: [...paused.messages, { role: "tool", tool_call_id: "c2", content: "sunny" }] })
      expect(done).toMatchObject({ status: "completed", content: "Sunny, and here it is.", pending: [], provider: "fake", model: "fake-llm" })
    })
    yield* Stream.runDrain(Run.toStream({ thread_id: "thr_mine", run_id: "run_2" }, flow))
  }).pipe(Effect.provide(layer))
})
