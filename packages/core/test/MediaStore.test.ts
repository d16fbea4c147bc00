import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Layer, Logger, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { createHmac } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as NodePath from "node:path"
import { execFile } from "node:child_process"
import { inspect, promisify } from "node:util"
import { InvalidRequest, NotFound, StoreUnavailable } from "../src/Errors.ts"
import { isDocumentId, MediaStore, type MediaStoreOptions, type MediaStoreShape, memoryBackend } from "../src/MediaStore.ts"
import { createPatchbay } from "../src/Patchbay.ts"
import { CurrentTenant } from "../src/Tenant.ts"
import * as KeyStores from "../src/KeyStore.ts"
import { KeyStore } from "../src/KeyStore.ts"

const SECRET = "known-test-secret-7f3a9c1e5b2d4086"
const ID = /^doc_[A-Za-z0-9_-]{24}$/
const SIG = /^[A-Za-z0-9_-]{43}$/

const hmac = (secret: string, id: string, exp: number | string) =>
  createHmac("sha256", secret).update(`${id}.${exp}`).digest("base64url")

interface Env {
  /** A fresh temporary directory; the filesystem store lives in `<root>/store`. */
  readonly root: string
  readonly dir: string
}

interface Kind {
  readonly name: string
  readonly layer: (env: Env, options: MediaStoreOptions) => Layer.Layer<MediaStore, unknown>
}

const kinds: ReadonlyArray<Kind> = [
  { name: "memory", layer: (_env, options) => MediaStore.layerMemory(options) },
  { name: "filesystem", layer: (env, options) => MediaStore.layerFileSystem({ dir: env.dir, ...options }) },
  {
    // Like `@patchbay/sql`'s backend over bytes in memory: no `stream`, so the handler reads whole documents.
    name: "backend without stream",
    layer: (_env, options) => {
      const { stream: _stream, ...backend } = memoryBackend()
      return MediaStore.layerBackend(backend, options)
    }
  }
]

const tempRoot = Effect.acquireRelease(
  Effect.sync((): Env => {
    const root = Fs.mkdtempSync(NodePath.join(Os.tmpdir(), "patchbay-media-"))
    return { root, dir: NodePath.join(root, "store") }
  }),
  (env) => Effect.sync(() => Fs.rmSync(env.root, { recursive: true, force: true }))
)

/** Every file and directory under `root`, relative, sorted. */
const listTree = (root: string): Array<string> =>
  (Fs.readdirSync(root, { recursive: true }) as Array<string>).map(String).sort()

interface Captured {
  readonly level: string
  readonly text: string
}

/** A logger that records every log line (message and cause) instead of printing it. */
const captureLogs = () => {
  const lines: Array<Captured> = []
  const logger = Logger.make((options) => {
    lines.push({
      level: options.logLevel,
      text: `${inspect(options.message, { depth: 10 })} ${Cause.pretty(options.cause)}`
    })
  })
  return { lines, layer: Logger.layer([logger]) }
}

const emptyConfig = ConfigProvider.layer(ConfigProvider.fromEnvRecord({}))

/**
 * Runs `f` with a store of the given kind in a fresh temp dir. The config provider is empty (so
 * the machine's environment cannot leak in) unless `config` is given.
 */
const withStore = <A, E>(
  kind: Kind,
  options: MediaStoreOptions,
  f: (store: MediaStoreShape, env: Env) => Effect.Effect<A, E>,
  config: Layer.Layer<never> = emptyConfig
) =>
  Effect.gen(function*() {
    const env = yield* tempRoot
    return yield* Effect.gen(function*() {
      const store = yield* MediaStore
      return yield* f(store, env)
    }).pipe(Effect.provide(kind.layer(env, options)), Effect.provide(config))
  })

const bytesOf = (...values: Array<number>) => new Uint8Array(values)

const call = (store: MediaStoreShape, url: string, init?: RequestInit) =>
  Effect.promise(() => store.handler(new Request(url.startsWith("/") ? `http://localhost${url}` : url, init)))

const body = (response: Response) => Effect.promise(() => response.arrayBuffer().then((b) => new Uint8Array(b)))

const withParam = (url: string, name: string, value: string) => {
  const u = new URL(url, "http://localhost")
  u.searchParams.set(name, value)
  return `${u.pathname}${u.search}`
}

/** Changes one character of a base64url string to a different one. */
const flipChar = (s: string, index: number) => {
  const c = s[index]
  return s.slice(0, index) + (c === "A" ? "B" : "A") + s.slice(index + 1)
}

