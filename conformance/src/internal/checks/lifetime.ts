/**
 * Nothing outlives a request: after a call that failed, one that was cancelled and one that
 * succeeded, the adapter has left no timer, socket or child process active — the resources that
 * keep a Node program from exiting (a vendor SDK's request deadline that is cleared only when
 * `fetch` resolves kept programs alive for an hour). The check watches the resources created
 * from the start of the call (`node:async_hooks`: each timer, socket, pipe or child process, until
 * it is destroyed) and waits for them to go — a child process must exit by itself, a socket
 * close — up to a generous cap, so it asserts the event, never a duration. An `unref`'d timer or
 * socket does not hold the process and is not counted. Watching what the call created, rather
 * than comparing counts of what is active before and after, keeps a resource of something else
 * that ends meanwhile (an earlier test's socket closing) from hiding one the adapter left.
 */
import type { Capability } from "@patchbay/core"
import { createHook } from "node:async_hooks"
import { Effect, Fiber } from "effect"
import type { LoadedCassette } from "../../Cassette.ts"
import type { ReplayFetch } from "../../Replay.ts"
import { cassettesFor, type Subject } from "../../Subject.ts"
import { outputsOf, play } from "../operations.ts"
import { arrange, type Check, type CheckFailed, define, eachCassette, ensure, failWith, type Plan, run, scenarioIn, skip, successes } from "./common.ts"

/**
 * The resource kinds that keep a process alive and that an adapter could leave behind, by their
 * `async_hooks` type, named as `process.getActiveResourcesInfo()` names them.
 */
const WATCHED: Readonly<Record<string, string>> = {
  Timeout: "Timeout",
  TCPWRAP: "TCPSocketWrap",
  TCPSERVERWRAP: "TCPServerWrap",
  TLSWRAP: "TLSWrap",
  PIPEWRAP: "PipeWrap",
  PIPESERVERWRAP: "PipeServerWrap",
  PROCESSWRAP: "ProcessWrap",
  UDPWRAP: "UDPWrap",
  FSEVENTWRAP: "FSEventWrap",
  STATWATCHER: "StatWatcher"
}

/** How long resources may take to go after a call ends: generous, since what is asserted is that they go. */
export const SETTLE_CAP_MS = 5_000

/** The resources created since a watch began. */
export interface Watch {
  /** Those still alive and holding the process, by kind: `["2 × Timeout"]`; empty when none. */
  readonly left: () => ReadonlyArray<string>
  readonly stop: () => void
}

/** Starts watching the timers, sockets, pipes and child processes created from now on. */
export const watchCreated = (): Watch => {
  const alive = new Map<number, { readonly kind: string; readonly resource: WeakRef<object> }>()
  const hook = createHook({
    init(id, type, _trigger, resource: object) {
      const kind = WATCHED[type]
      if (kind !== undefined) alive.set(id, { kind, resource: new WeakRef(resource) })
    },
    destroy(id) {
      alive.delete(id)
    }
  }).enable()
  const left = () => {
    const counts = new Map<string, number>()
    for (const [id, { kind, resource }] of alive) {
      const held = resource.deref() as { readonly hasRef?: () => boolean } | undefined
      if (held === undefined) alive.delete(id)
      else if (held.hasRef?.() !== false) counts.set(kind, (counts.get(kind) ?? 0) + 1)
    }
    return [...counts].map(([kind, n]) => `${n} × ${kind}`)
  }
  return { left, stop: () => void hook.disable() }
}

/** One macrotask turn of the event loop. */
export const turn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** Waits (polling on real timers) until nothing the watch saw created is left, up to the cap; what is still left. */
export const settled = (watch: Watch): Effect.Effect<ReadonlyArray<string>> =>
  Effect.gen(function*() {
    const until = performance.now() + SETTLE_CAP_MS
    for (;;) {
      // A macrotask turn first: sockets and processes close on callbacks after the call ends.
      yield* turn
      const left = watch.left()
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
 * After a macrotask turn (so timers the check's own runner arms as it starts, like its timeout,
 * are not the call's), watches what the call creates, makes it, then waits for all of it to go.
 */
const leg = (
  name: string,
  call: (watch: Watch) => Effect.Effect<ReplayFetch | undefined, CheckFailed>
): Effect.Effect<void, CheckFailed> =>
  Effect.gen(function*() {
    yield* turn
    const watch = watchCreated()
    const left = yield* Effect.gen(function*() {
      const transport = yield* call(watch)
      transport?.dispose()
      return yield* settled(watch)
    }).pipe(Effect.ensuring(Effect.sync(watch.stop)))
    yield* ensure(left.length === 0, () =>
      `after ${name}, ${left.join(", ")} of the adapter ${left.length === 1 ? "was" : "were"} still active ${SETTLE_CAP_MS / 1000} s later: ${hint}`)
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
          yield* leg("a cancelled call", (watch) => Effect.gen(function*() {
            const arranged = arrange(subject, loaded, subject.mode === "http" ? { stall: "headers" } : undefined)
            const transport = arranged.transport
            const fiber = yield* Effect.forkChild(play(outputsOf(arranged.provider, loaded, scenario)))
            // Cancelled while it waits on the vendor (held by the transport), or on its own program.
            const started = () =>
              transport !== undefined ? transport.log[0]?.interaction !== undefined : watch.left().length > 0
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
