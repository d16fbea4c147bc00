/**
 * Playing a realtime cassette: the replay WebSocket server started on the cassette's session, a
 * fresh provider pointed at it (`realtimeBaseUrl`), and the scenario's audio fed to the adapter's
 * `realtime` chunk by chunk from a queue the battery holds — so "before the input ended" is a
 * position in the input, not a time. The server plays without delays (`delayScale: 0`): the
 * realtime checks assert the order of events and what the server saw, never durations.
 */
import { Commit, type PatchbayProvider, type ProviderError, type RealtimeSttEvent, type RealtimeSttInput, type RealtimeSttSpec } from "@patchbay/core"
import { Cause, Effect, Exit, Fiber, Queue, Stream } from "effect"
import { readFileSync } from "node:fs"
import { type LoadedCassette, resolveIn, type Scenario } from "../Cassette.ts"
import { REPLAY_API_KEY, replayFetch } from "../Replay.ts"
import { type ReplaySocketServer, serveReplaySocket } from "../ReplaySocket.ts"
import type { Subject } from "../Subject.ts"
import { ScenarioProblem } from "./operations.ts"

/** How long the battery waits for an event it expects before it reports it missing: generous, since the event is what is asserted. */
export const EVENT_CAP_MS = 2_000

/** The default chunk size: 0.1 s of 16 kHz 16-bit PCM. */
const DEFAULT_CHUNK_BYTES = 3200

/** The realtime models of a provider's catalogue. */
export const realtimeModels = (provider: PatchbayProvider) => provider.models.filter((m) => m.capability === "stt" && m.realtime === true)

/** The session a scenario asks for, as the pipeline hands it to the adapter. */
export const specOf = (provider: PatchbayProvider, scenario: Scenario): RealtimeSttSpec => {
  const options = scenario.request.provider_options?.[provider.id]
  return {
    model: scenario.request.model,
    audio_format: scenario.request.audio_format ?? "pcm_16000",
    commit: scenario.request.commit ?? "manual",
    ...(scenario.request.language === undefined ? {} : { language: scenario.request.language }),
    ...(scenario.request.include_timestamps === undefined ? {} : { include_timestamps: scenario.request.include_timestamps }),
    ...(options === undefined ? {} : { provider_options: options })
  }
}

/** The scenario's input: its audio in chunks of `chunk_bytes`, with a `Commit` after each count of `commit_after`. */
export const inputOf = (loaded: LoadedCassette, scenario: Scenario): Effect.Effect<ReadonlyArray<RealtimeSttInput>, ScenarioProblem> =>
  Effect.try({
    try: () => {
      const fixture = scenario.request.audio?.fixture
      if (fixture === undefined) throw new Error("a realtime scenario needs request.audio.fixture (raw audio in its audio_format)")
      const audio = new Uint8Array(readFileSync(resolveIn(loaded, fixture)))
      const size = scenario.request.chunk_bytes ?? DEFAULT_CHUNK_BYTES
      const commits = new Set(scenario.request.commit_after ?? [])
      const out: Array<RealtimeSttInput> = []
      for (let at = 0, n = 1; at < audio.byteLength; at += size, n += 1) {
        out.push(audio.subarray(at, at + size))
        if (commits.has(n)) out.push(Commit)
      }
      return out
    },
    catch: (e) => new ScenarioProblem({ message: e instanceof Error ? e.message : String(e) })
  })

/** What a driven session produced. */
export interface Driven {
  readonly events: ReadonlyArray<RealtimeSttEvent>
  /** How the stream ended; `undefined` when the battery interrupted it. */
  readonly exit: Exit.Exit<void, ProviderError> | undefined
  /** How many events had come out when the last chunk of audio was handed over. */
  readonly beforeLastChunk: number
  /** Whether the input was ended (every item handed over) or cut short by an interruption. */
  readonly interrupted: boolean
  /** The interruption did not stop the stream within {@link EVENT_CAP_MS}. */
  readonly stuck: boolean
  readonly server: ReplaySocketServer
}

