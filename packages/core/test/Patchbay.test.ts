import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { Audio, createPatchbay, type PipelineEvent, QuotaExceeded } from "../src/index.ts"
import { FakeLlm, fakeProvider, FakeStt, FakeTts } from "../src/testing/index.ts"
import { Effect } from "effect"

const speechMp3 = new Uint8Array(readFileSync(new URL("./fixtures/audio/speech.mp3", import.meta.url)))
const mp3Path = new URL("./fixtures/audio/speech.mp3", import.meta.url).pathname

const make = (options: { llm?: Parameters<typeof FakeLlm>[0]; stt?: Parameters<typeof FakeStt>[0]; tts?: Parameters<typeof FakeTts>[0] } = {}) => {
  const fakes = { stt: FakeStt(options.stt), tts: FakeTts(options.tts), llm: FakeLlm(options.llm) }
  const pb = createPatchbay({
    providers: [fakeProvider({ id: "fake", ...fakes })],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    media: { secret: "facade-test-secret", baseUrl: "https://media.example.test" }
  })
  return { pb, fakes }
}

const collect = async (events: AsyncIterable<PipelineEvent>) => {
  const out: Array<PipelineEvent> = []
  for await (const event of events) out.push(event)
  return out
}

describe("createPatchbay", () => {
  it("addMessage with the seed's options: audio file path, voice, send_to_llm as a string", async () => {
    const { pb, fakes } = make({ stt: { transcript: "What time is it?" }, llm: { reply: "Noon." } })
    const response = await pb.addMessage({
      audioFile: mp3Path,
      voice: { stt: { provider: "fake", model: "fake-stt", language: "en" }, tts: { provider: "fake", model: "fake-tts", voice: "ada" } },
      sendToLlm: "true",
      stream: false
    })
    const last = response.messages.at(-1)!
    expect(last.voice_records?.stt?.transcript).toBe("What time is it?")
    expect(response.content).toBe("Noon.")
    expect(last.voice_records?.tts?.audio_url).toMatch(/^https:\/\/media\.example\.test\/media\/doc_[A-Za-z0-9_-]{24}\?exp=\d+&sig=/)
    expect(response.model_provider).toBe("fake")
    expect(fakes.stt.log.requests[0]?.audio.filename).toBe("speech.mp3")

    // the signed URL serves the stored audio, and media.get reads it by URL or id
    const url = last.voice_records!.tts!.audio_url
    const served = await pb.media.handler(new Request(url))
    expect(served.status).toBe(200)
    expect(served.headers.get("content-type")).toBe("audio/mpeg")
    const byUrl = await pb.media.get(url)
    const byId = await pb.media.get(last.voice_records!.tts!.document_id)
    expect(byUrl).toEqual(byId)
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(byId.bytes)
    const info = await Effect.runPromise(Audio.probe(byId.bytes))
    expect(info.container).toBe("mp3")
    await pb.dispose()
  })

  it("stream: true returns the events in wire form; sendMessage is addMessage with content", async () => {
    const { pb } = make({ llm: { reply: "Hi there." } })
    const events = await collect(await pb.sendMessage("Hello", { stream: true }))
    expect(events.map((e) => e.type)).toEqual(["run_started", "content_streaming", "content_streaming", "run_ended"])
    expect(JSON.parse(JSON.stringify(events))).toEqual(events)
    await pb.dispose()
  })

  it("invalid input rejects the promise with the tagged error, also with stream: true", async () => {
    const { pb, fakes } = make()
    await expect(pb.addMessage({ content: "x", voice: { tts: { provider: "fake", model: "fake-tts", voice: "nobody" } } }))
      .rejects.toMatchObject({ _tag: "InvalidRequest", field: "voice.tts.voice" })
    await expect(pb.addMessage({ stream: true, llmProvider: "fake", modelName: "fake-llm" }))
      .rejects.toMatchObject({ _tag: "InvalidRequest", field: "content" })
    await expect(pb.addMessage({ threadId: "thr_nope", content: "x" })).rejects.toMatchObject({ _tag: "NotFound", kind: "thread" })
    expect(fakes.llm.log.requests).toEqual([])
    await pb.dispose()
  })

  it("a failure after the stream started emits error and run_ended failed, then the iterator throws the tagged error", async () => {
    const { pb } = make({ llm: { failures: [new QuotaExceeded({ provider: "fake", status: 429 })] } })
    const seen: Array<string> = []
    const events = await pb.addMessage({ content: "Hi", stream: true })
    const failure = await (async () => {
      try {
        for await (const event of events) seen.push(event.type)
      } catch (error) {
        return error
      }
    })()
    expect(seen).toEqual(["run_started", "error", "run_ended"])
    expect(failure).toBeInstanceOf(QuotaExceeded)
    expect(failure).toMatchObject({ _tag: "QuotaExceeded", retryable: false })
    await expect(pb.addMessage({ content: "again" })).resolves.toMatchObject({ status: "completed" })
    await pb.dispose()
  })

  it("the caller's signal aborting rejects with Cancelled and stops the vendor call", async () => {
    const { pb, fakes } = make({ llm: { firstToken: "5 seconds" } })
    const controller = new AbortController()
    const pending = pb.addMessage({ content: "Hi", signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    await expect(pending).rejects.toMatchObject({ _tag: "Cancelled" })
    expect(fakes.llm.log.outcomes).toEqual(["interrupted"])

    const streaming = new AbortController()
    const events = await pb.addMessage({ content: "Hi", stream: true, signal: streaming.signal })
    const seen: Array<string> = []
    setTimeout(() => streaming.abort(), 50)
    await expect((async () => {
      for await (const event of events) seen.push(event.type)
    })()).rejects.toMatchObject({ _tag: "Cancelled" })
    expect(seen).toEqual(["run_started"])
    expect(fakes.llm.log.outcomes).toEqual(["interrupted", "interrupted"])
    await pb.dispose()
  })

  it("pb.cancel(runId) ends the run normally with status cancelled and its partial content", async () => {
    const { pb, fakes } = make({ llm: { reply: "one two three four five six", firstToken: "10 millis", tokensPerSecond: 20 } })
    const events = await pb.addMessage({ content: "Count", stream: true })
    const seen: Array<PipelineEvent> = []
    for await (const event of events) {
      seen.push(event)
      if (event.type === "content_streaming" && event.content === " two") await pb.cancel(event.run_id)
    }
    expect(seen.at(-1)).toMatchObject({ type: "run_ended", status: "cancelled" })
    expect(seen.filter((e) => e.type === "content_streaming").map((e) => (e as { content: string }).content).join("")).toBe("one two")
    expect(fakes.llm.log.outcomes).toEqual(["interrupted"])
    await expect(pb.cancel("run_unknown")).rejects.toMatchObject({ _tag: "NotFound", kind: "run" })
    await pb.dispose()
  })

  it("createThread keeps a system prompt and LLM for the thread's messages", async () => {
    const { pb, fakes } = make({ llm: { reply: "ok" } })
    const thread = await pb.createThread({ systemPrompt: "You are terse.", llmProvider: "fake", modelName: "fake-llm" })
    expect(thread.thread_id).toMatch(/^thr_/)
    const response = await pb.addMessage({ threadId: thread.thread_id, content: "Hi" })
    expect(response.thread_id).toBe(thread.thread_id)
    expect(fakes.llm.log.requests[0]?.messages[0]).toEqual({ role: "system", content: "You are terse." })
    await expect(pb.createThread({ llmProvider: "fake", modelName: "nope" })).rejects.toMatchObject({ _tag: "UnknownModel" })
    await pb.dispose()
  })

  it("audio can be bytes, a Blob, a web stream or an async iterable", async () => {
    const { pb, fakes } = make({ stt: { transcript: "ok" } })
    const voice = { stt: { provider: "fake", model: "fake-stt" } }
    async function* chunks() {
      for (let at = 0; at < speechMp3.byteLength; at += 1000) yield speechMp3.subarray(at, at + 1000)
    }
    for (const audioFile of [speechMp3, new Blob([speechMp3]), new Blob([speechMp3]).stream(), chunks()]) {
      const response = await pb.addMessage({ audioFile, voice, sendToLlm: false })
      expect(response.content).toBe("ok")
    }
    expect(fakes.stt.bytesRead()).toBe(4 * speechMp3.byteLength)
    await pb.dispose()
  })

  it("submitToolOutputs resumes a paused run, streaming or not", async () => {
    const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object" } } } as const
    const { pb } = make({
      llm: {
        reply: (request) =>
          request.messages.at(-1)?.role === "tool"
            ? "Sunny."
            : [{ type: "tool_call", tool_call: { id: "c1", type: "function", function: { name: "get_weather", arguments: "{}" } } }]
      }
    })
    const paused = await pb.addMessage({ content: "Weather?", tools: [weather] })
    expect(paused.status).toBe("requires_action")
    expect(paused.tool_calls?.map((c) => c.id)).toEqual(["c1"])
    await expect(pb.submitToolOutputs(paused.run_id, [{ tool_call_id: "zzz", output: "x" }])).rejects.toMatchObject({ _tag: "InvalidRequest" })
    const done = await pb.submitToolOutputs(paused.run_id, [{ tool_call_id: "c1", output: "sunny" }])
    expect([done.status, done.content, done.run_id]).toEqual(["completed", "Sunny.", paused.run_id])

    const again = await pb.addMessage({ threadId: paused.thread_id, content: "And tomorrow?", tools: [weather] })
    const events = await collect(await pb.submitToolOutputs(again.run_id, [{ tool_call_id: "c1", output: "rain" }], { stream: true }))
    expect(events.map((e) => e.type)).toEqual(["run_started", "content_streaming", "run_ended"])
    await pb.dispose()
  })
})
