/**
 * Everything the CLI writes: the text a command prints on stdout, progress on stderr, JSON for
 * `--json`, tables, byte and time formatting, and the one-line error (the tagged error's message
 * plus what to do about it) that every failure ends in.
 *
 * @since 0.1.0
 */
import { EMPTY_INPUT, isProviderError, TEXT_INPUT, unresolvedHost } from "@patchbay/core"

/** Somewhere to write text or bytes: `process.stdout`, `process.stderr`, or a test buffer. */
export interface Writer {
  readonly write: (chunk: string | Uint8Array) => unknown
  /** True when a person is watching (a terminal): progress then redraws one line. */
  readonly isTTY?: boolean | undefined
}

/** What a command may print to, with the state needed to keep stdout and stderr readable together. */
export interface Output {
  readonly stdout: Writer
  readonly stderr: Writer
  /** Machine output: stdout carries one JSON document, stderr stays quiet but for errors. */
  readonly json: boolean
  /** stdout and stderr end up in one place (a terminal, or `2>&1`): progress must not cut a line. */
  readonly shared: boolean
  /** Writes text to stdout (not in `--json` mode). */
  readonly print: (text: string) => void
  /** Writes a line to stdout (not in `--json` mode). */
  readonly line: (text?: string) => void
  /** Ends a half-written stdout line, if any (before an error line, say). */
  readonly endLine: () => void
  /** Writes a progress line to stderr (not in `--json` mode), after ending a half-written line where both meet. */
  readonly progress: (text: string) => void
  /**
   * Progress that may sit inside streamed text: where stdout and stderr meet and a line is half
   * written, `marker` is written inline on stderr (`⟨♪ 1.2 kB⟩`); otherwise `line` as a progress line.
   */
  readonly inline: (marker: string, line: string) => void
  /** Writes a JSON document to stdout (in `--json` mode only). */
  readonly document: (value: unknown) => void
}

/** Options of {@link makeOutput}. */
export interface OutputOptions {
  /** stdout and stderr end up in one place (default: both are terminals). */
  readonly shared?: boolean | undefined
  /** Dim inline markers with ANSI codes (default: when stderr is a terminal). */
  readonly color?: boolean | undefined
}

/**
 * Builds an {@link Output} over two writers.
 *
 * @category constructors
 */
