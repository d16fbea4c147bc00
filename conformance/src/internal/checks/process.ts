/**
 * The process checks of adapters that run local programs (see `Process.ts`): a missing
 * program and a killed one fail with typed errors, and interruption kills the program.
 */
import { isProviderError, type PatchbayProvider } from "@patchbay/core"
import { Effect, Fiber } from "effect"
import type { LoadedCassette } from "../../Cassette.ts"
import { capabilitiesOf, type Subject } from "../../Subject.ts"
import { failureOf, outputsOf, play } from "../operations.ts"
import { type Check, define, describeFailure, eachCassette, ensure, failWith, skip, type Plan, run, successes, waitUntil } from "./common.ts"

const processPlan = (subject: Subject): Plan => {
  if (subject.process === undefined) {
    return skip(
      subject.mode === "http"
        ? "HTTP adapter: process checks apply to adapters that run local programs"
        : "no process harness given (runConformance({ process }))"
    )
  }
  const firsts = capabilitiesOf(subject.provider).flatMap((c) => successes(subject, c).slice(0, 1))
  return firsts.length === 0 ? skip("no success cassette to play") : run(firsts)
}

const processFailure = (title: string, build: (harness: NonNullable<Subject["process"]>) => PatchbayProvider) =>
  Effect.fn(`Checks.process.${title}`)(function*(subject: Subject, cassettes: ReadonlyArray<LoadedCassette>) {
    const harness = subject.process
    if (harness === undefined) return
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const provider = build(harness)
        const played = yield* play(outputsOf(provider, loaded, scenario)).pipe(Effect.timeoutOption("10 seconds"))
        if (played._tag === "None") return yield* failWith(`${scenario.capability}: the call did not end within 10 s`)
        const failure = failureOf(played.value.exit)
        yield* ensure(failure?._tag === "Typed" && isProviderError(failure.error), () =>
          `${scenario.capability}: expected a typed error, but ${describeFailure(played.value)}`)
      }))
  })

export const processChecks: ReadonlyArray<Check> = [
  define("process", "missing_program", "a missing program fails with a typed error", processPlan, processFailure("missing_program", (h) => h.missingProgram())),
  define("process", "killed_process", "a killed process fails with a typed error", processPlan, processFailure("killed_process", (h) => h.killedProgram())),
  define(
    "process",
    "interrupt_kills",
    "interruption kills the process",
    processPlan,
    Effect.fn("Checks.process.interrupt_kills")(function*(subject, cassettes) {
      const harness = subject.process
      if (harness === undefined) return
      yield* eachCassette(cassettes, (loaded, scenario) =>
        Effect.gen(function*() {
          const hanging = harness.hangingProgram()
          const fiber = yield* Effect.forkChild(play(outputsOf(hanging.provider, loaded, scenario)))
          const started = yield* waitUntil(() => hanging.running().length > 0, 2000)
          if (!started) {
            yield* Fiber.interrupt(fiber)
            return yield* failWith(`${scenario.capability}: no process was started within 2 s`)
          }
          const pids = hanging.running()
          yield* Fiber.interrupt(fiber).pipe(Effect.timeoutOption("2 seconds"))
          const gone = yield* waitUntil(() => hanging.running().length === 0, 1000)
          yield* ensure(gone, () => `${scenario.capability}: the program (pid ${pids.join(", ")}) still runs after the call was interrupted`)
        }))
    })
  )
]
