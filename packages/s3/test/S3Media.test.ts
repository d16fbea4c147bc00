/**
 * `s3({ bucket })` as Patchbay's media backend, against an S3-compatible server started from npm
 * on a loopback port for this file (never a remote service): documents written, read, listed,
 * served and deleted through the facade and the `MediaStore` service; a restarted runtime, a
 * second one and another Node process ("process B") serve what the first wrote; ranges travel as ranged reads; prefixes
 * keep stores apart; a missing bucket, refused credentials and an unreachable endpoint are
 * `StoreUnavailable` naming what to fix, with no credential in their text.
 */
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3"
import {
  createPatchbay,
  CurrentTenant,
  MediaStore,
  type MediaStoreShape,
  NotFound,
  type Patchbay,
  StoreUnavailable
} from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeTts } from "@patchbay/core/testing"
import { Effect, ManagedRuntime } from "effect"
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { fileURLToPath } from "node:url"
import { inspect, promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { s3, type S3MediaOptions } from "../src/index.ts"
import { closedPort, type Running, S3RVER_CREDENTIALS, startRecordingProxy, startS3rver } from "./support/servers.ts"

const SECRET = "s3-media-test-secret-5b9e2c71"
const BUCKET = "patchbay-media"
const tts = { provider: "fake", model: "fake-tts", voice: "ada" } as const

let server: Running
let endpoint: string
/** Checks every signature: for the credential tests (see `startS3rver`). */
let strict: Running

beforeAll(async () => {
  // The SDK's default chain reads these; s3rver accepts exactly these.
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey
  // Nothing of the machine's own AWS set-up takes part.
  for (const name of ["AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"]) delete process.env[name]
  process.env.AWS_CONFIG_FILE = "/nonexistent/patchbay-test/aws-config"
  process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/patchbay-test/aws-credentials"
  server = await startS3rver([BUCKET], { lenient: true })
  endpoint = server.endpoint
  strict = await startS3rver([BUCKET], { lenient: false })
})

afterAll(async () => {
  await Promise.all([server.close(), strict.close()])
})

const storeOptions = (options: Partial<S3MediaOptions> = {}): S3MediaOptions => ({
  bucket: BUCKET,
  endpoint,
  forcePathStyle: true,
  region: "us-east-1",
  ...options
})

/** A Patchbay whose spoken replies go to the bucket. */
const open = (options: Partial<S3MediaOptions> = {}): Patchbay =>
  createPatchbay({
    providers: [fakeProvider({ id: "fake", llm: FakeLlm({ reply: "Hello from the bucket." }), tts: FakeTts() })],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    media: { store: s3(storeOptions(options)), secret: SECRET, baseUrl: "https://media.example.test" }
  })

/** Speaks one reply; its stored audio. */
const speak = async (pb: Patchbay, threadId?: string) => {
  const response = await pb.addMessage({ content: "Say something.", voice: { tts }, ...(threadId === undefined ? {} : { threadId }) })
  const tts_ = response.messages.at(-1)?.voice_records?.tts
  if (tts_ === undefined) throw new Error("no speech in the reply")
  return { threadId: response.thread_id, documentId: tts_.document_id, url: tts_.audio_url }
}

/** Every key in the bucket under `prefix`, sorted. */
const keysIn = async (prefix = ""): Promise<Array<string>> => {
  const client = new S3Client({ endpoint, forcePathStyle: true, region: "us-east-1", credentials: S3RVER_CREDENTIALS })
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))
    return (page.Contents ?? []).map((object) => object.Key ?? "").sort()
  } finally {
    client.destroy()
  }
}

const bodyOf = async (response: Response) => new Uint8Array(await response.arrayBuffer())

/** The rejection of `promise` (fails the test when it resolves). */
const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected a rejection")
}

/** A `MediaStore` over the bucket, in a runtime of its own. */
const storeRuntime = (options: Partial<S3MediaOptions> = {}) =>
  ManagedRuntime.make(MediaStore.layerSource(s3(storeOptions(options)), { secret: SECRET }))

const inStore = <A, E>(
  runtime: ManagedRuntime.ManagedRuntime<MediaStore, unknown>,
  f: (store: MediaStoreShape) => Effect.Effect<A, E>,
  tenant = "default"
) => runtime.runPromise(MediaStore.use(f).pipe(Effect.provideService(CurrentTenant, tenant)))

