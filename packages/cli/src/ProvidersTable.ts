/**
 * `patchbay providers [id…]`: the registered providers, their models and what each can do, as a
 * table; how each vendor would be reached (live with its key, replayed, or without a key); and
 * which local speech programs are installed.
 *
 * @since 0.1.0
 */
import type { ModelInfo, PatchbayProvider } from "@patchbay/core"
import type { Context } from "./Context.ts"
import { table, usageError } from "./Output.ts"
import { type ProviderSet, shownPath, type VendorHandle } from "./Providers.ts"

/** The options of `providers`. */
export interface ProvidersOptions {
  readonly positionals: ReadonlyArray<string>
}

/** The usage text of `providers`. */
export const usage = `Usage: patchbay providers [<provider>…] [--json] [--replay <dir>]

Lists the registered providers, their models and capabilities, how each vendor is reached (live
when its key is set, replayed with --replay) and which local speech programs are installed.
Name providers to list only theirs.

Options:
  --json           print the catalogues as JSON (ModelInfo per model)
  --replay <dir>   show the vendors as replayed from the cassettes in <dir>
`

/** A byte limit as the vendor states it: whole MiB (`25 MiB`), else decimal (`5 GB`). */
const limit = (bytes: number) =>
  bytes % 1_048_576 === 0 ? `${bytes / 1_048_576} MiB` : bytes >= 1e9 ? `${Math.round(bytes / 1e8) / 10} GB` : `${Math.round(bytes / 1e5) / 10} MB`

/** Lists a few values, then how many more. */
const some = (values: ReadonlyArray<string>, shown = 6): string =>
  values.length <= shown ? values.join(" ") : `${values.slice(0, shown).join(" ")} … (${values.length})`

/** The DETAILS cell of one model. */
export const details = (model: ModelInfo, provider: PatchbayProvider): string => {
  const parts: Array<string> = []
  switch (model.capability) {
    case "stt":
      if (model.input_formats !== undefined) parts.push(`in: ${model.input_formats.join(" ")}`)
      if (model.max_input_bytes !== undefined) parts.push(`≤ ${limit(model.max_input_bytes)}`)
      if (model.word_timestamps === true) parts.push("word times")
      if (model.diarization === true) parts.push("speakers")
      break
    case "tts": {
      const formats = model.output_formats ?? []
      const families = [...new Set(formats.map((f) => f.format))]
      const variants = families.map((family) => {
        const n = formats.filter((f) => f.format === family).length
        return n > 1 ? `${family}×${n}` : family
      })
      if (variants.length > 0) parts.push(`out: ${variants.join(" ")}`)
      if (model.default_output_format !== undefined) parts.push(`default ${model.default_output_format}`)
      const voices = model.voices
      if (voices !== undefined) {
        parts.push(
          voices.catalogue === "closed"
            ? `voices: ${some(voices.ids ?? [])}`
            : `voices: any id${voices.ids === undefined || voices.ids.length === 0 ? "" : ` (e.g. ${voices.ids[0]})`}`
        )
      }
      break
    }
    case "llm":
      if (model.tools === true) parts.push("tools")
      if (model.image_input === true) parts.push("image input")
      break
    case "image":
      if (model.image_input === true) parts.push("edits (image input)")
      break
    case "embedding":
      if (model.dimensions !== undefined) parts.push(`${model.dimensions} dimensions`)
      if (model.max_dimensions !== undefined) parts.push(`shortens to ${model.min_dimensions ?? 1}–${model.max_dimensions}`)
      if (model.max_texts_per_call !== undefined) parts.push(`${model.max_texts_per_call} texts per call`)
      if (model.max_input_tokens !== undefined) parts.push(`${model.max_input_tokens} tokens per text`)
      break
  }
  if (model.languages !== undefined && model.languages.length > 0) parts.push(`languages: ${some(model.languages, 4)}`)
  const capability = provider[model.capability]
  if (capability?.catalogue === "open" && capability.modelPattern !== undefined) parts.push("other ids accepted")
  return parts.join("; ")
}

/** How a vendor is reached, in words. */
export const describeVendor = (handle: VendorHandle, cwd?: string): string => {
  switch (handle.mode) {
    case "live":
      return `live (${handle.variable} is set)`
    case "replay":
      return `replayed from ${handle.source === undefined ? "?" : cwd === undefined ? handle.source : shownPath(cwd, handle.source)}`
    case "no-key":
      return `no key: set ${handle.variable}, or pass --replay <dir>`
  }
}

/** The text of `patchbay providers`. */
export const render = (set: ProviderSet, only: ReadonlyArray<string>, cwd?: string): string => {
  const shown = set.providers.filter((p) => only.length === 0 || only.includes(p.id))
  const lines: Array<string> = []
  if (set.vendors.length > 0 || set.unavailable.length > 0) {
    lines.push("vendors:")
    const width = Math.max(...set.vendors.map((v) => v.id.length), ...set.unavailable.map((u) => u.id.length))
    for (const v of set.vendors) lines.push(`  ${v.id.padEnd(width)}  ${describeVendor(v, cwd)}`)
    for (const u of set.unavailable) lines.push(`  ${u.id.padEnd(width)}  unavailable: ${u.packageName} did not load (${u.reason})`)
  }
  if (set.local !== undefined) {
    lines.push("local programs (@patchbay/local):")
    const width = Math.max(0, ...set.local.programs.map((p) => p.name.length))
    for (const p of set.local.programs) lines.push(`  ${p.name.padEnd(width)}  ${p.available ? "✓" : "✗"} ${p.detail}`)
    if (set.local.programs.length === 0) lines.push("  (the adapter reports no programs)")
  }
  if (lines.length > 0) lines.push("")
  const rows = shown.flatMap((p) =>
    p.models.map((m) => [p.id, m.id, m.capability, m.streaming === true ? "yes" : "no", details(m, p)])
  )
  return `${lines.join("\n")}${lines.length > 0 ? "\n" : ""}${table(["PROVIDER", "MODEL", "CAPABILITY", "STREAMING", "DETAILS"], rows)}`
}

/** Runs `providers`; returns the exit code. */
export const run = async (ctx: Context, options: ProvidersOptions): Promise<number> => {
  const known = ctx.set.providers.map((p) => p.id)
  const unknown = options.positionals.filter((id) => !known.includes(id))
  if (unknown.length > 0) {
    throw usageError(`no provider ${JSON.stringify(unknown[0])}`, `registered: ${known.join(", ")}`)
  }
  const { out } = ctx
  out.print(render(ctx.set, options.positionals, ctx.io.cwd))
  out.document({
    vendors: ctx.set.vendors.map((v) => ({ id: v.id, mode: v.mode, variable: v.variable, ...(v.source === undefined ? {} : { source: v.source }) })),
    unavailable: ctx.set.unavailable,
    local: ctx.set.local ?? null,
    providers: ctx.set.providers
      .filter((p) => options.positionals.length === 0 || options.positionals.includes(p.id))
      .map((p) => ({
        id: p.id,
        // A listing's catalogue-only providers declare what their models offer.
        capabilities: (["stt", "tts", "llm", "image", "embedding"] as const).filter((c) =>
          p[c] !== undefined || (ctx.set.listing && p.models.some((m) => m.capability === c))),
        models: p.models
      }))
  })
  return 0
}
