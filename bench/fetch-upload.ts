/**
 * Does Node's global `fetch` stream a request body given as a `ReadableStream`
 * (`duplex: "half"`), or buffer it before sending? The answer decides how an adapter uploads
 * audio of unknown length: counted as it streams (core's `countedStreamBody`), or read whole
 * first. The authoring guide quotes this measurement.
 *
 * A loopback server records when the first body bytes arrive; the client's source yields
 * `PIECES` pieces `GAP_MS` apart and records when it finished. Streaming: the first bytes
 * arrive about one gap after the start, long before the source finished. Buffering: they arrive
 * after it. Also measured: a body given as bytes (buffered by definition), and a stream body
 * without `duplex` (which `fetch` refuses).
 *
 * Run: `node bench/fetch-upload.ts` (prints Markdown; exits non-zero only if the server saw a
 * different byte count than was sent).
 */
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"

const PIECES = 10
const GAP_MS = 50
const PIECE_BYTES = 64 * 1024

interface Seen {
  firstByteAt: number
  bytes: number
}

const server = createServer((req: IncomingMessage, res) => {
  const seen: Seen = { firstByteAt: Number.NaN, bytes: 0 }
  req.on("data", (chunk: Buffer) => {
    if (seen.bytes === 0) seen.firstByteAt = performance.now()
    seen.bytes += chunk.byteLength
  })
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify(seen))
  })
})
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload?model=nova&language=en`

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A source of unknown length: pieces at a pace; `finished` is set when it closed. */
const source = () => {
  const state = { finishedAt: Number.NaN }
  let i = 0
  const stream = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      if (i > 0) await sleep(GAP_MS)
      if (i === PIECES) {
        state.finishedAt = performance.now()
        return controller.close()
      }
      controller.enqueue(new Uint8Array(PIECE_BYTES).fill(i++))
    }
  })
  return { stream, state }
}

const rows: Array<string> = []
let wrong = false
const report = (name: string, startedAt: number, finishedAt: number, seen: Seen) => {
  if (seen.bytes !== PIECES * PIECE_BYTES) wrong = true
  const first = seen.firstByteAt - startedAt
  const done = finishedAt - startedAt
  const verdict = first < done ? "streams" : "buffers"
  rows.push(`| ${name} | ${first.toFixed(1)} | ${done.toFixed(1)} | ${seen.bytes} | ${verdict} |`)
}

// Warm-up: one connection and the code paths, not measured.
await fetch(url, { method: "POST", body: new Uint8Array(16) }).then((r) => r.text())

for (let run = 1; run <= 3; run++) {
  const { stream, state } = source()
  const startedAt = performance.now()
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "audio/mpeg" },
    body: stream,
    duplex: "half"
  } as RequestInit)
  report(`ReadableStream, duplex "half" (run ${run})`, startedAt, state.finishedAt, (await response.json()) as Seen)
}

{
  const { stream, state } = source()
  const chunks: Array<Uint8Array> = []
  const startedAt = performance.now()
  for await (const chunk of stream) chunks.push(chunk)
  const response = await fetch(url, { method: "POST", body: Buffer.concat(chunks) })
  report("read whole, then bytes", startedAt, state.finishedAt, (await response.json()) as Seen)
}

let withoutDuplex: string
try {
  await fetch(url, { method: "POST", body: source().stream })
  withoutDuplex = "accepted"
} catch (error) {
  withoutDuplex = `refused: ${error instanceof Error ? error.message : String(error)}`
}

server.close()
console.log(`Node ${process.versions.node}, undici ${process.versions.undici ?? "?"}: ${PIECES} pieces of ${PIECE_BYTES} bytes, ${GAP_MS} ms apart\n`)
console.log("| body | first bytes at the server (ms) | source finished (ms) | bytes received | verdict |")
console.log("| --- | --- | --- | --- | --- |")
for (const row of rows) console.log(row)
console.log(`\nA stream body without duplex: ${withoutDuplex}`)
if (wrong) process.exitCode = 1
