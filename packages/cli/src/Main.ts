/**
 * The `patchbay` command line: parses the arguments (`node:util` `parseArgs`), builds the
 * providers from the environment (or the cassettes of `--replay <dir>`), runs the command, and
 * turns any failure into one line on stderr — the tagged error's message and what to do — with a
 * non-zero exit code. Everything it touches comes through `Io`, so tests run it in-process.
 *
 * @example
 * ```ts
 * const code = await main(["transcribe", "question.mp3", "--stt", "openai/whisper-1"], {
 *   stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd()
 * })
 * ```
 * @since 0.1.0
 */
import type { Capability } from "@patchbay/core"
import * as path from "node:path"
import { parseArgs, type ParseArgsOptionsConfig } from "node:util"
import { type Context, type Io, openPatchbay } from "./Context.ts"
import * as Demo from "./Demo.ts"
import * as Embed from "./Embed.ts"
import { usage, version } from "./Help.ts"
import * as Image from "./Image.ts"
import * as Listen from "./Listen.ts"
import { describeError, errorLine, makeOutput, type Output, usageError } from "./Output.ts"
import { defaults, parseModelRef } from "./Args.ts"
import { buildProviders, callSummary, checkKnown, injected, keyVariables, knownCapabilities, type ProviderSet } from "./Providers.ts"
import * as ProvidersTable from "./ProvidersTable.ts"
import * as Say from "./Say.ts"
import * as Serve from "./Serve.ts"
import * as Talk from "./Talk.ts"
import * as Transcribe from "./Transcribe.ts"

export type { Io } from "./Context.ts"

export { usage, version } from "./Help.ts"

const common = {
  json: { type: "boolean" },
  replay: { type: "string" },
  help: { type: "boolean", short: "h" }
} as const satisfies ParseArgsOptionsConfig

const speech = {
  voice: { type: "string" },
  format: { type: "string" },
  output: { type: "string", short: "o" },
  language: { type: "string" }
} as const satisfies ParseArgsOptionsConfig

/** The options each command takes. */
const commandOptions = {
  transcribe: { ...common, stt: { type: "string" }, language: { type: "string" } },
  listen: { ...common, stt: { type: "string" }, language: { type: "string" }, format: { type: "string" }, commit: { type: "string" }, fast: { type: "boolean" } },
  say: { ...common, ...speech, tts: { type: "string" } },
  talk: { ...common, ...speech, stt: { type: "string" }, llm: { type: "string" }, tts: { type: "string" }, system: { type: "string" } },
  image: { ...common, llm: { type: "string" }, image: { type: "string" }, output: { type: "string", short: "o" } },
  embed: { ...common, model: { type: "string" }, dimensions: { type: "string" } },
  providers: { ...common },
  demo: { ...common, out: { type: "string" } },
  serve: {
    ...common,
    config: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    db: { type: "string" },
    "database-url": { type: "string" },
    "media-dir": { type: "string" }
  },
  keys: { ...common, tenant: { type: "string" }, name: { type: "string" }, db: { type: "string" }, "database-url": { type: "string" } }
} as const satisfies Record<string, ParseArgsOptionsConfig>

type CommandName = keyof typeof commandOptions

const usages: Record<CommandName, string> = {
  transcribe: Transcribe.usage,
  listen: Listen.usage,
  say: Say.usage,
  talk: Talk.usage,
  image: Image.usage,
  embed: Embed.usage,
  providers: ProvidersTable.usage,
  demo: Demo.usage,
  serve: Serve.usage,
  keys: Serve.keysUsage
}

const isCommand = (name: string): name is CommandName => Object.hasOwn(commandOptions, name)

/** The flag a request field was set from, to word hints (`voice.stt.provider` → `--stt`). */
const flagOf = (field: string): string | undefined => {
  if (field.startsWith("voice.stt") || field.startsWith("stt.") || field === "audio_file") return field === "audio_file" ? "<file>" : "--stt"
  if (field === "voice.tts.output_format") return "--format"
  if (field === "voice.tts.voice") return "--voice"
  if (field.startsWith("voice.tts") || field.startsWith("tts.")) return "--tts"
  if (field === "llm_provider" || field === "model_name" || field.startsWith("llm")) return "--llm"
  if (field.startsWith("image_model")) return "--image"
  if (field === "provider" || field === "model" || field === "dimensions") return field === "dimensions" ? "--dimensions" : "--model"
  return undefined
}

