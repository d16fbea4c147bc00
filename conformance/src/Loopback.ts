/**
 * A loopback HTTP server in front of a fetch-style handler: what turns an adapter's fake
 * upstream (a `(Request) => Promise<Response>` speaking its vendor's wire format) into a real
 * server on 127.0.0.1, so the vendors' official SDKs can be pointed at it with `baseURL` and
 * go through real sockets, HTTP framing and stream parsing. Response bodies are written piece by
 * piece as the handler's stream yields them (each piece flushed at once), so a paced fake keeps
 * its timing on the wire.
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Readable } from "node:stream"

/** A running loopback server. @category models */
export interface Loopback {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string
  readonly port: number
  /** Stops accepting, ends open connections, and resolves when closed. */
  readonly close: () => Promise<void>
}

const toRequest = (req: IncomingMessage, origin: string): Request => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  const method = req.method ?? "GET"
  const body = method === "GET" || method === "HEAD" ? null : (Readable.toWeb(req) as ReadableStream<Uint8Array>)
  return new Request(new URL(req.url ?? "/", origin), { method, headers, body, duplex: "half" } as RequestInit)
}

const send = async (response: Response, res: ServerResponse): Promise<void> => {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (name !== "content-length" && name !== "transfer-encoding") headers[name] = value
  })
  res.writeHead(response.status, headers)
  res.flushHeaders()
  if (response.body === null) return void res.end()
  const reader = response.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      res.write(value)
    }
    res.end()
  } catch {
    res.destroy() // a failing body drops the connection, as a vendor's would
  }
}

/**
 * Serves `handler` on 127.0.0.1 (`port` 0: any free port). Only loopback is ever bound.
 *
 * @category constructors
 */
export const serveLoopback = (handler: (request: Request) => Promise<Response>, options: { readonly port?: number } = {}): Promise<Loopback> =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const origin = `http://${req.headers.host ?? "127.0.0.1"}`
      handler(toRequest(req, origin)).then((response) => send(response, res)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" })
        res.end(String(error))
      })
    })
    server.on("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          })
      })
    })
  })

/** When a paced response's pieces are due: the first `firstMs` after `start`, then one every `intervalMs`. @category models */
export interface Pace {
  readonly firstMs: number
  readonly intervalMs: number
}

const encoder = new TextEncoder()

/** Resolves at an instant on `performance.now()`'s clock (at once when it has passed). */
export const sleepUntil = (instant: number): Promise<void> => {
  const ms = instant - performance.now()
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()
}

/**
 * A body written piece by piece at a pace. Each piece is due at a fixed instant from `start`, so
 * a late timer delays that piece only, not every piece after it.
 */
export const pacedBody = (parts: ReadonlyArray<Uint8Array | string>, pace: Pace, start = performance.now()): ReadableStream<Uint8Array> => {
  let i = 0
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      if (i >= parts.length) return controller.close()
      await sleepUntil(start + pace.firstMs + i * pace.intervalMs)
      const part = parts[i++] ?? ""
      controller.enqueue(typeof part === "string" ? encoder.encode(part) : part)
    }
  })
}

/** Bytes cut into about `parts` pieces of equal size, in order (at least one byte each). */
export const piecesOf = (bytes: Uint8Array, parts: number): Array<Uint8Array> => {
  const step = Math.max(1, Math.ceil(bytes.byteLength / parts))
  const out: Array<Uint8Array> = []
  for (let at = 0; at < bytes.byteLength; at += step) out.push(bytes.subarray(at, Math.min(bytes.byteLength, at + step)))
  return out
}
