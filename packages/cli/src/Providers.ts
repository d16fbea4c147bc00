/**
 * Builds the providers a command runs on: the three vendors (OpenAI, ElevenLabs, OpenRouter),
 * each live when its key is in the environment, replayed from cassettes when `--replay <dir>`
 * is given (whatever keys are set), else left to fail with `MissingApiKey` on first use; and
 * the local engines (espeak-ng, pocketsphinx), which need no key.
 *
 * Every vendor's `fetch` is wrapped so the CLI can say afterwards how many calls were replayed
 * and how many ran live.
 *
 * @since 0.1.0
 */
import { Cassette, REPLAY_API_KEY, replayFetch, type ReplayFetch, type TransportLogEntry } from "@patchbay/conformance/cassette"
import { type Capability, MissingApiKey, type PatchbayProvider, UnknownProvider } from "@patchbay/core"
import { Effect } from "effect"
import { existsSync, statSync } from "node:fs"
import * as path from "node:path"
import { CliError } from "./Output.ts"

/** The vendors reached over HTTP. */
export type VendorId = "openai" | "elevenlabs" | "openrouter"

/** What a vendor adapter's factory takes from the CLI. */
export type VendorFactory = (options: { readonly apiKey?: string; readonly fetch?: typeof fetch }) => PatchbayProvider

/** One HTTP vendor: its adapter package, key variable and API hosts. */
export interface Vendor {
  readonly id: VendorId
  readonly packageName: string
  /** The environment variable its key is read from. */
  readonly variable: string
  /** Hosts of its API, to tell which cassette interactions are its own. */
  readonly hosts: ReadonlyArray<string>
  readonly load: () => Promise<VendorFactory>
  /**
   * Where loading the adapter is slow (its SDK takes seconds), its catalogue alone, for
   * `patchbay providers`: a factory of a provider that lists the models and serves no call.
   */
  readonly loadListing?: () => Promise<VendorFactory>
}

/** The three HTTP vendors, in the order they are listed. */
export const vendors: ReadonlyArray<Vendor> = [
  {
    id: "openai",
    packageName: "@patchbay/openai",
    variable: "OPENAI_API_KEY",
    hosts: ["api.openai.com"],
    load: async () => (await import("@patchbay/openai")).openai
  },
  {
    id: "elevenlabs",
    packageName: "@patchbay/elevenlabs",
    variable: "ELEVENLABS_API_KEY",
    hosts: ["api.elevenlabs.io", "api.us.elevenlabs.io", "api.eu.residency.elevenlabs.io"],
    load: async () => (await import("@patchbay/elevenlabs")).elevenlabs,
    // The ElevenLabs SDK is most of the command line's start-up: the catalogue needs none of it.
    loadListing: async () => {
      const { catalogue, PROVIDER } = await import("@patchbay/elevenlabs/models")
      return () => ({ id: PROVIDER, models: catalogue() })
    }
  },
  {
    id: "openrouter",
    packageName: "@patchbay/openrouter",
    variable: "OPENROUTER_API_KEY",
    hosts: ["openrouter.ai"],
    load: async () => (await import("@patchbay/openrouter")).openrouter
  }
]

/** The key variable of each vendor, by provider id. */
export const keyVariables: Readonly<Record<string, string>> = Object.fromEntries(vendors.map((v) => [v.id, v.variable]))

/** How a vendor is served in this run. */
export type VendorMode = "live" | "replay" | "no-key"

/** A vendor as built for one run: its provider, how it is served, and what it was asked. */
export interface VendorHandle {
  readonly id: VendorId
  readonly variable: string
  readonly mode: VendorMode
  /** Where replayed calls come from (a directory). */
  readonly source?: string | undefined
  readonly provider: PatchbayProvider
  /** Requests answered (by the cassettes in replay, by the vendor live). */
  readonly served: () => number
  /** Replay only: requests no interaction matched. */
  readonly unmatched: () => number
  /** Replay only: the transport's log. */
  readonly log: () => ReadonlyArray<TransportLogEntry>
  /** Live only: requests that got no answer (not counting cancelled ones), and how many for lack of network. */
  readonly failed?: (() => { readonly count: number; readonly network: number }) | undefined
}

/** Error codes of a request that could not leave this machine or reach the host: no network. */
const networkCodes = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "ENETUNREACH", "EHOSTUNREACH", "ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT"])

/** Whether a rejected `fetch` failed for lack of network (its cause chain holds such a code). */
export const isNetworkFailure = (error: unknown): boolean => {
  for (let e: unknown = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    const code = (e as { readonly code?: unknown }).code
    if (typeof code === "string" && networkCodes.has(code)) return true
    e = (e as { readonly cause?: unknown }).cause
  }
  return false
}

