#!/usr/bin/env node
/**
 * The `patchbay` executable: runs {@link main} on the process's arguments, streams and
 * environment, and exits with its code.
 *
 * @since 0.1.0
 */
import { fstatSync } from "node:fs"
import { enableCompileCache } from "node:module"
import { main } from "./Main.ts"

// The adapters' SDKs are large: Node's compile cache makes every run after the first start faster.
enableCompileCache(`${process.env["XDG_CACHE_HOME"] || `${process.env["HOME"] || process.env["USERPROFILE"] || "."}/.cache`}/patchbay/compile-cache`)

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

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  sharedOutput: sameDestination()
})

// The command is done. After a failed vendor request an SDK may leave a timer armed or an
// upload's file handle open, which would keep the process alive: flush the output, then exit.
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()))
await Promise.all([flushed(process.stdout), flushed(process.stderr)])
process.exit(code)
