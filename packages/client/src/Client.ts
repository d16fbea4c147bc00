/**
 * `createClient`: the interface of `createPatchbay`, served by a Patchbay server. Moving an
 * application from the in-process library to a shared server changes one line: the methods
 * take the same arguments, resolve to the same values and reject with the same tagged errors.
 * The JSON routes go through `HttpApiClient` over `@patchbay/api`'s declaration; the routes
 * that run the pipeline (messages, tool outputs) and media through `fetch` itself, to stream
 * uploads and events (see `Messages.ts`). It imports no `node:` module and loads no server,
 * store or adapter.
 *
 * @example
 * ```ts
 * const pb = createClient({ baseUrl: "http://localhost:8787", apiKey: process.env.PATCHBAY_API_KEY! })
 * const thread = await pb.createThread()
 * const response = await pb.sendMessage("Hello!", { threadId: thread.thread_id })
 * ```
 * @since 0.1.0
 */
import { Api } from "@patchbay/api"
import type { AddMessageParams, Patchbay } from "@patchbay/core"
import { DocumentId, InvalidRequest, type MessageResponse, type PipelineEvent } from "@patchbay/core/schema"
import { Cause, Context, Effect, Exit, Layer, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientError, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { fromErrorBody, fromSchemaError, isErrorBody } from "./Errors.ts"
import { listen } from "./Listen.ts"
import { errorOf, messageBody, post, type Transport } from "./Messages.ts"

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Where the server answers, with its base path when mounted under one (e.g. `https://api.example.com/patchbay`). */
  readonly baseUrl: string | URL
  /** A Patchbay key (`patchbay keys create`), sent as `X-API-Key`. */
  readonly apiKey: string
  /** The `fetch` to call the server with; default the global one. */
  readonly fetch?: typeof globalThis.fetch | undefined
}

/**
 * What {@link createClient} returns: the `Patchbay` interface of `createPatchbay`, whole. Where
 * it behaves differently, it is because the work happens on a server:
 * - `audioFile` as a file path needs `node:fs` (Node, Bun, Deno; loaded on first use); in a
 *   browser pass bytes, a `Blob`, a `ReadableStream` or an `AsyncIterable`. No kind is read
 *   whole before it is sent: bytes, a `Blob` or a file go up as one multipart body of known
 *   length, a stream as a multipart stream. A size limit is checked by the
 *   server as the bytes arrive (`InputTooLarge` then names the bytes counted so far), not before
 *   the upload.
 * - `signal` aborts the HTTP request; the server then cancels the run (stored `cancelled`), as
 *   leaving a `for await` loop early does.
 * - A failure after a stream has started is thrown rebuilt from the `error` event, which carries
 *   `code`, `message` and `retryable` only: an error class whose fields are required (e.g.
 *   `NotFound`) arrives as a `ServerError` with that `code`.
 * - `memory.wait` asks the server for the operation until it has ended (or `timeoutMs` has
 *   passed); there is no route that waits.
 * - `media.handler` forwards a signed URL's request (path and query, `Range` and `If-None-Match`)
 *   to the server, without the key: mount it where the URLs point on your own origin.
 * - Input `@patchbay/api`'s schemas refuse is refused before any request, as `InvalidRequest`
 *   naming the field, worded as a schema mismatch (where core words a check its own way, the
 *   reason differs).
 * - `assistants.update` cannot remove a field with `undefined` (JSON has none): it is kept.
 * - `listen` runs on the server's realtime WebSocket (`GET /realtime/stt`, the runtime's global
 *   `WebSocket`: browsers, Node 22+): the session's parameters are checked by
 *   `POST /realtime/tokens` first, so a refusal is the same tagged error naming the same field;
 *   the socket then opens with the single-use token. With `respond`, `voice.tts` is not sent
 *   (the route speaks no replies).
 * - `dispose()` releases nothing (the client holds no runtime) and resolves at once.
 */
export type PatchbayClient = Patchbay

/** Set while a call runs: told when its request has been built and is being sent. */
const RequestSent = Context.Reference<{ readonly mark: () => void } | undefined>("@patchbay/client/RequestSent", { defaultValue: () => undefined })

/** The keys of `fields` whose value is defined (the wire has no `undefined`). */
const defined = <A extends object>(fields: A): { [K in keyof A]?: Exclude<A[K], undefined> } =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as { [K in keyof A]?: Exclude<A[K], undefined> }

const page = (options: { readonly skip?: number | undefined; readonly limit?: number | undefined } = {}) =>
  defined({ skip: options.skip, limit: options.limit })

/**
 * Creates a client of the Patchbay server at `baseUrl`, calling it with `apiKey`.
 *
 * @category constructors
 */
