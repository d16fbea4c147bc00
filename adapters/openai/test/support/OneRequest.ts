/**
 * One request of each capability, run as its own program by `Exit.test.ts`:
 * `node OneRequest.ts <ok|fail|cancel> <baseUrl>`. It prints how the requests ended and then
 * simply returns — the process must exit by itself, so nothing the adapter started (a timer, a
 * socket, a child process) may outlive a request.
 *
 * - `ok`: a transcription, a chat stream, a speech stream and an embedding against the fake upstream at `baseUrl`;
 * - `fail`: the same against a closed port (no network);
 * - `cancel`: the same against an upstream that never answers, interrupted once the request is sent.
 */
import { AudioInput } from "@patchbay/core"
import { silentMp3 } from "@patchbay/core/testing"
import { Cause, Effect, Exit, Fiber, Stream } from "effect"
import { openai } from "../../src/index.ts"

const [outcome = "ok", baseUrl = ""] = process.argv.slice(2)

/** Resolves once the transport (the global `fetch`, the default) was asked to send. */
let sent = () => {}
const transport: typeof fetch = (input, init) => {
  sent()
  return globalThis.fetch(input, init)
}
const provider = openai({ apiKey: "test-key-not-secret", baseURL: `${baseUrl}/v1`, ...(outcome === "cancel" ? { fetch: transport } : {}) })

const transcribe = provider.stt!.transcribe({ model: "gpt-4o-mini-transcribe", audio: AudioInput.fromBytes(silentMp3({ seconds: 1, sampleRate: 16000, bitrateKbps: 32 }), "q.mp3") })
const chat = Stream.runDrain(provider.llm!.stream({ model: "gpt-4.1", messages: [{ role: "user", content: "Where is the station?" }] }))
const speak = Stream.runDrain(provider.tts!.synthesize({ model: "tts-1", voice: "alloy", text: "Walk north." }))
const embed = provider.embedding!.embed({ model: "text-embedding-3-small", texts: ["Where is the station?"], dimensions: 8 })

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

process.stdout.write(`${await run(transcribe)} ${await run(chat)} ${await run(speak)} ${await run(embed)}\n`)
