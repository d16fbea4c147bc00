/**
 * Pipeline benchmarks. Each figure is compared with a baseline measured in the same run:
 *
 *   first-audio  time to the first audio byte, audio → audio, with fakes at realistic latencies,
 *                against the floor (STT + time to the first chunk boundary + one TTS first byte)
 *                and against the sequential approach (whole transcript, whole reply, then speech);
 *                then the same turn over real HTTP (bench/http.ts: the official SDKs against the
 *                adapters' fake upstreams on 127.0.0.1, same profile), with where its extra time goes;
 *                then the same turn with SQLite stores (a temporary file) against in-memory stores,
 *                interleaved, each opened once as a server would
 *   overhead     100,000 content deltas through Pipeline.addMessage to a consumer, against
 *                iterating the same fake LLM stream directly
 *   memory       a 300 MB audio stream into an STT that consumes a stream: peak RSS growth
 *   memory-mode  first audio of the same turn with memory "Auto" (lexical retrieval) against "off"
 *
 * Run: `pnpm bench` (all), or `node bench/pipeline.ts first-audio|overhead|memory|memory-mode`.
 */
import { type Context, Effect, Exit, Layer, ManagedRuntime, Scope, Stream } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { MediaStore, Memories, Pipeline, ProviderRegistry, Stores, type StoreServices } from "../packages/core/src/index.ts"
import { FakeLlm, fakeProvider, FakeStt, FakeTts, scriptedMemoryLlm, silentMp3 } from "../packages/core/src/testing/index.ts"
import type { Marks } from "./http.ts"
import { boundaryToken, FIRST_TOKEN_MS, floor, profile, reply, STT_MS, TOKENS_PER_SECOND, TRANSCRIPT, TTS_FIRST_BYTE_MS } from "./profile.ts"

const layerOf = (provider: ReturnType<typeof fakeProvider>) =>
  Layer.mergeAll(
    ProviderRegistry.layer([provider]),
    MediaStore.layerMemory({ secret: "bench-secret-not-for-production" }),
    Stores.layerMemory,
    Pipeline.Runs.layer
  )

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

// ---------------------------------------------------------------------------------------------
// Time to first audio
// ---------------------------------------------------------------------------------------------


