/**
 * `createPatchbay`: the async facade for code that does not use Effect. Promises and async
 * iterables over the very same Effect program as `Pipeline` (one `ManagedRuntime`), with the
 * seed's camelCase options outside and the wire (snake_case) shapes inside.
 *
 * @example
 * ```ts
 * const pb = createPatchbay({ providers: [openai(), elevenlabs()], defaults: { llm: { provider: "openai", model: "gpt-4.1" } } })
 * const response = await pb.addMessage({
 *   audioFile: "question.mp3",
 *   voice: { stt: { provider: "openai", model: "whisper-1", language: "en" } }
 * })
 * response.messages.at(-1)?.voice_records?.stt?.transcript
 * ```
 * @since 0.1.0
 */
import { Cause, Effect, Exit, Fiber, Layer, ManagedRuntime, Stream } from "effect"
import * as Assistants from "./Assistants.ts"
import type { Assistant, AssistantFields } from "./AssistantStore.ts"
import { AssistantStore } from "./AssistantStore.ts"
import type { AudioSource } from "./AudioInput.ts"
import { Cancelled } from "./Errors.ts"
import * as Listen from "./Listen.ts"
import { isDocumentId, MediaStore } from "./MediaStore.ts"
import * as Memories from "./Memories.ts"
import { type MessageRequestEncoded, wireOf } from "./MessageRequest.ts"
import type { MessageResponse } from "./MessageResponse.ts"
import { PageOptions } from "./Paging.ts"
import * as Pipeline from "./Pipeline.ts"
import type { PipelineEvent } from "./PipelineEvent.ts"
import * as Run from "./Run.ts"
import type { PatchbayProvider } from "./Provider.ts"
import { ProviderRegistry } from "./ProviderRegistry.ts"
import type { RunRecord } from "./RunStore.ts"
import { defaultSettings, PipelineSettings, type PipelineSettingsShape } from "./Settings.ts"
import * as Stores from "./Stores.ts"
import { CurrentTenant, DEFAULT_TENANT } from "./Tenant.ts"
import { type Thread, ThreadStore } from "./ThreadStore.ts"
import type { ToolDefinition, ToolOutput } from "./Tools.ts"
import { decodeWith } from "./Validation.ts"

/** Options of {@link createPatchbay}. */
export interface PatchbayOptions {
  readonly providers: ReadonlyArray<PatchbayProvider>
  /** Used when neither the request nor its thread names an LLM. */
  readonly defaults?: { readonly llm?: { readonly provider: string; readonly model: string } | undefined } | undefined
  /**
   * Where produced media lives: the bytes in `store` (a media backend, e.g. `s3(...)` from
   * `@patchbay/s3`), else in the folder `dir`, else in memory; the metadata in the stores when
   * they keep it (SQLite, PostgreSQL), else beside the bytes. Also the URL prefix and the signing
   * secret (required with PostgreSQL stores: `media.secret` or `PATCHBAY_MEDIA_SECRET`, the same
   * on every instance; else `MediaSecretRequired`).
   */
  readonly media?: {
    readonly store?: Stores.MediaOptions<unknown>["store"]
    readonly dir?: string | undefined
    readonly baseUrl?: string | undefined
    readonly secret?: string | undefined
    readonly ttlSeconds?: number | undefined
  } | undefined
  /**
   * Where threads, assistants, runs, memories, keys and media metadata live:
   * `sqlite({ filename })` or `postgres({ url })` from `@patchbay/sql`; absent, in memory (gone
   * on restart).
   */
  readonly stores?: Stores.StoresLayer | undefined
  /** The tenant this instance serves unless a program provides `CurrentTenant` (default `"default"`). */
  readonly tenantId?: string | undefined
  /** Pipeline tunables, e.g. `{ ttsConcurrency: 3, timeouts: { llm: 10_000 } }`; nested values merge with the defaults. */
  readonly settings?: {
    readonly [K in keyof Omit<PipelineSettingsShape, "defaultLlm">]?: K extends "retry" | "timeouts" | "chunking" | "runs" | "memory"
      ? Partial<PipelineSettingsShape[K]>
      : PipelineSettingsShape[K]
  } | undefined
  /**
   * Memory tunables (the same as `settings.memory`, which they override): `waitMs` (2000), how
   * long a turn waits for its scope's running write before it retrieves.
   */
  readonly memory?: Partial<PipelineSettingsShape["memory"]> | undefined
}

