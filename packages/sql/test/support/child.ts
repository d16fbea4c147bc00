/**
 * The parent's side of `instance.ts`: starts a Patchbay instance in a child process (Node running
 * the script from source) and sends it commands. Waits are on the child's own lines, never on
 * timers.
 */
import type { PipelineEvent } from "@patchbay/core"
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { createInterface } from "node:readline"

/** A running instance. */
export interface Instance {
  readonly process: ChildProcess
  /**
   * Sends a command; `onEvent` sees each event it streams. Resolves with every event at its end,
   * rejects with the error the child reported.
   */
  readonly call: (command: Record<string, unknown>, onEvent?: (event: PipelineEvent) => void) => Promise<ReadonlyArray<PipelineEvent>>
  /** Kills the child with `signal` and resolves once it has exited. */
  readonly kill: (signal?: NodeJS.Signals) => Promise<void>
}

/** Starts an instance on `config` (see `instance.ts`) and resolves once it is ready. */
export const startInstance = (config: Record<string, unknown>): Promise<Instance> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "instance.ts"), JSON.stringify(config)], {
      stdio: ["pipe", "pipe", "inherit"]
    })
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    const pending = new Map<number, { events: Array<PipelineEvent>; onEvent?: ((event: PipelineEvent) => void) | undefined; resolve: (events: ReadonlyArray<PipelineEvent>) => void; reject: (error: Error) => void }>()
    let next = 0
    child.once("exit", (code, signal) => {
      for (const call of pending.values()) call.reject(new Error(`the instance exited (${code ?? signal})`))
      reject(new Error(`the instance exited before it was ready (${code ?? signal})`))
    })
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const message = JSON.parse(line) as { ready?: true; id?: number; event?: PipelineEvent; done?: true; error?: { tag?: string; message: string } }
      if (message.ready) {
        resolve({
          process: child,
          call: (command, onEvent) =>
            new Promise((resolveCall, rejectCall) => {
              const id = ++next
              pending.set(id, { events: [], onEvent, resolve: resolveCall, reject: rejectCall })
              child.stdin!.write(`${JSON.stringify({ ...command, id })}\n`)
            }),
          kill: (signal = "SIGTERM") => {
            child.kill(signal)
            return exited
          }
        })
        return
      }
      const call = pending.get(message.id!)
      if (call === undefined) return
      if (message.event !== undefined) {
        call.events.push(message.event)
        call.onEvent?.(message.event)
      } else if (message.done) {
        pending.delete(message.id!)
        call.resolve(call.events)
      } else if (message.error !== undefined) {
        pending.delete(message.id!)
        call.reject(Object.assign(new Error(message.error.message), { _tag: message.error.tag }))
      }
    })
  })
