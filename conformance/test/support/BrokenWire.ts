/**
 * Broken variants of the example adapter whose bug is in how they read the vendor's answer on
 * the wire — the kind of code an adapter grows when it repairs or re-reads a response before its
 * SDK sees it (OpenRouter's image items) — each caught by one check of the battery.
 */
import type { MakeProvider } from "../../src/index.ts"
import { acmeVoice } from "../../examples/acme-voice/src/index.ts"

/**
 * Re-reads every event stream before the adapter parses it, finding events at a blank line
 * written `"\n\n"` and passing each on whole; what is left when the stream ends (no blank line
 * after it) is dropped as a half-sent event. Right for LF streams; a CRLF stream has no
 * `"\n\n"`, so every event is dropped.
 */
export const eventsAtLfBlankLines: MakeProvider = ({ fetch, apiKey }) =>
  acmeVoice({
    apiKey,
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      if (!(response.headers.get("content-type") ?? "").includes("text/event-stream") || response.body === null) return response
      const decoder = new TextDecoder()
      const encoder = new TextEncoder()
      let pending = ""
      const events = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          pending += decoder.decode(chunk, { stream: true })
          const parts = pending.split("\n\n")
          pending = parts.pop() ?? ""
          for (const event of parts) controller.enqueue(encoder.encode(`${event}\n\n`))
        }
      })
      return new Response(response.body.pipeThrough(events), { status: response.status, statusText: response.statusText, headers: response.headers })
    }
  })
