#!/usr/bin/env node
/**
 * The `patchbay` executable: runs `main` on the process's arguments, streams and environment,
 * and exits with its code. `--version` and `--help` are answered first, from `Help.ts` alone:
 * the rest of the command line (Effect, the core, the adapters and their SDKs) is imported only
 * when a command needs it, so those two print in about the time Node takes to start.
 *
 * @since 0.1.0
 */
import { fstatSync } from "node:fs"
import { enableCompileCache } from "node:module"
import { usage, version } from "./Help.ts"

// A reader that stops early (`patchbay demo | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0)
    throw error
  })
}

/** Whether stdout and stderr reach one place (a terminal, or `2>&1` into one file or pipe). */
const sameDestination = (): boolean => {
  try {
    const [out, err] = [fstatSync(1), fstatSync(2)]
    return (process.stdout.isTTY && process.stderr.isTTY) || (out.dev === err.dev && out.ino === err.ino)
  } catch {
    return false
  }
}

/** The answers that need nothing but this package's own text (as `main` gives them). */
const quick = (argv: ReadonlyArray<string>): string | undefined => {
  const first = argv[0]
  if (first === "--version" || first === "-V") return `${version}\n`
  if (first === "--help" || first === "-h") return usage
  return undefined
}

/** Runs the command line proper, loaded only now. */
const run = async (argv: ReadonlyArray<string>): Promise<number> => {
  // The adapters' SDKs are large: Node's compile cache, in Patchbay's own folder under the user's
  // cache directory, makes every run after the first start faster. (`--version` and `--help`
  // load too little to gain from it.)
  enableCompileCache(`${process.env["XDG_CACHE_HOME"] || `${process.env["HOME"] || process.env["USERPROFILE"] || "."}/.cache`}/patchbay/compile-cache`)
  const { main } = await import("./Main.ts")
  return main(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    sharedOutput: sameDestination()
  })
}

const argv = process.argv.slice(2)
const answer = quick(argv)
if (answer !== undefined) process.stdout.write(answer)
const code = answer === undefined ? await run(argv) : 0

// The command is done. After a failed vendor request an SDK may leave a timer armed or an
// upload's file handle open, which would keep the process alive: flush the output, then exit.
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()))
await Promise.all([flushed(process.stdout), flushed(process.stderr)])
process.exit(code)
