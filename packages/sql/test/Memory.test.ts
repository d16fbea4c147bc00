/**
 * Memory through the pipeline on every store: the behaviour suite (`support/memorySuite.ts`) on
 * memory, SQLite (a fresh file per test) and PostgreSQL (a fresh database per test), and an
 * operation whose owner process died: killed (SIGKILL) while its write ran, the operation reads
 * `FAILED` (`owner lost`) from another runtime on the same database once the lease lapses, with
 * nothing written. Waits are bounded polls on rows and the child's own lines, never durations.
 */
import { createPatchbay, OWNER_LOST, Stores, type StoresLayer } from "@patchbay/core"
import { FakeLlm, fakeProvider } from "@patchbay/core/testing"
import { spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { setTimeout as sleep } from "node:timers/promises"
import { describe, expect, inject, it } from "vitest"
import { postgres, sqlite } from "../src/index.ts"
import { memorySuite } from "./support/memorySuite.ts"
import { freshPostgresDatabase, postgresSkipReason } from "./support/postgres.ts"

const dir = mkdtempSync(join(tmpdir(), "patchbay-memory-"))
let n = 0

memorySuite("memory", {
  fresh: async () => {
    const stores = Stores.makeMemory()
    return () => stores
  }
})
memorySuite("SQLite", {
  fresh: async () => {
    const filename = join(dir, `memory-${++n}.db`)
    return () => sqlite({ filename })
  }
})
const skip = postgresSkipReason()
memorySuite("PostgreSQL", {
  fresh: async () => {
    const url = await freshPostgresDatabase(inject("databaseUrl"))
    return () => postgres({ url })
  }
}, skip)

/** Polls `read` (a short pause between reads, never a deadline) until `done` holds. */
const until = async <A>(read: () => Promise<A>, done: (value: A) => boolean): Promise<A> => {
  for (;;) {
    const value = await read()
    if (done(value)) return value
    await sleep(50)
  }
}

/** Starts `support/memoryChild.ts`; resolves with the process and the operation id it printed. */
const startWriter = (config: Record<string, unknown>) =>
  new Promise<{ readonly operationId: string; readonly kill: () => Promise<void> }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "support", "memoryChild.ts"), JSON.stringify(config)], { stdio: ["ignore", "pipe", "inherit"] })
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    child.once("exit", (code, signal) => reject(new Error(`the writer exited before it wrote (${code ?? signal})`)))
    createInterface({ input: child.stdout }).once("line", (line) => {
      const { operation_id } = JSON.parse(line) as { operation_id: string }
      resolve({ operationId: operation_id, kill: () => (child.kill("SIGKILL"), exited) })
    })
  })

const ownerLost = (name: string, target: () => Promise<{ readonly config: Record<string, unknown>; readonly stores: StoresLayer }>, skipReason?: string) =>
  describe.skipIf(skipReason !== undefined)(`${name}: a memory write whose process died${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
    it("reads IN_PROGRESS while its owner lives, then FAILED (owner lost) from another runtime once the lease lapses, with nothing written", async () => {
      const { config, stores } = await target()
      const writer = await startWriter({ ...config, leaseMs: 3000 })
      const pb = createPatchbay({
        providers: [fakeProvider({ id: "fake", llm: FakeLlm() })],
        defaults: { llm: { provider: "fake", model: "fake-llm" } },
        media: { secret: "memory-suite-secret" },
        stores
      })
      try {
        expect(await pb.memory.operation(writer.operationId)).toMatchObject({ status: "IN_PROGRESS", error: null, completed_at: null })
        await writer.kill()
        const lost = await until(() => pb.memory.operation(writer.operationId), (operation) => operation.status !== "IN_PROGRESS")
        expect(lost).toEqual({
          operation_id: writer.operationId,
          status: "FAILED",
          error: OWNER_LOST,
          raw_output: null,
          events: [],
          created_at: lost.created_at,
          completed_at: expect.any(String)
        })
        // settled once, and stored so: a wait returns it as it is
        expect(await pb.memory.wait(writer.operationId)).toEqual(lost)
        expect((await pb.memory.list("asst_default", { include_deleted: true })).total_count).toBe(0)
      } finally {
        await writer.kill()
        await pb.dispose()
      }
    }, 60_000)
  })

ownerLost("SQLite", async () => {
  const filename = join(dir, `owner-${++n}.db`)
  return { config: { store: "sqlite", target: filename }, stores: sqlite({ filename }) }
})
ownerLost("PostgreSQL", async () => {
  const url = await freshPostgresDatabase(inject("databaseUrl"))
  return { config: { store: "pg", target: url }, stores: postgres({ url }) }
}, skip)
