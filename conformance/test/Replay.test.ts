import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { fromRequestFailure, InvalidRequest } from "@patchbay/core"
import { type Cassette, replayFetch, ReplayMismatch } from "../src/index.ts"

const audioDir = new URL("../examples/acme-voice/cassettes/", import.meta.url).pathname
const mp3 = new Uint8Array(readFileSync(new URL("../examples/acme-voice/cassettes/audio/speech.mp3", import.meta.url)))
const mp3Ref = { sha256: createHash("sha256").update(mp3).digest("hex"), size: mp3.byteLength }

const ok = (body?: Cassette.ResponseBody): Cassette.CassetteResponse => ({ status: 200, ...(body === undefined ? {} : { body }) })

const jsonInteraction: Cassette.Interaction = {
  request: {
    method: "POST",
    url: "https://api.vendor.test/v1/speech?stream=true",
    body: { type: "json", json: { model: "m-1", voice: "ada", options: { speed: 1.1, stability: 0.5 } } }
  },
  response: ok({ type: "json", json: { id: "r1" } })
}

const uploadInteraction: Cassette.Interaction = {
  request: {
    method: "POST",
    url: "https://api.vendor.test/v1/transcriptions",
    body: {
      type: "multipart",
      fields: { model: "m-1", "timestamp_granularities[]": ["word", "segment"], file: { ...mp3Ref, filename: "speech.mp3" } }
    }
  },
  response: ok({ type: "json", json: { text: "hi" } })
}

const form = () => {
  const f = new FormData()
  f.append("timestamp_granularities[]", "word")
  f.append("model", "m-1")
  f.append("timestamp_granularities[]", "segment")
  f.append("file", new Blob([mp3], { type: "audio/mpeg" }), "speech.mp3")
  return f
}

const expectedUpload = {
  type: "multipart",
  fields: {
    "timestamp_granularities[]": ["word", "segment"],
    model: "m-1",
    file: { ...mp3Ref, filename: "speech.mp3", content_type: "audio/mpeg" }
  }
}

