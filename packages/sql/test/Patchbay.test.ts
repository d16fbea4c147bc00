/**
 * `createPatchbay({ stores: sqlite({ filename }) })` end to end: a conversation, a run paused
 * for tool outputs and the produced media outlive the runtime that made them — a new runtime on
 * the same file reads the thread, resumes the run and serves the media, to its tenant only.
 */
import { createPatchbay, CurrentTenant, type LlmEvent, type LlmRequest, type MediaBackend, MediaStore, memoryBackend, Stores } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeTts } from "@patchbay/core/testing"
import { ConfigProvider, Effect, Layer } from "effect"
import { createHmac } from "node:crypto"
import { mkdtempSync, readdirSync } from "node:fs"
import { DatabaseSync } from "node:sqlite"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest"
import { postgres, sqlite } from "../src/index.ts"
import { freshPostgresDatabase, postgresSkipReason } from "./support/postgres.ts"

const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } } as const
const callWeather: LlmEvent = { type: "tool_call", tool_call: { id: "call_w", type: "function", function: { name: "get_weather", arguments: "{}" } } }
/** Calls the weather tool when it is offered and has no result yet; else answers. */
const reply = (request: LlmRequest): string | ReadonlyArray<LlmEvent> =>
  (request.tools ?? []).length > 0 && request.messages.at(-1)?.role !== "tool" ? [callWeather] : "Sunny."

const open = (filename: string) =>
  createPatchbay({
    providers: [fakeProvider({ id: "fake", llm: FakeLlm({ reply }) })],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    stores: sqlite({ filename })
  })

it("a thread and a paused run survive the runtime: a new one on the same file reads and resumes them", async () => {
  const filename = join(mkdtempSync(join(tmpdir(), "patchbay-facade-")), "patchbay.db")
  const first = open(filename)
  const thread = await first.createThread()
  const answered = await first.sendMessage("Hello?", { threadId: thread.thread_id })
  expect(answered.content).toBe("Sunny.")
  const paused = await first.sendMessage("Weather?", { threadId: thread.thread_id, tools: [weather] })
  expect(paused.status).toBe("requires_action")
  await first.dispose()

  const second = open(filename)
  const read = await second.threads.get(thread.thread_id)
  expect(read.messages.map((m) => [m.role, m.content])).toEqual([
    ["user", "Hello?"],
    ["assistant", "Sunny."],
    ["user", "Weather?"],
    ["assistant", ""]
  ])
  expect((await second.runs.get(paused.run_id)).status).toBe("requires_action")
  const resumed = await second.submitToolOutputs(paused.run_id, [{ tool_call_id: "call_w", output: "sunny" }])
  expect(resumed.content).toBe("Sunny.")
  expect((await second.runs.get(paused.run_id)).status).toBe("completed")
  await second.dispose()
}, 30_000)

it("media written through the facade is in the SQLite file with its tenant: listed and served after a restart, NotFound to another tenant", async () => {
  const dir = mkdtempSync(join(tmpdir(), "patchbay-facade-media-"))
  const filename = join(dir, "patchbay.db")
  const mediaDir = join(dir, "media")
  const openAs = (tenantId: string) =>
    createPatchbay({
      providers: [fakeProvider({ id: "fake", llm: FakeLlm({ reply: "Hello there." }), tts: FakeTts() })],
      defaults: { llm: { provider: "fake", model: "fake-llm" } },
      stores: sqlite({ filename }),
      media: { dir: mediaDir },
      tenantId
    })
  const voice = { tts: { provider: "fake", model: "fake-tts", voice: "ada" } }

  const first = openAs("acme")
  const spoken = await first.sendMessage("Hi", { voice })
  const tts = spoken.messages.at(-1)?.voice_records?.tts
  const documentId = tts!.document_id
  const bytes = (await first.media.get(documentId)).bytes
  expect(bytes.byteLength).toBeGreaterThan(0)
  await first.dispose()

  // the metadata is a row of the file, with its tenant and thread (the pipeline stores speech by thread)
  const db = new DatabaseSync(filename, { readOnly: true })
  const rows = db.prepare("SELECT tenant_id, document_id, thread_id, assistant_id FROM media").all()
  db.close()
  expect(rows).toEqual([{ tenant_id: "acme", document_id: documentId, thread_id: spoken.thread_id, assistant_id: null }])
  // the bytes are in the media folder
  expect(readdirSync(mediaDir)).toContain(documentId)

  const second = openAs("acme")
  const read = await second.threads.get(spoken.thread_id)
  const url = read.messages.at(-1)?.voice_records?.tts?.audio_url
  expect(url).toMatch(new RegExp(`^/media/${documentId}\\?exp=\\d+&sig=`))
  const served = await second.media.handler(new Request(`http://localhost${url}`))
  expect(served.status).toBe(200)
  expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes)
  expect((await second.media.get(documentId)).bytes).toEqual(bytes)
  await second.dispose()

  // listed, after the restart, for its tenant only
  const list = (tenant: string) =>
    Effect.runPromise(
      MediaStore.use((media) => media.list({ thread_id: spoken.thread_id })).pipe(
        Effect.provideService(CurrentTenant, tenant),
        Effect.provide(Layer.provideMerge(Stores.layerMedia({ dir: mediaDir }), sqlite({ filename })))
      )
    )
  expect((await list("acme")).map((doc) => [doc.document_id, doc.tenant_id, doc.media_type])).toEqual([[documentId, "acme", "audio/mpeg"]])
  expect(await list("other")).toEqual([])

  const other = openAs("other")
  await expect(other.media.get(documentId)).rejects.toMatchObject({ _tag: "NotFound", kind: "document", id: documentId })
  await other.dispose()
}, 30_000)

