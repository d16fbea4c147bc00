/**
 * `Stages.listen` over the fake realtime vendor, fed with the real espeak-ng recording of the
 * audio fixtures (16 kHz PCM and 8 kHz mu-law): the events and their order, partials while the
 * audio is still being sent, commits by silence and by `Commit`, the record, vendor errors as
 * `error` events, and a session closed by interruption.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Fiber, Queue, Stream } from "effect"
import { TestClock } from "effect/testing"
import { readFileSync } from "node:fs"
import {
  AuthenticationFailed,
  Commit,
  InvalidRequest,
  type PipelineEvent,
  ProviderRegistry,
  ProviderUnavailable,
  QuotaExceeded,
  RateLimited,
  type RealtimeSttInput,
  Run,
  Stages
} from "../src/index.ts"
import { fakeProvider, FakeRealtimeStt, type FakeRealtimeSttOptions, fixtureSentence } from "../src/testing/index.ts"

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/audio/${name}`, import.meta.url)))
/** The recording as 16-bit PCM at 16 kHz, 82132 bytes (2.566625 s). */
const speechPcm = fixture("speech.pcm")
/** The recording as G.711 mu-law at 8 kHz, 20533 bytes (2.566625 s). */
const speechUlaw = fixture("speech.ulaw")

/** Cuts audio into chunks of `size` bytes, as a microphone delivers it. */
const chunks = (bytes: Uint8Array, size: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let at = 0; at < bytes.byteLength; at += size) out.push(bytes.subarray(at, at + size))
  return out
}
/** Half a second of digital silence at 16 kHz. */
const silence = new Uint8Array(16000)

const stt = { provider: "fake", model: "fake-realtime", language: "en" } as const

const setup = (options: FakeRealtimeSttOptions = {}) => {
  const fake = FakeRealtimeStt(options)
  return { fake, layer: ProviderRegistry.layer([fakeProvider({ id: "fake", stt: fake })]) }
}

const listen = <E>(input: Omit<Parameters<typeof Stages.listen>[0], "audio"> & { readonly audio: Stream.Stream<RealtimeSttInput, E> }) =>
  Run.toStream({ thread_id: "thr_1", run_id: "run_1" }, Stages.listen(input))

const collect = <E, R>(events: Stream.Stream<PipelineEvent, E, R>) => Effect.map(Stream.runCollect(events), (all) => [...all])

/** The words of the sentence, growing one a partial. */
const growing = (sentence: string, count: number) => {
  const words = sentence.split(" ")
  return Array.from({ length: count }, (_, i) => words.slice(0, Math.min(i + 1, words.length)).join(" "))
}