describe("isDocumentId", () => {
  it("accepts only doc_ + 24 base64url characters", () => {
    expect(isDocumentId("doc_ABCDEFGHIJKLMNOPQRSTUVWX")).toBe(true)
    expect(isDocumentId("doc_abc-_0123456789abcdefghi")).toBe(true)
    for (
      const bad of [
        "",
        "doc_",
        "doc_ABCDEFGHIJKLMNOPQRSTUVW",
        "doc_ABCDEFGHIJKLMNOPQRSTUVWXY",
        "../../etc/passwd",
        "doc_ABCDEFGHIJKLMNOPQRSTUV/.",
        "doc_ABCDEFGHIJKLMNOPQRSTUV..",
        "doc_ABCDEFGHIJKLMNOPQRSTUVW\0",
        "doc_ABCDEFGHIJKLMNOPQRSTU%2f",
        "doc_ABCDEFGHIJKLMNOPQRSTUVWX\n",
        "DOC_ABCDEFGHIJKLMNOPQRSTUVWX"
      ]
    ) expect(isDocumentId(bad)).toBe(false)
    expect(isDocumentId(42)).toBe(false)
  })
})

for (const kind of kinds) {
  describe(`MediaStore (${kind.name})`, () => {
    const opts: MediaStoreOptions = { secret: SECRET }

    it.effect("put/get round trip", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const input = bytesOf(1, 2, 3, 250)
          const stored = yield* store.put({ bytes: input, media_type: "audio/mpeg", thread_id: "thread_1" })
          expect(stored.document_id).toMatch(ID)
          expect(stored).toEqual({
            document_id: stored.document_id,
            tenant_id: "default",
            media_type: "audio/mpeg",
            size: 4,
            thread_id: "thread_1",
            created_at: "1970-01-01T00:00:00.000Z"
          })
          input[0] = 99 // the store keeps its own copy
          const got = yield* store.get(stored.document_id)
          expect(got).toEqual({ bytes: bytesOf(1, 2, 3, 250), media_type: "audio/mpeg", thread_id: "thread_1" })
          expect(yield* store.head(stored.document_id)).toEqual(stored)

          yield* TestClock.adjust("90 seconds")
          const plain = yield* store.put({ bytes: new Uint8Array(0), media_type: "image/png" })
          expect(plain).toEqual({
            document_id: plain.document_id,
            tenant_id: "default",
            media_type: "image/png",
            size: 0,
            created_at: "1970-01-01T00:01:30.000Z"
          })
          expect("thread_id" in plain).toBe(false)
          const gotPlain = yield* store.get(plain.document_id)
          expect(gotPlain).toEqual({ bytes: new Uint8Array(0), media_type: "image/png" })
          expect("thread_id" in gotPlain).toBe(false)
        })))

    it.effect("documents belong to the tenant that stored them: reads, lists and deletes are scoped; a signed URL serves anyway", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const asTenant = (tenant: string) => Effect.provideService(CurrentTenant, tenant)
          const a1 = yield* store.put({ bytes: bytesOf(1), media_type: "audio/mpeg", thread_id: "thr_1" }).pipe(asTenant("a"))
          yield* TestClock.adjust("1 second")
          const a2 = yield* store.put({ bytes: bytesOf(2), media_type: "image/png", thread_id: "thr_2", assistant_id: "asst_x" }).pipe(asTenant("a"))
          const b1 = yield* store.put({ bytes: bytesOf(3), media_type: "image/png", thread_id: "thr_1" }).pipe(asTenant("b"))
          expect([a1.tenant_id, a2.tenant_id, b1.tenant_id]).toEqual(["a", "a", "b"])
          expect((yield* store.list().pipe(asTenant("a"))).map((m) => m.document_id)).toEqual([a1.document_id, a2.document_id])
          expect((yield* store.list({ thread_id: "thr_1" }).pipe(asTenant("a"))).map((m) => m.document_id)).toEqual([a1.document_id])
          expect((yield* store.list({ assistant_id: "asst_x" }).pipe(asTenant("a"))).map((m) => m.document_id)).toEqual([a2.document_id])
          expect((yield* store.list({ skip: 1 }).pipe(asTenant("a"))).map((m) => m.document_id)).toEqual([a2.document_id])
          expect(yield* Effect.flip(store.get(a1.document_id).pipe(asTenant("b")))).toMatchObject({ _tag: "NotFound", kind: "document" })
          expect(yield* Effect.flip(store.head(a1.document_id).pipe(asTenant("b")))).toMatchObject({ _tag: "NotFound", kind: "document" })
          expect(yield* Effect.flip(store.url(a1.document_id).pipe(asTenant("b")))).toMatchObject({ _tag: "NotFound", kind: "document" })
          yield* store.remove(a1.document_id).pipe(asTenant("b"))
          yield* store.removeByThread("thr_1").pipe(asTenant("b"))
          expect((yield* store.get(a1.document_id).pipe(asTenant("a"))).bytes).toEqual(bytesOf(1))
          expect(yield* Effect.flip(store.get(b1.document_id).pipe(asTenant("b")))).toMatchObject({ _tag: "NotFound" })

          const url = yield* store.url(a2.document_id).pipe(asTenant("a"))
          const served = yield* Effect.promise(() => store.handler(new Request(`http://localhost${url}`)))
          expect(served.status).toBe(200)
          yield* store.removeByAssistant("asst_x").pipe(asTenant("a"))
          expect((yield* store.list().pipe(asTenant("a"))).map((m) => m.document_id)).toEqual([a1.document_id])
        })))

    it.effect("put refuses a media type that is not header-safe", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const ok = yield* store.put({ bytes: bytesOf(1), media_type: "audio/ogg; codecs=opus" })
          expect(ok.media_type).toBe("audio/ogg; codecs=opus")
          for (const bad of ["audio/mpeg\r\nset-cookie: a=b", "mpeg", "", "audio/mpeg\0"]) {
            const error = yield* Effect.flip(store.put({ bytes: bytesOf(1), media_type: bad }))
            expect(error).toBeInstanceOf(InvalidRequest)
            expect(error.field).toBe("media_type")
            expect(error.reason).toBe("not a valid media type")
          }
        })))

    it.effect("ids match the pattern and differ", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const ids = new Set<string>()
          for (let i = 0; i < 50; i++) {
            const { document_id } = yield* store.put({ bytes: bytesOf(i), media_type: "audio/wav" })
            expect(document_id).toMatch(ID)
            expect(isDocumentId(document_id)).toBe(true)
            ids.add(document_id)
          }
          expect(ids.size).toBe(50)
        })))

    it.effect("remove deletes a document and is idempotent", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const { document_id } = yield* store.put({ bytes: bytesOf(7), media_type: "audio/wav" })
          yield* store.remove(document_id)
          const error = yield* Effect.flip(store.get(document_id))
          expect(error).toBeInstanceOf(NotFound)
          expect(error).toMatchObject({ _tag: "NotFound", kind: "document", id: document_id })
          expect((yield* Effect.flip(store.head(document_id))).id).toBe(document_id)
          expect((yield* Effect.flip(store.url(document_id)))._tag).toBe("NotFound")
          yield* store.remove(document_id)
          yield* store.remove("doc_ABCDEFGHIJKLMNOPQRSTUVWX")
        })))

    it.effect("url: root-relative format, signed over <id>.<exp>", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const { document_id: id } = yield* store.put({ bytes: bytesOf(1), media_type: "audio/mpeg" })
          const url = yield* store.url(id)
          expect(url).toBe(`/media/${id}?exp=3600&sig=${hmac(SECRET, id, 3600)}`)
          expect(hmac(SECRET, id, 3600)).toMatch(SIG)
          expect(yield* store.url(id, { ttlSeconds: 60 })).toBe(`/media/${id}?exp=60&sig=${hmac(SECRET, id, 60)}`)
          yield* TestClock.adjust("10 seconds")
          expect(yield* store.url(id)).toBe(`/media/${id}?exp=3610&sig=${hmac(SECRET, id, 3610)}`)
        })))

    it.effect("url: with baseUrl (trailing slash ignored) and a store-wide ttl", () =>
      withStore(kind, { secret: Redacted.make(SECRET), baseUrl: "https://media.example.com/api/", ttlSeconds: 120 }, (store) =>
        Effect.gen(function*() {
          const { document_id: id } = yield* store.put({ bytes: bytesOf(1), media_type: "audio/mpeg" })
          const url = yield* store.url(id)
          expect(url).toBe(`https://media.example.com/api/media/${id}?exp=120&sig=${hmac(SECRET, id, 120)}`)
          expect(yield* store.verify(url)).toBe(id)
          const response = yield* call(store, url)
          expect(response.status).toBe(200)
          expect(response.headers.get("cache-control")).toBe("private, max-age=120")
        })))

    it.effect("verify accepts a fresh URL, root-relative or absolute", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const { document_id: id } = yield* store.put({ bytes: bytesOf(1), media_type: "audio/mpeg" })
          const url = yield* store.url(id)
          expect(yield* store.verify(url)).toBe(id)
          expect(yield* store.verify(`https://elsewhere.example/prefix${url}`)).toBe(id)
          yield* TestClock.adjust("3599 seconds")
          expect(yield* store.verify(url)).toBe(id)
        })))

    it.effect("verify refuses tampered, malformed and expired URLs with exact reasons", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const { document_id: id } = yield* store.put({ bytes: bytesOf(1), media_type: "audio/mpeg" })
          const { document_id: other } = yield* store.put({ bytes: bytesOf(2), media_type: "audio/mpeg" })
          const url = yield* store.url(id)
          const sig = new URL(url, "http://localhost").searchParams.get("sig") ?? ""

          const refused = (candidate: string, reason: string) =>
            Effect.gen(function*() {
              const error = yield* Effect.flip(store.verify(candidate))
              expect(error).toBeInstanceOf(InvalidRequest)
              expect(error._tag).toBe("InvalidRequest")
              expect(error.field).toBe("url")
              expect(error.reason).toBe(reason)
              // A refused URL never carries its signature into the error.
              expect(JSON.stringify(error)).not.toContain(sig)
            })

          yield* refused(withParam(url, "sig", flipChar(sig, 0)), "signature does not match")
          yield* refused(withParam(url, "sig", flipChar(sig, 42)), "signature does not match")
          yield* refused(withParam(url, "exp", "3601"), "signature does not match")
          yield* refused(withParam(url, "exp", "999999999"), "signature does not match")
          yield* refused(url.replace(id, other), "signature does not match")
          yield* refused(url.replace(id, flipChar(id, 10)), "signature does not match")
          yield* refused(url.replace(id, `${id}x`), "not a media URL")
          yield* refused(url.replace("/media/", "/files/"), "not a media URL")
          yield* refused(`/media/${id}`, "missing or malformed exp")
          yield* refused(withParam(url, "exp", "-5"), "missing or malformed exp")
          yield* refused(withParam(url, "exp", "1e9"), "missing or malformed exp")
          yield* refused(`${url}&exp=3600`, "missing or malformed exp")
          yield* refused(`/media/${id}?exp=3600`, "missing or malformed sig")
          yield* refused(withParam(url, "sig", sig.slice(1)), "missing or malformed sig")
          yield* refused(`${url}&sig=${sig}`, "missing or malformed sig")
          yield* refused("http://[::1", "not a media URL")

          yield* TestClock.adjust("3600 seconds")
          yield* refused(url, "link expired")
          // An expired link stays expired; a forged later exp fails the signature first.
          yield* refused(withParam(url, "exp", "7200"), "signature does not match")
        })))

    it.effect("handler serves a valid URL with status, headers and bytes", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const { document_id: id } = yield* store.put({ bytes: bytesOf(10, 20, 30), media_type: "audio/mpeg" })
          const url = yield* store.url(id)

          const response = yield* call(store, url)
          expect(response.status).toBe(200)
          expect(response.headers.get("content-type")).toBe("audio/mpeg")
          expect(response.headers.get("content-length")).toBe("3")
          expect(response.headers.get("cache-control")).toBe("private, max-age=3600")
          expect(response.headers.get("x-content-type-options")).toBe("nosniff")
          expect(yield* body(response)).toEqual(bytesOf(10, 20, 30))

          const head = yield* call(store, url, { method: "HEAD" })
          expect(head.status).toBe(200)
          expect(head.headers.get("content-length")).toBe("3")
          expect(head.headers.get("content-type")).toBe("audio/mpeg")
          expect(head.body).toBeNull()

          yield* TestClock.adjust("1000 seconds")
          const later = yield* call(store, url)
          expect(later.status).toBe(200)
          expect(later.headers.get("cache-control")).toBe("private, max-age=2600")
        })))

    it.effect("handler serves one Range with 206 and Content-Range, 416 past the end, and ignores what it may", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const bytes = Uint8Array.from({ length: 10 }, (_, i) => i * 10)
          const { document_id: id } = yield* store.put({ bytes, media_type: "audio/mpeg" })
          const url = yield* store.url(id)
          const ranged = (range: string, headers: Record<string, string> = {}) => call(store, url, { headers: { range, ...headers } })
          const partial = (range: string, start: number, end: number) =>
            Effect.gen(function*() {
              const response = yield* ranged(range)
              expect([range, response.status]).toEqual([range, 206])
              expect(response.headers.get("content-range")).toBe(`bytes ${start}-${end}/10`)
              expect(response.headers.get("content-length")).toBe(String(end - start + 1))
              expect(response.headers.get("content-type")).toBe("audio/mpeg")
              expect(response.headers.get("cache-control")).toBe("private, max-age=3600")
              expect(yield* body(response)).toEqual(bytes.slice(start, end + 1))
            })
          yield* partial("bytes=2-4", 2, 4)
          yield* partial("bytes=0-0", 0, 0)
          yield* partial("bytes=7-", 7, 9)
          yield* partial("bytes=5-100", 5, 9)
          yield* partial("bytes=-3", 7, 9)
          yield* partial("bytes=-30", 0, 9)
          yield* partial("BYTES= 9-9", 9, 9)

          for (const range of ["bytes=10-", "bytes=10-20", "bytes=-0"]) {
            const response = yield* ranged(range)
            expect([range, response.status]).toEqual([range, 416])
            expect(response.headers.get("content-range")).toBe("bytes */10")
          }

          // Several ranges, another unit, malformed or reversed ranges, and conditional ranges: the whole document.
          for (const range of ["bytes=0-1,3-4", "items=0-1", "bytes=a-b", "bytes=4-2", "bytes=-", "bytes=1234567890123456-"]) {
            const response = yield* ranged(range)
            expect([range, response.status]).toEqual([range, 200])
            expect(response.headers.get("content-length")).toBe("10")
            expect(yield* body(response)).toEqual(bytes)
          }
          const conditional = yield* ranged("bytes=2-4", { "if-range": "\"etag\"" })
          expect(conditional.status).toBe(200)
          expect(yield* body(conditional)).toEqual(bytes)

          const whole = yield* call(store, url)
          expect(whole.headers.get("accept-ranges")).toBe("bytes")
          expect(whole.headers.get("content-range")).toBeNull()
          const head = yield* call(store, url, { method: "HEAD", headers: { range: "bytes=2-4" } })
          expect(head.status).toBe(200)
          expect(head.headers.get("content-length")).toBe("10")
          expect(head.headers.get("accept-ranges")).toBe("bytes")
          expect(head.body).toBeNull()

          const { document_id: empty } = yield* store.put({ bytes: new Uint8Array(0), media_type: "audio/mpeg" })
          const emptyUrl = yield* store.url(empty)
          expect((yield* call(store, emptyUrl, { headers: { range: "bytes=0-" } })).status).toBe(416)
          expect((yield* call(store, emptyUrl, { headers: { range: "bytes=-1" } })).status).toBe(416)
          const emptyWhole = yield* call(store, emptyUrl)
          expect(emptyWhole.status).toBe(200)
          expect(emptyWhole.headers.get("content-length")).toBe("0")
          expect(yield* body(emptyWhole)).toEqual(new Uint8Array(0))
        })))

    it.effect("handler answers 404 for a removed document whatever the Range", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const { document_id: id } = yield* store.put({ bytes: bytesOf(1, 2, 3), media_type: "audio/mpeg" })
          const url = yield* store.url(id)
          yield* store.remove(id)
          expect((yield* call(store, url, { headers: { range: "bytes=0-1" } })).status).toBe(404)
          expect((yield* call(store, url, { headers: { range: "bytes=9-" } })).status).toBe(404)
        })))

    it.effect("handler refuses tampered (403), expired (410), unknown (404) and other methods (405)", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const { document_id: id } = yield* store.put({ bytes: bytesOf(1), media_type: "audio/mpeg" })
          const { document_id: gone } = yield* store.put({ bytes: bytesOf(2), media_type: "audio/mpeg" })
          const url = yield* store.url(id)
          const goneUrl = yield* store.url(gone)
          yield* store.remove(gone)
          const sig = new URL(url, "http://localhost").searchParams.get("sig") ?? ""

          const status = (u: string, init?: RequestInit) => Effect.map(call(store, u, init), (r) => r.status)
          expect(yield* status(withParam(url, "sig", flipChar(sig, 3)))).toBe(403)
          expect(yield* status(withParam(url, "exp", "3601"))).toBe(403)
          expect(yield* status(url.replace(id, gone))).toBe(403)
          expect(yield* status(`/media/${id}`)).toBe(403)
          expect(yield* status(goneUrl)).toBe(404)
          expect(yield* status("/other/path")).toBe(404)
          const post = yield* call(store, url, { method: "POST", body: "x" })
          expect(post.status).toBe(405)
          expect(post.headers.get("allow")).toBe("GET, HEAD")
          expect(yield* status(url, { method: "DELETE" })).toBe(405)
          expect((yield* store.get(id)).bytes).toEqual(bytesOf(1))

          yield* TestClock.adjust("3600 seconds")
          expect(yield* status(url)).toBe(410)
          expect(yield* status(goneUrl)).toBe(410)
        })))

    it.effect("path traversal cannot read or write outside the store", () =>
      withStore(kind, opts, (store, env) =>
        Effect.gen(function*() {
          const sentinel = NodePath.join(env.root, "sentinel")
          Fs.writeFileSync(sentinel, "outside")
          Fs.mkdirSync(NodePath.join(env.root, "store"), { recursive: true })
          const { document_id: real } = yield* store.put({ bytes: bytesOf(5), media_type: "text/plain" })
          const before = listTree(env.root)

          const hostile = [
            "../../etc/passwd",
            "../sentinel",
            "..",
            ".",
            "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "..%2fsentinel",
            `${real}/../../sentinel`,
            `${real}/..`,
            `${real}.json`,
            `doc_../../../../sentinelxx`,
            `doc_${"a".repeat(23)}\0`,
            `${real}\0`,
            "doc_/etc/passwd/aaaaaaaaaaaaa",
            "/etc/passwd",
            ""
          ]
          for (const id of hostile) {
            const getError = yield* Effect.flip(store.get(id))
            expect(getError).toMatchObject({ _tag: "NotFound", kind: "document", id })
            expect((yield* Effect.flip(store.head(id)))._tag).toBe("NotFound")
            expect((yield* Effect.flip(store.url(id)))._tag).toBe("NotFound")
            yield* store.remove(id)

            // Even a correctly signed link (the secret is known here) for a hostile id is refused.
            const exp = "3600"
            const forged = `?exp=${exp}&sig=${hmac(SECRET, id, exp)}`
            const encoded = yield* call(store, `/media/${encodeURIComponent(id)}${forged}`)
            // `/media/..` is a dot segment the URL parser removes: the path is no longer a media path.
            expect(encoded.status).toBe(id === ".." ? 404 : 403)
            const rawPath = `http://localhost/media/${id.replaceAll("\0", "%00")}${forged}`
            const raw = yield* call(store, rawPath)
            expect([403, 404]).toContain(raw.status)
            expect((yield* Effect.flip(store.verify(rawPath)))._tag).toBe("InvalidRequest")
          }
          for (
            const path of [
              "/media/../../sentinel",
              "/media/%2e%2e/%2e%2e/sentinel",
              "/media/..%2f..%2fsentinel",
              "/media/%2e%2e%2f%2e%2e%2fsentinel",
              "/media/%2E%2E%2Fsentinel",
              "/media/..%5c..%5csentinel"
            ]
          ) {
            const response = yield* call(store, `${path}?exp=3600&sig=${hmac(SECRET, "../../sentinel", 3600)}`)
            expect([403, 404]).toContain(response.status)
            expect(new TextDecoder().decode(yield* body(response))).not.toContain("outside")
          }

          expect(Fs.readFileSync(sentinel, "utf8")).toBe("outside")
          expect(listTree(env.root)).toEqual(before)
          expect((yield* store.get(real)).bytes).toEqual(bytesOf(5))
        })))

    it.effect("the secret appears in no serialized error and no log", () =>
      Effect.gen(function*() {
        const logs = captureLogs()
        const errors: Array<unknown> = []
        yield* withStore(kind, { secret: Redacted.make(SECRET) }, (store) =>
          Effect.gen(function*() {
            const { document_id: id } = yield* store.put({ bytes: bytesOf(1), media_type: "audio/mpeg" })
            const url = yield* store.url(id)
            errors.push(yield* Effect.flip(store.verify(withParam(url, "sig", flipChar(url.slice(-43), 0)))))
            errors.push(yield* Effect.flip(store.verify("not a url at all")))
            errors.push(yield* Effect.flip(store.get("../secret")))
            errors.push(yield* Effect.flip(store.url("doc_missingmissingmissing00")))
            errors.push(yield* Effect.flip(store.put({ bytes: bytesOf(1), media_type: "bad" })))
            yield* TestClock.adjust("2 hours")
            errors.push(yield* Effect.flip(store.verify(url)))
            const refused = yield* call(store, url)
            expect(new TextDecoder().decode(yield* body(refused))).not.toContain(SECRET)
            yield* Effect.logError("a failure", Cause.fail(errors[0]))
          })).pipe(Effect.provide(logs.layer))
        expect(errors).toHaveLength(6)
        for (const error of errors) {
          expect(JSON.stringify(error)).not.toContain(SECRET)
          expect(String(error)).not.toContain(SECRET)
          expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(SECRET)
          expect((error as Error).message).not.toContain(SECRET)
        }
        expect(logs.lines.length).toBeGreaterThan(0)
        for (const line of logs.lines) expect(line.text).not.toContain(SECRET)
        expect(logs.lines.filter((l) => l.level === "Warn")).toEqual([])
      }))

    it.effect("a missing PATCHBAY_MEDIA_SECRET produces exactly one warning, to the installed logger", () =>
      Effect.gen(function*() {
        delete (globalThis as { [key: symbol]: unknown })[Symbol.for("@patchbay/core/MediaStore/noSecretWarned")] // as in a fresh process
        const logs = captureLogs()
        yield* withStore(kind, {}, () => Effect.void).pipe(Effect.provide(logs.layer)) // a second store: no second warning
        yield* withStore(kind, {}, (store) =>
          Effect.gen(function*() {
            const { document_id: id } = yield* store.put({ bytes: bytesOf(1), media_type: "audio/mpeg" })
            const url = yield* store.url(id)
            expect(url).toMatch(new RegExp(`^/media/${id}\\?exp=3600&sig=[A-Za-z0-9_-]{43}$`))
            yield* store.url(id)
            expect(yield* store.verify(url)).toBe(id)
            expect((yield* call(store, url)).status).toBe(200)
          })).pipe(Effect.provide(logs.layer))
        const warnings = logs.lines.filter((l) => l.level === "Warn")
        expect(warnings).toHaveLength(1)
        expect(warnings[0]?.text).toContain("PATCHBAY_MEDIA_SECRET is not set")
        expect(warnings[0]?.text).toContain("will not survive a restart")
        expect(logs.lines).toHaveLength(1)
      }))

    it.effect("PATCHBAY_MEDIA_SECRET from config signs URLs, without a warning", () =>
      Effect.gen(function*() {
        const logs = captureLogs()
        const config = ConfigProvider.layer(ConfigProvider.fromEnvRecord({ PATCHBAY_MEDIA_SECRET: "from-env-secret" }))
        yield* withStore(kind, {}, (store) =>
          Effect.gen(function*() {
            const { document_id: id } = yield* store.put({ bytes: bytesOf(1), media_type: "audio/mpeg" })
            expect(yield* store.url(id)).toBe(`/media/${id}?exp=3600&sig=${hmac("from-env-secret", id, 3600)}`)
          }), config).pipe(Effect.provide(logs.layer))
        expect(logs.lines).toEqual([])
      }))

    it.effect("without PATCHBAY_MEDIA_SECRET, the secret a durable KeyStore keeps signs URLs, without a warning", () =>
      Effect.gen(function*() {
        const logs = captureLogs()
        const keys = Layer.succeed(KeyStore, { ...KeyStores.makeMemory(), signingSecret: Effect.succeed(Option.some(Redacted.make("stored-secret"))) })
        yield* withStore(kind, {}, (store) =>
          Effect.gen(function*() {
            const { document_id: id } = yield* store.put({ bytes: bytesOf(1), media_type: "audio/mpeg" })
            expect(yield* store.url(id)).toBe(`/media/${id}?exp=3600&sig=${hmac("stored-secret", id, 3600)}`)
          }), Layer.merge(emptyConfig, keys)).pipe(Effect.provide(logs.layer))
        expect(logs.lines).toEqual([])
      }))

    it.effect("an explicit secret wins over PATCHBAY_MEDIA_SECRET", () =>
      withStore(kind, opts, (store) =>
        Effect.gen(function*() {
          const { document_id: id } = yield* store.put({ bytes: bytesOf(1), media_type: "audio/mpeg" })
          expect(yield* store.url(id)).toBe(`/media/${id}?exp=3600&sig=${hmac(SECRET, id, 3600)}`)
        }), ConfigProvider.layer(ConfigProvider.fromEnvRecord({ PATCHBAY_MEDIA_SECRET: "from-env-secret" }))))

    it.effect("stores built without a secret share the per-process secret", () =>
      Effect.gen(function*() {
        const url = yield* withStore(kind, {}, (store) =>
          Effect.flatMap(store.put({ bytes: bytesOf(1), media_type: "audio/mpeg" }), (s) => store.url(s.document_id)))
        const id = yield* withStore(kind, {}, (store) => store.verify(url))
        expect(url).toContain(`/media/${id}?`)
        const refused = yield* withStore(kind, opts, (store) => Effect.flip(store.verify(url)))
        expect(refused.reason).toBe("signature does not match")
      }).pipe(Effect.provide(captureLogs().layer)))
  })
}

