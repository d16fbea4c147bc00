/**
 * Latency in the records: `latency_ms.first_byte` and `latency_ms.total` of the STT and TTS
 * records are measured by core's stages on the Effect `Clock`, so the battery drives the adapter
 * through `Stages.transcribe` / `Stages.speak`, as the pipeline does, on effect's `TestClock`.
 *
 * The check plays a success cassette with delays on every step (the recorded ones, at least
 * 40 ms before the headers and 25 ms before each body chunk), and the replay transport waits
 * them out on a virtual clock: the check moves the `TestClock` to each delivery, and moves it
 * only then — after the program has done everything it can without the vendor. So the figures
 * are exact whatever the machine: `total` is when the vendor's exchange ended, `first_byte` is
 * when the first output (`stt_stream_start`, `tts_stream_start`) came out, and that is when the
 * vendor delivered something — never before, and never later than what it was delivered with.
 * An adapter that adds time of its own (a sleep, a poll interval, a timer it waits on) is caught.
 */
import {
  type Capability,
  MediaStore,
  PipelineSettings,
  defaultSettings,
  ProviderRegistry,
  Run,
  Stages
} from "@patchbay/core"
import { Cause, Effect, Exit, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import type { CassetteResponse, LoadedCassette, Scenario } from "../../Cassette.ts"
import { REPLAY_API_KEY, replayFetch } from "../../Replay.ts"
import type { Subject } from "../../Subject.ts"
import { show } from "../json.ts"
import { audioOf, outputFormatOf } from "../operations.ts"
import { type Check, type CheckFailed, define, eachCassette, ensure, failWith, type Plan, run, scenarioIn, skip, successes, transportNote } from "./common.ts"

/** The least wait before the response's headers and before each body chunk, in milliseconds. */
export const HEADERS_DELAY_MS = 40
export const CHUNK_DELAY_MS = 25

/** How long the program may sit with nothing to deliver before the check moves the clock on (a wait of the adapter's own). */
const STUCK_MS = 2_000
/** How far the clock may go before the check gives up. */
const VIRTUAL_CAP_MS = 60_000

const chunked = (response: CassetteResponse): boolean => response.body !== undefined && "chunks" in response.body && response.body.chunks.length > 1

/** The cassette with a delay on every step: the recorded one, or at least the minimum. */
export const withDelays = (loaded: LoadedCassette): LoadedCassette => ({
  ...loaded,
  cassette: {
    ...loaded.cassette,
    interactions: loaded.cassette.interactions.map((interaction) => {
      const response = interaction.response
      const body = response.body
      const paced = body !== undefined && "chunks" in body
        ? { ...body, chunks: body.chunks.map((chunk) => ({ ...chunk, delay_ms: Math.max(chunk.delay_ms ?? 0, CHUNK_DELAY_MS) })) }
        : body
      return {
        ...interaction,
        response: { ...response, delay_ms: Math.max(response.delay_ms ?? 0, HEADERS_DELAY_MS), ...(paced === undefined ? {} : { body: paced }) }
      } as typeof interaction
    })
  } as typeof loaded.cassette
})

/** When the exchange ends if every delay is waited out in turn: the sum of them all. */
const exchangeEnd = (loaded: LoadedCassette): number =>
  loaded.cassette.interactions.reduce((sum, { response }) => {
    const body = response.body
    const chunks = body !== undefined && "chunks" in body ? body.chunks.reduce((n, c) => n + (c.delay_ms ?? 0), 0) : 0
    return sum + (response.delay_ms ?? 0) + chunks
  }, 0)

const plan = (capability: "stt" | "tts") => (subject: Subject): Plan => {
  if (subject.mode === "in-process") return skip("in-process provider: no transport whose delays the clock could play")
  const found = successes(subject, capability).filter((c) => {
    const request = scenarioIn(c).request
    return c.cassette.interactions.length > 0 && request.previous_text === undefined && request.next_text === undefined
  })
  if (found.length === 0) return skip(`no ${capability} cassette with case "success" and an exchange (without previous or next text)`)
  const first = found.find((c) => c.cassette.interactions.some((i) => chunked(i.response))) ?? found[0]!
  return run([first])
}

/** The stage the pipeline runs for a scenario. */
const stageOf = (provider: Subject["provider"], loaded: LoadedCassette, scenario: Scenario) =>
  Effect.gen(function*() {
    const request = scenario.request
    const options = request.provider_options === undefined ? {} : { provider_options: request.provider_options }
    if (scenario.capability === "stt") {
      const audio = yield* audioOf(loaded, scenario)
      return yield* Stages.transcribe({
        stt: { provider: provider.id, model: request.model, ...(request.language === undefined ? {} : { language: request.language }), ...options },
        audio
      })
    }
    const format = outputFormatOf(provider, scenario)
    return yield* Stages.speak({
      tts: { provider: provider.id, model: request.model, voice: request.voice ?? "", ...(format === undefined ? {} : { output_format: format }), ...options },
      text: request.text ?? ""
    })
  })

interface Timeline {
  now: number
  /** Virtual instants at which the transport delivered something (headers or a chunk). */
  readonly deliveries: Array<number>
  readonly events: Array<{ readonly type: string; readonly at: number }>
  readonly pending: Array<{ readonly due: number; readonly resolve: () => void }>
}

const realTurn = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))