/** Counts the requests a live `fetch` makes, and those that got no answer. */
const counting = (upstream: typeof fetch) => {
  let count = 0
  let failed = 0
  let network = 0
  const wrapped = ((input: string | URL | Request, init?: RequestInit) => {
    count++
    return upstream(input, init).catch((error: unknown) => {
      if (init?.signal?.aborted !== true) {
        failed++
        if (isNetworkFailure(error)) network++
      }
      throw error
    })
  }) as typeof fetch
  return { fetch: wrapped, count: () => count, failed: () => ({ count: failed, network }) }
}

/** A vendor served live with the given key. @category constructors */
export const liveVendor = (vendor: Vendor, factory: VendorFactory, apiKey: string, upstream: typeof fetch = globalThis.fetch): VendorHandle => {
  const live = counting(upstream)
  return {
    id: vendor.id,
    variable: vendor.variable,
    mode: "live",
    provider: factory({ apiKey, fetch: live.fetch }),
    served: () => live.count() - live.failed().count,
    unmatched: () => 0,
    log: () => [],
    failed: live.failed
  }
}

/** A vendor answered from cassette interactions, with the placeholder key. @category constructors */
export const replayVendor = (
  vendor: Vendor,
  factory: VendorFactory,
  interactions: ReadonlyArray<Cassette.Interaction>,
  source: string
): VendorHandle => {
  const transport: ReplayFetch = replayFetch(interactions, { baseDir: source, name: `the ${vendor.id} cassettes in ${source}` })
  return {
    id: vendor.id,
    variable: vendor.variable,
    mode: "replay",
    source,
    provider: factory({ apiKey: REPLAY_API_KEY, fetch: transport }),
    served: () => transport.log.filter((e) => e.interaction !== undefined).length,
    unmatched: () => transport.log.filter((e) => e.interaction === undefined).length,
    log: () => transport.log
  }
}

/**
 * A vendor without a key: built without one, so its first call fails with `MissingApiKey`
 * (before any request), as the adapters do. Its `fetch` refuses to reach the network anyway.
 *
 * @category constructors
 */
export const keylessVendor = (vendor: Vendor, factory: VendorFactory): VendorHandle => {
  const offline = counting(() => Promise.reject(new Error(`${vendor.id}: no key, no network (set ${vendor.variable})`)))
  return {
    id: vendor.id,
    variable: vendor.variable,
    mode: "no-key",
    provider: factory({ apiKey: "", fetch: offline.fetch }),
    served: () => 0,
    unmatched: () => 0,
    log: () => []
  }
}

/**
 * Fails with one `MissingApiKey` naming every vendor among `providers` (the ids a command's
 * stages name, in order) that has no key in this run, before any call — rather than one vendor
 * at a time, a run each.
 *
 * @category checks
 */
export const requireKeys = (set: ProviderSet, providers: ReadonlyArray<string>): void => {
  const missing = [...new Set(providers)].flatMap((id) => set.vendors.filter((v) => v.id === id && v.mode === "no-key"))
  const [first, ...others] = missing
  if (first === undefined) return
  throw new MissingApiKey({
    provider: first.id,
    variable: first.variable,
    ...(others.length === 0 ? {} : { others: others.map((v) => ({ provider: v.id, variable: v.variable })) })
  })
}

/** The vendor a cassette interaction belongs to, by its URL's host. */
export const vendorOfUrl = (url: string): VendorId | undefined => {
  let host: string
  try {
    host = new URL(url).host
  } catch {
    return undefined
  }
  return vendors.find((v) => v.hosts.includes(host))?.id
}

/**
 * Reads every cassette of a directory and groups the interactions by vendor. Cassettes that
 * prove a failure (a `scenario` whose case is not `success`) are left out, so an adapter's own
 * test cassettes replay their successful calls.
 *
 * @throws CliError when the directory or a cassette cannot be read
 */
export const loadCassettes = (dir: string): ReadonlyMap<VendorId, ReadonlyArray<Cassette.Interaction>> => {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError(`--replay: no directory ${dir}`, "pass a directory of cassette *.json files", 2, "UsageError")
  }
  let loaded: ReadonlyArray<Cassette.LoadedCassette>
  try {
    loaded = Cassette.loadDirectorySync(dir)
  } catch (error) {
    throw new CliError(`a cassette cannot be read: ${error instanceof Error ? error.message : String(error)}`, "fix or remove the file", 1, "CassetteError")
  }
  const grouped = new Map<VendorId, Array<Cassette.Interaction>>()
  for (const { cassette } of loaded) {
    if (cassette.scenario !== undefined && cassette.scenario.case !== "success") continue
    for (const interaction of cassette.interactions) {
      const vendor = vendorOfUrl(interaction.request.url)
      if (vendor === undefined) continue
      const list = grouped.get(vendor) ?? []
      list.push(interaction)
      grouped.set(vendor, list)
    }
  }
  return grouped
}