export const makeOutput = (stdout: Writer, stderr: Writer, json: boolean, options: OutputOptions = {}): Output => {
  const shared = options.shared ?? (stdout.isTTY === true && stderr.isTTY === true)
  const color = options.color ?? stderr.isTTY === true
  let midLine = false // the shared place has text after its last newline
  const print = (text: string) => {
    if (json || text === "") return
    stdout.write(text)
    midLine = !text.endsWith("\n")
  }
  const progress = (text: string) => {
    if (json) return
    if (midLine && shared) {
      stderr.write("\n")
      midLine = false
    }
    stderr.write(`${text}\n`)
  }
  return {
    stdout,
    stderr,
    json,
    shared,
    print,
    line: (text = "") => print(`${text}\n`),
    endLine: () => {
      if (midLine) print("\n")
    },
    progress,
    inline: (marker, line) => {
      if (json) return
      if (shared && midLine) stderr.write(color ? ` \u001b[2m⟨${marker}⟩\u001b[22m` : ` ⟨${marker}⟩`)
      else progress(line)
    },
    document: (value) => {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`)
    }
  }
}

/** A writer that keeps what is written, for tests and for capturing a command's output. */
export interface BufferWriter extends Writer {
  readonly text: () => string
  readonly bytes: () => Uint8Array
}

/** Builds a {@link BufferWriter}. @category constructors */
export const bufferWriter = (isTTY = false): BufferWriter => {
  const chunks: Array<Uint8Array> = []
  const encoder = new TextEncoder()
  const bytes = () => {
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
    let at = 0
    for (const chunk of chunks) {
      out.set(chunk, at)
      at += chunk.byteLength
    }
    return out
  }
  return {
    isTTY,
    write: (chunk) => void chunks.push(typeof chunk === "string" ? encoder.encode(chunk) : chunk.slice()),
    bytes,
    text: () => new TextDecoder().decode(bytes())
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

/** `1234` → `1.2 kB`, `532` → `532 B`. */
export const formatBytes = (n: number): string =>
  n < 1000 ? `${n} B` : n < 1_000_000 ? `${(n / 1000).toFixed(1)} kB` : `${(n / 1_000_000).toFixed(1)} MB`

/** Seconds with one decimal: `1.23` → `1.2 s`. */
export const seconds1 = (s: number): string => `${s.toFixed(1)} s`

/** Seconds with two decimals: `1.234` → `1.23 s`. */
export const seconds2 = (s: number): string => `${s.toFixed(2)} s`

/**
 * Renders rows as an aligned text table with a header row; cells wider than the widest allowed
 * are kept whole (the terminal wraps them), so nothing is cut.
 */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const render = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd()
  return [render(header), render(widths.map((w) => "-".repeat(w))), ...rows.map(render)].join("\n") + "\n"
}

/** A number with floating-point noise rounded away (`2.268000000000001` → `2.268`): 12 significant digits. */
export const roundNoise = (n: number): number => (Number.isInteger(n) || !Number.isFinite(n) ? n : Number(n.toPrecision(12)))

/**
 * A copy of a record for printing: `provider_output` (the vendor's raw response, sometimes
 * long) is replaced by a short note on its size, and floating-point noise is rounded away;
 * everything else is kept.
 */
export const abridgeRecord = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(abridgeRecord)
  if (typeof value === "number") return roundNoise(value)
  if (typeof value !== "object" || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([key, v]) => {
    if (key === "provider_output") return [key, `(${formatBytes(JSON.stringify(v ?? null).length)} of the vendor's response; see the .json file)`]
    if ((key === "words" || key === "segments") && Array.isArray(v) && v.length > 3) {
      return [key, [...v.slice(0, 2).map(abridgeRecord), `… ${v.length - 2} more`]]
    }
    return [key, abridgeRecord(v)]
  }))
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * A failure of the command line itself (bad arguments, a missing file), with what to do. Exit
 * code 2 for usage errors, 1 for the rest.
 *
 * @category errors
 */
export class CliError extends Error {
  override readonly name = "CliError"
  readonly hint: string | undefined
  readonly exitCode: number
  readonly tag: string
  constructor(message: string, hint?: string, exitCode = 1, tag = "CliError") {
    super(message)
    this.hint = hint
    this.exitCode = exitCode
    this.tag = tag
  }
}

/** A usage error: the arguments are wrong. Exit code 2. @category errors */
export const usageError = (message: string, hint = "see `patchbay --help`"): CliError => new CliError(message, hint, 2, "UsageError")

/** What the CLI knows about the vendors, to word the hint of an error. */
export interface ErrorContext {
  /** The environment variable of each vendor's key, by provider id. */
  readonly keyVariables: Readonly<Record<string, string>>
  /** The command line flag a provider was named by, e.g. `--stt`. */
  readonly flagOf?: ((field: string) => string | undefined) | undefined
}

const field = (error: object): string | undefined =>
  "field" in error && typeof error.field === "string" ? error.field : undefined

/** The hint for a tagged error: one short sentence saying what to do. */
const hintFor = (error: { readonly _tag: string } & Record<string, unknown>, context: ErrorContext): string | undefined => {
  const provider = typeof error.provider === "string" ? error.provider : undefined
  const variable = provider === undefined ? undefined : context.keyVariables[provider]
  const at = field(error)
  const flag = at === undefined ? undefined : context.flagOf?.(at)
  switch (error._tag) {
    case "MissingApiKey": {
      const others = Array.isArray(error.others) ? error.others.map((o: { readonly variable: string }) => o.variable) : []
      const all = [typeof error.variable === "string" ? error.variable : variable ?? "the vendor's API key", ...others]
      return `set ${all.length === 1 ? all[0] : `${all.slice(0, -1).join(", ")} and ${all.at(-1)}`} or pass --replay <dir>`
    }
    case "AuthenticationFailed":
      return variable === undefined ? "check the API key" : `check ${variable}`
    case "PermissionDenied":
      return "use a model or feature your account may use"
    case "UnknownProvider":
      return `run \`patchbay providers\` to see the registered ones${flag === undefined ? "" : `, and name one with ${flag} provider/model`}`
    case "UnknownModel":
      return `run \`patchbay providers\` to list the models${flag === undefined ? "" : `, and pick one with ${flag}`}`
    case "UnsupportedFormat":
      return error.format === EMPTY_INPUT || error.format === TEXT_INPUT
        ? "give the path of an audio recording"
        : at === "audio_file"
        ? "convert the audio to a format listed above, e.g. `ffmpeg -i in.ext out.mp3`"
        : "choose one of the formats listed with --format (or the -o file's extension)"
    case "InputTooLarge":
      return "split or compress the audio (e.g. `ffmpeg -i in.wav -b:a 64k out.mp3`)"
    case "InvalidRequest":
      return at === "voice.tts.voice" || at === "tts.voice"
        ? "pass a voice the model has with --voice (see `patchbay providers`)"
        : at === "voice.stt.language"
        ? "pass an ISO 639-1 code with --language, e.g. en"
        : flag === undefined
        ? undefined
        : `check ${flag}`
    case "ProviderUnavailable": {
      const host = unresolvedHost(typeof error.detail === "string" ? error.detail : undefined)
      return host === undefined ? "try again in a moment" : "check the network connection or the base URL, or pass --replay <dir>"
    }
    case "RateLimited":
    case "ProviderTimeout":
      return "try again in a moment"
    case "NotFound":
      return error.kind === "file" ? "check the path" : undefined
    case "Cancelled":
      return undefined
    default:
      return undefined
  }
}

/** The parts of a one-line error: what went wrong, its tag, what to do, the exit code. */
export interface DescribedError {
  readonly tag: string
  readonly message: string
  readonly hint: string | undefined
  readonly exitCode: number
}

const isReplayMismatch = (error: unknown): boolean => {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error && (e.name === "ReplayMismatch" || /no interaction of .* matches/.test(e.message))) return true
    e = typeof e === "object" && "cause" in e ? e.cause : undefined
  }
  const detail = typeof error === "object" && error !== null && "detail" in error ? String(error.detail) : ""
  return /no interaction of .* matches/.test(detail)
}

