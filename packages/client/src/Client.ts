/**
 * `createClient`: the interface of `createPatchbay`, served by a Patchbay server. Moving an
 * application from the in-process library to a shared server changes one line: the methods
 * take the same arguments, resolve to the same values and reject with the same tagged errors.
 * Built on `HttpApiClient` over `@patchbay/api`'s declaration with the runtime's `fetch`; it
 * imports no `node:` module and loads no server, store or adapter.
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
import type { MessageResponse } from "@patchbay/core/schema"
import { Cause, Effect, Exit, Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpClientError, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { fromErrorBody, isErrorBody } from "./Errors.ts"

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Where the server answers, with its base path when mounted under one (e.g. `https://api.example.com/patchbay`). */
  readonly baseUrl: string | URL
  /** A Patchbay key (`patchbay keys create`), sent as `X-API-Key`. */
  readonly apiKey: string
  /** The `fetch` to call the server with; default the global one. */
  readonly fetch?: typeof globalThis.fetch | undefined
}

/** The options of {@link PatchbayClient.sendMessage}: those of `createPatchbay`'s, text only and answered whole. */
export type SendMessageOptions = Omit<AddMessageParams, "content" | "audioFile" | "stream" | "signal">

/**
 * The part of the `Patchbay` interface a client offers: threads, text messages answered whole,
 * assistants and runs. Each behaves as `createPatchbay`'s.
 */
export interface PatchbayClient extends Pick<Patchbay, "createThread" | "assistants" | "threads" | "runs"> {
  /** Sends a text message and resolves to the run's whole response (see `Patchbay.sendMessage`). */
  readonly sendMessage: (content: string, options?: SendMessageOptions) => Promise<MessageResponse>
}

/** The wire request of a message: the seed's camelCase options in snake_case. */
const toWire = (content: string, options: SendMessageOptions) => {
  const wire: Record<string, unknown> = { content }
  const set = (key: string, value: unknown) => {
    if (value !== undefined) wire[key] = value
  }
  set("thread_id", options.threadId)
  set("assistant_id", options.assistantId)
  set("voice", options.voice)
  set("send_to_llm", options.sendToLlm)
  set("llm_provider", options.llmProvider)
  set("model_name", options.modelName)
  set("system_prompt", options.systemPrompt)
  set("tools", options.tools)
  set("provider_options", options.providerOptions)
  set("llm_fallback", options.llmFallback)
  set("image_generation", options.imageGeneration)
  set("image_model_provider", options.imageModelProvider)
  set("image_model_name", options.imageModelName)
  set("memory", options.memory)
  set("memory_scope", options.memoryScope)
  return wire
}

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
    transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader("x-api-key", options.apiKey))
  }).pipe(Effect.provide(fetchLayer), Effect.runSync)

  /**
   * Runs a call; a failure rejects with the tagged error the server answered with — also when
   * its status is not one the route declares (the client then fails on the status alone, and
   * the body still says which error it was).
   */
  const run = async <A, E>(effect: Effect.Effect<A, E>): Promise<A> => {
    const exit = await Effect.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.findErrorOption(exit.cause)
    if (failure._tag === "None") throw Cause.squash(exit.cause)
    const error: unknown = failure.value
    if (isErrorBody(error)) throw fromErrorBody(error)
    if (HttpClientError.isHttpClientError(error) && error.response !== undefined && error.response.status >= 400) {
      const body = await Effect.runPromise(Effect.option(error.response.json))
      if (body._tag === "Some" && isErrorBody(body.value)) throw fromErrorBody(body.value)
    }
    throw error
  }

  return {
    createThread: (thread = {}) =>
      run(client.assistants.createThread({
        params: { assistant_id: thread.assistantId ?? "asst_default" },
        payload: defined({ system_prompt: thread.systemPrompt, llm_provider: thread.llmProvider, model_name: thread.modelName, tools: thread.tools })
      })),
    sendMessage: (content, sendOptions = {}) =>
      run(client.threads.sendMessage({ payload: toWire(content, sendOptions) as never })).then((answer) => answer as MessageResponse),
    assistants: {
      create: (fields) => run(client.assistants.create({ payload: { ...defined(fields), name: fields.name } })),
      get: (assistantId) => run(client.assistants.get({ params: { assistant_id: assistantId } })),
      update: (assistantId, fields) => run(client.assistants.update({ params: { assistant_id: assistantId }, payload: defined(fields) })),
      delete: (assistantId) => run(client.assistants.delete({ params: { assistant_id: assistantId } })).then(() => undefined),
      list: (options) => run(client.assistants.list({ query: page(options) }))
    },
    threads: {
      list: (options = {}) =>
        options.assistantId === undefined
          ? run(client.threads.list({ query: page(options) }))
          : run(client.assistants.listThreads({ params: { assistant_id: options.assistantId }, query: page(options) })),
      get: (threadId, messages = {}) =>
        run(client.threads.get({ params: { thread_id: threadId }, query: defined({ limit: messages.limit, before: messages.before }) })),
      delete: (threadId) => run(client.threads.delete({ params: { thread_id: threadId } })).then(() => undefined)
    },
    runs: {
      get: (runId) => run(client.runs.get({ params: { run_id: runId } }))
    }
  }
}
