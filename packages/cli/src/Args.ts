/**
 * Reading the command line: model references (`provider/model`), input files, output paths and
 * formats, and the defaults every command falls back to.
 *
 * @since 0.1.0
 */
import { Audio } from "@patchbay/core"
import { statSync } from "node:fs"
import * as path from "node:path"
import { CliError, usageError } from "./Output.ts"

/** A provider and one of its models, as named on the command line. */
export interface ModelRef {
  readonly provider: string
  readonly model: string
}

/**
 * Splits `provider/model` at the FIRST slash, so model ids may hold slashes of their own:
 * `openrouter/google/gemini-3.1-flash-image-preview` → `openrouter` + `google/gemini-3.1-flash-image-preview`.
 *
 * @throws CliError (usage) when there is no slash or either side is empty
 */
export const parseModelRef = (value: string, flag: string): ModelRef => {
  const at = value.indexOf("/")
  const provider = at === -1 ? "" : value.slice(0, at).trim()
  const model = at === -1 ? "" : value.slice(at + 1).trim()
  if (provider === "" || model === "") {
    throw usageError(
      `${flag} ${JSON.stringify(value)} is not a model reference`,
      `write provider/model, e.g. ${flag} ${exampleOf(flag)} (\`patchbay providers\` lists them)`
    )
  }
  return { provider, model }
}

const exampleOf = (flag: string): string => {
  switch (flag) {
    case "--stt":
      return defaults.stt
    case "--tts":
      return defaults.tts
    case "--llm":
      return defaults.llm
    case "--image":
      return defaults.image
    case "--model":
      return defaults.embedding
    default:
      return "openai/whisper-1"
  }
}

/** The models a command uses when none is named. */
export const defaults = {
  stt: "openai/whisper-1",
  tts: "openai/gpt-4o-mini-tts",
  llm: "openai/gpt-4.1",
  image: "openrouter/google/gemini-3.1-flash-image-preview",
  embedding: "openai/text-embedding-3-small"
} as const

/** The generic output formats, and the file extensions that name them. */
const formatByExtension: Readonly<Record<string, string>> = {
  mp3: "mp3",
  wav: "wav",
  pcm: "pcm",
  raw: "pcm",
  opus: "opus",
  ogg: "opus",
  flac: "flac",
  aac: "aac",
  ulaw: "ulaw",
  alaw: "alaw"
}

/** The generic format a file name asks for (`reply.wav` → `wav`), if its extension names one. */
export const formatOfPath = (file: string): string | undefined =>
  formatByExtension[path.extname(file).slice(1).toLowerCase()]

/** The file extension for a produced medium's type (`audio/mpeg` → `mp3`, `image/png` → `png`). */
export const extensionOfMediaType = (mediaType: string): string => {
  const container = Audio.containerOfMediaType(mediaType)
  if (container !== undefined) return Audio.extensionOf(container)
  switch (mediaType.split(";")[0]?.trim()) {
    case "image/png":
      return "png"
    case "image/jpeg":
      return "jpg"
    case "image/webp":
      return "webp"
    case "image/gif":
      return "gif"
    default:
      return mediaType.startsWith("audio/L16") ? "pcm" : "bin"
  }
}

/**
 * Resolves an input file against the working directory and checks it is a readable file.
 *
 * @throws CliError when it does not exist or is not a file
 */
export const inputFile = (cwd: string, file: string): { readonly path: string; readonly size: number } => {
  const resolved = path.resolve(cwd, file)
  let stat
  try {
    stat = statSync(resolved)
  } catch {
    throw new CliError(`file not found: ${file}`, `check the path (it is read relative to ${cwd})`, 1, "FileNotFound")
  }
  if (!stat.isFile()) throw new CliError(`not a file: ${file}`, "pass an audio file, not a directory", 1, "FileNotFound")
  return { path: resolved, size: stat.size }
}

/** Requires exactly one positional argument. @throws CliError (usage) */
export const onePositional = (positionals: ReadonlyArray<string>, what: string, command: string): string => {
  const [first, ...rest] = positionals
  if (first === undefined || first === "") throw usageError(`${command}: missing ${what}`, `see \`patchbay ${command} --help\``)
  if (rest.length > 0) {
    throw usageError(`${command}: unexpected argument ${JSON.stringify(rest[0])}`, `quote the ${what} if it has spaces; see \`patchbay ${command} --help\``)
  }
  return first
}
