/**
 * Process B of the cross-process test: another Node process with its own `createPatchbay` on the
 * same bucket and media secret serves a signed URL that process A issued, whole and as a range,
 * and prints what it served as one JSON line. Settings come from the environment (the AWS
 * credentials too, as for any process).
 */
import { createPatchbay } from "@patchbay/core"
import { createHash } from "node:crypto"
import { s3 } from "../../src/index.ts"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined || value === "") throw new Error(`${name} is not set`)
  return value
}

const pb = createPatchbay({
  providers: [],
  media: {
    store: s3({ bucket: env("B_BUCKET"), prefix: env("B_PREFIX"), endpoint: env("B_ENDPOINT"), forcePathStyle: true, region: "us-east-1" }),
    secret: env("B_SECRET")
  }
})
try {
  const url = env("B_URL")
  const whole = await pb.media.handler(new Request(url))
  const bytes = new Uint8Array(await whole.arrayBuffer())
  const ranged = await pb.media.handler(new Request(url, { headers: { range: "bytes=4-11" } }))
  const part = new Uint8Array(await ranged.arrayBuffer())
  console.log(JSON.stringify({
    status: whole.status,
    size: bytes.byteLength,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    rangeStatus: ranged.status,
    contentRange: ranged.headers.get("content-range"),
    range: [...part]
  }))
} finally {
  await pb.dispose()
}
