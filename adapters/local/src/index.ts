/**
 * `@patchbay/local`: offline speech for Patchbay from Debian's packages — text to speech on
 * espeak-ng and speech to text on pocketsphinx, with ffmpeg converting audio in and encoding it
 * out. No network, no key: a missing program fails the first call that needs it with
 * `ProviderUnavailable` naming the package to install, never the factory.
 *
 * @example
 * ```ts
 * import { createPatchbay } from "@patchbay/core"
 * import { local } from "@patchbay/local"
 *
 * const pb = createPatchbay({ providers: [local()] })
 * await pb.addMessage({
 *   content: "Hello from espeak-ng.",
 *   sendToLlm: false,
 *   voice: { tts: { provider: "local", model: "espeak-ng", voice: "en-us", output_format: "mp3" } }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type InvalidRequest, type PatchbayProvider, type ProviderError, ProviderRegistry, type SttProvider, type TtsProvider } from "@patchbay/core"
import type { Effect, Layer } from "effect"
import { models } from "./Models.ts"
import * as Programs from "./Programs.ts"
import * as Speech from "./Speech.ts"
import * as Transcription from "./Transcription.ts"

export { models, outputFormats, VOICE_PATTERN } from "./Models.ts"
export type { OutputFormatId, SttModel, TtsModel } from "./Models.ts"
export { debianPackages, defaultPaths, MODEL_PACKAGE, PROVIDER } from "./Programs.ts"
export type { Availability, Program, ProgramPaths } from "./Programs.ts"
export type { Voices } from "./Speech.ts"
export type { Variant, Voice } from "./Wire.ts"
export * as Options from "./Options.ts"
export * as Programs from "./Programs.ts"
export * as Speech from "./Speech.ts"
export * as Transcription from "./Transcription.ts"
export * as Wire from "./Wire.ts"

/** Where the programs are; each is looked up on `PATH` by its Debian name when not given. */
export interface LocalOptions {
  /** espeak-ng (Debian package `espeak-ng`); default `espeak-ng`. */
  readonly espeakNg?: string | undefined
  /** pocketsphinx_continuous 0.8 (packages `pocketsphinx` and `pocketsphinx-en-us`); default `pocketsphinx_continuous`. */
  readonly pocketsphinx?: string | undefined
  /** ffmpeg (package `ffmpeg`), for STT input and mp3/opus/flac output; default `ffmpeg`. */
  readonly ffmpeg?: string | undefined
}

/** The local provider: the `PatchbayProvider`, plus what a CLI shows about the installed engines. */
export interface LocalProvider extends PatchbayProvider {
  readonly id: "local"
  readonly stt: SttProvider
  readonly tts: TtsProvider
  /** Which programs are installed (looked up, not run): what `patchbay providers` prints. */
  readonly availability: () => Effect.Effect<Programs.Availability>
  /** The installed espeak-ng's voices and variants (`espeak-ng --voices`), read once. */
  readonly voices: () => Effect.Effect<Speech.Voices, ProviderError>
  /** The program paths this provider runs. */
  readonly programs: Programs.ProgramPaths
}

/** Resolves the options to program paths, defaults filled in. */
export const programPaths = (options: LocalOptions = {}): Programs.ProgramPaths => ({
  espeakNg: options.espeakNg ?? Programs.defaultPaths.espeakNg,
  pocketsphinx: options.pocketsphinx ?? Programs.defaultPaths.pocketsphinx,
  ffmpeg: options.ffmpeg ?? Programs.defaultPaths.ffmpeg
})

/**
 * Builds the local provider. Never throws and starts nothing: programs are looked up when a
 * call needs them.
 */
export const local = (options: LocalOptions = {}): LocalProvider => {
  const programs = programPaths(options)
  const tts = Speech.make(programs)
  return {
    id: "local",
    models,
    stt: Transcription.make(programs),
    tts,
    availability: () => Programs.availability(programs),
    voices: tts.voices,
    programs
  }
}

/** Which programs are installed, for these options, without building a provider. */
export const availability = (options: LocalOptions = {}): Effect.Effect<Programs.Availability> => Programs.availability(programPaths(options))

/** A layer adding the local provider to the `ProviderRegistry` in context. */
export const layer = (options: LocalOptions = {}): Layer.Layer<never, InvalidRequest, ProviderRegistry> =>
  ProviderRegistry.register(local(options))
