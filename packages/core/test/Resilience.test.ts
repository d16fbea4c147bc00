import { expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { readFileSync } from "node:fs"
import {
  AuthenticationFailed,
  defaultSettings,
  Pipeline,
  PipelineSettings,
  type PipelineSettingsShape,
  type PipelineEvent,
  ProviderUnavailable,
  RateLimited
} from "../src/index.ts"
import { retryEffect } from "../src/internal/resilience.ts"
import { llm, makeScenario, stt, tts, types } from "./support/pipeline.ts"

const speechMp3 = new Uint8Array(readFileSync(new URL("./fixtures/audio/speech.mp3", import.meta.url)))

const only = <T extends PipelineEvent["type"]>(events: ReadonlyArray<PipelineEvent>, type: T) =>
  events.filter((e): e is Extract<PipelineEvent, { type: T }> => e.type === type)

/** Runs a message in a fiber, advancing the test clock in small steps so every sleep gets its turn. */
const runFor = (request: unknown, millis: number, options: Pipeline.AddMessageOptions = {}, step = 10) =>
  Effect.gen(function*() {
    const events: Array<PipelineEvent> = []
    const fiber = yield* Effect.forkChild(
      Effect.result(Stream.runForEach(Pipeline.addMessage(request, options), (e) => Effect.sync(() => void events.push(e))))
    )
    for (let t = 0; t < millis; t += step) yield* TestClock.adjust(`${step} millis`)
    const result = yield* Fiber.join(fiber)
    return { events, result }
  })

const withSettings = (settings: Partial<PipelineSettingsShape>) =>
  Effect.provideService(PipelineSettings, { ...defaultSettings, ...settings })

it.effect("a 429 with retry-after is retried after at least that long, then succeeds", () => {
  const s = makeScenario({ llm: { reply: "Fine.", failures: [new RateLimited({ provider: "fake", status: 429, retryAfter: 2 })] } })
  return Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(Stream.runCollect(Pipeline.addMessage({ content: "Hi", ...llm })))
    for (let t = 0; t < 1900; t += 100) yield* TestClock.adjust("100 millis")
    expect(s.fakes.llm.log.requests).toHaveLength(1)
    for (let t = 0; t < 200; t += 100) yield* TestClock.adjust("100 millis")
    const events = [...(yield* Fiber.join(fiber))]
    expect(s.fakes.llm.log.outcomes).toEqual(["failed", "completed"])
    expect(only(events, "content_streaming").map((e) => e.content).join("")).toBe("Fine.")
    expect(only(events, "run_ended")[0]?.status).toBe("completed")
  }).pipe(Effect.provide(s.layer))
})

it.effect("a 5xx is retried with backoff; retries are bounded, then the run fails with the error", () => {
  const down = new ProviderUnavailable({ provider: "fake", status: 503 })
  const s = makeScenario({ stt: { transcript: "Hello.", failures: [down] } })
  return Effect.gen(function*() {
    const ok = yield* runFor({ voice: { stt }, send_to_llm: false }, 1000, { audio: speechMp3 })
    expect(ok.result._tag).toBe("Success")
    expect(s.fakes.stt.log.outcomes).toEqual(["failed", "completed"])

    const t = makeScenario({ stt: { failures: [down, down, down, down, down] } })
    const failed = yield* runFor({ voice: { stt }, send_to_llm: false }, 20_000, { audio: speechMp3 }, 100).pipe(Effect.provide(t.layer))
    expect(t.fakes.stt.log.outcomes).toEqual(["failed", "failed", "failed", "failed"]) // the first try and 3 retries
    expect(failed.result._tag === "Failure" && failed.result.failure).toMatchObject({ _tag: "ProviderUnavailable", status: 503 })
    expect(types(failed.events)).toEqual(["run_started", "error", "run_ended"])
  }).pipe(Effect.provide(s.layer))
})

it.effect("a later TTS sentence is retried after the first one already played", () => {
  const reply = "This first sentence plays at once. The second sentence is long enough to stand alone."
  const s = makeScenario({
    llm: { reply },
    tts: { failures: [undefined, new RateLimited({ provider: "fake", status: 429, retryAfter: 1 })] }
  })
  return Effect.gen(function*() {
    const { events, result } = yield* runFor({ content: "Talk", ...llm, voice: { tts } }, 3000, {}, 50)
    expect(result._tag).toBe("Success")
    expect(s.fakes.tts.log.requests.map((r) => r.text)).toEqual([
      "This first sentence plays at once.",
      "The second sentence is long enough to stand alone.",
      "The second sentence is long enough to stand alone."
    ])
    expect(s.fakes.tts.log.outcomes).toEqual(["completed", "failed", "completed"])
    expect(types(events).filter((k) => k === "tts_stream_start")).toHaveLength(1)
    expect(only(events, "run_ended")[0]?.status).toBe("completed")
  }).pipe(Effect.provide(s.layer))
})

