/**
 * Upload memory of the ElevenLabs adapter: peak RSS growth while a 1 GB audio file is transcribed
 * through `@patchbay/elevenlabs` against a loopback endpoint — a local HTTP server (in another
 * process) that consumes the multipart body as it arrives and answers with the JSON of the
 * adapter's `stt-success-scribe-v1.json` cassette. The request goes out through the real global
 * `fetch`, so the multipart body is encoded and sent as it would be to the vendor.
 *
 * Measured, each in its own process (so its peak RSS is its own), against baselines in the same run:
 *
 *   file       the adapter given a path: `fs.openAsBlob`, passed through the SDK unread and
 *              streamed from disk by the adapter's upload transport
 *   stream     the adapter given a one-shot stream of the same bytes: spooled to a temporary
 *              file (counted against the limit), then uploaded from disk
 *   whole      baseline: the file read whole into memory first, then uploaded by the adapter
 *   node-fetch baseline: the adapter given a path but Node's global `fetch` as transport, which
 *              keeps the request body it sent in memory (nodejs/undici#4058)
 *   sdk-stream baseline: the SDK itself given a file stream (what it does: read it whole)
 *
 * Each process first makes one small upload (so code paths are warm), then measures.
 *
 * The input is core's speech.mp3 fixture repeated to 1 GB in a temporary directory, deleted
 * afterwards. Run: `pnpm bench:upload` (or `node --expose-gc bench/upload.ts`); `BENCH_UPLOAD_MB`
 * changes the size.
 */
import { spawn } from "node:child_process"
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { Readable } from "node:stream"
import { finished } from "node:stream/promises"
import { fileURLToPath } from "node:url"

const MB = 1_000_000
const here = path.dirname(fileURLToPath(import.meta.url))
const adapterDir = path.join(here, "../adapters/elevenlabs")
const cassette = JSON.parse(readFileSync(path.join(adapterDir, "test/cassettes/stt-success-scribe-v1.json"), "utf8")) as {
  interactions: ReadonlyArray<{ response: { body: { json: unknown } } }>
}
const answer = JSON.stringify(cassette.interactions[0]?.response.body.json)

const scenarios = {
  file: "the adapter, given the path (fs.openAsBlob)",
  stream: "the adapter, given a one-shot stream (spooled to disk)",
  whole: "baseline: the file read whole into memory first",
  "node-fetch": "baseline: the adapter on Node's global fetch (undici)",
  "sdk-stream": "baseline: the SDK itself given a file stream"
} as const
type Scenario = keyof typeof scenarios

// ---------------------------------------------------------------------------------------------
// The measured side (a child process per scenario)
// ---------------------------------------------------------------------------------------------

const measure = async (scenario: Scenario, file: string, baseUrl: string): Promise<void> => {
  const { Effect } = await import("effect")
  const { AudioInput } = await import("../packages/core/src/index.ts")
  const { elevenlabs } = await import("../adapters/elevenlabs/src/index.ts")
  const { ElevenLabsClient } = createRequire(path.join(adapterDir, "package.json"))("@elevenlabs/elevenlabs-js") as typeof import("../adapters/elevenlabs/node_modules/@elevenlabs/elevenlabs-js/index.js")
  const provider = elevenlabs({
    apiKey: "bench-key-not-a-secret",
    baseUrl,
    spoolDir: path.dirname(file),
    ...(scenario === "node-fetch" ? { fetch: globalThis.fetch } : {})
  })
  const client = new ElevenLabsClient({ apiKey: "bench-key-not-a-secret", baseUrl, maxRetries: 0, timeoutInSeconds: 3600 })
  const small = path.join(here, "../packages/core/test/fixtures/audio/speech.mp3")
  await Effect.runPromise(Effect.flatMap(AudioInput.fromFile(small), (audio) => provider.stt!.transcribe({ model: "scribe_v1", audio })))
  await client.speechToText.convert({ modelId: "scribe_v1", file: createReadStream(small) })
  const global = globalThis as { gc?: () => void }
  global.gc?.()
  const before = process.memoryUsage().rss
  const started = performance.now()
  let text: string
  switch (scenario) {
    case "file":
    case "stream":
    case "whole":
    case "node-fetch": {
      const audio = scenario === "file" || scenario === "node-fetch"
        ? await Effect.runPromise(AudioInput.fromFile(file))
        : scenario === "stream"
        ? await Effect.runPromise(AudioInput.fromStream(Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>, "long.mp3"))
        : AudioInput.fromBytes(readFileSync(file), "long.mp3")
      const transcript = await Effect.runPromise(provider.stt!.transcribe({ model: "scribe_v1", audio }))
      text = transcript.text
      break
    }
    case "sdk-stream": {
      const response = await client.speechToText.convert({ modelId: "scribe_v1", file: createReadStream(file) })
      text = "text" in response ? response.text : ""
      break
    }
  }
  const seconds = (performance.now() - started) / 1000
  const peak = process.resourceUsage().maxRSS * 1024
  console.log(JSON.stringify({ scenario, growth: peak - before, seconds, ok: text.length > 0 }))
}