describe("media through the facade", () => {
  it("a spoken reply's audio is written to the bucket, read by id and URL, served, and deleted with its thread", async () => {
    const pb = open({ prefix: "facade/" })
    const spoken = await speak(pb)
    expect(await keysIn("facade/")).toEqual([`facade/${spoken.documentId}`, `facade/${spoken.documentId}.json`])

    const byId = await pb.media.get(spoken.documentId)
    expect(byId.media_type).toBe("audio/mpeg")
    expect(byId.bytes.byteLength).toBeGreaterThan(0)
    expect(await pb.media.get(spoken.url)).toEqual(byId)

    const served = await pb.media.handler(new Request(spoken.url))
    expect(served.status).toBe(200)
    expect(served.headers.get("content-type")).toBe("audio/mpeg")
    expect(served.headers.get("content-length")).toBe(String(byId.bytes.byteLength))
    expect(served.headers.get("accept-ranges")).toBe("bytes")
    expect(await bodyOf(served)).toEqual(byId.bytes)
    const head = await pb.media.handler(new Request(spoken.url, { method: "HEAD" }))
    expect(head.status).toBe(200)
    expect(head.headers.get("content-length")).toBe(String(byId.bytes.byteLength))

    // Deleting the thread lists its media in the bucket and deletes both objects of each.
    const second = await speak(pb, spoken.threadId)
    await pb.threads.delete(spoken.threadId)
    expect(await keysIn("facade/")).toEqual([])
    expect(await rejectionOf(pb.media.get(spoken.documentId))).toBeInstanceOf(NotFound)
    expect(await rejectionOf(pb.media.get(second.url))).toBeInstanceOf(NotFound)
    expect((await pb.media.handler(new Request(spoken.url))).status).toBe(404)
    await pb.dispose()
  })

  it("a restarted runtime still serves the URLs and ids of the one before", async () => {
    const first = open({ prefix: "restart/" })
    const spoken = await speak(first)
    const bytes = (await first.media.get(spoken.documentId)).bytes
    await first.dispose()

    const second = open({ prefix: "restart/" })
    expect((await second.media.get(spoken.documentId)).bytes).toEqual(bytes)
    const served = await second.media.handler(new Request(spoken.url))
    expect(served.status).toBe(200)
    expect(await bodyOf(served)).toEqual(bytes)
    await second.dispose()
  })

  it("a second runtime on the same bucket and media secret (process B) serves what A wrote, ranges too", async () => {
    const a = open({ prefix: "shared/" })
    const b = open({ prefix: "shared/" })
    const spoken = await speak(a)
    const bytes = (await a.media.get(spoken.documentId)).bytes

    const whole = await b.media.handler(new Request(spoken.url))
    expect(whole.status).toBe(200)
    expect(await bodyOf(whole)).toEqual(bytes)
    const ranged = await b.media.handler(new Request(spoken.url, { headers: { range: "bytes=10-19" } }))
    expect(ranged.status).toBe(206)
    expect(ranged.headers.get("content-range")).toBe(`bytes 10-19/${bytes.byteLength}`)
    expect(await bodyOf(ranged)).toEqual(bytes.slice(10, 20))
    expect((await b.media.get(spoken.documentId)).bytes).toEqual(bytes)
    await Promise.all([a.dispose(), b.dispose()])
  })

  it("another Node process on the same bucket and media secret serves what this one wrote", async () => {
    const a = open({ prefix: "processes/" })
    const spoken = await speak(a)
    const bytes = (await a.media.get(spoken.documentId)).bytes
    const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(new URL("./support/processB.ts", import.meta.url))], {
      env: { ...process.env, B_BUCKET: BUCKET, B_PREFIX: "processes/", B_ENDPOINT: endpoint, B_SECRET: SECRET, B_URL: spoken.url }
    })
    expect(JSON.parse(stdout)).toEqual({
      status: 200,
      size: bytes.byteLength,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      rangeStatus: 206,
      contentRange: `bytes 4-11/${bytes.byteLength}`,
      range: [...bytes.slice(4, 12)]
    })
    await a.dispose()
  })
})

