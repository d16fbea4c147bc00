/**
 * Realtime speech to text against a fake of the vendor's WebSocket (`support/FakeRealtime.ts`):
 * real speech (core's espeak-ng fixture, 16 kHz PCM) sent in chunks, partials while audio is
 * still going out, committed text and the bytes the vendor received, commits, timestamps, VAD,
 * every vendor error message, a dropped socket, interruption, and what is refused before
 * connecting. Nothing is timed: every wait is for a message or an event.
 */
import { Commit, type ProviderError, type RealtimeSttEvent, type RealtimeSttInput, type RealtimeSttSpec, type SttProvider } from "@patchbay/core"
import { Cause, ConfigProvider, Effect, Exit, Fiber, Queue, Stream } from "effect"
import { readFileSync } from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import { elevenlabs } from "../src/index.ts"
import { audioPath, failure } from "./support/cassettes.ts"
import { chunksOf, type FakeRealtime, type RealtimeScript, serveRealtime } from "./support/FakeRealtime.ts"

const API_KEY = "sk_test_realtime_0123456789abcdef"
const TEXT = "Patchbay turns speech into text and back again."
/** "Patchbay turns speech into text and back again.", 2.566625 s of 16 kHz s16le mono. */
const SPEECH = new Uint8Array(readFileSync(audioPath("speech-16000.pcm")))
/** 0.1 s chunks, as a microphone sends them. */
const CHUNKS = chunksOf(SPEECH, 3200)

const spec = (overrides: Partial<RealtimeSttSpec> = {}): RealtimeSttSpec => ({
  model: "scribe_v2_realtime",
  audio_format: "pcm_16000",
  commit: "manual",
  ...overrides
})

let fakes: Array<FakeRealtime> = []
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.close()))
  fakes = []
})

const start = async (script: Partial<RealtimeScript> = {}) => {
  const fake = await serveRealtime({ utterances: [TEXT], partialEvery: 16_000, ...script })
  fakes.push(fake)
  const stt = elevenlabs({ apiKey: API_KEY, baseUrl: fake.baseUrl }).stt as SttProvider
  return { fake, stt, realtime: stt.realtime! }
}

const collect = (stream: Stream.Stream<RealtimeSttEvent, ProviderError>) =>
  Effect.runPromise(Effect.exit(Stream.runCollect(stream)))

const events = (exit: Exit.Exit<ReadonlyArray<RealtimeSttEvent>, ProviderError>): ReadonlyArray<RealtimeSttEvent> => {
  if (Exit.isFailure(exit)) throw new Error(`the session failed: ${Cause.pretty(exit.cause)}`)
  return exit.value
}

const partialsOf = (words: ReadonlyArray<string>, count: number): Array<RealtimeSttEvent> =>
  Array.from({ length: count }, (_, i) => ({ type: "partial", text: words.slice(0, i + 1).join(" ") }))

