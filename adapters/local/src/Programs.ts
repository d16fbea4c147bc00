/**
 * The programs the local engines run — espeak-ng, pocketsphinx_continuous and ffmpeg — and how
 * they run: found on `PATH` (or at the path given to `local()`), looked up only when a call needs
 * them, started as child processes whose stdout streams back as it is produced, chained through
 * pipes, and killed (SIGKILL) when the call is interrupted or stops reading. A program that is
 * missing fails the call with `ProviderUnavailable` naming the Debian package to install; one
 * that is killed or fails fails it with `ProviderUnavailable` (or the caller's own mapping, e.g.
 * a grammar word the dictionary lacks is `InvalidRequest`).
 *
 * @since 0.1.0
 */
import { type ProviderError, ProviderUnavailable } from "@patchbay/core"
import { Effect, Stream } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { constants as fsConstants } from "node:fs"
import * as fsp from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { Readable } from "node:stream"
import type { ReadableStream as NodeReadableStream } from "node:stream/web"

/** The provider id, and the key its options sit under in `provider_options`. */
export const PROVIDER = "local"

/** The programs, by their option names in `local({ espeakNg, pocketsphinx, ffmpeg })`. */
export type Program = "espeakNg" | "pocketsphinx" | "ffmpeg"

/** Where each program is: a command looked up on `PATH`, or a path to the executable. */
export interface ProgramPaths {
  readonly espeakNg: string
  readonly pocketsphinx: string
  readonly ffmpeg: string
}

/** The commands used when `local()` is given no path: Debian's names, found on `PATH`. */
export const defaultPaths: ProgramPaths = {
  espeakNg: "espeak-ng",
  pocketsphinx: "pocketsphinx_continuous",
  ffmpeg: "ffmpeg"
}

/** The Debian (and Ubuntu) package that installs each program. */
export const debianPackages: Readonly<Record<Program, string>> = {
  espeakNg: "espeak-ng",
  pocketsphinx: "pocketsphinx",
  ffmpeg: "ffmpeg"
}

/** The Debian package with pocketsphinx's US English acoustic model, language model and dictionary. */
export const MODEL_PACKAGE = "pocketsphinx-en-us"

/** Where `pocketsphinx-en-us` installs the US English model. */
export const MODEL_DIR = "/usr/share/pocketsphinx/model/en-us"

/** The files of the US English model that pocketsphinx is given. */
export const modelFiles = {
  hmm: path.join(MODEL_DIR, "en-us"),
  lm: path.join(MODEL_DIR, "en-us.lm.bin"),
  dict: path.join(MODEL_DIR, "cmudict-en-us.dict")
} as const

/** Which programs can run: what `patchbay providers` shows. `pocketsphinx` includes its en-us model. */
export interface Availability {
  readonly espeakNg: boolean
  readonly pocketsphinx: boolean
  readonly ffmpeg: boolean
}

const isExecutable = (file: string): Promise<boolean> =>
  fsp.stat(file).then(
    (stat) => stat.isFile() && fsp.access(file, fsConstants.X_OK).then(() => true, () => false),
    () => false
  )

/**
 * Finds a program: a path (anything with a `/`) must be an executable file; a bare name is
 * looked up on `PATH`. Succeeds with the executable's path, or undefined when there is none.
 * Starts nothing.
 */
export const locate = Effect.fn("Programs.locate")(function*(command: string) {
  return yield* Effect.promise(async () => {
    if (command === "") return undefined
    if (command.includes("/")) return (await isExecutable(command)) ? path.resolve(command) : undefined
    for (const dir of (process.env["PATH"] ?? "").split(path.delimiter)) {
      if (dir === "") continue
      const candidate = path.join(dir, command)
      if (await isExecutable(candidate)) return candidate
    }
    return undefined
  })
})

const modelInstalled = (): Promise<boolean> =>
  Promise.all([
    fsp.stat(path.join(modelFiles.hmm, "mdef")).then((s) => s.isFile(), () => false),
    fsp.stat(modelFiles.lm).then((s) => s.isFile(), () => false),
    fsp.stat(modelFiles.dict).then((s) => s.isFile(), () => false)
  ]).then((found) => found.every(Boolean))

