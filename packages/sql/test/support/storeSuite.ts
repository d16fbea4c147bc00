/**
 * The one behaviour suite every store implementation passes: memory, SQLite and PostgreSQL run
 * the same specifications. `fresh()` gives a layer on an empty database for each test.
 */
import { expect, it } from "@effect/vitest"
import {
  AssistantStore,
  CurrentTenant,
  DEFAULT_ASSISTANT_ID,
  KeyStore,
  makeAssistant,
  makeKey,
  MemoryStore,
  RunStore,
  type StoredMessage,
  type StoresLayer,
  type Thread,
  ThreadStore
} from "@patchbay/core"
import { Effect } from "effect"
import { describe } from "vitest"
import { memorySearchSpecs } from "./memorySearchSpecs.ts"

type Services = AssistantStore | KeyStore | MemoryStore | RunStore | ThreadStore

/** How a suite gets an empty database; `skip` names why it cannot (then the tests skip, or fail in CI). */
export interface SuiteTarget {
  readonly fresh: () => StoresLayer | Promise<StoresLayer>
}

const at = (n: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, n)).toISOString()

const thread = (id: string, n = 0, assistant = DEFAULT_ASSISTANT_ID): Thread => ({
  thread_id: id,
  assistant_id: assistant,
  created_at: at(n),
  updated_at: at(n)
})

const message = (threadId: string, id: string, n: number, content = id): StoredMessage => ({
  message_id: id,
  thread_id: threadId,
  run_id: "run_1",
  role: "user",
  content,
  status: "completed",
  created_at: at(n)
})

const asTenant = (tenant: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, CurrentTenant, tenant)

const failureTag = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.match(effect, { onFailure: (error): string => error._tag, onSuccess: () => "success" })

const start = (runId: string, threadId: string, leaseUntil = at(3600)) =>
  Effect.gen(function*() {
    const runs = yield* RunStore
    return yield* runs.start({ run_id: runId, thread_id: threadId, assistant_id: DEFAULT_ASSISTANT_ID, owner: "owner-1", lease_until: leaseUntil })
  })

/**
 * Registers the store specifications against `target`. `skip` (a reason) skips them all.
 */
