/**
 * What every check of the battery is made of: the model (a check, its plan, its result), and
 * the helpers checks share to plan over cassettes, build a fresh provider per cassette, play a
 * scenario and word a failure. The checks themselves live beside this module, one module per
 * capability or concern; `Checks.ts` lists them in report order.
 */
import { type Capability, type PatchbayProvider, Usage } from "@patchbay/core"
import { Data, Effect, Exit, Schema } from "effect"
import type { LoadedCassette, Scenario } from "../../Cassette.ts"
import { REPLAY_API_KEY, type ReplayFetch, replayFetch, type ReplayOptions } from "../../Replay.ts"
import { cassettesFor, refusingFetch, type Subject } from "../../Subject.ts"
import { jsonEqual, show } from "../json.ts"
import { failureOf, outputsOf, type Played, play, type ScenarioProblem } from "../operations.ts"

/** Where a check's row sits in the report: a capability, or `process` for local programs. */
export type CheckGroup = Capability | "process"

/** A check's verdict. @category models */
export type CheckStatus = "pass" | "fail" | "skipped"

/** One row of the report. @category models */
export interface CheckResult {
  readonly adapter: string
  readonly group: CheckGroup
  /** The check's name within its group (`text`, `rate_limited`). */
  readonly check: string
  readonly title: string
  readonly status: CheckStatus
  /** Why it failed, or why it does not apply. */
  readonly detail?: string | undefined
  /** The cassette files it played. */
  readonly cassettes: ReadonlyArray<string>
}

/** Which cassettes a check plays, or why it does not apply (the battery then skips it, with that reason). @category models */
export type Plan =
  | { readonly _tag: "Run"; readonly cassettes: ReadonlyArray<LoadedCassette> }
  | { readonly _tag: "Skip"; readonly reason: string }

/** A check failed; the message says what is wrong and how to fix it. @category errors */
export class CheckFailed extends Data.TaggedError("CheckFailed")<{ readonly message: string }> {}

/** One check of the battery. @category models */
export interface Check {
  /** `<group>.<name>`, e.g. `tts.format`. */
  readonly id: string
  readonly group: CheckGroup
  readonly name: string
  readonly title: string
  readonly plan: (subject: Subject) => Plan
  readonly run: (subject: Subject, cassettes: ReadonlyArray<LoadedCassette>) => Effect.Effect<void, CheckFailed>
}

export const failWith = (message: string): Effect.Effect<never, CheckFailed> => Effect.fail(new CheckFailed({ message }))

export const ensure = (condition: boolean, message: () => string): Effect.Effect<void, CheckFailed> =>
  condition ? Effect.void : failWith(message())

export const run = (cassettes: ReadonlyArray<LoadedCassette>): Plan => ({ _tag: "Run", cassettes })
/** A check that does not apply to the subject: a skipped test whose name gives the reason. */
export const skip = (reason: string): Plan => ({ _tag: "Skip", reason })

export const successes = (subject: Subject, capability: Capability) => cassettesFor(subject, capability, "success")

/** Plans a check over the success cassettes of a capability. */
export const overSuccesses = (capability: Capability, also?: (subject: Subject, cassettes: ReadonlyArray<LoadedCassette>) => Plan | undefined) => (subject: Subject): Plan => {
  const found = successes(subject, capability)
  if (found.length === 0) return skip(`no ${capability} cassette with case "success"`)
  return also?.(subject, found) ?? run(found)
}

export const scenarioIn = (loaded: LoadedCassette): Scenario => loaded.cassette.scenario as Scenario

/** A provider built for one cassette, with the transport it talks through (none in process). */
export interface Arranged {
  readonly provider: PatchbayProvider
  readonly transport: ReplayFetch | undefined
}

/** A fresh provider for one cassette; `apiKey` replaces the placeholder key (the secrets check uses a recognisable one). */
export const arrange = (subject: Subject, loaded: LoadedCassette, options?: ReplayOptions, apiKey: string = REPLAY_API_KEY): Arranged => {
  if (subject.mode === "in-process") return { provider: subject.make({ fetch: refusingFetch, apiKey }), transport: undefined }
  const transport = replayFetch(loaded, options)
  return { provider: subject.make({ fetch: transport, apiKey }), transport }
}

