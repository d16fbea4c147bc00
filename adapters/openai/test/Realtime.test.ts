/**
 * Realtime transcription against a fake of the Realtime API (`support/FakeRealtime.ts`): real
 * espeak-ng speech (`cassettes/audio/lights.pcm`, 16-bit PCM at 24 kHz) is fed chunk by chunk
 * from a queue the test controls, so "while audio is still being sent" is a count, not a time.
 * The fake records what the adapter sent: the session's config, the audio bytes, the commits and
 * the close.
 */
import { EXIT_GUARD_MS, runToExit } from "@patchbay/conformance"
import { Commit, type ProviderError, type RealtimeSttEvent, type RealtimeSttInput, type RealtimeSttSpec } from "@patchbay/core"
import { Cause, Effect, Exit, Fiber, Queue, Stream } from "effect"
import { readFileSync } from "node:fs"
import { createConnection } from "node:net"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { openai, REALTIME_FORMATS } from "../src/index.ts"
import { track } from "../src/internal/RealtimeSession.ts"
import { type FakeRealtime, type Script, startFakeRealtime } from "./support/FakeRealtime.ts"
import { cassettes, TEST_KEY } from "./support/harness.ts"

/** "Turn the lights on. Play some music.": espeak-ng, then ffmpeg to raw s16le mono 24 kHz (cassettes/README.md). */
const speech = readFileSync(`${cassettes}audio/lights.pcm`)
const CHUNK = 4000
const chunks = Array.from({ length: Math.ceil(speech.byteLength / CHUNK) }, (_, i) => speech.subarray(i * CHUNK, (i + 1) * CHUNK))
/** The first sentence's share of the audio: 16 chunks. */
const HALF = 16

const script = (overrides: Partial<Script> = {}): Script => ({
  utterances: ["Turn the lights on.", "Play some music."],
  bytesPerWord: 8000,
  key: TEST_KEY,
  ...overrides
})

const spec = (overrides: Partial<RealtimeSttSpec> = {}): RealtimeSttSpec => ({
  model: "gpt-4o-transcribe",
  language: "en",
  audio_format: "pcm_24000",
  commit: "manual",
  ...overrides
})

let fake: FakeRealtime | undefined
afterEach(async () => {
  await fake?.stop()
  fake = undefined
})

const start = async (s: Script) => {
  fake = await startFakeRealtime(s)
  return fake
}

const providerFor = (f: FakeRealtime, apiKey = TEST_KEY) =>
  openai({ apiKey, baseURL: f.baseURL, realtimeSocket: { createConnection } })

/** A session over an input queue the test feeds; events are collected as they come. */
const open = (f: FakeRealtime, s: RealtimeSttSpec = spec(), apiKey = TEST_KEY) => {
  const input = Effect.runSync(Queue.make<RealtimeSttInput, Cause.Done>())
  const events: Array<RealtimeSttEvent> = []
  const waiters: Array<{ readonly count: number; readonly wake: () => void }> = []
  const partials = () => events.filter((e) => e.type === "partial").length
  const stream = providerFor(f, apiKey).stt?.realtime?.(s, Stream.fromQueue(input))
  if (stream === undefined) throw new Error("the provider has no realtime STT")
  const fiber = Effect.runFork(
    Stream.runForEach(stream, (event) =>
      Effect.sync(() => {
        events.push(event)
        for (const w of waiters.filter((w) => partials() >= w.count)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.wake()
        }
      }))
  )
  return {
    events,
    fiber,
    send: (...items: ReadonlyArray<RealtimeSttInput>) => {
      for (const item of items) Queue.offerUnsafe(input, item)
    },
    end: () => Queue.endUnsafe(input),
    /** Resolves once this many partials have arrived. */
    partials: (count: number) =>
      new Promise<void>((wake) => (partials() >= count ? wake() : waiters.push({ count, wake }))),
    exit: () => Effect.runPromise(Fiber.await(fiber))
  }
}

const errorOf = (exit: Exit.Exit<unknown, ProviderError>): ProviderError => {
  if (Exit.isSuccess(exit)) throw new Error("expected the session to fail")
  const error = Cause.findErrorOption(exit.cause)
  if (error._tag === "None") throw new Error(`expected a typed error, got ${Cause.pretty(exit.cause)}`)
  return error.value
}

