/**
 * What every command runs with: where it writes (`Io`), the providers of this run, and a way to
 * open a Patchbay over them.
 *
 * @since 0.1.0
 */
import { createPatchbay, type PatchbayProvider, type Patchbay, type PipelineEvent, type StoresLayer } from "@patchbay/core"
import { createTestPatchbay } from "@patchbay/core/testing"
import { randomBytes } from "node:crypto"
import type { Output, Writer } from "./Output.ts"
import { type ProviderSet, repeatableIds } from "./Providers.ts"

/**
 * The outside world of one `patchbay` invocation, injectable for tests: the writers, the
 * environment (API keys), the working directory, and optionally the providers to use instead of
 * the real adapters.
 */
export interface Io {
  readonly stdout: Writer
  readonly stderr: Writer
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  /** Providers to run on instead of the real adapters (tests). */
  readonly providers?: ReadonlyArray<PatchbayProvider> | undefined
  /** The `fetch` live vendors use (the global one by default). */
  readonly fetch?: typeof fetch | undefined
  /** stdout and stderr reach the same place (a terminal, `2>&1`); default: both are terminals. */
  readonly sharedOutput?: boolean | undefined
  /** Reads standard input when a command is given `-` (the global stdin by default). */
  readonly stdin?: (() => Promise<Uint8Array>) | undefined
}

/** A command's context. */
export interface Context {
  readonly io: Io
  readonly out: Output
  readonly set: ProviderSet
  /** Opens a Patchbay over the run's providers; the caller disposes it. */
  readonly patchbay: () => Patchbay
}

/**
 * Opens a Patchbay over a provider set: repeatable media ids while replaying (the test hook of
 * `@patchbay/core/testing`: replayed runs are fixtures; `scope` keeps them apart between the
 * Patchbays of one run, see `repeatableIds`), a per-run signing secret, and the given stores
 * (memory when absent).
 */
export const openPatchbay = (set: ProviderSet, repeatable = set.replaying, scope = 0, stores?: StoresLayer): Patchbay => {
  const options = {
    providers: set.providers,
    media: { secret: randomBytes(32).toString("base64url") },
    ...(stores === undefined ? {} : { stores })
  }
  return repeatable ? createTestPatchbay({ ...options, makeDocumentId: repeatableIds(scope) }) : createPatchbay(options)
}

/** Runs over a stream of pipeline events, calling `on` for each, and returns them all. */
export const consume = async (
  events: AsyncIterable<PipelineEvent>,
  on: (event: PipelineEvent) => void | Promise<void>
): Promise<ReadonlyArray<PipelineEvent>> => {
  const seen: Array<PipelineEvent> = []
  for await (const event of events) {
    seen.push(event)
    await on(event)
  }
  return seen
}

/** The events of one type in a list, typed. */
export const eventsOf = <T extends PipelineEvent["type"]>(
  events: ReadonlyArray<PipelineEvent>,
  type: T
): ReadonlyArray<Extract<PipelineEvent, { readonly type: T }>> =>
  events.filter((e): e is Extract<PipelineEvent, { readonly type: T }> => e.type === type)
