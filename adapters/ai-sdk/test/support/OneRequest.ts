/**
 * One request of each capability, run as its own program by `Exit.test.ts`:
 * `node OneRequest.ts <ok|fail|cancel> [baseUrl]`. It prints how the requests ended and then
 * simply returns — the process must exit by itself, so nothing the bridge started may outlive
 * a request.
 *
 * - `ok`: a chat stream and a transcription of the scripted mock models;
 * - `fail`: the same of models whose HTTP request goes to `baseUrl`, a closed port (no network);
 * - `cancel`: the same against an upstream that never answers, interrupted once the request is sent.
 */
import { AudioInput } from "@patchbay/core"
import { MockLanguageModelV4, MockTranscriptionModelV4 } from "ai/test"
import { Cause, Effect, Exit, Fiber, Stream } from "effect"
import { fromAiSdk } from "../../src/index.ts"
import { mockProvider, speechMp3 } from "./MockModels.ts"

const [outcome = "ok", baseUrl = ""] = process.argv.slice(2)

/** Resolves once a model sent its request. */
let sent = () => {}
/** What an HTTP-backed AI SDK model does first: a request with the call's abort signal. */
const request = async (path: string, abortSignal: AbortSignal | undefined): Promise<never> => {
  const pending = fetch(`${baseUrl}${path}`, { method: "POST", body: "{}", ...(abortSignal === undefined ? {} : { signal: abortSignal }) })
  sent()
  const response = await pending
  throw new Error(`unexpected answer ${response.status}`)
}

const provider = outcome === "ok" ? mockProvider() : fromAiSdk({
  id: "mock",
  models: {
    llm: { "mock-chat": new MockLanguageModelV4({ doStream: ({ abortSignal }) => request("/chat", abortSignal) }) },
    stt: { "mock-listen": new MockTranscriptionModelV4({ doGenerate: ({ abortSignal }) => request("/listen", abortSignal) }) }
  }
})

const chat = Stream.runDrain(provider.llm!.stream({ model: "mock-chat", messages: [{ role: "user", content: "Hello" }] }))
const transcribe = provider.stt!.transcribe({ model: "mock-listen", audio: AudioInput.fromBytes(speechMp3, "speech.mp3") })

/** Runs a request; when cancelling, interrupts it once its request went out. */
const run = async (effect: Effect.Effect<unknown, { readonly _tag: string }>): Promise<string> => {
  if (outcome !== "cancel") {
    const exit = await Effect.runPromiseExit(effect)
    return Exit.isSuccess(exit) ? "ok" : String((Cause.squash(exit.cause) as { readonly _tag?: unknown })._tag)
  }
  const requested = new Promise<void>((resolve) => (sent = resolve))
  const fiber = Effect.runFork(effect)
  await requested
  const exit = await Effect.runPromise(Effect.andThen(Fiber.interrupt(fiber), Fiber.await(fiber)))
  return Exit.hasInterrupts(exit) ? "cancelled" : "not cancelled"
}

process.stdout.write(`${await run(chat)} ${await run(transcribe)}\n`)
