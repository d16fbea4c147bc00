/**
 * The media store: where Patchbay keeps produced media (speech audio, generated images) and how
 * it hands them out. A stored document gets an unguessable, URL-safe `document_id`; callers get
 * short-lived signed URLs `<baseUrl>/media/<document_id>?exp=<unix seconds>&sig=<hmac>` and any
 * web-standard server can serve them with {@link MediaStoreShape.handler}.
 *
 * Every document belongs to a tenant (`CurrentTenant` when it was stored): reading, listing and
 * deleting are scoped by it, and another tenant's document answers `NotFound`. A signed URL is
 * its own authority: the handler serves it whatever the current tenant.
 *
 * Two stores ship: in memory ({@link MediaStore.layerMemory}) and on the local file system
 * ({@link MediaStore.layerFileSystem}); any other {@link MediaBackend} plugs in through
 * {@link MediaStore.layerBackend} or {@link MediaStore.layerSource} (`@patchbay/s3` keeps media in
 * an S3-compatible bucket). URLs are signed with HMAC-SHA256 under a secret given in
 * the options, else `PATCHBAY_MEDIA_SECRET`, else the one a durable `KeyStore` in context keeps
 * (`signingSecret`), else a random per-process secret (with a warning: such links do not survive
 * a restart). The secret never appears in an error or a log.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Config, Context, Effect, Layer, Logger, Option, Redacted, Schema, type Scope } from "effect"
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto"
import { createReadStream } from "node:fs"
import * as Fs from "node:fs/promises"
import * as NodePath from "node:path"
import { Readable } from "node:stream"
import { InvalidRequest, NotFound, StoreUnavailable } from "./Errors.ts"
import { KeyStore } from "./KeyStore.ts"
import { type Page, slice } from "./Paging.ts"
import { CurrentTenant, DEFAULT_TENANT } from "./Tenant.ts"

// ---------------------------------------------------------------------------------------------
// Document ids
// ---------------------------------------------------------------------------------------------

const documentIdPattern = /^doc_[A-Za-z0-9_-]{24}$/

/**
 * True when `s` is a well-formed `document_id`: `doc_` followed by 24 base64url characters
 * (144 random bits). Only `[A-Za-z0-9_-]` can occur, so an id can never name a path.
 *
 * @category guards
 */
export const isDocumentId = (s: unknown): s is string => typeof s === "string" && documentIdPattern.test(s)

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url")

const makeDocumentId = (): string => `doc_${base64url(crypto.getRandomValues(new Uint8Array(18)))}`

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

/**
 * The metadata of a stored document, as `put` and `head` return it. `created_at` is an ISO 8601
 * timestamp from the Effect `Clock`.
 *
 * @category models
 */
export const StoredMedia = Schema.Struct({
  document_id: Schema.String,
  /** The tenant that stored it. */
  tenant_id: Schema.String,
  media_type: Schema.String,
  size: Schema.Number,
  thread_id: Schema.optionalKey(Schema.String),
  assistant_id: Schema.optionalKey(Schema.String),
  created_at: Schema.String
})
/** @category models */
export type StoredMedia = typeof StoredMedia.Type

/** What {@link MediaStoreShape.put} takes. @category models */
export interface PutMedia {
  readonly bytes: Uint8Array
  readonly media_type: string
  readonly thread_id?: string | undefined
  readonly assistant_id?: string | undefined
}

/** Which documents {@link MediaStoreShape.list} returns. @category models */
export interface MediaFilter extends Page {
  readonly thread_id?: string | undefined
  readonly assistant_id?: string | undefined
}

/** What {@link MediaStoreShape.get} returns. @category models */
export interface MediaContent {
  readonly bytes: Uint8Array
  readonly media_type: string
  readonly thread_id?: string
}

/**
 * The operations of a media store, scoped by `CurrentTenant` (except `verify` and `handler`,
 * whose signature is the authority).
 *
 * @category models
 */
