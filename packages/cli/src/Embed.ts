/**
 * `patchbay embed "<text>" … --model provider/model [--dimensions 256] [--json]`: texts in, one
 * vector per text out — through `Stages.embed`, so the model, the texts and the length are
 * checked before any request and a batch larger than one call takes is split. Each vector is
 * printed as a JSON array of floats on its own line; `--json` prints them with the usage and the
 * record.
 *
 * @since 0.2.0
 */
import { ProviderRegistry, Stages } from "@patchbay/core"
import { Cause, Effect, Exit } from "effect"
import { defaults, parseModelRef } from "./Args.ts"
import type { Context } from "./Context.ts"
import { usageError } from "./Output.ts"

/** The options of `embed`. */
export interface EmbedOptions {
  readonly positionals: ReadonlyArray<string>
  readonly model?: string | undefined
  readonly dimensions?: string | undefined
}

/** The usage text of `embed`. */
export const usage = `Usage: patchbay embed "<text>" ["<text>" …] [--model provider/model] [--dimensions <n>] [--json] [--replay <dir>]

Embeds each text and prints its vector, one JSON array of floats per line, in the order of the
texts. Many texts are sent in as few calls as the model allows.

Options:
  --model provider/model   the embedding model (default ${defaults.embedding})
  --dimensions <n>         the length of the vectors, for models that shorten them (default: the model's)
  --json                   print the vectors, the usage and the record as JSON
  --replay <dir>           serve vendor calls from the cassettes in <dir> instead of the network
`

/** Reads `--dimensions`: a whole number of at least 1. @throws CliError (usage) */
const dimensionsOf = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw usageError(`--dimensions ${JSON.stringify(value)} is not a whole number of at least 1`, "e.g. --dimensions 256")
  }
  return n
}

/** Runs `embed`; returns the exit code. */
export const run = async (ctx: Context, options: EmbedOptions): Promise<number> => {
  const texts = options.positionals
  if (texts.length === 0) throw usageError("embed: missing the text to embed", "see `patchbay embed --help`")
  const ref = parseModelRef(options.model ?? defaults.embedding, "--model")
  const dimensions = dimensionsOf(options.dimensions)
  const { out } = ctx
  out.progress(`embedding ${texts.length === 1 ? "1 text" : `${texts.length} texts`} with ${ref.provider}/${ref.model}…`)
  const program = Stages.embed({ provider: ref.provider, model: ref.model, texts, dimensions }).pipe(
    Effect.provide(ProviderRegistry.layer(ctx.set.providers))
  )
  const exit = await Effect.runPromiseExit(program)
  if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
  const { vectors, usage, record } = exit.value
  for (const vector of vectors) out.line(`[${Array.from(vector).join(",")}]`)
  const tokens = usage.input_tokens === undefined ? "tokens not reported" : `${usage.input_tokens} input tokens`
  out.progress(`${vectors.length} vector${vectors.length === 1 ? "" : "s"} of ${record.dimensions} dimensions, ${tokens}, ${record.calls} call${record.calls === 1 ? "" : "s"} (${record.provider}/${record.model})`)
  out.document({ provider: record.provider, model: record.model, dimensions: record.dimensions, vectors: vectors.map((v) => Array.from(v)), usage, record })
  return 0
}