const firstAudio = async () => {
  const audio = silentMp3({ seconds: 3, sampleRate: 16000, bitrateKbps: 32 })
  const make = () => ({
    stt: FakeStt({ transcript: TRANSCRIPT, latency: `${STT_MS} millis` }),
    llm: FakeLlm({ reply, firstToken: `${FIRST_TOKEN_MS} millis`, tokensPerSecond: TOKENS_PER_SECOND }),
    tts: FakeTts({ firstByte: `${TTS_FIRST_BYTE_MS} millis`, chunkInterval: "20 millis" })
  })
  const request = {
    voice: { stt: { provider: "fake", model: "fake-stt" }, tts: { provider: "fake", model: "fake-tts", voice: "ada" } },
    llm_provider: "fake",
    model_name: "fake-llm"
  }

  const pipelined = async () => {
    const fakes = make()
    const started = performance.now()
    let firstAudioAt = 0
    await Effect.runPromise(
      Pipeline.addMessage(request, { audio }).pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => {
            if (event.type === "tts_audio_chunk" && firstAudioAt === 0) firstAudioAt = performance.now() - started
          })
        ),
        Effect.provide(layerOf(fakeProvider({ id: "fake", ...fakes })))
      )
    )
    return firstAudioAt
  }

  /**
   * The same turn over stores opened once (as a server keeps them): the media store is the one
   * `createPatchbay` builds over them, so with SQLite the documents' metadata is written there too.
   */
  const overStores = (stores: Context.Context<StoreServices>) => async () => {
    const fakes = make()
    const started = performance.now()
    let firstAudioAt = 0
    await Effect.runPromise(
      Pipeline.addMessage(request, { audio }).pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => {
            if (event.type === "tts_audio_chunk" && firstAudioAt === 0) firstAudioAt = performance.now() - started
          })
        ),
        Effect.provide(Layer.mergeAll(
          ProviderRegistry.layer([fakeProvider({ id: "fake", ...fakes })]),
          Layer.provideMerge(Stores.layerMedia({ secret: "bench-secret-not-for-production" }), Layer.succeedContext(stores)),
          Pipeline.Runs.layer
        ))
      )
    )
    return firstAudioAt
  }

  /** The sequential approach: the whole transcript, then the whole reply, then speech of it all. */
  const sequential = async () => {
    const fakes = make()
    const started = performance.now()
    const { fromBytes } = await import("../packages/core/src/AudioInput.ts")
    const transcript = await Effect.runPromise(fakes.stt.transcribe({ model: "fake-stt", audio: fromBytes(audio) }))
    const text = await Effect.runPromise(
      fakes.llm.stream({ model: "fake-llm", messages: [{ role: "user", content: transcript.text }] }).pipe(
        Stream.runFold(() => "", (acc, e) => (e.type === "text_delta" ? acc + e.delta : acc))
      )
    )
    let firstAudioAt = 0
    await Effect.runPromise(
      fakes.tts.synthesize({ model: "fake-tts", voice: "ada", text }).pipe(
        Stream.runForEach((e) => Effect.sync(() => {
          if (e.type === "audio" && firstAudioAt === 0) firstAudioAt = performance.now() - started
        }))
      )
    )
    return firstAudioAt
  }

  await pipelined() // warm-up
  const runs = 5
  const ours: Array<number> = []
  const theirs: Array<number> = []
  for (let i = 0; i < runs; i++) {
    ours.push(await pipelined())
    theirs.push(await sequential())
  }
  const p = median(ours)
  const q = median(theirs)

  // The same turn over real HTTP: a warm-up, then as many runs, each bounded by the profile.
  // Loaded only here: the SDKs it imports would otherwise count in the memory benchmark's peak RSS.
  const { breakdown, httpTurn } = await import("./http.ts")
  const http = await httpTurn(profile)
  const overHttp: Array<number> = []
  const marks: Array<Marks> = []
  let cold = Number.NaN
  try {
    cold = (await http.run()).firstAudio
    for (let i = 0; i < runs; i++) {
      const turn = await http.run()
      overHttp.push(turn.firstAudio)
      marks.push(turn.marks)
    }
  } finally {
    await http.close()
  }
  const h = median(overHttp)

  // The same turn with SQLite stores in a temporary file against in-memory stores, interleaved.
  const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-stores-"))
  const scope = await Effect.runPromise(Scope.make())
  const open = (layer: Layer.Layer<StoreServices, unknown>) => Effect.runPromise(Scope.provide(Layer.build(layer), scope))
  const inMemory: Array<number> = []
  const inSqlite: Array<number> = []
  try {
    const memoryTurn = overStores(await open(Stores.layerMemory))
    // Loaded only here, like the SDKs above: the SQL modules would otherwise count in the memory benchmark's peak RSS.
    const { sqlite } = await import("../packages/sql/src/index.ts")
    const sqliteTurn = overStores(await open(sqlite({ filename: join(dir, "patchbay.db") })))
    await memoryTurn() // warm-up
    await sqliteTurn()
    for (let i = 0; i < runs; i++) {
      inMemory.push(await memoryTurn())
      inSqlite.push(await sqliteTurn())
    }
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  }
  const m = median(inMemory)
  const l = median(inSqlite)
  const parts = marks.map((m) => breakdown(m, profile))
  const medianParts = (parts[0] ?? []).map(([what], i): [string, number] => [what, median(parts.map((p) => p[i]?.[1] ?? Number.NaN))])
  return [
    `first-audio  floor ${floor.toFixed(0)} ms (STT ${STT_MS} + first boundary ${FIRST_TOKEN_MS + boundaryToken * 1000 / TOKENS_PER_SECOND} + TTS first byte ${TTS_FIRST_BYTE_MS})`,
    `first-audio  pipelined median ${p.toFixed(1)} ms = floor + ${(p - floor).toFixed(1)} ms (target: within 25 ms)`,
    `first-audio  sequential median ${q.toFixed(1)} ms; pipelined / sequential = ${(p / q).toFixed(3)} (${(q / p).toFixed(1)}x sooner)`,
    `first-audio  over HTTP median ${h.toFixed(1)} ms = floor + ${(h - floor).toFixed(1)} ms (target: within 10 ms); over HTTP / sequential = ${(h / q).toFixed(3)} (${(q / h).toFixed(1)}x sooner)`,
    `first-audio  over HTTP, the process's first turn (SDK clients created, connections opened): ${cold.toFixed(1)} ms = floor + ${(cold - floor).toFixed(1)} ms`,
    `first-audio  over HTTP, where the median time beyond the floor goes (median of each step over the runs):`,
    ...medianParts.map(([what, ms]) => `first-audio    ${ms.toFixed(1).padStart(6)} ms  ${what}`),
    `first-audio  SQLite stores (a temporary file) median ${l.toFixed(1)} ms, in-memory stores median ${m.toFixed(1)} ms: ` +
    `SQLite ${l - m >= 0 ? "+" : "-"}${Math.abs(l - m).toFixed(1)} ms (target: within 5 ms)`
  ]
}

// ---------------------------------------------------------------------------------------------
// Overhead per event
// ---------------------------------------------------------------------------------------------

