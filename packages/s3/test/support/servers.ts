/**
 * The servers the tests talk to, all on loopback ports: an S3-compatible server from npm
 * (`@20minutes/s3rver`, buckets created through its own `configureBuckets`, since the SDK's
 * CreateBucket fails its signature check), and a recording proxy in front of it that shows which
 * requests reached the bucket and how many bytes came back.
 */
import S3rver from "@20minutes/s3rver"
import { mkdtempSync, rmSync } from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** The credentials s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const

export interface Running {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string
  readonly close: () => Promise<void>
}

/**
 * An s3rver with `buckets`, its objects in a fresh temporary folder removed when it closes.
 *
 * s3rver checks a bucket-level request's signature (ListObjectsV2) over the path `/<bucket>`
 * while the SDK signs `/<bucket>/`, so it refuses every list. `lenient` lets such requests
 * through (the access key is still checked); object requests verify exactly either way, so the
 * credential tests use a strict server.
 */
export const startS3rver = async (buckets: ReadonlyArray<string>, options: { readonly lenient: boolean }): Promise<Running> => {
  const directory = mkdtempSync(join(tmpdir(), "patchbay-s3rver-"))
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    allowMismatchedSignatures: options.lenient,
    directory,
    configureBuckets: buckets.map((name) => ({ name }))
  })
  const { port } = await server.run()
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      await server.close()
      rmSync(directory, { recursive: true, force: true })
    }
  }
}

/** One request the proxy forwarded. */
export interface Forwarded {
  readonly method: string
  /** The path, without the query. */
  readonly path: string
  readonly range: string | undefined
  readonly status: number
  /** Bytes of the response body that came back. */
  readonly bytes: number
}

/** A proxy forwarding everything to `target`, recording each request once its response ended. */
export const startRecordingProxy = async (target: string): Promise<Running & { readonly forwarded: Array<Forwarded> }> => {
  const forwarded: Array<Forwarded> = []
  const server = Http.createServer((request, response) => {
    const upstream = Http.request(`${target}${request.url ?? "/"}`, { method: request.method ?? "GET", headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      let bytes = 0
      answer.on("data", (chunk: Buffer) => void (bytes += chunk.byteLength))
      answer.on("end", () =>
        forwarded.push({
          method: request.method ?? "GET",
          path: new URL(request.url ?? "/", "http://localhost").pathname,
          range: request.headers.range,
          status: answer.statusCode ?? 0,
          bytes
        }))
      answer.pipe(response)
    })
    upstream.on("error", () => response.destroy())
    request.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** A loopback port with nothing listening (bound, then released). */
export const closedPort = async (): Promise<number> => {
  const server = Http.createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