it.effect("a fallback serves when the first vendor fails before any output, and the records name it", () => {
  const refused = new AuthenticationFailed({ provider: "fake", status: 401 })
  const s = makeScenario({
    stt: { failures: [refused] },
    otherStt: { transcript: "From the other one." },
    llm: { failures: [refused] },
    otherLlm: { reply: "Other answers." },
    tts: { failures: [refused] }
  })
  return Effect.gen(function*() {
    const response = yield* Pipeline.addMessageResponse({
      voice: {
        stt: { ...stt, fallback: [{ provider: "other", model: "fake-stt" }] },
        tts: { ...tts, fallback: [{ provider: "other", model: "fake-tts", voice: "grace" }] }
      },
      ...llm,
      llm_fallback: [{ provider: "other", model: "fake-llm" }]
    }, { audio: speechMp3 })
    const records = response.messages.at(-1)?.voice_records
    expect(records?.stt).toMatchObject({ provider: "other", transcript: "From the other one." })
    expect(records?.tts).toMatchObject({ provider: "other", voice: "grace" })
    expect(response.model_provider).toBe("other")
    expect(response.content).toBe("Other answers.")
    expect([s.fakes.stt.log.outcomes, s.fakes.llm.log.outcomes, s.fakes.tts.log.outcomes]).toEqual([["failed"], ["failed"], ["failed"]])
  }).pipe(Effect.provide(s.layer))
})

it.effect("no vendor switch after output: an LLM failing midway fails the run after its partial text", () => {
  const s = makeScenario({
    llm: { reply: "One two three four", failMidway: { after: 2, error: new ProviderUnavailable({ provider: "fake", status: 502 }) } },
    otherLlm: { reply: "Should not be used." }
  })
  return Effect.gen(function*() {
    const { events, result } = yield* runFor({ content: "Count", ...llm, llm_fallback: [{ provider: "other", model: "fake-llm" }] }, 100)
    expect(result._tag === "Failure" && result.failure).toMatchObject({ _tag: "ProviderUnavailable", status: 502 })
    expect(only(events, "content_streaming").map((e) => e.content).join("")).toBe("One two")
    expect(types(events).slice(-2)).toEqual(["error", "run_ended"])
    expect(s.fakes.otherLlm.log.requests).toEqual([])
    expect(s.fakes.llm.log.requests).toHaveLength(1) // a request that yielded is not retried
  }).pipe(Effect.provide(s.layer))
})

it.effect("no vendor switch after output: a later TTS sentence that fails for good fails the run", () => {
  const reply = "This first sentence plays at once. The second sentence is long enough to stand alone."
  const s = makeScenario({ llm: { reply }, tts: { failures: [undefined, new AuthenticationFailed({ provider: "fake", status: 401 })] } })
  return Effect.gen(function*() {
    const { events, result } = yield* runFor({ content: "Talk", ...llm, voice: { tts: { ...tts, fallback: [{ provider: "other", model: "fake-tts", voice: "ada" }] } } }, 500)
    expect(result._tag === "Failure" && result.failure).toMatchObject({ _tag: "AuthenticationFailed" })
    expect(s.fakes.otherTts.log.requests).toEqual([])
    expect(types(events)).toContain("tts_audio_chunk")
    expect(types(events).slice(-2)).toEqual(["error", "run_ended"])
  }).pipe(Effect.provide(s.layer))
})

it.effect("per-stage timeouts: a silent vendor fails as ProviderTimeout after retries, or falls back", () => {
  const s = makeScenario({ llm: { firstToken: "1 hour" }, otherLlm: { reply: "Quick." } })
  return Effect.gen(function*() {
    const timeouts = { ...defaultSettings.timeouts, llm: 1000 }
    const alone = yield* runFor({ content: "Hi", ...llm }, 20_000, {}, 100).pipe(withSettings({ timeouts }))
    expect(alone.result._tag === "Failure" && alone.result.failure).toMatchObject({ _tag: "ProviderTimeout", stage: "llm", timeoutMs: 1000, provider: "fake" })
    expect(s.fakes.llm.log.outcomes).toEqual(["interrupted", "interrupted", "interrupted", "interrupted"])

    const rescued = yield* runFor({ content: "Hi", ...llm, llm_fallback: [{ provider: "other", model: "fake-llm" }] }, 20_000, {}, 100).pipe(
      withSettings({ timeouts, retry: { ...defaultSettings.retry, times: 0 } })
    )
    expect(rescued.result._tag).toBe("Success")
    expect(only(rescued.events, "run_ended")[0]).toMatchObject({ status: "completed", model_provider: "other", model_name: "fake-llm" })
  }).pipe(Effect.provide(s.layer))
})