describe("a realtime session", () => {
  it("emits partials while audio is still being sent, then the committed text and a summary; the vendor got every byte", async () => {
    const { fake, realtime } = await start()
    const input = await Effect.runPromise(Queue.unbounded<RealtimeSttInput, Cause.Done>())
    const seen: Array<RealtimeSttEvent> = []
    let partialArrived: () => void = () => undefined
    const firstPartial = new Promise<void>((resolve) => (partialArrived = resolve))
    const done = Effect.runPromise(
      Stream.runForEach(realtime(spec({ language: "en" }), Stream.fromQueue(input)), (event) =>
        Effect.sync(() => {
          seen.push(event)
          if (event.type === "partial") partialArrived()
        }))
    )
    let partialsBeforeLast = -1
    for (const [i, chunk] of CHUNKS.entries()) {
      if (i === CHUNKS.length - 1) {
        await firstPartial
        partialsBeforeLast = seen.filter((e) => e.type === "partial").length
      }
      await Effect.runPromise(Queue.offer(input, chunk))
    }
    await Effect.runPromise(Queue.end(input))
    await done

    expect(partialsBeforeLast).toBeGreaterThanOrEqual(1)
    // A partial every 16,000 bytes of 82,132: five, each the utterance so far.
    expect(seen).toEqual([
      { type: "session_started", session_id: "fake_session_1" },
      ...partialsOf(TEXT.split(" "), 5),
      { type: "committed", text: TEXT },
      {
        type: "summary",
        usage: { audio_seconds: 2.567 },
        session_id: "fake_session_1",
        provider_output: {
          session_id: "fake_session_1",
          config: {
            sample_rate: 16000,
            audio_format: "pcm_16000",
            language_code: "en",
            commit_strategy: "manual",
            model_id: "scribe_v2_realtime",
            include_timestamps: false
          }
        }
      }
    ])
    const session = await fake.session()
    expect(session.audio()).toEqual(Buffer.from(SPEECH))
    expect(session.chunks.filter((c) => !c.commit)).toHaveLength(CHUNKS.length)
    expect(session.chunks.every((c) => c.message_type === "input_audio_chunk" && c.sample_rate === 16000)).toBe(true)
    expect(session.commits()).toBe(1) // the final one
    expect(session.chunks.at(-1)).toEqual({ message_type: "input_audio_chunk", audio_base_64: "", commit: true, sample_rate: 16000 })
    expect(Object.fromEntries(session.url.searchParams)).toEqual({
      model_id: "scribe_v2_realtime",
      commit_strategy: "manual",
      audio_format: "pcm_16000",
      language_code: "en"
    })
    // The key travels in a header, never in the URL.
    expect(session.headers["xi-api-key"]).toBe(API_KEY)
    expect(session.url.href).not.toContain(API_KEY)
    await session.closed
    expect(session.closedBy).toBe("client")
  })

  it("sends a commit for each Commit that follows audio, skips one with nothing to commit, and emits each utterance", async () => {
    const { fake, realtime } = await start({ utterances: ["Patchbay turns speech", "into text and back again."] })
    const half = CHUNKS.length / 2
    const input: Array<RealtimeSttInput> = [Commit, ...CHUNKS.slice(0, half), Commit, Commit, ...CHUNKS.slice(half), Commit]
    const all = events(await collect(realtime(spec(), Stream.fromIterable(input))))
    expect(all.filter((e) => e.type === "committed")).toEqual([
      { type: "committed", text: "Patchbay turns speech" },
      { type: "committed", text: "into text and back again." }
    ])
    expect(all.at(-1)).toMatchObject({ type: "summary", usage: { audio_seconds: 2.567 } })
    const session = await fake.session()
    expect(session.commits()).toBe(2)
    expect(session.audio()).toEqual(Buffer.from(SPEECH))
  })

  it("with include_timestamps, commits the timed transcript: words and the language in ISO 639-1", async () => {
    const { fake, realtime } = await start({ utterances: ["Patchbay turns speech"] })
    const all = events(await collect(realtime(spec({ include_timestamps: true }), Stream.fromIterable(CHUNKS.slice(0, 10)))))
    expect(all.filter((e) => e.type === "committed")).toEqual([{
      type: "committed",
      text: "Patchbay turns speech",
      language: "en",
      words: [
        { text: "Patchbay", start: 0, end: 0.333, type: "word", logprob: -0.1 },
        { text: " ", start: 0.333, end: 0.333, type: "spacing", logprob: 0 },
        { text: "turns", start: 0.333, end: 0.667, type: "word", logprob: -0.1 },
        { text: " ", start: 0.667, end: 0.667, type: "spacing", logprob: 0 },
        { text: "speech", start: 0.667, end: 1, type: "word", logprob: -0.1 }
      ]
    }])
    expect((await fake.session()).url.searchParams.get("include_timestamps")).toBe("true")
  })

  it("with VAD, emits the vendor's own commits and flushes the rest at the end; the options go in the query", async () => {
    const { fake, realtime } = await start({ utterances: ["Patchbay turns speech", "into text and back again."], vadEvery: 48_000 })
    const session = spec({
      commit: "vad",
      provider_options: { vad_silence_threshold_secs: 0.5, vad_threshold: 0.4, min_speech_duration_ms: 100, keyterms: ["Patchbay"], previous_text: "Hello." }
    })
    const input = await Effect.runPromise(Queue.unbounded<RealtimeSttInput, Cause.Done>())
    const all: Array<RealtimeSttEvent> = []
    let committedArrived: () => void = () => undefined
    const firstCommitted = new Promise<void>((resolve) => (committedArrived = resolve))
    const done = Effect.runPromise(
      Stream.runForEach(realtime(session, Stream.fromQueue(input)), (event) =>
        Effect.sync(() => {
          all.push(event)
          if (event.type === "committed") committedArrived()
        }))
    )
    await Effect.runPromise(Queue.offerAll(input, CHUNKS))
    // The vendor's own commit reaches the client before the input ends, as it does live.
    await firstCommitted
    await Effect.runPromise(Queue.end(input))
    await done
    expect(all.filter((e) => e.type === "committed").map((e) => e.type === "committed" && e.text)).toEqual([
      "Patchbay turns speech",
      "into text and back again."
    ])
    const seen = await fake.session()
    expect(seen.commits()).toBe(1)
    expect(Object.fromEntries(seen.url.searchParams)).toEqual({
      model_id: "scribe_v2_realtime",
      commit_strategy: "vad",
      audio_format: "pcm_16000",
      vad_silence_threshold_secs: "0.5",
      vad_threshold: "0.4",
      min_speech_duration_ms: "100",
      keyterms: "Patchbay"
    })
    // The context goes with the first chunk only.
    expect(seen.chunks.map((c) => c.previous_text)).toEqual(["Hello.", ...seen.chunks.slice(1).map(() => undefined)])
  })

  it("measures µ-law at 8 kHz as one byte a sample", async () => {
    const ulaw = new Uint8Array(readFileSync(audioPath("speech.ulaw")))
    const { fake, realtime } = await start()
    const all = events(await collect(realtime(spec({ audio_format: "ulaw_8000" }), Stream.fromIterable(chunksOf(ulaw, 800)))))
    expect(all.at(-1)).toMatchObject({ type: "summary", usage: { audio_seconds: 2.567 } })
    const session = await fake.session()
    expect(session.chunks.every((c) => c.sample_rate === 8000)).toBe(true)
    expect(session.audio()).toEqual(Buffer.from(ulaw))
  })

  it("ends at once on an input without audio, and closes the socket", async () => {
    const { fake, realtime } = await start()
    const all = events(await collect(realtime(spec(), Stream.fromIterable([Commit]))))
    // session_started arrives or not before the end: the session does not wait for it.
    expect(all.filter((e) => e.type !== "session_started").map((e) => e.type)).toEqual(["summary"])
    expect(all.at(-1)).toMatchObject({ type: "summary", usage: { audio_seconds: 0 } })
    const session = await fake.session()
    await session.closed
    expect([session.commits(), session.closedBy]).toEqual([0, "client"])
  })
})

