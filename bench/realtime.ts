/**
 * Realtime speech-to-text benchmarks, on a fake realtime vendor that answers each audio chunk
 * with a partial after a fixed delay (`VENDOR_MS`), as a vendor's recognizer would:
 *
 *   latency    the time from a chunk leaving the caller to the partial it causes reaching the
 *              caller, three ways, alternating: the vendor's stream alone (`SttProvider.realtime`
 *              iterated directly: the baseline, its own delay included), through the library
 *              (`pb.listen`), and through the server's WebSocket (`GET /realtime/stt` on
 *              127.0.0.1, Node's own `WebSocket` as the client). Printed: p50 / p99 of each and
 *              what the library and the server add over the baseline (target: p50 under 5 ms).
 *   sessions   sessions held open at once by one server (each sends a chunk and gets its partial
 *              every round): peak RSS growth per session at 100, 200 and 400 sessions — flat if
 *              the per-session figure does not grow with the count.
 *
 * Run: `pnpm bench:realtime` (or `node --expose-gc bench/realtime.ts latency|sessions`).
 */
import { Effect, Stream } from "effect"
import { createKey, createPatchbay, CurrentTenant, type PatchbayProvider, type RealtimeSttEvent, type RealtimeSttInput, Stores } from "../packages/core/src/index.ts"
import { serve } from "../packages/server/src/index.ts"

const VENDOR_MS = 20
const CHUNK = new Uint8Array(3200) // 100 ms of pcm_16000
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const p99 = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!

/** The fake vendor: one partial per chunk, `VENDOR_MS` after it arrives; the summary when the input ends. */
const vendor = (): PatchbayProvider => ({
  id: "bench",
  models: [{ id: "bench-rt", provider: "bench", capability: "stt", realtime: true, realtime_formats: ["pcm_16000"] }],
  stt: {
    catalogue: "closed",
    validate: () => Effect.void,
    transcribe: () => Effect.die("not used"),
    realtime: (_spec, input) => {
      let n = 0
      const partials = input.pipe(
        Stream.filter((item): item is Uint8Array => item instanceof Uint8Array),
        Stream.mapEffect(() => Effect.as(Effect.sleep(`${VENDOR_MS} millis`), { type: "partial", text: `word ${++n}` } as RealtimeSttEvent))
      )
      return Stream.concat(
        Stream.succeed<RealtimeSttEvent>({ type: "session_started", session_id: "bench" }),
        Stream.concat(partials, Stream.suspend(() => Stream.succeed<RealtimeSttEvent>({ type: "summary", usage: { audio_seconds: n / 10 }, provider_output: {} })))
      )
    }
  }
})

/** A source of chunks the caller pushes one at a time, recording when each left. */
const pushSource = () => {
  const waiting: Array<(value: IteratorResult<Uint8Array>) => void> = []
  const queued: Array<IteratorResult<Uint8Array>> = []
  const push = (result: IteratorResult<Uint8Array>) => {
    const next = waiting.shift()
    if (next === undefined) queued.push(result)
    else next(result)
  }
  const iterable: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        const ready = queued.shift()
        return ready === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(ready)
      }
    })
  }
  return { iterable, send: () => push({ done: false, value: CHUNK }), end: () => push({ done: true, value: undefined }) }
}

/** Times `rounds` chunk → partial round trips on one session opened by `open`. */
const roundTrips = async (
  rounds: number,
  open: (onPartial: () => void) => Promise<{ readonly send: () => void; readonly end: () => Promise<void> }>
): Promise<ReadonlyArray<number>> => {
  const times: Array<number> = []
  let resolvePartial: (() => void) | undefined
  const session = await open(() => resolvePartial?.())
  for (let i = 0; i < rounds; i++) {
    const partial = new Promise<void>((resolve) => (resolvePartial = resolve))
    const left = performance.now()
    session.send()
    await partial
    times.push(performance.now() - left)
  }
  await session.end()
  return times
}

