/**
 * `pb.listen`: live audio from an async iterable or a web stream, the session's events as an
 * async iterable — refused before connecting, read as the session consumes it, closed by an
 * abort, and inside a thread either answered utterance by utterance or stored as one message.
 */
import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { Cancelled, Commit, createPatchbay, type PipelineEvent, QuotaExceeded } from "../src/index.ts"
import {
  FakeLlm,
  type FakeLlmOptions,
  fakeProvider,
  FakeRealtimeStt,
  type FakeRealtimeSttOptions,
  FakeTts,
  fixtureSentence
} from "../src/testing/index.ts"

/** The recording as 16-bit PCM at 16 kHz: 82132 bytes, 2.566625 s. */
const speechPcm = new Uint8Array(readFileSync(new URL("./fixtures/audio/speech.pcm", import.meta.url)))
const chunks = (bytes: Uint8Array, size = 3200): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let at = 0; at < bytes.byteLength; at += size) out.push(bytes.subarray(at, at + size))
  return out
}

const make = (options: { readonly stt?: FakeRealtimeSttOptions; readonly llm?: FakeLlmOptions } = {}) => {
  const stt = FakeRealtimeStt(options.stt)
  const llm = FakeLlm(options.llm)
  const tts = FakeTts()
  const pb = createPatchbay({
    providers: [fakeProvider({ id: "fake", stt, llm, tts })],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    media: { secret: "listen-test-secret" }
  })
  return { pb, stt, llm, tts }
}

const stt = { provider: "fake", model: "fake-realtime", language: "en" } as const

async function* fromArray<T>(items: ReadonlyArray<T>): AsyncGenerator<T> {
  for (const item of items) yield item
}

/** An audio source the test feeds by hand, counting what the session pulled. */
const controlled = <T>() => {
  const waiting: Array<T> = []
  let ended = false
  let wake: (() => void) | undefined
  const state = { pulled: 0, released: false }
  const iterable: AsyncIterable<T> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<T>> => {
        for (;;) {
          if (waiting.length > 0) {
            state.pulled++
            return { done: false, value: waiting.shift()! }
          }
          if (ended) return { done: true, value: undefined }
          await new Promise<void>((resolve) => (wake = resolve))
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        state.released = true
        return { done: true, value: undefined }
      }
    })
  }
  const poke = () => {
    wake?.()
    wake = undefined
  }
  return {
    iterable,
    state,
    push: (...items: ReadonlyArray<T>) => {
      waiting.push(...items)
      poke()
    },
    end: () => {
      ended = true
      poke()
    }
  }
}

const collect = async (events: AsyncIterable<PipelineEvent>) => {
  const out: Array<PipelineEvent> = []
  for await (const event of events) out.push(event)
  return out
}

/** Lets the runtime run until the count stops moving (event-loop turns, not time). */
const settle = async (count: () => number) => {
  let last = -1
  let still = 0
  for (let turn = 0; turn < 2000 && still < 20; turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve))
    const now = count()
    still = now === last ? still + 1 : 0
    last = now
  }
}

const typesOf = (events: ReadonlyArray<PipelineEvent>) => events.map((e) => e.type)

