/**
 * Produced media in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, …): `s3({ bucket })`
 * is a media backend for `createPatchbay({ media: { store: s3(...) } })`, so every instance
 * behind a load balancer reads what any other wrote. It lives in its own package so that core and
 * the client never load the AWS SDK.
 *
 * Layout under `<prefix>`: each document is two objects, its bytes `<prefix><document_id>` (with
 * its media type as `Content-Type`) and its metadata `<prefix><document_id>.json`, written last,
 * so a document is complete once its metadata exists. Ranges are read with ranged `GetObject`
 * calls and streamed: serving `Range: bytes=a-b` never loads the whole object. Signed URLs are
 * Patchbay's own, as with any backend: the bucket needs no public access and no presigning.
 *
 * Credentials come from the SDK's default chain (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`,
 * `AWS_PROFILE`, `~/.aws`, instance roles); the region from `region`, else `AWS_REGION`. Opening
 * checks the credentials and the bucket; every failure is a `StoreUnavailable` naming what to
 * fix, and no credential ever appears in one.
 *
 * @since 0.1.0
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig
} from "@aws-sdk/client-s3"
import { isDocumentId, type MediaBackend, type MediaBackendSource, StoredMedia, StoreUnavailable } from "@patchbay/core"
import { Effect, Option, Schema } from "effect"
import { displayEndpoint, unavailable, type Where } from "./internal/errors.ts"

/**
 * Where {@link s3} keeps media.
 *
 * @since 0.1.0
 */
export interface S3MediaOptions {
  /** The bucket; it must exist (it is checked when the store opens). */
  readonly bucket: string
  /**
   * Prepended to every object key, e.g. `"patchbay/media/"`: stores with different prefixes
   * share a bucket without seeing each other's documents. Default: none (the bucket's root).
   */
  readonly prefix?: string | undefined
  /** An S3-compatible server's URL, e.g. `http://127.0.0.1:9000`; AWS S3 when absent. */
  readonly endpoint?: string | undefined
  /** Addresses the bucket in the path (`<endpoint>/<bucket>/<key>`), as most self-hosted servers need. */
  readonly forcePathStyle?: boolean | undefined
  /** The region; the SDK's default (`AWS_REGION`, `~/.aws/config`) when absent. */
  readonly region?: string | undefined
}

/** How many metadata objects `list` reads at once. */
const listConcurrency = 8

/** The environment's credential values, kept out of every message. */
const environmentSecrets = (): Array<string> =>
  ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"].flatMap((name) => {
    const value = process.env[name]
    return value === undefined || value === "" ? [] : [value]
  })

/** A missing object (not a missing bucket, which is a failure). */
const isMissing = (cause: unknown): boolean => (cause as { readonly name?: unknown } | null)?.name === "NoSuchKey"

const decodeMeta = Schema.decodeUnknownEffect(Schema.fromJsonString(StoredMedia))

const byCreation = (a: StoredMedia, b: StoredMedia): number => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0)

/**
 * A media backend in an S3-compatible bucket, for `createPatchbay({ media: { store: s3(...) } })`
 * (or `MediaStore.layerSource` in Effect programs). The client is created when the media store
 * opens — after checking the credentials and the bucket — and destroyed when it closes.
 *
 * @example
 * ```ts
 * import { createPatchbay } from "@patchbay/core"
 * import { s3 } from "@patchbay/s3"
 *
 * const pb = createPatchbay({
 *   providers,
 *   media: { store: s3({ bucket: "patchbay-media", prefix: "prod/", region: "eu-west-1" }) }
 * })
 * ```
 * @since 0.1.0
 */
export const s3 = (options: S3MediaOptions): MediaBackendSource =>
  Effect.gen(function*() {
    const prefix = options.prefix ?? ""
    const where: Where = {
      store: `s3://${options.bucket}/${prefix}`,
      bucket: options.bucket,
      endpoint: displayEndpoint(options.endpoint)
    }
    const config: S3ClientConfig = {
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
      // An endpoint that does not answer fails in seconds, not at the operating system's timeout.
      requestHandler: { connectionTimeout: 5_000 }
    }
    const secrets = environmentSecrets()
    const fail = (doing: string, cause: unknown) => unavailable(where, doing, cause, secrets)
    const refuse = (detail: string) => new StoreUnavailable({ store: where.store, detail, retryable: false })
    if (options.bucket === "") return yield* refuse("no bucket was given: pass `bucket` to s3(...)")
    if (options.endpoint !== undefined && !URL.canParse(options.endpoint)) {
      return yield* refuse("`endpoint` is not a URL: pass the server's address, e.g. http://127.0.0.1:9000")
    }
    const client = yield* Effect.acquireRelease(
      Effect.try({ try: () => new S3Client(config), catch: (cause) => fail("create the client", cause) }),
      (client) => Effect.sync(() => client.destroy())
    )
    const check = <A>(doing: string, f: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, StoreUnavailable> =>
      Effect.tryPromise({ try: (signal) => f(signal), catch: (cause) => fail(doing, cause) })

    const credentials = yield* check("load credentials", () => client.config.credentials())
    secrets.push(...[credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken ?? ""].filter((s) => s !== ""))
    // An object-level probe: unlike HeadBucket's bodiless 404, a GetObject failure tells a missing
    // bucket (NoSuchBucket) from a missing key (NoSuchKey, expected here: the key is no document's).
    yield* check("check the bucket", async (signal) => {
      try {
        const output = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: `${prefix}.patchbay-check`, Range: "bytes=0-0" }), { abortSignal: signal })
        await output.Body?.transformToByteArray()
      } catch (cause) {
        if ((cause as { readonly name?: unknown } | null)?.name !== "NoSuchKey") throw cause
      }
    })
    return backend(client, options.bucket, prefix, fail)
  })

