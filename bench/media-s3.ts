/**
 * Media on S3 across instances (`pnpm bench:media`): runtime A writes documents to a bucket
 * through `s3(...)`; runtime B — another `createPatchbay` with the same bucket and media secret,
 * as a second instance behind a load balancer would be — serves A's signed URLs with its media
 * handler. Timed from the request to the handler until the first body byte is read:
 *
 *   first byte         a whole document (GET, 200): p50, p99
 *   first byte, range  `Range: bytes=0-65535` of it (206): p50, p99
 *   whole document     until its last byte: p50, p99
 *
 * Each document is served once (B holds no cache: every request goes to the bucket, metadata
 * then bytes). The bucket is an S3-compatible server from npm (`@20minutes/s3rver`, on a
 * loopback port, its objects in a temporary folder): the figures are Patchbay's path plus that
 * server's own latency, not a cloud provider's. `BENCH_MEDIA_REQUESTS` sets the number of
 * documents (default 200), `BENCH_MEDIA_BYTES` their size (default 262,144: about 16 s of
 * 128 kbit/s speech).
 */
import { Effect, ManagedRuntime } from "effect"
import { createPatchbay, MediaStore } from "../packages/core/src/index.ts"
import { s3 } from "../packages/s3/src/index.ts"
import { S3RVER_CREDENTIALS, startS3rver } from "../packages/s3/test/support/servers.ts"

const requests = Number(process.env["BENCH_MEDIA_REQUESTS"] ?? 200)
const size = Number(process.env["BENCH_MEDIA_BYTES"] ?? 262_144)
const secret = "bench-media-secret-3d8a61f0"
const bucket = "patchbay-bench"

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
const ms = (n: number) => `${n.toFixed(2)} ms`
const line = (label: string, samples: Array<number>) => {
  const sorted = [...samples].sort((a, b) => a - b)
  console.log(`  ${label.padEnd(22)} p50 ${ms(quantile(sorted, 0.5))}  p99 ${ms(quantile(sorted, 0.99))}`)
}

/** Serves `url` through `handler`: when the first body byte arrived and when the last did, from the request. */
const timeServe = async (handler: (request: Request) => Promise<Response>, url: string, headers: Record<string, string> = {}) => {
  const start = performance.now()
  const response = await handler(new Request(url, { headers }))
  const reader = response.body!.getReader()
  let first: number | undefined
  let bytes = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    first ??= performance.now()
    bytes += value.byteLength
  }
  return { status: response.status, firstByte: (first ?? performance.now()) - start, whole: performance.now() - start, bytes }
}

// The SDK's default chain reads the credentials from the environment, as it would in production.
process.env["AWS_ACCESS_KEY_ID"] = S3RVER_CREDENTIALS.accessKeyId
process.env["AWS_SECRET_ACCESS_KEY"] = S3RVER_CREDENTIALS.secretAccessKey
const server = await startS3rver([bucket], { lenient: true })
const store = () => s3({ bucket, prefix: "bench/", endpoint: server.endpoint, forcePathStyle: true, region: "us-east-1" })
try {
  const a = ManagedRuntime.make(MediaStore.layerSource(store(), { secret, baseUrl: "https://media.example.test" }))
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) % 251)
  const urls = await a.runPromise(Effect.forEach(
    Array.from({ length: requests * 2 + 1 }),
    () => MediaStore.use((media) => Effect.flatMap(media.put({ bytes, media_type: "audio/mpeg" }), (doc) => media.url(doc.document_id))),
    { concurrency: 4 }
  ))
  await a.dispose()

  const b = createPatchbay({ providers: [], media: { store: store(), secret } })
  // Opens B's store (its client and the bucket check) before anything is timed.
  await timeServe(b.media.handler, urls[0]!)

  const firstByte: Array<number> = []
  const whole: Array<number> = []
  const ranged: Array<number> = []
  for (const [index, url] of urls.slice(1).entries()) {
    if (index % 2 === 0) {
      const served = await timeServe(b.media.handler, url)
      if (served.status !== 200 || served.bytes !== size) throw new Error(`B served ${served.status} with ${served.bytes} bytes`)
      firstByte.push(served.firstByte)
      whole.push(served.whole)
    } else {
      const served = await timeServe(b.media.handler, url, { range: "bytes=0-65535" })
      if (served.status !== 206 || served.bytes !== Math.min(65_536, size)) throw new Error(`B served ${served.status} with ${served.bytes} bytes`)
      ranged.push(served.firstByte)
    }
  }
  await b.dispose()

  console.log(`Media written by runtime A to S3 (s3rver on 127.0.0.1), served by runtime B's media handler`)
  console.log(`  ${firstByte.length} documents of ${size} bytes served whole, ${ranged.length} as a 64 KiB range`)
  line("first byte", firstByte)
  line("first byte, range", ranged)
  line("whole document", whole)
} finally {
  await server.close()
}
