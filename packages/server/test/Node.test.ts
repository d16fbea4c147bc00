/**
 * A real `node:http` server on a loopback port (`toNodeHandler`), called with plain `fetch`:
 * multipart uploads of a real mp3 (held in memory, or spooled past 1 MiB; refused with 413 as
 * soon as they pass the STT model's limit), Server-Sent Events read line by line, a client that
 * disconnects, and signed media with Range requests.
 */
import { FakeLlm, FakeStt, FakeTts, fakeProvider, silentMp3 } from "@patchbay/core/testing"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { nodeServer, readEvents, type ScenarioOptions, until } from "./support/server.ts"
import { weatherReply, weatherTool } from "./support/tools.ts"

const mp3 = readFileSync(path.resolve(import.meta.dirname, "../../core/test/fixtures/audio/speech.mp3"))
const stt = { provider: "fake", model: "fake-stt", language: "en" }

let s: Awaited<ReturnType<typeof nodeServer>> | undefined
const start = async (options: ScenarioOptions = {}) => (s = await nodeServer(options))
afterEach(async () => {
  await s?.dispose()
  s = undefined
})

/** A multipart message as Backboard's SDK sends it: fields first (JSON ones as strings), then the audio. */
const form = (fields: Record<string, unknown>, audio?: Blob, name = "question.mp3") => {
  const body = new FormData()
  for (const [key, value] of Object.entries(fields)) body.append(key, typeof value === "string" ? value : JSON.stringify(value))
  if (audio !== undefined) body.append("audio_file", audio, name)
  return body
}

describe("multipart uploads", () => {
  it("a real mp3 is transcribed and answered; the STT read every byte", async () => {
    const server = await start()
    const response = await server.call("/threads/messages", { method: "POST", body: form({ voice: { stt } }, new Blob([mp3], { type: "audio/mpeg" })) })
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body).toMatchObject({ status: "completed", content: "Hello! How can I help?" })
    expect(body.messages[0]).toMatchObject({ role: "user", content: "Hello there." })
    expect(body.messages.at(-1).voice_records.stt).toMatchObject({ provider: "fake", model: "fake-stt", transcript: "Hello there.", language: "en" })
    expect(server.fakes.stt.bytesRead()).toBe(mp3.byteLength)
  })

  it("stream \"true\" answers events, the transcript first", async () => {
    const server = await start()
    const response = await server.call("/threads/messages", {
      method: "POST",
      body: form({ stream: "true", send_to_llm: "false", voice: { stt } }, new Blob([mp3], { type: "audio/mpeg" }))
    })
    const { events } = await readEvents(response)
    expect(events.map((e) => e.type)).toEqual(["run_started", "stt_stream_start", "stt_text_delta", "stt_stream_end", "run_ended"])
    expect(events[3]).toMatchObject({ transcript: "Hello there." })
  })

  it("a small upload is read from memory, a large one from disk: either way whole, under the name it was sent with", async () => {
    const server = await start()
    const large = silentMp3({ seconds: 300, sampleRate: 16000, bitrateKbps: 32 })
    expect(large.byteLength).toBeGreaterThan(1_048_576)
    for (const [audio, name] of [[mp3, "question.mp3"], [large, "long question.mp3"]] as const) {
      const response = await server.call("/threads/messages", {
        method: "POST",
        body: form({ voice: { stt }, send_to_llm: "false" }, new Blob([new Uint8Array(audio)], { type: "audio/mpeg" }), name)
      })
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ status: "completed", content: "Hello there." })
    }
    expect(server.fakes.stt.bytesRead()).toBe(mp3.byteLength + large.byteLength)
    expect(server.fakes.stt.log.requests.map((r) => [r.audio.filename, r.audio.size, r.audio.container])).toEqual([
      ["question.mp3", mp3.byteLength, "mp3"],
      ["long_question.mp3", large.byteLength, "mp3"]
    ])
  })

  it("413 past the limit after the upload has gone to disk, too", async () => {
    const models = fakeProvider({ stt: FakeStt(), llm: FakeLlm(), tts: FakeTts() }).models.map((m) =>
      m.capability === "stt" ? { ...m, max_input_bytes: 2_000_000 } : m
    )
    const server = await start({ models })
    const response = await server.call("/threads/messages", { method: "POST", body: form({ voice: { stt } }, new Blob([new Uint8Array(3_000_000)])) })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ code: "InputTooLarge", field: "audio_file", limit: 2_000_000, provider: "fake", model: "fake-stt" })
    expect(server.fakes.stt.log.requests).toHaveLength(0)
  })

  it("413 as soon as the upload passes the STT model's limit, with what was counted so far", async () => {
    const models = fakeProvider({ stt: FakeStt(), llm: FakeLlm(), tts: FakeTts() }).models.map((m) =>
      m.capability === "stt" ? { ...m, max_input_bytes: 4096 } : m
    )
    const server = await start({ models })
    const big = new Blob([new Uint8Array(5_000_000)], { type: "audio/mpeg" })
    const response = await server.call("/threads/messages", { method: "POST", body: form({ voice: { stt } }, big) })
    expect(response.status).toBe(413)
    expect(response.headers.get("x-should-retry")).toBe("false")
    const body = await response.json()
    expect(body).toMatchObject({ code: "InputTooLarge", retryable: false, field: "audio_file", limit: 4096, provider: "fake", model: "fake-stt" })
    expect(body.size).toBeGreaterThan(4096)
    expect(body.size).toBeLessThan(5_000_000)
    expect(server.fakes.stt.log.requests).toHaveLength(0)
  })

  it("without a model's limit, the server's maxUploadBytes applies", async () => {
    const server = await start({ server: { limits: { maxUploadBytes: 10_000 } } })
    const response = await server.call("/threads/messages", { method: "POST", body: form({ voice: { stt } }, new Blob([mp3])) })
    expect(response.status).toBe(413)
    const body = await response.json()
    expect(body).toMatchObject({ code: "InputTooLarge", field: "audio_file", limit: 10_000 })
    expect(body.provider).toBeUndefined()
  })

  it("text sent as audio is UnsupportedFormat", async () => {
    const server = await start()
    const response = await server.call("/threads/messages", { method: "POST", body: form({ voice: { stt } }, new Blob(["hello, this is not audio at all"]), "notes.mp3") })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: "UnsupportedFormat", format: "text", field: "audio_file", retryable: false })
  })

  it("a JSON field that is not JSON: 400 naming it", async () => {
    const server = await start()
    const body = new FormData()
    body.append("voice", "{stt:")
    const response = await server.call("/threads/messages", { method: "POST", body })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      detail: "Invalid request at voice: expected a JSON string",
      code: "InvalidRequest",
      retryable: false,
      field: "voice",
      value: "{stt:",
      reason: "expected a JSON string"
    })
  })

  it("files parts are refused for now", async () => {
    const server = await start()
    const body = form({ content: "See attached" })
    body.append("files", new Blob(["%PDF-1.4"]), "doc.pdf")
    const response = await server.call("/threads/messages", { method: "POST", body })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: "InvalidRequest", field: "files", reason: "file attachments are not supported yet" })
  })
})