it.effect("validation covers every fallback entry before any vendor is called", () => {
  const s = makeScenario()
  return Effect.gen(function*() {
    const error = yield* Effect.flip(Pipeline.addMessageResponse({
      content: "Hi",
      ...llm,
      voice: { tts: { ...tts, fallback: [{ provider: "other", model: "fake-tts", voice: "nobody" }] } }
    }))
    expect(error).toMatchObject({ _tag: "InvalidRequest", field: "voice.tts.fallback[0].voice", value: "nobody" })
    expect(s.vendorCalls()).toBe(0)
  }).pipe(Effect.provide(s.layer))
})

it.effect("once an LLM has answered, later tool rounds of the turn stay with it", () => {
  const image = { image_generation: "auto", image_model_provider: "fake", image_model_name: "fake-image" } as const
  const s = makeScenario({
    llm: {
      reply: [{ type: "tool_call", tool_call: { id: "c1", type: "function", function: { name: "generate_image", arguments: "{\"prompt\":\"x\"}" } } }],
      failures: [undefined, new AuthenticationFailed({ provider: "fake", status: 401 })]
    },
    otherLlm: { reply: "I should not be asked." }
  })
  return Effect.gen(function*() {
    const { result } = yield* runFor({ content: "Draw", ...llm, ...image, llm_fallback: [{ provider: "other", model: "fake-llm" }] }, 100)
    expect(result._tag === "Failure" && result.failure).toMatchObject({ _tag: "AuthenticationFailed" })
    expect(s.fakes.otherLlm.log.requests).toEqual([])
    expect(s.fakes.llm.log.outcomes).toEqual(["completed", "failed"])
  }).pipe(Effect.provide(s.layer))
})

it.effect("an STT fallback serves a one-shot audio stream the first vendor refused before reading it", () => {
  const s = makeScenario({
    stt: { failures: [new AuthenticationFailed({ provider: "fake", status: 401 })] },
    otherStt: { transcript: "Heard by the other." }
  })
  return Effect.gen(function*() {
    const source = new Blob([speechMp3]).stream()
    const response = yield* Pipeline.addMessageResponse(
      { voice: { stt: { ...stt, fallback: [{ provider: "other", model: "fake-stt" }] } }, send_to_llm: false },
      { audio: source }
    )
    expect(response.messages[0]?.voice_records?.stt).toMatchObject({ provider: "other", transcript: "Heard by the other." })
    expect(s.fakes.otherStt.bytesRead()).toBe(speechMp3.byteLength)
  }).pipe(Effect.provide(s.layer))
})

it.effect("the retry policy: jittered exponential backoff capped at maxDelayMs, never under retry-after, bounded, retryable errors only", () =>
  Effect.gen(function*() {
    const policy = { times: 3, baseDelayMs: 1000, maxDelayMs: 1500, maxRetryAfterMs: 60_000 }
    /** The moments a request failing with `error` was tried, over 20 s of test time in 100 ms steps. */
    const attempts = (error: ProviderUnavailable | RateLimited | AuthenticationFailed, canRetry?: () => boolean) =>
      Effect.gen(function*() {
        const at: Array<number> = []
        const fiber = yield* Effect.forkChild(Effect.result(retryEffect(
          Effect.andThen(Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => void at.push(t))), Effect.fail(error)),
          policy,
          canRetry
        )))
        for (let t = 0; t < 20_000; t += 100) yield* TestClock.adjust("100 millis")
        expect(yield* Fiber.join(fiber)).toMatchObject({ _tag: "Failure", failure: error })
        return at.slice(1).map((t, i) => Math.round(t - at[i]!))
      })
    const gaps = yield* attempts(new ProviderUnavailable({ provider: "fake", status: 503 }))
    expect(gaps).toHaveLength(3)
    expect(gaps[0]).toBeGreaterThanOrEqual(800 - 100) // 1000 ms, jittered by up to a fifth
    expect(gaps[0]).toBeLessThanOrEqual(1200 + 100)
    expect(gaps.slice(1)).toEqual([1500, 1500]) // 2000 and 4000 ms, capped
    expect(yield* attempts(new RateLimited({ provider: "fake", status: 429, retryAfter: 3 }))).toEqual([3000, 3000, 3000])
    expect(yield* attempts(new RateLimited({ provider: "fake", status: 429, retryAfter: 120 }))).toEqual([]) // asks for too long
    expect(yield* attempts(new AuthenticationFailed({ provider: "fake", status: 401 }))).toEqual([])
    expect(yield* attempts(new ProviderUnavailable({ provider: "fake", status: 503 }), () => false)).toEqual([])
  }))
