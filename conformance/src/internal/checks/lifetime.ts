/**
 * Nothing outlives a request: after a call that failed, one that was cancelled and one that
 * succeeded, the adapter has left no timer, socket or child process active — the resources that
 * keep a Node program from exiting (a vendor SDK's request deadline that is cleared only when
 * `fetch` resolves kept programs alive for an hour). Node's `process.getActiveResourcesInfo()`
 * lists them (a timer only while it holds the process: `unref`'d timers are not listed); the
 * check compares it with the list taken before the call and waits for the resources to go — a
 * child process must exit by itself, a socket close — up to a generous cap, so it asserts the
 * event, never a duration.
 */
import type { Capability } from "@patchbay/core"
import { Effect, Fiber } from "effect"
import type { LoadedCassette } from "../../Cassette.ts"
import type { ReplayFetch } from "../../Replay.ts"
import { cassettesFor, type Subject } from "../../Subject.ts"
import { outputsOf, play } from "../operations.ts"
import { arrange, type Check, type CheckFailed, define, eachCassette, ensure, failWith, type Plan, run, scenarioIn, skip, successes } from "./common.ts"

/** The resource kinds that keep a process alive and that an adapter could leave behind. */
const WATCHED = new Set(["Timeout", "TCPSocketWrap", "TCPWrap", "TCPServerWrap", "TLSWrap", "PipeWrap", "ProcessWrap", "UDPWrap", "FSEventWrap", "StatWatcher"])

/** How long resources may take to go after a call ends: generous, since what is asserted is that they go. */
export const SETTLE_CAP_MS = 5_000

export type Counts = ReadonlyMap<string, number>

export const activeResources = (): Counts => {
  const counts = new Map<string, number>()
  for (const kind of process.getActiveResourcesInfo()) if (WATCHED.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1)
  return counts
}

/** One macrotask turn of the event loop. */
export const turn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** The kinds now more numerous than before, as `2 × Timeout`. */
const grown = (before: Counts, now: Counts): ReadonlyArray<string> =>
  [...now].flatMap(([kind, n]) => (n > (before.get(kind) ?? 0) ? [`${n - (before.get(kind) ?? 0)} × ${kind}`] : []))

/** Waits (polling on real timers) until no watched kind is above its count in `before`, up to the cap; the kinds still above it. */
export const settled = (before: Counts): Effect.Effect<ReadonlyArray<string>> =>
  Effect.gen(function*() {
    const until = performance.now() + SETTLE_CAP_MS
    for (;;) {
      // A macrotask turn first: sockets and processes close on callbacks after the call ends.
      yield* turn
      const left = grown(before, activeResources())
      if (left.length === 0 || performance.now() > until) return left
      yield* Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 10)))
    }
  })

const failingCases = ["unavailable", "rate_limited", "unauthorized", "invalid_request", "quota_exceeded", "unknown_model", "too_large", "stream_error"] as const

/** The cassette of a failing call: the first error case that has one (an exchange, or in process any). */
const failingCassette = (subject: Subject, capability: Capability): LoadedCassette | undefined => {
  for (const scenarioCase of failingCases) {
    const found = cassettesFor(subject, capability, scenarioCase).find((c) => subject.mode === "in-process" || c.cassette.interactions.length > 0)
    if (found !== undefined) return found
  }
  return undefined
}

export const hint = "clear the timers you set (also when the call fails or is interrupted), close or cancel response bodies, and let child processes be killed and reaped; " +
  "an SDK that arms a request deadline must see fetch settle (abort it) or be given a signal"

/**
 * Takes what is active after a macrotask turn (so timers the check's own runner arms as it
 * starts, like its timeout, are counted in), makes the call, then waits for the resources to
 * go back to that.
 */
const leg = (
  name: string,
  call: (before: Counts) => Effect.Effect<ReplayFetch | undefined, CheckFailed>
): Effect.Effect<void, CheckFailed> =>
  Effect.gen(function*() {
    yield* turn
    const before = activeResources()
    const transport = yield* call(before)
    transport?.dispose()
    const left = yield* settled(before)
    yield* ensure(left.length === 0, () =>
      `after ${name}, ${left.join(", ")} of the adapter ${left.length === 1 ? "was" : "were"} still active ${SETTLE_CAP_MS / 1000} s later (process.getActiveResourcesInfo()): ${hint}`)
  })

const plan = (capability: Capability) => (subject: Subject): Plan => {
  const success = successes(subject, capability)[0]
  if (success === undefined) return skip(`no ${capability} cassette with case "success"`)
  const failing = failingCassette(subject, capability)
  return run(failing === undefined ? [success] : [success, failing])
}

/** `<capability>.nothing_outlives`: see the module header. */
export const nothingOutlivesCheck = (capability: Capability): Check =>
  define(
    capability,
    "nothing_outlives",
    "after a failing, a cancelled and a successful call, no timer, socket or child process of the adapter stays active",
    plan(capability),
    Effect.fn(`Checks.${capability}.nothing_outlives`)(function*(subject, cassettes) {
      const [success, failing] = cassettes
      if (success === undefined) return
      if (failing !== undefined) {
        yield* eachCassette([failing], (loaded, scenario) =>
          leg("a failing call", () => Effect.gen(function*() {
            const arranged = arrange(subject, loaded)
            yield* play(outputsOf(arranged.provider, loaded, scenario))
            return arranged.transport
          })))
      }
      yield* eachCassette([success], (loaded, scenario) =>
        Effect.gen(function*() {
          yield* leg("a cancelled call", (before) => Effect.gen(function*() {
            const arranged = arrange(subject, loaded, subject.mode === "http" ? { stall: "headers" } : undefined)
            const transport = arranged.transport
            const fiber = yield* Effect.forkChild(play(outputsOf(arranged.provider, loaded, scenario)))
            // Cancelled while it waits on the vendor (held by the transport), or on its own program.
            const started = () =>
              transport !== undefined ? transport.log[0]?.interaction !== undefined : grown(before, activeResources()).length > 0
            const until = performance.now() + 2_000
            while (!started() && fiber.pollUnsafe() === undefined && performance.now() < until) {
              yield* Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))
            }
            const stopped = yield* Fiber.interrupt(fiber).pipe(Effect.timeoutOption("2 seconds"))
            if (stopped._tag === "None") {
              transport?.dispose()
              return yield* failWith("the cancelled call did not stop within 2 s of its interruption")
            }
            return transport
          }))
          yield* leg("a successful call", () => Effect.gen(function*() {
            const arranged = arrange(subject, loaded)
            yield* play(outputsOf(arranged.provider, loaded, scenarioIn(loaded)))
            return arranged.transport
          }))
        }))
    })
  )
