/**
 * One request of each capability, run as its own program by `Exit.test.ts`:
 * `node OneRequest.ts <ok|fail|cancel> <baseUrl>`. It prints how the requests ended and then
 * simply returns — the process must exit by itself, so nothing the adapter started (a timer, a
 * socket, a child process) may outlive a request.
 *
 * - `ok`: a transcription and a streamed speech against the fake upstream at `baseUrl`;
 * - `fail`: the same against a closed port (no network);
 * - `cancel`: the same against an upstream that never answers, interrupted once the request is sent.
 */
import { AudioInput } from "@patchbay/core"
import { streamingUploadFetch } from "@patchbay/core/adapter"
import { silentMp3 } from "@patchbay/core/testing"
import { Cause, Effect, Exit, Fiber, Stream } from "effect"
import { elevenlabs } from "../../src/index.ts"

const [outcome = "ok", baseUrl = ""] = process.argv.slice(2)

/** Resolves once the transport was asked to send (the default upload transport, or `fetch` for speech). */
let sent = () => {}
const transport: typeof fetch = (input, init) => {
  sent()
  return streamingUploadFetch(input, init)
}
const provider = elevenlabs({ apiKey: "test-key-not-secret", baseUrl, ...(outcome === "cancel" ? { fetch: transport } : {}) })

const transcribe = provider.stt!.transcribe({ model: "scribe_v1", audio: AudioInput.fromBytes(silentMp3({ seconds: 1, sampleRate: 16000, bitrateKbps: 32 }), "q.mp3") })
const speak = Stream.runDrain(provider.tts!.synthesize({ model: "eleven_flash_v2_5", voice: "JBFqnCBsd6RMkjVDRZzb", text: "Hello there", output_format: "mp3_22050_32" }))

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

process.stdout.write(`${await run(transcribe)} ${await run(speak)}\n`)
