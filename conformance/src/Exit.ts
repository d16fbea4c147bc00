/**
 * "Nothing outlives a request", as a program would see it: run a script that makes requests in a
 * child process and wait for it to exit by itself (no `process.exit`), so a timer, socket or
 * child process an adapter left behind shows as a process that does not end. The guard only
 * stops a hung test run; what a test asserts is that the process exited.
 *
 * @example
 * ```ts
 * expect(await runToExit(script, ["fail", `http://127.0.0.1:${await closedPort()}`]))
 *   .toEqual({ exited: true, code: 0, stdout: "ProviderUnavailable\n", stderr: "" })
 * ```
 *
 * @since 0.1.0
 */
import { spawn } from "node:child_process"
import { createServer } from "node:net"

/**
 * How long a script may run before the guard kills it and reports `exited: false`: generous, so a
 * loaded machine starting a Node process slowly does not look like a leak (a timer an adapter
 * leaves behind keeps a process alive far longer: the vendor SDKs' deadlines are minutes to an hour).
 */
export const EXIT_GUARD_MS = 120_000

/** What a script run to its end reported. */
export interface Exited {
  readonly exited: boolean
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a script with this Node; resolves with its exit code and output, or `exited: false` if the guard fired. */
export const runToExit = (script: string, args: ReadonlyArray<string>, guardMs: number = EXIT_GUARD_MS): Promise<Exited> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const guard = setTimeout(() => {
      child.kill("SIGKILL")
      resolve({ exited: false, code: null, stdout, stderr })
    }, guardMs)
    child.on("exit", (code) => {
      clearTimeout(guard)
      resolve({ exited: true, code, stdout, stderr })
    })
  })

/** A loopback port nothing listens on: a request to it fails at once, as with no network. */
export const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
