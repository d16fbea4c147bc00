/**
 * The routes of `@patchbay/api`, implemented over core: assistants and threads through its
 * stores and `Assistants` programs, messages and runs through `Pipeline`, memories through its
 * `Memories` programs (what `pb.memory.*` runs), media through the `MediaStore`. Services are
 * resolved once, when a group is built; each request only adds its tenant (set by the server's
 * middleware from the API key). Handlers answer every failure themselves ({@link Respond}), so
 * each error has its JSON body and headers.
 *
 * Message routes read their bodies themselves (JSON, or multipart: a small audio file held in
 * memory, a larger one streamed to disk) and hand the wire request to `Pipeline`, which decodes
 * and validates it before any vendor call; with `stream: true` the run's events go out as
 * Server-Sent Events while it runs, and a client that disconnects before the run pauses cancels it.
 *
 * @since 0.1.0
 */
import { Api, AssistantCreate, MemoryCreate, MemorySearch, MemoryUpdate, ThreadCreate } from "@patchbay/api"
import {
  Assistants,
  AssistantStore,
  CurrentTenant,
  InvalidRequest,
  MediaStore,
  Memories,
  MessageRequest,
  NotFound,
  Pipeline,
  type PipelineEvent,
  PipelineSettings,
  type PipelineSettingsShape,
  type ProviderError,
  ProviderRegistry,
  RunStore,
  type StoreServices,
  ThreadStore,
  Validation
} from "@patchbay/core"
import { Duration, Effect, Layer, Schedule, Stream } from "effect"
import { Sse } from "effect/encoding"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { MESSAGE_TYPES, readJson, requireMediaType, withoutUnknown } from "./Body.ts"
import type { Limits } from "./Limits.ts"
import { serveMedia } from "./Media.ts"
import { prepareSession, realtimeQueryOf, RealtimeTokens, runSession } from "./Realtime.ts"
import { answerFailures } from "./Respond.ts"
import { readMultipart } from "./Upload.ts"

/** The services the routes run on. */
export type Services = ProviderRegistry | MediaStore | StoreServices | Pipeline.Runs

/** What the groups need besides the services. */
export interface Config {
  readonly settings: PipelineSettingsShape
  readonly limits: Limits
  /** How long an SSE stream may stay silent before a keep-alive comment (default 15 s). */
  readonly keepAliveMs?: number | undefined
}

const json = (body: unknown, status = 200, warnings: ReadonlyArray<{ readonly message: string }> = []) =>
  HttpServerResponse.jsonUnsafe(body, {
    status,
    ...(warnings.length === 0 ? {} : { headers: { "x-patchbay-warnings": warnings.map((w) => w.message).join("; ") } })
  })

/** Runs route programs in the services resolved at build time, under the request's tenant. */
const makeRunner = Effect.fnUntraced(function*(config: Config) {
  const context = yield* Effect.context<Services>()
  const provide = <A, E, R extends Services>(effect: Effect.Effect<A, E, R>, tenant: string) =>
    effect.pipe(
      Effect.provideContext(context),
      Effect.provideService(PipelineSettings, config.settings),
      Effect.provideService(CurrentTenant, tenant)
    ) as Effect.Effect<A, E, never>
  /** A route program answering a response; failures answered with their error bodies. */
  const run = <E, R extends Services>(effect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    answerFailures(Effect.flatMap(CurrentTenant, (tenant: string) => provide(effect, tenant)))
  /** A stream in the same services and tenant, to run after the handler has answered. */
  const provideStream = <A, E, R extends Services>(stream: Stream.Stream<A, E, R>, tenant: string) =>
    stream.pipe(
      Stream.provideContext(context),
      Stream.provideService(PipelineSettings, config.settings),
      Stream.provideService(CurrentTenant, tenant)
    ) as Stream.Stream<A, E, never>
  return { run, provideStream, context }
})

/** The keys of a message request and of an assistant; any other is ignored with a warning. */
const messageKeys = Object.keys(MessageRequest.fields)
const assistantKeys = Object.keys(AssistantCreate.fields)

/**
 * Events as Server-Sent Events: `data: {json}` each, a keep-alive comment every `keepAliveMs`.
 * A failure after the start has already been told by the `error` and `run_ended` events.
 */
const sse = (events: Stream.Stream<PipelineEvent, ProviderError>, keepAliveMs: number) => {
  const data = events.pipe(
    Stream.map((event): Sse.Event => ({ _tag: "Event", event: "message", id: undefined, data: JSON.stringify(event) })),
    Stream.catchCause(() => Stream.empty),
    Stream.pipeThroughChannel(Sse.encode())
  )
  // A comment line: clients ignore it, proxies see traffic.
  const keepAlive = Stream.fromSchedule(Schedule.spaced(Duration.millis(keepAliveMs))).pipe(Stream.map(() => ": keep-alive\n\n"))
  return HttpServerResponse.stream(Stream.encodeText(Stream.merge(data, keepAlive, { haltStrategy: "left" })), {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
  })
}

/** True for `stream: true` (or `"true"`, as multipart sends it). */
const wantsStream = (value: unknown) => value === true || value === "true"

/** The body of a run-control route: JSON with `tool_outputs` and `stream`. */
const readToolOutputs = Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest, limits: Limits) {
  const body = yield* readJson(request, limits)
  const stream = wantsStream(body["stream"]) || new URL(request.url, "http://localhost").searchParams.get("stream") === "true"
  return { body, stream, outputs: (body["tool_outputs"] ?? []) as ReadonlyArray<{ readonly tool_call_id: string; readonly output: string }> }
})

