/**
 * The client against a real server: `toNodeHandler` on a loopback `node:http` server with core's
 * fake vendors behind it. Every call is made twice — through the client, and on a
 * `createPatchbay` in process over the same fakes — and the answers must be equal, ids and
 * times aside; errors arrive as the same tagged errors with the same fields. Then what only the
 * client has: what travels on the wire (uploads as one body of known length or as a body stream,
 * the multipart layout, an event stream cut short, where the key goes). The behaviour both share
 * is in `behaviour/Suite.ts`.
 */
import { createKey, createPatchbay, CurrentTenant, InvalidRequest, NotFound, type Patchbay, RateLimited, Stores } from "@patchbay/core"
import { Unauthorized } from "@patchbay/api"
import { FakeLlm, FakeStt, FakeTts, fakeProvider, silentMp3 } from "@patchbay/core/testing"
import { toNodeHandler } from "@patchbay/server"
import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest"
import { createClient, fromErrorBody, type PatchbayClient, ServerError } from "../src/index.ts"

const defaults = { llm: { provider: "fake", model: "fake-llm" } }
const provider = () => fakeProvider({ llm: FakeLlm(), stt: FakeStt(), tts: FakeTts() })

interface Running {
  readonly client: PatchbayClient
  readonly local: Patchbay
  readonly base: string
  readonly key: string
  readonly dispose: () => Promise<void>
}

/** A server on a loopback port with a key of tenant `acme`, a client of it, and the same library in process. */
const start = async (): Promise<Running> => {
  const stores = Stores.makeMemory()
  const key = await Effect.runPromise(createKey({ name: "acme" }).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "acme")))
  const node = toNodeHandler({ providers: [provider()], stores, defaults, media: { secret: "test-media-secret-0123456789abcdef" } })
  const server: Server = createServer(node.handler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const local = createPatchbay({ providers: [provider()], defaults, media: { secret: "test-media-secret-0123456789abcdef" } })
  return {
    client: createClient({ baseUrl: base, apiKey: key.plaintext }),
    local,
    base,
    key: key.plaintext,
    dispose: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await node.dispose()
      await local.dispose()
    }
  }
}

const idPattern = /^[a-z]+_[A-Za-z0-9_-]{8,}$/
const timePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/

/**
 * The value with every generated id replaced by its kind and its first appearance's number
 * (so equal ids stay equal), every time by `<time>` and every duration (`…_ms`) by `<ms>`.
 */
const normalize = (value: unknown): unknown => {
  const seen = new Map<string, string>()
  const go = (node: unknown, key?: string): unknown => {
    if (typeof node === "string") {
      if (node !== "asst_default" && idPattern.test(node)) {
        if (!seen.has(node)) seen.set(node, `<${node.slice(0, node.indexOf("_"))}#${seen.size}>`)
        return seen.get(node)
      }
      return timePattern.test(node) ? "<time>" : node
    }
    if (typeof node === "number" && key !== undefined && /_ms$/.test(key)) return "<ms>"
    if (Array.isArray(node)) return node.map((item) => go(item))
    if (typeof node === "object" && node !== null) {
      // in key order, so ids are numbered alike whatever order each side's keys come in
      const entries = Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      return Object.fromEntries(entries.map(([k, v]) => [k, go(v, k)]))
    }
    return node
  }
  return go(value)
}

/** Calls both sides the same way and expects equal answers, ids and times aside; returns the client's. */
const same = async <A>(r: Running, call: (pb: PatchbayClient) => Promise<A>): Promise<A> => {
  const remote = await call(r.client)
  const local = await call(r.local)
  expect(normalize(remote)).toEqual(normalize(local))
  return remote
}

let r: Running
beforeEach(async () => {
  r = await start()
})
afterEach(async () => {
  await r.dispose()
})