/** Parses one command's arguments. @throws CliError (usage) */
const parse = (command: CommandName, args: ReadonlyArray<string>) => {
  try {
    return parseArgs({ args: [...args], options: commandOptions[command], allowPositionals: true, strict: true })
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] ?? error.message : String(error)
    throw usageError(`${command}: ${message.replace(/\. To specify a positional argument.*$/, "")}`, `see \`patchbay ${command} --help\``)
  }
}

/** The models a command names, by flag: [flag, capability, request field, default]. */
const modelFlags: Readonly<Record<Exclude<CommandName, "demo" | "providers" | "serve" | "keys">, ReadonlyArray<readonly [string, Capability, string, string]>>> = {
  transcribe: [["stt", "stt", "voice.stt.provider", defaults.stt]],
  listen: [["stt", "stt", "voice.stt.provider", Listen.defaultRealtimeStt]],
  say: [["tts", "tts", "voice.tts.provider", defaults.tts]],
  talk: [["stt", "stt", "voice.stt.provider", defaults.stt], ["llm", "llm", "llm_provider", defaults.llm], ["tts", "tts", "voice.tts.provider", defaults.tts]],
  image: [["llm", "llm", "llm_provider", defaults.llm], ["image", "image", "image_model_provider", defaults.image]],
  embed: [["model", "embedding", "provider", defaults.embedding]]
}

/**
 * Builds the providers of a command: the injected ones (tests), else only the adapters the
 * command names (each checked first, so a typo fails before seconds of loading).
 */
const providersFor = async (
  io: Io,
  out: Output,
  command: Exclude<CommandName, "demo" | "serve" | "keys">,
  values: Record<string, unknown>,
  positionals: ReadonlyArray<string>
): Promise<ProviderSet> => {
  if (io.providers !== undefined) return Promise.resolve(injected(io.providers))
  let only: ReadonlyArray<string> | undefined
  if (command === "providers") {
    const unknown = positionals.find((id) => !Object.hasOwn(knownCapabilities, id))
    if (unknown !== undefined) throw usageError(`providers: no provider ${JSON.stringify(unknown)}`, `the providers are ${Object.keys(knownCapabilities).join(", ")}`)
    only = positionals.length === 0 ? undefined : positionals
  } else {
    only = modelFlags[command].map(([flag, capability, field, fallback]) => {
      const ref = parseModelRef(str(values[flag]) ?? fallback, `--${flag}`)
      checkKnown(ref.provider, capability, field)
      return ref.provider
    })
  }
  const replay = str(values["replay"])
  return slowly(out, only === undefined ? Demo.loadingNotice : `loading ${[...new Set(only)].map((id) => `@patchbay/${id}`).join(", ")}…`, () =>
    buildProviders({ env: io.env, replayDir: replay === undefined ? undefined : path.resolve(io.cwd, replay), fetch: io.fetch, only, listing: command === "providers" }))
}

/** Runs a step, saying so on stderr if it takes more than a moment (the SDKs take seconds to load on a busy machine). */
export const slowly = async <A>(out: Output, label: string, run: () => Promise<A>, afterMs = 800): Promise<A> => {
  const timer = setTimeout(() => out.progress(label), afterMs)
  try {
    return await run()
  } finally {
    clearTimeout(timer)
  }
}

/** The string value of an option, if given. */
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

/**
 * Runs the `patchbay` command line. Returns the exit code: 0 on success, 1 when the command
 * failed, 2 for a usage error.
 *
 * @category entry points
 */