export interface MediaStoreShape {
  /** Stores the bytes under a fresh `document_id` for the current tenant. Fails only for a malformed `media_type`. */
  readonly put: (media: PutMedia) => Effect.Effect<StoredMedia, InvalidRequest>
  /** The bytes and media type of a document; `NotFound` for unknown or malformed ids, or another tenant's. */
  readonly get: (documentId: string) => Effect.Effect<MediaContent, NotFound>
  /** The metadata of a document without its bytes. */
  readonly head: (documentId: string) => Effect.Effect<StoredMedia, NotFound>
  /** The tenant's documents, oldest first, optionally of one thread or assistant. */
  readonly list: (filter?: MediaFilter) => Effect.Effect<ReadonlyArray<StoredMedia>>
  /** Deletes a document. Idempotent: removing an unknown (or malformed, or another tenant's) id succeeds. */
  readonly remove: (documentId: string) => Effect.Effect<void>
  /** Deletes every document of the tenant's thread. */
  readonly removeByThread: (threadId: string) => Effect.Effect<void>
  /** Deletes every document of the tenant's assistant. */
  readonly removeByAssistant: (assistantId: string) => Effect.Effect<void>
  /**
   * A signed URL for an existing document, valid for `ttlSeconds` (the store's default, 3600,
   * when not given). Root-relative (`/media/…`) unless the store has a `baseUrl`.
   */
  readonly url: (documentId: string, options?: { readonly ttlSeconds?: number | undefined }) => Effect.Effect<string, NotFound>
  /**
   * Checks a signed URL (absolute or root-relative) and returns its `document_id`. Fails with
   * `InvalidRequest({ field: "url" })` whose `reason` is one of {@link VerifyReason}. The host
   * and any path prefix before `/media/` are not checked: the signature covers id and expiry.
   * Whether the document still exists is not checked either.
   */
  readonly verify: (url: string) => Effect.Effect<string, InvalidRequest>
  /**
   * A web-standard handler serving signed URLs: `GET`/`HEAD` on `…/media/<id>?exp&sig`.
   * 200 with the bytes (streamed when the backend can); for a `GET` with one `Range` (`bytes=a-b`,
   * `bytes=a-`, `bytes=-n`), 206 with those bytes and `Content-Range`, or 416 when the range
   * starts past the end; 403 for a missing, malformed or non-matching signature; 410 for an
   * expired (but authentic) link; 404 for a path that is not `…/media/<segment>` or a document
   * that no longer exists; 405 for other methods; 503 when the store cannot be reached
   * (`StoreUnavailable`), 500 for any other failure (both logged).
   */
  readonly handler: (request: Request) => Promise<Response>
}

/**
 * The `reason` of the `InvalidRequest` that {@link MediaStoreShape.verify} fails with.
 * The signature is checked before the expiry, so only an authentic link reports `expired`.
 *
 * @category constants
 */
export const VerifyReason = {
  notMediaUrl: "not a media URL",
  malformedExp: "missing or malformed exp",
  malformedSig: "missing or malformed sig",
  badSignature: "signature does not match",
  expired: "link expired"
} as const
/** @category models */
export type VerifyReason = (typeof VerifyReason)[keyof typeof VerifyReason]

/**
 * Options shared by both stores.
 *
 * @category models
 */
export interface MediaStoreOptions {
  /** Prefix of issued URLs, e.g. `https://api.example.com`; URLs are root-relative without it. */
  readonly baseUrl?: string | undefined
  /** The signing secret; defaults to `PATCHBAY_MEDIA_SECRET`, then to a random per-process one. */
  readonly secret?: Redacted.Redacted<string> | string | undefined
  /** Default lifetime of issued URLs in seconds (3600). */
  readonly ttlSeconds?: number | undefined
  /**
   * Makes document ids; each must match `doc_` and 24 base64url characters. Only for tests and
   * replayed demos that need the same ids on every run: ids made this way are guessable.
   */
  readonly makeDocumentId?: (() => string) | undefined
}

// ---------------------------------------------------------------------------------------------
// Backends: where bytes live. Ids reaching a backend have been validated.
// ---------------------------------------------------------------------------------------------

