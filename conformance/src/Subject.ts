/**
 * What the battery tests: an adapter's factory, its cassettes, and how it talks to its vendor
 * (HTTP through an injected `fetch`, or in process). A subject is built once per battery run;
 * every check builds a fresh provider from the factory for each cassette it plays.
 *
 * @since 0.1.0
 */
import type { Capability, PatchbayProvider } from "@patchbay/core"
import type { Schema } from "effect"
import * as Cassette from "./Cassette.ts"
import type { ProcessHarness } from "./Process.ts"
import type { TransportLogEntry } from "./Replay.ts"

/** What an adapter factory is given by the battery: the replay `fetch` and a placeholder key. */
export interface MakeOptions {
  readonly fetch: typeof fetch
  readonly apiKey: string
  /**
   * Given to the realtime checks only: the replay WebSocket server, `http://127.0.0.1:<port>`
   * without a trailing slash and without TLS. Point the SDK's realtime connection at it (the
   * adapter's base URL; a plain TCP `createConnection` for an SDK that always dials `wss:`).
   */
  readonly realtimeBaseUrl?: string | undefined
}

/** Builds the provider under test; called once per cassette with a fresh transport. */
export type MakeProvider = (options: MakeOptions) => PatchbayProvider

/** Builds the provider under test with its own request deadline set to `seconds` (for `*.deadline`). */
export type MakeWithDeadline = (options: MakeOptions & { readonly seconds: number }) => PatchbayProvider

/** Record mode settings: which environment variable holds the vendor's live key. */
export interface RecordSettings {
  /** e.g. `ACME_VOICE_API_KEY`; recording runs when it is set and `PATCHBAY_RECORD=1`. */
  readonly apiKeyVariable: string
  /** The `fetch` that reaches the vendor; the global `fetch` by default. Tests pass a fake. */
  readonly upstream?: typeof fetch | undefined
}

/**
 * A sample for one option, when the value the battery generates from the schema does not suit:
 * the value, the model it is valid for and the other options it needs, and how it shows on the
 * wire when not as `name: value` in the body or the query (an endpoint it selects, a header).
 */
export interface OptionSample {
  readonly value: unknown
  readonly model?: string | undefined
  readonly with?: Readonly<Record<string, unknown>> | undefined
  readonly onWire?: ((request: TransportLogEntry) => boolean) | undefined
}

/** An option one model of the catalogue does not support: `validate` must refuse it there. */
export interface UnsupportedOption {
  readonly model: string
  readonly option: string
  readonly value: unknown
  /** Other options the request needs to be otherwise valid. */
  readonly with?: Readonly<Record<string, unknown>> | undefined
  /** The request field the refusal must name, when given (`voice.tts.provider_options.elevenlabs.language_code`). */
  readonly field?: string | undefined
  /** Values the refusal's `allowed` list must hold, when given (the models that do support it). */
  readonly allowed?: ReadonlyArray<string> | undefined
}

/**
 * A request the battery hands `validate` to judge a value its type allows: a provider option set
 * to `value` (beside the options of `with`, which then replace the scenario's), request fields
 * (`voice`, `language`, `tools`, `size`, …), or both, on `model` (the first success scenario of
 * that model, else the capability's first with its model replaced).
 */
export interface ValueCase {
  /** The provider option (a key under the vendor's `provider_options`) the case sets to `value`. */
  readonly option?: string | undefined
  readonly value?: unknown
  /** Fields of the request itself the case sets (in the scenario's wire form). */
  readonly request?: Partial<Cassette.ScenarioRequest> | undefined
  readonly model?: string | undefined
  /** Other options the request needs to be otherwise valid. */
  readonly with?: Readonly<Record<string, unknown>> | undefined
  /** What the value shows, for messages: `"speed just above 4"`. */
  readonly why?: string | undefined
}

/**
 * A value its type allows that `validate` must refuse (out of range, the boundary just outside,
 * a forbidden pairing, a name outside a closed list, a code the vendor refuses), with the
 * request field the refusal must name.
 */
export interface InvalidValue extends ValueCase {
  /** The refusal's `field`, in wire form: `voice.tts.provider_options.openai.speed`. */
  readonly field: string
  /** The refusal's tag (default `InvalidRequest`). */
  readonly tag?: "InvalidRequest" | "UnknownModel" | "UnsupportedFormat" | undefined
  /** Values the refusal's `allowed` list must hold (the closed list it refers the caller to). */
  readonly allowed?: ReadonlyArray<string> | undefined
}

/**
 * What the battery knows of a capability's `provider_options`: its schema (every field of it
 * must reach the wire, each proven by a request of its own), samples for options whose value
 * cannot be generated, the options some models do not support, and values their type allows
 * that `validate` must refuse (`invalid`) or accept (`valid`: the edges just inside).
 */