describe("threads and messages", () => {
  it("createThread, sendMessage, threads.get, threads.list and runs.get answer as in process", async () => {
    const remoteThread = await r.client.createThread({ systemPrompt: "Be brief." })
    const localThread = await r.local.createThread({ systemPrompt: "Be brief." })
    expect(normalize(remoteThread)).toEqual(normalize(localThread))
    expect(remoteThread).toMatchObject({ assistant_id: "asst_default", system_prompt: "Be brief." })

    const remote = await r.client.sendMessage("Hello there.", { threadId: remoteThread.thread_id })
    const local = await r.local.sendMessage("Hello there.", { threadId: localThread.thread_id })
    expect(normalize(remote)).toEqual(normalize(local))
    expect(remote).toMatchObject({ status: "completed", content: "Hello! How can I help?", thread_id: remoteThread.thread_id })

    expect(normalize(await r.client.threads.get(remoteThread.thread_id))).toEqual(normalize(await r.local.threads.get(localThread.thread_id)))
    expect(normalize(await r.client.threads.get(remoteThread.thread_id, { limit: 1 }))).toEqual(
      normalize(await r.local.threads.get(localThread.thread_id, { limit: 1 }))
    )
    expect(normalize(await r.client.runs.get(remote.run_id))).toEqual(normalize(await r.local.runs.get(local.run_id)))
    const listed = await same(r, (pb) => pb.threads.list())
    expect(listed.map((t) => t.thread_id)).toEqual([remoteThread.thread_id])
  })

  it("sendMessage without a thread creates one; threads.list pages and filters by assistant", async () => {
    const first = await same(r, (pb) => pb.sendMessage("One."))
    await same(r, (pb) => pb.sendMessage("Two.", { systemPrompt: "Answer in one word." }))
    const all = await same(r, (pb) => pb.threads.list())
    expect(all).toHaveLength(2)
    const page = await same(r, (pb) => pb.threads.list({ skip: 1, limit: 1 }))
    expect(page.map((t) => t.thread_id)).toEqual([first.thread_id])
    await same(r, (pb) => pb.threads.list({ assistantId: "asst_default" }))
  })

  it("threads.delete removes the thread and its runs", async () => {
    const remote = await r.client.sendMessage("Hello.")
    const local = await r.local.sendMessage("Hello.")
    expect(await r.client.threads.delete(remote.thread_id)).toBeUndefined()
    await r.local.threads.delete(local.thread_id)
    expect(await r.client.threads.list()).toEqual([])
    await expect(r.client.threads.get(remote.thread_id)).rejects.toEqual(new NotFound({ kind: "thread", id: remote.thread_id }))
  })
})

describe("assistants", () => {
  it("create, get, update, list and delete answer as in process", async () => {
    const fields = { name: "Support", system_prompt: "You help.", memory: "off" as const, metadata: { team: "a" } }
    const remote = await r.client.assistants.create(fields)
    const local = await r.local.assistants.create(fields)
    expect(normalize(remote)).toEqual(normalize(local))
    expect(normalize(await r.client.assistants.get(remote.assistant_id))).toEqual(normalize(await r.local.assistants.get(local.assistant_id)))
    const changes = { name: "Support 2", memory_top_k: 7 }
    const updated = await r.client.assistants.update(remote.assistant_id, changes)
    expect(normalize(updated)).toEqual(normalize(await r.local.assistants.update(local.assistant_id, changes)))
    expect(updated).toMatchObject({ name: "Support 2", memory_top_k: 7, system_prompt: "You help." })
    await same(r, (pb) => pb.assistants.list())
    await same(r, (pb) => pb.assistants.list({ skip: 1, limit: 1 }))

    const thread = await r.client.createThread({ assistantId: remote.assistant_id })
    expect(thread.assistant_id).toBe(remote.assistant_id)
    expect((await r.client.threads.list({ assistantId: remote.assistant_id })).map((t) => t.thread_id)).toEqual([thread.thread_id])

    expect(await r.client.assistants.delete(remote.assistant_id)).toBeUndefined()
    await r.local.assistants.delete(local.assistant_id)
    await same(r, (pb) => pb.assistants.list())
    await expect(r.client.threads.get(thread.thread_id)).rejects.toBeInstanceOf(NotFound)
  })
})