describe("MediaStore.layerSource and createPatchbay({ media: { store } })", () => {
  it.effect("opens the backend when the store is built, closes it when the store is released", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const source = Effect.acquireRelease(
        Effect.sync(() => (events.push("open"), memoryBackend())),
        () => Effect.sync(() => void events.push("close"))
      )
      const read = yield* MediaStore.use((store) =>
        Effect.gen(function*() {
          const { document_id } = yield* store.put({ bytes: bytesOf(4, 5), media_type: "image/png" })
          expect(events).toEqual(["open"])
          return yield* store.get(document_id)
        })
      ).pipe(Effect.provide(MediaStore.layerSource(source, { secret: SECRET })))
      expect(read).toEqual({ bytes: bytesOf(4, 5), media_type: "image/png" })
      expect(events).toEqual(["open", "close"])
    }))

  it.effect("a backend that cannot open fails the store with its StoreUnavailable", () =>
    Effect.gen(function*() {
      const refused = new StoreUnavailable({ store: "s3://media/", detail: "bucket \"media\" does not exist", retryable: false })
      const error = yield* Effect.flip(MediaStore.use((store) => store.list()).pipe(Effect.provide(MediaStore.layerSource(Effect.fail(refused), { secret: SECRET }))))
      expect(error).toEqual(refused)
    }))

  it.effect("the handler answers 503 when the backend cannot be reached, 500 for any other failure, and logs both", () =>
    Effect.gen(function*() {
      const logs = captureLogs()
      const failing = (defect: unknown) => {
        const backend = memoryBackend()
        return { ...backend, readMeta: () => Effect.die(defect), read: () => Effect.die(defect), stream: () => Effect.die(defect) }
      }
      const unreachable = new StoreUnavailable({ store: "s3://media/", detail: "cannot reach http://127.0.0.1:9", retryable: true })
      for (const [defect, status] of [[unreachable, 503], [new Error("a bug"), 500]] as const) {
        // Signed by hand: `url` would ask the failing backend first. The test clock is at 0.
        const id = "doc_AAAAAAAAAAAAAAAAAAAAAAAA"
        const response = yield* MediaStore.use((store) => call(store, `/media/${id}?exp=3600&sig=${hmac(SECRET, id, 3600)}`)).pipe(Effect.provide(MediaStore.layerSource(Effect.succeed(failing(defect)), { secret: SECRET })), Effect.provide(logs.layer))
        expect(response.status).toBe(status)
      }
      expect(logs.lines.map((line) => [line.level, line.text.includes("MediaStore.handler failed")])).toEqual([["Error", true], ["Error", true]])
    }))

  it("createPatchbay serves and reads media from the given backend, and rejects with its StoreUnavailable", async () => {
    const backend = memoryBackend()
    const { id, url } = await Effect.runPromise(
      MediaStore.use((store) =>
        Effect.gen(function*() {
          const { document_id } = yield* store.put({ bytes: bytesOf(1, 2, 3), media_type: "audio/mpeg" })
          return { id: document_id, url: yield* store.url(document_id) }
        })
      ).pipe(Effect.provide(MediaStore.layerBackend(backend, { secret: SECRET })))
    )

    const pb = createPatchbay({ providers: [], media: { store: Effect.succeed(backend), secret: SECRET } })
    expect(await pb.media.get(id)).toEqual({ bytes: bytesOf(1, 2, 3), media_type: "audio/mpeg" })
    const ranged = await pb.media.handler(new Request(`http://localhost${url}`, { headers: { range: "bytes=1-" } }))
    expect(ranged.status).toBe(206)
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(bytesOf(2, 3))
    await pb.dispose()

    const refused = new StoreUnavailable({ store: "s3://media/", detail: "bucket \"media\" does not exist", retryable: false })
    const broken = createPatchbay({ providers: [], media: { store: Effect.fail(refused), secret: SECRET } })
    await expect(broken.media.get(id)).rejects.toEqual(refused)
    await broken.dispose()
  })
})

