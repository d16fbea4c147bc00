/**
 * A fake OpenRouter for the CLI's demo cassettes: `POST /api/v1/chat/completions` with image
 * output (`message.images`, or `delta.images` when streamed) and `POST /api/v1/images`
 * (`b64_json`), answering from a {@link Script}. The adapter reads these bodies through
 * `@openrouter/ai-sdk-provider`, so its `Wire.ts` holds only the error envelope; the bodies here
 * are typed by the interfaces below, and errors by `Wire.ErrorBody`. {@link serve} puts the routes
 * on a loopback server (`baseURL`: `${url}/api/v1`).
 *
 * @since 0.1.0
 */
import { type Loopback, serveLoopback } from "@patchbay/conformance"
import { Schema } from "effect"
import * as Wire from "../../src/Wire.ts"

/** An image item of `images`: a `data:` URL. */
export interface ImagePart {
  readonly type: "image_url"
  readonly image_url: { readonly url: string }
}

/** OpenRouter's usage, with its `cost` in USD. */
export interface Usage {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly total_tokens: number
  readonly cost: number
  readonly [detail: string]: unknown
}

/** What the fake answers: the picture drawn (an edit or a new one), ids and pacing. */
export interface Script {
  /** A PNG: the edited picture when `edited`. */
  readonly picture: (edited: boolean) => Uint8Array
  /** A fresh id with the prefix (`gen-synth-0001`). */
  readonly id: (prefix: string) => string
  /** The `created` time of completions. */
  readonly created: number
  /** Milliseconds between streamed chunks. */
  readonly intervalMs: number
}

const encodeError = Schema.encodeSync(Wire.ErrorBody)
const sleep = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve())
const encoder = new TextEncoder()

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

const sse = (events: ReadonlyArray<unknown>, intervalMs: number, headers: Record<string, string>): Response => {
  const parts = [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), "data: [DONE]\n\n"]
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      if (i >= parts.length) return controller.close()
      if (i > 0) await sleep(intervalMs)
      controller.enqueue(encoder.encode(parts[i++] ?? ""))
    }
  })
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream", ...headers } })
}

/** Whether a request asks for an edit: it carries an input image, or asks for the blue robot. */
const wantsEdit = (value: unknown): boolean => /image_url|input_references|data:image\//.test(JSON.stringify(value)) || /\bblue\b/i.test(JSON.stringify(value))

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64")

const chat = async (script: Script, request: Request): Promise<Response> => {
  const body = (await request.json()) as Record<string, unknown>
  const model = String(body["model"] ?? "")
  const id = script.id("gen-synth-")
  const edited = wantsEdit(body["messages"])
  const image: ImagePart = { type: "image_url", image_url: { url: `data:image/png;base64,${base64(script.picture(edited))}` } }
  const content = edited ? "Here is the robot, now blue, under a crescent moon." : "Here is a tiny red robot watering a sunflower."
  const promptTokens = Math.ceil(JSON.stringify(body["messages"] ?? []).length / 4)
  const usage: Usage = {
    prompt_tokens: promptTokens,
    completion_tokens: 1290,
    total_tokens: promptTokens + 1290,
    cost: 0.039,
    is_byok: false,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, image_tokens: 1290 },
    cost_details: { upstream_inference_cost: null, upstream_inference_prompt_cost: 0, upstream_inference_completions_cost: 0.039 }
  }
  const headers = { "x-generation-id": id }
  if (body["stream"] === true) {
    const base = { id, provider: "Google", model, object: "chat.completion.chunk", created: script.created }
    return sse([
      { ...base, choices: [{ index: 0, delta: { role: "assistant", content }, finish_reason: null, native_finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "", images: [image] }, finish_reason: null, native_finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: "stop", native_finish_reason: "STOP" }], usage }
    ], script.intervalMs, headers)
  }
  return json(200, {
    id,
    provider: "Google",
    model,
    object: "chat.completion",
    created: script.created,
    choices: [{ index: 0, logprobs: null, finish_reason: "stop", native_finish_reason: "STOP", message: { role: "assistant", content, refusal: null, reasoning: null, images: [image] } }],
    usage
  }, headers)
}

const images = async (script: Script, request: Request): Promise<Response> => {
  const body = (await request.json()) as Record<string, unknown>
  const png = script.picture(wantsEdit(body))
  return json(200, {
    created: script.created,
    data: [{ b64_json: base64(png), media_type: "image/png" }],
    usage: { prompt_tokens: 20, completion_tokens: 1290, total_tokens: 1310, cost: 0.039 }
  }, { "x-generation-id": script.id("gen-synth-") })
}

/**
 * OpenRouter's routes from a script: a handler for `/api/v1/chat/completions` and
 * `/api/v1/images` under any origin; `undefined` for any other path.
 *
 * @category constructors
 */
export const routes = (script: Script) => (request: Request): Promise<Response> | undefined => {
  if (request.method !== "POST") return undefined
  switch (new URL(request.url).pathname) {
    case "/api/v1/chat/completions":
      return chat(script, request)
    case "/api/v1/images":
      return images(script, request)
    default:
      return undefined
  }
}

/** The 404 of a path the fake does not serve, in OpenRouter's envelope. */
export const notFound = (url: URL): Response => json(404, encodeError({ error: { code: 404, message: `the fake has no ${url.pathname}` } }))

/**
 * The routes on a loopback server (`port` 0: any free one).
 *
 * @category constructors
 */
export const serve = (script: Script, options: { readonly port?: number } = {}): Promise<Loopback> => {
  const handle = routes(script)
  return serveLoopback((request) => handle(request) ?? Promise.resolve(notFound(new URL(request.url))), options)
}