/** The backend over an opened client; `fail` translates a failure. */
const backend = (client: S3Client, bucket: string, prefix: string, fail: (doing: string, cause: unknown) => StoreUnavailable): MediaBackend => {
  const keyOf = (id: string, suffix = "") => `${prefix}${id}${suffix}`

  /**
   * One request, aborted when the effect is interrupted. A backend's errors are `never`: a
   * failure is a `StoreUnavailable` defect, which the facade rejects with as it is.
   */
  const request = <A>(doing: string, f: (signal: AbortSignal) => Promise<A>): Effect.Effect<A> =>
    Effect.tryPromise({ try: (signal) => f(signal), catch: (cause) => cause }).pipe(Effect.catch((cause) => Effect.die(fail(doing, cause))))

  /** {@link request} answering `None` for a missing object. */
  const requestOrNone = <A>(doing: string, f: (signal: AbortSignal) => Promise<A>): Effect.Effect<Option.Option<A>> =>
    Effect.tryPromise({ try: (signal) => f(signal), catch: (cause) => cause }).pipe(
      Effect.map(Option.some),
      Effect.catch((cause) => (isMissing(cause) ? Effect.succeed(Option.none<A>()) : Effect.die(fail(doing, cause))))
    )

  const getObject = (key: string, signal: AbortSignal, range?: string) =>
    client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range === undefined ? {} : { Range: range }) }), { abortSignal: signal })

  const readMeta = (id: string): Effect.Effect<Option.Option<StoredMedia>> =>
    requestOrNone(`read ${keyOf(id, ".json")}`, async (signal) => (await getObject(keyOf(id, ".json"), signal)).Body?.transformToString() ?? "").pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeed(Option.none<StoredMedia>()),
        onSome: (text) => Effect.map(Effect.orDie(decodeMeta(text)), Option.some)
      }))
    )

  /** The ids of every document under the prefix (those whose metadata exists), page by page. */
  const listIds = request(`list ${prefix === "" ? "the bucket" : prefix}`, async (signal) => {
    const ids: Array<string> = []
    let token: string | undefined
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          // Keys nested deeper (another prefix's documents) are not listed.
          Delimiter: "/",
          ...(token === undefined ? {} : { ContinuationToken: token })
        }),
        { abortSignal: signal }
      )
      for (const object of page.Contents ?? []) {
        const rest = object.Key?.slice(prefix.length) ?? ""
        if (object.Key?.startsWith(prefix) === true && rest.endsWith(".json") && isDocumentId(rest.slice(0, -5))) ids.push(rest.slice(0, -5))
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined
    } while (token !== undefined)
    return ids
  })

  return {
    // The metadata is written last: it marks the document as complete.
    write: (meta, bytes) =>
      Effect.andThen(
        request(`write ${keyOf(meta.document_id)}`, (signal) =>
          client.send(
            new PutObjectCommand({ Bucket: bucket, Key: keyOf(meta.document_id), Body: bytes, ContentType: meta.media_type, ContentLength: bytes.byteLength }),
            { abortSignal: signal }
          )),
        request(`write ${keyOf(meta.document_id, ".json")}`, (signal) =>
          client.send(
            new PutObjectCommand({ Bucket: bucket, Key: keyOf(meta.document_id, ".json"), Body: JSON.stringify(meta), ContentType: "application/json" }),
            { abortSignal: signal }
          ))
      ),
    read: (id) =>
      Effect.gen(function*() {
        const meta = yield* readMeta(id)
        if (Option.isNone(meta)) return Option.none()
        const bytes = yield* requestOrNone(`read ${keyOf(id)}`, async (signal) =>
          (await getObject(keyOf(id), signal)).Body?.transformToByteArray() ?? new Uint8Array(0))
        return Option.map(bytes, (found) => ({ meta: meta.value, bytes: found }))
      }),
    readMeta,
    list: (tenantId, filter) =>
      Effect.gen(function*() {
        const ids = yield* listIds
        const metas = yield* Effect.forEach(ids, readMeta, { concurrency: listConcurrency })
        return metas
          .flatMap((meta) => (Option.isSome(meta) ? [meta.value] : []))
          .filter((meta) =>
            meta.tenant_id === tenantId &&
            (filter.thread_id === undefined || meta.thread_id === filter.thread_id) &&
            (filter.assistant_id === undefined || meta.assistant_id === filter.assistant_id)
          )
          .sort(byCreation)
      }),
    delete: (id) =>
      Effect.andThen(
        request(`delete ${keyOf(id, ".json")}`, (signal) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(id, ".json") }), { abortSignal: signal })),
        request(`delete ${keyOf(id)}`, (signal) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(id) }), { abortSignal: signal }))
      ),
    // A ranged GetObject: only the asked bytes travel, streamed as they arrive.
    stream: (id, range) =>
      requestOrNone(`read ${keyOf(id)}`, async (signal) => {
        const output = await getObject(keyOf(id), signal, range === undefined ? undefined : `bytes=${range.start}-${range.end}`)
        return output.Body === undefined ? new ReadableStream<Uint8Array>({ start: (c) => c.close() }) : output.Body.transformToWebStream() as ReadableStream<Uint8Array>
      })
  }
}
