import { expect, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { readFileSync } from "node:fs"
import { Audio, MediaStore, Pipeline, type PipelineEvent, QuotaExceeded, ThreadStore } from "../src/index.ts"
import { audioOf, collect, llm, makeScenario, stt, tts, types } from "./support/pipeline.ts"

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/audio/${name}`, import.meta.url)))
const speechMp3 = fixture("speech.mp3")
const expected = JSON.parse(readFileSync(new URL("./fixtures/audio/expected.json", import.meta.url), "utf8")) as Record<
  string,
  { duration_seconds: number }
>

/** Every event carries the run's ids and an increasing seq. */
const checkCommon = (events: ReadonlyArray<PipelineEvent>) => {
  const first = events[0]!
  for (const [i, event] of events.entries()) {
    expect([i, event.seq, event.thread_id, event.run_id]).toEqual([i, i, first.thread_id, first.run_id])
  }
}

const only = <T extends PipelineEvent["type"]>(events: ReadonlyArray<PipelineEvent>, type: T) =>
  events.filter((e): e is Extract<PipelineEvent, { type: T }> => e.type === type)

it.effect("text → text: the reply streams as deltas; run_started first, run_ended last", () => {
  const s = makeScenario({ llm: { reply: "Hello there! How can I help?" } })
  return Effect.gen(function*() {
    const events = yield* collect({ content: "Hi", ...llm })
    checkCommon(events)
    expect(types(events)).toEqual(["run_started", ...Array(6).fill("content_streaming"), "run_ended"])
    expect(only(events, "content_streaming").map((e) => e.content)).toEqual(["Hello", " there!", " How", " can", " I", " help?"])
    expect(only(events, "run_ended")[0]).toMatchObject({ status: "completed", usage: { input_tokens: 10, output_tokens: 6 } })
    expect(s.fakes.llm.log.requests[0]?.messages).toEqual([{ role: "user", content: "Hi" }])
  }).pipe(Effect.provide(s.layer))
})

it.live("audio → text: STT streams deltas that join to the transcript, then the LLM answers it", () => {
  const s = makeScenario({ stt: { transcript: "What is the weather like?", streaming: { deltaInterval: "5 millis" } }, llm: { reply: "Sunny." } })
  return Effect.gen(function*() {
    const events = yield* collect({ voice: { stt: { ...stt, language: "en" } }, ...llm }, { audio: speechMp3 })
    checkCommon(events)
    expect(types(events)).toEqual([
      "run_started",
      "stt_stream_start",
      ...Array(5).fill("stt_text_delta"),
      "stt_stream_end",
      "content_streaming",
      "run_ended"
    ])
    const deltas = only(events, "stt_text_delta").map((e) => e.delta)
    const end = only(events, "stt_stream_end")[0]!
    expect(deltas.join("")).toBe("What is the weather like?")
    expect(end.transcript).toBe("What is the weather like?")
    expect(only(events, "stt_stream_start")[0]).toMatchObject({ provider: "fake", model: "fake-stt" })
    expect(end.record).toMatchObject({
      provider: "fake",
      model: "fake-stt",
      language: "en",
      transcript: "What is the weather like?",
      request_id: "fake_stt_1",
      provider_output: { text: "What is the weather like?" }
    })
    expect(end.record.duration_seconds).toBeCloseTo(expected["speech.mp3"]!.duration_seconds, 2)
    expect(s.fakes.stt.bytesRead()).toBe(speechMp3.byteLength)
    expect(s.fakes.llm.log.requests[0]?.messages.at(-1)).toEqual({ role: "user", content: "What is the weather like?" })
  }).pipe(Effect.provide(s.layer))
})

it.effect("an STT that cannot stream still emits one delta holding the whole transcript", () => {
  const s = makeScenario({ stt: { transcript: "One shot." } })
  return Effect.gen(function*() {
    const events = yield* collect({ voice: { stt }, send_to_llm: false }, { audio: speechMp3 })
    expect(types(events)).toEqual(["run_started", "stt_stream_start", "stt_text_delta", "stt_stream_end", "run_ended"])
    expect(only(events, "stt_text_delta")[0]?.delta).toBe("One shot.")
    expect(s.fakes.llm.log.requests).toEqual([])
  }).pipe(Effect.provide(s.layer))
})

it.effect("text → audio: the reply is spoken sentence by sentence into one stored mp3 of the right duration", () => {
  const reply = "The first sentence is here. The second one follows it closely. And a third."
  const s = makeScenario({ llm: { reply } })
  return Effect.gen(function*() {
    const events = yield* collect({ content: "Talk to me", ...llm, voice: { tts } })
    checkCommon(events)
    const kinds = types(events)
    expect(kinds[0]).toBe("run_started")
    expect(kinds.at(-1)).toBe("run_ended")
    expect(kinds.filter((k) => k === "tts_stream_start")).toHaveLength(1)
    expect(kinds.filter((k) => k === "tts_stream_end")).toHaveLength(1)
    expect(kinds.indexOf("tts_stream_start")).toBeLessThan(kinds.indexOf("tts_audio_chunk"))
    expect(kinds.lastIndexOf("tts_audio_chunk")).toBeLessThan(kinds.indexOf("tts_stream_end"))
    expect(only(events, "tts_audio_chunk").map((e) => e.index)).toEqual(only(events, "tts_audio_chunk").map((_, i) => i))
    // a short first chunk to start speaking early; later sentences merged up to the minimum length
    expect(s.fakes.tts.log.requests.map((r) => r.text)).toEqual([
      "The first sentence is here.",
      "The second one follows it closely. And a third."
    ])

    const start = only(events, "tts_stream_start")[0]!
    expect(start).toMatchObject({ provider: "fake", model: "fake-tts", voice: "ada", output_format: "mp3_24000" })
    const end = only(events, "tts_stream_end")[0]!
    const media = yield* MediaStore
    const stored = yield* media.get(end.document_id)
    expect(stored.media_type).toBe("audio/mpeg")
    expect(stored.bytes).toEqual(audioOf(events))
    const info = yield* Audio.probe(stored.bytes)
    expect(info.container).toBe("mp3")
    expect(Math.abs(info.duration_seconds - end.duration_seconds!)).toBeLessThan(0.05)
    // Each request spoke 0.06 s per character; the joined file holds all of them.
    const spoken = s.fakes.tts.log.requests.reduce((n, r) => n + Math.max(0.2, r.text.length * 0.06), 0)
    expect(Math.abs(end.duration_seconds! - spoken)).toBeLessThan(0.05 * s.fakes.tts.log.requests.length)
    expect(end.record).toMatchObject({
      provider: "fake",
      model: "fake-tts",
      voice: "ada",
      output_format: "mp3_24000",
      audio_url: end.audio_url,
      document_id: end.document_id,
      characters: s.fakes.tts.log.requests.reduce((n, r) => n + r.text.length, 0)
    })
    expect(end.audio_url).toMatch(new RegExp(`^/media/${end.document_id}\\?exp=\\d+&sig=[A-Za-z0-9_-]+$`))
    expect(yield* media.verify(end.audio_url)).toBe(end.document_id)
  }).pipe(Effect.provide(s.layer))
})

it.effect("audio → audio with mixed vendors: STT by one, LLM and TTS by another, in order", () => {
  const s = makeScenario({ otherStt: { transcript: "Tell me a joke." }, llm: { reply: "Why not? Here it comes." } })
  return Effect.gen(function*() {
    const events = yield* collect({
      voice: { stt: { provider: "other", model: "fake-stt" }, tts: { ...tts, output_format: "wav" } },
      ...llm
    }, { audio: speechMp3 })
    checkCommon(events)
    const kinds = types(events)
    expect(kinds.slice(0, 5)).toEqual(["run_started", "stt_stream_start", "stt_text_delta", "stt_stream_end", "content_streaming"])
    expect(kinds.at(-2)).toBe("tts_stream_end")
    expect(kinds.at(-1)).toBe("run_ended")
    expect(only(events, "stt_stream_start")[0]).toMatchObject({ provider: "other" })
    expect(only(events, "tts_stream_start")[0]).toMatchObject({ provider: "fake", output_format: "wav_16000" })
    expect(s.fakes.otherStt.log.requests).toHaveLength(1)
    expect(s.fakes.stt.log.requests).toHaveLength(0)
    const end = only(events, "tts_stream_end")[0]!
    const stored = yield* (yield* MediaStore).get(end.document_id)
    const info = yield* Audio.probe(stored.bytes)
    expect(info.container).toBe("wav")
    expect(info.duration_seconds).toBeCloseTo(end.duration_seconds!, 3)
    // The streamed bytes are the stored file but for the patched RIFF sizes.
    const streamed = audioOf(events)
    expect(streamed.byteLength).toBe(stored.bytes.byteLength)
    expect(streamed.subarray(44)).toEqual(stored.bytes.subarray(44))
  }).pipe(Effect.provide(s.layer))
})

it.effect("audio → transcript only: send_to_llm false skips the LLM; the records sit on the user's message", () => {
  const s = makeScenario({ stt: { transcript: "Just transcribe me." } })
  return Effect.gen(function*() {
    const response = yield* Pipeline.addMessageResponse({ voice: { stt }, send_to_llm: "false" }, { audio: speechMp3 })
    expect(s.fakes.llm.log.requests).toEqual([])
    expect(response.content).toBe("Just transcribe me.")
    expect(response.status).toBe("completed")
    expect(response.messages).toHaveLength(1)
    expect(response.messages[0]).toMatchObject({ role: "user", content: "Just transcribe me.", message_id: response.message_id })
    expect(response.messages[0]?.voice_records?.stt?.transcript).toBe("Just transcribe me.")
    expect(response.model_provider).toBeUndefined()
  }).pipe(Effect.provide(s.layer))
})

it.effect("send_to_llm false with voice.tts speaks the user's own text", () => {
  const s = makeScenario()
  return Effect.gen(function*() {
    const response = yield* Pipeline.addMessageResponse({ content: "Read this aloud.", voice: { tts }, send_to_llm: false })
    expect(s.fakes.llm.log.requests).toEqual([])
    expect(s.fakes.tts.log.requests.map((r) => r.text)).toEqual(["Read this aloud."])
    expect(response.messages[0]?.voice_records?.tts?.characters).toBe(16)
    expect(response.attachments.map((a) => a.media_type)).toEqual(["audio/mpeg"])
  }).pipe(Effect.provide(s.layer))
})

it.effect("the non-streaming response is the fold of the stream", () => {
  const s = makeScenario({ stt: { transcript: "Hello." }, llm: { reply: "Hi! Nice to meet you." } })
  return Effect.gen(function*() {
    const prepared = yield* Pipeline.prepare({ content: "Note:", voice: { stt, tts }, ...llm }, { audio: speechMp3 })
    const events = [...(yield* Stream.runCollect(Pipeline.execute(prepared)))]
    const response = Pipeline.fold(prepared, events)
    const stt_ = only(events, "stt_stream_end")[0]!.record
    const tts_ = only(events, "tts_stream_end")[0]!
    expect(response).toEqual({
      content: "Hi! Nice to meet you.",
      thread_id: prepared.thread.thread_id,
      run_id: prepared.run_id,
      message_id: prepared.assistant_message_id,
      assistant_id: "asst_default",
      status: "completed",
      model_provider: "fake",
      model_name: "fake-llm",
      usage: only(events, "run_ended")[0]!.usage,
      input_tokens: 10,
      output_tokens: 5,
      attachments: [{ url: tts_.audio_url, document_id: tts_.document_id, media_type: "audio/mpeg" }],
      retrieved_memories: [],
      memory_operation_id: null,
      warnings: [],
      messages: [
        { message_id: prepared.user_message_id, role: "user", content: "Note:\n\nHello.", status: "completed" },
        {
          message_id: prepared.assistant_message_id,
          role: "assistant",
          content: "Hi! Nice to meet you.",
          voice_records: { stt: stt_, tts: tts_.record },
          attachments: [{ url: tts_.audio_url, document_id: tts_.document_id, media_type: "audio/mpeg" }],
          status: "completed"
        }
      ]
    })
    // content and audio together: the user message is the content, then the transcript.
    expect(s.fakes.llm.log.requests[0]?.messages.at(-1)).toEqual({ role: "user", content: "Note:\n\nHello." })
  }).pipe(Effect.provide(s.layer))
})

it.effect("threads: no thread_id creates one; a message continues its thread's history", () => {
  const s = makeScenario({ llm: { reply: (request) => `You said ${request.messages.length} things.` } })
  return Effect.gen(function*() {
    const first = yield* Pipeline.addMessageResponse({ content: "One", ...llm, system_prompt: "Be brief." })
    const second = yield* Pipeline.addMessageResponse({ thread_id: first.thread_id, content: "Two", ...llm })
    expect(second.thread_id).toBe(first.thread_id)
    expect(s.fakes.llm.log.requests[0]?.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "One" }
    ])
    // the per-request system prompt applied to that request only
    expect(s.fakes.llm.log.requests[1]?.messages).toEqual([
      { role: "user", content: "One" },
      { role: "assistant", content: "You said 2 things." },
      { role: "user", content: "Two" }
    ])
    const stored = yield* (yield* ThreadStore).messages(first.thread_id)
    expect(stored.map((m) => [m.role, m.content, m.status])).toEqual([
      ["user", "One", "completed"],
      ["assistant", "You said 2 things.", "completed"],
      ["user", "Two", "completed"],
      ["assistant", "You said 3 things.", "completed"]
    ])
  }).pipe(Effect.provide(s.layer))
})

it.effect("a thread's defaults (system prompt, LLM) apply when the request names none", () => {
  const s = makeScenario()
  return Effect.gen(function*() {
    const thread = yield* Pipeline.createThread({ system_prompt: "Thread prompt", llm_provider: "other", model_name: "fake-llm" })
    const response = yield* Pipeline.addMessageResponse({ thread_id: thread.thread_id, content: "Hi" })
    expect(response.model_provider).toBe("other")
    expect(s.fakes.otherLlm.log.requests[0]?.messages[0]).toEqual({ role: "system", content: "Thread prompt" })
    expect(s.fakes.llm.log.requests).toEqual([])
  }).pipe(Effect.provide(s.layer))
})

it.effect("request rules are enforced before any provider is called", () => {
  const s = makeScenario()
  return Effect.gen(function*() {
    const fail = (request: unknown, audio?: Uint8Array) =>
      Effect.flip(Pipeline.addMessageResponse(request, audio === undefined ? {} : { audio }))
    expect(yield* fail({ ...llm })).toMatchObject({ _tag: "InvalidRequest", field: "content" })
    expect(yield* fail({ ...llm }, speechMp3)).toMatchObject({ _tag: "InvalidRequest", field: "voice.stt" })
    expect(yield* fail({ ...llm, content: "x", voice: { stt } })).toMatchObject({ _tag: "InvalidRequest", field: "audio_file" })
    expect(yield* fail({ content: "x" })).toMatchObject({ _tag: "InvalidRequest", field: "llm_provider" })
    expect(yield* fail({ ...llm, content: "x", image_generation: "sometimes" })).toMatchObject({ _tag: "InvalidRequest", field: "image_generation" })
    expect(yield* fail({ ...llm, content: "x", image_generation: "auto" })).toMatchObject({ _tag: "InvalidRequest", field: "image_model_provider" })
    expect(yield* fail({ ...llm, content: "x", thread_id: "thr_missing" })).toMatchObject({ _tag: "NotFound", kind: "thread", id: "thr_missing" })
    expect(yield* fail({ ...llm, content: "x", voice: { tts: { ...tts, voice: "nobody" } } })).toMatchObject({
      _tag: "InvalidRequest",
      field: "voice.tts.voice",
      allowed: ["ada", "grace"]
    })
    expect(yield* fail({ ...llm, content: "x", voice: { tts: { ...tts, output_format: "flac" } } })).toMatchObject({
      _tag: "UnsupportedFormat",
      field: "voice.tts.output_format"
    })
    expect(yield* fail({ ...llm, voice: { stt: { ...stt, language: "english" } } }, speechMp3)).toMatchObject({
      _tag: "InvalidRequest",
      field: "voice.stt.language"
    })
    expect(yield* fail({ ...llm, voice: { stt } }, new Uint8Array(64).fill(7))).toMatchObject({
      _tag: "UnsupportedFormat",
      field: "audio_file",
      format: "unrecognized audio"
    })
    expect(yield* fail({ ...llm, content: "x", voice: { stt: { provider: "nope", model: "m" } } }, speechMp3)).toMatchObject({
      _tag: "UnknownProvider",
      registered: ["fake", "other"]
    })
    // a failing request creates no thread
    expect(s.vendorCalls()).toBe(0)
  }).pipe(Effect.provide(s.layer))
})

it.effect("provider options reach the serving vendor under its own key only", () => {
  const s = makeScenario({ stt: { transcript: "Hi." } })
  return Effect.gen(function*() {
    const response = yield* Pipeline.addMessageResponse({
      ...llm,
      voice: {
        stt: { ...stt, provider_options: { fake: { diarize: true }, other: { x: 1 } } },
        tts: { ...tts, provider_options: { fake: { speed: 1.2 } } }
      },
      provider_options: { fake: { temperature: 0.1 } }
    }, { audio: speechMp3 })
    expect(s.fakes.stt.log.requests[0]?.provider_options).toEqual({ diarize: true })
    expect(s.fakes.tts.log.requests[0]?.provider_options).toEqual({ speed: 1.2 })
    expect(s.fakes.llm.log.requests[0]?.provider_options).toEqual({ temperature: 0.1 })
    expect(response.messages.at(-1)?.voice_records?.stt?.warnings).toEqual([
      "voice.stt.provider_options.other is ignored: the stage is served by fake"
    ])
  }).pipe(Effect.provide(s.layer))
})

it.effect("audio of unknown length is streamed, counted against the limit, and refused once past it", () => {
  const s = makeScenario()
  return Effect.gen(function*() {
    // 26,214,400 bytes is the fake's limit; send 27 MB of mp3 frames from a stream.
    const frame = speechMp3.subarray(0, 4096)
    let sent = 0
    const source = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        if (sent >= 27_000_000) return controller.close()
        sent += frame.byteLength
        controller.enqueue(frame)
      }
    })
    const error = yield* Effect.flip(Pipeline.addMessageResponse({ voice: { stt }, send_to_llm: false }, { audio: source }))
    expect(error).toMatchObject({ _tag: "InputTooLarge", limit: 26_214_400, field: "audio_file", provider: "fake" })
    expect(error._tag === "InputTooLarge" && error.size).toBeGreaterThan(26_214_400)
    expect(error._tag === "InputTooLarge" && error.size).toBeLessThanOrEqual(26_214_400 + 4096)
  }).pipe(Effect.provide(s.layer))
})

it.effect("cancel(run_id) aborts the in-flight vendor calls and ends the run as cancelled, keeping partial text", () => {
  const s = makeScenario({
    llm: { reply: "One two three four five six seven eight.", firstToken: "100 millis", tokensPerSecond: 10 },
    tts: { firstByte: "5 seconds" }
  })
  return Effect.gen(function*() {
    const prepared = yield* Pipeline.prepare({ content: "Count", ...llm, voice: { tts } })
    const fiber = yield* Effect.forkChild(Stream.runCollect(Pipeline.execute(prepared)))
    for (let ms = 0; ms < 350; ms += 10) yield* TestClock.adjust("10 millis")
    yield* Pipeline.cancel(prepared.run_id)
    yield* TestClock.adjust("10 millis")
    const events = [...(yield* Fiber.join(fiber))]
    expect(types(events).at(-1)).toBe("run_ended")
    expect(only(events, "run_ended")[0]?.status).toBe("cancelled")
    const partial = only(events, "content_streaming").map((e) => e.content).join("")
    expect(partial).toBe("One two three")
    expect(s.fakes.llm.log.outcomes).toEqual(["interrupted"])
    expect(s.fakes.tts.log.outcomes.every((o) => o === "interrupted")).toBe(true)
    const stored = yield* (yield* ThreadStore).messages(prepared.thread.thread_id)
    expect(stored.map((m) => [m.role, m.content, m.status])).toEqual([
      ["user", "Count", "completed"],
      ["assistant", "One two three", "cancelled"]
    ])
    expect(yield* Effect.flip(Pipeline.cancel(prepared.run_id))).toMatchObject({ _tag: "NotFound", kind: "run" })
  }).pipe(Effect.provide(s.layer))
})

it.effect("interrupting the stream stops the run and every vendor call in it", () => {
  const s = makeScenario({ stt: { latency: "10 seconds" } })
  return Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(collect({ voice: { stt }, ...llm }, { audio: speechMp3 }))
    yield* TestClock.adjust("1 second")
    yield* Fiber.interrupt(fiber)
    expect(s.fakes.stt.log.outcomes).toEqual(["interrupted"])
    expect(s.fakes.llm.log.requests).toEqual([])
  }).pipe(Effect.provide(s.layer))
})

it.effect("a failure after the start emits error then run_ended failed, then fails with the tagged error", () => {
  const s = makeScenario({ llm: { failures: [new QuotaExceeded({ provider: "fake", status: 429 })] } })
  return Effect.gen(function*() {
    const events: Array<PipelineEvent> = []
    const error = yield* Effect.flip(
      Stream.runForEach(Pipeline.addMessage({ content: "Hi", ...llm }), (event) => Effect.sync(() => void events.push(event)))
    )
    expect(error).toMatchObject({ _tag: "QuotaExceeded", provider: "fake", status: 429 })
    expect(types(events)).toEqual(["run_started", "error", "run_ended"])
    expect(events[1]).toMatchObject({
      code: "QuotaExceeded",
      message: "Quota exceeded (fake): add credit or raise the plan's limit",
      retryable: false
    })
    expect(events[2]).toMatchObject({ status: "failed" })
    const stored = yield* (yield* ThreadStore).messages(events[0]!.thread_id)
    expect(stored.map((m) => [m.role, m.status])).toEqual([["user", "completed"], ["assistant", "failed"]])
  }).pipe(Effect.provide(s.layer))
})