describe("errors", () => {
  /** What a call rejects with. */
  const rejection = (promise: Promise<unknown>) => promise.then(() => expect.unreachable("resolved"), (error: unknown) => error)

  it("an unknown thread is the same NotFound, with its fields, message and retryable", async () => {
    const remote = await rejection(r.client.threads.get("thread_missing"))
    const local = await rejection(r.local.threads.get("thread_missing"))
    expect(remote).toBeInstanceOf(NotFound)
    expect(remote).toEqual(local)
    const error = remote as NotFound
    expect({ _tag: error._tag, kind: error.kind, id: error.id, message: error.message, retryable: error.retryable }).toEqual({
      _tag: "NotFound",
      kind: "thread",
      id: "thread_missing",
      message: (local as NotFound).message,
      retryable: false
    })
  })

  it("an unknown run, assistant, and a message to an unknown thread are NotFound as in process", async () => {
    for (const call of [
      (pb: PatchbayClient | Patchbay) => pb.runs.get("run_missing"),
      (pb: PatchbayClient | Patchbay) => pb.assistants.get("asst_missing"),
      (pb: PatchbayClient | Patchbay) => pb.sendMessage("Hi.", { threadId: "thread_missing" })
    ]) {
      const remote = await rejection(call(r.client))
      expect(remote).toBeInstanceOf(NotFound)
      expect(remote).toEqual(await rejection(call(r.local)))
    }
  })

  it("a wrong key is the API's Unauthorized", async () => {
    const stranger = createClient({ baseUrl: r.base, apiKey: "pb_wrong" })
    const error = await rejection(stranger.threads.list())
    expect(error).toBeInstanceOf(Unauthorized)
    expect(error).toEqual(new Unauthorized({ reason: "invalid" }))
  })

  it("an error body under a status the route does not declare is still its tagged error", async () => {
    const body = { detail: "Rate limited (fake); retry after 2s", code: "RateLimited", retryable: true, provider: "fake", retry_after: 2 }
    const client = createClient({
      baseUrl: r.base,
      apiKey: "pb_any",
      fetch: async () => Response.json(body, { status: 429 })
    })
    const error = await rejection(client.threads.list())
    expect(error).toEqual(new RateLimited({ provider: "fake", retryAfter: 2 }))
    expect((error as RateLimited).message).toBe(body.detail)
  })

  it("a failure without an error body rejects with the HTTP client's error", async () => {
    const client = createClient({ baseUrl: r.base, apiKey: "pb_any", fetch: async () => new Response("oops", { status: 418 }) })
    const error = await rejection(client.threads.list())
    expect(error).toMatchObject({ _tag: "HttpClientError" })
    expect((error as Error).message).toContain("418 GET")
  })

  it("the fetch given is the one called", async () => {
    const seen: Array<string> = []
    const client = createClient({
      baseUrl: r.base,
      apiKey: "pb_wrong",
      fetch: (input, init) => {
        const request = new Request(input, init)
        seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get("x-api-key")}`)
        return fetch(input, init)
      }
    })
    await rejection(client.assistants.list())
    expect(seen).toEqual(["GET /assistants pb_wrong"])
  })
})

describe("fromErrorBody", () => {
  it("rebuilds a known code as its class, fields camelCased", () => {
    const error = fromErrorBody({ detail: "Rate limited", code: "RateLimited", retryable: true, provider: "openai", retry_after: 3, request_id: "req_1" })
    expect(error).toBeInstanceOf(RateLimited)
    expect(error).toEqual(new RateLimited({ provider: "openai", retryAfter: 3, requestId: "req_1" }))
  })

  it("a vendor's detail is taken back out of the message", () => {
    const original = new RateLimited({ provider: "openai", detail: "Slow down please" })
    const error = fromErrorBody({ detail: original.message, code: "RateLimited", retryable: true, provider: "openai" })
    expect(error).toEqual(original)
    expect((error as RateLimited).message).toBe(original.message)
  })

  it("an unknown code, or fields that do not fit the class, is a ServerError with the body", () => {
    const error = fromErrorBody({ detail: "Something odd", code: "Mystery", retryable: true, thing: 1 })
    expect(error).toBeInstanceOf(ServerError)
    expect(fromErrorBody({ detail: "No thread", code: "NotFound", retryable: false, kind: "planet", id: "x" })).toBeInstanceOf(ServerError)
    if (!(error instanceof ServerError)) return
    expect({ code: error.code, retryable: error.retryable, fields: error.fields, message: error.message, name: error.name }).toEqual({
      code: "Mystery",
      retryable: true,
      fields: { thing: 1 },
      message: "Something odd",
      name: "ServerError"
    })
  })
})

describe("uploads and streams on the wire", () => {
  const stt = { provider: "fake", model: "fake-stt", language: "en" } as const

  it("the audio is a request body stream, pulled as it is sent: nothing is read before fetch is called", async () => {
    const chunks = [silentMp3({ seconds: 1 }).subarray(0, 500), silentMp3({ seconds: 1 }).subarray(500)]
    let yielded = 0
    const source = {
      async *[Symbol.asyncIterator]() {
        for (const chunk of chunks) {
          yielded++
          yield chunk
        }
      }
    }
    const seen: Array<{ readonly yielded: number; readonly body: string; readonly type: string | null }> = []
    const client = createClient({
      baseUrl: r.base,
      apiKey: r.key,
      fetch: (input, init) => {
        seen.push({ yielded, body: init?.body instanceof ReadableStream ? "stream" : typeof init?.body, type: new Headers(init?.headers).get("content-type") })
        return fetch(input, init)
      }
    })
    const response = await client.addMessage({ audioFile: source, voice: { stt }, sendToLlm: false })
    expect(response.content).toBe("Hello there.")
    expect(seen).toEqual([{ yielded: 0, body: "stream", type: expect.stringMatching(/^multipart\/form-data; boundary=patchbay-/) }])
    expect(yielded).toBe(2)
  })

  it("audio of known size is one body of known length: bytes in one buffer, a Blob or a file as a Blob of the parts", async () => {
    const speech = silentMp3({ seconds: 1 })
    const dir = mkdtempSync(join(tmpdir(), "patchbay-client-body-"))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, "speech.mp3")
    writeFileSync(file, speech)
    const seen: Array<string> = []
    const client = createClient({
      baseUrl: r.base,
      apiKey: r.key,
      fetch: (input, init) => {
        const body = init?.body
        seen.push(body instanceof Uint8Array ? `bytes ${body.byteLength}` : body instanceof Blob ? `Blob ${body.size}` : typeof body)
        return fetch(input, init)
      }
    })
    for (const audioFile of [speech, new Blob([speech as Uint8Array<ArrayBuffer>]), file]) {
      const response = await client.addMessage({ audioFile, voice: { stt }, sendToLlm: false })
      expect(response.content).toBe("Hello there.")
    }
    // each body is the audio and the parts' text around it
    const sizes = seen.map((s) => Number(s.split(" ")[1]))
    expect(seen.map((s) => s.split(" ")[0])).toEqual(["bytes", "Blob", "Blob"])
    for (const size of sizes) expect(size).toBeGreaterThan(speech.byteLength)
  })

  it("a multipart message: the fields first (JSON ones as JSON text, booleans as words), then audio_file", async () => {
    let body = ""
    const client = createClient({
      baseUrl: r.base,
      apiKey: r.key,
      fetch: async (input, init) => {
        body = await new Response(init?.body ?? null).text()
        return Response.json({ detail: "stop here", code: "Mystery", retryable: false }, { status: 400 })
      }
    })
    const blob = new File([new TextEncoder().encode("RIFF-bytes")], "hello.wav", { type: "audio/wav" })
    await client.addMessage({ audioFile: blob, content: "Hi", voice: { stt }, sendToLlm: false, memoryScope: "user \"1\"" }).catch(() => undefined)
    const boundary = body.slice(2, body.indexOf("\r\n"))
    expect(body.split(`--${boundary}`).map((part) => part.trim())).toEqual([
      "",
      "Content-Disposition: form-data; name=\"content\"\r\n\r\nHi",
      `Content-Disposition: form-data; name="voice"\r\n\r\n${JSON.stringify({ stt })}`,
      "Content-Disposition: form-data; name=\"send_to_llm\"\r\n\r\nfalse",
      "Content-Disposition: form-data; name=\"memory_scope\"\r\n\r\nuser \"1\"",
      "Content-Disposition: form-data; name=\"audio_file\"; filename=\"hello.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF-bytes",
      "--"
    ])
  })

  it("an event stream that ends before run_ended throws a ServerError", async () => {
    const started = { type: "run_started", thread_id: "thr_1", run_id: "run_1", message_id: "msg_1", assistant_id: "asst_default", seq: 0 }
    const client = createClient({
      baseUrl: r.base,
      apiKey: r.key,
      fetch: async () => new Response(`: keep-alive\n\ndata: ${JSON.stringify(started)}\n\n`, { headers: { "content-type": "text/event-stream" } })
    })
    const seen: Array<unknown> = []
    const failure = await (async () => {
      for await (const event of await client.sendMessage("Hi", { stream: true })) seen.push(event)
    })().then(() => undefined, (error: unknown) => error)
    expect(seen).toEqual([started])
    expect(failure).toBeInstanceOf(ServerError)
    expect(failure).toMatchObject({ code: "StreamEnded", retryable: true })
  })

  it("media.get sends the key to the server's own origin only", async () => {
    const keys: Array<string | null> = []
    const client = createClient({
      baseUrl: `${r.base}/`,
      apiKey: r.key,
      fetch: async (input, init) => {
        keys.push(`${new URL(String(input)).origin} ${new Headers(init?.headers).get("x-api-key") === r.key ? "key" : "no key"}`)
        return new Response(new Uint8Array([1, 2]), { headers: { "content-type": "image/png" } })
      }
    })
    expect(await client.media.get("doc_abcdefghijklmnopqrstuvwx")).toEqual({ bytes: new Uint8Array([1, 2]), media_type: "image/png" })
    await client.media.get("/media/doc_abcdefghijklmnopqrstuvwx?exp=1&sig=x")
    await client.media.get("https://cdn.example/media/doc_abcdefghijklmnopqrstuvwx?exp=1&sig=x")
    expect(keys).toEqual([`${r.base} key`, `${r.base} key`, "https://cdn.example no key"])
  })
})

describe("answers the client cannot read", () => {
  it("an answer that does not decode is the schema's error, not an InvalidRequest of the call", async () => {
    const client = createClient({ baseUrl: r.base, apiKey: r.key, fetch: async () => Response.json([{ unexpected: 1 }]) })
    const error = await client.assistants.list().then(() => expect.unreachable("resolved"), (e: unknown) => e)
    expect(error).not.toBeInstanceOf(InvalidRequest)
    expect(error).toMatchObject({ _tag: "SchemaError" })
  })

  it("input the declaration refuses is an InvalidRequest, and no request is sent", async () => {
    const sent: Array<string> = []
    const client = createClient({
      baseUrl: r.base,
      apiKey: r.key,
      fetch: (input, init) => {
        sent.push(String(input))
        return fetch(input, init)
      }
    })
    const error = await client.memory.search("asst_default", "q", { limit: 0 }).then(() => expect.unreachable("resolved"), (e: unknown) => e)
    expect(error).toEqual(new InvalidRequest({ field: "limit", value: 0, reason: "Expected a value between 1 and 100" }))
    expect(sent).toEqual([])
  })
})