/**
 * Describes any failure as one line: the tagged error's own message, its tag, and a hint that
 * says what to do.
 */
export const describeError = (error: unknown, context: ErrorContext): DescribedError => {
  if (error instanceof CliError) return { tag: error.tag, message: error.message, hint: error.hint, exitCode: error.exitCode }
  if (isProviderError(error)) {
    const tagged = error as unknown as { readonly _tag: string; readonly message: string } & Record<string, unknown>
    const replay = isReplayMismatch(error)
    // The library's advice (register it in createPatchbay) is not the command line's.
    const message = tagged._tag === "UnknownProvider" ? tagged.message.replace(/\s*Register it in createPatchbay.*$/, "") : tagged.message
    return {
      tag: tagged._tag,
      message: oneLine(message),
      hint: replay
        ? "the cassettes have no interaction for this request: replay the request they were recorded with, or run live with the vendor's key"
        : hintFor(tagged, context),
      exitCode: 1
    }
  }
  if (isReplayMismatch(error)) {
    return {
      tag: "ReplayMismatch",
      message: oneLine(error instanceof Error ? error.message : String(error)),
      hint: "the cassettes have no interaction for this request: replay the request they were recorded with, or run live with the vendor's key",
      exitCode: 1
    }
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return { tag: "Unexpected", message: oneLine(message), hint: "this is a bug in patchbay: please report it with the command you ran", exitCode: 1 }
}

/** Collapses a multi-line message onto one line. */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

/** The error line as printed: `patchbay: <message> [<Tag>] — <hint>`. */
export const errorLine = (described: DescribedError): string =>
  `patchbay: ${described.message} [${described.tag}]${described.hint === undefined ? "" : ` — ${described.hint}`}`