describe("matching", () => {
  it("matches on method, path, query and body fields, whatever the host, key order or spacing", async () => {
    const fetch = replayFetch([jsonInteraction])
    const body = `{ "options": { "stability": 0.5, "speed": 1.1 }, "voice": "ada", "model": "m-1" }`
    const response = await fetch("http://localhost:9999/v1/speech?stream=true", { method: "post", body, headers: { "content-type": "application/json", authorization: "Bearer secret-key-123" } })
    expect(await response.json()).toEqual({ id: "r1" })
    expect(fetch.log).toHaveLength(1)
    expect(fetch.log[0]).toMatchObject({
      seq: 0,
      method: "POST",
      url: "http://localhost:9999/v1/speech?stream=true",
      headers: { "content-type": "application/json" },
      body: { type: "json", json: { model: "m-1", voice: "ada", options: { speed: 1.1, stability: 0.5 } } },
      interaction: 0,
      repeated: false,
      status: 200,
      aborted: false,
      cancelled: false,
      error: undefined
    })
    expect(fetch.log[0]?.headers).not.toHaveProperty("authorization")
  })

  it("fails an unmatched request with the closest interaction and each differing field", async () => {
    const fetch = replayFetch(
      [{ request: { method: "GET", url: "https://api.vendor.test/v1/models" }, response: ok() }, jsonInteraction],
      { name: "speech.json" }
    )
    const body = JSON.stringify({ model: "m-2", voice: "ada", options: { speed: 1.1 } })
    const failure = await fetch("https://api.vendor.test/v1/speech", { method: "POST", body, headers: { "content-type": "application/json" } }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(ReplayMismatch)
    const message = [
      "no interaction of speech.json matches POST /v1/speech",
      "closest: interaction 1 (POST https://api.vendor.test/v1/speech?stream=true), 3 differences:",
      "  query.stream: recorded \"true\", sent (absent)",
      "  body.model: recorded \"m-1\", sent \"m-2\"",
      "  body.options.stability: recorded 0.5, sent (absent)"
    ].join("\n")
    expect((failure as Error).message).toBe(message)
    expect(fetch.log[0]).toMatchObject({ interaction: undefined, mismatch: message, error: message })
    // A programming error, not an outage: core maps it to a final InvalidRequest with the same lines.
    const mapped = fromRequestFailure("vendor", new TypeError("fetch failed", { cause: failure }), "the request failed")
    expect(mapped).toBeInstanceOf(InvalidRequest)
    expect([mapped.message, mapped.retryable]).toEqual([`Invalid request (vendor) at request: ${message}`, false])
  })

  it("lets [redacted] values and ignored paths match anything", async () => {
    const fetch = replayFetch([{
      request: {
        method: "POST",
        url: "https://api.vendor.test/v1/chat?key=[redacted]",
        body: { type: "json", json: { model: "m", user: "[redacted]", metadata: { trace: "abc" } } },
        ignore: ["body.metadata"]
      },
      response: ok({ type: "text", text: "fine" })
    }])
    const response = await fetch("https://api.vendor.test/v1/chat?key=real-key-value", {
      method: "POST",
      body: JSON.stringify({ model: "m", user: "someone", metadata: { trace: "xyz", span: 1 } }),
      headers: { "content-type": "application/json" }
    })
    expect(await response.text()).toBe("fine")
    expect(fetch.log[0]?.url).toBe("https://api.vendor.test/v1/chat?key=%5Bredacted%5D")
  })

  it("answers each interaction once in order, then repeats the last match for a retry", async () => {
    const first = { request: { method: "GET", url: "https://v.test/x" }, response: { status: 503 } }
    const second = { request: { method: "GET", url: "https://v.test/x" }, response: { status: 200 } }
    const fetch = replayFetch([first, second])
    const statuses = [(await fetch("https://v.test/x")).status, (await fetch("https://v.test/x")).status, (await fetch("https://v.test/x")).status]
    expect(statuses).toEqual([503, 200, 200])
    expect(fetch.log.map((e) => [e.interaction, e.repeated])).toEqual([[0, false], [1, false], [1, true]])
  })
})

describe("request bodies", () => {
  it("parses FormData directly, hashing the file part", async () => {
    const fetch = replayFetch([uploadInteraction])
    await fetch("https://api.vendor.test/v1/transcriptions", { method: "POST", body: form() })
    expect(fetch.log[0]?.body).toEqual(expectedUpload)
    expect(fetch.log[0]?.interaction).toBe(0)
  })

  it("parses an encoded multipart body as it streams, from a Request, a Blob or bytes", async () => {
    for (const make of [
      async () => new Request("https://api.vendor.test/v1/transcriptions", { method: "POST", body: form() }),
      async () => {
        const encoded = new Response(form())
        const type = encoded.headers.get("content-type") ?? ""
        return new Request("https://api.vendor.test/v1/transcriptions", { method: "POST", body: await encoded.blob(), headers: { "content-type": type } })
      }
    ]) {
      const fetch = replayFetch([uploadInteraction])
      await fetch(await make())
      expect(fetch.log[0]?.body).toEqual(expectedUpload)
    }
    const encoded = new Response(form())
    const type = encoded.headers.get("content-type") ?? ""
    const bytes = new Uint8Array(await encoded.arrayBuffer())
    // Delivered 7 bytes at a time, so delimiters straddle reads.
    const trickle = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 7) controller.enqueue(bytes.subarray(at, at + 7))
        controller.close()
      }
    })
    const fetch = replayFetch([uploadInteraction])
    await fetch("https://api.vendor.test/v1/transcriptions", { method: "POST", body: trickle, headers: { "content-type": type }, duplex: "half" } as RequestInit)
    expect(fetch.log[0]?.body).toEqual(expectedUpload)
  })

  it("hashes binary bodies and reads form and text bodies", async () => {
    const fetch = replayFetch([])
    await fetch("https://v.test/upload", { method: "PUT", body: mp3, headers: { "content-type": "audio/mpeg" } }).catch(() => {})
    await fetch("https://v.test/form", { method: "POST", body: new URLSearchParams([["a", "1"], ["b", "2"], ["a", "3"]]) }).catch(() => {})
    await fetch("https://v.test/text", { method: "POST", body: "hello", headers: { "content-type": "text/plain" } }).catch(() => {})
    expect(fetch.log.map((e) => e.body)).toEqual([
      { type: "binary", ...mp3Ref, content_type: "audio/mpeg" },
      { type: "form", fields: { a: ["1", "3"], b: "2" } },
      { type: "text", text: "hello" }
    ])
    expect(fetch.log.map((e) => e.error)).toEqual([
      "no interaction of the cassette matches PUT /upload: the cassette has no interactions",
      "no interaction of the cassette matches POST /form: the cassette has no interactions",
      "no interaction of the cassette matches POST /text: the cassette has no interactions"
    ])
  })
})