/** The options of one message, as the seed's TypeScript SDK names them. */
export interface AddMessageParams {
  readonly threadId?: string | undefined
  /** The assistant of the new thread (default `asst_default`); with `threadId`, it must be the thread's. */
  readonly assistantId?: string | undefined
  readonly content?: string | undefined
  readonly audioFile?: AudioSource | undefined
  /** The wire `voice` object, snake_case inside, exactly as the seed writes it. */
  readonly voice?: MessageRequestEncoded["voice"] | undefined
  readonly sendToLlm?: boolean | "true" | "false" | undefined
  readonly stream?: boolean | undefined
  readonly llmProvider?: string | undefined
  readonly modelName?: string | undefined
  readonly systemPrompt?: string | undefined
  readonly tools?: ReadonlyArray<ToolDefinition> | undefined
  readonly providerOptions?: MessageRequestEncoded["provider_options"] | undefined
  readonly llmFallback?: MessageRequestEncoded["llm_fallback"] | undefined
  readonly imageGeneration?: "auto" | undefined
  readonly imageModelProvider?: string | undefined
  readonly imageModelName?: string | undefined
  /** `"Auto"` retrieves and writes memories, `"Readonly"` only retrieves, `"off"` neither; default the assistant's. */
  readonly memory?: "Auto" | "Readonly" | "off" | undefined
  /** Whose memories (e.g. the end user's id); default `"default"`. */
  readonly memoryScope?: string | undefined
  /** Aborting rejects the call (or ends the iterator) with `Cancelled` and stops every vendor request. */
  readonly signal?: AbortSignal | undefined
}

/** The facade. */
export interface Patchbay {
  /** Creates a thread of an assistant (default `asst_default`) with its own defaults. */
  readonly createThread: (options?: {
    readonly assistantId?: string | undefined
    readonly systemPrompt?: string | undefined
    readonly llmProvider?: string | undefined
    readonly modelName?: string | undefined
    readonly tools?: ReadonlyArray<ToolDefinition> | undefined
  }) => Promise<Thread>
  readonly addMessage: {
    (params: AddMessageParams & { readonly stream: true }): Promise<AsyncIterable<PipelineEvent>>
    (params: AddMessageParams & { readonly stream?: false | undefined }): Promise<MessageResponse>
    (params: AddMessageParams): Promise<MessageResponse | AsyncIterable<PipelineEvent>>
  }
  readonly sendMessage: {
    (content: string, options: Omit<AddMessageParams, "content"> & { readonly stream: true }): Promise<AsyncIterable<PipelineEvent>>
    (content: string, options?: Omit<AddMessageParams, "content"> & { readonly stream?: false | undefined }): Promise<MessageResponse>
  }
  /**
   * Resumes a run paused with `tool_submit_required` (status "requires_action") with the
   * outputs of its tool calls; returns what `addMessage` returns.
   */
  readonly submitToolOutputs: {
    (runId: string, outputs: ReadonlyArray<ToolOutput>, options: { readonly stream: true; readonly signal?: AbortSignal | undefined }): Promise<AsyncIterable<PipelineEvent>>
    (runId: string, outputs: ReadonlyArray<ToolOutput>, options?: { readonly stream?: false | undefined; readonly signal?: AbortSignal | undefined }): Promise<MessageResponse>
  }
  /**
   * Ends a run in flight with status "cancelled", keeping its partial content, or cancels a run
   * paused for tool outputs.
   */
  readonly cancel: (runId: string) => Promise<void>
  /** Assistants, by Backboard's wire field names; `asst_default` always exists and cannot be deleted. */
  readonly assistants: {
    readonly create: (fields: AssistantFields) => Promise<Assistant>
    readonly get: (assistantId: string) => Promise<Assistant>
    /** Changes the given fields; a field given as `undefined` is removed. */
    readonly update: (assistantId: string, fields: Partial<AssistantFields>) => Promise<Assistant>
    /** Deletes the assistant with its threads, runs, memories and media. */
    readonly delete: (assistantId: string) => Promise<void>
    readonly list: (page?: { readonly skip?: number | undefined; readonly limit?: number | undefined }) => Promise<ReadonlyArray<Assistant>>
  }
  readonly threads: {
    /** The threads, newest first, optionally of one assistant. */
    readonly list: (options?: {
      readonly skip?: number | undefined
      readonly limit?: number | undefined
      readonly assistantId?: string | undefined
    }) => Promise<ReadonlyArray<Thread>>
    /** A thread with its last `limit` (100) messages before `before`, oldest first, media URLs freshly signed. */
    readonly get: (
      threadId: string,
      page?: { readonly limit?: number | undefined; readonly before?: string | undefined }
    ) => Promise<Assistants.ThreadWithMessages>
    /** Deletes the thread with its messages, runs and media. */
    readonly delete: (threadId: string) => Promise<void>
  }
  readonly runs: {
    /** A run: its status, reason, pending tool calls and expiry, usage and warnings. */
    readonly get: (runId: string) => Promise<RunRecord>
  }
  readonly media: {
    /** A stored document's bytes, by `document_id` or by a signed URL. */
    readonly get: (documentIdOrUrl: string) => Promise<{ readonly bytes: Uint8Array; readonly media_type: string }>
    /** Serves signed media URLs; mount it on `/media/*` of any web-standard server. */
    readonly handler: (request: Request) => Promise<Response>
  }
  /** An assistant's memories, per `memory_scope` (see docs/memory.md). */
  readonly memory: Memories.PatchbayMemory
  /**
   * Transcribes live audio as it arrives (a realtime STT model, see docs/realtime.md):
   * `stt_stream_start`, `stt_partial`s and `stt_committed`s while the audio is read, then
   * `stt_stream_end` with the record. With `threadId` and `respond`, each committed utterance
   * is answered as a message of the thread, its run's events in between; with `threadId` alone,
   * the transcript is stored as one user message at the end. A refusal rejects the first `next()`
   * before the vendor is connected; in manual mode the audio yields `Commit` to end an utterance.
   */
  readonly listen: (params: Listen.ListenParams) => AsyncIterable<PipelineEvent>
  /** Releases the runtime (open files, timers); interrupts memory writes still running. */
  readonly dispose: () => Promise<void>
}