export const storeSuite = (name: string, target: SuiteTarget, skip?: string) => {
  describe.skipIf(skip !== undefined)(`${name} stores${skip === undefined ? "" : ` (skipped: ${skip})`}`, () => {
    const test = (title: string, body: () => Effect.Effect<void, unknown, Services>) =>
      it.live(title, () =>
        Effect.flatMap(Effect.promise(async () => target.fresh()), (layer) => Effect.provide(body(), layer)), 30_000)

    test("threads list newest first, paged by skip and limit, filtered by assistant", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadStore
        for (const [i, id] of ["t1", "t2", "t3", "t4"].entries()) yield* threads.create(thread(id, i, i % 2 === 0 ? "asst_a" : "asst_b"))
        const ids = (list: ReadonlyArray<Thread>) => list.map((t) => t.thread_id)
        expect(ids(yield* threads.list())).toEqual(["t4", "t3", "t2", "t1"])
        expect(ids(yield* threads.list({ skip: 1, limit: 2 }))).toEqual(["t3", "t2"])
        expect(ids(yield* threads.list({ assistant_id: "asst_a" }))).toEqual(["t3", "t1"])
        expect(yield* threads.get("t2")).toEqual(thread("t2", 1, "asst_b"))
      }))

    test("messages page from the end by limit and before; saving an id again replaces it in place", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadStore
        yield* threads.create(thread("t1"))
        yield* threads.save([1, 2, 3, 4, 5].map((n) => message("t1", `m${n}`, n)))
        const ids = (list: ReadonlyArray<StoredMessage>) => list.map((m) => m.message_id)
        expect(ids(yield* threads.messages("t1"))).toEqual(["m1", "m2", "m3", "m4", "m5"])
        expect(ids(yield* threads.messages("t1", { limit: 2 }))).toEqual(["m4", "m5"])
        expect(ids(yield* threads.messages("t1", { limit: 2, before: "m4" }))).toEqual(["m2", "m3"])
        expect(ids(yield* threads.messages("t1", { before: "unknown" }))).toEqual([])
        yield* threads.save([message("t1", "m2", 2, "edited")])
        expect((yield* threads.messages("t1")).map((m) => m.content)).toEqual(["m1", "edited", "m3", "m4", "m5"])
        expect((yield* threads.get("t1")).updated_at).toBe(at(5))
        expect(yield* failureTag(threads.save([message("nope", "m9", 9)]))).toBe("NotFound")
      }))

    test("deleting a thread deletes its messages; deleting by assistant names the threads", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadStore
        yield* threads.create(thread("t1", 0, "asst_a"))
        yield* threads.create(thread("t2", 1, "asst_a"))
        yield* threads.create(thread("t3", 2, "asst_b"))
        yield* threads.save([message("t1", "m1", 1)])
        yield* threads.delete("t3")
        expect(yield* failureTag(threads.get("t3"))).toBe("NotFound")
        expect(yield* failureTag(threads.delete("t3"))).toBe("NotFound")
        expect(yield* threads.deleteByAssistant("asst_a")).toEqual(["t1", "t2"])
        expect(yield* failureTag(threads.messages("t1"))).toBe("NotFound")
        expect(yield* threads.list()).toEqual([])
      }))

    test("another tenant's threads, assistants, runs, keys and memories answer NotFound", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadStore
        const assistants = yield* AssistantStore
        const runs = yield* RunStore
        const keys = yield* KeyStore
        const memories = yield* MemoryStore
        const a = asTenant("tenant-a")
        const b = asTenant("tenant-b")
        yield* a(threads.create(thread("t1")))
        yield* a(threads.save([message("t1", "m1", 1)]))
        yield* a(assistants.create(makeAssistant("asst_x", { name: "X" }, 0)))
        yield* a(start("run_1", "t1"))
        const made = makeKey("tenant-a", "k", 0)
        yield* keys.insert(made.stored)
        yield* a(memories.put("asst_x", memory("mem_1", "likes tea"), { history_id: "h1" }))

        expect(yield* b(failureTag(threads.get("t1")))).toBe("NotFound")
        expect(yield* b(failureTag(threads.messages("t1")))).toBe("NotFound")
        expect(yield* b(failureTag(threads.save([message("t1", "m2", 2)])))).toBe("NotFound")
        expect(yield* b(failureTag(threads.delete("t1")))).toBe("NotFound")
        expect(yield* b(threads.list())).toEqual([])
        expect(yield* b(threads.deleteByAssistant(DEFAULT_ASSISTANT_ID))).toEqual([])
        expect(yield* b(failureTag(assistants.get("asst_x")))).toBe("NotFound")
        expect(yield* b(failureTag(assistants.update("asst_x", { name: "Y" })))).toBe("NotFound")
        expect(yield* b(failureTag(assistants.delete("asst_x")))).toBe("NotFound")
        expect((yield* b(assistants.list())).map((x) => x.assistant_id)).toEqual([DEFAULT_ASSISTANT_ID])
        expect(yield* b(failureTag(runs.get("run_1")))).toBe("NotFound")
        expect(yield* b(failureTag(runs.cancel("run_1")))).toBe("NotFound")
        expect(yield* b(failureTag(runs.claim("run_1", "o", at(9))))).toBe("NotFound")
        expect(yield* b(runs.renew("run_1", "owner-1", at(9)))).toBe(false)
        expect(yield* b(runs.listByThread("t1"))).toEqual([])
        expect(yield* b(failureTag(keys.get(made.stored.key_id)))).toBe("NotFound")
        expect(yield* b(failureTag(keys.revoke(made.stored.key_id)))).toBe("NotFound")
        expect(yield* b(keys.list())).toEqual([])
        expect(yield* b(failureTag(memories.get("asst_x", "mem_1")))).toBe("NotFound")
        expect(yield* b(failureTag(memories.softDelete("asst_x", "mem_1", { history_id: "h2" })))).toBe("NotFound")
        expect((yield* b(memories.list("asst_x"))).total_count).toBe(0)

        // The owner still sees everything, untouched.
        expect((yield* a(threads.messages("t1"))).map((m) => m.message_id)).toEqual(["m1"])
        expect((yield* a(assistants.get("asst_x"))).name).toBe("X")
        expect((yield* a(runs.get("run_1"))).status).toBe("in_progress")
        expect((yield* a(keys.get(made.stored.key_id))).revoked_at).toBe(null)
        expect(yield* keys.resolve(made.plaintext)).toEqual({ tenant_id: "tenant-a", key_id: made.stored.key_id })
      }))

    test("a second run on a thread with an active run fails with ThreadBusy; the active run is untouched", () =>
      Effect.gen(function*() {
        const runs = yield* RunStore
        const first = yield* start("run_1", "t1")
        const busy = yield* Effect.flip(start("run_2", "t1"))
        expect(busy._tag).toBe("ThreadBusy")
        expect(busy).toMatchObject({ threadId: "t1", runId: "run_1" })
        expect(yield* runs.get("run_1")).toEqual(first)
        expect(yield* failureTag(runs.get("run_2"))).toBe("NotFound")
        // Started together: exactly one wins.
        const results = yield* Effect.all(
          ["a", "b", "c", "d"].map((x) => Effect.result(start(`run_${x}`, "t2"))),
          { concurrency: "unbounded" }
        )
        expect(results.filter((r) => r._tag === "Success").length).toBe(1)
        expect(results.filter((r) => r._tag === "Failure").map((r) => r._tag === "Failure" && r.failure._tag)).toEqual([
          "ThreadBusy",
          "ThreadBusy",
          "ThreadBusy"
        ])
        expect((yield* runs.listByThread("t2")).length).toBe(1)
      }))

    test("a run pauses, is claimed once with its paused state, finishes; tool outputs for a run not paused are InvalidRequest", () =>
      Effect.gen(function*() {
        const runs = yield* RunStore
        yield* start("run_1", "t1")
        const toolCalls = [{ id: "call_1", type: "function" as const, function: { name: "f", arguments: "{}" } }]
        const paused = { request: { content: "hi" }, messages: [{ role: "user" as const, content: "hi" }], pending: toolCalls, user_message_id: "m1" }
        const pausedRun = yield* runs.pause("run_1", {
          owner: "owner-1",
          tool_calls: toolCalls,
          expires_at: at(86_400),
          paused,
          usage: { input_tokens: 3 },
          warnings: [{ code: "w", message: "m" }]
        })
        expect(pausedRun).toMatchObject({ status: "requires_action", tool_calls: toolCalls, expires_at: at(86_400), paused, owner: null })
        expect(yield* runs.get("run_1")).toEqual(pausedRun)
        expect((yield* Effect.flip(start("run_2", "t1")))._tag).toBe("ThreadBusy")
        const claimed = yield* runs.claim("run_1", "owner-2", at(100))
        expect(claimed.paused).toEqual(paused)
        const running = yield* runs.get("run_1")
        expect(running).toMatchObject({ status: "in_progress", owner: "owner-2", lease_until: at(100) })
        expect(running.paused).toBeUndefined()
        expect(running.tool_calls).toBeUndefined()
        const again = yield* Effect.flip(runs.claim("run_1", "owner-3", at(100)))
        expect(again).toMatchObject({ _tag: "InvalidRequest", field: "run_id" })
        expect(yield* runs.renew("run_1", "owner-1", at(200))).toBe(false)
        expect(yield* runs.renew("run_1", "owner-2", at(200))).toBe(true)
        const done = yield* runs.finish("run_1", { owner: "owner-2", status: "completed", reason: null, usage: { input_tokens: 5 }, warnings: [] })
        expect(done).toMatchObject({ status: "completed", reason: null, owner: null, lease_until: null, usage: { input_tokens: 5 } })
        expect(yield* runs.get("run_1")).toEqual(done)
        yield* start("run_2", "t1")
      }))

    test("sweep at an explicit time expires paused runs and fails runs whose lease lapsed", () =>
      Effect.gen(function*() {
        const runs = yield* RunStore
        yield* start("run_paused", "t1")
        yield* runs.pause("run_paused", {
          owner: "owner-1",
          tool_calls: [],
          expires_at: "2999-01-01T00:00:00.000Z",
          paused: { request: {}, messages: [], pending: [], user_message_id: "m1" },
          usage: {},
          warnings: []
        })
        yield* start("run_lost", "t2", "2999-06-01T00:00:00.000Z")
        yield* start("run_alive", "t3", "3001-01-01T00:00:00.000Z")
        expect(yield* runs.sweep(Date.parse("2998-01-01T00:00:00.000Z"))).toEqual({ expired: [], lost: [] })
        expect(yield* runs.sweep(Date.parse("3000-01-01T00:00:00.000Z"))).toEqual({ expired: ["run_paused"], lost: ["run_lost"] })
        const expired = yield* runs.get("run_paused")
        expect(expired).toMatchObject({ status: "cancelled", reason: "expired" })
        expect(expired.paused).toBeUndefined()
        expect(expired.expires_at).toBeUndefined()
        expect(yield* runs.get("run_lost")).toMatchObject({ status: "failed", reason: "owner lost", owner: null, lease_until: null })
        expect((yield* runs.get("run_alive")).status).toBe("in_progress")
        expect(yield* runs.sweep(Date.parse("3000-01-01T00:00:00.000Z"))).toEqual({ expired: [], lost: [] })
        // The swept threads take a new run.
        yield* start("run_next", "t1")
      }))

    test("cancel ends only a paused run; deleting a thread's runs frees it", () =>
      Effect.gen(function*() {
        const runs = yield* RunStore
        yield* start("run_1", "t1")
        expect((yield* runs.cancel("run_1")).status).toBe("in_progress")
        yield* runs.pause("run_1", {
          owner: "owner-1",
          tool_calls: [],
          expires_at: "2999-01-01T00:00:00.000Z",
          paused: { request: {}, messages: [], pending: [], user_message_id: "m1" },
          usage: {},
          warnings: []
        })
        expect(yield* runs.cancel("run_1")).toMatchObject({ status: "cancelled", reason: "cancelled by the caller" })
        yield* start("run_2", "t1")
        yield* runs.deleteByThread("t1")
        expect(yield* runs.listByThread("t1")).toEqual([])
        yield* start("run_3", "t1")
      }))

    test("each tenant has asst_default, updatable but not deletable; assistants page by skip and limit", () =>
      Effect.gen(function*() {
        const assistants = yield* AssistantStore
        expect((yield* assistants.get(DEFAULT_ASSISTANT_ID)).memory).toBe("off")
        yield* assistants.create(makeAssistant("asst_1", { name: "One", memory: "Auto" }, 0))
        yield* assistants.create(makeAssistant("asst_2", { name: "Two" }, 0))
        expect((yield* assistants.list()).map((a) => a.assistant_id)).toEqual([DEFAULT_ASSISTANT_ID, "asst_1", "asst_2"])
        expect((yield* assistants.list({ skip: 1, limit: 1 })).map((a) => a.assistant_id)).toEqual(["asst_1"])
        const updated = yield* assistants.update(DEFAULT_ASSISTANT_ID, { system_prompt: "Be brief." })
        expect(yield* assistants.get(DEFAULT_ASSISTANT_ID)).toEqual(updated)
        expect(updated.system_prompt).toBe("Be brief.")
        expect(yield* Effect.flip(assistants.delete(DEFAULT_ASSISTANT_ID))).toMatchObject({ _tag: "InvalidRequest", field: "assistant_id" })
        yield* assistants.delete("asst_1")
        expect(yield* failureTag(assistants.get("asst_1"))).toBe("NotFound")
        expect(yield* failureTag(assistants.delete("asst_1"))).toBe("NotFound")
      }))

    test("API keys resolve by their plaintext until revoked; only the hash is stored", () =>
      Effect.gen(function*() {
        const keys = yield* KeyStore
        const made = makeKey("default", "ci", 0)
        const listed = yield* keys.insert(made.stored)
        expect(listed).not.toHaveProperty("hash")
        expect(yield* keys.resolve(made.plaintext)).toEqual({ tenant_id: "default", key_id: made.stored.key_id })
        expect(yield* keys.list()).toEqual([listed])
        const revoked = yield* keys.revoke(made.stored.key_id)
        expect(revoked.revoked_at).not.toBe(null)
        const missing = yield* Effect.flip(keys.resolve(made.plaintext))
        expect(missing).toMatchObject({ _tag: "NotFound", kind: "key", id: "(presented key)" })
      }))

    test("memories keep every change as history, soft delete and restore, page by page and page_size", () =>
      Effect.gen(function*() {
        const memories = yield* MemoryStore
        yield* memories.put("asst_1", memory("mem_1", "likes tea"), { history_id: "h1", operation_id: "op_1" })
        yield* memories.put("asst_1", memory("mem_2", "lives in Oslo", "user-2"), { history_id: "h2" })
        yield* memories.put("asst_1", memory("mem_1", "likes green tea"), { history_id: "h3" })
        yield* memories.softDelete("asst_1", "mem_1", { history_id: "h4" })
        expect((yield* memories.list("asst_1")).memories.map((m) => m.id)).toEqual(["mem_2"])
        const all = yield* memories.list("asst_1", { include_deleted: true, page: 2, page_size: 1 })
        expect(all).toMatchObject({ total_count: 2, page: 2, page_size: 1, total_pages: 2 })
        expect(all.memories.map((m) => m.id)).toEqual(["mem_2"])
        expect((yield* memories.list("asst_1", { memory_scope: "user-2" })).memories.map((m) => m.id)).toEqual(["mem_2"])
        const restored = yield* memories.restore("asst_1", "mem_1", { history_id: "h5" })
        expect(restored.deleted_at).toBeUndefined()
        const history = yield* memories.history("asst_1", "mem_1")
        expect(history.map((h) => [h.id, h.event, h.old_content, h.new_content, h.operation_id])).toEqual([
          ["h1", "ADD", null, "likes tea", "op_1"],
          ["h3", "UPDATE", "likes tea", "likes green tea", null],
          ["h4", "DELETE", "likes green tea", null, null],
          ["h5", "RESTORE", null, "likes green tea", null]
        ])
        expect(yield* failureTag(memories.get("asst_2", "mem_1"))).toBe("NotFound")
        const operation = {
          operation_id: "op_1",
          assistant_id: "asst_1",
          memory_scope: "default",
          status: "IN_PROGRESS" as const,
          error: null,
          raw_output: null,
          events: [],
          created_at: at(0),
          completed_at: null,
          lease_expires_at: at(3600)
        }
        yield* memories.putOperation(operation)
        const completed = {
          ...operation,
          status: "COMPLETED" as const,
          events: [{ memory_id: "mem_1", event: "ADD" as const }],
          completed_at: at(1),
          lease_expires_at: null
        }
        yield* memories.putOperation(completed)
        expect(yield* memories.getOperation("op_1")).toEqual(completed)
        yield* memories.deleteByAssistant("asst_1")
        expect(yield* failureTag(memories.get("asst_1", "mem_2"))).toBe("NotFound")
        expect(yield* failureTag(memories.getOperation("op_1"))).toBe("NotFound")
      }))

    memorySearchSpecs(test)
  })
}

const memory = (id: string, content: string, scope = "default") => ({
  id,
  content,
  memory_scope: scope,
  metadata: {},
  created_at: at(0),
  updated_at: at(0)
})
