/**
 * The server's cost over calling Patchbay in process, on loopback, each figure beside a baseline
 * measured in the same run:
 *
 *   first-audio  one spoken turn (audio → transcript → reply → speech) with the vendors and latency
 *                profile of `pnpm bench` (the real OpenAI and ElevenLabs adapters against their fake
 *                upstreams in a worker thread): time to the first `tts_audio_chunk`, posted as
 *                multipart (by `@patchbay/client`, and by `fetch` with `FormData`) and read as
 *                Server-Sent Events, against `createPatchbay().addMessage` in the server's
 *                process; alternating runs, medians (target: within 5 ms)
 *   turn-cpu     the CPU time of one spoken turn on core's fakes, in process and over HTTP (client
 *                and server in one process): what serving adds per turn, robust to a busy machine
 *   round-trip   a text message answered whole by a fake LLM (core's, no latency), each the first
 *                of a new thread: latency p50 and p99 at 1, 50 and 200 concurrent clients, each
 *                sending a fixed number of messages one after another, against the same loops in process
 *   rps          requests per second of `GET /threads/{id}` from 50 clients, against `GET /health`
 *                and a bare `node:http` server answering the same JSON
 *   sse-memory   peak RSS growth of a server process holding N event streams open (a fake LLM that
 *                never answers) divided by N, against N runs held open in process the same way
 *
 * The server runs in a child process (the measured side: its timings, its RSS); the clients are
 * plain `fetch` in this process, loops of fixed length that end by themselves.
 *
 * Run: `pnpm bench:server`, or `node --expose-gc bench/server.ts first-audio|turn-cpu|round-trip|rps|sse-memory`.
 * `BENCH_SSE_STREAMS` (default 1000) sets N; `BENCH_ROUND_TRIPS` (default 2000) the messages per
 * concurrency level; `BENCH_FIRST_AUDIO_RUNS` (default 7) the timed turns of each kind. The upload memory benchmark is `pnpm bench:server-upload`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import type { FromWorker, ToWorker } from "./http-fakes.ts"
import { FIRST_TOKEN_MS, boundaryToken, floor, profile, STT_MS, TOKENS_PER_SECOND, TTS_FIRST_BYTE_MS } from "./profile.ts"

const self = fileURLToPath(import.meta.url)
const MB = 1024 * 1024
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const percentile = (xs: ReadonlyArray<number>, p: number) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}
/** The instant each event type first reached the caller, in ms since the call. */
type Marks = Record<string, number>
const signed = (ms: number) => `${ms >= 0 ? "+" : "-"}${Math.abs(ms).toFixed(2)} ms`

const VOICE = "JBFqnCBsd6RMkjVDRZzb"
/** The spoken turn of `pnpm bench`'s over-HTTP run, as the wire request. */
const voice = {
  stt: { provider: "openai", model: "whisper-1" },
  tts: { provider: "elevenlabs", model: "eleven_flash_v2_5", voice: VOICE, output_format: "mp3_22050_32" }
}
/** The same turn on core's fakes, without latency: what warms the code paths up (the route's, the pipeline's) before timing. */
const warmVoice = { stt: { provider: "fake", model: "fake-stt" }, tts: { provider: "fake", model: "fake-tts", voice: "ada" } }
/** A text message for core's fake LLM, answered whole. */
const text = { content: "Hello?", llm_provider: "fake", model_name: "fake-llm" }

// ---------------------------------------------------------------------------------------------
// The measured side: a Patchbay process (a server, and the same providers in process)
// ---------------------------------------------------------------------------------------------

/** What the bench asks the Patchbay process. */
type Command =
  | { readonly cmd: "first-audio" }
  | { readonly cmd: "warm"; readonly turns: number }
  | { readonly cmd: "round-trip"; readonly clients: number; readonly each: number }
  | { readonly cmd: "open"; readonly streams: number }
  | { readonly cmd: "baseline" }
  | { readonly cmd: "report" }
  | { readonly cmd: "close" }