const latencyCheck = (capability: "stt" | "tts"): Check =>
  define(
    capability,
    "latency",
    "through the stage on a test clock, the record's latency_ms.first_byte is when the first output came out and total when the vendor's exchange ended",
    plan(capability),
    Effect.fn(`Checks.${capability}.latency`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (original, scenario) =>
        Effect.gen(function*() {
          const loaded = withDelays(original)
          const timeline: Timeline = { now: 0, deliveries: [], events: [], pending: [] }
          const transport = replayFetch(loaded, {
            sleep: (ms) => new Promise<void>((resolve) => void timeline.pending.push({ due: timeline.now + ms, resolve }))
          })
          const provider = subject.make({ fetch: transport, apiKey: REPLAY_API_KEY })
          // Stamped by the test clock itself: also right while it runs the adapter's own sleeps.
          const clock = yield* TestClock.testClockWith(Effect.succeed)
          const record = (type: string) => void timeline.events.push({ type, at: clock.currentTimeMillisUnsafe() })
          const runShape: Run.RunShape = {
            thread_id: "thr_conformance",
            run_id: "run_conformance",
            emit: (event) => Effect.sync(() => record(event.type)),
            emitUnsafe: (event) => record(event.type),
            backpressure: Effect.void
          }
          const layer = Layer.mergeAll(ProviderRegistry.layer([provider]), MediaStore.layerMemory({ secret: "conformance-latency-secret" }))
          const settings = {
            ...defaultSettings,
            retry: { ...defaultSettings.retry, times: 0 },
            // One request for the whole text, as the cassette recorded it.
            chunking: { minChars: 1_000_000, maxChars: 1_000_000, flushAfter: "1 day" as const }
          }
          const program = stageOf(provider, loaded, scenario).pipe(
            Effect.provideService(Run.Run, runShape),
            Effect.provideService(PipelineSettings, settings),
            Effect.provide(layer)
          )
          const fiber = yield* Effect.forkChild(program)
          /** A signature of everything that can move without the clock. */
          const progress = () =>
            `${timeline.events.length} ${timeline.pending.length} ${
              transport.log.map((e) => `${e.body === undefined ? "-" : "b"}${e.respondedAt === undefined ? "-" : "r"}${e.chunkTimes.length}${e.completedAt === undefined ? "" : "c"}`).join(",")
            }`
          let stuckSince = performance.now()
          let last = progress()
          while (fiber.pollUnsafe() === undefined && timeline.now <= VIRTUAL_CAP_MS) {
            // Let the program do all it can without the clock: the same state over three turns.
            let quiet = 0
            let seen = progress()
            while (quiet < 3 && fiber.pollUnsafe() === undefined) {
              yield* realTurn
              const next = progress()
              quiet = next === seen ? quiet + 1 : 0
              seen = next
            }
            if (fiber.pollUnsafe() !== undefined) break
            if (seen !== last) {
              last = seen
              stuckSince = performance.now()
            }
            timeline.pending.sort((a, b) => a.due - b.due)
            const due = timeline.pending[0]
            if (due !== undefined) {
              yield* TestClock.adjust(due.due - timeline.now)
              timeline.now = due.due
              timeline.pending.shift()
              timeline.deliveries.push(timeline.now)
              due.resolve()
              stuckSince = performance.now()
            } else if (performance.now() - stuckSince > STUCK_MS) {
              // Nothing to deliver and nothing moving: the adapter waits on the clock itself.
              yield* TestClock.adjust("1 second")
              timeline.now = clock.currentTimeMillisUnsafe()
              stuckSince = performance.now()
            }
          }
          const exit = fiber.pollUnsafe()
          transport.dispose()
          if (exit === undefined) {
            yield* Fiber.interrupt(fiber)
            return yield* failWith(`the stage did not end within ${VIRTUAL_CAP_MS / 1000} s on the test clock`)
          }
          if (Exit.isFailure(exit)) {
            return yield* failWith(`the stage failed: ${Cause.pretty(exit.cause).split("\n")[0]}${transportNote(transport)}`)
          }
          const result = exit.value
          if (result === undefined) return yield* failWith("the stage produced no record (no audio)")
          yield* expectLatency(capability, result.latency_ms, timeline, exchangeEnd(loaded))
        }).pipe(Effect.provide(TestClock.layer())))
    })
  )

const expectLatency = (
  capability: Capability,
  latency: { readonly first_byte: number; readonly total: number },
  timeline: Timeline,
  end: number
): Effect.Effect<void, CheckFailed> =>
  Effect.gen(function*() {
    const startType = capability === "stt" ? "stt_stream_start" : "tts_stream_start"
    const first = timeline.events.find((e) => e.type === startType)
    const steps = `the vendor delivered at ${timeline.deliveries.join(", ")} ms`
    yield* ensure(first !== undefined, () => `no ${startType} event came out`)
    const firstAt = first!.at
    yield* ensure(timeline.deliveries.includes(firstAt), () =>
      `the first output (${startType}) came out at ${firstAt} ms, but ${steps}: output comes from what the vendor delivered, when it delivered it — the adapter adds a wait of its own (a sleep, a poll interval, a timer) or outputs something the vendor did not send`)
    yield* ensure(latency.first_byte === firstAt, () =>
      `latency_ms.first_byte is ${show(latency.first_byte)}; the first output (${startType}) came out at ${firstAt} ms`)
    yield* ensure(latency.total === end, () =>
      `latency_ms.total is ${show(latency.total)}; the vendor's exchange ended at ${end} ms (${steps}): the adapter adds time of its own after the vendor answered (a sleep, a poll interval, a timer it waits on)`)
  })

/** `stt.latency` and `tts.latency`: the capabilities whose records carry latency. */
export const latencyChecks: Record<"stt" | "tts", Check> = { stt: latencyCheck("stt"), tts: latencyCheck("tts") }
