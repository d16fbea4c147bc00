#!/usr/bin/env node
/**
 * Makes the demo's cassettes: runs every vendor section of `patchbay demo` through the real
 * pipeline and the real adapters, against the synthesizing upstream of `Synthesizer.ts` (answers
 * shaped as the vendors' published specs describe them; speech by espeak-ng and ffmpeg; a PNG
 * drawn in code) wrapped in conformance's `recordFetch`, and writes one cassette per vendor to
 * `demo/cassettes/`, labelled `"source": "synthesized"` — never "recorded".
 *
 * Because the requests come from the adapters themselves, the cassettes match exactly what they
 * send. Run it again whenever an adapter changes what it sends:
 *
 *   node packages/cli/demo/make-cassettes.ts            # cassettes only
 *   node packages/cli/demo/make-cassettes.ts --question # also re-speak demo/question.mp3
 *
 * Needs espeak-ng and ffmpeg (Debian packages `espeak-ng`, `ffmpeg`); no network, no key.
 *
 * @since 0.1.0
 */
import { Cassette, recordFetch, type RecordingFetch } from "@patchbay/conformance/cassette"
import type { PatchbayProvider } from "@patchbay/core"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { cassettesDir, QUESTION, questionFile, runSections, sections } from "../src/Demo.ts"
import { bufferWriter, makeOutput, type Writer } from "../src/Output.ts"
import { loadFactories, type VendorId, vendors } from "../src/Providers.ts"
import { durationOf, sha256, speakToFile, synthesizer } from "./Synthesizer.ts"

/** The key the adapters are given while recording; it never reaches a cassette. */
const SYNTHESIS_KEY = "synthesized-demo-key"

/** Options of {@link makeCassettes}. */
export interface MakeCassettesOptions {
  /** Where to write the cassettes (default `demo/cassettes/`). */
  readonly dir?: string | undefined
  /** Re-speak `question.mp3` even when it exists. */
  readonly question?: boolean | undefined
  /** Where the demo's narration goes (default: discarded). */
  readonly narration?: Writer | undefined
  /** Milliseconds between streamed chunks of the synthesized answers (default 40). */
  readonly delayMs?: number | undefined
}

/** The request headers kept in the cassettes (others — SDK versions, OS — only make diffs noisy). */
const KEPT_REQUEST_HEADERS = new Set(["content-type", "accept"])

const description: Record<VendorId, string> = {
  openai:
    "The OpenAI calls of `patchbay demo` (modes 1–3, provider options, streaming, the image flow's chat, the memory section's turns, fact extraction and decisions), made by @patchbay/openai and answered by demo/Synthesizer.ts as the OpenAI spec describes; speech by espeak-ng.",
  elevenlabs:
    "The ElevenLabs calls of `patchbay demo` (scribe_v2 with diarize, eleven_flash_v2_5 read-aloud), made by @patchbay/elevenlabs and answered by demo/Synthesizer.ts as the ElevenLabs spec describes; speech by espeak-ng.",
  openrouter:
    "The OpenRouter calls of `patchbay demo` (the image tool's generate and edit), made by @patchbay/openrouter and answered by demo/Synthesizer.ts as the OpenRouter spec describes; the PNGs are drawn by demo/Picture.ts."
}

/** Records the demo against the synthesizer and writes the cassettes; returns the files written. */
export const makeCassettes = async (options: MakeCassettesOptions = {}): Promise<ReadonlyArray<string>> => {
  const dir = options.dir ?? cassettesDir
  if (options.question === true || !existsSync(questionFile)) {
    await speakToFile(QUESTION, questionFile, { codec: "mp3", rate: 16000, bitrate: 32 })
  }
  const question = new Uint8Array(readFileSync(questionFile))
  const upstream = synthesizer({
    known: [{ sha256: sha256(question), text: QUESTION, duration: await durationOf(question) }],
    delayMs: options.delayMs
  })
  const factories = await loadFactories()
  const recorders = new Map<VendorId, RecordingFetch>()
  const providers: Array<PatchbayProvider> = []
  for (const vendor of vendors) {
    const factory = factories.get(vendor.id)
    if (factory === undefined || factory instanceof Error) throw new Error(`${vendor.packageName} did not load: ${factory?.message ?? "not found"}`)
    const recorder = recordFetch({ upstream, secrets: [SYNTHESIS_KEY], mergeWithinMs: 2 })
    recorders.set(vendor.id, recorder)
    providers.push(factory({ apiKey: SYNTHESIS_KEY, fetch: recorder }))
  }
  const narration = options.narration ?? bufferWriter()
  const scratch = mkdtempSync(path.join(tmpdir(), "patchbay-cassettes-"))
  try {
    const { results } = await runSections({
      out: makeOutput(narration, narration, false),
      outDir: scratch,
      cwd: scratch,
      providersFor: () => ({ providers, served: "replay" }),
      local: undefined,
      only: sections.filter((s) => s.local !== true && s.repeats === undefined && s.session === undefined).map((s) => s.id)
    })
    const failed = results.filter((r) => r.status === "failed")
    if (failed.length > 0) throw new Error(`the demo failed against the synthesizer: ${failed.map((r) => `${r.id}: ${r.reason ?? "?"}`).join("; ")}`)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  mkdirSync(dir, { recursive: true })
  for (const name of readdirSync(dir)) if (name.endsWith(".json")) rmSync(path.join(dir, name))
  const written: Array<string> = []
  for (const vendor of vendors) {
    const recorder = recorders.get(vendor.id)
    if (recorder === undefined) continue
    const interactions = (await recorder.interactions()).map((interaction) => ({
      ...interaction,
      request: {
        ...interaction.request,
        headers: Object.fromEntries(Object.entries(interaction.request.headers ?? {}).filter(([name]) => KEPT_REQUEST_HEADERS.has(name)))
      }
    }))
    const cassette: Cassette.Cassette = { version: Cassette.CURRENT_VERSION, source: "synthesized", description: description[vendor.id], interactions }
    const file = path.join(dir, `${vendor.id}.json`)
    writeFileSync(file, Cassette.stringify(cassette))
    written.push(file)
  }
  return written
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = await makeCassettes({ question: process.argv.includes("--question"), narration: process.argv.includes("--verbose") ? process.stderr : undefined })
  for (const file of written) {
    const cassette = Cassette.loadSync(file).cassette
    process.stdout.write(`${path.relative(process.cwd(), file)}: ${cassette.interactions.length} interactions, ${(readFileSync(file).byteLength / 1000).toFixed(1)} kB, source ${cassette.source}\n`)
  }
}