describe("MediaStore (filesystem specifics)", () => {
  it.effect("writes <dir>/<id> plus a JSON sidecar, leaves no temp files, survives a restart", () =>
    Effect.gen(function*() {
      const env = yield* tempRoot
      const layer = MediaStore.layerFileSystem({ dir: env.dir, secret: SECRET })
      const { stored, url } = yield* Effect.gen(function*() {
        const store = yield* MediaStore
        const stored = yield* store.put({ bytes: bytesOf(4, 5, 6), media_type: "image/png", thread_id: "t" })
        return { stored, url: yield* store.url(stored.document_id) }
      }).pipe(Effect.provide(layer))
      const id = stored.document_id

      expect(Fs.readdirSync(env.dir).sort()).toEqual([id, `${id}.json`])
      expect(new Uint8Array(Fs.readFileSync(NodePath.join(env.dir, id)))).toEqual(bytesOf(4, 5, 6))
      expect(JSON.parse(Fs.readFileSync(NodePath.join(env.dir, `${id}.json`), "utf8"))).toEqual(stored)

      // A new layer over the same directory (a restart with the same secret) serves the old link.
      yield* Effect.gen(function*() {
        const store = yield* MediaStore
        expect(yield* store.verify(url)).toBe(id)
        expect(yield* store.get(id)).toEqual({ bytes: bytesOf(4, 5, 6), media_type: "image/png", thread_id: "t" })
        const response = yield* call(store, url)
        expect(response.status).toBe(200)
        yield* store.remove(id)
      }).pipe(Effect.provide(MediaStore.layerFileSystem({ dir: env.dir, secret: SECRET })))
      expect(Fs.readdirSync(env.dir)).toEqual([])
    }))

  it.effect("a document whose bytes are present but whose sidecar is missing does not exist", () =>
    Effect.gen(function*() {
      const env = yield* tempRoot
      yield* Effect.gen(function*() {
        const store = yield* MediaStore
        const { document_id: id } = yield* store.put({ bytes: bytesOf(1), media_type: "audio/wav" })
        Fs.rmSync(NodePath.join(env.dir, `${id}.json`))
        expect((yield* Effect.flip(store.get(id)))._tag).toBe("NotFound")
        expect((yield* Effect.flip(store.url(id)))._tag).toBe("NotFound")
      }).pipe(Effect.provide(MediaStore.layerFileSystem({ dir: env.dir, secret: SECRET })))
    }))
})

