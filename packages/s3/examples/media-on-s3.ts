/**
 * Media on S3-compatible storage, two instances: instance A speaks a reply and its audio goes to
 * a bucket; instance B — another `createPatchbay` with the same bucket and the same media secret,
 * as behind a load balancer — serves A's signed URL, whole and as a byte range.
 *
 * Run it: `node packages/s3/examples/media-on-s3.ts` (Node 24, from the repo root). With
 * `PATCHBAY_S3_BUCKET` set it uses that bucket (and `PATCHBAY_S3_ENDPOINT` for a self-hosted
 * server), with credentials and region from the AWS SDK's usual environment; without it, it
 * starts a local S3-compatible server from npm (`@20minutes/s3rver`, a dev dependency of this
 * package) for the run. The vendors are `@patchbay/core/testing`'s fakes: no key needed.
 */
import { createPatchbay } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeTts } from "@patchbay/core/testing"
import { s3, type S3MediaOptions } from "@patchbay/s3"
import { S3RVER_CREDENTIALS, startS3rver } from "../test/support/servers.ts"

let where: S3MediaOptions
let stop = async () => {}
const bucket = process.env["PATCHBAY_S3_BUCKET"] ?? ""
if (bucket !== "") {
  const endpoint = process.env["PATCHBAY_S3_ENDPOINT"]
  where = { bucket, prefix: "patchbay-example/", ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }) }
} else {
  // A local S3-compatible server; the SDK reads these credentials from the environment, as from any.
  process.env["AWS_ACCESS_KEY_ID"] = S3RVER_CREDENTIALS.accessKeyId
  process.env["AWS_SECRET_ACCESS_KEY"] = S3RVER_CREDENTIALS.secretAccessKey
  const server = await startS3rver(["patchbay-media"], { lenient: true })
  stop = server.close
  where = { bucket: "patchbay-media", endpoint: server.endpoint, forcePathStyle: true, region: "us-east-1" }
}

/** One instance: fake vendors, media in the bucket, URLs signed with the secret every instance shares. */
const instance = () =>
  createPatchbay({
    providers: [fakeProvider({ id: "fake", llm: FakeLlm({ reply: "Your audio lives in a bucket now." }), tts: FakeTts() })],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    media: { store: s3(where), secret: "example-shared-secret" } // in production: PATCHBAY_MEDIA_SECRET
  })

const a = instance()
const b = instance()
try {
  const response = await a.addMessage({ content: "Where is my audio?", voice: { tts: { provider: "fake", model: "fake-tts", voice: "ada" } } })
  const record = response.messages.at(-1)?.voice_records?.tts
  if (record === undefined) throw new Error("no speech was produced")
  console.log(`A: ${response.content}`)
  console.log(`A stored ${record.document_id.slice(0, "doc_".length)}… in s3://${where.bucket}/${where.prefix ?? ""}`)

  // B never saw this document: it reads the metadata and the bytes from the bucket.
  const whole = await b.media.handler(new Request(`http://localhost${record.audio_url}`))
  const bytes = new Uint8Array(await whole.arrayBuffer())
  console.log(`B served: ${whole.status} ${whole.headers.get("content-type")}, ${bytes.byteLength} bytes`)
  const range = await b.media.handler(new Request(`http://localhost${record.audio_url}`, { headers: { range: "bytes=0-99" } }))
  const part = new Uint8Array(await range.arrayBuffer())
  console.log(`B served a range: ${range.status} ${range.headers.get("content-range")?.replace(/\/\d+$/, "/…")}, same bytes: ${part.every((byte, i) => byte === bytes[i])}`)
} finally {
  await Promise.all([a.dispose(), b.dispose()])
  await stop()
}