describe("the MediaStore service over the bucket", () => {
  it("put, get, head, list (by tenant, thread and assistant, paged), remove and remove by thread or assistant", async () => {
    const runtime = storeRuntime({ prefix: "service/" })
    const one = await inStore(runtime, (store) => store.put({ bytes: new Uint8Array([1, 2, 3]), media_type: "audio/mpeg", thread_id: "thread_1", assistant_id: "asst_1" }))
    const two = await inStore(runtime, (store) => store.put({ bytes: new Uint8Array([4]), media_type: "image/png", thread_id: "thread_2", assistant_id: "asst_1" }))
    const three = await inStore(runtime, (store) => store.put({ bytes: new Uint8Array([5, 6]), media_type: "audio/wav", thread_id: "thread_2" }))
    const theirs = await inStore(runtime, (store) => store.put({ bytes: new Uint8Array([9]), media_type: "audio/mpeg", thread_id: "thread_1" }), "tenant_b")

    expect(one).toEqual({
      document_id: one.document_id,
      tenant_id: "default",
      media_type: "audio/mpeg",
      size: 3,
      thread_id: "thread_1",
      assistant_id: "asst_1",
      created_at: one.created_at
    })
    expect(await inStore(runtime, (store) => store.get(one.document_id))).toEqual({ bytes: new Uint8Array([1, 2, 3]), media_type: "audio/mpeg", thread_id: "thread_1" })
    expect(await inStore(runtime, (store) => store.head(two.document_id))).toEqual(two)

    const ids = (docs: ReadonlyArray<{ readonly document_id: string }>) => docs.map((doc) => doc.document_id).sort()
    expect(ids(await inStore(runtime, (store) => store.list()))).toEqual(ids([one, two, three]))
    expect(ids(await inStore(runtime, (store) => store.list({ thread_id: "thread_2" })))).toEqual(ids([two, three]))
    expect(ids(await inStore(runtime, (store) => store.list({ assistant_id: "asst_1" })))).toEqual(ids([one, two]))
    expect(await inStore(runtime, (store) => store.list({ limit: 2 }))).toHaveLength(2)
    expect(ids(await inStore(runtime, (store) => store.list(), "tenant_b"))).toEqual([theirs.document_id])

    // Another tenant's document answers as an unknown one, and removing it does nothing.
    expect(await inStore(runtime, (store) => Effect.flip(store.get(theirs.document_id)))).toEqual(new NotFound({ kind: "document", id: theirs.document_id }))
    await inStore(runtime, (store) => store.remove(theirs.document_id))
    expect(await inStore(runtime, (store) => store.head(theirs.document_id), "tenant_b")).toEqual(theirs)

    await inStore(runtime, (store) => store.remove(one.document_id))
    await inStore(runtime, (store) => store.remove(one.document_id))
    expect(ids(await inStore(runtime, (store) => store.list()))).toEqual(ids([two, three]))
    await inStore(runtime, (store) => store.removeByAssistant("asst_1"))
    expect(ids(await inStore(runtime, (store) => store.list()))).toEqual([three.document_id])
    await inStore(runtime, (store) => store.removeByThread("thread_2"))
    expect(await inStore(runtime, (store) => store.list())).toEqual([])
    expect(await keysIn("service/")).toEqual([`service/${theirs.document_id}`, `service/${theirs.document_id}.json`])
    await runtime.dispose()
  })

  it("a Range is one ranged read of the bucket: only the asked bytes travel, exactly", async () => {
    const proxy = await startRecordingProxy(endpoint)
    const runtime = storeRuntime({ prefix: "range/", endpoint: proxy.endpoint })
    const bytes = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 31 + 7) % 251)
    const { document_id: id } = await inStore(runtime, (store) => store.put({ bytes, media_type: "audio/mpeg" }))
    const url = await inStore(runtime, (store) => store.url(id))
    const serve = (range?: string) =>
      inStore(runtime, (store) => Effect.promise(() => store.handler(new Request(`http://localhost${url}`, range === undefined ? {} : { headers: { range } }))))

    const cases: ReadonlyArray<readonly [string, number, number]> = [
      ["bytes=0-99", 0, 99],
      ["bytes=1000-1999", 1000, 1999],
      ["bytes=1048000-", 1048000, 1048575],
      ["bytes=-576", 1048000, 1048575],
      ["bytes=1048570-2000000", 1048570, 1048575]
    ]
    for (const [range, start, end] of cases) {
      proxy.forwarded.length = 0
      const response = await serve(range)
      expect([range, response.status]).toEqual([range, 206])
      expect(response.headers.get("content-range")).toBe(`bytes ${start}-${end}/${bytes.byteLength}`)
      expect(response.headers.get("content-length")).toBe(String(end - start + 1))
      expect(await bodyOf(response)).toEqual(bytes.slice(start, end + 1))
      // The metadata, then the bytes: a ranged GET bringing back just the range.
      expect(proxy.forwarded.map((f) => [f.method, f.path, f.range, f.status, f.path.endsWith(".json") ? "meta" : f.bytes])).toEqual([
        ["GET", `/${BUCKET}/range/${id}.json`, undefined, 200, "meta"],
        ["GET", `/${BUCKET}/range/${id}`, `bytes=${start}-${end}`, 206, end - start + 1]
      ])
    }

    proxy.forwarded.length = 0
    const past = await serve("bytes=1048576-")
    expect(past.status).toBe(416)
    expect(past.headers.get("content-range")).toBe(`bytes */${bytes.byteLength}`)
    expect(proxy.forwarded.map((f) => f.path)).toEqual([`/${BUCKET}/range/${id}.json`])

    const whole = await serve()
    expect(whole.status).toBe(200)
    expect(await bodyOf(whole)).toEqual(bytes)
    await runtime.dispose()
    await proxy.close()
  })

  it("prefixes keep stores on one bucket apart", async () => {
    const a = storeRuntime({ prefix: "tenant-a/" })
    const b = storeRuntime({ prefix: "tenant-b/" })
    const root = storeRuntime()
    const mine = await inStore(a, (store) => store.put({ bytes: new Uint8Array([1]), media_type: "audio/mpeg" }))
    const url = await inStore(a, (store) => store.url(mine.document_id))

    expect((await inStore(a, (store) => store.list())).map((doc) => doc.document_id)).toEqual([mine.document_id])
    expect(await inStore(b, (store) => store.list())).toEqual([])
    expect(await inStore(root, (store) => store.list())).toEqual([])
    expect(await inStore(b, (store) => Effect.flip(store.get(mine.document_id)))).toEqual(new NotFound({ kind: "document", id: mine.document_id }))
    // Same secret, so B's handler accepts the URL — and finds no such document under its prefix.
    const served = await inStore(b, (store) => Effect.promise(() => store.handler(new Request(`http://localhost${url}`))))
    expect(served.status).toBe(404)
    await inStore(b, (store) => store.removeByThread("x"))
    expect(await keysIn("tenant-a/")).toEqual([`tenant-a/${mine.document_id}`, `tenant-a/${mine.document_id}.json`])
    await Promise.all([a.dispose(), b.dispose(), root.dispose()])
  })
})

