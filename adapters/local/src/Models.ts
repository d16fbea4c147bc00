/**
 * The catalogue of the local engines. Both model lists are closed (one engine each). espeak-ng's
 * voices are an open catalogue: which ones exist depends on the installed `espeak-ng-data`, so
 * a request's voice gets a syntax check here and is checked against `espeak-ng --voices` when it
 * runs (an unknown one is `InvalidRequest` listing the installed voices). pocketsphinx takes
 * US English only.
 *
 * @since 0.1.0
 */
import type { ModelInfo, OutputFormat } from "@patchbay/core"
import { PROVIDER } from "./Programs.ts"

/** The text-to-speech model: espeak-ng's formant synthesizer. */
export type TtsModel = "espeak-ng"
/** The speech-to-text model: pocketsphinx with its US English acoustic and language model. */
export type SttModel = "pocketsphinx-en-us"
/** The output formats, by this adapter's names. */
export type OutputFormatId = "wav_22050" | "pcm_22050" | "mp3_22050_64" | "opus_48000_32" | "flac_22050"

/** The sample rate espeak-ng synthesizes at. */
export const SAMPLE_RATE = 22050

/** What espeak-ng writes itself (wav, and pcm cut from it), and what ffmpeg encodes. */
export const outputFormats: ReadonlyArray<OutputFormat & { readonly id: OutputFormatId }> = [
  { id: "wav_22050", format: "wav", sample_rate: SAMPLE_RATE, channels: 1 },
  { id: "pcm_22050", format: "pcm", sample_rate: SAMPLE_RATE, channels: 1 },
  { id: "mp3_22050_64", format: "mp3", sample_rate: SAMPLE_RATE, bitrate: 64, channels: 1 },
  { id: "opus_48000_32", format: "opus", sample_rate: 48000, bitrate: 32, channels: 1 },
  { id: "flac_22050", format: "flac", sample_rate: SAMPLE_RATE, channels: 1 }
]

/** Formats that need ffmpeg. */
export const encodedFormats: ReadonlySet<string> = new Set(["mp3_22050_64", "opus_48000_32", "flac_22050"])

/**
 * The syntax of an espeak-ng voice id: a language tag from `espeak-ng --voices` (`en-us`,
 * `chr-US-Qaaa-x-west`), optionally `+` a variant from `espeak-ng --voices=variant` (`en-us+f2`).
 */
export const VOICE_PATTERN = "^[A-Za-z]{2,3}(-[A-Za-z0-9]+)*(\\+[A-Za-z0-9_.-]+)?$"

/** A few of the voices Debian 12's espeak-ng ships, as examples; `voices()` lists the installed ones. */
export const exampleVoices: ReadonlyArray<string> = ["en-us", "en-gb", "de", "es", "fr-fr", "it", "pt-br", "en-us+f2"]

/** The audio containers pocketsphinx takes after ffmpeg converts them to 16 kHz mono. */
export const inputFormats: ReadonlyArray<string> = ["wav", "mp3", "ogg", "flac", "webm", "mp4", "aac"]

/** The catalogue. */
export const models: ReadonlyArray<ModelInfo> = [
  {
    id: "espeak-ng",
    provider: PROVIDER,
    capability: "tts",
    display_name: "eSpeak NG (offline)",
    streaming: true,
    output_formats: outputFormats,
    default_output_format: "wav_22050",
    voices: { catalogue: "open", ids: exampleVoices, pattern: VOICE_PATTERN }
  },
  {
    id: "pocketsphinx-en-us",
    provider: PROVIDER,
    capability: "stt",
    display_name: "CMU PocketSphinx, US English (offline)",
    streaming: true,
    input_formats: inputFormats,
    word_timestamps: true,
    diarization: false,
    languages: ["en"]
  }
]

/** The models of one capability. */
export const modelsOf = (capability: "stt" | "tts"): ReadonlyArray<ModelInfo> => models.filter((m) => m.capability === capability)