/** The error a failed exit rejects with: the tagged error itself; interruption is `Cancelled`. */
const rejection = <E>(cause: Cause.Cause<E>, runId?: string): unknown => {
  const failure = Cause.findErrorOption(cause)
  if (failure._tag === "Some") return failure.value
  if (Cause.hasInterruptsOnly(cause)) return new Cancelled(runId === undefined ? {} : { runId })
  return Cause.squash(cause)
}

/**
 * The caller's frames, captured when a facade method is called (before its first `await`, so the
 * caller is still on the stack): everything above `method` is left out.
 */
const callSite = (method: Function): string => {
  const holder: { stack?: string } = {}
  Error.captureStackTrace(holder, method)
  const stack = holder.stack ?? ""
  const newline = stack.indexOf("\n")
  return newline === -1 ? "" : stack.slice(newline)
}

/**
 * Gives a rejected error the caller's stack in place of the Effect runtime's frames, so an
 * uncaught error points at the `addMessage` (…) call that failed. Its message is unchanged.
 */
const atCallSite = (error: unknown, site: string): unknown => {
  if (error instanceof Error && site !== "") {
    Object.defineProperty(error, "stack", { value: `${error.name}: ${error.message}${site}`, writable: true, configurable: true, enumerable: false })
  }
  return error
}

/**
 * Creates a Patchbay instance over the given providers.
 *
 * @category constructors
 */
export const createPatchbay = (options: PatchbayOptions): Patchbay => make(options, {})

/** Hooks for tests, set through `createTestPatchbay` of `@patchbay/core/testing`. */
export interface TestHooks {
  /** Repeatable document ids (see `MediaStoreOptions.makeDocumentId`): guessable, so never in production. */
  readonly makeDocumentId?: (() => string) | undefined
}

/**
 * The services `createPatchbay` runs on, built from its options: the provider registry, the
 * stores, the media store over them, the runs in flight, the background sweep of runs and the
 * memory writes. For hosts that run the pipeline themselves (`@patchbay/server`), so they build
 * exactly what the library builds. `hooks` are test hooks.
 *
 * @since 0.2.0
 * @category constructors
 */