/** An adapter that could not be loaded, and why. */
export interface Unavailable {
  readonly id: string
  readonly packageName: string
  readonly reason: string
}

/** What the local adapter says about its programs. */
export interface LocalPrograms {
  /** One entry per program: its name, whether it was found, and where or why not. */
  readonly programs: ReadonlyArray<{ readonly name: string; readonly available: boolean; readonly detail: string }>
  readonly tts: boolean
  readonly stt: boolean
}

/** The providers of one run. */
export interface ProviderSet {
  readonly providers: ReadonlyArray<PatchbayProvider>
  /** The HTTP vendors as built (empty when providers were injected). */
  readonly vendors: ReadonlyArray<VendorHandle>
  /** Adapters that failed to load. */
  readonly unavailable: ReadonlyArray<Unavailable>
  /** The local engines, when `@patchbay/local` loaded. */
  readonly local: LocalPrograms | undefined
  /** True when any vendor is replayed (media ids are then repeatable, so cassettes match). */
  readonly replaying: boolean
  /** Built only to list the providers: some are catalogues that serve no call (see `BuildOptions.listing`). */
  readonly listing: boolean
}

/**
 * What each provider the CLI knows can do, without loading it (loading every adapter costs
 * seconds; a command loads only those it names). A test keeps this in step with the adapters.
 */
export const knownCapabilities: Readonly<Record<string, ReadonlyArray<Capability>>> = {
  openai: ["stt", "tts", "llm", "image", "embedding"],
  elevenlabs: ["stt", "tts"],
  openrouter: ["llm", "image"],
  local: ["stt", "tts"]
}

/**
 * Checks a provider named on the command line before anything loads: an id the CLI does not
 * know, or one without the capability, fails as `UnknownProvider` listing those that have it.
 */
export const checkKnown = (provider: string, capability: Capability, field: string): void => {
  if (knownCapabilities[provider]?.includes(capability) === true) return
  const registered = Object.keys(knownCapabilities).filter((id) => knownCapabilities[id]?.includes(capability) === true)
  throw new UnknownProvider({ provider, field, registered, capability })
}

/** Options of {@link buildProviders}. */
export interface BuildOptions {
  /** Load only these providers (ids); all when absent. */
  readonly only?: ReadonlyArray<string> | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  /** `--replay <dir>`: every vendor is replayed from it, whatever keys are set. */
  readonly replayDir?: string | undefined
  /** Cassettes to fall back on for vendors without a key (the demo's). */
  readonly fallbackReplayDir?: string | undefined
  /** The `fetch` live vendors use (the global one by default). */
  readonly fetch?: typeof fetch | undefined
  /** Include the local engines (default true). */
  readonly local?: boolean | undefined
  /**
   * Only to list what the providers offer (`patchbay providers`): a vendor whose adapter is slow
   * to load gives its catalogue alone (see {@link Vendor.loadListing}); its provider serves no call.
   */
  readonly listing?: boolean | undefined
}

/** Loads every vendor adapter (or, for a listing, its catalogue where that is quicker); a failure to load is kept, not thrown. */
export const loadFactories = async (only?: ReadonlyArray<string>, listing = false): Promise<ReadonlyMap<VendorId, VendorFactory | Error>> => {
  const entries = await Promise.all(vendors.filter((v) => only === undefined || only.includes(v.id)).map(async (vendor): Promise<readonly [VendorId, VendorFactory | Error]> => {
    try {
      return [vendor.id, await (listing && vendor.loadListing !== undefined ? vendor.loadListing() : vendor.load())]
    } catch (error) {
      return [vendor.id, error instanceof Error ? error : new Error(String(error))]
    }
  }))
  return new Map(entries)
}

/** Loads `@patchbay/local`, builds its provider and asks which programs are installed; the error when it cannot. */
export const loadLocal = async (): Promise<{ readonly provider: PatchbayProvider; readonly programs: LocalPrograms } | Error> => {
  try {
    const module = await import("@patchbay/local")
    const provider = module.local()
    const found = await Effect.runPromise(provider.availability())
    const where = async (command: string) => (await Effect.runPromise(module.Programs.locate(command))) ?? command
    const program = async (name: string, command: string, available: boolean, packages: string) => ({
      name,
      available,
      detail: available ? await where(command) : `not found: apt-get install ${packages}`
    })
    const programs = await Promise.all([
      program("espeak-ng", provider.programs.espeakNg, found.espeakNg, module.debianPackages.espeakNg),
      program("pocketsphinx", provider.programs.pocketsphinx, found.pocketsphinx, `${module.debianPackages.pocketsphinx} ${module.MODEL_PACKAGE}`),
      program("ffmpeg", provider.programs.ffmpeg, found.ffmpeg, module.debianPackages.ffmpeg)
    ])
    return { provider, programs: { programs, tts: found.espeakNg, stt: found.pocketsphinx && found.ffmpeg } }
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  }
}