/** Resumes a paused run with tool outputs: its response, or its events when `stream`. */
const resumer = (
  provideStream: <A, E, R extends Services>(stream: Stream.Stream<A, E, R>, tenant: string) => Stream.Stream<A, E, never>,
  keepAliveMs: number
) =>
(runId: string, outputs: ReadonlyArray<{ readonly tool_call_id: string; readonly output: string }>, stream: boolean) =>
  Effect.gen(function*() {
    if (!stream) return json(yield* Pipeline.submitToolOutputsResponse(runId, outputs))
    const resumed = yield* Pipeline.prepareResume(runId, outputs)
    const tenant = yield* CurrentTenant
    return sse(provideStream(Pipeline.execute(resumed.prepared, resumed.outputs), tenant), keepAliveMs)
  })

/** A run of the thread, or `NotFound` (also when it belongs to another thread). */
const runOfThread = (threadId: string, runId: string) =>
  Effect.gen(function*() {
    yield* ThreadStore.use((threads) => threads.get(threadId))
    const run = yield* RunStore.use((runs) => runs.get(runId))
    if (run.thread_id !== threadId) return yield* new NotFound({ kind: "run", id: runId })
    return run
  })

/** Builds every group of the API. */
export const groups = (config: Config) => {
  const keepAliveMs = config.keepAliveMs ?? 15_000

  const AssistantsLive = HttpApiBuilder.group(Api, "assistants", Effect.fnUntraced(function*(handlers) {
    const { run } = yield* makeRunner(config)
    return handlers
      .handleRaw("create", ({ request }) =>
        run(Effect.gen(function*() {
          const { body, warnings } = withoutUnknown(yield* readJson(request, config.limits), assistantKeys)
          return json(yield* Assistants.createAssistant(body), 200, warnings)
        })))
      .handle("list", ({ query }) => run(Effect.map(AssistantStore.use((store) => store.list(query)), (list) => json(list))))
      .handle("get", ({ params }) => run(Effect.map(AssistantStore.use((store) => store.get(params.assistant_id)), (a) => json(a))))
      .handleRaw("update", ({ params, request }) =>
        run(Effect.gen(function*() {
          const { body, warnings } = withoutUnknown(yield* readJson(request, config.limits), assistantKeys)
          return json(yield* Assistants.updateAssistant(params.assistant_id, body), 200, warnings)
        })))
      .handle("delete", ({ params }) =>
        run(Effect.as(Assistants.deleteAssistant(params.assistant_id), json({ deleted: true, id: params.assistant_id }))))
      .handleRaw("createThread", ({ params, request }) =>
        run(Effect.gen(function*() {
          const { body, warnings } = withoutUnknown(yield* readJson(request, config.limits), Object.keys(ThreadCreate.fields))
          const fields = yield* Validation.decodeWith(ThreadCreate)(body)
          return json(yield* Pipeline.createThread({ ...fields, assistant_id: params.assistant_id }), 200, warnings)
        })))
      .handle("listThreads", ({ params, query }) =>
        run(Effect.gen(function*() {
          yield* AssistantStore.use((store) => store.get(params.assistant_id))
          return json(yield* ThreadStore.use((threads) => threads.list({ ...query, assistant_id: params.assistant_id })))
        })))
  }))

  const ThreadsLive = HttpApiBuilder.group(Api, "threads", Effect.fnUntraced(function*(handlers) {
    const { provideStream, run } = yield* makeRunner(config)
    const registry = yield* ProviderRegistry

    /** One message through the pipeline: JSON or multipart in, the response or its events out. */
    const message = (request: HttpServerRequest.HttpServerRequest, threadId: string | undefined) =>
      Effect.gen(function*() {
        const type = yield* requireMediaType(request, MESSAGE_TYPES)
        const upload = type === "multipart/form-data" ? yield* readMultipart(request, registry, config.limits) : undefined
        const cleanup = upload?.cleanup ?? Effect.void
        const raw = upload?.fields ?? (yield* readJson(request, config.limits))
        const { body, warnings } = withoutUnknown(raw, messageKeys)
        if (threadId !== undefined && body["thread_id"] !== undefined && body["thread_id"] !== threadId) {
          yield* cleanup
          return yield* new InvalidRequest({ field: "thread_id", value: body["thread_id"], reason: "differs from the thread of the path" })
        }
        const wire = threadId === undefined ? body : { ...body, thread_id: threadId }
        const options = upload?.audio === undefined ? {} : { audio: upload.audio.source, filename: upload.audio.filename }
        if (!wantsStream(wire["stream"])) {
          const response = yield* Pipeline.addMessageResponse(wire, options).pipe(Effect.ensuring(cleanup))
          return json({ ...response, warnings: [...response.warnings, ...warnings] }, 200, warnings)
        }
        const prepared = yield* Pipeline.prepare(wire, options).pipe(Effect.onError(() => cleanup))
        const tenant = yield* CurrentTenant
        const events = provideStream(Pipeline.execute(prepared).pipe(Stream.ensuring(cleanup)), tenant)
        const response = sse(events, keepAliveMs)
        return warnings.length === 0 ? response : HttpServerResponse.setHeader(response, "x-patchbay-warnings", warnings.map((w) => w.message).join("; "))
      })

    const resume = resumer(provideStream, keepAliveMs)

    return handlers
      .handle("list", ({ query }) => run(Effect.map(ThreadStore.use((threads) => threads.list(query)), (list) => json(list))))
      .handleRaw("sendMessage", ({ request }) => run(message(request, undefined)))
      .handleRaw("toolOutputs", ({ request }) =>
        run(Effect.gen(function*() {
          const { body, outputs, stream } = yield* readToolOutputs(request, config.limits)
          const threadId = body["thread_id"]
          if (typeof threadId !== "string") return yield* new InvalidRequest({ field: "thread_id", reason: "expected the thread's id" })
          yield* ThreadStore.use((threads) => threads.get(threadId))
          const runs = yield* RunStore.use((store) => store.listByThread(threadId))
          const paused = runs.find((r) => r.status === "requires_action")
          if (paused === undefined) {
            return yield* new InvalidRequest({ field: "thread_id", value: threadId, reason: "the thread has no run waiting for tool outputs" })
          }
          return yield* resume(paused.run_id, outputs, stream)
        })))
      .handle("get", ({ params, query }) =>
        run(Effect.map(Assistants.getThread(params.thread_id, query), (thread) => json(thread))))
      .handle("delete", ({ params }) => run(Effect.as(Assistants.deleteThread(params.thread_id), json({ deleted: true, id: params.thread_id }))))
      .handleRaw("addMessage", ({ params, request }) => run(message(request, params.thread_id)))
  }))

  const RunsLive = HttpApiBuilder.group(Api, "runs", Effect.fnUntraced(function*(handlers) {
    const { provideStream, run } = yield* makeRunner(config)
    const resumeWith = resumer(provideStream, keepAliveMs)
    const resume = (runId: string, request: HttpServerRequest.HttpServerRequest) =>
      Effect.flatMap(readToolOutputs(request, config.limits), ({ outputs, stream }) => resumeWith(runId, outputs, stream))
    const cancel = (runId: string) =>
      Effect.gen(function*() {
        yield* Pipeline.cancel(runId)
        return json(yield* Assistants.getRun(runId))
      })
    return handlers
      .handle("getInThread", ({ params }) => run(Effect.as(runOfThread(params.thread_id, params.run_id), undefined).pipe(
        Effect.andThen(Assistants.getRun(params.run_id)),
        Effect.map((r) => json(r))
      )))
      .handle("cancelInThread", ({ params }) => run(Effect.andThen(runOfThread(params.thread_id, params.run_id), cancel(params.run_id))))
      .handleRaw("submitInThread", ({ params, request }) =>
        run(Effect.andThen(runOfThread(params.thread_id, params.run_id), resume(params.run_id, request))))
      .handle("get", ({ params }) => run(Effect.map(Assistants.getRun(params.run_id), (r) => json(r))))
      .handle("cancel", ({ params }) => run(cancel(params.run_id)))
      .handleRaw("submit", ({ params, request }) => run(resume(params.run_id, request)))
  }))

  const MemoriesLive = HttpApiBuilder.group(Api, "memories", Effect.fnUntraced(function*(handlers) {
    const { run } = yield* makeRunner(config)
    /** A JSON body with the unknown fields dropped (and warned of). */
    const bodyOf = (request: HttpServerRequest.HttpServerRequest, known: ReadonlyArray<string>) =>
      Effect.map(readJson(request, config.limits), (raw) => withoutUnknown(raw, known))
    return handlers
      .handle("list", ({ params, query }) =>
        run(Effect.map(
          Memories.list(params.assistant_id, {
            ...(query.page === undefined ? {} : { page: query.page }),
            ...(query.page_size === undefined ? {} : { page_size: query.page_size }),
            ...(query.memory_scope === undefined ? {} : { memory_scope: query.memory_scope }),
            include_deleted: query.include_deleted === "true"
          }),
          (page) => json(page)
        )))
      .handleRaw("add", ({ params, request }) =>
        run(Effect.gen(function*() {
          const { body, warnings } = yield* bodyOf(request, Object.keys(MemoryCreate.fields))
          return json(yield* Memories.add(params.assistant_id, body), 200, warnings)
        })))
      .handle("reset", ({ params, query }) => run(Effect.map(Memories.reset(params.assistant_id, query), (result) => json(result))))
      .handleRaw("search", ({ params, request }) =>
        run(Effect.gen(function*() {
          const { body, warnings } = yield* bodyOf(request, Object.keys(MemorySearch.fields))
          const fields = yield* Validation.decodeWith(MemorySearch)(body)
          const found = yield* Memories.search(params.assistant_id, fields.query, fields)
          return json(found, 200, warnings)
        })))
      .handle("stats", ({ params }) => run(Effect.map(Memories.stats(params.assistant_id), (stats) => json(stats))))
      .handle("get", ({ params }) => run(Effect.map(Memories.get(params.assistant_id, params.memory_id), (memory) => json(memory))))
      .handleRaw("update", ({ params, request }) =>
        run(Effect.gen(function*() {
          const { body, warnings } = yield* bodyOf(request, Object.keys(MemoryUpdate.fields))
          return json(yield* Memories.update(params.assistant_id, params.memory_id, body), 200, warnings)
        })))
      .handle("delete", ({ params }) => run(Effect.map(Memories.remove(params.assistant_id, params.memory_id), (memory) => json(memory))))
      .handle("history", ({ params }) => run(Effect.map(Memories.history(params.assistant_id, params.memory_id), (rows) => json(rows))))
      .handle("restore", ({ params }) => run(Effect.map(Memories.restore(params.assistant_id, params.memory_id), (memory) => json(memory))))
      .handle("operation", ({ params }) => run(Effect.map(Memories.operation(params.operation_id), (operation) => json(operation))))
  }))

  const MediaLive = HttpApiBuilder.group(Api, "media", Effect.fnUntraced(function*(handlers) {
    const { run } = yield* makeRunner(config)
    return handlers.handleRaw("get", ({ params, request }) => run(serveMedia(request, params.document_id)))
  }))

  const CatalogueLive = HttpApiBuilder.group(Api, "catalogue", Effect.fnUntraced(function*(handlers) {
    const { run } = yield* makeRunner(config)
    const providers = ProviderRegistry.use((registry) => registry.list)
    return handlers
      .handle("models", () => run(Effect.map(providers, (list) => json(list.flatMap((p) => p.models)))))
      .handle("providers", () =>
        run(Effect.map(providers, (list) =>
          json(list.map((p) => ({
            id: p.id,
            capabilities: (["stt", "tts", "llm", "image", "embedding"] as const).filter((c) => p[c] !== undefined),
            models: p.models.map((m) => m.id)
          }))))))
  }))

  const RealtimeLive = HttpApiBuilder.group(Api, "realtime", Effect.fnUntraced(function*(handlers) {
    const { run, provideStream } = yield* makeRunner(config)
    const tokens = yield* RealtimeTokens
    return handlers
      .handleRaw("token", ({ request }) =>
        run(Effect.gen(function*() {
          // A body naming the session is checked now, so a client learns what is wrong as an
          // error body (a browser cannot read why a WebSocket handshake failed).
          const body = yield* readJson(request, config.limits)
          if (Object.keys(body).length > 0) yield* prepareSession(yield* realtimeQueryOf(body))
          return json(yield* tokens.issue(yield* CurrentTenant))
        })))
      .handleRaw("stt", ({ query, request }) =>
        run(Effect.gen(function*() {
          const session = yield* prepareSession(query)
          const tenant = yield* CurrentTenant
          const socket = yield* request.upgrade
          yield* Effect.ignore(runSession(socket, (input) => provideStream(session(input), tenant)))
          return HttpServerResponse.empty()
        })))
  }))

  const SystemLive = HttpApiBuilder.group(Api, "system", (handlers) => handlers.handle("health", () => Effect.succeed({ status: "ok" as const })))

  return Layer.mergeAll(AssistantsLive, ThreadsLive, RunsLive, MemoriesLive, MediaLive, CatalogueLive, RealtimeLive, SystemLive)
}