export const servicesLayer = (
  options: Pick<PatchbayOptions, "providers" | "stores" | "media" | "settings">,
  hooks: TestHooks = {}
) => {
  const media = options.media ?? {}
  const mediaLayer = Stores.layerMedia({
    ...(media.baseUrl === undefined ? {} : { baseUrl: media.baseUrl }),
    ...(media.secret === undefined ? {} : { secret: media.secret }),
    ...(media.ttlSeconds === undefined ? {} : { ttlSeconds: media.ttlSeconds }),
    ...(hooks.makeDocumentId === undefined ? {} : { makeDocumentId: hooks.makeDocumentId }),
    ...(media.store === undefined ? {} : { store: media.store }),
    ...(media.dir === undefined ? {} : { dir: media.dir })
  })
  return Layer.mergeAll(
    ProviderRegistry.layer(options.providers),
    // media metadata goes to the stores when they keep it (`Stores.MediaMetadata`), and the media
    // store signs with the stores' own secret when they keep one (see `KeyStore.signingSecret`)
    Layer.provideMerge(mediaLayer, options.stores ?? Stores.layerMemory),
    Pipeline.Runs.layer,
    // settles lapsed and expired runs in the background (`runs.sweepIntervalMs`; off by default)
    Layer.provide(Pipeline.sweeper(options.settings?.runs?.sweepIntervalMs ?? defaultSettings.runs.sweepIntervalMs ?? 0), options.stores ?? Stores.layerMemory),
    // memory writes run in the runtime's scope: disposing it interrupts them
    Memories.layerWorker
  )
}

/**
 * The pipeline settings of `createPatchbay`'s options: each group merged over
 * `defaultSettings`, as `createPatchbay` (and `@patchbay/server`) run with.
 *
 * @since 0.2.0
 * @category constructors
 */
export const settingsOf = (options: Pick<PatchbayOptions, "settings" | "memory" | "media" | "defaults">): PipelineSettingsShape => ({
  ...defaultSettings,
  ...options.settings,
  retry: { ...defaultSettings.retry, ...options.settings?.retry },
  timeouts: { ...defaultSettings.timeouts, ...options.settings?.timeouts },
  chunking: { ...defaultSettings.chunking, ...options.settings?.chunking },
  runs: { ...defaultSettings.runs, ...options.settings?.runs },
  memory: { ...defaultSettings.memory, ...options.settings?.memory, ...options.memory },
  ...(options.media?.ttlSeconds === undefined ? {} : { mediaUrlTtlSeconds: options.media.ttlSeconds }),
  defaultLlm: options.defaults?.llm
})