/**
 * Successful plays, per adapter (its `make`) and cassette. About ten checks read the same success
 * cassette's outcome (text, language, usage, request id, …); played once and shared, the battery's
 * run time stays within its budget — a local engine's call spawns programs (espeak-ng, ffmpeg, a
 * speech decoder), each a cold start of a fraction of a second, and a replayed HTTP exchange
 * plays the vendor's recorded pacing. Only plain plays are kept (no replay options, no replaced
 * audio) and only successes (a failure is played again by each check that meets it); the
 * transport's log is kept with the outcome, so a check reading the request sees the one that was
 * made. The checks that watch a call as it runs (`nothing_outlives`, the process checks) make
 * their own calls.
 *
 * `pnpm mutation` sets {@link FRESH_PLAYS_VARIABLE}: Stryker runs only the tests that covered a
 * mutant, so there each check must run the adapter's code itself.
 */
export const FRESH_PLAYS_VARIABLE = "PATCHBAY_CONFORMANCE_FRESH_PLAYS"

const sharing = (subject: Subject): boolean => subject.mode === "in-process" || process.env[FRESH_PLAYS_VARIABLE] !== "1"

const sharedPlays = new WeakMap<Subject["make"], WeakMap<LoadedCassette, Played & Arranged>>()

/** The cassettes already played beside another, per adapter: each is played so at most once. */
const playedAlongside = new WeakMap<Subject["make"], WeakSet<LoadedCassette>>()

/** How many of a capability's success cassettes are played at once when the first is asked for. */
const SHARED_CONCURRENCY = 2

/** Plays a cassette's scenario against a fresh provider, always. */
const playFresh = (
  subject: Subject,
  loaded: LoadedCassette,
  options?: ReplayOptions,
  overrides?: Parameters<typeof outputsOf>[3]
): Effect.Effect<Played & Arranged> =>
  Effect.suspend(() => {
    const arranged = arrange(subject, loaded, options)
    return play(outputsOf(arranged.provider, loaded, scenarioIn(loaded), overrides)).pipe(
      Effect.map((played) => ({ ...played, ...arranged })),
      Effect.ensuring(Effect.sync(() => arranged.transport?.dispose()))
    )
  })

/**
 * Plays a cassette's scenario against a fresh provider. A success is played once per cassette
 * and shared (see {@link FRESH_PLAYS_VARIABLE}); the first one of a capability asked for plays the capability's other
 * success cassettes beside it (two at a time: they are independent calls, each mostly waiting on
 * a program's start), since the checks that read one read them all.
 */
export const playCassette = (
  subject: Subject,
  loaded: LoadedCassette,
  options?: ReplayOptions,
  overrides?: Parameters<typeof outputsOf>[3]
): Effect.Effect<Played & Arranged> =>
  Effect.suspend(() => {
    if (!sharing(subject) || options !== undefined || overrides !== undefined) return playFresh(subject, loaded, options, overrides)
    const plays = sharedPlays.get(subject.make) ?? new WeakMap<LoadedCassette, Played & Arranged>()
    sharedPlays.set(subject.make, plays)
    const shared = plays.get(loaded)
    if (shared !== undefined) return Effect.succeed(shared)
    const tried = playedAlongside.get(subject.make) ?? new WeakSet<LoadedCassette>()
    playedAlongside.set(subject.make, tried)
    const scenario = scenarioIn(loaded)
    const others = scenario.case === "success"
      ? cassettesFor(subject, scenario.capability, "success").filter((c) => c !== loaded && plays.get(c) === undefined && !tried.has(c))
      : []
    for (const c of [loaded, ...others]) tried.add(c)
    const keep = (cassette: LoadedCassette) => (played: Played & Arranged) =>
      Effect.sync(() => {
        if (Exit.isSuccess(played.exit)) plays.set(cassette, played)
      })
    return Effect.forEach([loaded, ...others], (cassette) => playFresh(subject, cassette).pipe(Effect.tap(keep(cassette))), {
      concurrency: SHARED_CONCURRENCY
    }).pipe(Effect.map((all) => all[0] as Played & Arranged))
  })