/**
 * Where a media store keeps bytes and metadata; ids reaching it have been validated. A backend
 * is not scoped: the store checks each document's `tenant_id`. `@patchbay/sql` keeps the
 * metadata in its database beside one of these for the bytes.
 *
 * @category models
 */
export interface MediaBackend {
  readonly write: (meta: StoredMedia, bytes: Uint8Array) => Effect.Effect<void>
  readonly read: (id: string) => Effect.Effect<Option.Option<{ readonly meta: StoredMedia; readonly bytes: Uint8Array }>>
  readonly readMeta: (id: string) => Effect.Effect<Option.Option<StoredMedia>>
  /** The metadata of a tenant's documents, oldest first, optionally of one thread or assistant. */
  readonly list: (
    tenantId: string,
    filter: { readonly thread_id?: string | undefined; readonly assistant_id?: string | undefined }
  ) => Effect.Effect<ReadonlyArray<StoredMedia>>
  readonly delete: (id: string) => Effect.Effect<void>
  /**
   * Streams a document's bytes, all of them or one {@link ByteRange}; `None` when they are gone.
   * Optional: without it, the handler reads the whole document with `read` and slices it. A
   * backend whose bytes are remote implements it so a range never loads the whole object.
   */
  readonly stream?: (id: string, range?: ByteRange) => Effect.Effect<Option.Option<ReadableStream<Uint8Array>>>
}

/**
 * The bytes `start` to `end` of a document, both inclusive and within its size (as in an HTTP
 * `Range: bytes=start-end`).
 *
 * @category models
 */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

/**
 * A media backend to open when the media store starts and to close with it — what
 * `createPatchbay({ media: { store } })` takes, e.g. `s3({ bucket })` of `@patchbay/s3`. Opening
 * fails with `StoreUnavailable` naming what to fix when the backend cannot be used.
 *
 * @category models
 */
export type MediaBackendSource = Effect.Effect<MediaBackend, StoreUnavailable, Scope.Scope>

type Backend = MediaBackend

/** A stream of one chunk: `bytes`, or the `range` of them. */
const streamOf = (bytes: Uint8Array, range: ByteRange | undefined): ReadableStream<Uint8Array> => {
  const chunk = range === undefined ? bytes.slice() : bytes.slice(range.start, range.end + 1)
  return new ReadableStream({
    start: (controller) => {
      controller.enqueue(chunk)
      controller.close()
    }
  })
}

const matches = (
  meta: StoredMedia,
  tenantId: string,
  filter: { readonly thread_id?: string | undefined; readonly assistant_id?: string | undefined }
): boolean =>
  meta.tenant_id === tenantId &&
  (filter.thread_id === undefined || meta.thread_id === filter.thread_id) &&
  (filter.assistant_id === undefined || meta.assistant_id === filter.assistant_id)

/** Keeps bytes and metadata in memory. @category constructors */
export const memoryBackend = (): MediaBackend => {
  const docs = new Map<string, { readonly meta: StoredMedia; readonly bytes: Uint8Array }>()
  return {
    write: (meta, bytes) => Effect.sync(() => void docs.set(meta.document_id, { meta, bytes: bytes.slice() })),
    read: (id) =>
      Effect.sync(() => {
        const doc = docs.get(id)
        return doc === undefined ? Option.none() : Option.some({ meta: doc.meta, bytes: doc.bytes.slice() })
      }),
    readMeta: (id) => Effect.sync(() => Option.fromNullishOr(docs.get(id)?.meta)),
    list: (tenantId, filter) => Effect.sync(() => [...docs.values()].map((doc) => doc.meta).filter((meta) => matches(meta, tenantId, filter))),
    delete: (id) => Effect.sync(() => void docs.delete(id)),
    stream: (id, range) =>
      Effect.sync(() => {
        const doc = docs.get(id)
        return doc === undefined ? Option.none() : Option.some(streamOf(doc.bytes, range))
      })
  }
}