/** {@link createPatchbay} with test hooks; not exported by the package's main entry. */
export const make = (options: PatchbayOptions, hooks: TestHooks): Patchbay => {
  const layer = servicesLayer(options, hooks)
  const tenant = options.tenantId ?? DEFAULT_TENANT
  const runtime = ManagedRuntime.make(layer)
  const settings = settingsOf(options)
  type Services = ProviderRegistry | MediaStore | Stores.StoreServices | Pipeline.Runs
  const provide = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    effect.pipe(Effect.provideService(PipelineSettings, settings), Effect.provideService(CurrentTenant, tenant))

  /** Runs a program for a facade method called at `site` (see {@link callSite}). */
  const run = async <A, E>(effect: Effect.Effect<A, E, Services>, site: string, signal?: AbortSignal): Promise<A> => {
    const exit = await runtime.runPromiseExit(
      provide(effect),
      signal === undefined ? undefined : { signal }
    )
    if (Exit.isSuccess(exit)) return exit.value
    throw atCallSite(rejection(exit.cause), site)
  }

  /**
   * Streams a run's events to an async iterator; stops the run when the consumer stops.
   * At most `Run.defaultBufferSize` events wait for `next()`: past that, the run waits for the
   * consumer (and, through `Run.toStream`, its vendors wait for the run).
   */
  const iterate = (
    events: Stream.Stream<PipelineEvent, unknown, Services>,
    runId: string,
    signal: AbortSignal | undefined,
    site: string
  ): AsyncIterable<PipelineEvent> => ({
    [Symbol.asyncIterator]: () => {
      const buffered: Array<PipelineEvent> = []
      let settled: { readonly error?: unknown } | undefined
      let wake: (() => void) | undefined
      /** Resumes the run once the consumer has taken from a full buffer. */
      let room: (() => void) | undefined
      const notify = () => {
        wake?.()
        wake = undefined
      }
      const offer = (event: PipelineEvent) =>
        Effect.suspend(() => {
          buffered.push(event)
          notify()
          return buffered.length < Run.defaultBufferSize
            ? Effect.void
            : Effect.callback<void>((resume) => void (room = () => resume(Effect.void)))
        })
      const fiber = runtime.runFork(
        provide(Stream.runForEach(events, offer))
      )
      fiber.addObserver((exit) => {
        settled = Exit.isSuccess(exit) ? {} : { error: atCallSite(rejection(exit.cause, runId), site) }
        notify()
      })
      const abort = () => void runtime.runFork(Fiber.interrupt(fiber))
      if (signal?.aborted === true) abort()
      signal?.addEventListener("abort", abort, { once: true })
      return {
        next: async (): Promise<IteratorResult<PipelineEvent>> => {
          for (;;) {
            const event = buffered.shift()
            if (event !== undefined) {
              if (room !== undefined && buffered.length < Run.defaultBufferSize) {
                const resume = room
                room = undefined
                resume()
              }
              return { done: false, value: event }
            }
            if (settled !== undefined) {
              signal?.removeEventListener("abort", abort)
              if ("error" in settled) throw settled.error
              return { done: true, value: undefined }
            }
            await new Promise<void>((resolve) => (wake = resolve))
          }
        },
        return: async (): Promise<IteratorResult<PipelineEvent>> => {
          signal?.removeEventListener("abort", abort)
          await runtime.runPromise(Fiber.interrupt(fiber))
          return { done: true, value: undefined }
        }
      }
    }
  })

  function addMessage(params: AddMessageParams & { readonly stream: true }): Promise<AsyncIterable<PipelineEvent>>
  function addMessage(params: AddMessageParams & { readonly stream?: false | undefined }): Promise<MessageResponse>
  function addMessage(params: AddMessageParams): Promise<MessageResponse | AsyncIterable<PipelineEvent>>
  function addMessage(params: AddMessageParams): Promise<MessageResponse | AsyncIterable<PipelineEvent>> {
    return addMessageAt(params, callSite(addMessage))
  }
  async function addMessageAt(params: AddMessageParams, site: string): Promise<MessageResponse | AsyncIterable<PipelineEvent>> {
    const wire = wireOf(params)
    const audio = params.audioFile === undefined ? {} : { audio: params.audioFile }
    if (params.signal?.aborted === true) throw atCallSite(new Cancelled({}), site)
    if (params.stream === true) {
      const prepared = await run(Pipeline.prepare(wire, audio), site, params.signal)
      return iterate(Pipeline.execute(prepared), prepared.run_id, params.signal, site)
    }
    return run(Pipeline.addMessageResponse(wire, audio), site, params.signal)
  }

  function sendMessage(content: string, options: Omit<AddMessageParams, "content"> & { readonly stream: true }): Promise<AsyncIterable<PipelineEvent>>
  function sendMessage(content: string, options?: Omit<AddMessageParams, "content"> & { readonly stream?: false | undefined }): Promise<MessageResponse>
  function sendMessage(content: string, options: Omit<AddMessageParams, "content"> = {}) {
    return addMessageAt({ ...options, content }, callSite(sendMessage))
  }

  function submitToolOutputs(
    runId: string,
    outputs: ReadonlyArray<ToolOutput>,
    options: { readonly stream: true; readonly signal?: AbortSignal | undefined }
  ): Promise<AsyncIterable<PipelineEvent>>
  function submitToolOutputs(
    runId: string,
    outputs: ReadonlyArray<ToolOutput>,
    options?: { readonly stream?: false | undefined; readonly signal?: AbortSignal | undefined }
  ): Promise<MessageResponse>
  function submitToolOutputs(
    runId: string,
    outputs: ReadonlyArray<ToolOutput>,
    options: { readonly stream?: boolean | undefined; readonly signal?: AbortSignal | undefined } = {}
  ): Promise<MessageResponse | AsyncIterable<PipelineEvent>> {
    const site = callSite(submitToolOutputs)
    if (options.stream === true) {
      return run(Pipeline.prepareResume(runId, outputs), site, options.signal).then((resumed) =>
        iterate(Pipeline.execute(resumed.prepared, resumed.outputs), resumed.prepared.run_id, options.signal, site)
      )
    }
    return run(Pipeline.submitToolOutputsResponse(runId, outputs), site, options.signal)
  }

  function createThread(thread: Parameters<Patchbay["createThread"]>[0] = {}) {
    return run(
      Pipeline.createThread({
        ...(thread.assistantId === undefined ? {} : { assistant_id: thread.assistantId }),
        ...(thread.systemPrompt === undefined ? {} : { system_prompt: thread.systemPrompt }),
        ...(thread.llmProvider === undefined ? {} : { llm_provider: thread.llmProvider }),
        ...(thread.modelName === undefined ? {} : { model_name: thread.modelName }),
        ...(thread.tools === undefined ? {} : { tools: thread.tools })
      }),
      callSite(createThread)
    )
  }
  function listen(params: Listen.ListenParams): AsyncIterable<PipelineEvent> {
    const runId = Run.makeId("run")
    // aborted already: nothing is validated or connected
    const events = params.signal?.aborted === true ? Stream.fail(new Cancelled({ runId })) : Listen.fromParams(params, runId)
    return iterate(events, runId, params.signal, callSite(listen))
  }
  function cancel(runId: string) {
    return run(Pipeline.cancel(runId), callSite(cancel))
  }
  function get(documentIdOrUrl: string) {
    return run(
      Effect.gen(function*() {
        const store = yield* MediaStore
        const id = isDocumentId(documentIdOrUrl) ? documentIdOrUrl : yield* store.verify(documentIdOrUrl)
        const found = yield* store.get(id)
        return { bytes: found.bytes, media_type: found.media_type }
      }),
      callSite(get)
    )
  }

  /** A facade method over one program, its errors pointing at the caller. */
  const method = <Args extends ReadonlyArray<unknown>, A, E>(
    program: (...args: Args) => Effect.Effect<A, E, Services>
  ) =>
    function call(...args: Args): Promise<A> {
      return run(program(...args), callSite(call))
    }
  const decodePage = decodeWith(PageOptions)
  const page = (options: { readonly skip?: number | undefined; readonly limit?: number | undefined } = {}) => ({
    ...(options.skip === undefined ? {} : { skip: options.skip }),
    ...(options.limit === undefined ? {} : { limit: options.limit })
  })

  return {
    createThread,
    addMessage,
    sendMessage,
    submitToolOutputs,
    listen,
    cancel,
    assistants: {
      create: method((fields: AssistantFields) => Assistants.createAssistant(fields)),
      get: method((assistantId: string) => AssistantStore.use((assistants) => assistants.get(assistantId))),
      update: method((assistantId: string, fields: Partial<AssistantFields>) => Assistants.updateAssistant(assistantId, fields)),
      delete: method((assistantId: string) => Assistants.deleteAssistant(assistantId)),
      list: method((options?: { readonly skip?: number | undefined; readonly limit?: number | undefined }) =>
        Effect.andThen(decodePage(options ?? {}), AssistantStore.use((assistants) => assistants.list(page(options)))))
    },
    threads: {
      list: method((options: Parameters<Patchbay["threads"]["list"]>[0] = {}) =>
        Effect.andThen(
          decodePage(options),
          ThreadStore.use((threads) =>
            threads.list({ ...page(options), ...(options.assistantId === undefined ? {} : { assistant_id: options.assistantId }) }))
        )),
      get: method((threadId: string, options?: { readonly limit?: number | undefined; readonly before?: string | undefined }) =>
        Assistants.getThread(threadId, {
          ...(options?.limit === undefined ? {} : { limit: options.limit }),
          ...(options?.before === undefined ? {} : { before: options.before })
        })),
      delete: method((threadId: string) => Assistants.deleteThread(threadId))
    },
    runs: { get: method((runId: string) => Assistants.getRun(runId)) },
    media: {
      get,
      handler: async (request) => {
        const store = await runtime.runPromise(MediaStore.useSync((media) => media))
        return store.handler(request)
      }
    },
    memory: {
      list: method((assistantId: string, options: Parameters<Memories.PatchbayMemory["list"]>[1] = {}) => Memories.list(assistantId, options)),
      search: method((assistantId: string, query: string, options?: Parameters<Memories.PatchbayMemory["search"]>[2]) =>
        Memories.search(assistantId, query, options)),
      add: method((assistantId: string, memory: Memories.MemoryInput) => Memories.add(assistantId, memory)),
      update: method((assistantId: string, memoryId: string, fields: Memories.MemoryUpdate) => Memories.update(assistantId, memoryId, fields)),
      delete: method((assistantId: string, memoryId: string) => Memories.remove(assistantId, memoryId)),
      restore: method((assistantId: string, memoryId: string) => Memories.restore(assistantId, memoryId)),
      history: method((assistantId: string, memoryId: string) => Memories.history(assistantId, memoryId)),
      reset: method((assistantId: string, options?: { readonly memory_scope?: string | undefined }) => Memories.reset(assistantId, options)),
      stats: method((assistantId: string) => Memories.stats(assistantId)),
      operation: method((operationId: string) => Memories.operation(operationId)),
      wait: method((operationId: string, options?: { readonly timeoutMs?: number | undefined }) => Memories.wait(operationId, options))
    },
    dispose: () => runtime.dispose()
  }
}