const latency = async () => {
  const provider = vendor()
  const pb = createPatchbay({ providers: [provider], media: { secret: "bench-secret-not-for-production" } })
  const stores = Stores.makeMemory()
  const key = (await Effect.runPromise(createKey({ name: "bench" }).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "bench")))).plaintext
  const server = await serve({ providers: [provider], stores, port: 0, media: { secret: "bench-secret-not-for-production" }, shutdownGraceMs: 0 })

  const direct = (onPartial: () => void) => {
    const source = pushSource()
    const done = Effect.runPromise(
      provider.stt!.realtime!({ model: "bench-rt", audio_format: "pcm_16000", commit: "vad" }, Stream.fromAsyncIterable(source.iterable, () => undefined as never) as Stream.Stream<RealtimeSttInput>).pipe(
        Stream.runForEach((event) => Effect.sync(() => event.type === "partial" && onPartial()))
      )
    )
    return Promise.resolve({ send: source.send, end: async () => (source.end(), await done) })
  }
  const library = (onPartial: () => void) => {
    const source = pushSource()
    const done = (async () => {
      for await (const event of pb.listen({ voice: { stt: { provider: "bench", model: "bench-rt" } }, audio: source.iterable, format: "pcm_16000" })) {
        if (event.type === "stt_partial") onPartial()
      }
    })()
    return Promise.resolve({ send: source.send, end: async () => (source.end(), await done) })
  }
  const socket = async (onPartial: () => void) => {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/realtime/stt?provider=bench&model=bench-rt&audio_format=pcm_16000`, { headers: { "x-api-key": key } } as never)
    const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()))
    ws.addEventListener("message", (event) => {
      if ((JSON.parse(String(event.data)) as { type: string }).type === "partial_transcript") onPartial()
    })
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve())
      ws.addEventListener("error", () => reject(new Error("the socket did not open")))
    })
    return { send: () => ws.send(CHUNK), end: async () => (ws.send(JSON.stringify({ type: "end" })), await closed) }
  }

  const rounds = 50
  // Warm every path up first.
  for (const open of [direct, library, socket]) await roundTrips(10, open)
  const d: Array<number> = []
  const l: Array<number> = []
  const s: Array<number> = []
  for (let i = 0; i < 6; i++) {
    d.push(...await roundTrips(rounds, direct))
    l.push(...await roundTrips(rounds, library))
    s.push(...await roundTrips(rounds, socket))
  }
  await server.close()
  await pb.dispose()
  const fmt = (xs: ReadonlyArray<number>) => `p50 ${median(xs).toFixed(2)} ms, p99 ${p99(xs).toFixed(2)} ms`
  return [
    `latency   chunk → partial, ${d.length} round trips each, the fake vendor answering after ${VENDOR_MS} ms:`,
    `latency     vendor stream alone (baseline): ${fmt(d)}`,
    `latency     through pb.listen:              ${fmt(l)}; added p50 ${(median(l) - median(d)).toFixed(2)} ms (target: under 5 ms)`,
    `latency     through the server's WebSocket: ${fmt(s)}; added p50 ${(median(s) - median(d)).toFixed(2)} ms (target: under 5 ms)`
  ]
}

const sessions = async () => {
  const provider = vendor()
  const stores = Stores.makeMemory()
  const key = (await Effect.runPromise(createKey({ name: "bench" }).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "bench")))).plaintext
  const server = await serve({ providers: [provider], stores, port: 0, media: { secret: "bench-secret-not-for-production" }, shutdownGraceMs: 0 })
  const global = globalThis as { gc?: () => void }
  const lines: Array<string> = []
  for (const count of [100, 200, 400]) {
    global.gc?.()
    const before = process.memoryUsage().rss
    let peak = before
    const open = Array.from({ length: count }, async () => {
      const ws = new WebSocket(`${server.url.replace("http", "ws")}/realtime/stt?provider=bench&model=bench-rt&audio_format=pcm_16000`, { headers: { "x-api-key": key } } as never)
      let partials = 0
      let wake: (() => void) | undefined
      ws.addEventListener("message", (event) => {
        if ((JSON.parse(String(event.data)) as { type: string }).type === "partial_transcript") {
          partials++
          wake?.()
        }
      })
      const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()))
      await new Promise<void>((resolve, reject) => {
        ws.addEventListener("open", () => resolve())
        ws.addEventListener("error", () => reject(new Error("the socket did not open")))
      })
      return { ws, closed, partials: () => partials, next: () => new Promise<void>((resolve) => (wake = resolve)) }
    })
    const held = await Promise.all(open)
    // Ten rounds: every session sends a chunk and waits for its partial.
    for (let round = 0; round < 10; round++) {
      await Promise.all(held.map((h) => {
        const partial = h.next()
        h.ws.send(CHUNK)
        return partial
      }))
      peak = Math.max(peak, process.memoryUsage().rss)
    }
    const heard = held.reduce((n, h) => n + h.partials(), 0)
    if (heard !== count * 10) throw new Error(`expected ${count * 10} partials, heard ${heard}`)
    for (const h of held) h.ws.send(JSON.stringify({ type: "end" }))
    await Promise.all(held.map((h) => h.closed))
    const growth = (peak - before) / 1e6
    lines.push(`sessions  ${String(count).padStart(4)} open at once (client and server in one process): peak RSS +${growth.toFixed(1)} MB, ${((growth * 1000) / count).toFixed(1)} kB per session`)
  }
  await server.close()
  return lines
}

const which = process.argv[2]
const parts = which === undefined ? [latency, sessions] : which === "latency" ? [latency] : which === "sessions" ? [sessions] : []
if (parts.length === 0) throw new Error(`unknown part ${which}: latency or sessions`)
for (const part of parts) for (const line of await part()) console.log(line)