it.effect("makeDocumentId gives repeatable ids for tests and replayed demos; a malformed one is a defect", () =>
  Effect.gen(function*() {
    let n = 0
    const ids = () => `doc_${String(++n).padStart(24, "0")}`
    const stored = yield* Effect.gen(function*() {
      const media = yield* MediaStore
      return yield* media.put({ bytes: new Uint8Array([1]), media_type: "image/png" })
    }).pipe(Effect.provide(MediaStore.layerMemory({ secret: "repeatable-ids-secret", makeDocumentId: ids })))
    expect(stored.document_id).toBe("doc_000000000000000000000001")
    const bad = yield* Effect.exit(Effect.gen(function*() {
      const media = yield* MediaStore
      return yield* media.put({ bytes: new Uint8Array([1]), media_type: "image/png" })
    }).pipe(Effect.provide(MediaStore.layerMemory({ secret: "repeatable-ids-secret", makeDocumentId: () => "../etc" }))))
    expect(bad._tag).toBe("Failure")
  }))

describe("the missing-secret warning in a program", () => {
  it("goes to stderr once per process, never to stdout", async () => {
    const script = new URL("./support/NoSecret.ts", import.meta.url).pathname
    const env = { ...process.env }
    delete env.PATCHBAY_MEDIA_SECRET
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script], { env })
    expect(stdout).toBe("round 1: completed\nround 2: completed\n")
    const lines = stderr.split("\n").filter((line) => line !== "")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^\[[\d:.]+\] WARN \(#\d+\): MediaStore: PATCHBAY_MEDIA_SECRET is not set; media URLs are signed with a random per-process secret and links will not survive a restart$/
    )
  }, 20_000)
})
