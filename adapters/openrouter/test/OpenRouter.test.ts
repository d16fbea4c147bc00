/**
 * The OpenRouter adapter beyond the battery: the lazy key, the open catalogue, the routing
 * options, the traps of WIRE-FORMATS f (an error chunk inside a 200 stream, keep-alive comment
 * lines, an image part without its `type`) and editing an image.
 */
import { expect, it } from "@effect/vitest"
import { createOpenRouter } from "@openrouter/ai-sdk-provider"
import { Cassette, replayFetch } from "@patchbay/conformance"
import { type LlmEvent, MissingApiKey, ProviderRegistry } from "@patchbay/core"
import { ConfigProvider, Effect, Layer, Stream } from "effect"
import { readFileSync } from "node:fs"
import { layer, MODEL_PATTERN, openrouter } from "../src/index.ts"

const trap = (name: string) => Cassette.loadSync(new URL(`./cassettes/traps/${name}`, import.meta.url))
const png = (name: string) => new Uint8Array(readFileSync(new URL(`./cassettes/images/${name}`, import.meta.url)))
const noEnv = ConfigProvider.layer(ConfigProvider.fromEnvRecord({}))
const hello = (model: string) => ({ model, messages: [{ role: "user" as const, content: "Say hello." }] })

/** Runs a stream, keeping what it produced before it ended, and how it ended. */
const play = <A, E>(stream: Stream.Stream<A, E>) =>
  Effect.gen(function*() {
    const out: Array<A> = []
    const exit = yield* Effect.exit(Stream.runForEach(stream, (a) => Effect.sync(() => void out.push(a))))
    return { out, exit, error: exit._tag === "Failure" ? yield* Effect.flip(Effect.failCause(exit.cause)) : undefined }
  })

it.effect("the factory never throws; without a key the first call fails MissingApiKey before any request", () =>
  Effect.gen(function*() {
    const requests: Array<string> = []
    const provider = openrouter({ fetch: async (input) => (requests.push(String(input)), new Response("{}")) })
    const error = yield* Effect.flip(Stream.runDrain(provider.llm!.stream(hello("openai/gpt-4o-mini"))))
    expect(error).toEqual(new MissingApiKey({ provider: "openrouter", variable: "OPENROUTER_API_KEY" }))
    const image = yield* Effect.flip(provider.image!.generate({ model: "google/gemini-3.1-flash-image-preview", prompt: "a robot" }))
    expect(image).toEqual(new MissingApiKey({ provider: "openrouter", variable: "OPENROUTER_API_KEY" }))
    expect(requests).toEqual([])
  }).pipe(Effect.provide(noEnv)))

it.effect("the key is read from OPENROUTER_API_KEY on first use, sent as a bearer token, and never echoed in errors", () =>
  Effect.gen(function*() {
    const seen: Array<string | null> = []
    const key = "sk" + "-or-v1-0123456789abcdef0123456789abcdef"
    const provider = openrouter({
      fetch: async (_input, init) => {
        seen.push(new Headers(init?.headers).get("authorization"))
        return Response.json({ error: { code: 401, message: `Invalid key ${key}` } }, { status: 401 })
      }
    })
    const error = yield* Effect.flip(Stream.runDrain(provider.llm!.stream(hello("openai/gpt-4o-mini"))))
    expect(seen).toEqual([`Bearer ${key}`])
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", provider: "openrouter", status: 401, detail: "Invalid key [redacted]" })
  }).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord({ OPENROUTER_API_KEY: "sk" + "-or-v1-0123456789abcdef0123456789abcdef" })))))

it.effect("an open catalogue: any vendor/model id passes the syntax check; the listed models are the documented ones", () =>
  Effect.gen(function*() {
    const provider = openrouter({ apiKey: "sk-or-test" })
    expect(provider.id).toBe("openrouter")
    expect(provider.llm?.catalogue).toBe("open")
    expect(provider.image?.catalogue).toBe("open")
    expect(provider.models.map((m) => `${m.capability}:${m.id}`)).toEqual([
      "llm:openai/gpt-4.1",
      "llm:openai/gpt-4o-mini",
      "llm:anthropic/claude-sonnet-4.5",
      "llm:google/gemini-2.5-flash",
      "image:google/gemini-3.1-flash-image-preview",
      "image:google/gemini-2.5-flash-image"
    ])
    for (const id of ["meta-llama/llama-3.3-70b-instruct:free", "openrouter/auto", "~anthropic/claude-sonnet-latest", "x-ai/grok-4"]) {
      yield* provider.llm!.validate({ model: id })
    }
    const refused = yield* Effect.flip(provider.llm!.validate({ model: "gpt-4.1" }))
    expect(refused).toMatchObject({ _tag: "UnknownModel", provider: "openrouter", model: "gpt-4.1", field: "model_name", allowed: [`/${MODEL_PATTERN.source}/`] })
    const image = yield* Effect.flip(provider.image!.validate({ model: "gemini image" }))
    expect(image).toMatchObject({ _tag: "UnknownModel", field: "image_model_name" })
  }))