const read = async (response: Response) => new TextDecoder().decode(new Uint8Array(await response.arrayBuffer()))

describe("responses", () => {
  it("frames SSE events and raw chunks, NDJSON lines and binary chunks, with default content types", async () => {
    const fetch = replayFetch([
      {
        request: { method: "GET", url: "https://v.test/sse" },
        response: ok({
          type: "sse",
          chunks: [{ data: { a: 1 } }, { event: "error", id: "7", data: "line one\nline two" }, { raw: ": keep-alive\nretry: 100\n\n" }, { data: "[DONE]" }]
        })
      },
      { request: { method: "GET", url: "https://v.test/ndjson" }, response: ok({ type: "ndjson", chunks: [{ json: { n: 1 } }, { json: { n: 2 } }] }) },
      {
        request: { method: "GET", url: "https://v.test/audio" },
        response: { status: 200, headers: { "content-type": "audio/mpeg" }, body: { type: "binary", chunks: [{ base64: Buffer.from("ID3").toString("base64") }, { file: "audio/speech.mp3", start: 3, end: 10 }] } }
      },
      { request: { method: "DELETE", url: "https://v.test/thing" }, response: { status: 204 } }
    ], { baseDir: audioDir })
    const sse = await fetch("https://v.test/sse")
    expect(sse.headers.get("content-type")).toBe("text/event-stream")
    expect(await read(sse)).toBe("data: {\"a\":1}\n\nevent: error\nid: 7\ndata: line one\ndata: line two\n\n: keep-alive\nretry: 100\n\ndata: [DONE]\n\n")
    const ndjson = await fetch("https://v.test/ndjson")
    expect([ndjson.headers.get("content-type"), await read(ndjson)]).toEqual(["application/x-ndjson", "{\"n\":1}\n{\"n\":2}\n"])
    const audio = await fetch("https://v.test/audio")
    expect(audio.url).toBe("https://v.test/audio")
    expect(new Uint8Array(await audio.arrayBuffer())).toEqual(Uint8Array.from([...Buffer.from("ID3"), ...mp3.subarray(3, 10)]))
    const empty = await fetch("https://v.test/thing", { method: "DELETE" })
    expect([empty.status, empty.body]).toEqual([204, null])
  })

  it("replays chunks with their delays and logs when each was written", async () => {
    const fetch = replayFetch([{
      request: { method: "GET", url: "https://v.test/slow" },
      response: { status: 200, delay_ms: 30, body: { type: "binary", chunks: [{ base64: "AAAA" }, { base64: "AQEB", delay_ms: 60 }, { base64: "AgIC", delay_ms: 60 }] } }
    }])
    const response = await fetch("https://v.test/slow")
    const entry = fetch.log[0]
    expect((entry?.respondedAt ?? 0) - (entry?.startedAt ?? 0)).toBeGreaterThanOrEqual(28)
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const arrivals: Array<number> = []
    for (let next = await reader.read(); !next.done; next = await reader.read()) arrivals.push(performance.now())
    expect(arrivals).toHaveLength(3)
    expect((arrivals[1] ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(55)
    expect((arrivals[2] ?? 0) - (arrivals[1] ?? 0)).toBeGreaterThanOrEqual(55)
    expect(entry?.chunkTimes).toHaveLength(3)
    expect((entry?.completedAt ?? 0) - (entry?.chunkTimes[0] ?? 0)).toBeGreaterThanOrEqual(115)
  })

  it("fails the body where the recording's stream failed", async () => {
    const fetch = replayFetch([{
      request: { method: "GET", url: "https://v.test/broken" },
      response: ok({ type: "binary", chunks: [{ base64: "AAAA" }, { error: "connection reset by peer", delay_ms: 5 }] })
    }])
    const reader = ((await fetch("https://v.test/broken")).body as ReadableStream<Uint8Array>).getReader()
    expect((await reader.read()).value).toEqual(new Uint8Array([0, 0, 0]))
    const failure = await reader.read().catch((e: unknown) => e as TypeError)
    expect([(failure as TypeError).name, (failure as TypeError).message, ((failure as TypeError).cause as Error).message]).toEqual(["TypeError", "terminated", "connection reset by peer"])
    expect(fetch.log[0]?.error).toBe("the recorded stream failed: connection reset by peer")
  })
})

describe("abort and cancel", () => {
  const slow: Cassette.Interaction = {
    request: { method: "GET", url: "https://v.test/slow" },
    response: { status: 200, body: { type: "binary", chunks: [{ base64: "AAAA" }, { base64: "AQEB", delay_ms: 1000 }] } }
  }

  it("an abort before the headers rejects the fetch with an AbortError and is logged", async () => {
    const fetch = replayFetch([slow], { stall: "headers" })
    const controller = new AbortController()
    const pending = fetch("https://v.test/slow", { signal: controller.signal })
    setTimeout(() => controller.abort(), 10)
    const failure = await pending.catch((e: unknown) => e as DOMException)
    expect((failure as DOMException).name).toBe("AbortError")
    expect(fetch.log[0]).toMatchObject({ aborted: true, cancelled: false, status: undefined, interaction: 0 })
  })

  it("an abort while the body streams errors the body with an AbortError", async () => {
    const fetch = replayFetch([slow])
    const controller = new AbortController()
    const reader = ((await fetch("https://v.test/slow", { signal: controller.signal })).body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    controller.abort()
    const failure = await reader.read().catch((e: unknown) => e as DOMException)
    expect((failure as DOMException).name).toBe("AbortError")
    expect(fetch.log[0]).toMatchObject({ aborted: true, cancelled: false, completedAt: undefined })
  })

  it("a body cancelled by the caller is logged as cancelled, and a later abort changes nothing", async () => {
    const fetch = replayFetch([slow])
    const controller = new AbortController()
    const reader = ((await fetch("https://v.test/slow", { signal: controller.signal })).body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    await reader.cancel()
    controller.abort()
    expect(fetch.log[0]).toMatchObject({ aborted: false, cancelled: true })
  })

  it("an exchange that completed is not marked aborted by a later abort", async () => {
    const fetch = replayFetch([{ request: { method: "GET", url: "https://v.test/x" }, response: ok({ type: "text", text: "done" }) }])
    const controller = new AbortController()
    expect(await (await fetch("https://v.test/x", { signal: controller.signal })).text()).toBe("done")
    controller.abort()
    expect(fetch.log[0]?.aborted).toBe(false)
  })

  it("dispose releases a stalled exchange", async () => {
    const fetch = replayFetch([slow], { stall: "headers" })
    const pending = fetch("https://v.test/slow")
    await new Promise((resolve) => setTimeout(resolve, 5))
    fetch.dispose()
    expect(((await pending.catch((e: unknown) => e)) as Error).message).toBe("the replay transport was disposed")
  })
})

describe("a clock of the caller's", () => {
  it("waits every recorded delay out with the given sleep, scaled, in order", async () => {
    const asked: Array<number> = []
    const release: Array<() => void> = []
    const fetch = replayFetch([{
      request: { method: "GET", url: "https://api.vendor.test/v1/audio" },
      response: { status: 200, delay_ms: 40, body: { type: "binary", chunks: [{ base64: "AAE=", delay_ms: 25 }, { base64: "AgM=", delay_ms: 30 }] } }
    }], {
      delayScale: 2,
      sleep: (ms) => new Promise<void>((resolve) => {
        asked.push(ms)
        release.push(resolve)
      })
    })
    const pending = fetch("https://api.vendor.test/v1/audio")
    await new Promise((resolve) => setImmediate(resolve))
    expect(asked).toEqual([80]) // the headers wait for the caller's clock, not a timer
    release.shift()?.()
    const response = await pending
    const reading = response.arrayBuffer()
    for (let i = 0; i < 2; i++) {
      await new Promise((resolve) => setImmediate(resolve))
      release.shift()?.()
    }
    expect([...new Uint8Array(await reading)]).toEqual([0, 1, 2, 3])
    expect(asked).toEqual([80, 50, 60])
  })
})