describe("failures", () => {
  const cases: ReadonlyArray<readonly [string, string, boolean]> = [
    ["auth_error", "AuthenticationFailed", false],
    ["unaccepted_terms", "PermissionDenied", false],
    ["quota_exceeded", "QuotaExceeded", false],
    ["rate_limited", "RateLimited", true],
    ["commit_throttled", "RateLimited", true],
    ["queue_overflow", "RateLimited", true],
    ["resource_exhausted", "ProviderUnavailable", true],
    ["transcriber_error", "ProviderUnavailable", true],
    ["error", "ProviderUnavailable", true],
    ["insufficient_audio_activity", "ProviderTimeout", true],
    ["input_error", "InvalidRequest", false],
    ["invalid_request", "InvalidRequest", false],
    ["chunk_size_exceeded", "InvalidRequest", false],
    ["session_time_limit_exceeded", "InvalidRequest", false]
  ]
  for (const [type, tag, retryable] of cases) {
    it(`the vendor's ${type} → ${tag}`, async () => {
      const { realtime } = await start({ failAfter: { bytes: 9_600, with: type as never } })
      const exit = await collect(realtime(spec(), Stream.fromIterable(CHUNKS)))
      const error = failure(exit)
      expect(error).toMatchObject({ _tag: tag, provider: "elevenlabs", detail: `${type}: fake ${type}` })
      expect(error?.retryable).toBe(retryable)
      expect(JSON.stringify(error)).not.toContain(API_KEY)
    })
  }

  it("a dropped socket → ProviderUnavailable (retryable)", async () => {
    const { realtime } = await start({ failAfter: { bytes: 9_600, with: "drop" } })
    const error = failure(await collect(realtime(spec(), Stream.fromIterable(CHUNKS))))
    expect(error).toMatchObject({ _tag: "ProviderUnavailable", provider: "elevenlabs", detail: "the realtime connection closed before the session ended" })
    expect(error?.retryable).toBe(true)
  })

  it("a refused upgrade maps by its status: 401 → AuthenticationFailed, 429 → RateLimited, 503 → ProviderUnavailable", async () => {
    const tags: Array<string | undefined> = []
    for (const refuse of [401, 429, 503]) {
      const { realtime } = await start({ refuse })
      tags.push(failure(await collect(realtime(spec(), Stream.fromIterable(CHUNKS))))?._tag)
    }
    expect(tags).toEqual(["AuthenticationFailed", "RateLimited", "ProviderUnavailable"])
  })

  it("no audio is read from the input when the connection is refused", async () => {
    const { realtime } = await start({ refuse: 401 })
    let read = 0
    const input = Stream.fromIterable(CHUNKS).pipe(Stream.tap(() => Effect.sync(() => read++)))
    expect(failure(await collect(realtime(spec(), input)))?._tag).toBe("AuthenticationFailed")
    expect(read).toBe(0)
  })

  it("without a key → MissingApiKey, before connecting", async () => {
    const fake = await serveRealtime({ utterances: [TEXT], partialEvery: 16_000 })
    fakes.push(fake)
    const stt = elevenlabs({ baseUrl: fake.baseUrl }).stt as SttProvider
    const session = stt.realtime!(spec(), Stream.fromIterable(CHUNKS))
    const exit = await Effect.runPromise(
      Effect.exit(Stream.runCollect(session)).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord({})))
    )
    expect(failure(exit)).toMatchObject({ _tag: "MissingApiKey", provider: "elevenlabs", variable: "ELEVENLABS_API_KEY" })
    expect(fake.upgrades()).toBe(0)
  })

  it("no server → ProviderUnavailable, without the key in the error", async () => {
    const { fake, realtime } = await start()
    await fake.close()
    const error = failure(await collect(realtime(spec(), Stream.fromIterable(CHUNKS))))
    expect(error?._tag).toBe("ProviderUnavailable")
    expect(error?.message).toContain("ECONNREFUSED")
    expect(JSON.stringify(error)).not.toContain(API_KEY)
  })
})

