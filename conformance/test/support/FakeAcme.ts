/**
 * A fake Acme Voice API as a local `fetch`, so record mode is tested without a network: it
 * checks the bearer key, answers the four endpoints like the real vendor would (multipart in,
 * chunked audio with pauses, server-sent events), and echoes the key in one response to prove
 * the recorder redacts it.
 */
import { readFileSync } from "node:fs"

const mp3 = new Uint8Array(readFileSync(new URL("../../examples/acme-voice/cassettes/audio/speech.mp3", import.meta.url)))
const png = Buffer.from(
  (JSON.parse(readFileSync(new URL("../../examples/acme-voice/cassettes/image-success.json", import.meta.url), "utf8")) as {
    interactions: Array<{ response: { body: { json: { data: Array<{ b64_png: string }> } } } }>
  }).interactions[0]?.response.body.json.data[0]?.b64_png ?? "",
  "base64"
)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const encoder = new TextEncoder()

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "x-request-id": "req_live_1", ...headers } })

const paced = (chunks: ReadonlyArray<Uint8Array>, pauseMs: number) =>
  new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const [i, chunk] of chunks.entries()) {
        if (i > 0) await sleep(pauseMs)
        controller.enqueue(chunk)
      }
      controller.close()
    }
  })

/** Builds the fake vendor; `requests` counts what it received. */
export const fakeAcme = (key: string) => {
  const requests: Array<string> = []
  const upstream: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    requests.push(`${request.method} ${url.pathname}`)
    if (request.headers.get("authorization") !== `Bearer ${key}`) return json(401, { error: { code: "invalid_api_key", message: "Invalid API key." } })
    switch (url.pathname) {
      case "/v1/transcriptions": {
        const form = await request.formData()
        const file = form.get("file") as File
        return json(200, {
          id: "tr_live",
          text: "Patchbay turns speech into text and back again.",
          language: form.get("language"),
          duration: 2.664,
          usage: { audio_seconds: 2.664 },
          note: `received ${file.size} bytes for key ${key}`
        }, { "set-cookie": "session=abc" })
      }
      case "/v1/speech": {
        const body = (await request.json()) as { input: string }
        const third = Math.ceil(mp3.length / 3)
        return new Response(paced([mp3.subarray(0, third), mp3.subarray(third, 2 * third), mp3.subarray(2 * third)], 25), {
          status: 200,
          headers: { "content-type": "audio/mpeg", "x-request-id": "req_live_2", "x-acme-characters": String(body.input.length) }
        })
      }
      case "/v1/chat": {
        const events = [
          { type: "text", delta: "Hello" },
          { type: "text", delta: " there" },
          { type: "usage", input_tokens: 5, output_tokens: 2 },
          { type: "done", finish_reason: "stop" }
        ].map((e) => encoder.encode(`data: ${JSON.stringify(e)}\n\n`))
        return new Response(paced([encoder.encode(": ping\n\n"), ...events, encoder.encode("data: [DONE]\n\n")], 15), {
          status: 200,
          headers: { "content-type": "text/event-stream" }
        })
      }
      case "/v1/images":
        return json(200, { created: 1, data: [{ b64_png: png.toString("base64") }], usage: { cost_usd: 0.002 } })
      default:
        return json(404, { error: { code: "not_found", message: url.pathname } })
    }
  }
  return { upstream, requests }
}