const received = (f: FakeRealtime, index = 0) => Buffer.concat(f.connections[index]?.audio ?? [])

describe("realtime transcription", () => {
  it("the catalogue: the gpt-4o transcribe models are realtime, with 24 kHz PCM and G.711 at 8 kHz", () => {
    const realtime = openai().models.filter((m) => m.realtime === true)
    expect(realtime.map((m) => [m.id, m.realtime_formats])).toEqual([
      ["gpt-4o-transcribe", ["pcm_24000", "ulaw_8000", "alaw_8000"]],
      ["gpt-4o-mini-transcribe", ["pcm_24000", "ulaw_8000", "alaw_8000"]]
    ])
    expect(REALTIME_FORMATS).toEqual(["pcm_24000", "ulaw_8000", "alaw_8000"])
  })

  it("manual commits: partials arrive while audio is still being sent, each commit settles its sentence, the summary counts the audio", async () => {
    const f = await start(script())
    const session = open(f)
    session.send(...chunks.slice(0, 3))
    await session.partials(1)
    // The first word is back while 29 of the 32 chunks have not even been handed over.
    expect(session.events.at(-1)).toEqual({ type: "partial", text: "Turn" })
    expect(received(f).byteLength).toBeLessThanOrEqual(3 * CHUNK)
    session.send(...chunks.slice(3, HALF), Commit, ...chunks.slice(HALF))
    session.end()
    const exit = await session.exit()
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(session.events).toEqual([
      { type: "session_started", session_id: "sess_fake_transcription_1" },
      { type: "partial", text: "Turn" },
      { type: "partial", text: "Turn the" },
      { type: "partial", text: "Turn the lights" },
      { type: "partial", text: "Turn the lights on." },
      { type: "committed", text: "Turn the lights on." },
      { type: "partial", text: "Play" },
      { type: "partial", text: "Play some" },
      { type: "partial", text: "Play some music." },
      { type: "committed", text: "Play some music." },
      {
        type: "summary",
        usage: { input_tokens: 20, output_tokens: 7, total_tokens: 27, audio_tokens: 20, audio_seconds: speech.byteLength / 48_000 },
        session_id: "sess_fake_transcription_1",
        provider_output: {
          session_id: "sess_fake_transcription_1",
          session: expect.objectContaining({ type: "transcription", id: "sess_fake_transcription_1" }),
          items: [
            expect.objectContaining({ item_id: "item_1", transcript: "Turn the lights on." }),
            expect.objectContaining({ item_id: "item_2", transcript: "Play some music." })
          ]
        }
      }
    ])
    const seen = f.connections[0]
    expect(received(f).equals(speech)).toBe(true)
    expect(seen?.url).toBe("/v1/realtime?intent=transcription")
    expect(seen?.authorized).toBe(true)
    // One update, the appends, the test's commit, the adapter's last commit; then the socket closes.
    expect(seen?.events.filter((t) => t !== "input_audio_buffer.append")).toEqual([
      "session.update",
      "input_audio_buffer.commit",
      "input_audio_buffer.commit"
    ])
    expect(seen?.events.filter((t) => t === "input_audio_buffer.append")).toHaveLength(chunks.length)
    await f.closed()
    expect(seen?.closed).toEqual({ code: 1000 })
  })

  it("the session's config is the spec's: model, language, format, no turn detection for manual commits, the options", async () => {
    const f = await start(script())
    const session = open(f, spec({
      model: "gpt-4o-mini-transcribe",
      audio_format: "ulaw_8000",
      provider_options: { prompt: "Home automation commands", noise_reduction: "near_field", include: ["item.input_audio_transcription.logprobs"] }
    }))
    // Two seconds of G.711 (8,000 bytes a second).
    session.send(new Uint8Array(8000).fill(0xff), new Uint8Array(8000).fill(0x7f))
    session.end()
    expect(Exit.isSuccess(await session.exit())).toBe(true)
    expect(f.connections[0]?.sessions).toEqual([{
      type: "transcription",
      audio: {
        input: {
          format: { type: "audio/pcmu" },
          transcription: { model: "gpt-4o-mini-transcribe", language: "en", prompt: "Home automation commands" },
          turn_detection: null,
          noise_reduction: { type: "near_field" }
        }
      },
      include: ["item.input_audio_transcription.logprobs"]
    }])
    expect(f.connections[0]?.events).toEqual(["session.update", "input_audio_buffer.append", "input_audio_buffer.append", "input_audio_buffer.commit"])
    expect(session.events.filter((e) => e.type === "committed")).toEqual([{ type: "committed", text: "Turn the lights on." }])
    expect(session.events.at(-1)).toMatchObject({ type: "summary", usage: { audio_seconds: 2 } })
  })

  it("a session without audio commits nothing and sums up zero seconds", async () => {
    const f = await start(script())
    const session = open(f)
    session.end()
    expect(Exit.isSuccess(await session.exit())).toBe(true)
    expect(f.connections[0]?.events).toEqual(["session.update"])
    expect(session.events).toEqual([
      { type: "session_started", session_id: "sess_fake_transcription_1" },
      expect.objectContaining({ type: "summary", usage: { audio_seconds: 0 }, session_id: "sess_fake_transcription_1" })
    ])
  })

  it("semantic VAD, as the options ask", async () => {
    const f = await start(script())
    const session = open(f, spec({ commit: "vad", provider_options: { turn_detection: { type: "semantic_vad", eagerness: "low" } } }))
    session.end()
    expect(Exit.isSuccess(await session.exit())).toBe(true)
    expect(f.connections[0]?.sessions).toMatchObject([{ audio: { input: { turn_detection: { type: "semantic_vad", eagerness: "low" } } } }])
  })

  it("word times asked for: a warning in the summary; logprobs asked for: kept in provider_output", async () => {
    const f = await start(script())
    const session = open(f, spec({ include_timestamps: true, provider_options: { include: ["item.input_audio_transcription.logprobs"] } }))
    session.send(...chunks.slice(0, HALF))
    session.end()
    expect(Exit.isSuccess(await session.exit())).toBe(true)
    expect(session.events.filter((e) => e.type === "committed")).toEqual([{ type: "committed", text: "Turn the lights on." }])
    const summary = session.events.at(-1)
    expect(summary).toMatchObject({
      type: "summary",
      warnings: ["OpenAI's realtime transcription gives no word times: include_timestamps was ignored"],
      provider_output: {
        items: [{
          item_id: "item_1",
          logprobs: ["Turn", "the", "lights", "on."].map((token) => ({ token, bytes: [...Buffer.from(token)], logprob: -0.25 }))
        }]
      }
    })
  })

  it("a commit with nothing appended since the last one sends nothing; a chunk over 1 MiB goes up in pieces", async () => {
    const f = await start(script({ utterances: ["Hello."] }))
    const session = open(f)
    const big = new Uint8Array(1_048_576 + 1000).fill(7)
    session.send(Commit, big, Commit, Commit)
    session.end()
    expect(Exit.isSuccess(await session.exit())).toBe(true)
    expect(f.connections[0]?.events).toEqual(["session.update", "input_audio_buffer.append", "input_audio_buffer.append", "input_audio_buffer.commit"])
    expect(f.connections[0]?.audio.map((b) => b.byteLength)).toEqual([1_048_576, 1000])
    expect(received(f).equals(big)).toBe(true)
    expect(session.events.filter((e) => e.type === "committed")).toEqual([{ type: "committed", text: "Hello." }])
    expect(session.events.at(-1)).toMatchObject({ type: "summary", usage: { audio_seconds: big.byteLength / 48_000 } })
  })

  it("vad: the vendor commits each sentence; at the end the adapter commits the speech still going on", async () => {
    const f = await start(script({ bytesPerUtterance: HALF * CHUNK }))
    const session = open(f, spec({
      commit: "vad",
      language: undefined,
      provider_options: { turn_detection: { type: "server_vad", threshold: 0.6, silence_duration_ms: 400, prefix_padding_ms: 200 } }
    }))
    session.send(...chunks.slice(0, HALF + 2))
    await session.partials(5)
    // The first sentence is settled while the second is still being sent.
    expect(session.events.map((e) => e.type === "committed" ? e.text : undefined).filter(Boolean)).toEqual(["Turn the lights on."])
    session.send(...chunks.slice(HALF + 2))
    session.end()
    expect(Exit.isSuccess(await session.exit())).toBe(true)
    expect(session.events.filter((e) => e.type === "committed")).toEqual([
      { type: "committed", text: "Turn the lights on." },
      { type: "committed", text: "Play some music." }
    ])
    expect(f.connections[0]?.sessions).toEqual([{
      type: "transcription",
      audio: {
        input: {
          format: { type: "audio/pcm", rate: 24000 },
          transcription: { model: "gpt-4o-transcribe" },
          turn_detection: { type: "server_vad", threshold: 0.6, silence_duration_ms: 400, prefix_padding_ms: 200 }
        }
      }
    }])
    expect(f.connections[0]?.events.filter((t) => t !== "input_audio_buffer.append")).toEqual(["session.update", "input_audio_buffer.commit"])
    expect(received(f).equals(speech)).toBe(true)
  })

  it("vad without options: server VAD with the vendor's defaults", async () => {
    const f = await start(script())
    const session = open(f, spec({ commit: "vad" }))
    session.end()
    expect(Exit.isSuccess(await session.exit())).toBe(true)
    expect(f.connections[0]?.sessions).toMatchObject([{ audio: { input: { turn_detection: { type: "server_vad" } } } }])
  })

  it("interrupting the stream closes the socket", async () => {
    const f = await start(script())
    const session = open(f)
    session.send(...chunks.slice(0, 3))
    await session.partials(1)
    await Effect.runPromise(Fiber.interrupt(session.fiber))
    await f.closed()
    expect(f.connections[0]?.closed).toEqual({ code: 1000 })
  })

  describe("vendor errors map to their tags", () => {
    const cases: ReadonlyArray<readonly [string, Script["trouble"], Record<string, unknown>]> = [
      [
        "invalid_request_error → InvalidRequest naming the parameter",
        { kind: "error", afterBytes: 0, error: { type: "invalid_request_error", code: "invalid_value", message: "Invalid value for format.", param: "session.audio.input.format" } },
        { _tag: "InvalidRequest", field: "session.audio.input.format", status: 400 }
      ],
      [
        "an invalid key reported in the session → AuthenticationFailed",
        { kind: "error", afterBytes: 0, error: { type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided." } },
        { _tag: "AuthenticationFailed", status: 401 }
      ],
      [
        "rate_limit_exceeded → RateLimited",
        { kind: "error", afterBytes: 8000, error: { type: "rate_limit_error", code: "rate_limit_exceeded", message: "Rate limit reached." } },
        { _tag: "RateLimited", status: 429 }
      ],
      [
        "insufficient_quota → QuotaExceeded",
        { kind: "error", afterBytes: 8000, error: { type: "insufficient_quota", code: "insufficient_quota", message: "You exceeded your current quota." } },
        { _tag: "QuotaExceeded" }
      ],
      [
        "server_error → ProviderUnavailable",
        { kind: "error", afterBytes: 8000, error: { type: "server_error", code: null, message: "The server had an error." } },
        { _tag: "ProviderUnavailable" }
      ],
      [
        "an upgrade refused with 429 → RateLimited",
        { kind: "refuse", status: 429, error: { type: "rate_limit_error", code: "rate_limit_exceeded", message: "Too many sessions." } },
        { _tag: "RateLimited", status: 429, requestId: "req_fake_1" }
      ],
      [
        "an upgrade refused with 503 → ProviderUnavailable",
        { kind: "refuse", status: 503, error: { type: "server_error", message: "Overloaded." } },
        { _tag: "ProviderUnavailable", status: 503 }
      ],
      [
        "a dropped socket → ProviderUnavailable",
        { kind: "drop", afterBytes: 12000 },
        { _tag: "ProviderUnavailable" }
      ]
    ]
    for (const [name, trouble, expected] of cases) {
      it(name, async () => {
        const f = await start(script(trouble === undefined ? {} : { trouble }))
        const session = open(f)
        session.send(...chunks)
        const error = errorOf(await session.exit())
        expect({ ...error, _tag: error._tag }).toMatchObject(expected)
        expect(session.events.some((e) => e.type === "summary")).toBe(false)
        if (trouble?.kind !== "refuse") {
          await f.closed()
          expect(f.connections[0]?.closed?.code).toBe(trouble?.kind === "drop" ? 1006 : 1000)
        }
      })
    }

    it("a wrong key is AuthenticationFailed at the upgrade, and the key is in no error", async () => {
      const f = await start(script())
      const wrong = "sk" + "-wrong-9876543210zyxwvutsrqponm"
      const session = open(f, spec(), wrong)
      session.send(...chunks.slice(0, 2))
      const error = errorOf(await session.exit())
      expect(error).toMatchObject({ _tag: "AuthenticationFailed", status: 401, requestId: "req_fake_1" })
      expect(f.connections[0]?.authorized).toBe(false)
      const shown = `${error.message} ${JSON.stringify(error)} ${String(Cause.pretty(Cause.fail(error)))}`
      expect(shown).not.toContain(wrong)
      expect(shown).not.toContain(TEST_KEY)
    })
  })

  describe("refused before connecting", () => {
    const refusals: ReadonlyArray<readonly [string, Partial<RealtimeSttSpec>, Record<string, unknown>]> = [
      [
        "an audio format OpenAI does not take",
        { audio_format: "pcm_16000" },
        { _tag: "InvalidRequest", field: "audio_format", value: "pcm_16000", allowed: ["pcm_24000", "ulaw_8000", "alaw_8000"] }
      ],
      [
        "a model that does not transcribe in real time",
        { model: "whisper-1" },
        { _tag: "InvalidRequest", field: "voice.stt.model", allowed: ["gpt-4o-transcribe", "gpt-4o-mini-transcribe"] }
      ],
      ["an unknown model", { model: "gpt-9-transcribe" }, { _tag: "UnknownModel", field: "voice.stt.model" }],
      ["a language that is not ISO 639-1", { language: "english" }, { _tag: "InvalidRequest", field: "voice.stt.language" }],
      [
        "an unknown option",
        { provider_options: { vad_threshold: 0.5 } },
        {
          _tag: "InvalidRequest",
          field: "voice.stt.provider_options.openai.vad_threshold",
          allowed: ["turn_detection", "noise_reduction", "prompt", "include"]
        }
      ],
      [
        "a malformed option",
        { commit: "vad", provider_options: { turn_detection: { type: "server_vad", threshold: 2 } } },
        { _tag: "InvalidRequest", field: "voice.stt.provider_options.openai.turn_detection.threshold" }
      ],
      [
        "turn detection with manual commits",
        { commit: "manual", provider_options: { turn_detection: { type: "server_vad" } } },
        { _tag: "InvalidRequest", field: "voice.stt.provider_options.openai.turn_detection" }
      ],
      [
        "a noise reduction OpenAI does not have",
        { provider_options: { noise_reduction: "studio" } },
        { _tag: "InvalidRequest", field: "voice.stt.provider_options.openai.noise_reduction" }
      ]
    ]
    for (const [name, overrides, expected] of refusals) {
      it(name, async () => {
        const f = await start(script())
        const provider = providerFor(f)
        const refused = await Effect.runPromise(Effect.flip(provider.stt?.validateRealtime?.(spec(overrides)) ?? Effect.die("no hook")))
        expect({ ...refused, _tag: refused._tag }).toMatchObject(expected)
        const session = open(f, spec(overrides))
        session.send(...chunks.slice(0, 2))
        const error = errorOf(await session.exit())
        expect({ ...error, _tag: error._tag }).toMatchObject(expected)
        expect(f.connections).toHaveLength(0)
      })
    }

    it("a missing key is MissingApiKey, with no connection", async () => {
      const f = await start(script())
      const previous = process.env.OPENAI_API_KEY
      delete process.env.OPENAI_API_KEY
      try {
        const stream = openai({ baseURL: f.baseURL, realtimeSocket: { createConnection } }).stt?.realtime?.(spec(), Stream.empty)
        const exit = await Effect.runPromise(Effect.exit(Stream.runDrain(stream ?? Stream.empty)))
        expect(errorOf(exit)._tag).toBe("MissingApiKey")
        expect(f.connections).toHaveLength(0)
      } finally {
        if (previous !== undefined) process.env.OPENAI_API_KEY = previous
      }
    })
  })
})

describe("a session's bookkeeping (the vendor's events, read without a socket)", () => {
  const completed = (item_id: string, transcript: string, extra: Record<string, unknown> = {}) =>
    ({
      type: "conversation.item.input_audio_transcription.completed",
      event_id: "e",
      item_id,
      content_index: 0,
      transcript,
      usage: { type: "tokens", input_tokens: 5, output_tokens: 2, total_tokens: 7 },
      ...extra
    }) as const
  const committed = (item_id: string) => ({ type: "input_audio_buffer.committed", event_id: "e", item_id }) as const
  const commitEmpty = {
    type: "error",
    event_id: "e",
    error: { type: "invalid_request_error", code: "input_audio_buffer_commit_empty", message: "buffer too small" }
  } as const

  it("vad: the vendor's commit racing ours — the empty-buffer answer to ours is not an error", () => {
    const t = track(spec({ commit: "vad" }), 48_000)
    t.read({ type: "input_audio_buffer.speech_started", event_id: "e", item_id: "item_1", audio_start_ms: 0 })
    t.appended(4800)
    expect(t.committing("end")).toBe(true)
    t.endInput()
    t.read(committed("item_1"))
    expect(t.read(commitEmpty)).toEqual({ emit: [] })
    expect(t.settled()).toBe(false)
    expect(t.read(completed("item_1", "Hello."))).toEqual({ emit: [{ type: "committed", text: "Hello." }] })
    expect(t.settled()).toBe(true)
    expect(t.summary()).toMatchObject({ usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7, audio_seconds: 0.1 } })
  })

  it("vad: no speech going on at the end, no commit; manual: a commit only with audio since the last", () => {
    const vad = track(spec({ commit: "vad" }), 48_000)
    vad.appended(4800)
    expect(vad.committing("end")).toBe(false)
    vad.endInput()
    expect(vad.settled()).toBe(true)
    const manual = track(spec(), 48_000)
    expect(manual.committing("commit")).toBe(false)
    manual.appended(10)
    expect(manual.committing("commit")).toBe(true)
    expect(manual.committing("end")).toBe(false)
  })

  it("an empty-buffer error for a commit never sent is the vendor refusing the request", () => {
    const step = track(spec(), 48_000).read(commitEmpty)
    expect(step.failure).toMatchObject({ _tag: "InvalidRequest", status: 400 })
  })

  it("a failed item is a warning, and the session still settles", () => {
    const t = track(spec(), 48_000)
    t.appended(100)
    t.committing("end")
    t.endInput()
    t.read(committed("item_1"))
    t.read({
      type: "conversation.item.input_audio_transcription.failed",
      event_id: "e",
      item_id: "item_1",
      content_index: 0,
      error: { type: "server_error", message: "could not transcribe" }
    })
    expect(t.settled()).toBe(true)
    expect(t.summary()).toMatchObject({ warnings: ["the transcription of item_1 failed: could not transcribe"] })
  })

  it("a detected language (one) is the committed utterance's; seconds billed are not counted as seconds sent; silence is not an utterance", () => {
    const t = track(spec(), 8_000)
    t.appended(16_000)
    expect(t.read(completed("item_1", "Bonjour.", { languages: [{ code: "fr" }] }))).toEqual({
      emit: [{ type: "committed", text: "Bonjour.", language: "fr" }]
    })
    expect(t.read(completed("item_2", " ", { usage: { type: "duration", seconds: 9 } }))).toEqual({ emit: [] })
    expect(t.summary()).toMatchObject({ usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7, audio_seconds: 2 } })
  })
})

describe("a program exits by itself after a realtime session", () => {
  const program = fileURLToPath(new URL("./support/OneSession.ts", import.meta.url))
  const runs: ReadonlyArray<readonly [string, string, Partial<Script>, string]> = [
    ["that ended", "ok", { utterances: ["Turn the lights on. Play some music."] }, "Turn the lights on. Play some music.\n"],
    ["that the vendor failed", "fail", { trouble: { kind: "error", afterBytes: 8000, error: { type: "server_error", message: "The server had an error." } } }, "ProviderUnavailable\n"],
    ["whose reader stopped early", "stop", {}, "stopped\n"]
  ]
  for (const [name, outcome, overrides, stdout] of runs) {
    it(name, async () => {
      const f = await start(script(overrides))
      expect(await runToExit(program, [outcome, f.baseURL, TEST_KEY])).toEqual({ exited: true, code: 0, stdout, stderr: "" })
      await f.closed()
      expect(f.connections[0]?.closed).toEqual({ code: 1000 })
    }, EXIT_GUARD_MS + 5_000)
  }
})
