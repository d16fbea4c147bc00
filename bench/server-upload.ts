/**
 * Upload memory of the server: peak RSS growth of a `@patchbay/server` process while a 1 GB mp3
 * goes through it — posted as multipart (`voice` field first, then `audio_file`) to
 * `POST /threads/messages` with `send_to_llm: false`, spooled to disk by the server, then
 * transcribed by `@patchbay/elevenlabs` (scribe_v1) against a loopback endpoint that consumes the
 * upload as it arrives and answers the adapter's cassette JSON.
 *
 * The server runs in its own process (its peak RSS is its own): it serves one small message
 * first (so code paths are warm), then takes its baseline, then the large one. Target: under
 * 100 MB of growth for 1 GB.
 *
 * Run: `pnpm bench:server-upload` (or `node --expose-gc bench/server-upload.ts`); `BENCH_UPLOAD_MB` changes the size.
 */
import { spawn } from "node:child_process"
import { createWriteStream, mkdtempSync, openAsBlob, readFileSync, rmSync, statSync } from "node:fs"
import { createServer, type Server } from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { createInterface } from "node:readline"
import { finished } from "node:stream/promises"
import { fileURLToPath } from "node:url"

const MB = 1_000_000
const here = path.dirname(fileURLToPath(import.meta.url))
const fixture = path.join(here, "../packages/core/test/fixtures/audio/speech.mp3")
const cassette = JSON.parse(readFileSync(path.join(here, "../adapters/elevenlabs/test/cassettes/stt-success-scribe-v1.json"), "utf8")) as {
  interactions: ReadonlyArray<{ response: { body: { json: unknown } } }>
}
const answer = JSON.stringify(cassette.interactions[0]?.response.body.json)

// ---------------------------------------------------------------------------------------------
// The measured side: the server, in a child process, driven by lines on stdin
// ---------------------------------------------------------------------------------------------

const serveChild = async (upstream: string): Promise<void> => {
  const { Effect } = await import("effect")
  const { createKey, CurrentTenant, Stores } = await import("../packages/core/src/index.ts")
  const { elevenlabs } = await import("../adapters/elevenlabs/src/index.ts")
  const { serve } = await import("../packages/server/src/index.ts")
  const stores = Stores.makeMemory()
  const { plaintext } = await Effect.runPromise(createKey({}).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "bench")))
  const running = await serve({
    providers: [elevenlabs({ apiKey: "bench-key-not-a-secret", baseUrl: upstream })],
    stores,
    media: { secret: "bench-secret-not-a-secret" },
    port: 0
  })
  console.log(JSON.stringify({ url: running.url, key: plaintext }))
  let before = 0
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === "baseline") {
      ;(globalThis as { gc?: () => void }).gc?.()
      before = process.memoryUsage().rss
      console.log(JSON.stringify({ before }))
    } else if (line === "report") {
      console.log(JSON.stringify({ growth: process.resourceUsage().maxRSS * 1024 - before }))
      await running.close()
      process.exit(0)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The runner: input, loopback upstream, the server child, the uploads
// ---------------------------------------------------------------------------------------------

/** A vendor stand-in that reads each upload to its end, counting its bytes, and answers the cassette's JSON. */
const loopback = async (): Promise<{ server: Server; url: string; received: () => number }> => {
  let last = 0
  const server = createServer((request, response) => {
    let bytes = 0
    request.on("data", (chunk: Buffer) => (bytes += chunk.byteLength))
    request.on("end", () => {
      last = bytes
      response.writeHead(200, { "content-type": "application/json", "request-id": "bench" }).end(answer)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("the loopback server has no port")
  return { server, url: `http://127.0.0.1:${address.port}`, received: () => last }
}

/** Core's real mp3 fixture, repeated to the size asked for. */
const makeInput = async (dir: string, bytes: number): Promise<string> => {
  const mp3 = readFileSync(fixture)
  const file = path.join(dir, "long.mp3")
  const out = createWriteStream(file)
  for (let written = 0; written < bytes; written += mp3.byteLength) {
    if (!out.write(mp3)) await new Promise<void>((resolve) => out.once("drain", () => resolve()))
  }
  out.end()
  await finished(out)
  return file
}

/** Posts a file as Backboard's SDK does: the voice field, then the audio. */
const post = async (url: string, key: string, file: string) => {
  const body = new FormData()
  body.append("voice", JSON.stringify({ stt: { provider: "elevenlabs", model: "scribe_v1" } }))
  body.append("send_to_llm", "false")
  body.append("audio_file", await openAsBlob(file, { type: "audio/mpeg" }), path.basename(file))
  const response = await fetch(`${url}/threads/messages`, { method: "POST", headers: { "x-api-key": key }, body })
  const json = (await response.json()) as { status?: string; content?: string; detail?: string }
  if (response.status !== 200 || json.status !== "completed") throw new Error(`the upload failed: ${response.status} ${JSON.stringify(json)}`)
  return json
}

const run = async () => {
  const size = Number(process.env["BENCH_UPLOAD_MB"] ?? 1000) * MB
  const dir = mkdtempSync(path.join(os.tmpdir(), "patchbay-bench-server-"))
  const upstream = await loopback()
  const child = spawn(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "serve", upstream.url], { stdio: ["pipe", "pipe", "inherit"] })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async <A>(): Promise<A> => {
    const line = await lines.next()
    if (line.done === true) throw new Error("the server process ended early")
    return JSON.parse(line.value) as A
  }
  try {
    const file = await makeInput(dir, size)
    const total = statSync(file).size
    const { key, url } = await next<{ url: string; key: string }>()
    await post(url, key, fixture)
    child.stdin.write("baseline\n")
    await next<{ before: number }>()
    const started = performance.now()
    await post(url, key, file)
    const seconds = (performance.now() - started) / 1000
    if (upstream.received() < total) throw new Error(`the upstream received ${upstream.received()} bytes for a ${total}-byte file`)
    child.stdin.write("report\n")
    const { growth } = await next<{ growth: number }>()
    console.log(`server upload  ${(total / MB).toFixed(0)} MB of mp3 → POST /threads/messages (multipart) → spooled → @patchbay/elevenlabs → loopback, ${os.availableParallelism()} cores`)
    console.log(`server upload  peak RSS growth of the server process ${(growth / MB).toFixed(1)} MB (${(100 * growth / total).toFixed(1)} % of the input; target under 100 MB) in ${seconds.toFixed(1)} s`)
  } finally {
    child.kill()
    upstream.server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const [mode, upstreamUrl] = process.argv.slice(2)
if (mode === "serve" && upstreamUrl !== undefined) await serveChild(upstreamUrl)
else await run()
