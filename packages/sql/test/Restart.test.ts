/**
 * What survives a restart of a SQLite store: close the file and open it again — threads,
 * messages, assistants, runs (a paused run stays resumable), keys, memories, and the media
 * URLs of stored messages (signed with the secret the database keeps).
 */
import { expect, it } from "@effect/vitest"
import {
  AssistantStore,
  DEFAULT_ASSISTANT_ID,
  KeyStore,
  makeAssistant,
  makeKey,
  MediaStore,
  MemoryStore,
  RunStore,
  Stores,
  ThreadStore
} from "@patchbay/core"
import { ConfigProvider, Effect, Layer } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { sqlite } from "../src/index.ts"

const dir = mkdtempSync(join(tmpdir(), "patchbay-restart-"))
/** No PATCHBAY_MEDIA_SECRET, whatever the environment says. */
const noEnvironment = ConfigProvider.layer(ConfigProvider.fromUnknown({}))

it.live("closing and reopening the SQLite file keeps every store's data and the media URLs", () =>
  Effect.gen(function*() {
    const filename = join(dir, "patchbay.db")
    const open = () =>
      Layer.provideMerge(Stores.layerMedia({ dir: join(dir, "media") }), sqlite({ filename })).pipe(Layer.provide(noEnvironment))
    const key = makeKey("default", "ci", 0)
    const toolCalls = [{ id: "call_1", type: "function" as const, function: { name: "f", arguments: "{}" } }]

    const before = yield* Effect.gen(function*() {
      const threads = yield* ThreadStore
      const media = yield* MediaStore
      yield* (yield* AssistantStore).create(makeAssistant("asst_1", { name: "One" }, 0))
      yield* threads.create({ thread_id: "t1", assistant_id: "asst_1", created_at: "2030-01-01T00:00:00.000Z", updated_at: "2030-01-01T00:00:00.000Z" })
      const doc = yield* media.put({ bytes: new Uint8Array([1, 2, 3]), media_type: "audio/mpeg", thread_id: "t1" })
      const url = yield* media.url(doc.document_id)
      yield* threads.save([{
        message_id: "m1",
        thread_id: "t1",
        run_id: "run_1",
        role: "assistant",
        content: url,
        status: "completed",
        created_at: "2030-01-01T00:00:01.000Z"
      }])
      const runs = yield* RunStore
      yield* runs.start({ run_id: "run_1", thread_id: "t1", assistant_id: "asst_1", owner: "o", lease_until: "2999-01-01T00:00:00.000Z" })
      yield* runs.pause("run_1", {
        owner: "o",
        tool_calls: toolCalls,
        expires_at: "2999-01-01T00:00:00.000Z",
        paused: { request: {}, messages: [], pending: toolCalls, user_message_id: "m0" },
        usage: {},
        warnings: []
      })
      yield* (yield* KeyStore).insert(key.stored)
      yield* (yield* MemoryStore).put("asst_1", {
        id: "mem_1",
        content: "likes tea",
        memory_scope: "default",
        metadata: {},
        created_at: "2030-01-01T00:00:00.000Z",
        updated_at: "2030-01-01T00:00:00.000Z"
      }, { history_id: "h1" })
      return { url, documentId: doc.document_id }
    }).pipe(Effect.provide(open()))

    yield* Effect.gen(function*() {
      const threads = yield* ThreadStore
      const media = yield* MediaStore
      const [stored] = yield* threads.messages("t1")
      expect(stored?.content).toBe(before.url)
      expect(yield* media.verify(before.url)).toBe(before.documentId)
      expect(Array.from((yield* media.get(before.documentId)).bytes)).toEqual([1, 2, 3])
      expect((yield* media.list({ thread_id: "t1" })).map((m) => m.document_id)).toEqual([before.documentId])
      expect((yield* threads.get("t1")).assistant_id).toBe("asst_1")
      expect((yield* (yield* AssistantStore).list()).map((a) => a.assistant_id)).toEqual([DEFAULT_ASSISTANT_ID, "asst_1"])
      const resumed = yield* (yield* RunStore).claim("run_1", "another process", "2999-01-01T00:00:00.000Z")
      expect(resumed.tool_calls).toEqual(toolCalls)
      expect(yield* (yield* KeyStore).resolve(key.plaintext)).toEqual({ tenant_id: "default", key_id: key.stored.key_id })
      expect((yield* (yield* MemoryStore).get("asst_1", "mem_1")).content).toBe("likes tea")
    }).pipe(Effect.provide(open()))
  }))