const overhead = async () => {
  const count = 100_000
  const text = Array.from({ length: count }, (_, i) => (i === 0 ? "w" : " w")).join("")
  const make = () => FakeLlm({ reply: text })

  /** The main thread's CPU time since `from`, in ms: what other processes on the cores do not add to. */
  const cpuSince = (from: NodeJS.CpuUsage) => {
    const used = process.threadCpuUsage(from)
    return (used.user + used.system) / 1000
  }
  const direct = async () => {
    const llm = make()
    const started = performance.now()
    const cpu = process.threadCpuUsage()
    let n = 0
    await Effect.runPromise(
      llm.stream({ model: "fake-llm", messages: [{ role: "user", content: "go" }] }).pipe(
        Stream.runForEach((e) => Effect.sync(() => void (e.type === "text_delta" && n++)))
      )
    )
    return { ms: performance.now() - started, cpu: cpuSince(cpu), n }
  }
  const piped = async () => {
    const llm = make()
    const started = performance.now()
    const cpu = process.threadCpuUsage()
    let n = 0
    await Effect.runPromise(
      Pipeline.addMessage({ content: "go", llm_provider: "fake", model_name: "fake-llm" }).pipe(
        Stream.runForEach((e) => Effect.sync(() => void (e.type === "content_streaming" && n++))),
        Effect.provide(layerOf(fakeProvider({ id: "fake", llm })))
      )
    )
    return { ms: performance.now() - started, cpu: cpuSince(cpu), n }
  }
  // Each timed run starts from a collected heap (`--expose-gc`): otherwise a run pays for the
  // old-generation garbage the previous one (of the other path) left, and which path a major
  // collection lands in decides the ratio more than the pipeline does.
  const global = globalThis as { gc?: () => void }
  const collected = <A>(run: () => Promise<A>): Promise<A> => {
    global.gc?.()
    return run()
  }
  // Warm both paths up first: the JIT settles after a few runs.
  for (let i = 0; i < 3; i++) {
    await collected(direct)
    await collected(piped)
  }
  const d: Array<number> = []
  const p: Array<number> = []
  const dc: Array<number> = []
  const pc: Array<number> = []
  for (let i = 0; i < 11; i++) {
    const a = await collected(direct)
    const b = await collected(piped)
    if (a.n !== count || b.n !== count) throw new Error(`expected ${count} deltas, saw ${a.n} and ${b.n}`)
    d.push(a.ms)
    p.push(b.ms)
    dc.push(a.cpu)
    pc.push(b.cpu)
  }
  const dm = median(d)
  const pm = median(p)
  const dcm = median(dc)
  const pcm = median(pc)
  return [
    `overhead     direct: ${count} deltas in ${dm.toFixed(0)} ms (${((count / dm) * 1000 / 1e6).toFixed(2)}M/s)`,
    `overhead     through addMessage: ${pm.toFixed(0)} ms (${((count / pm) * 1000 / 1e6).toFixed(2)}M events/s); ratio ${(pm / dm).toFixed(2)}x the direct time`,
    `overhead     main thread's CPU time: direct ${dcm.toFixed(0)} ms, through addMessage ${pcm.toFixed(0)} ms; ratio ${(pcm / dcm).toFixed(2)}x (on a loaded machine, the steadier figure)`
  ]
}

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

const memory = async () => {
  const total = Number(process.env.BENCH_MEMORY_MB ?? 300) * 1024 * 1024
  const block = silentMp3({ seconds: 10, sampleRate: 16000, bitrateKbps: 32 })
  const global = globalThis as { gc?: () => void }
  global.gc?.()
  const before = process.memoryUsage().rss
  let sent = 0
  const source = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (sent >= total) return controller.close()
      sent += block.byteLength
      controller.enqueue(block.slice()) // a fresh buffer each time, as a socket or file gives
    }
  }, { highWaterMark: 0 })
  const stt = FakeStt({ transcript: "long" })
  const provider = fakeProvider({
    id: "fake",
    stt,
    models: [{ id: "fake-stt", provider: "fake", capability: "stt", input_formats: ["mp3"], max_input_bytes: 1e12 }]
  })
  const started = performance.now()
  const response = await Effect.runPromise(
    Pipeline.addMessageResponse({ voice: { stt: { provider: "fake", model: "fake-stt" } }, send_to_llm: false }, { audio: source }).pipe(
      Effect.provide(layerOf(provider))
    )
  )
  const ms = performance.now() - started
  const peak = process.resourceUsage().maxRSS * 1024
  const duration = response.messages[0]?.voice_records?.stt?.duration_seconds ?? 0
  if (stt.bytesRead() < total) throw new Error(`the STT read ${stt.bytesRead()} of ${total} bytes`)
  return [
    `memory       ${(stt.bytesRead() / 1048576).toFixed(0)} MB streamed into the STT in ${(ms / 1000).toFixed(1)} s, duration measured on the way: ${duration.toFixed(0)} s`,
    `memory       peak RSS growth ${((peak - before) / 1048576).toFixed(1)} MB (target: under 60 MB)`
  ]
}