/** How to drive a session. */
export interface DriveOptions {
  /** Before the last chunk, wait (up to the cap) for a partial to come out. */
  readonly awaitPartial?: boolean | undefined
  /** Interrupt the stream once this many chunks were handed over and the server has received them. */
  readonly interruptAfter?: number | undefined
  /** Runs once the server listens, before the provider is built. */
  readonly onServing?: ((server: ReplaySocketServer) => Effect.Effect<void>) | undefined
  /** Runs with the server before it closes (the lifetime check measures while it still listens). */
  readonly whileServing?: ((server: ReplaySocketServer) => Effect.Effect<void>) | undefined
}

const pollUntil = (condition: () => boolean, ms: number): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const until = performance.now() + ms
    while (!condition()) {
      if (performance.now() > until) return false
      yield* Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))
    }
    return true
  })

/**
 * Serves the cassette's session, builds a provider on it, and feeds it the scenario's input.
 * The server is closed before the result is returned (after `whileServing`).
 */
export const drive = (subject: Subject, loaded: LoadedCassette, scenario: Scenario, options: DriveOptions = {}): Effect.Effect<Driven, ScenarioProblem> =>
  Effect.acquireUseRelease(
    Effect.promise(() => serveReplaySocket(loaded, { delayScale: 0 })),
    (server) =>
      Effect.gen(function*() {
        if (options.onServing !== undefined) yield* options.onServing(server)
        const fetch = replayFetch(loaded)
        const provider = subject.make({ fetch, apiKey: REPLAY_API_KEY, realtimeBaseUrl: server.baseUrl })
        const realtime = provider.stt?.realtime
        if (realtime === undefined) return yield* new ScenarioProblem({ message: "the provider has no stt.realtime" })
        const items = yield* inputOf(loaded, scenario)
        const lastChunk = items.findLastIndex((item) => item instanceof Uint8Array)
        const queue = yield* Queue.unbounded<RealtimeSttInput, Cause.Done>()
        const events: Array<RealtimeSttEvent> = []
        const fiber = yield* Effect.forkChild(
          Effect.exit(Stream.runForEach(realtime(specOf(provider, scenario), Stream.fromQueue(queue)), (event) => Effect.sync(() => void events.push(event))))
        )
        const done = () => fiber.pollUnsafe() !== undefined
        let beforeLastChunk = -1
        let chunks = 0
        for (const [i, item] of items.entries()) {
          if (done()) break
          if (options.interruptAfter !== undefined && chunks >= options.interruptAfter) {
            // The server has the audio: the session is live when it is interrupted.
            yield* pollUntil(() => (server.sessions[0]?.received.length ?? 0) >= chunks || done(), EVENT_CAP_MS)
            const stopped = yield* Fiber.interrupt(fiber).pipe(Effect.timeoutOption(EVENT_CAP_MS))
            fetch.dispose()
            if (options.whileServing !== undefined) yield* options.whileServing(server)
            return { events, exit: undefined, beforeLastChunk, interrupted: true, stuck: stopped._tag === "None", server }
          }
          if (i === lastChunk) {
            if (options.awaitPartial === true) yield* pollUntil(() => events.some((e) => e.type === "partial") || done(), EVENT_CAP_MS)
            beforeLastChunk = events.length
          }
          yield* Queue.offer(queue, item)
          if (item instanceof Uint8Array) chunks += 1
        }
        yield* Queue.end(queue)
        const exit = yield* Fiber.join(fiber)
        fetch.dispose()
        if (options.whileServing !== undefined) yield* options.whileServing(server)
        return { events, exit, beforeLastChunk, interrupted: false, stuck: false, server }
      }),
    (server) => Effect.promise(() => server.close())
  )

/** The server's differences, as a note for a failure message (empty when there are none). */
export const serverNote = (server: ReplaySocketServer): string => {
  const lines = server.differences()
  return lines.length === 0 ? "" : `\n  the replay server: ${lines.join("\n  ")}`
}

/** The typed error a stream ended in, the defect it died of, or undefined on success. */
export const endOf = (exit: Exit.Exit<void, ProviderError>): string | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const found = Cause.findErrorOption(exit.cause)
  return found._tag === "Some" ? `${found.value._tag}: ${found.value.message}` : `a defect: ${Cause.pretty(exit.cause).split("\n")[0] ?? ""}`
}