describe("interruption", () => {
  it("interrupting the session closes the vendor's socket", async () => {
    const { fake, realtime } = await start()
    const input = await Effect.runPromise(Queue.unbounded<RealtimeSttInput, Cause.Done>())
    await Effect.runPromise(Queue.offerAll(input, CHUNKS.slice(0, 10))) // and never ends
    let partialArrived: () => void = () => undefined
    const firstPartial = new Promise<void>((resolve) => (partialArrived = resolve))
    const fiber = Effect.runFork(
      Stream.runForEach(realtime(spec(), Stream.fromQueue(input)), (event) => Effect.sync(() => event.type === "partial" && partialArrived()))
    )
    await firstPartial
    const session = await fake.session()
    expect(session.closedBy).toBeUndefined()
    await Effect.runPromise(Fiber.interrupt(fiber))
    await session.closed
    expect(session.closedBy).toBe("client")
  })

  it("interrupting while the connection is still being set up abandons it, and nothing is read", async () => {
    const { fake, realtime } = await start({ hold: true })
    let read = 0
    const input = Stream.fromIterable(CHUNKS).pipe(Stream.tap(() => Effect.sync(() => read++)))
    const fiber = Effect.runFork(Stream.runDrain(realtime(spec(), input)))
    const held = await fake.held()
    const exit = await Effect.runPromise(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))))
    await held.closed
    expect([Exit.hasInterrupts(exit), read, fake.sessions.length]).toEqual([true, 0, 0])
  })

  it("a consumer that stops early (take) closes it too", async () => {
    const { fake, realtime } = await start()
    const input = await Effect.runPromise(Queue.unbounded<RealtimeSttInput, Cause.Done>())
    await Effect.runPromise(Queue.offerAll(input, CHUNKS))
    const taken = events(await collect(Stream.take(realtime(spec(), Stream.fromQueue(input)), 2)))
    expect(taken).toEqual([{ type: "session_started", session_id: "fake_session_1" }, { type: "partial", text: "Patchbay" }])
    const session = await fake.session()
    await session.closed
    expect(session.closedBy).toBe("client")
  })
})

