/**
 * A local text-to-speech adapter in miniature, the shape `@patchbay/local` will have: it runs a
 * program (here Node with a script standing in for espeak-ng) and reads the WAV it writes to
 * stdout. No HTTP, so the battery runs it in process, and its process harness lets the process
 * checks run: a missing program, a killed one, and interruption killing it.
 */
import { type AudioChunk, InvalidRequest, type ModelInfo, type PatchbayProvider, ProviderUnavailable, type SpeechSummary } from "@patchbay/core"
import { checkTtsSpec, optionsDecoder, optionsSchema } from "@patchbay/core/adapter"
import { Effect, Stream } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { HangingProgram, ProcessHarness } from "../../src/index.ts"

/** 16 kHz mono s16le speech, the example adapter's copy of core's fixture. */
const pcm = fileURLToPath(new URL("../../examples/acme-voice/cassettes/audio/speech.pcm", import.meta.url))

/** The engine: prints a WAV file, a 44-byte header and the samples. */
const engine = `
const data = require("node:fs").readFileSync(${JSON.stringify(pcm)})
const header = Buffer.alloc(44)
header.write("RIFF", 0); header.writeUInt32LE(36 + data.length, 4); header.write("WAVEfmt ", 8)
header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22); header.writeUInt32LE(16000, 24)
header.writeUInt32LE(32000, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34); header.write("data", 36); header.writeUInt32LE(data.length, 40)
process.stdout.write(Buffer.concat([header, data]))
`

/** What to run: a program and its arguments (the text is appended). */
export interface Program {
  readonly command: string
  readonly args: ReadonlyArray<string>
}

/** Writes the fixture WAV, as a TTS engine would write its output. */
export const speaks: Program = { command: process.execPath, args: ["-e", engine] }
/** Dies by SIGKILL half way, as the OOM killer would end it. */
export const killsItself: Program = { command: process.execPath, args: ["-e", "process.stdout.write('RIFF'); process.kill(process.pid, 'SIGKILL')"] }
/** Never finishes. */
export const hangs: Program = { command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"] }
/** Not installed. */
export const missing: Program = { command: "/nonexistent/bin/fake-tts", args: [] }

const PROVIDER = "fake-local"

const models: ReadonlyArray<ModelInfo> = [{
  id: "fake-speak",
  provider: PROVIDER,
  capability: "tts",
  streaming: false,
  output_formats: [{ id: "wav", format: "wav", sample_rate: 16000, channels: 1 }],
  default_output_format: "wav",
  voices: { catalogue: "closed", ids: ["en"] }
}]

/** The engine takes no options: any one given is refused. */
const TtsOptions = optionsSchema({})
const decodeOptions = optionsDecoder(PROVIDER)

/** The fake local provider; `onSpawn`/`onExit` let a harness track its processes. */
export const fakeLocal = (
  program: Program = speaks,
  track: { readonly onSpawn?: (pid: number) => void; readonly onExit?: (pid: number) => void } = {}
): PatchbayProvider => ({
  id: PROVIDER,
  models,
  tts: {
    catalogue: "closed",
    validate: (spec) => Effect.asVoid(Effect.andThen(checkTtsSpec(models, spec), decodeOptions(TtsOptions, spec.provider_options, "voice.tts"))),
    synthesize: (request) =>
      request.text.trim() === ""
        ? Stream.fail(new InvalidRequest({ provider: PROVIDER, field: "text", value: request.text, reason: "there is nothing to say" }))
        : Stream.fromEffect(Effect.callback<Uint8Array, ProviderUnavailable>((resume) => {
          const child = spawn(program.command, [...program.args, request.text], { stdio: ["ignore", "pipe", "ignore"] })
          const pid = child.pid
          if (pid !== undefined) track.onSpawn?.(pid)
          const chunks: Array<Buffer> = []
          child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk))
          child.on("error", (error: NodeJS.ErrnoException) =>
            resume(Effect.fail(new ProviderUnavailable({ provider: PROVIDER, detail: `cannot run ${program.command} (${error.code ?? error.message})` }))))
          child.on("close", (code, signal) => {
            if (pid !== undefined) track.onExit?.(pid)
            if (code === 0) resume(Effect.succeed(new Uint8Array(Buffer.concat(chunks))))
            else resume(Effect.fail(new ProviderUnavailable({ provider: PROVIDER, detail: `${program.command} ended with ${signal ?? `exit code ${code}`}` })))
          })
          return Effect.sync(() => void child.kill("SIGKILL"))
        })).pipe(
          Stream.flatMap((data) => {
            const chunk: AudioChunk = { type: "audio", data }
            const summary: SpeechSummary = {
              type: "summary",
              output_format: "wav",
              media_type: "audio/wav",
              characters: request.text.length,
              usage: { characters: request.text.length },
              provider_output: null
            }
            return Stream.make(chunk, summary)
          })
        )
  }
})

/** Tracks the live processes of a provider. */
const tracked = (program: Program): HangingProgram => {
  const live = new Set<number>()
  return {
    provider: fakeLocal(program, { onSpawn: (pid) => live.add(pid), onExit: (pid) => live.delete(pid) }),
    running: () => [...live]
  }
}

/** The harness of the fake local adapter. */
export const harness: ProcessHarness = {
  missingProgram: () => fakeLocal(missing),
  killedProgram: () => fakeLocal(killsItself),
  hangingProgram: () => tracked(hangs)
}

/** A broken harness: its provider does not kill the program when interrupted. */
export const leakyHarness: ProcessHarness = {
  ...harness,
  hangingProgram: () => {
    const live = new Set<number>()
    const inner = fakeLocal(hangs, { onSpawn: (pid) => live.add(pid), onExit: (pid) => live.delete(pid) })
    const tts = inner.tts!
    return {
      // Runs the program detached from the call: interrupting the call leaves it running.
      provider: { ...inner, tts: { ...tts, synthesize: (r) => Stream.fromEffect(Effect.forkDetach(Stream.runDrain(tts.synthesize(r)))).pipe(Stream.flatMap(() => Stream.never)) } },
      running: () => [...live]
    }
  }
}
