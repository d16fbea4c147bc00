/**
 * A fake LLM vendor over loopback HTTP, to see from outside a process that its vendor requests
 * were aborted: the server streams a reply word by word and then holds the response open (a
 * generation that never finishes) or ends it; it counts the requests it got and those whose
 * client went away before the end. `finish` ends the responses held open. `upstreamProvider` is the LLM that calls it, aborting its
 * request when the stream is stopped.
 */
import type { LlmEvent, PatchbayProvider } from "@patchbay/core"
import { Effect, Queue, Stream } from "effect"
import { EventEmitter } from "node:events"
import { createServer, type Server } from "node:http"

/** What the fake vendor saw. */
export interface Upstream {
  readonly url: string
  /** Requests received. */
  readonly started: () => number
  /** Requests whose client went away before the response ended. */
  readonly aborted: () => number
  /** Ends every response held open: the generations finish. */
  readonly finish: () => void
  /** Resolves once `count()` reaches `n` (counts are checked at every change; no timers). */
  readonly until: (count: () => number, n: number) => Promise<void>
  readonly close: () => Promise<void>
}

/**
 * Serves `POST /chat`: writes each of `words`, then holds the response open when `hang` (the
 * default; until `finish`) or ends it.
 */
export const serveUpstream = async (options: { readonly words?: ReadonlyArray<string>; readonly hang?: boolean } = {}): Promise<Upstream> => {
  const words = options.words ?? ["One", " two", " three"]
  const changes = new EventEmitter()
  let started = 0
  let aborted = 0
  const open = new Set<() => void>()
  const server: Server = createServer((request, response) => {
    started++
    changes.emit("change")
    let ended = false
    response.on("close", () => {
      open.delete(end)
      if (!ended) {
        aborted++
        changes.emit("change")
      }
    })
    response.writeHead(200, { "content-type": "text/plain; charset=utf-8" })
    for (const word of words) response.write(word)
    const end = () => {
      ended = true
      open.delete(end)
      response.end()
    }
    if (options.hang === false) end()
    else open.add(end)
    request.resume()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("no address")
  return {
    url: `http://127.0.0.1:${address.port}`,
    started: () => started,
    aborted: () => aborted,
    finish: () => {
      for (const end of [...open]) end()
    },
    until: (count, n) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (count() >= n) {
            changes.off("change", check)
            resolve()
          }
        }
        changes.on("change", check)
        check()
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * A provider `upstream` whose LLM (`fake-llm`) streams what the fake vendor at `url` writes, one
 * `text_delta` per chunk; stopping the stream aborts the HTTP request.
 */
export const upstreamProvider = (url: string): PatchbayProvider => ({
  id: "upstream",
  models: [{ id: "fake-llm", provider: "upstream", capability: "llm", streaming: true, tools: true }],
  llm: {
    catalogue: "closed",
    validate: () => Effect.void,
    stream: () =>
      Stream.callback<LlmEvent>((queue) =>
        Effect.acquireRelease(
          Effect.sync(() => {
            const controller = new AbortController()
            void (async () => {
              const response = await fetch(`${url}/chat`, { method: "POST", body: "{}", signal: controller.signal })
              const decoder = new TextDecoder()
              for await (const chunk of response.body!) {
                Queue.offerUnsafe(queue, { type: "text_delta", delta: decoder.decode(chunk as Uint8Array, { stream: true }) })
              }
              Queue.offerUnsafe(queue, { type: "finish", reason: "stop" })
              Queue.endUnsafe(queue)
            })().catch(() => Queue.endUnsafe(queue))
            return controller
          }),
          (controller) => Effect.sync(() => controller.abort())
        ))
  }
})
