/**
 * Helpers of the unit tests: the adapter's cassettes (the battery's, and the `extra/` ones only
 * the unit tests replay), a provider on a replay transport, and running a provider call.
 */
import { Cassette, type ReplayFetch, replayFetch } from "@patchbay/conformance"
import { AudioInput, type PatchbayProvider, type ProviderError, type SpeechSummary, type TtsRequest } from "@patchbay/core"
import { Cause, Effect, Exit, Option, Stream } from "effect"
import { fileURLToPath } from "node:url"
import { elevenlabs, type ElevenLabsOptions } from "../../src/index.ts"

/** The folder of the battery's cassettes. */
export const cassettesDir = fileURLToPath(new URL("../cassettes/", import.meta.url))

/** An audio fixture next to the cassettes. */
export const audioPath = (name: string): string => fileURLToPath(new URL(`../cassettes/audio/${name}`, import.meta.url))

/** A cassette by its path under `test/cassettes/`. */
export const cassette = (name: string): Cassette.LoadedCassette => Cassette.loadSync(new URL(`../cassettes/${name}`, import.meta.url))

/** A provider on a replay of the cassette (or of no interaction at all), with the replay. */
export const replayed = (
  name: string | undefined,
  options: Omit<ElevenLabsOptions, "fetch"> = {}
): { readonly provider: PatchbayProvider; readonly fetch: ReplayFetch } => {
  const fetch = name === undefined ? replayFetch([], { baseDir: cassettesDir }) : replayFetch(cassette(name), { delayScale: 0 })
  return { provider: elevenlabs({ apiKey: "test-key-not-secret", ...options, fetch }), fetch }
}

/** Transcribes a file with a provider. */
export const transcribeFile = (provider: PatchbayProvider, file: string, request: { model: string; language?: string; provider_options?: Record<string, unknown> }) =>
  Effect.flatMap(AudioInput.fromFile(audioPath(file)), (audio) => provider.stt!.transcribe({ ...request, audio }))

/** Runs a synthesis to its end: the audio bytes, the summary, and how it ended. */
export const synthesize = (provider: PatchbayProvider, request: TtsRequest) =>
  Effect.gen(function*() {
    const chunks: Array<Uint8Array> = []
    let summary: SpeechSummary | undefined
    const exit = yield* Effect.exit(Stream.runForEach(provider.tts!.synthesize(request), (out) =>
      Effect.sync(() => {
        if (out.type === "audio") chunks.push(out.data)
        else summary = out
      })))
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
    let at = 0
    for (const c of chunks) {
      bytes.set(c, at)
      at += c.byteLength
    }
    return { chunks, bytes, summary, exit: exit as Exit.Exit<void, ProviderError> }
  })

/** The typed error of a failed exit. */
export const failure = (exit: Exit.Exit<unknown, ProviderError>): ProviderError | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