describe("disconnects", () => {
  it("a client gone before the run pauses cancels it: the vendor call is aborted, the turn stored cancelled", async () => {
    const server = await start({ llm: { firstToken: "1 hour" } })
    const abort = new AbortController()
    const response = await server.call("/threads/messages", { json: { content: "Hi", stream: true }, signal: abort.signal })
    const { events } = await readEvents(response, (e) => e.type === "run_started")
    await until(() => server.fakes.llm.log.requests.length === 1)
    abort.abort()
    const runId = events[0]!["run_id"] as string
    let status = "in_progress"
    for (let i = 0; i < 400 && status === "in_progress"; i++) {
      status = (await (await server.call(`/runs/${runId}`)).json()).status
      if (status === "in_progress") await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(status).toBe("cancelled")
    expect(server.fakes.llm.log.outcomes).toEqual(["interrupted"])
    const thread = await (await server.call(`/threads/${events[0]!["thread_id"]}`)).json()
    expect(thread.messages.map((m: { status: string }) => m.status)).toContain("cancelled")
  })

  it("a client gone after tool_submit_required leaves the run paused", async () => {
    const server = await start({ llm: { reply: weatherReply } })
    const abort = new AbortController()
    const response = await server.call("/threads/messages", { json: { content: "Weather?", tools: [weatherTool], stream: true }, signal: abort.signal })
    const { events } = await readEvents(response, (e) => e.type === "tool_submit_required")
    abort.abort()
    const run = await (await server.call(`/runs/${events[0]!["run_id"]}`)).json()
    expect(run.status).toBe("requires_action")
  })
})

describe("media", () => {
  it("a signed URL needs no key; Range answers 206; an unsigned id needs the owner's key", async () => {
    const server = await start()
    const spoken = await (await server.call("/threads/messages", {
      json: { content: "Hi", send_to_llm: false, voice: { tts: { provider: "fake", model: "fake-tts", voice: "ada" } } }
    })).json()
    const media = spoken.attachments[0]
    expect(media.media_type).toBe("audio/mpeg")
    expect(media.url).toMatch(/^\/media\/doc_[A-Za-z0-9_-]{24}\?exp=\d+&sig=[A-Za-z0-9_-]{43}$/)

    const whole = await fetch(`${server.base}${media.url}`)
    expect(whole.status).toBe(200)
    expect(whole.headers.get("content-type")).toBe("audio/mpeg")
    expect(whole.headers.get("accept-ranges")).toBe("bytes")
    const bytes = new Uint8Array(await whole.arrayBuffer())
    expect(bytes.byteLength).toBeGreaterThan(100)

    const part = await fetch(`${server.base}${media.url}`, { headers: { range: "bytes=10-19" } })
    expect(part.status).toBe(206)
    expect(part.headers.get("content-range")).toBe(`bytes 10-19/${bytes.byteLength}`)
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(10, 20))

    const tail = await fetch(`${server.base}${media.url}`, { headers: { range: "bytes=-5" } })
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.byteLength - 5))

    const beyond = await fetch(`${server.base}${media.url}`, { headers: { range: `bytes=${bytes.byteLength}-` } })
    expect(beyond.status).toBe(416)
    expect(beyond.headers.get("content-range")).toBe(`bytes */${bytes.byteLength}`)

    const unsigned = `/media/${media.document_id}`
    expect((await fetch(`${server.base}${unsigned}`)).status).toBe(401)
    const owned = await server.call(unsigned)
    expect(owned.status).toBe(200)
    expect(new Uint8Array(await owned.arrayBuffer())).toEqual(bytes)
    expect((await server.as(server.keys.globex)(unsigned)).status).toBe(404)

    const forged = await fetch(`${server.base}${media.url.replace(/sig=(.)/, (_: string, c: string) => `sig=${c === "A" ? "B" : "A"}`)}`)
    expect(forged.status).toBe(400)
    expect(await forged.json()).toMatchObject({ code: "InvalidRequest", field: "sig", reason: "signature does not match" })
  })
})

describe("multipart limits", () => {
  it("a text field past limits.maxJsonBytes is 413", async () => {
    const server = await start({ server: { limits: { maxJsonBytes: 1024 } } })
    const response = await server.call("/threads/messages", { method: "POST", body: form({ content: "x".repeat(4096) }) })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ code: "InputTooLarge", field: "body", limit: 1024 })
  })
})