describe("failures name what to fix, never a credential", () => {
  /** The text of an error every way it may be shown: message, JSON, inspection, stack. */
  const allText = (error: unknown) =>
    [String(error), JSON.stringify(error), inspect(error, { depth: 10 }), error instanceof Error ? error.stack ?? "" : ""].join("\n")

  /** Runs `f` with other credentials in the environment, restoring s3rver's after. */
  const withCredentials = async <A>(accessKeyId: string, secretAccessKey: string, f: () => Promise<A>): Promise<A> => {
    process.env.AWS_ACCESS_KEY_ID = accessKeyId
    process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey
    try {
      return await f()
    } finally {
      process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId
      process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey
    }
  }

  it("a missing bucket", async () => {
    const pb = open({ bucket: "no-such-bucket" })
    const error = await rejectionOf(pb.media.get("doc_AAAAAAAAAAAAAAAAAAAAAAAA"))
    expect(error).toBeInstanceOf(StoreUnavailable)
    expect(error).toMatchObject({ store: "s3://no-such-bucket/", retryable: false, status: 404 })
    expect((error as StoreUnavailable).message).toBe(
      `Store unavailable (s3://no-such-bucket/): bucket "no-such-bucket" does not exist at ${endpoint}: create it, or fix \`bucket\` (and \`endpoint\` / \`region\`)`
    )
    // The handler cannot open the store either: the facade's handler rejects the same way.
    expect(await rejectionOf(pb.media.handler(new Request("https://media.example.test/media/x")))).toBeInstanceOf(StoreUnavailable)
    await pb.dispose()
  })

  it("an unknown access key and a wrong secret key are refused access, and neither appears anywhere", async () => {
    // The strict server accepts the right credentials: opening, writing and reading work there.
    const right = storeRuntime({ endpoint: strict.endpoint, prefix: "strict/" })
    const put = await inStore(right, (store) => store.put({ bytes: new Uint8Array([7, 8]), media_type: "audio/mpeg" }))
    expect((await inStore(right, (store) => store.get(put.document_id))).bytes).toEqual(new Uint8Array([7, 8]))
    await right.dispose()

    for (const [accessKeyId, secretAccessKey, name] of [
      ["AKIAUNKNOWNKEY7F3Q2Z", "unknown-secret-key-8d1f0b6e2a", "InvalidAccessKeyId"],
      [S3RVER_CREDENTIALS.accessKeyId, "wrong-secret-key-4c9a7e1d05", "SignatureDoesNotMatch"]
    ] as const) {
      const error = await withCredentials(accessKeyId, secretAccessKey, async () => {
        const pb = open({ endpoint: strict.endpoint })
        const rejected = await rejectionOf(pb.media.get("doc_AAAAAAAAAAAAAAAAAAAAAAAA"))
        await pb.dispose()
        return rejected
      })
      expect(error).toBeInstanceOf(StoreUnavailable)
      expect(error).toMatchObject({ store: `s3://${BUCKET}/`, retryable: false, status: 403 })
      expect((error as StoreUnavailable).detail).toBe(
        `${strict.endpoint} refused access to bucket "${BUCKET}" (${name}) while trying to check the bucket: check the credentials ` +
          "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the SDK's default chain: AWS_PROFILE, ~/.aws) " +
          "and that they may read, write, list and delete in the bucket"
      )
      const text = allText(error)
      expect(text).not.toContain(secretAccessKey)
      if (accessKeyId !== S3RVER_CREDENTIALS.accessKeyId) expect(text).not.toContain(accessKeyId)
    }
  })

  it("an endpoint where nothing listens", async () => {
    const port = await closedPort()
    const pb = open({ endpoint: `http://127.0.0.1:${port}` })
    const error = await rejectionOf(pb.media.get("doc_AAAAAAAAAAAAAAAAAAAAAAAA"))
    expect(error).toBeInstanceOf(StoreUnavailable)
    expect(error).toMatchObject({ store: `s3://${BUCKET}/`, retryable: true })
    expect((error as StoreUnavailable).detail).toBe(
      `cannot reach http://127.0.0.1:${port} (ECONNREFUSED): check \`endpoint\`, that the server is running and reachable, and retry`
    )
    expect(allText(error)).not.toContain(S3RVER_CREDENTIALS.secretAccessKey)
    await pb.dispose()
  })

  it("settings that cannot work: no region, an endpoint that is not a URL, no bucket", async () => {
    const detailOf = async (options: Partial<S3MediaOptions>) => {
      const pb = createPatchbay({ providers: [], media: { store: s3({ ...storeOptions(), ...options }), secret: SECRET } })
      const error = await rejectionOf(pb.media.get("doc_AAAAAAAAAAAAAAAAAAAAAAAA"))
      await pb.dispose()
      expect(error).toBeInstanceOf(StoreUnavailable)
      expect(error).toMatchObject({ retryable: false })
      return (error as StoreUnavailable).detail
    }
    expect(await detailOf({ region: undefined })).toBe("no S3 region is set: pass `region` to s3(...), or set AWS_REGION")
    expect(await detailOf({ endpoint: "127.0.0.1 port 9000" })).toBe(
      "`endpoint` is not a URL: pass the server's address, e.g. http://127.0.0.1:9000"
    )
    expect(await detailOf({ bucket: "" })).toBe("no bucket was given: pass `bucket` to s3(...)")
  })

  it("an endpoint that goes away after opening: reads reject with the same StoreUnavailable, the handler answers 503", async () => {
    const proxy = await startRecordingProxy(endpoint)
    const pb = open({ prefix: "away/", endpoint: proxy.endpoint })
    const spoken = await speak(pb)
    await proxy.close()
    const error = await rejectionOf(pb.media.get(spoken.documentId))
    expect(error).toBeInstanceOf(StoreUnavailable)
    expect(error).toMatchObject({ store: `s3://${BUCKET}/away/`, retryable: true })
    expect((error as StoreUnavailable).detail).toMatch(
      new RegExp(`^cannot reach ${proxy.endpoint.replaceAll(".", "\\.")} \\((ECONNREFUSED|ECONNRESET|EPIPE)\\): check \`endpoint\`, that the server is running and reachable, and retry$`)
    )
    expect((await pb.media.handler(new Request(spoken.url))).status).toBe(503)
    await pb.dispose()
  })
})
