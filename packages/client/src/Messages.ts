/**
 * The routes that run the pipeline — `POST /threads/messages`, `POST /threads/{id}/messages` and
 * `POST /runs/{id}/submit-tool-outputs` — called with `fetch` itself rather than through
 * `HttpApiClient`: their bodies are JSON or a multipart message built without reading the audio (see
 * `Upload.ts`), their answers the folded `MessageResponse` or Server-Sent Events read as they
 * arrive, and their lifetime belongs to the caller (an `AbortSignal`, or leaving the `for await`
 * loop), which a plain `AbortController` on the request gives exactly. Aborting the request is
 * what cancels the run: the server stores a run whose caller went away as `cancelled`.
 *
 * @since 0.2.0
 */
import type { AddMessageParams } from "@patchbay/core"
import { Cancelled, type MessageResponse, type PipelineEvent, wireOf } from "@patchbay/core/schema"
import { Sse } from "effect/encoding"
import { fromErrorBody, isErrorBody, ServerError } from "./Errors.ts"
import { audioPart, multipart } from "./Upload.ts"

/** Where and how to call the server. */
export interface Transport {
  /** The base URL without a trailing slash. */
  readonly base: string
  readonly apiKey: string
  readonly fetch: typeof globalThis.fetch
}

/** A body to send: JSON, or the fields and audio of a multipart message. */
type Body =
  | { readonly _tag: "json"; readonly value: unknown }
  | { readonly _tag: "multipart"; readonly fields: Readonly<Record<string, unknown>>; readonly audio: NonNullable<AddMessageParams["audioFile"]> }

/** Whether a signal has fired, read afresh (not narrowed by an earlier check). */
const isAborted = (signal: AbortSignal): boolean => signal.aborted

const isAbort = (error: unknown) => error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError")

/**
 * The error a failed answer stands for: the tagged error of its error body, else a
 * {@link ServerError} naming the status.
 */
export const errorOf = async (response: Response): Promise<unknown> => {
  const text = await response.text().catch(() => "")
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  if (isErrorBody(body)) return fromErrorBody(body as Parameters<typeof fromErrorBody>[0])
  return new ServerError("UnexpectedResponse", response.status >= 500, { status: response.status }, `The server answered ${response.status} without an error body`)
}

/**
 * The error an `error` event stands for: its `code`'s class, with the event's message (the
 * event carries no other field, so a class that requires one arrives as a `ServerError`).
 */
const fromErrorEvent = (event: { readonly code: string; readonly message: string; readonly retryable: boolean }): unknown => {
  const error = fromErrorBody({ detail: event.message, code: event.code, retryable: event.retryable })
  if (error instanceof Error && error.message !== event.message) {
    Object.defineProperty(error, "message", { value: event.message, enumerable: false, configurable: true, writable: true })
  }
  return error
}

/**
 * The events of a Server-Sent Events answer, as `createPatchbay`'s iterator gives them: a
 * failure after the start arrives as `error` then `run_ended{failed}` and is then thrown (rebuilt
 * from the event's `code`, `message` and `retryable`); the caller's signal ends it with
 * `Cancelled`; leaving the loop aborts the request, which cancels the run on the server.
 */
const eventsOf = (response: Response, controller: AbortController, release: () => void): AsyncIterable<PipelineEvent> => ({
  [Symbol.asyncIterator]: () => {
    const queue: Array<PipelineEvent> = []
    let failure: { readonly code: string; readonly message: string; readonly retryable: boolean } | undefined
    let runId: string | undefined
    let ended = false
    let done = false
    const parser = Sse.makeParser((event) => {
      if (event._tag === "Event") queue.push(JSON.parse(event.data) as PipelineEvent)
    })
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    return {
      next: async (): Promise<IteratorResult<PipelineEvent>> => {
        for (;;) {
          const event = queue.shift()
          if (event !== undefined) {
            runId ??= event.run_id
            if (event.type === "error") failure = event
            if (event.type === "run_ended") ended = true
            return { done: false, value: event }
          }
          if (done) {
            release()
            if (failure !== undefined) throw fromErrorEvent(failure)
            if (!ended) throw new ServerError("StreamEnded", true, {}, "The server ended the event stream before the run ended")
            return { done: true, value: undefined }
          }
          try {
            const chunk = await reader.read()
            if (chunk.done) done = true
            else parser.feed(chunk.value)
          } catch (error) {
            done = true
            release()
            if (controller.signal.aborted || isAbort(error)) throw new Cancelled(runId === undefined ? {} : { runId })
            throw error
          }
        }
      },
      return: async (): Promise<IteratorResult<PipelineEvent>> => {
        done = true
        release()
        controller.abort()
        await reader.cancel().catch(() => undefined)
        return { done: true, value: undefined }
      }
    }
  }
})

/**
 * Sends a message or tool outputs and answers as `createPatchbay` does: the `MessageResponse`,
 * or (`stream`) an iterable of the run's events once the server has accepted the request.
 * Refused requests reject with their tagged error; the caller's signal rejects with `Cancelled`.
 */
export const post = async (
  transport: Transport,
  path: string,
  body: Body,
  stream: boolean,
  signal: AbortSignal | undefined
): Promise<MessageResponse | AsyncIterable<PipelineEvent>> => {
  if (signal?.aborted === true) throw new Cancelled({})
  const headers: Record<string, string> = { "x-api-key": transport.apiKey, accept: stream ? "text/event-stream" : "application/json" }
  let payload: BodyInit
  if (body._tag === "json") {
    headers["content-type"] = "application/json"
    payload = JSON.stringify(body.value)
  } else {
    const form = multipart(body.fields, await audioPart(body.audio))
    headers["content-type"] = form.contentType
    payload = form.body
  }
  const controller = new AbortController()
  const abort = () => controller.abort()
  signal?.addEventListener("abort", abort, { once: true })
  // the signal may have fired while the audio was being opened
  if (signal !== undefined && isAborted(signal)) abort()
  try {
    const response = await transport.fetch(`${transport.base}${path}`, {
      method: "POST",
      headers,
      body: payload,
      signal: controller.signal,
      ...(payload instanceof ReadableStream ? { duplex: "half" } : {})
    } as RequestInit)
    if (!response.ok) throw await errorOf(response)
    if (stream && (response.headers.get("content-type") ?? "").startsWith("text/event-stream") && response.body !== null) {
      return eventsOf(response, controller, () => signal?.removeEventListener("abort", abort))
    }
    const answer = (await response.json()) as MessageResponse
    signal?.removeEventListener("abort", abort)
    return answer
  } catch (error) {
    signal?.removeEventListener("abort", abort)
    if (controller.signal.aborted || isAbort(error)) throw new Cancelled({})
    throw error
  }
}

/** The request of a message: JSON, or multipart when it carries audio. */
export const messageBody = (params: AddMessageParams): Body => {
  const fields = wireOf(params)
  return params.audioFile === undefined ? { _tag: "json", value: fields } : { _tag: "multipart", fields, audio: params.audioFile }
}