export interface OptionsCoverage {
  /** The options schema, a `Schema.Struct` (its `fields` are walked). */
  readonly schema: { readonly fields: Readonly<Record<string, Schema.Top>> }
  readonly samples?: Readonly<Record<string, OptionSample>> | undefined
  readonly unsupported?: ReadonlyArray<UnsupportedOption> | undefined
  /** Values `validate` must refuse, each naming its field (`validate_values`). */
  readonly invalid?: ReadonlyArray<InvalidValue> | undefined
  /** Values `validate` must accept: the boundary just inside each refused one, an allowed pairing (`validate_values`). */
  readonly valid?: ReadonlyArray<ValueCase> | undefined
}

/** The options of `runConformance`. @category models */
export interface ConformanceOptions {
  /** The adapter's name, as the report shows it. */
  readonly name: string
  readonly make: MakeProvider
  /** The directory of the adapter's cassettes (a path or a `file:` URL). */
  readonly cassettes: string | URL
  /**
   * `http` (default): the adapter talks HTTP through the injected `fetch`, and the HTTP checks
   * apply. `in-process`: no HTTP (mock models, local engines), HTTP checks are skipped.
   */
  readonly mode?: "http" | "in-process" | undefined
  /** Process-level checks for adapters that run local programs. */
  readonly process?: ProcessHarness | undefined
  /** Re-record the success cassettes from the live API when `PATCHBAY_RECORD=1` and the key is set. */
  readonly record?: RecordSettings | undefined
  /** How long one check may take, in milliseconds (default 30 000). */
  readonly timeoutMs?: number | undefined
  /**
   * Set when the adapter passes `provider_options` through unchecked, by design (a bridge whose
   * underlying models validate them when called): why. The `validate_options` checks are then
   * skipped with this reason. An adapter with an options schema leaves it out.
   */
  readonly openOptions?: string | undefined
  /**
   * Per capability, the provider-options schema and its samples: the `options_coverage` check
   * proves every option of the schema reaches the wire, and `validate_model_options` that options
   * a model does not support are refused. Without it those checks are skipped.
   */
  readonly options?: Partial<Record<Capability, OptionsCoverage>> | undefined
  /**
   * For an adapter with a request deadline of its own (an SDK's `timeout`): the factory with that
   * deadline set, which `*.deadline` gives a fraction of a second against a vendor that never
   * answers. Without it that check is skipped.
   */
  readonly deadline?: MakeWithDeadline | undefined
}

/** The battery's view of an adapter. @category models */
export interface Subject {
  readonly name: string
  readonly mode: "http" | "in-process"
  readonly make: MakeProvider
  /** Built once with a transport that refuses every request; read for its catalogue and capabilities. */
  readonly provider: PatchbayProvider
  /** The cassettes of the request/response checks: every one but the realtime sessions. */
  readonly cassettes: ReadonlyArray<Cassette.LoadedCassette>
  /** The realtime sessions (`Cassette.isRealtime`), which only the realtime checks play. */
  readonly realtimeCassettes: ReadonlyArray<Cassette.LoadedCassette>
  readonly process: ProcessHarness | undefined
  readonly record: RecordSettings | undefined
  readonly timeoutMs: number
  /** See {@link ConformanceOptions.openOptions}. */
  readonly openOptions: string | undefined
  /** See {@link ConformanceOptions.options}. */
  readonly options: Partial<Record<Capability, OptionsCoverage>>
  /** See {@link ConformanceOptions.deadline}. */
  readonly deadline?: MakeWithDeadline | undefined
}

/** A `fetch` for providers that must not talk HTTP here; every call rejects. */
export const refusingFetch: typeof fetch = async (input) => {
  throw new TypeError(`the conformance battery made no transport for this call (${input instanceof Request ? input.url : String(input)})`)
}

/**
 * Builds the subject: loads and validates every cassette of the directory (a bad one throws a
 * `CassetteError` naming the file and path) and builds the provider once to read its catalogue.
 */
export const makeSubject = (options: ConformanceOptions): Subject => {
  const all = Cassette.loadDirectorySync(options.cassettes)
  return {
    name: options.name,
    mode: options.mode ?? "http",
    make: options.make,
    provider: options.make({ fetch: refusingFetch, apiKey: "replay-placeholder-key" }),
    cassettes: all.filter((c) => !Cassette.isRealtime(c)),
    realtimeCassettes: all.filter((c) => Cassette.isRealtime(c)),
    process: options.process,
    record: options.record,
    timeoutMs: options.timeoutMs ?? 30_000,
    openOptions: options.openOptions,
    options: options.options ?? {},
    deadline: options.deadline
  }
}

/** The capabilities a provider declares, in the battery's order. */
export const capabilitiesOf = (provider: PatchbayProvider): ReadonlyArray<Capability> =>
  (["stt", "tts", "llm", "image", "embedding"] as const).filter((c) => provider[c] !== undefined)

/** The subject's cassettes for a capability and case, in file order. */
export const cassettesFor = (
  subject: Pick<Subject, "cassettes">,
  capability: Capability,
  scenarioCase: Cassette.ScenarioCase
): ReadonlyArray<Cassette.LoadedCassette> =>
  subject.cassettes.filter((c) => c.cassette.scenario?.capability === capability && c.cassette.scenario.case === scenarioCase)