/**
 * Which programs are installed, without running any of them: each is looked up as `local()`
 * would run it, and pocketsphinx counts only with its en-us model (`pocketsphinx-en-us`).
 *
 * @example
 * ```ts
 * const found = yield* Programs.availability(Programs.defaultPaths)
 * // { espeakNg: true, pocketsphinx: true, ffmpeg: false }
 * ```
 */
export const availability = Effect.fn("Programs.availability")(function*(paths: ProgramPaths) {
  const [espeakNg, pocketsphinx, ffmpeg] = yield* Effect.all([locate(paths.espeakNg), locate(paths.pocketsphinx), locate(paths.ffmpeg)])
  const model = yield* Effect.promise(modelInstalled)
  const found: Availability = { espeakNg: espeakNg !== undefined, pocketsphinx: pocketsphinx !== undefined && model, ffmpeg: ffmpeg !== undefined }
  return found
})

const configured = (program: Program, command: string) =>
  command.includes("/") ? `at ${JSON.stringify(command)}` : `on PATH (as ${JSON.stringify(command)})`

/**
 * The error of a program that is not installed: a permanent (not retried) `ProviderUnavailable`
 * whose detail names the Debian package and the `local()` option that points at another path.
 */
export const notInstalled = (program: Program, command: string, purpose?: string): ProviderUnavailable =>
  new ProviderUnavailable({
    provider: PROVIDER,
    permanent: true,
    detail: `${purpose === undefined ? "" : `${purpose}: `}${path.basename(command) || program} was not found ${configured(program, command)}; ` +
      `install the Debian package ${debianPackages[program]} (apt-get install ${debianPackages[program]}) ` +
      `or pass its path as local({ ${program}: "/path/to/${path.basename(defaultPaths[program])}" })`
  })

/** The error of a missing en-us model. */
export const modelMissing = (): ProviderUnavailable =>
  new ProviderUnavailable({
    provider: PROVIDER,
    permanent: true,
    detail: `pocketsphinx's US English model is not installed in ${MODEL_DIR}; install the Debian package ${MODEL_PACKAGE} (apt-get install ${MODEL_PACKAGE})`
  })

/** The executable of a program, or `ProviderUnavailable` naming its Debian package. */
export const need = Effect.fn("Programs.need")(function*(paths: ProgramPaths, program: Program, purpose?: string) {
  const found = yield* locate(paths[program])
  if (found === undefined) return yield* notInstalled(program, paths[program], purpose)
  return found
})

/** Fails with `ProviderUnavailable` naming `pocketsphinx-en-us` when its model files are missing. */
export const needModel = Effect.fn("Programs.needModel")(function*() {
  if (!(yield* Effect.promise(modelInstalled))) return yield* modelMissing()
})

// ---------------------------------------------------------------------------------------------
// Running programs
// ---------------------------------------------------------------------------------------------

/** How a program that failed ended, for a step's own mapping to a typed error. */
export interface Failure {
  readonly program: Program
  readonly command: string
  /** The exit code, or null when a signal ended it. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** The end of what it wrote to stderr (at most 64 KiB). */
  readonly stderr: string
}

/** One program of a pipeline: its arguments, and how its failures map to typed errors. */
export interface Step {
  readonly program: Program
  readonly args: ReadonlyArray<string>
  /** A typed error for a failure the step understands (bad input, unknown word); else the default. */
  readonly classify?: ((failure: Failure) => ProviderError | undefined) | undefined
  /**
   * The program opens `/dev/stdin` by name (pocketsphinx's `-infile /dev/stdin`). Node's stdio
   * pipes are sockets, which cannot be opened that way, so the program runs as
   * `sh -c 'cat | exec program …'` in its own process group, killed as a group.
   */
  readonly opensStdin?: boolean | undefined
}

/** What feeds the first program, and what to observe on the way. */
export interface RunOptions {
  /** The first program's stdin: bytes, or a stream read as the program consumes it. None: no stdin. */
  readonly input?: Uint8Array | ReadableStream<Uint8Array> | undefined
  /** The error when reading `input` fails. */
  readonly inputError?: ((cause: unknown) => ProviderError) | undefined
  /** Sees each chunk passing from step `link` to step `link + 1`, e.g. to count converted audio. */
  readonly onTransfer?: ((link: number, chunk: Uint8Array) => void) | undefined
}

const STDERR_TAIL = 64 * 1024

interface Running {
  readonly step: Step
  readonly command: string
  readonly child: ChildProcess
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  stderr: string
}