const isNotFoundError = (e: unknown): boolean =>
  typeof e === "object" && e !== null && "code" in e && (e.code === "ENOENT" || e.code === "ENOTDIR")

const decodeStoredMedia = Schema.decodeUnknownEffect(StoredMedia)
/** Reads a sidecar; one written before documents had tenants belongs to the default tenant. */
const decodeMeta = (text: string) =>
  Effect.flatMap(Effect.try({ try: () => JSON.parse(text) as unknown, catch: (cause) => cause }), (json) =>
    decodeStoredMedia(
      typeof json === "object" && json !== null && !("tenant_id" in json) ? { ...json, tenant_id: DEFAULT_TENANT } : json
    ))

/**
 * Keeps each document as `<dir>/<document_id>` plus a JSON sidecar `<dir>/<document_id>.json`
 * with its metadata, both written atomically; `list` reads every sidecar.
 *
 * @category constructors
 */
export const fileSystemBackend = (dir: string): MediaBackend => {
  // `id` is always a validated document id here; the dirname check is defence in depth.
  const pathOf = (id: string, suffix = ""): string => {
    const path = NodePath.join(dir, id + suffix)
    if (NodePath.dirname(path) !== dir) throw new Error("MediaStore: path escapes the store directory")
    return path
  }
  const io = <A>(f: () => Promise<A>): Effect.Effect<A> =>
    Effect.tryPromise({ try: f, catch: (cause) => cause }).pipe(Effect.orDie)
  const orNone = <A>(f: () => Promise<A>): Effect.Effect<Option.Option<A>> =>
    Effect.tryPromise({ try: f, catch: (cause) => cause }).pipe(
      Effect.map(Option.some),
      Effect.catch((cause) => (isNotFoundError(cause) ? Effect.succeed(Option.none<A>()) : Effect.die(cause)))
    )
  /** Writes through a temporary file in the same directory, then renames: readers never see a partial file. */
  const writeAtomic = async (target: string, data: Uint8Array | string): Promise<void> => {
    const temp = NodePath.join(dir, `.tmp-${base64url(crypto.getRandomValues(new Uint8Array(12)))}`)
    try {
      await Fs.writeFile(temp, data, { flag: "wx" })
      await Fs.rename(temp, target)
    } catch (cause) {
      await Fs.rm(temp, { force: true })
      throw cause
    }
  }
  const readMeta = (id: string) =>
    orNone(() => Fs.readFile(pathOf(id, ".json"), "utf8")).pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeed(Option.none<StoredMedia>()),
        onSome: (text) => decodeMeta(text).pipe(Effect.map(Option.some), Effect.orDie)
      }))
    )
  return {
    // The sidecar is written last: it marks the document as complete.
    write: (meta, bytes) =>
      io(async () => {
        await writeAtomic(pathOf(meta.document_id), bytes)
        await writeAtomic(pathOf(meta.document_id, ".json"), JSON.stringify(meta))
      }),
    read: (id) =>
      Effect.gen(function*() {
        const meta = yield* readMeta(id)
        if (Option.isNone(meta)) return Option.none()
        const bytes = yield* orNone(() => Fs.readFile(pathOf(id)))
        return Option.map(bytes, (b) => ({ meta: meta.value, bytes: new Uint8Array(b) }))
      }),
    readMeta,
    list: (tenantId, filter) =>
      Effect.gen(function*() {
        const names = yield* orNone(() => Fs.readdir(dir))
        const ids = Option.getOrElse(names, () => []).filter((name) => name.endsWith(".json")).map((name) => name.slice(0, -5))
        const metas = yield* Effect.forEach(ids.filter(isDocumentId), readMeta)
        return metas
          .flatMap((meta) => (Option.isSome(meta) && matches(meta.value, tenantId, filter) ? [meta.value] : []))
          .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0))
      }),
    delete: (id) =>
      io(async () => {
        await Fs.rm(pathOf(id, ".json"), { force: true })
        await Fs.rm(pathOf(id), { force: true })
      }),
    // Opening first: a missing file answers `None` here, not an error in the middle of a response.
    stream: (id, range) =>
      Effect.map(orNone(() => Fs.open(pathOf(id))), Option.map((handle) =>
        Readable.toWeb(createReadStream("", { fd: handle, ...(range === undefined ? {} : range) })) as ReadableStream<Uint8Array>))
  }
}

