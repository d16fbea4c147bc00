/**
 * The first-audio turn over HTTP, traced: every Effect span of the turn (core's stages, the
 * adapters' calls) on one timeline with the hand-over marks of `bench/http.ts`, so the time
 * between two hand-overs can be attributed to what ran in it. A diagnostic, not a benchmark:
 * prints the timeline of the run whose first audio is the median, then the median of each step
 * between two marks over all the runs.
 *
 * Run: `node bench/trace.ts [runs]` (default 9); add `--cpu-prof` to node for a CPU profile.
 * `TRACE_FIRST=1` prints the process's first turn; `TRACE_SPANS=0` leaves spans out;
 * `TRACE_OUT=file` writes every turn's marks (with its start on the profile's clock);
 * `TRACE_SCHEDULER=sync` hands fibers over through microtasks instead of `setImmediate`;
 * `FAKES=inline` runs the fake vendors in the pipeline's own thread instead of a worker.
 */
import { Effect, Scheduler, Tracer } from "effect"
import { httpTurn, type Marks } from "./http.ts"

const reply = "Sure. The quickest way to the station is to walk north along the river for about ten minutes, then cross the old stone bridge."
const profile = {
  transcript: "How do I get to the station?",
  reply,
  sttMs: 300,
  firstTokenMs: 250,
  tokensPerSecond: 40,
  ttsFirstByteMs: 150,
  ttsChunkMs: 20
}

let record: ((name: string) => void) | undefined
const tracer = Tracer.make({
  span: (options) => {
    const span = new Tracer.NativeSpan(options)
    record?.(`span ${options.name} start`)
    const end = span.end.bind(span)
    span.end = (endTime, exit) => {
      record?.(`span ${options.name} end`)
      end(endTime, exit)
    }
    return span
  }
})

// TRACE_SCHEDULER=sync: fibers hand over through microtasks instead of setImmediate (an experiment)
const around = process.env.TRACE_SCHEDULER === "sync"
  ? <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, Scheduler.Scheduler, new Scheduler.MixedScheduler("sync"))
  : undefined
const http = await httpTurn(profile, { fakes: process.env.FAKES === "inline" ? "inline" : "worker", tracer: process.env.TRACE_SPANS === "0" ? undefined : tracer, around })
const seen = new Map<string, number>()
record = (name) => {
  // several spans of one name: number them
  const n = (seen.get(name) ?? 0) + 1
  seen.set(name, n)
  http.mark(n === 1 ? name : `${name} #${n}`)
}
const runs = Number(process.argv[2] ?? 9)
const turns: Array<{ firstAudio: number; marks: Marks; startedUs?: number }> = []
try {
  const first = await http.run() // the process's first turn
  seen.clear()
  if (process.env.TRACE_FIRST === "1") turns.push(first)
  for (let i = 0; i < runs; i++) {
    seen.clear()
    // the monotonic clock of CPU profiles, so a profile's samples can be placed on the timeline
    const startedUs = Number(process.hrtime.bigint() / 1000n)
    turns.push({ ...(await http.run()), startedUs })
  }
} finally {
  await http.close()
}
if (process.env.TRACE_OUT !== undefined) {
  const { writeFileSync } = await import("node:fs")
  writeFileSync(process.env.TRACE_OUT, JSON.stringify(turns))
}
turns.sort((a, b) => a.firstAudio - b.firstAudio)
console.log(`first audio: ${turns.map((t) => t.firstAudio.toFixed(1)).join(" ")}`)
// TRACE_FIRST=1: the first turn's timeline instead of the median one
const median = process.env.TRACE_FIRST === "1" ? turns.find((t) => t.startedUs === undefined)! : turns[Math.floor(turns.length / 2)]!
let previous = 0
for (const [name, at] of Object.entries(median.marks).sort((a, b) => a[1] - b[1])) {
  if (/piece([3-9]|\d\d)/.test(name)) continue
  console.log(`${at.toFixed(2).padStart(8)}  +${(at - previous).toFixed(2).padStart(6)}  ${name}`)
  previous = at
}

// The same steps as medians over every turn traced: one turn's timeline shows where its time went,
// these show what each hand-over usually takes (a step's median, so they need not add up to the
// median first audio).
const order = Object.entries(median.marks).sort((a, b) => a[1] - b[1]).map(([name]) => name).filter((name) => !/piece([3-9]|\d\d)| #\d+$/.test(name))
const timed = turns.filter((t) => t.startedUs !== undefined)
const medianOf = (xs: ReadonlyArray<number>) => {
  const sorted = xs.filter(Number.isFinite).sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}
console.log(`\nmedian of each step over the ${timed.length} turns:`)
order.forEach((name, i) => {
  const from = order[i - 1]
  const step = medianOf(timed.map((t) => (t.marks[name] ?? Number.NaN) - (from === undefined ? 0 : t.marks[from] ?? Number.NaN)))
  console.log(`${step.toFixed(2).padStart(8)}  ${from ?? "start"} → ${name}`)
})
