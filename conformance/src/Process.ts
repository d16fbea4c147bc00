/**
 * The extension point for adapters that run local programs (espeak-ng, pocketsphinx, ffmpeg)
 * instead of calling a vendor over HTTP. Their failures are process failures, so the battery
 * checks the process-level equivalents of the HTTP checks: a missing program, a program killed
 * while it works, and interruption killing the program. An adapter provides a harness that
 * builds its provider in each of these situations; the checks live in `Checks.ts` under the
 * `process` capability and are skipped for HTTP adapters.
 *
 * @example
 * ```ts
 * runConformance({
 *   name: "local",
 *   mode: "in-process",
 *   make: () => local(),
 *   cassettes: new URL("./cassettes/", import.meta.url),
 *   process: {
 *     missingProgram: () => local({ espeakNg: "/nonexistent/espeak-ng" }),
 *     killedProgram: () => local({ espeakNg: fixtures.killsItself }),
 *     hangingProgram: () => {
 *       const spawned = trackSpawns()
 *       return { provider: local({ espeakNg: fixtures.hangs, spawn: spawned.spawn }), running: spawned.running }
 *     }
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { PatchbayProvider } from "@patchbay/core"

/** A provider whose program runs until it is stopped, with the ids of its live processes. */
export interface HangingProgram {
  readonly provider: PatchbayProvider
  /** The process ids the provider started that are still running. */
  readonly running: () => ReadonlyArray<number>
}

/**
 * Builds a local adapter's provider in the situations the process checks need. Each check plays
 * the first success scenario of every capability the provider declares.
 *
 * @category models
 */
export interface ProcessHarness {
  /** Configured with a program path that does not exist: calls must fail with a typed error, not a defect. */
  readonly missingProgram: () => PatchbayProvider
  /** Configured with a program that is killed (SIGKILL) while it works: calls must fail with a typed error. */
  readonly killedProgram: () => PatchbayProvider
  /** Configured with a program that never finishes: interrupting the call must kill it. */
  readonly hangingProgram: () => HangingProgram
}