it("media.store is the bytes' backend, the metadata stays in the SQLite file", async () => {
  const filename = join(mkdtempSync(join(tmpdir(), "patchbay-facade-backend-")), "patchbay.db")
  const inner = memoryBackend()
  const written: Array<string> = []
  const bytes: MediaBackend = { ...inner, write: (meta, data) => Effect.andThen(Effect.sync(() => void written.push(meta.document_id)), inner.write(meta, data)) }
  const pb = createPatchbay({
    providers: [fakeProvider({ id: "fake", llm: FakeLlm({ reply: "Hello there." }), tts: FakeTts() })],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    stores: sqlite({ filename }),
    media: { store: Effect.succeed(bytes) }
  })
  const spoken = await pb.sendMessage("Hi", { voice: { tts: { provider: "fake", model: "fake-tts", voice: "ada" } } })
  const documentId = spoken.messages.at(-1)!.voice_records!.tts!.document_id
  expect(written).toEqual([documentId])
  expect((await pb.media.get(documentId)).bytes.byteLength).toBeGreaterThan(0)
  await pb.dispose()
  const db = new DatabaseSync(filename, { readOnly: true })
  expect(db.prepare("SELECT document_id FROM media").all()).toEqual([{ document_id: documentId }])
  db.close()
}, 30_000)

// Effect reads the environment once per process: these tests give their secret themselves, and
// this file's worker starts with none in the environment.
delete process.env["PATCHBAY_MEDIA_SECRET"]

describe("the media secret", () => {
  const speaker = (stores: Parameters<typeof createPatchbay>[0]["stores"], media: Parameters<typeof createPatchbay>[0]["media"] = {}) =>
    createPatchbay({
      providers: [fakeProvider({ id: "fake", llm: FakeLlm({ reply: "Hello there." }), tts: FakeTts() })],
      defaults: { llm: { provider: "fake", model: "fake-llm" } },
      stores,
      media
    })
  const speak = async (pb: ReturnType<typeof createPatchbay>) => {
    const response = await pb.sendMessage("Hi", { voice: { tts: { provider: "fake", model: "fake-tts", voice: "ada" } } })
    return response.messages.at(-1)!.voice_records!.tts!
  }

  it("SQLite needs none: it signs with the secret it generated and keeps, so a URL verifies after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "patchbay-secret-"))
    const filename = join(dir, "patchbay.db")
    const first = speaker(sqlite({ filename }), { dir: join(dir, "media") })
    const tts = await speak(first)
    await first.dispose()

    const db = new DatabaseSync(filename, { readOnly: true })
    const [row] = db.prepare("SELECT value FROM settings WHERE tenant_id = '*' AND name = 'media_secret'").all() as Array<{ value: string }>
    db.close()
    const url = new URL(tts.audio_url, "http://localhost")
    const exp = url.searchParams.get("exp")!
    expect(url.searchParams.get("sig")).toBe(createHmac("sha256", row!.value).update(`${tts.document_id}.${exp}`).digest("base64url"))

    const second = speaker(sqlite({ filename }), { dir: join(dir, "media") })
    expect((await second.media.handler(new Request(url))).status).toBe(200)
    await second.dispose()
  }, 30_000)

  const skip = postgresSkipReason()
  describe.skipIf(skip !== undefined)(`PostgreSQL${skip === undefined ? "" : ` (skipped: ${skip})`}`, () => {
    it("without PATCHBAY_MEDIA_SECRET or media.secret the instance refuses to start, saying why and what to set", async () => {
      const url = await freshPostgresDatabase(inject("databaseUrl"))
      const pb = speaker(postgres({ url }))
      const error = await pb.createThread().then(() => undefined, (e: unknown) => e)
      expect(error).toMatchObject({ _tag: "MediaSecretRequired", retryable: false })
      const message = (error as Error).message
      expect(message).toContain("every instance sharing this database must verify the media URLs the others sign")
      expect(message).toContain("Set PATCHBAY_MEDIA_SECRET (or createPatchbay's media.secret)")
      const named = new URL(url)
      if (named.password !== "") named.password = "***"
      expect(message).toContain(`A media secret is required with PostgreSQL ${named.toString()}: `)
      await pb.dispose()
    }, 30_000)

    it("with media.secret, or PATCHBAY_MEDIA_SECRET, one instance serves the URLs another signed", async () => {
      const url = await freshPostgresDatabase(inject("databaseUrl"))
      const dir = mkdtempSync(join(tmpdir(), "patchbay-secret-pg-"))
      const a = speaker(postgres({ url }), { dir, secret: "one secret for every instance" })
      const tts = await speak(a)
      const bytes = (await a.media.get(tts.document_id)).bytes
      await a.dispose()

      // another instance, given the secret in its environment, over the same database and folder
      const served = await Effect.runPromise(
        MediaStore.use((media) => Effect.promise(() => media.handler(new Request(new URL(tts.audio_url, "http://localhost"))))).pipe(
          Effect.provide(
            Layer.provideMerge(Stores.layerMedia({ dir }), postgres({ url })).pipe(
              Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ PATCHBAY_MEDIA_SECRET: "one secret for every instance" })))
            )
          )
        )
      )
      expect(served.status).toBe(200)
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes)
    }, 30_000)
  })
})