/**
 * Builds the providers of one run from the environment and the replay options.
 *
 * @category constructors
 */
export const buildProviders = async (options: BuildOptions): Promise<ProviderSet> => {
  const factories = await loadFactories(options.only, options.listing === true)
  const replayDir = options.replayDir === undefined ? undefined : path.resolve(options.replayDir)
  const forced = replayDir === undefined ? undefined : loadCassettes(replayDir)
  let fallback: ReadonlyMap<VendorId, ReadonlyArray<Cassette.Interaction>> | undefined
  const handles: Array<VendorHandle> = []
  const unavailable: Array<Unavailable> = []
  for (const vendor of vendors.filter((v) => options.only === undefined || options.only.includes(v.id))) {
    const factory = factories.get(vendor.id)
    if (factory === undefined || factory instanceof Error) {
      unavailable.push({ id: vendor.id, packageName: vendor.packageName, reason: firstLine(factory?.message ?? "not found") })
      continue
    }
    const key = options.env[vendor.variable]
    if (forced !== undefined && replayDir !== undefined) {
      handles.push(replayVendor(vendor, factory, forced.get(vendor.id) ?? [], replayDir))
    } else if (key !== undefined && key.trim() !== "") {
      handles.push(liveVendor(vendor, factory, key, options.fetch))
    } else if (options.fallbackReplayDir !== undefined) {
      fallback ??= loadCassettes(options.fallbackReplayDir)
      handles.push(replayVendor(vendor, factory, fallback.get(vendor.id) ?? [], path.resolve(options.fallbackReplayDir)))
    } else {
      handles.push(keylessVendor(vendor, factory))
    }
  }
  let local: LocalPrograms | undefined
  const providers: Array<PatchbayProvider> = handles.map((h) => h.provider)
  if (options.local !== false && (options.only === undefined || options.only.includes("local"))) {
    const loaded = await loadLocal()
    if (loaded instanceof Error) unavailable.push({ id: "local", packageName: "@patchbay/local", reason: firstLine(loaded.message) })
    else {
      providers.push(loaded.provider)
      local = loaded.programs
    }
  }
  return { providers, vendors: handles, unavailable, local, replaying: handles.some((h) => h.mode === "replay"), listing: options.listing === true }
}

/** A provider set over providers given directly (tests): nothing is live or replayed. */
export const injected = (providers: ReadonlyArray<PatchbayProvider>): ProviderSet => ({
  providers,
  vendors: [],
  unavailable: [],
  local: undefined,
  replaying: false,
  listing: false
})

const firstLine = (text: string): string => text.split("\n")[0] ?? text

/** A path relative to `cwd` when it lies inside it, else as it is. */
export const shownPath = (cwd: string, file: string): string => {
  const relative = path.relative(cwd, file)
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative
}

/** One line per vendor that was asked anything: how many calls were replayed, and how many ran live. */
export const callSummary = (handles: ReadonlyArray<VendorHandle>, cwd?: string): ReadonlyArray<string> =>
  handles.flatMap((h) => {
    const served = h.served()
    const unmatched = h.unmatched()
    if (served === 0 && unmatched === 0) return []
    const calls = (n: number) => `${n} call${n === 1 ? "" : "s"}`
    if (h.mode === "replay") {
      const source = h.source === undefined ? "?" : cwd === undefined ? h.source : shownPath(cwd, h.source)
      return [`${h.id}: ${calls(served)} replayed from the cassettes in ${source}${unmatched === 0 ? "" : `, ${unmatched} unmatched`}`]
    }
    return h.mode === "live" ? [`${h.id}: ${calls(served)} live (${h.variable} is set)`] : []
  })

/**
 * The stable media ids used while replaying, so replayed requests match: `doc_patchbayreplay`,
 * the two digits of `scope`, then a count (`doc_patchbayreplay0000000001`, …; the demo's section 2
 * makes `doc_patchbayreplay0200000001`, …). Each section of a run has its own scope, so no two
 * documents of one run share an id, whichever sections run.
 */
export const repeatableIds = (scope = 0): (() => string) => {
  if (!Number.isInteger(scope) || scope < 0 || scope > 99) throw new RangeError(`repeatableIds: scope must be 0…99, got ${scope}`)
  let n = 0
  return () => `doc_patchbayreplay${String(scope).padStart(2, "0")}${String(++n).padStart(8, "0")}`
}