/** Runs a step per cassette; failures are prefixed with the cassette's file name. */
export const eachCassette = (
  cassettes: ReadonlyArray<LoadedCassette>,
  step: (loaded: LoadedCassette, scenario: Scenario) => Effect.Effect<void, CheckFailed | ScenarioProblem>
): Effect.Effect<void, CheckFailed> =>
  Effect.forEach(cassettes, (loaded) =>
    step(loaded, scenarioIn(loaded)).pipe(
      Effect.mapError((e) => new CheckFailed({ message: `${loaded.name}: ${e.message}` }))
    ), { discard: true })

export const transportNote = (transport: ReplayFetch | undefined): string => {
  const problem = transport?.log.find((e) => e.error !== undefined)?.error
  return problem === undefined ? "" : `\n  transport: ${problem.split("\n").join("\n  ")}`
}

export const describeFailure = (played: Played): string => {
  const failure = failureOf(played.exit)
  if (failure === undefined) return "it succeeded"
  if (failure._tag === "Defect") return `it died with a defect instead of a typed error: ${failure.message}`
  return `${failure.error._tag}: ${failure.error.message}`
}

/** The outputs of a call that must have succeeded. */
export const succeeded = (played: Played & Arranged): Effect.Effect<ReadonlyArray<unknown>, CheckFailed> =>
  Exit.isSuccess(played.exit)
    ? Effect.succeed(played.outputs.map((o) => o.value))
    : failWith(`the call failed: ${withTransport(describeFailure(played), played.transport)}`)

/** A failure description, with the transport's own explanation when the adapter's message lacks it. */
export const withTransport = (message: string, transport: ReplayFetch | undefined): string => {
  const problem = transport?.log.find((e) => e.error !== undefined)?.error
  return problem === undefined || message.includes(problem.split("\n")[0] ?? problem) ? message : `${message}${transportNote(transport)}`
}

export const ofType = <T extends { readonly type: string }>(values: ReadonlyArray<unknown>, type: T["type"]): ReadonlyArray<T> =>
  values.filter((v): v is T => typeof v === "object" && v !== null && (v as { type?: unknown }).type === type)

export const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.byteLength
  }
  return out
}

/** Durations agree within 0.25 s or 5 %, whichever is larger. */
export const close = (a: number, b: number) => Math.abs(a - b) <= Math.max(0.25, 0.05 * Math.max(a, b))

export const waitUntil = (condition: () => boolean, ms: number): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const until = performance.now() + ms
    while (!condition()) {
      if (performance.now() > until) return false
      yield* Effect.sleep("5 millis")
    }
    return true
  })

const decodeUsage = Schema.decodeUnknownExit(Usage)

export const checkUsage = (usage: unknown, expected: Usage | undefined, where: string): Effect.Effect<void, CheckFailed> =>
  Effect.gen(function*() {
    yield* ensure(Exit.isSuccess(decodeUsage(usage)), () => `${where} ${show(usage)} does not decode as Usage (non-negative numbers, known fields)`)
    const values = Object.values(usage as Record<string, unknown>)
    yield* ensure(values.every((v) => typeof v === "number" && Number.isFinite(v)), () => `${where} ${show(usage)} holds a value that is not a finite number`)
    if (expected !== undefined) {
      yield* ensure(jsonEqual(usage, expected), () => `${where} is ${show(usage)}; the vendor reported ${show(expected)} (usage is never guessed nor dropped)`)
    }
  })

export const define = (group: CheckGroup, name: string, title: string, plan: Check["plan"], runCheck: Check["run"]): Check => ({
  id: `${group}.${name}`,
  group,
  name,
  title,
  plan,
  run: runCheck
})