describe("Stages.listen", () => {
  it.effect("streams partials, the committed utterance and the record of the recording", () => {
    const { fake, layer } = setup()
    return Effect.gen(function*() {
      const events = yield* collect(listen({ stt, audio_format: "pcm_16000", audio: Stream.fromIterable(chunks(speechPcm, 3200)) }))
      // 25315 samples of the recording are louder than the silence threshold: 50630 bytes, 10 partials of 4800
      expect(events.map((e) => e.type)).toEqual(["stt_stream_start", ...Array(10).fill("stt_partial"), "stt_committed", "stt_stream_end"])
      expect(events.filter((e) => e.type === "stt_partial").map((e) => e.text)).toEqual(growing(fixtureSentence, 10))
      expect(events[0]).toEqual({ type: "stt_stream_start", provider: "fake", model: "fake-realtime", thread_id: "thr_1", run_id: "run_1", seq: 0 })
      expect(events[11]).toEqual({ type: "stt_committed", text: fixtureSentence, thread_id: "thr_1", run_id: "run_1", seq: 11 })
      const end = events.at(-1)
      expect(end?.type === "stt_stream_end" ? end : undefined).toEqual({
        type: "stt_stream_end",
        transcript: fixtureSentence,
        record: {
          provider: "fake",
          model: "fake-realtime",
          language: "en",
          transcript: fixtureSentence,
          duration_seconds: 2.566625,
          request_id: "fake_rt_1",
          usage: { audio_seconds: 2.566625 },
          latency_ms: { first_byte: 0, total: 0 },
          provider_output: { session_id: "fake_rt_1", bytes: 82132, commits: 0 }
        },
        thread_id: "thr_1",
        run_id: "run_1",
        seq: 12
      })
      expect(fake.sessions.map((s) => [s.bytes, s.outcome])).toEqual([[82132, "completed"]])
      expect([fake.opened(), fake.closed()]).toEqual([1, 1])
    }).pipe(Effect.provide(layer))
  })

  it.effect("the fake hears the same whatever the chunking, samples split across chunks included", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const heard = (size: number) =>
        Effect.map(
          collect(listen({ stt, audio_format: "pcm_16000", audio: Stream.fromIterable(chunks(speechPcm, size)) })),
          (events) => events.map((e) => (e.type === "stt_partial" || e.type === "stt_committed" ? `${e.type} ${e.text}` : e.type))
        )
      const whole = yield* heard(speechPcm.byteLength)
      expect(yield* heard(777)).toEqual(whole)
      expect(yield* heard(3200)).toEqual(whole)
      expect(whole).toHaveLength(13)
    }).pipe(Effect.provide(layer))
  })

  it.effect("partials arrive while the audio is still being sent", () => {
    const { fake, layer } = setup()
    return Effect.gen(function*() {
      const audio = yield* Queue.unbounded<RealtimeSttInput, Cause.Done>()
      const seen = yield* Queue.unbounded<PipelineEvent, Cause.Done>()
      const running = yield* Effect.forkChild(
        Stream.runForEach(listen({ stt, audio_format: "pcm_16000", audio: Stream.fromQueue(audio) }), (e) => Queue.offer(seen, e))
      )
      // a third of the recording, and the audio stays open: a stage that waited for its end would hang here
      const sent = chunks(speechPcm, 3200).slice(0, 9)
      yield* Queue.offerAll(audio, sent)
      expect((yield* Queue.take(seen)).type).toBe("stt_stream_start")
      expect(yield* Queue.take(seen)).toMatchObject({ type: "stt_partial", text: "Patchbay" })
      expect(fake.sessions[0]?.outcome).toBe("open")
      expect(fake.sessions[0]!.bytes).toBeLessThanOrEqual(9 * 3200)
      yield* Queue.offerAll(audio, chunks(speechPcm, 3200).slice(9))
      yield* Queue.end(audio)
      yield* Fiber.join(running)
      yield* Queue.end(seen)
      const after = [...(yield* Stream.runCollect(Stream.fromQueue(seen)))]
      expect(after.map((e) => e.type)).toEqual([...Array(9).fill("stt_partial"), "stt_committed", "stt_stream_end"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("vad: a run of silence commits each utterance as it ends", () => {
    const { fake, layer } = setup({ script: ["Hello there.", "General Kenobi."] })
    return Effect.gen(function*() {
      const audio = Stream.fromIterable([...chunks(speechPcm, 3200), silence, ...chunks(speechPcm, 3200)])
      const events = yield* collect(listen({ stt, audio_format: "pcm_16000", audio }))
      const said = events.flatMap((e) => (e.type === "stt_partial" ? [`~${e.text}`] : e.type === "stt_committed" ? [e.text] : []))
      expect(said).toEqual([
        "~Hello",
        ...Array(9).fill("~Hello there."),
        "Hello there.",
        "~General",
        ...Array(9).fill("~General Kenobi."),
        "General Kenobi."
      ])
      const end = events.at(-1)
      expect(end?.type === "stt_stream_end" && end.transcript).toBe("Hello there. General Kenobi.")
      expect(end?.type === "stt_stream_end" && end.record.duration_seconds).toBe((2 * 82132 + 16000) / 32000)
      expect(fake.sessions[0]?.commits).toBe(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("manual: a Commit ends the utterance, silence does not", () => {
    const { fake, layer } = setup({ script: ["Hello there.", "General Kenobi."] })
    return Effect.gen(function*() {
      const audio = Stream.fromIterable<RealtimeSttInput>([...chunks(speechPcm, 4096), silence, silence, ...chunks(speechPcm, 4096), Commit])
      const events = yield* collect(listen({ stt, audio_format: "pcm_16000", commit: "manual", audio }))
      const committed = events.flatMap((e) => (e.type === "stt_committed" ? [e.text] : []))
      // without a Commit, the second recording continues the first utterance
      expect(committed).toEqual(["Hello there."])
      expect(events.filter((e) => e.type === "stt_partial").length).toBe(21)
      expect(fake.sessions[0]?.commits).toBe(1)
      expect(fake.sessions[0]?.spec.commit).toBe("manual")

      const twice = Stream.fromIterable<RealtimeSttInput>([...chunks(speechPcm, 4096), Commit, ...chunks(speechPcm, 4096), Commit])
      const again = yield* collect(listen({ stt, audio_format: "pcm_16000", commit: "manual", audio: twice }))
      expect(again.flatMap((e) => (e.type === "stt_committed" ? [e.text] : []))).toEqual(["Hello there.", "General Kenobi."])
      const end = again.at(-1)
      expect(end?.type === "stt_stream_end" && end.record.transcript).toBe("Hello there. General Kenobi.")
    }).pipe(Effect.provide(layer))
  })

  it.effect("include_timestamps: committed utterances carry their words, and the record all of them", () => {
    const { layer } = setup({ script: ["Hello there."] })
    return Effect.gen(function*() {
      const audio = Stream.fromIterable([...chunks(speechPcm, 3200), silence, ...chunks(speechPcm, 3200)])
      const events = yield* collect(listen({ stt, audio_format: "pcm_16000", include_timestamps: true, audio }))
      const committed = events.flatMap((e) => (e.type === "stt_committed" ? [e] : []))
      expect(committed.map((e) => e.words?.map((w) => w.text))).toEqual([["Hello", "there."], ["Hello", "there."]])
      const [first] = committed
      expect(first?.words?.[0]?.start).toBe(0)
      expect(first?.words?.[1]?.end).toBeCloseTo(2.566625, 3)
      const end = events.at(-1)
      const record = end?.type === "stt_stream_end" ? end.record : undefined
      expect(record?.words?.map((w) => w.text)).toEqual(["Hello", "there.", "Hello", "there."])
      // the second utterance starts after the first recording and the half second of silence
      expect(record?.words?.[2]?.start).toBeGreaterThan(3.066)
    }).pipe(Effect.provide(layer))
  })

  it.effect("mu-law at 8 kHz: silence read from G.711 bytes, duration from the format's rate", () => {
    const { layer } = setup({ bytesPerPartial: 1200 })
    return Effect.gen(function*() {
      const events = yield* collect(listen({ stt, audio_format: "ulaw_8000", audio: Stream.fromIterable(chunks(speechUlaw, 800)) }))
      // ffmpeg decodes 12002 samples louder than the threshold: 10 partials of 1200
      expect(events.filter((e) => e.type === "stt_partial").map((e) => e.text)).toEqual(growing(fixtureSentence, 10))
      const end = events.at(-1)
      expect(end?.type === "stt_stream_end" && end.record.duration_seconds).toBe(2.566625)
      expect(end?.type === "stt_stream_end" && end.record.usage).toEqual({ audio_seconds: 2.566625 })
    }).pipe(Effect.provide(layer))
  })

  it.effect("nothing said: an empty transcript, no commit", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const events = yield* collect(listen({ stt, audio_format: "pcm_16000", audio: Stream.make(silence, silence) }))
      expect(events.map((e) => e.type)).toEqual(["stt_stream_start", "stt_stream_end"])
      const end = events.at(-1)
      expect(end?.type === "stt_stream_end" && [end.transcript, end.record.duration_seconds]).toEqual(["", 1])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a vendor refusing the session: an error event, the stage fails with the tagged error", () => {
    const refused = new AuthenticationFailed({ provider: "fake", status: 401, detail: "invalid api key" })
    const { fake, layer } = setup({ failures: [refused] })
    return Effect.gen(function*() {
      const events: Array<PipelineEvent> = []
      const error = yield* Effect.flip(
        Stream.runForEach(listen({ stt, audio_format: "pcm_16000", audio: Stream.fromIterable(chunks(speechPcm, 3200)) }), (e) => Effect.sync(() => events.push(e)))
      )
      expect(error).toBe(refused)
      expect(events).toEqual([{ type: "error", code: "AuthenticationFailed", message: refused.message, retryable: false, thread_id: "thr_1", run_id: "run_1", seq: 0 }])
      expect(fake.sessions.map((s) => [s.bytes, s.outcome])).toEqual([[0, "failed"]])
      expect([fake.opened(), fake.closed()]).toEqual([1, 1])
    }).pipe(Effect.provide(layer))
  })

  it.effect("each vendor error reaches the events under its own tag, with its retryability", () =>
    Effect.gen(function*() {
      const errors = [
        new QuotaExceeded({ provider: "fake", detail: "quota_exceeded" }),
        new RateLimited({ provider: "fake", retryAfter: 2 }),
        new InvalidRequest({ provider: "fake", field: "audio", reason: "input_error: the audio is not pcm_16000" }),
        new ProviderUnavailable({ provider: "fake", detail: "resource_exhausted" })
      ]
      for (const error of errors) {
        const { fake, layer } = setup({ failAfter: { bytes: 6400, error } })
        const events: Array<PipelineEvent> = []
        const failure = yield* Effect.flip(
          Stream.runForEach(listen({ stt, audio_format: "pcm_16000", audio: Stream.fromIterable(chunks(speechPcm, 3200)) }), (e) => Effect.sync(() => events.push(e)))
        ).pipe(Effect.provide(layer))
        expect(failure).toBe(error)
        expect(events.at(-1)).toEqual({ type: "error", code: error._tag, message: error.message, retryable: error.retryable, thread_id: "thr_1", run_id: "run_1", seq: events.length - 1 })
        expect(fake.closed()).toBe(1)
      }
      expect(errors.map((e) => e.retryable)).toEqual([false, true, false, true])
    }))

  it.effect("a session dropped midway: what was heard, then the error event", () => {
    const dropped = new ProviderUnavailable({ provider: "fake", detail: "the socket closed (1006)" })
    const { fake, layer } = setup({ failAfter: { bytes: 32000, error: dropped } })
    return Effect.gen(function*() {
      const events: Array<PipelineEvent> = []
      const error = yield* Effect.flip(
        Stream.runForEach(listen({ stt, audio_format: "pcm_16000", audio: Stream.fromIterable(chunks(speechPcm, 3200)) }), (e) => Effect.sync(() => events.push(e)))
      )
      expect(error).toBe(dropped)
      const types = events.map((e) => e.type)
      expect(types[0]).toBe("stt_stream_start")
      expect(types.at(-1)).toBe("error")
      expect(types).not.toContain("stt_stream_end")
      expect(events.at(-1)).toMatchObject({ type: "error", code: "ProviderUnavailable", retryable: true })
      expect(fake.sessions.map((s) => [s.bytes, s.outcome])).toEqual([[32000, "failed"]])
    }).pipe(Effect.provide(layer))
  })

  it.effect("interrupting the stage closes the vendor session", () => {
    const { fake, layer } = setup()
    return Effect.gen(function*() {
      const audio = yield* Queue.unbounded<RealtimeSttInput, Cause.Done>()
      const seen = yield* Queue.unbounded<PipelineEvent>()
      const running = yield* Effect.forkChild(
        Stream.runForEach(listen({ stt, audio_format: "pcm_16000", audio: Stream.fromQueue(audio) }), (e) => Queue.offer(seen, e))
      )
      yield* Queue.offerAll(audio, chunks(speechPcm, 3200).slice(0, 4))
      expect((yield* Queue.take(seen)).type).toBe("stt_stream_start")
      expect((yield* Queue.take(seen)).type).toBe("stt_partial")
      expect([fake.opened(), fake.closed()]).toEqual([1, 0])
      yield* Fiber.interrupt(running)
      expect([fake.opened(), fake.closed()]).toEqual([1, 1])
      expect(fake.sessions[0]?.outcome).toBe("interrupted")
    }).pipe(Effect.provide(layer))
  })

  it.effect("the audio failing ends the session with that failure, and no error event", () => {
    const { fake, layer } = setup()
    return Effect.gen(function*() {
      const audio = Stream.concat(Stream.fromIterable(chunks(speechPcm, 3200).slice(0, 3)), Stream.fail("microphone unplugged" as const))
      const events: Array<PipelineEvent> = []
      const error = yield* Effect.flip(Stream.runForEach(listen({ stt, audio_format: "pcm_16000", audio }), (e) => Effect.sync(() => events.push(e))))
      expect(error).toBe("microphone unplugged")
      expect(events.map((e) => e.type)).not.toContain("error")
      expect(fake.sessions.map((s) => [s.bytes, s.outcome])).toEqual([[9600, "interrupted"]])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a session that ends without its summary is ProviderUnavailable", () => {
    const provider = fakeProvider({ id: "fake", stt: FakeRealtimeStt() })
    const broken = {
      ...provider,
      stt: { ...provider.stt!, realtime: () => Stream.make({ type: "session_started" as const }, { type: "committed" as const, text: "Hi." }) }
    }
    return Effect.gen(function*() {
      const events: Array<PipelineEvent> = []
      const error = yield* Effect.flip(
        Stream.runForEach(listen({ stt, audio_format: "pcm_16000", audio: Stream.make(silence) }), (e) => Effect.sync(() => events.push(e)))
      )
      expect(error).toMatchObject({ _tag: "ProviderUnavailable", provider: "fake", detail: "the realtime session ended without its summary" })
      expect(events.map((e) => e.type)).toEqual(["stt_stream_start", "stt_committed", "error"])
    }).pipe(Effect.provide(ProviderRegistry.layer([broken])))
  })

  it.effect("a vendor that never finishes after the audio ends: ProviderTimeout after timeouts.realtime, the session closed; no timeout while audio flows", () => {
    const provider = fakeProvider({ id: "fake", stt: FakeRealtimeStt() })
    let closed = 0
    // Reads every chunk, answers a partial for each, then never sends its summary.
    const stuck = {
      ...provider,
      stt: {
        ...provider.stt!,
        realtime: (_spec: unknown, input: Stream.Stream<RealtimeSttInput>) =>
          Stream.concat(
            input.pipe(Stream.map(() => ({ type: "partial" as const, text: "…" }))),
            Stream.never
          ).pipe(Stream.ensuring(Effect.sync(() => void closed++)))
      }
    }
    return Effect.gen(function*() {
      const queue = yield* Queue.unbounded<RealtimeSttInput, Cause.Done>()
      const events: Array<PipelineEvent> = []
      const fiber = yield* Effect.forkChild(Effect.flip(
        Stream.runForEach(listen({ stt, audio_format: "pcm_16000", audio: Stream.fromQueue(queue) }), (e) => Effect.sync(() => events.push(e)))
      ))
      yield* Queue.offer(queue, silence)
      // A long pause mid-speech is no timeout: the audio has not ended.
      yield* TestClock.adjust("1 hour")
      yield* Queue.offer(queue, silence)
      // Let the chunk reach the vendor and its partial the events (no clock involved).
      for (let i = 0; i < 100 && events.length < 3; i++) yield* Effect.yieldNow
      expect(events.map((e) => e.type)).toEqual(["stt_stream_start", "stt_partial", "stt_partial"])
      yield* Queue.end(queue)
      yield* TestClock.adjust("29999 millis")
      expect(closed).toBe(0)
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "ProviderTimeout", provider: "fake", stage: "stt", timeoutMs: 30_000, retryable: true })
      expect(events.map((e) => e.type)).toEqual(["stt_stream_start", "stt_partial", "stt_partial", "error"])
      expect(closed).toBe(1)
    }).pipe(Effect.provide(ProviderRegistry.layer([stuck])))
  })
})