const describeExit = (failure: Failure): string =>
  failure.signal !== null ? `was killed by ${failure.signal}` : `exited with code ${failure.code}`

/** The last lines a program wrote to stderr that say what went wrong (errors first). */
export const errorLines = (stderr: string, max = 3): string => {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "")
  const errors = lines.filter((l) => /error|fatal|invalid|failed|no such|not found|missing/i.test(l) && !/^INFO:/.test(l))
  return (errors.length > 0 ? errors : lines).slice(-max).join(" | ")
}

const defaultFailure = (failure: Failure): ProviderUnavailable => {
  const said = errorLines(failure.stderr)
  return new ProviderUnavailable({
    provider: PROVIDER,
    detail: `${path.basename(failure.command)} ${describeExit(failure)}${said === "" ? "" : `: ${said}`}`
  })
}

const spawnFailure = (step: Step, command: string, error: NodeJS.ErrnoException): ProviderUnavailable =>
  error.code === "ENOENT"
    ? notInstalled(step.program, command)
    : new ProviderUnavailable({ provider: PROVIDER, detail: `${command} could not be started (${error.code ?? error.message})` })

/** Starts one program; its release kills it (SIGKILL) if it still runs, and waits for it to end. */
const start = (step: Step, command: string, stdin: "pipe" | "ignore") =>
  Effect.acquireRelease(
    Effect.callback<Running, ProviderUnavailable>((resume) => {
      const wrapped = step.opensStdin === true
      const child = wrapped
        ? spawn("/bin/sh", ["-c", "cat | exec \"$0\" \"$@\"", command, ...step.args], { stdio: [stdin, "pipe", "pipe"], detached: true })
        : spawn(command, [...step.args], { stdio: [stdin, "pipe", "pipe"] })
      // "close", not "exit": it comes once stderr is read to its end, so the status and what
      // the program said about it are seen together.
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once("close", (code: number | null, signal: NodeJS.Signals | null) => resolve(wrapped ? unwrapStatus(code, signal) : { code, signal }))
      )
      const running: Running = { step, command, child, exited, stderr: "" }
      child.stderr?.on("data", (chunk: Buffer) => {
        running.stderr = (running.stderr + chunk.toString("utf8")).slice(-STDERR_TAIL)
      })
      // A program that exits early closes its stdin: writes then fail with EPIPE, which the
      // exit status explains.
      child.stdin?.on("error", () => {})
      const onError = (error: NodeJS.ErrnoException) => resume(Effect.fail(spawnFailure(step, command, error)))
      child.once("error", onError)
      child.once("spawn", () => {
        child.off("error", onError)
        child.on("error", () => {})
        resume(Effect.succeed(running))
      })
      return Effect.sync(() => kill(child, wrapped))
    }),
    (running) => stop(running)
  )

/** The shell reports a program a signal ended as 128 + the signal's number. */
const unwrapStatus = (code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null } => {
  if (code === null || code <= 128) return { code, signal }
  const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0] as NodeJS.Signals | undefined
  return name === undefined ? { code, signal } : { code: null, signal: name }
}

/** SIGKILL to the program, or to its whole process group when it runs under `sh`. */
const kill = (child: ChildProcess, group: boolean): void => {
  if (group && child.pid !== undefined) {
    try {
      process.kill(-child.pid, "SIGKILL")
      return
    } catch {
      // the group is gone already
    }
  }
  child.kill("SIGKILL")
}

const stop = (running: Running): Effect.Effect<void> =>
  Effect.promise(async () => {
    const { child } = running
    child.stdin?.destroy()
    child.stdout?.destroy()
    if (child.exitCode === null && child.signalCode === null) {
      kill(child, running.step.opensStdin === true)
      await Promise.race([running.exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())])
    }
  })

/** Lost its reader: SIGPIPE, or a write error on a closed pipe or socket (Node's stdio are sockets). */
const brokenPipe = (failure: Failure): boolean =>
  failure.signal === "SIGPIPE" || /broken pipe|EPIPE|connection reset|ECONNRESET/i.test(failure.stderr)

/**
 * Which failure explains the run: the first program (in pipe order) that failed on its own —
 * not one that only lost its reader (SIGPIPE, "Broken pipe", "Connection reset by peer")
 * because a later program ended.
 */