describe("pb.listen", () => {
  it("yields the session's events under a fresh run id and the empty thread id", async () => {
    const { pb, stt: fake } = make()
    const events = await collect(pb.listen({ voice: { stt }, audio: fromArray(chunks(speechPcm)), format: "pcm_16000" }))
    expect(typesOf(events)).toEqual(["stt_stream_start", ...Array(10).fill("stt_partial"), "stt_committed", "stt_stream_end"])
    const runId = events[0]!.run_id
    expect(runId).toMatch(/^run_[A-Za-z0-9_-]{16}$/)
    expect(events.every((e) => e.run_id === runId && e.thread_id === "")).toBe(true)
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i))
    const end = events.at(-1)
    expect(end?.type === "stt_stream_end" && [end.transcript, end.record.duration_seconds, end.record.usage]).toEqual([
      fixtureSentence,
      2.566625,
      { audio_seconds: 2.566625 }
    ])
    // the events are wire data
    expect(JSON.parse(JSON.stringify(events))).toEqual(events)
    expect([fake.opened(), fake.closed()]).toEqual([1, 1])
    await pb.dispose()
  })

  it("partials arrive while the audio is still being sent", async () => {
    const { pb, stt: fake } = make()
    const source = controlled<Uint8Array>()
    const iterator = pb.listen({ voice: { stt }, audio: source.iterable, format: "pcm_16000" })[Symbol.asyncIterator]()
    const all = chunks(speechPcm)
    source.push(...all.slice(0, 9))
    expect((await iterator.next()).value).toMatchObject({ type: "stt_stream_start", provider: "fake", model: "fake-realtime" })
    expect((await iterator.next()).value).toMatchObject({ type: "stt_partial", text: "Patchbay" })
    expect(fake.sessions[0]?.outcome).toBe("open")
    expect(source.state.pulled).toBeLessThanOrEqual(9)
    source.push(...all.slice(9))
    source.end()
    const rest: Array<PipelineEvent> = []
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) rest.push(next.value)
    expect(typesOf(rest)).toEqual([...Array(9).fill("stt_partial"), "stt_committed", "stt_stream_end"])
    await pb.dispose()
  })

  it("manual commits: the audio yields Commit where an utterance ends; a ReadableStream is read too", async () => {
    const { pb, stt: fake } = make({ stt: { script: ["Hello there.", "General Kenobi."] } })
    const parts: Array<Uint8Array | Commit> = [...chunks(speechPcm), Commit, ...chunks(speechPcm), Commit]
    const audio = new ReadableStream<Uint8Array | Commit>({
      start(controller) {
        for (const part of parts) controller.enqueue(part)
        controller.close()
      }
    })
    const events = await collect(pb.listen({ voice: { stt }, audio, format: "pcm_16000", commit: "manual", includeTimestamps: true }))
    const committed = events.flatMap((e) => (e.type === "stt_committed" ? [[e.text, e.words?.length]] : []))
    expect(committed).toEqual([["Hello there.", 2], ["General Kenobi.", 2]])
    const end = events.at(-1)
    expect(end?.type === "stt_stream_end" && end.transcript).toBe("Hello there. General Kenobi.")
    expect(fake.sessions[0]).toMatchObject({ bytes: 2 * 82132, commits: 2, outcome: "completed", spec: { commit: "manual", include_timestamps: true } })
    await pb.dispose()
  })

  it("refusals reject the first next() before connecting, naming the facade's fields", async () => {
    const { pb, stt: fake } = make()
    const refused = async (params: Partial<Parameters<typeof pb.listen>[0]>) => {
      const iterator = pb.listen({ voice: { stt }, audio: fromArray([new Uint8Array(320)]), format: "pcm_16000", ...params })[Symbol.asyncIterator]()
      return iterator.next().then(() => undefined, (error: unknown) => error)
    }
    expect(await refused({ format: "mp3" })).toMatchObject({ _tag: "UnsupportedFormat", field: "format", allowed: ["pcm_16000", "pcm_24000", "ulaw_8000"] })
    expect(await refused({ voice: { stt: { provider: "fake", model: "fake-stt" } } })).toMatchObject({ _tag: "InvalidRequest", field: "voice.stt.model" })
    expect(await refused({ language: "ja" })).toMatchObject({ _tag: "InvalidRequest", field: "language", value: "ja" })
    expect(await refused({ voice: { stt: { ...stt, language: "ja" } } })).toMatchObject({ _tag: "InvalidRequest", field: "voice.stt.language" })
    expect(await refused({ commit: "later" as "manual" })).toMatchObject({ _tag: "InvalidRequest", field: "commit", value: "later" })
    expect(await refused({ respond: true })).toMatchObject({ _tag: "InvalidRequest", field: "threadId" })
    expect(await refused({ threadId: "thr_nope" })).toMatchObject({ _tag: "NotFound", kind: "thread", id: "thr_nope" })
    const thread = await pb.createThread()
    const badVoice = { stt, tts: { provider: "fake", model: "fake-tts", voice: "zed" } }
    expect(await refused({ threadId: thread.thread_id, respond: true, voice: badVoice })).toMatchObject({ _tag: "InvalidRequest", field: "voice.tts.voice", value: "zed" })
    expect(await refused({ threadId: thread.thread_id, voice: { stt, tts: { provider: "fake", model: "fake-tts", voice: "ada" } } })).toMatchObject({
      _tag: "InvalidRequest",
      field: "voice.tts"
    })
    expect(fake.opened()).toBe(0)
    await pb.dispose()
  })

  it("the signal aborts: the iteration ends with Cancelled, the vendor session closes, the audio is released", async () => {
    const { pb, stt: fake } = make()
    const source = controlled<Uint8Array>()
    const controller = new AbortController()
    const iterator = pb.listen({ voice: { stt }, audio: source.iterable, format: "pcm_16000", signal: controller.signal })[Symbol.asyncIterator]()
    source.push(...chunks(speechPcm).slice(0, 9))
    expect((await iterator.next()).value?.type).toBe("stt_stream_start")
    const partial = await iterator.next()
    expect(partial.value?.type).toBe("stt_partial")
    controller.abort()
    await expect(drain(iterator)).rejects.toEqual(new Cancelled({ runId: partial.value!.run_id }))
    expect([fake.opened(), fake.closed()]).toEqual([1, 1])
    expect(fake.sessions[0]?.outcome).toBe("interrupted")
    expect(source.state.released).toBe(true)
    await pb.dispose()
  })

  it("leaving the loop early closes the vendor session", async () => {
    const { pb, stt: fake } = make()
    const source = controlled<Uint8Array>()
    source.push(...chunks(speechPcm).slice(0, 9))
    for await (const event of pb.listen({ voice: { stt }, audio: source.iterable, format: "pcm_16000" })) {
      if (event.type === "stt_partial") break
    }
    expect([fake.opened(), fake.closed()]).toEqual([1, 1])
    expect(fake.sessions[0]?.outcome).toBe("interrupted")
    await pb.dispose()
  })

  it("backpressure: the audio is read as the events are taken, not ahead of them", async () => {
    // about one partial per chunk: 30 times the recording, 780 chunks of 3200 bytes
    const { pb, stt: fake } = make({ stt: { bytesPerPartial: 1600 } })
    const all = Array.from({ length: 30 }, () => chunks(speechPcm)).flat()
    let pulled = 0
    async function* audio() {
      for (const chunk of all) {
        pulled++
        yield chunk
      }
    }
    const iterator = pb.listen({ voice: { stt }, audio: audio(), format: "pcm_16000" })[Symbol.asyncIterator]()
    expect((await iterator.next()).value?.type).toBe("stt_stream_start")
    await settle(() => pulled)
    // what was heard waits in bounded buffers of 64 events (the run's queue, the batch the iterator
    // is taking from it, the iterator's own): about 190 events, some 155 chunks of the 780
    expect(pulled).toBeLessThan(200)
    const stalled = pulled
    let rest = 0
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) rest++
    expect(rest).toBeGreaterThan(600)
    expect([pulled, fake.sessions[0]?.bytes]).toEqual([all.length, 30 * 82132])
    expect(stalled).toBeLessThan(pulled)
    await pb.dispose()
  })

  it("a thread without respond: the transcript is stored as one user message at the end", async () => {
    const { pb, llm } = make()
    const thread = await pb.createThread()
    const events = await collect(pb.listen({ voice: { stt }, audio: fromArray(chunks(speechPcm)), format: "pcm_16000", threadId: thread.thread_id }))
    expect(events.every((e) => e.thread_id === thread.thread_id)).toBe(true)
    const end = events.at(-1)
    const record = end?.type === "stt_stream_end" ? end.record : undefined
    const { messages } = await pb.threads.get(thread.thread_id)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatchObject({
      role: "user",
      content: fixtureSentence,
      status: "completed",
      thread_id: thread.thread_id,
      run_id: end?.run_id,
      voice_records: { stt: record }
    })
    expect(llm.log.requests).toEqual([])
    await pb.dispose()
  })

  it("respond: each committed utterance is answered in the thread, its run's events right after it", async () => {
    const { pb, llm } = make({
      stt: { script: ["Hello there.", "General Kenobi."] },
      llm: { reply: (request) => `You said: ${String(request.messages.at(-1)?.content)}` }
    })
    const thread = await pb.createThread({ systemPrompt: "Answer briefly." })
    const audio = fromArray<Uint8Array | Commit>([...chunks(speechPcm), Commit, ...chunks(speechPcm), Commit])
    const events = await collect(pb.listen({ voice: { stt }, audio, format: "pcm_16000", commit: "manual", threadId: thread.thread_id, respond: true }))
    const session = events[0]!.run_id
    // "You said: …" streams as four word tokens
    const reply = ["run_started", ...Array(4).fill("content_streaming"), "run_ended"]
    expect(typesOf(events)).toEqual([
      "stt_stream_start",
      ...Array(10).fill("stt_partial"),
      "stt_committed",
      ...reply,
      ...Array(10).fill("stt_partial"),
      "stt_committed",
      ...reply,
      "stt_stream_end"
    ])
    expect(events.every((e) => e.thread_id === thread.thread_id)).toBe(true)
    const runs = [...new Set(events.map((e) => e.run_id))]
    expect(runs).toHaveLength(3)
    expect(runs[0]).toBe(session)
    // each run numbers its own events
    expect(events.filter((e) => e.run_id === runs[1]).map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5])
    expect(events.filter((e) => e.type === "run_ended").map((e) => e.type === "run_ended" && e.status)).toEqual(["completed", "completed"])
    const { messages } = await pb.threads.get(thread.thread_id)
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "Hello there."],
      ["assistant", "You said: Hello there."],
      ["user", "General Kenobi."],
      ["assistant", "You said: General Kenobi."]
    ])
    // the second answer sees the first exchange, under the thread's system prompt
    expect(llm.log.requests[1]?.messages.map((m) => m.content)).toEqual([
      "Answer briefly.",
      "Hello there.",
      "You said: Hello there.",
      "General Kenobi."
    ])
    await pb.dispose()
  })

  it("respond with voice.tts: each reply is spoken", async () => {
    const { pb, tts } = make({ llm: { reply: "Understood." } })
    const thread = await pb.createThread()
    const events = await collect(pb.listen({
      voice: { stt, tts: { provider: "fake", model: "fake-tts", voice: "ada" } },
      audio: fromArray(chunks(speechPcm)),
      format: "pcm_16000",
      threadId: thread.thread_id,
      respond: true
    }))
    expect(typesOf(events).filter((t) => t.startsWith("tts_"))).toEqual(["tts_stream_start", "tts_audio_chunk", "tts_audio_chunk", "tts_audio_chunk", "tts_stream_end"])
    expect(tts.log.requests.map((r) => r.text)).toEqual(["Understood."])
    await pb.dispose()
  })

  it("a reply that fails ends the session after that run's error and run_ended", async () => {
    const quota = new QuotaExceeded({ provider: "fake", status: 429, detail: "out of credits" })
    const { pb, stt: fake } = make({ llm: { failures: [quota] } })
    const thread = await pb.createThread()
    const seen: Array<PipelineEvent> = []
    const audio = fromArray<Uint8Array | Commit>([...chunks(speechPcm), Commit, ...chunks(speechPcm)])
    const listening = pb.listen({ voice: { stt }, audio, format: "pcm_16000", commit: "manual", threadId: thread.thread_id, respond: true })
    await expect((async () => {
      for await (const event of listening) seen.push(event)
    })()).rejects.toBe(quota)
    expect(typesOf(seen).slice(-4)).toEqual(["stt_committed", "run_started", "error", "run_ended"])
    expect(seen.at(-1)).toMatchObject({ type: "run_ended", status: "failed" })
    // the session ends with the reply's failure, and closes
    expect([fake.opened(), fake.closed()]).toEqual([1, 1])
    expect(fake.sessions[0]?.outcome).toBe("failed")
    await pb.dispose()
  })

  it("the audio source failing is re-thrown as thrown, and the session closes", async () => {
    const { pb, stt: fake } = make()
    const unplugged = new Error("microphone unplugged")
    async function* audio() {
      yield* chunks(speechPcm).slice(0, 3)
      throw unplugged
    }
    await expect(collect(pb.listen({ voice: { stt }, audio: audio(), format: "pcm_16000" }))).rejects.toBe(unplugged)
    expect(fake.sessions.map((s) => [s.bytes, s.outcome])).toEqual([[9600, "interrupted"]])
    await pb.dispose()
  })

  it("anything but bytes and Commit in the audio is refused", async () => {
    const { pb } = make()
    const audio = fromArray<unknown>([new Uint8Array(320), "hello"]) as AsyncIterable<Uint8Array>
    await expect(collect(pb.listen({ voice: { stt }, audio, format: "pcm_16000" }))).rejects.toMatchObject({ _tag: "InvalidRequest", field: "audio" })
    await pb.dispose()
  })
})

async function drain(iterator: AsyncIterator<PipelineEvent>) {
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next());
}