// ---------------------------------------------------------------------------------------------
// Time to first audio with memory "Auto" (lexical retrieval) against "off"
// ---------------------------------------------------------------------------------------------

/**
 * The first-audio turn (same fakes and latencies) as a thread's first turn, with memory `"off"`
 * and with `"Auto"`: retrieval by the memory store's lexical search over a scope of
 * `MEMORIES_IN_SCOPE` memories before the LLM call, and the write after the turn. Both run in one
 * runtime over the same stores, alternating; after each `"Auto"` turn the bench waits for its
 * write, so the next turn does not wait for a running one (the steady state of a conversation).
 */
const MEMORIES_IN_SCOPE = 1000

const memoryFirstAudio = async () => {
  const audio = silentMp3({ seconds: 3, sampleRate: 16000, bitrateKbps: 32 })
  const llm = FakeLlm({
    reply: scriptedMemoryLlm({ chat: reply, facts: () => ["Takes the train to the station"] }),
    firstToken: `${FIRST_TOKEN_MS} millis`,
    tokensPerSecond: TOKENS_PER_SECOND
  })
  const provider = fakeProvider({
    id: "fake",
    stt: FakeStt({ transcript: TRANSCRIPT, latency: `${STT_MS} millis` }),
    llm,
    tts: FakeTts({ firstByte: `${TTS_FIRST_BYTE_MS} millis`, chunkInterval: "20 millis" })
  })
  const runtime = ManagedRuntime.make(Layer.mergeAll(layerOf(provider), Memories.layerWorker))
  const scope = "user_bench"
  const topics = ["train", "bus", "bridge", "river", "coffee", "station", "tower", "walk", "ticket", "platform"]
  await runtime.runPromise(Effect.forEach(Array.from({ length: MEMORIES_IN_SCOPE }, (_, i) => i), (i) =>
    Memories.add("asst_default", { content: `Fact ${i}: likes the ${topics[i % topics.length]} near place ${i}`, memory_scope: scope }), { discard: true }))
  const turn = async (memory: "Auto" | "off") => {
    const started = performance.now()
    let firstAudioAt = 0
    let operation: string | null = null
    await runtime.runPromise(
      Pipeline.addMessage({
        voice: { stt: { provider: "fake", model: "fake-stt" }, tts: { provider: "fake", model: "fake-tts", voice: "ada" } },
        llm_provider: "fake",
        model_name: "fake-llm",
        memory,
        memory_scope: scope
      }, { audio }).pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => {
            if (event.type === "tts_audio_chunk" && firstAudioAt === 0) firstAudioAt = performance.now() - started
            if (event.type === "run_ended") operation = event.memory_operation_id
          })
        )
      )
    )
    if (memory === "Auto") {
      if (operation === null) throw new Error("an \"Auto\" turn started no memory operation")
      const ended = await runtime.runPromise(Memories.wait(operation))
      if (ended.status !== "COMPLETED") throw new Error(`the memory operation ended ${ended.status}: ${ended.error}`)
    }
    return firstAudioAt
  }
  try {
    await turn("off") // warm-up
    await turn("Auto")
    const runs = 7
    const off: Array<number> = []
    const auto: Array<number> = []
    for (let i = 0; i < runs; i++) {
      off.push(await turn("off"))
      auto.push(await turn("Auto"))
    }
    const o = median(off)
    const a = median(auto)
    return [
      `memory-mode  first audio, a thread's first turn, memory "off": median ${o.toFixed(1)} ms`,
      `memory-mode  first audio, memory "Auto" (lexical retrieval over ${MEMORIES_IN_SCOPE} memories in the scope, write in the background): ` +
      `median ${a.toFixed(1)} ms = "off" ${a - o >= 0 ? "+" : "-"} ${Math.abs(a - o).toFixed(1)} ms (target: within 5 ms)`
    ]
  } finally {
    await runtime.dispose()
  }
}

// ---------------------------------------------------------------------------------------------

const benches: Record<string, () => Promise<Array<string>>> = { "first-audio": firstAudio, overhead, memory, "memory-mode": memoryFirstAudio }
const which = process.argv[2]
if (which !== undefined) {
  const bench = benches[which]
  if (bench === undefined) throw new Error(`unknown benchmark ${which}; one of ${Object.keys(benches).join(", ")}`)
  for (const line of await bench()) console.log(line)
} else {
  // Each benchmark in its own process, so peak RSS is its own.
  const self = fileURLToPath(import.meta.url)
  for (const name of Object.keys(benches)) {
    const run = spawnSync(process.execPath, ["--expose-gc", self, name], { stdio: "inherit" })
    if (run.status !== 0) process.exit(run.status ?? 1)
  }
}
