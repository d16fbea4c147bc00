/**
 * One request of each capability, run as its own program by `Exit.test.ts`:
 * `node OneRequest.ts <ok|fail|cancel> [program]`. It prints how the requests ended and then
 * simply returns — the process must exit by itself, so no engine process, pipe or timer the
 * adapter started may outlive a request.
 *
 * - `ok`: speech by espeak-ng, then its transcription by pocketsphinx (through ffmpeg);
 * - `fail`: both with `program` (a path where nothing is installed) as every engine;
 * - `cancel`: both with `program` (an engine that never finishes), interrupted once it runs.
 */
import { AudioInput } from "@patchbay/core"
import { Cause, Effect, Exit, Fiber, Stream } from "effect"
import { local } from "../../src/index.ts"
import { livePids } from "./Fakes.ts"

const [outcome = "ok", program] = process.argv.slice(2)
const provider = local(program === undefined ? {} : { espeakNg: program, pocketsphinx: program, ...(outcome === "fail" ? { ffmpeg: program } : {}) })

const speech = Stream.runCollect(provider.tts.synthesize({ model: "espeak-ng", voice: "en-us", output_format: "wav_22050", text: "Hello there" })).pipe(
  Effect.map((out) => Buffer.concat(out.flatMap((o) => (o.type === "audio" ? [o.data] : []))))
)
const speak = Effect.asVoid(speech)
const transcription = (audio: Uint8Array) => provider.stt.transcribe({ model: "pocketsphinx-en-us", language: "en", audio: AudioInput.fromBytes(audio) })

/** Half a second of 16-bit mono silence at 16 kHz, as a WAV file. */
const silence = (() => {
  const data = 16000
  const header = Buffer.alloc(44)
  header.write("RIFF", 0)
  header.writeUInt32LE(36 + data, 4)
  header.write("WAVEfmt ", 8)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(16000, 24)
  header.writeUInt32LE(32000, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write("data", 36)
  header.writeUInt32LE(data, 40)
  return new Uint8Array(Buffer.concat([header, Buffer.alloc(data)]))
})()

/** Resolves once a process runs `program` (polled in /proc). */
const engineRuns = async (): Promise<void> => {
  while (livePids(program ?? "").length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
}

/** Runs a request; when cancelling, interrupts it once the engine runs. */
const run = async (request: Effect.Effect<unknown, { readonly _tag: string }>): Promise<string> => {
  if (outcome !== "cancel") {
    const exit = await Effect.runPromiseExit(request)
    return Exit.isSuccess(exit) ? "ok" : String((Cause.squash(exit.cause) as { readonly _tag?: unknown })._tag)
  }
  const fiber = Effect.runFork(request)
  await engineRuns()
  const exit = await Effect.runPromise(Effect.andThen(Fiber.interrupt(fiber), Fiber.await(fiber)))
  return Exit.hasInterrupts(exit) ? "cancelled" : "not cancelled"
}

// what is transcribed: the speech just made, else (its engine being fake) a silence
const transcribe = outcome === "ok" ? Effect.flatMap(speech, transcription) : Effect.suspend(() => transcription(silence))
process.stdout.write(`${await run(speak)} ${await run(transcribe)}\n`)