it.effect("routing options are checked against OpenRouter's schema: a typo or a bad value names its path", () =>
  Effect.gen(function*() {
    const llm = openrouter({ apiKey: "sk-or-test" }).llm!
    yield* llm.validate({
      model: "openai/gpt-4.1",
      provider_options: {
        provider: { order: ["openai", "azure"], allow_fallbacks: false, sort: { by: "throughput", partition: "none" }, max_price: { prompt: "1.5", completion: 4 } },
        models: ["anthropic/claude-sonnet-4.5"],
        reasoning: { effort: "low" }
      }
    })
    const typo = yield* Effect.flip(llm.validate({ model: "openai/gpt-4.1", provider_options: { provider: { ordr: ["openai"] } } }))
    expect(typo).toMatchObject({ _tag: "InvalidRequest", field: "provider_options.openrouter.provider.ordr" })
    const sort = yield* Effect.flip(llm.validate({ model: "openai/gpt-4.1", provider_options: { provider: { sort: "cheapest" } } }))
    expect(sort).toMatchObject({ _tag: "InvalidRequest", field: "provider_options.openrouter.provider.sort", value: "cheapest" })
    const price = yield* Effect.flip(llm.validate({ model: "openai/gpt-4.1", provider_options: { provider: { max_price: { prompt: -1 } } } }))
    expect(price).toMatchObject({ _tag: "InvalidRequest", field: "provider_options.openrouter.provider.max_price.prompt", value: -1 })
    const image = openrouter({ apiKey: "sk-or-test" }).image!
    const size = yield* Effect.flip(image.validate({ model: "google/gemini-3.1-flash-image-preview", size: "1000x300" }))
    expect(size).toMatchObject({ _tag: "InvalidRequest", field: "size", value: "1000x300" })
    yield* image.validate({ model: "google/gemini-3.1-flash-image-preview", size: "1920x1080" })
  }))

it.effect("trap: an error chunk inside an HTTP 200 stream ends the stream with its typed error, after the partial output", () =>
  Effect.gen(function*() {
    const fetch = replayFetch(trap("llm-stream-error-429.json"))
    const { out, error } = yield* play(openrouter({ apiKey: "sk-or-test", fetch }).llm!.stream(hello("openai/gpt-4o")))
    expect(out).toEqual([{ type: "text_delta", delta: "Hello" }])
    expect(error).toMatchObject({ _tag: "RateLimited", provider: "openrouter", status: 429, detail: "Rate limit exceeded" })
    expect(fetch.log.length).toBe(1)
  }))

it.effect("trap: keep-alive comment lines are ignored, also between events and with an event split across reads", () =>
  Effect.gen(function*() {
    const events = yield* Stream.runCollect(openrouter({ apiKey: "sk-or-test", fetch: replayFetch(trap("llm-keepalive.json")) }).llm!.stream(hello("openai/gpt-4o-mini")))
    expect(events.filter((e) => e.type !== "finish")).toEqual([
      { type: "text_delta", delta: "Hello, " },
      { type: "text_delta", delta: "world, " },
      { type: "text_delta", delta: "again." },
      { type: "usage", usage: { input_tokens: 9, output_tokens: 4, total_tokens: 13, cost_usd: 0.0000036 } }
    ])
    expect(events.at(-1)).toMatchObject({ type: "finish", reason: "stop", request_id: "gen-1764115400-K33pAl1v3C0mm3nt" })
  }))

it.effect("trap: a streamed image part without its type is not dropped", () =>
  Effect.gen(function*() {
    const events = yield* Stream.runCollect(openrouter({ apiKey: "sk-or-test", fetch: replayFetch(trap("llm-image-stream-untyped.json")) }).llm!.stream({
      model: "google/gemini-2.5-flash-image",
      messages: [{ role: "user", content: "Draw a robot." }],
      provider_options: { modalities: ["image", "text"] }
    }))
    const media = events.filter((e): e is Extract<LlmEvent, { type: "media" }> => e.type === "media")
    expect(media).toEqual([{ type: "media", data: png("robot-red.png"), media_type: "image/png" }])
  }))

