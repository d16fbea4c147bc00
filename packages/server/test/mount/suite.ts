/**
 * What every mounted server is driven through over real HTTP with plain `fetch`, whichever
 * framework serves it: a message answered as Server-Sent Events, an audio upload transcribed by
 * the fake STT, a 404 error body, a signed media URL that carries the prefix and is served
 * under it, and (where the app can be given a stalled LLM) an event that arrives while its run is
 * in flight and a disconnect that cancels the run. Each framework's test file starts its app and
 * calls {@link mountedSuite}.
 */
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, expect, it } from "vitest"
import { FakeLlm, fakeProvider } from "@patchbay/core/testing"
import { readEvents } from "../support/server.ts"

const mp3 = readFileSync(path.resolve(import.meta.dirname, "../../../core/test/fixtures/audio/speech.mp3"))

/** A running app with Patchbay mounted in it. */
export interface Mounted {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** Where Patchbay is mounted, e.g. `/patchbay`. */
  readonly prefix: string
  /** A key of a tenant in the server's stores. */
  readonly key: string
  /** How many audio bytes the fake STT has read, when the test can see it. */
  readonly sttBytesRead?: () => number
  readonly close: () => Promise<void>
}

/** A provider whose LLM never answers, for runs that stay in flight (see {@link mountedSuite}). */
export const stalledProvider = () => fakeProvider({ id: "stalled", llm: FakeLlm({ firstToken: "1 hour" }) })

/**
 * Registers the suite's tests against the app `start` serves (started once for the file). With
 * `stalled`, the server also has {@link stalledProvider}, and the suite checks that events arrive
 * while a run is still in flight and that a client going away cancels it, through the framework.
 */
export const mountedSuite = (start: () => Promise<Mounted>, options: { readonly stalled?: boolean } = {}) => {
  let app: Mounted
  beforeAll(async () => {
    app = await start()
  })
  afterAll(async () => {
    await app.close()
  })
  const call = (route: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    headers.set("x-api-key", app.key)
    return fetch(`${app.origin}${app.prefix}${route}`, { ...init, headers })
  }

  it("a streamed message: its Server-Sent Events in order", async () => {
    const response = await call("/threads/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "Hello?", stream: true })
    })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const { events } = await readEvents(response)
    expect(events.map((e) => e.type)).toEqual([
      "run_started",
      "content_streaming",
      "content_streaming",
      "content_streaming",
      "content_streaming",
      "content_streaming",
      "run_ended"
    ])
    expect(events.filter((e) => e.type === "content_streaming").map((e) => e["content"]).join("")).toBe("Hello! How can I help?")
    expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "completed" })
  })

  it("an audio upload: the real mp3 as multipart, transcribed by the fake STT", async () => {
    const body = new FormData()
    body.append("voice", JSON.stringify({ stt: { provider: "fake", model: "fake-stt", language: "en" } }))
    body.append("send_to_llm", "false")
    body.append("audio_file", new Blob([mp3], { type: "audio/mpeg" }), "speech.mp3")
    const response = await call("/threads/messages", { method: "POST", body })
    expect(response.status).toBe(200)
    const answer = await response.json()
    expect(answer).toMatchObject({ status: "completed", content: "Hello there." })
    expect(answer.messages).toHaveLength(1)
    expect(answer.messages[0]).toMatchObject({ role: "user", content: "Hello there." })
    expect(answer.messages[0].voice_records.stt).toMatchObject({ provider: "fake", model: "fake-stt", language: "en", transcript: "Hello there." })
    if (app.sttBytesRead !== undefined) expect(app.sttBytesRead()).toBe(mp3.byteLength)
  })

  it("an unknown thread: 404 with the NotFound body", async () => {
    const response = await call("/threads/thr_nope")
    expect(response.status).toBe(404)
    expect(response.headers.get("x-should-retry")).toBe("false")
    expect(await response.json()).toEqual({ detail: "No thread with id \"thr_nope\"", code: "NotFound", retryable: false, kind: "thread", id: "thr_nope" })
  })

  if (options.stalled === true) {
    it("events arrive while the run is in flight; a client that goes away cancels it", async () => {
      const abort = new AbortController()
      const response = await call("/threads/messages", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ content: "Hi", stream: true, llm_provider: "stalled", model_name: "fake-llm" }),
        signal: abort.signal
      })
      // The LLM never answers: the first event can only have come through unbuffered.
      const { events } = await readEvents(response, (e) => e.type === "run_started")
      expect(events.map((e) => e.type)).toEqual(["run_started"])
      abort.abort()
      // Polled a few milliseconds at a time (at most 2 s): a status, never a duration, is asserted.
      let status = "in_progress"
      for (let i = 0; i < 400 && status === "in_progress"; i++) {
        status = (await (await call(`/runs/${events[0]!["run_id"]}`)).json()).status
        if (status === "in_progress") await new Promise((resolve) => setTimeout(resolve, 5))
      }
      expect(status).toBe("cancelled")
    })
  }

  it("produced media: its signed URL carries the prefix and is served there without a key", async () => {
    const response = await call("/threads/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "Hi", send_to_llm: false, voice: { tts: { provider: "fake", model: "fake-tts", voice: "ada" } } })
    })
    const spoken = await response.json()
    const url: string = spoken.attachments[0].url
    expect(url.startsWith(`${app.prefix}/media/doc_`)).toBe(true)
    const media = await fetch(`${app.origin}${url}`)
    expect(media.status).toBe(200)
    expect(media.headers.get("content-type")).toBe("audio/mpeg")
    expect((await media.arrayBuffer()).byteLength).toBeGreaterThan(100)
  })
}