const explain = (failures: ReadonlyArray<readonly [Running, Failure]>): ProviderError | undefined => {
  const own = failures.filter(([, f]) => !brokenPipe(f))
  const chosen = own[0] ?? failures[0]
  if (chosen === undefined) return undefined
  const [running, failure] = chosen
  return (failure.signal === null ? running.step.classify?.(failure) : undefined) ?? defaultFailure(failure)
}

const toUint8 = (chunk: Buffer): Uint8Array => new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)

/**
 * Runs programs as a pipeline (`a | b | c`) and streams the last one's stdout as it is produced.
 * Every program is looked up first (a missing one fails before anything starts); the input is
 * fed as the first program reads it; when the output ends, every program's exit is checked and
 * a failure ends the stream with a typed error after the output already sent. Interrupting the
 * stream — or stopping reading it — kills every program still running.
 */
export const run = (
  paths: ProgramPaths,
  steps: readonly [Step, ...ReadonlyArray<Step>],
  options: RunOptions = {}
): Stream.Stream<Uint8Array, ProviderError> => Stream.unwrap(launch(paths, steps, options))

/** Starts the pipeline of {@link run} in the stream's scope and returns its output. */
const launch = Effect.fn("Programs.run")(
  function*(paths: ProgramPaths, steps: readonly [Step, ...ReadonlyArray<Step>], options: RunOptions) {
    const commands = yield* Effect.forEach(steps, (step) => need(paths, step.program))
    const running: Array<Running> = []
    for (const [i, step] of steps.entries()) {
      const stdin = i === 0 && options.input === undefined ? "ignore" : "pipe"
      running.push(yield* start(step, commands[i] as string, stdin))
    }
    let inputFailure: unknown
    let hasInputFailure = false
    const first = running[0] as Running
    const input = options.input
    if (input instanceof Uint8Array) {
      first.child.stdin?.end(input)
    } else if (input !== undefined) {
      const source = Readable.fromWeb(input as NodeReadableStream<Uint8Array>)
      source.on("error", (cause) => {
        inputFailure = cause
        hasInputFailure = true
        first.child.stdin?.destroy()
      })
      source.pipe(first.child.stdin!)
      yield* Effect.addFinalizer(() => Effect.sync(() => void source.destroy()))
    }
    for (const [i, from] of running.entries()) {
      const to = running[i + 1]
      if (to === undefined) break
      if (options.onTransfer !== undefined) {
        const observe = options.onTransfer
        from.child.stdout?.on("data", (chunk: Buffer) => observe(i, toUint8(chunk)))
      }
      from.child.stdout?.pipe(to.child.stdin!)
      // When a program ends, the one writing to it must learn it (EPIPE), as in a shell pipeline.
      to.child.stdin?.once("close", () => from.child.stdout?.destroy())
    }
    const last = running[running.length - 1] as Running
    const output = Stream.fromAsyncIterable(
      last.child.stdout as AsyncIterable<Buffer>,
      (cause) => new ProviderUnavailable({ provider: PROVIDER, detail: `reading ${path.basename(last.command)}'s output failed: ${String(cause)}` })
    ).pipe(Stream.map(toUint8))
    const checkExits = Effect.gen(function*() {
      const exits = yield* Effect.promise(() => Promise.all(running.map((r) => r.exited)))
      if (hasInputFailure) {
        return yield* Effect.fail(
          options.inputError?.(inputFailure) ?? new ProviderUnavailable({ provider: PROVIDER, detail: `reading the input failed: ${String(inputFailure)}` })
        )
      }
      const failures = running.flatMap((r, i): Array<readonly [Running, Failure]> => {
        const exit = exits[i]!
        if (exit.code === 0) return []
        return [[r, { program: r.step.program, command: r.command, code: exit.code, signal: exit.signal, stderr: r.stderr }]]
      })
      const error = explain(failures)
      if (error !== undefined) return yield* Effect.fail(error)
    })
    return Stream.concat(output, Stream.fromEffectDrain(checkExits))
  }
)

/** Runs one program to its end and returns its stdout as text (for short listings such as `--voices`). */
export const output = (paths: ProgramPaths, step: Step): Effect.Effect<string, ProviderError> =>
  Stream.runFold(run(paths, [step]), (): Array<Uint8Array> => [], (chunks, chunk) => {
    chunks.push(chunk)
    return chunks
  }).pipe(Effect.map((chunks) => Buffer.concat(chunks).toString("utf8")))
