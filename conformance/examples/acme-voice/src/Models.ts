/**
 * The Acme Voice catalogue: what each model takes and produces. Speech, image and the listed
 * voices are closed sets (anything else is refused before a request); the language models are
 * an open family (`acme-think-*`) the vendor extends, so an unknown one is the vendor's 404.
 */
import type { ModelInfo } from "@patchbay/core"

/** The provider id, and the key its options sit under in `provider_options`. */
export const PROVIDER = "acme-voice"

/** The speech-to-text models. */
export type SttModel = "acme-listen-1" | "acme-listen-1-lite"
/** The text-to-speech models. */
export type TtsModel = "acme-speak-1"
/** The voices of `acme-speak-1`. */
export type Voice = "ada" | "grace"
/** The output formats, by the vendor's own names. */
export type OutputFormatId = "mp3_16000" | "pcm_16000" | "ulaw_8000"

/** Upload limit of the transcription endpoint, in bytes. */
export const MAX_UPLOAD_BYTES = 10_000_000

/** The model catalogue. */
export const models: ReadonlyArray<ModelInfo> = [
  {
    id: "acme-listen-1", provider: PROVIDER, capability: "stt", display_name: "Acme Listen 1",
    input_formats: ["wav", "mp3", "ogg", "webm", "mp4"], max_input_bytes: MAX_UPLOAD_BYTES, word_timestamps: true, diarization: true
  },
  {
    id: "acme-listen-1-lite", provider: PROVIDER, capability: "stt", display_name: "Acme Listen 1 Lite",
    input_formats: ["wav", "mp3"], max_input_bytes: MAX_UPLOAD_BYTES, word_timestamps: true, diarization: false
  },
  {
    id: "acme-speak-1", provider: PROVIDER, capability: "tts", display_name: "Acme Speak 1", streaming: true,
    output_formats: [
      { id: "mp3_16000", format: "mp3", sample_rate: 16000, bitrate: 64, channels: 1 },
      { id: "pcm_16000", format: "pcm", sample_rate: 16000, channels: 1 },
      { id: "ulaw_8000", format: "ulaw", sample_rate: 8000, channels: 1 }
    ],
    default_output_format: "mp3_16000", voices: { catalogue: "closed", ids: ["ada", "grace"] }, max_input_characters: 5000
  },
  { id: "acme-think-1", provider: PROVIDER, capability: "llm", display_name: "Acme Think 1", streaming: true, tools: true },
  { id: "acme-draw-1", provider: PROVIDER, capability: "image", display_name: "Acme Draw 1" }
]

/** The syntax of the open language-model family. */
export const LLM_MODEL_PATTERN = /^acme-think-[a-z0-9.-]+$/