// ---------------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------------

let processSecret: KeyObject | undefined
/** One random 32-byte secret per process, shared by every store built without a secret. */
const getProcessSecret = (): KeyObject =>
  (processSecret ??= createSecretKey(crypto.getRandomValues(new Uint8Array(32))))

/** Set on `globalThis` so two copies of this module in one process still warn once. */
const NO_SECRET_WARNED = Symbol.for("@patchbay/core/MediaStore/noSecretWarned")
/** Whether the missing-secret warning was given already in this process; marks it given. */
const warnedNoSecret = (): boolean => {
  const global = globalThis as { [NO_SECRET_WARNED]?: true }
  if (global[NO_SECRET_WARNED] === true) return true
  global[NO_SECRET_WARNED] = true
  return false
}

const resolveSecret = (secret: MediaStoreOptions["secret"]): Effect.Effect<KeyObject, Config.ConfigError> =>
  Effect.gen(function*() {
    const given = typeof secret === "string" ? secret : secret === undefined ? "" : Redacted.value(secret)
    if (given !== "") return createSecretKey(Buffer.from(given, "utf8"))
    const fromConfig = yield* Config.option(Config.Redacted("PATCHBAY_MEDIA_SECRET"))
    if (Option.isSome(fromConfig) && Redacted.value(fromConfig.value) !== "") {
      return createSecretKey(Buffer.from(Redacted.value(fromConfig.value), "utf8"))
    }
    // A store that survives restarts keeps a secret of its own, so links survive them too.
    const keys = yield* Effect.serviceOption(KeyStore)
    const stored = Option.isNone(keys) ? Option.none() : yield* Effect.orDie(keys.value.signingSecret)
    if (Option.isSome(stored) && Redacted.value(stored.value) !== "") {
      return createSecretKey(Buffer.from(Redacted.value(stored.value), "utf8"))
    }
    if (!warnedNoSecret()) {
      // A library diagnostic: on stderr through the default logger (never mixed into the program's
      // own stdout), or to the user's logger when one is installed; once per process.
      yield* Effect.logWarning(
        "MediaStore: PATCHBAY_MEDIA_SECRET is not set; media URLs are signed with a random per-process secret " +
          "and links will not survive a restart"
      ).pipe(Effect.provideService(Logger.LogToStderr, true))
    }
    return getProcessSecret()
  })

const checkTtl = (ttl: number): number => {
  if (!Number.isFinite(ttl) || ttl <= 0) throw new RangeError(`MediaStore: ttlSeconds must be a positive number, got ${ttl}`)
  return Math.ceil(ttl)
}