export const main = async (argv: ReadonlyArray<string>, io: Io): Promise<number> => {
  const json = argv.includes("--json")
  const shared = io.sharedOutput ?? (io.stdout.isTTY === true && io.stderr.isTTY === true)
  let out: Output = makeOutput(io.stdout, io.stderr, json, { shared, color: io.stderr.isTTY === true && io.env["NO_COLOR"] === undefined })
  const fail = (error: unknown): number => {
    const described = describeError(error, { keyVariables, flagOf })
    out.endLine()
    io.stderr.write(`${errorLine(described)}\n`)
    if (json) io.stdout.write(`${JSON.stringify({ error: { tag: described.tag, message: described.message, hint: described.hint ?? null } })}\n`)
    return described.exitCode
  }
  try {
    const [first, ...rest] = argv
    if (first === undefined || first === "help") {
      const topic = rest[0]
      if (topic !== undefined && isCommand(topic)) io.stdout.write(usages[topic])
      else (first === undefined ? io.stderr : io.stdout).write(usage)
      return first === undefined ? 2 : 0
    }
    if (first === "--help" || first === "-h") {
      io.stdout.write(usage)
      return 0
    }
    if (first === "--version" || first === "-V") {
      io.stdout.write(`${version}\n`)
      return 0
    }
    if (!isCommand(first)) {
      throw usageError(`unknown command ${JSON.stringify(first)}`, `the commands are ${Object.keys(commandOptions).join(", ")}; see \`patchbay --help\``)
    }
    const { values, positionals } = parse(first, rest)
    const v = values as Record<string, unknown>
    if (v["help"] === true) {
      io.stdout.write(usages[first])
      return 0
    }
    const replay = str(v["replay"])
    if (first === "say" || first === "talk") {
      // With `-o -` the audio owns stdout: every line of text goes to stderr.
      if (str(v["output"]) === "-") out = makeOutput(io.stderr, io.stderr, json, { shared: true, color: false })
    }
    if (first === "demo") {
      return await Demo.run(io, out, { out: str(v["out"]), replay, positionals })
    }
    if (first === "serve") {
      return await Serve.run(io, out, {
        config: str(v["config"]),
        port: str(v["port"]),
        host: str(v["host"]),
        db: str(v["db"]),
        databaseUrl: str(v["database-url"]),
        mediaDir: str(v["media-dir"]),
        replay
      })
    }
    if (first === "keys") {
      return await Serve.runKeys(io, out, { positionals, tenant: str(v["tenant"]), name: str(v["name"]), db: str(v["db"]), databaseUrl: str(v["database-url"]) })
    }
    const set = await providersFor(io, out, first, v, positionals)
    const ctx: Context = { io, out, set, patchbay: () => openPatchbay(set) }
    try {
      return await runCommand(first, ctx, v, positionals)
    } finally {
      for (const line of callSummary(set.vendors, io.cwd)) out.progress(line)
    }
  } catch (error) {
    return fail(error)
  }
}

/** Dispatches to a command other than `demo`. */
const runCommand = async (
  first: Exclude<CommandName, "demo" | "serve" | "keys">,
  ctx: Context,
  v: Record<string, unknown>,
  positionals: ReadonlyArray<string>
): Promise<number> => {
    switch (first) {
      case "transcribe":
        return await Transcribe.run(ctx, { positionals, stt: str(v["stt"]), language: str(v["language"]) })
      case "listen":
        return await Listen.run(ctx, {
          positionals,
          stt: str(v["stt"]),
          language: str(v["language"]),
          format: str(v["format"]),
          commit: str(v["commit"]),
          fast: v["fast"] === true
        })
      case "say":
        return await Say.run(ctx, {
          positionals,
          tts: str(v["tts"]),
          voice: str(v["voice"]),
          format: str(v["format"]),
          output: str(v["output"]),
          language: str(v["language"])
        })
      case "talk":
        return await Talk.run(ctx, {
          positionals,
          stt: str(v["stt"]),
          llm: str(v["llm"]),
          tts: str(v["tts"]),
          voice: str(v["voice"]),
          format: str(v["format"]),
          output: str(v["output"]),
          language: str(v["language"]),
          system: str(v["system"])
        })
      case "image":
        return await Image.run(ctx, { positionals, llm: str(v["llm"]), image: str(v["image"]), output: str(v["output"]) })
      case "embed":
        return await Embed.run(ctx, { positionals, model: str(v["model"]), dimensions: str(v["dimensions"]) })
      case "providers":
        return await ProvidersTable.run(ctx, { positionals })
    }
}