// ---------------------------------------------------------------------------------------------
// The runner: input, loopback endpoint, one child per scenario
// ---------------------------------------------------------------------------------------------

/** A server that reads each upload to its end as it arrives, counting its bytes, and answers the cassette's JSON. */
const loopback = async (): Promise<{ server: Server; url: string; received: () => number }> => {
  let last = 0
  const server = createServer((request, response) => {
    let bytes = 0
    request.on("data", (chunk: Buffer) => {
      bytes += chunk.byteLength
    })
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
  const mp3 = readFileSync(path.join(here, "../packages/core/test/fixtures/audio/speech.mp3"))
  const file = path.join(dir, "long.mp3")
  const out = createWriteStream(file)
  for (let written = 0; written < bytes; written += mp3.byteLength) {
    if (!out.write(mp3)) await new Promise<void>((resolve) => out.once("drain", () => resolve()))
  }
  out.end()
  await finished(out)
  return file
}

const formatMb = (bytes: number) => `${(bytes / MB).toFixed(1).padStart(7)} MB`

const run = async () => {
  const size = Number(process.env.BENCH_UPLOAD_MB ?? 1000) * MB
  const dir = mkdtempSync(path.join(os.tmpdir(), "patchbay-bench-upload-"))
  const { server, url, received } = await loopback()
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  process.once("SIGINT", () => {
    cleanup()
    process.exit(130)
  })
  try {
    const file = await makeInput(dir, size)
    const total = statSync(file).size
    console.log(`upload       ${(total / MB).toFixed(0)} MB of mp3 (core's speech.mp3 repeated) → STT scribe_v1 → loopback HTTP endpoint, ${os.availableParallelism()} cores`)
    const results: Array<{ scenario: Scenario; growth: number; seconds: number }> = []
    for (const scenario of Object.keys(scenarios) as Array<Scenario>) {
      // Async, so this process's server keeps answering while the child uploads.
      const child = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const proc = spawn(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), scenario, file, url], { stdio: ["ignore", "pipe", "pipe"] })
        let stdout = ""
        let stderr = ""
        proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
        proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
        proc.on("close", (status) => resolve({ status, stdout, stderr }))
      })
      const line = child.stdout.trim().split("\n").at(-1) ?? ""
      if (child.status !== 0 || !line.startsWith("{")) throw new Error(`${scenario} failed (exit ${child.status}):\n${child.stderr}${child.stdout}`)
      const result = JSON.parse(line) as { scenario: Scenario; growth: number; seconds: number; ok: boolean }
      if (!result.ok) throw new Error(`${scenario}: no transcript came back`)
      if (received() < total) throw new Error(`${scenario}: the endpoint received ${received()} bytes for a ${total}-byte file`)
      results.push(result)
      console.log(`upload       ${scenarios[scenario].padEnd(54)} peak RSS growth ${formatMb(result.growth)}  in ${result.seconds.toFixed(1)} s`)
    }
    const ours = results.filter((r) => r.scenario === "file" || r.scenario === "stream").map((r) => r.growth)
    const baselines = results.filter((r) => r.scenario !== "file" && r.scenario !== "stream").map((r) => r.growth)
    console.log(
      `upload       the adapter: ${formatMb(Math.min(...ours)).trim()}–${formatMb(Math.max(...ours)).trim()} (${(100 * Math.max(...ours) / total).toFixed(1)} % of the input at most); ` +
        `the baselines: ${formatMb(Math.min(...baselines)).trim()}–${formatMb(Math.max(...baselines)).trim()}`
    )
  } finally {
    server.close()
    cleanup()
  }
}

const [scenario, file, baseUrl] = process.argv.slice(2)
if (scenario === undefined) {
  await run()
} else {
  if (!(scenario in scenarios) || file === undefined || baseUrl === undefined) {
    throw new Error(`usage: node --expose-gc bench/upload.ts [${Object.keys(scenarios).join("|")} <file> <url>]`)
  }
  await measure(scenario as Scenario, file, baseUrl)
}