/** The vendors' HTTP fakes of `pnpm bench` in a worker thread (bench/http-fakes.ts); their marks are not needed here. */
const fakesInWorker = async () => {
  const worker = new Worker(new URL("./http-fakes.ts", import.meta.url), { workerData: { fakes: profile } })
  let closed: (() => void) | undefined
  const urls = await new Promise<{ openaiUrl: string; elevenlabsUrl: string }>((resolve, reject) => {
    worker.once("error", reject)
    worker.on("message", (message: FromWorker) => {
      if (message.type === "ready") resolve(message)
      else if (message.type === "closed") closed?.()
    })
  })
  return {
    ...urls,
    close: async () => {
      await new Promise<void>((resolve) => {
        closed = resolve
        worker.postMessage({ type: "close" } satisfies ToWorker)
      })
      await worker.terminate()
    }
  }
}

/**
 * The Patchbay process: `mode` "latency" serves the spoken turn's vendors and a fast fake LLM;
 * "memory" serves a fake LLM that never answers (streams stay open) and nothing else. It prints
 * its addresses and a key, then answers commands read from stdin, one JSON line each.
 */
const patchbayProcess = async (mode: "latency" | "memory") => {
  const { Effect } = await import("effect")
  const { createKey, createPatchbay, CurrentTenant, Stores } = await import("../packages/core/src/index.ts")
  const { FakeLlm, fakeProvider, FakeStt, FakeTts, silentMp3 } = await import("../packages/core/src/testing/index.ts")
  const { toNodeHandler } = await import("../packages/server/src/index.ts")
  const fakes = mode === "latency" ? await fakesInWorker() : undefined
  const providersOf = async () => {
    if (fakes === undefined) return [fakeProvider({ llm: FakeLlm({ firstToken: "1 hour" }) })]
    const { openai } = await import("../adapters/openai/src/index.ts")
    const { elevenlabs } = await import("../adapters/elevenlabs/src/index.ts")
    return [
      openai({ apiKey: "bench-key-not-secret", baseURL: `${fakes.openaiUrl}/v1` }),
      elevenlabs({ apiKey: "bench-key-not-secret", baseUrl: fakes.elevenlabsUrl }),
      fakeProvider({ llm: FakeLlm(), stt: FakeStt(), tts: FakeTts() })
    ]
  }
  const media = { secret: "bench-secret-not-for-production" }
  const stores = Stores.makeMemory()
  const { plaintext } = await Effect.runPromise(createKey({}).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "bench")))
  const node = toNodeHandler({ providers: await providersOf(), stores, media })
  await node.ready
  const server = createServer(node.handler)
  // The same providers (their own instances) in process, as an application calls them.
  const pb = createPatchbay({ providers: await providersOf(), media })
  // A bare node:http server answering what /health answers: the floor of a request over loopback.
  const health = JSON.stringify({ status: "ok" })
  const bare = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(health) }).end(health)
  })
  const listen = async (s: ReturnType<typeof createServer>) => {
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  }
  const say = (message: unknown) => console.log(JSON.stringify(message))
  say({ url: await listen(server), bare: await listen(bare), key: plaintext })

  const audio = silentMp3({ seconds: 3, sampleRate: 16000, bitrateKbps: 32 })
  const global = globalThis as { gc?: () => void }
  const held: Array<AbortController> = []
  let before = 0
  for await (const line of createInterface({ input: process.stdin })) {
    const command = JSON.parse(line) as Command
    if (command.cmd === "first-audio") {
      const started = performance.now()
      const marks: Marks = {}
      for await (const event of await pb.addMessage({ audioFile: audio, voice, llmProvider: "openai", modelName: "gpt-4.1", stream: true })) {
        marks[event.type] ??= performance.now() - started
      }
      say({ marks })
    } else if (command.cmd === "warm") {
      for (let i = 0; i < command.turns; i++) {
        for await (const _ of await pb.addMessage({ audioFile: audio, voice: warmVoice, llmProvider: "fake", modelName: "fake-llm", stream: true })) {
          // read to the end
        }
      }
      say({ warmed: command.turns })
    } else if (command.cmd === "round-trip") {
      const latencies: Array<number> = []
      await Promise.all(Array.from({ length: command.clients }, async () => {
        // Each client's first message is not timed, as over HTTP (where it opens the connection).
        for (let i = 0; i <= command.each; i++) {
          const started = performance.now()
          const answer = await pb.addMessage({ content: text.content, llmProvider: text.llm_provider, modelName: text.model_name })
          if (i > 0) latencies.push(performance.now() - started)
          if (answer.status !== "completed") throw new Error(`an in-process message ended ${answer.status}`)
        }
      }))
      say({ latencies })
    } else if (command.cmd === "open") {
      // N runs held open in process: each waits on the LLM that never answers, its first event read.
      await Promise.all(Array.from({ length: command.streams }, async () => {
        const abort = new AbortController()
        held.push(abort)
        const stream = await pb.addMessage({ content: text.content, llmProvider: text.llm_provider, modelName: text.model_name, stream: true, signal: abort.signal })
        const events = stream[Symbol.asyncIterator]()
        await events.next()
        void (async () => {
          try {
            while (!(await events.next()).done);
          } catch {
            // Cancelled when the bench ends.
          }
        })()
      }))
      say({ opened: command.streams })
    } else if (command.cmd === "baseline") {
      global.gc?.()
      before = process.memoryUsage().rss
      say({ before })
    } else if (command.cmd === "report") {
      const peak = process.resourceUsage().maxRSS * 1024
      say({ growth: peak - before })
    } else {
      for (const abort of held) abort.abort()
      server.closeAllConnections()
      bare.closeAllConnections()
      await Promise.all([server, bare].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
      await Promise.all([node.dispose(), pb.dispose(), fakes?.close()])
      process.exit(0)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The clients: this process
// ---------------------------------------------------------------------------------------------

/** A Patchbay process started in a child, and its command channel. */
const startPatchbay = async (mode: "latency" | "memory") => {
  const child: ChildProcess = spawn(process.execPath, ["--expose-gc", self, "patchbay", mode], { stdio: ["pipe", "pipe", "inherit"] })
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const next = async <A>(): Promise<A> => {
    const line = await lines.next()
    if (line.done === true) throw new Error("the Patchbay process ended early")
    return JSON.parse(line.value) as A
  }
  const { bare, key, url } = await next<{ url: string; bare: string; key: string }>()
  const ask = <A>(command: Command): Promise<A> => {
    child.stdin!.write(`${JSON.stringify(command)}\n`)
    return next<A>()
  }
  return {
    url,
    bare,
    key,
    ask,
    close: async () => {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
      child.stdin!.write(`${JSON.stringify({ cmd: "close" })}\n`)
      await exited
    }
  }
}
type Patchbay = Awaited<ReturnType<typeof startPatchbay>>

/** Reads an event stream line by line, calling `seen` with each event's type, until it ends or `seen` answers true. */
const readEvents = async (body: ReadableStream<Uint8Array<ArrayBuffer>>, seen: (type: string) => boolean | void) => {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ""
  for (;;) {
    const next = await reader.read()
    if (next.done) return
    buffer += next.value
    let newline: number
    while ((newline = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      if (line.startsWith("data: ") && seen((JSON.parse(line.slice(6)) as { type: string }).type) === true) return reader
    }
  }
}

const postJson = (pb: Patchbay, path: string, body: unknown, signal?: AbortSignal) =>
  fetch(`${pb.url}${path}`, {
    method: "POST",
    headers: { "x-api-key": pb.key, "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal })
  })

const firstAudio = async (): Promise<Array<string>> => {
  const { silentMp3 } = await import("../packages/core/src/testing/index.ts")
  const { createClient } = await import("../packages/client/src/index.ts")
  const bytes = silentMp3({ seconds: 3, sampleRate: 16000, bitrateKbps: 32 })
  const audio = new Blob([new Uint8Array(bytes)], { type: "audio/mpeg" })
  const pb = await startPatchbay("latency")
  const client = createClient({ baseUrl: pb.url, apiKey: pb.key })
  /** One turn by `fetch` itself: a `FormData` body with the audio as a `Blob`, Server-Sent Events read as they arrive. */
  const byFetch = async (warm = false) => {
    const form = new FormData()
    form.append("voice", JSON.stringify(warm ? warmVoice : voice))
    form.append("llm_provider", warm ? "fake" : "openai")
    form.append("model_name", warm ? "fake-llm" : "gpt-4.1")
    form.append("stream", "true")
    form.append("audio_file", audio, "question.mp3")
    const started = performance.now()
    const response = await fetch(`${pb.url}/threads/messages`, { method: "POST", headers: { "x-api-key": pb.key }, body: form })
    if (response.status !== 200 || response.body === null) throw new Error(`the turn failed: ${response.status} ${await response.text()}`)
    const marks: Marks = { headers: performance.now() - started }
    await readEvents(response.body, (type) => void (marks[type] ??= performance.now() - started))
    if (marks["run_ended"] === undefined) throw new Error("the turn's stream ended without run_ended")
    return marks
  }
  /** One turn by `@patchbay/client`, as an application moved off `createPatchbay` calls it: the same call, the audio as bytes. */
  const byClient = async (warm = false) => {
    const started = performance.now()
    const marks: Marks = {}
    const events = await client.addMessage({
      audioFile: bytes,
      voice: warm ? warmVoice : voice,
      llmProvider: warm ? "fake" : "openai",
      modelName: warm ? "fake-llm" : "gpt-4.1",
      stream: true
    })
    for await (const event of events) marks[event.type] ??= performance.now() - started
    if (marks["run_ended"] === undefined) throw new Error("the turn's stream ended without run_ended")
    return marks
  }
  const inProcess = async () => (await pb.ask<{ marks: Marks }>({ cmd: "first-audio" })).marks
  try {
    // Both paths' code warmed up on the fakes without latency (the JIT settles after some
    // hundred turns), then the first turn of each on the profile (SDK clients created,
    // connections opened) as a warm-up too.
    const turns = 200
    await pb.ask<{ warmed: number }>({ cmd: "warm", turns })
    for (let i = 0; i < turns; i++) {
      await byClient(true)
      await byFetch(true)
    }
    await inProcess()
    await byClient()
    await byFetch()
    const runs = Number(process.env["BENCH_FIRST_AUDIO_RUNS"] ?? 7)
    const local: Array<Marks> = []
    const viaClient: Array<Marks> = []
    const viaFetch: Array<Marks> = []
    for (let i = 0; i < runs; i++) {
      local.push(await inProcess())
      viaClient.push(await byClient())
      viaFetch.push(await byFetch())
    }
    const at = (marks: ReadonlyArray<Marks>, type: string) => median(marks.map((m) => m[type] ?? Number.NaN))
    const l = at(local, "tts_audio_chunk")
    const c = at(viaClient, "tts_audio_chunk")
    const f = at(viaFetch, "tts_audio_chunk")
    const steps = ["run_started", "stt_stream_end", "content_streaming", "tts_audio_chunk"].map((type) => {
      const [a, b, d] = [at(local, type), at(viaClient, type), at(viaFetch, type)]
      return `first-audio    ${type.padEnd(18)} in process ${a.toFixed(1).padStart(6)} ms, @patchbay/client ${b.toFixed(1).padStart(6)} ms (${signed(b - a)}), ` +
        `fetch + FormData ${d.toFixed(1).padStart(6)} ms (${signed(d - a)})`
    })
    return [
      `first-audio  floor ${floor.toFixed(0)} ms (STT ${STT_MS} + first boundary ${FIRST_TOKEN_MS + boundaryToken * 1000 / TOKENS_PER_SECOND} + TTS first byte ${TTS_FIRST_BYTE_MS}); ${runs} runs each, alternating, medians`,
      `first-audio  in process (createPatchbay in the server's process) ${l.toFixed(1)} ms = floor + ${(l - floor).toFixed(1)} ms`,
      `first-audio  over HTTP + SSE by @patchbay/client (audio as bytes) ${c.toFixed(1)} ms = floor + ${(c - floor).toFixed(1)} ms`,
      `first-audio  over HTTP + SSE by fetch (FormData, audio as a Blob) ${f.toFixed(1)} ms = floor + ${(f - floor).toFixed(1)} ms`,
      `first-audio  @patchbay/client − in process: ${signed(c - l)}; fetch + FormData − in process: ${signed(f - l)} (target: within 5 ms)`,
      `first-audio  when each step's first event reached the caller (medians):`,
      ...steps
    ]
  } finally {
    await pb.close()
  }
}

const roundTrip = async (): Promise<Array<string>> => {
  const total = Number(process.env["BENCH_ROUND_TRIPS"] ?? 2000)
  const pb = await startPatchbay("latency")
  /** `clients` loops of `each` messages over HTTP, each message the first of a new thread (so every one costs the same). */
  const overHttp = async (clients: number, each: number) => {
    const latencies: Array<number> = []
    await Promise.all(Array.from({ length: clients }, async () => {
      // Each client's first message opens its connection (kept alive after): it is not timed.
      for (let i = 0; i <= each; i++) {
        const started = performance.now()
        const response = await postJson(pb, "/threads/messages", text)
        const answer = (await response.json()) as { status?: string }
        if (i > 0) latencies.push(performance.now() - started)
        if (answer.status !== "completed") throw new Error(`a message over HTTP answered ${response.status} ${JSON.stringify(answer)}`)
      }
    }))
    return latencies
  }
  const inProcess = async (clients: number, each: number) => (await pb.ask<{ latencies: Array<number> }>({ cmd: "round-trip", clients, each })).latencies
  const lines: Array<string> = []
  try {
    for (let i = 0; i < 3; i++) {
      // Warm-up: both paths' code compiled, connections open.
      await inProcess(10, 50)
      await overHttp(10, 50)
    }
    for (const clients of [1, 50, 200]) {
      const each = Math.max(1, Math.round((clients === 1 ? total / 4 : total) / clients))
      const local = await inProcess(clients, each)
      const remote = await overHttp(clients, each)
      const [l50, l99, r50, r99] = [percentile(local, 50), percentile(local, 99), percentile(remote, 50), percentile(remote, 99)]
      lines.push(
        `round-trip   ${String(clients).padStart(3)} client${clients === 1 ? " " : "s"} × ${each} messages: ` +
          `over HTTP p50 ${r50.toFixed(2)} ms, p99 ${r99.toFixed(2)} ms; in process p50 ${l50.toFixed(2)} ms, p99 ${l99.toFixed(2)} ms; ` +
          `added p50 ${signed(r50 - l50)}, p99 ${signed(r99 - l99)}`
      )
    }
    return lines
  } finally {
    await pb.close()
  }
}

const rps = async (): Promise<Array<string>> => {
  const clients = 50
  const each = 100
  const pb = await startPatchbay("latency")
  /** `clients` loops of `each` GETs; requests per second over the whole. */
  const rate = async (url: string) => {
    const started = performance.now()
    await Promise.all(Array.from({ length: clients }, async () => {
      for (let i = 0; i < each; i++) {
        const response = await fetch(url, { headers: { "x-api-key": pb.key } })
        await response.arrayBuffer()
        if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`)
      }
    }))
    return (clients * each) / ((performance.now() - started) / 1000)
  }
  try {
    const thread = (await (await postJson(pb, "/threads/messages", text)).json()) as { thread_id: string }
    const urls = { thread: `${pb.url}/threads/${thread.thread_id}`, health: `${pb.url}/health`, bare: `${pb.bare}/health` }
    for (const url of Object.values(urls)) await rate(url) // warm-up
    const t: Array<number> = []
    const h: Array<number> = []
    const b: Array<number> = []
    for (let i = 0; i < 3; i++) {
      b.push(await rate(urls.bare))
      h.push(await rate(urls.health))
      t.push(await rate(urls.thread))
    }
    const [tm, hm, bm] = [median(t), median(h), median(b)]
    return [
      `rps          ${clients} clients × ${each} requests, median of 3 rounds: GET /threads/{id} (a thread of 2 messages) ${tm.toFixed(0)}/s; ` +
        `GET /health ${hm.toFixed(0)}/s; bare node:http ${bm.toFixed(0)}/s`,
      `rps          GET /threads/{id} / GET /health = ${(tm / hm).toFixed(2)}; / bare node:http = ${(tm / bm).toFixed(2)}`
    ]
  } finally {
    await pb.close()
  }
}

const sseMemory = async (): Promise<Array<string>> => {
  const streams = Number(process.env["BENCH_SSE_STREAMS"] ?? 1000)
  /** Peak RSS growth of a fresh Patchbay process while `open` holds `streams` open (after one opened and closed). */
  const measure = async (open: (pb: Patchbay, n: number) => Promise<() => void>) => {
    const pb = await startPatchbay("memory")
    try {
      // Warm-up: one stream opened and closed, so the growth is the streams', not the first request's code paths.
      ;(await open(pb, 1))()
      await pb.ask({ cmd: "baseline" })
      const release = await open(pb, streams)
      const { growth } = await pb.ask<{ growth: number }>({ cmd: "report" })
      release()
      return growth
    } finally {
      await pb.close()
    }
  }
  /** Streams over HTTP, each read up to its `run_started`, then left open until released. */
  const overHttp = async (pb: Patchbay, n: number) => {
    const aborts = Array.from({ length: n }, () => new AbortController())
    await Promise.all(aborts.map(async (abort) => {
      const response = await postJson(pb, "/threads/messages", { ...text, stream: true }, abort.signal)
      if (response.status !== 200 || response.body === null) throw new Error(`a stream answered ${response.status}`)
      await readEvents(response.body, (type) => type === "run_started")
    }))
    return () => aborts.forEach((abort) => abort.abort())
  }
  /** The same runs opened in the Patchbay process by `createPatchbay`; they end with it. */
  const inProcess = async (pb: Patchbay, n: number) => {
    await pb.ask({ cmd: "open", streams: n })
    return () => undefined
  }
  const server = await measure(overHttp)
  const local = await measure(inProcess)
  return [
    `sse-memory   ${streams} event streams held open (fake LLM that never answers), peak RSS growth of the server process ${(server / MB).toFixed(1)} MB: ` +
      `${(server / streams / 1024).toFixed(1)} KB per stream`,
    `sse-memory   the same runs held open in process: ${(local / MB).toFixed(1)} MB, ${(local / streams / 1024).toFixed(1)} KB per run; ` +
      `HTTP + SSE adds ${((server - local) / streams / 1024).toFixed(1)} KB per stream`
  ]
}

/**
 * The CPU time one spoken turn costs, in process and over HTTP (by `@patchbay/client`, and by
 * `fetch` with `FormData`), on core's fakes without latency, with the client and the server in
 * this one process: what serving adds per turn, both ends together. Being CPU time rather than
 * elapsed time, it holds on a machine busy with other work, where the first-audio timings swing.
 */
const turnCpu = async (): Promise<Array<string>> => {
  const { Effect } = await import("effect")
  const { createKey, createPatchbay, CurrentTenant, Stores } = await import("../packages/core/src/index.ts")
  const { FakeLlm, FakeStt, FakeTts, fakeProvider, silentMp3 } = await import("../packages/core/src/testing/index.ts")
  const { toNodeHandler } = await import("../packages/server/src/index.ts")
  const { createClient } = await import("../packages/client/src/index.ts")
  const stores = Stores.makeMemory()
  const { plaintext } = await Effect.runPromise(createKey({}).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "bench")))
  const providers = () => [fakeProvider({ llm: FakeLlm(), stt: FakeStt(), tts: FakeTts() })]
  const media = { secret: "bench-secret-not-for-production" }
  const node = toNodeHandler({ providers: providers(), stores, media })
  await node.ready
  const pb = createPatchbay({ providers: providers(), media })
  const server = createServer(node.handler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const client = createClient({ baseUrl: url, apiKey: plaintext })
  const bytes = silentMp3({ seconds: 3, sampleRate: 16000, bitrateKbps: 32 })
  const params = { audioFile: bytes, voice: warmVoice, llmProvider: "fake", modelName: "fake-llm", stream: true } as const
  const turns: Record<string, () => Promise<void>> = {
    "in process": async () => {
      for await (const _ of await pb.addMessage(params)) {
        // read to the end
      }
    },
    "@patchbay/client": async () => {
      for await (const _ of await client.addMessage(params)) {
        // read to the end
      }
    },
    "fetch + FormData": async () => {
      const form = new FormData()
      form.append("voice", JSON.stringify(warmVoice))
      form.append("llm_provider", "fake")
      form.append("model_name", "fake-llm")
      form.append("stream", "true")
      form.append("audio_file", new Blob([new Uint8Array(bytes)], { type: "audio/mpeg" }), "question.mp3")
      const response = await fetch(`${url}/threads/messages`, { method: "POST", headers: { "x-api-key": plaintext }, body: form })
      await readEvents(response.body!, () => undefined)
    }
  }
  const global = globalThis as { gc?: () => void }
  try {
    for (let i = 0; i < 200; i++) for (const turn of Object.values(turns)) await turn()
    const rounds = 5
    const each = 100
    const cpu: Record<string, Array<number>> = {}
    for (let r = 0; r < rounds; r++) {
      for (const [name, turn] of Object.entries(turns)) {
        global.gc?.()
        const start = process.cpuUsage()
        for (let i = 0; i < each; i++) await turn()
        const used = process.cpuUsage(start)
        ;(cpu[name] ??= []).push((used.user + used.system) / 1000 / each)
      }
    }
    const base = median(cpu["in process"]!)
    return Object.entries(cpu).map(([name, xs]) =>
      `turn-cpu     ${name.padEnd(18)} ${median(xs).toFixed(2)} ms of CPU per spoken turn (fakes, no latency; median of ${rounds} × ${each})` +
      (name === "in process" ? "" : `: serving adds ${signed(median(xs) - base)}`)
    )
  } finally {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await Promise.all([node.dispose(), pb.dispose()])
  }
}

// ---------------------------------------------------------------------------------------------

const benches: Record<string, () => Promise<Array<string>>> = {
  "first-audio": firstAudio,
  "turn-cpu": turnCpu,
  "round-trip": roundTrip,
  rps,
  "sse-memory": sseMemory
}
const [which, mode] = process.argv.slice(2)
if (which === "patchbay" && (mode === "latency" || mode === "memory")) await patchbayProcess(mode)
else if (which !== undefined) {
  const bench = benches[which]
  if (bench === undefined) throw new Error(`unknown benchmark ${which}; one of ${Object.keys(benches).join(", ")}`)
  for (const line of await bench()) console.log(line)
} else {
  for (const bench of Object.values(benches)) for (const line of await bench()) console.log(line)
}