describe("refused before connecting", () => {
  const refusals: ReadonlyArray<readonly [string, Partial<RealtimeSttSpec>, Record<string, unknown>]> = [
    ["a format the model does not take", { audio_format: "alaw_8000" }, {
      _tag: "UnsupportedFormat",
      field: "audio_format",
      format: "alaw_8000",
      allowed: ["pcm_8000", "pcm_16000", "pcm_22050", "pcm_24000", "pcm_44100", "pcm_48000", "ulaw_8000"]
    }],
    ["a sample rate the model does not take", { audio_format: "pcm_32000" }, { _tag: "UnsupportedFormat", format: "pcm_32000" }],
    ["a batch model", { model: "scribe_v2" }, { _tag: "UnknownModel", field: "voice.stt.model", allowed: ["scribe_v2_realtime"] }],
    ["a language that is not ISO 639-1", { language: "english" }, { _tag: "InvalidRequest", field: "voice.stt.language" }],
    ["a commit strategy it does not know", { commit: "sometimes" as never }, { _tag: "InvalidRequest", field: "commit", allowed: ["vad", "manual"] }],
    ["an unknown option", { provider_options: { vad_treshold: 0.5 } }, {
      _tag: "InvalidRequest",
      field: "voice.stt.provider_options.elevenlabs.vad_treshold"
    }],
    ["an option out of range", { commit: "vad", provider_options: { vad_threshold: 2 } }, {
      _tag: "InvalidRequest",
      field: "voice.stt.provider_options.elevenlabs.vad_threshold"
    }],
    ["a malformed option", { provider_options: { keyterms: "Patchbay" } }, {
      _tag: "InvalidRequest",
      field: "voice.stt.provider_options.elevenlabs.keyterms"
    }],
    ["VAD tuning on a manual session", { provider_options: { min_silence_duration_ms: 300 } }, {
      _tag: "InvalidRequest",
      field: "voice.stt.provider_options.elevenlabs.min_silence_duration_ms"
    }],
    ["a keyterm over 20 characters", { provider_options: { keyterms: ["ok", "a".repeat(21)] } }, {
      _tag: "InvalidRequest",
      field: "voice.stt.provider_options.elevenlabs.keyterms[1]"
    }],
    ["a secondary language that is not ISO 639-1", { provider_options: { secondary_languages: ["fr", "deu"] } }, {
      _tag: "InvalidRequest",
      field: "voice.stt.provider_options.elevenlabs.secondary_languages[1]"
    }],
    ["background filtering with timestamps", { include_timestamps: true, provider_options: { filter_background_audio: true } }, {
      _tag: "InvalidRequest",
      field: "voice.stt.provider_options.elevenlabs.filter_background_audio"
    }]
  ]
  for (const [what, overrides, expected] of refusals) {
    it(what, async () => {
      const { fake, stt, realtime } = await start()
      const error = failure(await collect(realtime(spec(overrides), Stream.fromIterable(CHUNKS))))
      expect(error).toMatchObject({ provider: "elevenlabs", ...expected })
      expect(fake.upgrades()).toBe(0)
      const validated = await Effect.runPromise(Effect.exit(stt.validateRealtime!(spec(overrides))))
      expect(failure(validated as Exit.Exit<void, ProviderError>)).toEqual(error)
    })
  }

  it("validateRealtime accepts every option of the realtime API", async () => {
    const { stt } = await start()
    const options = {
      vad_silence_threshold_secs: 1,
      vad_threshold: 0.5,
      min_speech_duration_ms: 250,
      min_silence_duration_ms: 500,
      secondary_languages: ["fr"],
      keyterms: ["Patchbay"],
      no_verbatim: true,
      filter_background_audio: true,
      enable_logging: false,
      previous_text: "Earlier."
    }
    const exit = await Effect.runPromise(Effect.exit(stt.validateRealtime!(spec({ commit: "vad", language: "en", provider_options: options }))))
    expect(Exit.isSuccess(exit)).toBe(true)
  })
})