export const createClient = (options: ClientOptions): PatchbayClient => {
  const fetchLayer = options.fetch === undefined
    ? FetchHttpClient.layer
    : Layer.provide(FetchHttpClient.layer, Layer.succeed(FetchHttpClient.Fetch, options.fetch))
  const client = HttpApiClient.make(Api, {
    baseUrl: options.baseUrl,
    transformClient: (http) =>
      http.pipe(
        HttpClient.mapRequest(HttpClientRequest.setHeader("x-api-key", options.apiKey)),
        // marks the call's request as sent: a schema error after this point is the answer's
        HttpClient.tapRequest(() => Effect.map(RequestSent, (sent) => void sent?.mark()))
      )
  }).pipe(Effect.provide(fetchLayer), Effect.runSync)
  const base = String(options.baseUrl).replace(/\/+$/, "")
  const transport: Transport = { base, apiKey: options.apiKey, fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)) }

  /**
   * Runs a call; a failure rejects with the tagged error the server answered with — also when
   * its status is not one the route declares (the client then fails on the status alone, and
   * the body still says which error it was). Input the declaration refuses never leaves: it
   * rejects as `InvalidRequest` naming the field, its value read from `input` (the call's body
   * or query).
   */
  const run = async <A, E>(effect: Effect.Effect<A, E>, input?: object): Promise<A> => {
    let sent = false
    const exit = await Effect.runPromiseExit(Effect.provideService(effect, RequestSent, { mark: () => (sent = true) }))
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.findErrorOption(exit.cause)
    if (failure._tag === "None") throw Cause.squash(exit.cause)
    const error: unknown = failure.value
    // before the request: the input did not encode; after it: the answer did not decode
    if (Schema.isSchemaError(error) && !sent) throw fromSchemaError(error, input)
    if (isErrorBody(error)) throw fromErrorBody(error)
    if (HttpClientError.isHttpClientError(error) && error.response !== undefined && error.response.status >= 400) {
      const body = await Effect.runPromise(Effect.option(error.response.json))
      if (body._tag === "Some" && isErrorBody(body.value)) throw fromErrorBody(body.value)
    }
    throw error
  }

  /** `addMessage` and `sendMessage`: to the thread's route when there is one, else the one-call route. */
  const message = (params: AddMessageParams): Promise<MessageResponse | AsyncIterable<PipelineEvent>> =>
    post(
      transport,
      params.threadId === undefined ? "/threads/messages" : `/threads/${encodeURIComponent(params.threadId)}/messages`,
      messageBody(params),
      params.stream === true,
      params.signal
    )

  const submitToolOutputs = (
    runId: string,
    outputs: ReadonlyArray<{ readonly tool_call_id: string; readonly output: string }>,
    submit: { readonly stream?: boolean | undefined; readonly signal?: AbortSignal | undefined } = {}
  ) =>
    post(
      transport,
      `/runs/${encodeURIComponent(runId)}/submit-tool-outputs`,
      { _tag: "json", value: { tool_outputs: outputs, ...(submit.stream === true ? { stream: true } : {}) } },
      submit.stream === true,
      submit.signal
    )

  /**
   * The URL of a stored document: by id, the key-authorized route; by URL (a signed one, as
   * responses carry them), that URL on the server — root-relative URLs against its origin.
   * The key goes only to the server's own origin.
   */
  const mediaRequest = (documentIdOrUrl: string): { readonly url: string; readonly withKey: boolean; readonly byId: boolean } => {
    if (Schema.is(DocumentId)(documentIdOrUrl)) return { url: `${base}/media/${encodeURIComponent(documentIdOrUrl)}`, withKey: true, byId: true }
    const origin = new URL(base).origin
    const url = new URL(documentIdOrUrl, origin)
    return { url: url.href, withKey: url.origin === origin, byId: false }
  }

  const getMedia = async (documentIdOrUrl: string) => {
    const target = mediaRequest(documentIdOrUrl)
    const response = await transport.fetch(target.url, target.withKey ? { headers: { "x-api-key": options.apiKey } } : {})
    if (!response.ok) {
      const error = await errorOf(response)
      // the server names the query parameter; in process the link is the argument, `url`
      // (its signature redacted, as in process)
      if (error instanceof InvalidRequest && (error.field === "sig" || error.field === "exp") && !target.byId) {
        throw new InvalidRequest({ field: "url", value: documentIdOrUrl.replace(/([?&]sig=)[^&#]*/g, "$1[redacted]"), reason: error.reason })
      }
      throw error
    }
    return { bytes: new Uint8Array(await response.arrayBuffer()), media_type: response.headers.get("content-type") ?? "application/octet-stream" }
  }

  /** Forwards a signed media URL's request to the server (no key: the signature is its authority). */
  const mediaHandler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    const headers = new Headers()
    for (const name of ["range", "if-none-match"]) {
      const value = request.headers.get(name)
      if (value !== null) headers.set(name, value)
    }
    return transport.fetch(new URL(`${url.pathname}${url.search}`, new URL(base).origin), { method: request.method, headers })
  }

  /** Asks for a memory operation until it has ended, or until `timeoutMs` has passed. */
  const waitFor = async (operationId: string, wait: { readonly timeoutMs?: number | undefined } = {}) => {
    const deadline = wait.timeoutMs === undefined ? undefined : Date.now() + wait.timeoutMs
    for (;;) {
      const operation = await run(client.memories.operation({ params: { operation_id: operationId } }))
      if (operation.status !== "IN_PROGRESS" || (deadline !== undefined && Date.now() >= deadline)) return operation
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  return {
    createThread: (thread = {}) => {
      const payload = defined({ system_prompt: thread.systemPrompt, llm_provider: thread.llmProvider, model_name: thread.modelName, tools: thread.tools })
      return run(client.assistants.createThread({ params: { assistant_id: thread.assistantId ?? "asst_default" }, payload }), payload)
    },
    addMessage: message as Patchbay["addMessage"],
    sendMessage: ((content: string, sendOptions: Omit<AddMessageParams, "content"> = {}) =>
      message({ ...sendOptions, content })) as Patchbay["sendMessage"],
    submitToolOutputs: submitToolOutputs as Patchbay["submitToolOutputs"],
    cancel: (runId) => run(client.runs.cancel({ params: { run_id: runId } })).then(() => undefined),
    listen: (params) => listen({ baseUrl: base, apiKey: options.apiKey, fetch: transport.fetch }, params),
    assistants: {
      create: (fields) => run(client.assistants.create({ payload: { ...defined(fields), name: fields.name } }), fields),
      get: (assistantId) => run(client.assistants.get({ params: { assistant_id: assistantId } })),
      update: (assistantId, fields) => run(client.assistants.update({ params: { assistant_id: assistantId }, payload: defined(fields) }), fields),
      delete: (assistantId) => run(client.assistants.delete({ params: { assistant_id: assistantId } })).then(() => undefined),
      list: (options) => run(client.assistants.list({ query: page(options) }), options)
    },
    threads: {
      list: (options = {}) =>
        options.assistantId === undefined
          ? run(client.threads.list({ query: page(options) }), options)
          : run(client.assistants.listThreads({ params: { assistant_id: options.assistantId }, query: page(options) }), options),
      get: (threadId, messages = {}) =>
        run(client.threads.get({ params: { thread_id: threadId }, query: defined({ limit: messages.limit, before: messages.before }) }), messages),
      delete: (threadId) => run(client.threads.delete({ params: { thread_id: threadId } })).then(() => undefined)
    },
    runs: {
      get: (runId) => run(client.runs.get({ params: { run_id: runId } }))
    },
    media: { get: getMedia, handler: mediaHandler },
    memory: {
      list: (assistantId, list = {}) =>
        run(client.memories.list({
          params: { assistant_id: assistantId },
          query: defined({
            memory_scope: list.memory_scope,
            page: list.page,
            page_size: list.page_size,
            include_deleted: list.include_deleted === undefined ? undefined : list.include_deleted ? "true" as const : "false" as const
          })
        }), list),
      search: (assistantId, query, search = {}) => {
        const payload = { query, ...defined({ memory_scope: search.memory_scope, limit: search.limit }) }
        return run(client.memories.search({ params: { assistant_id: assistantId }, payload }), payload)
      },
      add: (assistantId, memory) => run(client.memories.add({ params: { assistant_id: assistantId }, payload: memory }), memory),
      update: (assistantId, memoryId, fields) =>
        run(client.memories.update({ params: { assistant_id: assistantId, memory_id: memoryId }, payload: fields }), fields),
      delete: (assistantId, memoryId) => run(client.memories.delete({ params: { assistant_id: assistantId, memory_id: memoryId } })),
      restore: (assistantId, memoryId) => run(client.memories.restore({ params: { assistant_id: assistantId, memory_id: memoryId } })),
      history: (assistantId, memoryId) => run(client.memories.history({ params: { assistant_id: assistantId, memory_id: memoryId } })),
      reset: (assistantId, reset = {}) =>
        run(client.memories.reset({ params: { assistant_id: assistantId }, query: defined({ memory_scope: reset.memory_scope }) }), reset),
      stats: (assistantId) => run(client.memories.stats({ params: { assistant_id: assistantId } })),
      operation: (operationId) => run(client.memories.operation({ params: { operation_id: operationId } })),
      wait: waitFor
    },
    dispose: async () => undefined
  }
}