it.effect("the trap is real: @openrouter/ai-sdk-provider alone drops an image item without type (what the repair is for)", () =>
  Effect.gen(function*() {
    const model = createOpenRouter({ apiKey: "sk-or-test", fetch: replayFetch(trap("llm-image-stream-untyped.json")) }).chat("google/gemini-2.5-flash-image")
    const result = yield* Effect.promise(() =>
      model.doStream({ prompt: [{ role: "user", content: [{ type: "text", text: "Draw a robot." }] }], providerOptions: { openrouter: { modalities: ["image", "text"] } } })
    )
    const parts = yield* Stream.runCollect(Stream.fromReadableStream({ evaluate: () => result.stream, onError: String }))
    expect(parts.filter((p) => p.type === "file")).toEqual([])
  }))

it.effect("a connection that breaks mid-stream is ProviderUnavailable after the partial output", () =>
  Effect.gen(function*() {
    const { out, error } = yield* play(openrouter({ apiKey: "sk-or-test", fetch: replayFetch(trap("llm-connection-drop.json")) }).llm!.stream(hello("openai/gpt-4o-mini")))
    expect(out).toEqual([{ type: "text_delta", delta: "Hel" }])
    expect(error?._tag).toBe("ProviderUnavailable")
  }))

it.effect("an edit sends the referenced image back as a data-URL image part; the answer's image is the result", () =>
  Effect.gen(function*() {
    const fetch = replayFetch(trap("image-edit.json"))
    const result = yield* openrouter({ apiKey: "sk-or-test", fetch }).image!.generate({
      model: "google/gemini-3.1-flash-image-preview",
      prompt: "Make the robot blue and add a small crescent moon in the sky.",
      input_images: [{ data: png("robot-red.png"), media_type: "image/png" }]
    })
    expect(result.images).toEqual([{ data: png("robot-blue.png"), media_type: "image/png" }])
    expect(result.usage).toEqual({ input_tokens: 270, output_tokens: 1290, total_tokens: 1560, cost_usd: 0.0389 })
    expect(result.request_id).toBe("gen-1764115430-3d1tEd1tEd1tEd1t")
    const sent = fetch.log[0]?.body
    expect(sent?.type === "json" && (sent.json as { messages: unknown }).messages).toEqual([{
      role: "user",
      content: [
        { type: "text", text: "Make the robot blue and add a small crescent moon in the sky." },
        { type: "image_url", image_url: { url: `data:image/png;base64,${Buffer.from(png("robot-red.png")).toString("base64")}` } }
      ]
    }])
  }))

it.effect("OpenRouter's 524 edge timeout is ProviderTimeout; a moderation 403 is PermissionDenied", () =>
  Effect.gen(function*() {
    const answer = (status: number, message: string) => async () => Response.json({ error: { code: status, message } }, { status })
    const timeout = yield* Effect.flip(Stream.runDrain(openrouter({ apiKey: "sk-or-test", fetch: answer(524, "Request timed out. Please try again later.") }).llm!.stream(hello("openai/gpt-4o-mini"))))
    expect(timeout).toMatchObject({ _tag: "ProviderTimeout", provider: "openrouter", status: 524, detail: "Request timed out. Please try again later." })
    const blocked = yield* Effect.flip(Stream.runDrain(openrouter({ apiKey: "sk-or-test", fetch: answer(403, "Request blocked: prompt injection patterns detected") }).llm!.stream(hello("openai/gpt-4o-mini"))))
    expect(blocked).toMatchObject({ _tag: "PermissionDenied", provider: "openrouter", status: 403 })
  }))

it.effect("layer() registers the provider in the registry", () =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const resolved = yield* registry.resolve("image", "openrouter", "google/gemini-3.1-flash-image-preview", { provider: "image_model_provider", model: "image_model_name" })
    expect([resolved.provider.id, resolved.model?.display_name]).toEqual(["openrouter", "Gemini 3.1 Flash Image Preview (via OpenRouter)"])
  }).pipe(Effect.provide(layer({ apiKey: "sk-or-test" }).pipe(Layer.provideMerge(ProviderRegistry.layer())))))
