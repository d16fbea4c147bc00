/**
 * `examples/media-on-s3.ts` runs as a user would run it (from the repo root, no bucket given, so
 * it starts its own local S3-compatible server) and prints exactly what the README shows.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { expect, it } from "vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))

it("examples/media-on-s3.ts: B serves what A stored, whole and as a range", async () => {
  const { PATCHBAY_S3_BUCKET: _bucket, PATCHBAY_S3_ENDPOINT: _endpoint, ...env } = process.env
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ["packages/s3/examples/media-on-s3.ts"], { cwd: root, env, timeout: 30_000 })
  expect(stderr).toBe("")
  expect(stdout.trimEnd().split("\n")).toEqual([
    "A: Your audio lives in a bucket now.",
    "A stored doc_… in s3://patchbay-media/",
    "B served: 200 audio/mpeg, 8039 bytes",
    "B served a range: 206 bytes 0-99/…, same bytes: true"
  ])
}, 60_000)