/** `type/subtype` with optional `; name=value` parameters (RFC 9110 tokens): safe in a header. */
const mediaTypePattern = /^[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+(?:[ \t]*;[ \t]*[\w!#$%&'*+.^`|~-]+=(?:[\w!#$%&'*+.^`|~-]+|"[^"\\\x00-\x1f\x7f]*"))*$/

const urlPathPattern = /\/media\/([^/]*)$/

/**
 * What a `Range` header asks of `size` bytes (RFC 9110): one range `bytes=a-b`, `bytes=a-` or a
 * suffix `bytes=-n`, clamped to the size; `"unsatisfiable"` (416) when it starts past the end or
 * asks for no bytes; `undefined` — serve everything — without a header, or for what a server may
 * ignore: several ranges, another unit, a malformed or reversed range.
 */
const requestedRange = (header: string | null, size: number): ByteRange | "unsatisfiable" | undefined => {
  if (header === null) return undefined
  const match = /^bytes=[ \t]*([0-9]{0,15})-([0-9]{0,15})[ \t]*$/i.exec(header.trim())
  if (match === null) return undefined
  const first = match[1] ?? ""
  const last = match[2] ?? ""
  if (first === "") {
    if (last === "") return undefined
    const suffix = Number(last)
    return suffix === 0 || size === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  if (last !== "" && Number(last) < start) return undefined
  if (start >= size) return "unsatisfiable"
  return { start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) }
}

/** Hides the signature when a URL goes into an error. */
const redactSig = (url: string): string => url.replace(/([?&]sig=)[^&#]*/g, "$1[redacted]")

// ---------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------

const make = Effect.fnUntraced(function*(backend: Backend, options: MediaStoreOptions) {
  const key = yield* resolveSecret(options.secret)
  const defaultTtl = checkTtl(options.ttlSeconds ?? 3600)
  const baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "")
  const services = yield* Effect.context<never>()
  const nextId = options.makeDocumentId ?? makeDocumentId

  const sign = (id: string, exp: string): string => createHmac("sha256", key).update(`${id}.${exp}`).digest("base64url")
  const notFound = (id: string) => new NotFound({ kind: "document", id })

  const put = Effect.fn("MediaStore.put")(function*(media: PutMedia) {
    if (!mediaTypePattern.test(media.media_type)) {
      return yield* new InvalidRequest({ field: "media_type", value: media.media_type, reason: "not a valid media type" })
    }
    const now = yield* Clock.currentTimeMillis
    const tenant = yield* CurrentTenant
    const id = nextId()
    if (!isDocumentId(id)) return yield* Effect.die(new Error(`makeDocumentId gave ${JSON.stringify(id)}: not doc_ and 24 base64url characters`))
    const meta: StoredMedia = {
      document_id: id,
      tenant_id: tenant,
      media_type: media.media_type,
      size: media.bytes.byteLength,
      ...(media.thread_id === undefined ? {} : { thread_id: media.thread_id }),
      ...(media.assistant_id === undefined ? {} : { assistant_id: media.assistant_id }),
      created_at: new Date(now).toISOString()
    }
    yield* backend.write(meta, media.bytes)
    return meta
  })

  const head = Effect.fn("MediaStore.head")(function*(documentId: string) {
    if (!isDocumentId(documentId)) return yield* notFound(documentId)
    const meta = yield* backend.readMeta(documentId)
    if (Option.isNone(meta) || meta.value.tenant_id !== (yield* CurrentTenant)) return yield* notFound(documentId)
    return meta.value
  })

  /** A document's bytes and metadata, when it belongs to `tenant`. */
  const read = Effect.fnUntraced(function*(documentId: string, tenant: string) {
    if (!isDocumentId(documentId)) return yield* notFound(documentId)
    const doc = yield* backend.read(documentId)
    if (Option.isNone(doc) || doc.value.meta.tenant_id !== tenant) return yield* notFound(documentId)
    const { bytes, meta } = doc.value
    const content: MediaContent = {
      bytes,
      media_type: meta.media_type,
      ...(meta.thread_id === undefined ? {} : { thread_id: meta.thread_id })
    }
    return content
  })

  /**
   * A document to serve, of any tenant (its signed URL was verified): its metadata and a way to
   * stream its bytes. A backend without `stream` is read whole and sliced; its `size` is then
   * the bytes read.
   */
  const serving = (id: string) =>
    backend.stream === undefined
      ? Effect.map(backend.read(id), Option.map(({ bytes, meta }) => ({
        meta: { ...meta, size: bytes.byteLength },
        body: (range: ByteRange | undefined) => Effect.succeed(Option.some(streamOf(bytes, range)))
      })))
      : Effect.map(backend.readMeta(id), Option.map((meta) => ({
        meta,
        body: (range: ByteRange | undefined) => backend.stream!(id, range)
      })))

  const get = Effect.fn("MediaStore.get")(function*(documentId: string) {
    return yield* read(documentId, yield* CurrentTenant)
  })

  const list = Effect.fn("MediaStore.list")(function*(filter: MediaFilter = {}) {
    return slice(yield* backend.list(yield* CurrentTenant, filter), filter)
  })

  const remove = Effect.fn("MediaStore.remove")(function*(documentId: string) {
    if (!isDocumentId(documentId)) return
    const meta = yield* backend.readMeta(documentId)
    if (Option.isSome(meta) && meta.value.tenant_id === (yield* CurrentTenant)) yield* backend.delete(documentId)
  })

  const removeAll = (filter: { readonly thread_id?: string; readonly assistant_id?: string }) =>
    Effect.gen(function*() {
      const docs = yield* backend.list(yield* CurrentTenant, filter)
      yield* Effect.forEach(docs, (meta) => backend.delete(meta.document_id), { discard: true })
    })
  const removeByThread = Effect.fn("MediaStore.removeByThread")(function*(threadId: string) {
    yield* removeAll({ thread_id: threadId })
  })
  const removeByAssistant = Effect.fn("MediaStore.removeByAssistant")(function*(assistantId: string) {
    yield* removeAll({ assistant_id: assistantId })
  })

  const url = Effect.fn("MediaStore.url")(function*(
    documentId: string,
    options?: { readonly ttlSeconds?: number | undefined }
  ) {
    yield* head(documentId)
    const ttl = options?.ttlSeconds === undefined ? defaultTtl : checkTtl(options.ttlSeconds)
    const now = yield* Clock.currentTimeMillis
    const exp = String(Math.floor(now / 1000) + ttl)
    return `${baseUrl}/media/${documentId}?exp=${exp}&sig=${sign(documentId, exp)}`
  })

  /** Verifies and also returns the expiry, which the handler needs for `cache-control`. */
  const verifyParsed = Effect.fnUntraced(function*(raw: string) {
    const invalid = (reason: VerifyReason) => new InvalidRequest({ field: "url", value: redactSig(raw), reason })
    let parsed: URL
    try {
      parsed = new URL(raw, "http://localhost")
    } catch {
      return yield* invalid(VerifyReason.notMediaUrl)
    }
    const id = urlPathPattern.exec(parsed.pathname)?.[1]
    if (id === undefined || !isDocumentId(id)) return yield* invalid(VerifyReason.notMediaUrl)
    const exps = parsed.searchParams.getAll("exp")
    const sigs = parsed.searchParams.getAll("sig")
    const exp = exps.length === 1 ? exps[0] : undefined
    if (exp === undefined || !/^[0-9]{1,15}$/.test(exp)) return yield* invalid(VerifyReason.malformedExp)
    const sig = sigs.length === 1 ? sigs[0] : undefined
    if (sig === undefined || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return yield* invalid(VerifyReason.malformedSig)
    // Compare the encoded strings (both 43 ASCII characters) so no two spellings of one MAC pass.
    if (!timingSafeEqual(Buffer.from(sign(id, exp), "ascii"), Buffer.from(sig, "ascii"))) {
      return yield* invalid(VerifyReason.badSignature)
    }
    const expMillis = Number(exp) * 1000
    const now = yield* Clock.currentTimeMillis
    if (now >= expMillis) return yield* invalid(VerifyReason.expired)
    return { id, maxAge: Math.floor((expMillis - now) / 1000) }
  })

  const verify = Effect.fn("MediaStore.verify")(function*(raw: string) {
    return (yield* verifyParsed(raw)).id
  })

  const text = (status: number, body: string, headers: Record<string, string> = {}) =>
    new Response(body, {
      status,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers }
    })

  const serve = Effect.fn("MediaStore.handler")(function*(request: Request) {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "Method Not Allowed", { allow: "GET, HEAD" })
    }
    const { pathname } = new URL(request.url)
    if (!urlPathPattern.test(pathname)) return text(404, "Not Found")
    const verified = yield* Effect.result(verifyParsed(request.url))
    if (verified._tag === "Failure") {
      return verified.failure.reason === VerifyReason.expired ? text(410, "Gone") : text(403, "Forbidden")
    }
    const { id, maxAge } = verified.success
    const doc = yield* serving(id)
    if (Option.isNone(doc)) return text(404, "Not Found")
    const { meta, body } = doc.value
    const headers = {
      "content-type": meta.media_type,
      "accept-ranges": "bytes",
      "cache-control": `private, max-age=${maxAge}`,
      "x-content-type-options": "nosniff",
      "content-security-policy": "sandbox"
    }
    if (request.method === "HEAD") {
      return new Response(null, { status: 200, headers: { ...headers, "content-length": String(meta.size) } })
    }
    // Without validators to compare, a conditional range (`If-Range`) gets the whole document.
    const range = request.headers.has("if-range") ? undefined : requestedRange(request.headers.get("range"), meta.size)
    if (range === "unsatisfiable") return text(416, "Range Not Satisfiable", { "content-range": `bytes */${meta.size}` })
    const stream = yield* body(range)
    if (Option.isNone(stream)) return text(404, "Not Found")
    if (range === undefined) {
      return new Response(stream.value, { status: 200, headers: { ...headers, "content-length": String(meta.size) } })
    }
    return new Response(stream.value, {
      status: 206,
      headers: {
        ...headers,
        "content-length": String(range.end - range.start + 1),
        "content-range": `bytes ${range.start}-${range.end}/${meta.size}`
      }
    })
  })

  const runPromise = Effect.runPromiseWith(services)
  const handler = (request: Request): Promise<Response> =>
    runPromise(
      serve(request).pipe(
        Effect.catchCause((cause) =>
          Effect.logError("MediaStore.handler failed", cause).pipe(Effect.as(
            // A store that cannot be reached (a database, a bucket) is a temporary condition, not a bug.
            Cause.squash(cause) instanceof StoreUnavailable ? text(503, "Service Unavailable") : text(500, "Internal Server Error")
          ))
        )
      )
    )

  return MediaStore.of({ put, get, head, list, remove, removeByThread, removeByAssistant, url, verify, handler })
})

/**
 * The media store service. Build it with {@link MediaStore.layerMemory} or
 * {@link MediaStore.layerFileSystem}.
 *
 * @category services
 */
export class MediaStore extends Context.Service<MediaStore, MediaStoreShape>()("@patchbay/core/MediaStore") {
  /** A store that keeps documents in memory; they are lost when the layer is released. */
  static layerMemory(options: MediaStoreOptions = {}): Layer.Layer<MediaStore, Config.ConfigError> {
    return Layer.effect(MediaStore, Effect.suspend(() => make(memoryBackend(), options)))
  }

  /** A store over any {@link MediaBackend} (e.g. metadata in a database, bytes in files). */
  static layerBackend(backend: MediaBackend, options: MediaStoreOptions = {}): Layer.Layer<MediaStore, Config.ConfigError> {
    return Layer.effect(MediaStore, Effect.suspend(() => make(backend, options)))
  }

  /**
   * A store over a backend opened when the layer is built and closed when it is released (e.g.
   * `s3({ bucket })` of `@patchbay/s3`); building fails with the backend's `StoreUnavailable`.
   */
  static layerSource(
    source: MediaBackendSource,
    options: MediaStoreOptions = {}
  ): Layer.Layer<MediaStore, StoreUnavailable | Config.ConfigError> {
    return Layer.effect(MediaStore, Effect.flatMap(source, (backend) => make(backend, options)))
  }

  /**
   * A store that keeps each document as `<dir>/<document_id>` plus a JSON sidecar
   * `<dir>/<document_id>.json` with its metadata; both are written atomically (temporary file,
   * then rename). The directory is created when missing.
   */
  static layerFileSystem(
    options: MediaStoreOptions & { readonly dir: string }
  ): Layer.Layer<MediaStore, Config.ConfigError> {
    return Layer.effect(
      MediaStore,
      Effect.gen(function*() {
        const dir = NodePath.resolve(options.dir)
        yield* Effect.promise(() => Fs.mkdir(dir, { recursive: true }))
        return yield* make(fileSystemBackend(dir), options)
      })
    )
  }
}
