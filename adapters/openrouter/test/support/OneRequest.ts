/**
 * One request of each capability, run as its own program by `Exit.test.ts`:
 * `node OneRequest.ts <ok|fail|cancel> <baseUrl>`. It prints how the requests ended and then
 * simply returns — the process must exit by itself, so nothing the adapter started (a timer, a
 * socket, a child process) may outlive a request.
 *
 * - `ok`: a chat stream and an image against the fake upstream at `baseUrl`;
 * - `fail`: the same against a closed port (no network);
 * - `cancel`: the same against an upstream that never answers, interrupted once the request is sent.
 */
import { Cause, Effect, Exit, Fiber, Stream } from "effect"
import { openrouter } from "../../src/index.ts"

const [outcome = "ok", baseUrl = ""] = process.argv.slice(2)

/** Resolves once the transport (the global `fetch`, the default) was asked to send. */
let sent = () => {}
const transport: typeof fetch = (input, init) => {
  sent()
  return globalThis.fetch(input, init)
}
const provider = openrouter({ apiKey: "test-key-not-secret", baseURL: `${baseUrl}/api/v1`, ...(outcome === "cancel" ? { fetch: transport } : {}) })

const chat = Stream.runDrain(provider.llm!.stream({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Where is the station?" }] }))
const image = provider.image!.generate({ model: "google/gemini-3.1-flash-image-preview", prompt: "a robot watering a sunflower" })

/** Runs a request; when cancelling, interrupts it once its request went out. */
const run = async (request: Effect.Effect<unknown, { readonly _tag: string }>): Promise<string> => {
  if (outcome !== "cancel") {
    const exit = await Effect.runPromiseExit(request)
    return Exit.isSuccess(exit) ? "ok" : String((Cause.squash(exit.cause) as { readonly _tag?: unknown })._tag)
  }
  const requested = new Promise<void>((resolve) => (sent = resolve))
  const fiber = Effect.runFork(request)
  await requested
  const exit = await Effect.runPromise(Effect.andThen(Fiber.interrupt(fiber), Fiber.await(fiber)))
  return Exit.hasInterrupts(exit) ? "cancelled" : "not cancelled"
}

process.stdout.write(`${await run(chat)} ${await run(image)}\n`)
