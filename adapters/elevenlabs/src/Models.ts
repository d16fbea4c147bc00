/**
 * The ElevenLabs catalogue: the speech-to-text models (batch and realtime), the text-to-speech
 * models, the output formats, the voices and the limits, from the vendor's published OpenAPI
 * spec (`reference/elevenlabs-openapi.json`) and, for the realtime model, the SDK's types. Model
 * ids and output formats are closed sets (anything else is refused before a request, with the
 * list of what is allowed); voices are an open catalogue, since every account has its own,
 * checked for the syntax of an ElevenLabs voice id.
 *
 * Model ids and format ids are literal types, so an editor completes `"eleven_flash_v2_5"` and a
 * typo fails to compile.
 *
 * @since 0.1.0
 */
import type { ModelInfo, OutputFormat } from "@patchbay/core"

/** The provider id, and the key its options sit under in `provider_options`. */
export const PROVIDER = "elevenlabs"

/** The environment variable the API key is read from when the factory is given none. */
export const KEY_VARIABLE = "ELEVENLABS_API_KEY"

// ---------------------------------------------------------------------------------------------
// Speech to text
// ---------------------------------------------------------------------------------------------

/** The batch speech-to-text models (`POST /v1/speech-to-text`, `model_id` enum of the spec). */
export const sttModelIds = ["scribe_v1", "scribe_v2"] as const
/** A speech-to-text model id. */
export type SttModel = (typeof sttModelIds)[number]

/**
 * The realtime speech-to-text models: live audio over the WebSocket
 * `/v1/speech-to-text/realtime` (the SDK's `speechToText.realtime.connect`); no file uploads.
 */
export const realtimeSttModelIds = ["scribe_v2_realtime"] as const
/** A realtime speech-to-text model id. */
export type RealtimeSttModel = (typeof realtimeSttModelIds)[number]

/**
 * The audio a realtime session takes (the SDK's `AudioFormat`): 16-bit little-endian mono PCM at
 * six rates, and G.711 µ-law at 8 kHz. The vendor's ids are the generic ones.
 */
export const realtimeFormatIds = ["pcm_8000", "pcm_16000", "pcm_22050", "pcm_24000", "pcm_44100", "pcm_48000", "ulaw_8000"] as const

/**
 * The largest upload `POST /v1/speech-to-text` takes: the spec says the file "must be less than
 * 5.0GB", so one byte under 5,000,000,000. Older docs said 1 GB, then 3 GB; pass
 * `elevenlabs({ maxUploadBytes })` if your plan or a proxy in front of the API says otherwise.
 */
export const MAX_UPLOAD_BYTES = 4_999_999_999

/**
 * The containers an upload may be, as `Audio.sniff` recognizes them from the bytes. The spec says
 * "all major audio and video formats are supported"; these are the ones Patchbay can tell apart.
 * Headerless audio (`file_format: pcm_s16le_16`) cannot be sniffed and is not offered.
 */
export const INPUT_FORMATS: ReadonlyArray<string> = ["mp3", "wav", "ogg", "flac", "webm", "mp4", "aac"]

// ---------------------------------------------------------------------------------------------
// Text to speech
// ---------------------------------------------------------------------------------------------

/**
 * The text-to-speech models the spec names for `/v1/text-to-speech/{voice_id}`:
 * `eleven_turbo_v2_5` and `eleven_turbo_v2` are marked deprecated in favour of their flash twins
 * but still served.
 */
export const ttsModelIds = [
  "eleven_v3",
  "eleven_multilingual_v2",
  "eleven_flash_v2_5",
  "eleven_turbo_v2_5",
  "eleven_flash_v2",
  "eleven_turbo_v2"
] as const
/** A text-to-speech model id. */
export type TtsModel = (typeof ttsModelIds)[number]

/** The output formats of the streaming endpoints (`output_format` enum of `/stream`). */
export const streamingOutputFormatIds = [
  "mp3_22050_32",
  "mp3_24000_48",
  "mp3_44100_32",
  "mp3_44100_64",
  "mp3_44100_96",
  "mp3_44100_128",
  "mp3_44100_192",
  "pcm_8000",
  "pcm_16000",
  "pcm_22050",
  "pcm_24000",
  "pcm_32000",
  "pcm_44100",
  "pcm_48000",
  "ulaw_8000",
  "alaw_8000",
  "opus_48000_32",
  "opus_48000_64",
  "opus_48000_96",
  "opus_48000_128",
  "opus_48000_192"
] as const

/** The wav formats: offered only by the non-streaming endpoints (`/v1/text-to-speech/{voice_id}`). */
export const wavOutputFormatIds = ["wav_8000", "wav_16000", "wav_22050", "wav_24000", "wav_32000", "wav_44100", "wav_48000"] as const

/** An output format, by the vendor's own name. */
export type OutputFormatId = (typeof streamingOutputFormatIds)[number] | (typeof wavOutputFormatIds)[number]

/** The vendor's default format (`output_format` default in the spec). */
export const DEFAULT_OUTPUT_FORMAT: OutputFormatId = "mp3_44100_128"

/**
 * The variant a generic name maps to: the vendor's default for mp3, 24 kHz for pcm and wav (44.1
 * kHz needs a Pro plan), 64 kbit/s for opus.
 */
const preferred: ReadonlyArray<OutputFormatId> = ["mp3_44100_128", "pcm_24000", "wav_24000", "opus_48000_64", "ulaw_8000", "alaw_8000"]

const describeFormat = (id: OutputFormatId): OutputFormat => {
  const [codec = "", rate = "", bitrate] = id.split("_")
  const format = codec as OutputFormat["format"]
  return {
    id,
    format,
    sample_rate: Number(rate),
    ...(bitrate === undefined ? {} : { bitrate: Number(bitrate) }),
    channels: 1
  }
}

/** Every output format, the preferred variant of each family first (what a generic name resolves to). */
export const outputFormats: ReadonlyArray<OutputFormat> = [
  ...preferred,
  ...[...streamingOutputFormatIds, ...wavOutputFormatIds].filter((id) => !preferred.includes(id))
].map(describeFormat)

/** Whether a format is served only by the non-streaming endpoint (wav). */
export const isWav = (format: string): boolean => format.startsWith("wav_")

/**
 * An ElevenLabs voice id: 20 letters and digits (`21m00Tcm4TlvDq8ikWAM`). Voices are per account,
 * so any id of that shape is accepted; one the account lacks is the vendor's 404, mapped to
 * `NotFound` (kind `voice`).
 */
export const VOICE_ID_PATTERN = "^[A-Za-z0-9]{20}$"

/** Premade voices, as examples (they exist on every account). */
export const exampleVoices: ReadonlyArray<string> = ["21m00Tcm4TlvDq8ikWAM", "JBFqnCBsd6RMkjVDRZzb"]

/**
 * Characters one request takes, per the vendor's model documentation (the spec gives none);
 * the English-only models take English only.
 */
const ttsFacts: Record<TtsModel, { readonly name: string; readonly maxCharacters: number; readonly languages?: ReadonlyArray<string> }> = {
  eleven_v3: { name: "Eleven v3", maxCharacters: 5_000 },
  eleven_multilingual_v2: { name: "Eleven Multilingual v2", maxCharacters: 10_000 },
  eleven_flash_v2_5: { name: "Eleven Flash v2.5", maxCharacters: 40_000 },
  eleven_turbo_v2_5: { name: "Eleven Turbo v2.5 (deprecated: use eleven_flash_v2_5)", maxCharacters: 40_000 },
  eleven_flash_v2: { name: "Eleven Flash v2 (English)", maxCharacters: 30_000, languages: ["en"] },
  eleven_turbo_v2: { name: "Eleven Turbo v2 (English; deprecated: use eleven_flash_v2)", maxCharacters: 30_000, languages: ["en"] }
}

/** Models that do not take `language_code` (the spec: "not supported for multilingual_v2 models"). */
export const withoutLanguageCode: ReadonlySet<string> = new Set<TtsModel>(["eleven_multilingual_v2"])

/** Models `keyterms` and `no_verbatim` apply to (the spec: "only supported with scribe_v2"). */
export const withKeyterms: ReadonlySet<string> = new Set<SttModel>(["scribe_v2"])

// ---------------------------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------------------------

/** What the catalogue can be configured with. */
export interface CatalogueOptions {
  /** The STT upload limit in bytes; defaults to {@link MAX_UPLOAD_BYTES}. */
  readonly maxUploadBytes?: number | undefined
}

/** Builds the catalogue; the STT limit is the vendor's unless configured. */
export const catalogue = (options: CatalogueOptions = {}): ReadonlyArray<ModelInfo> => [
  ...sttModelIds.map((id): ModelInfo => ({
    id,
    provider: PROVIDER,
    capability: "stt",
    display_name: id === "scribe_v1" ? "Scribe v1" : "Scribe v2",
    streaming: false,
    input_formats: INPUT_FORMATS,
    max_input_bytes: options.maxUploadBytes ?? MAX_UPLOAD_BYTES,
    diarization: true,
    word_timestamps: true
  })),
  ...realtimeSttModelIds.map((id): ModelInfo => ({
    id,
    provider: PROVIDER,
    capability: "stt",
    display_name: "Scribe v2 Realtime",
    streaming: true,
    realtime: true,
    realtime_formats: realtimeFormatIds,
    diarization: false,
    word_timestamps: true
  })),
  ...ttsModelIds.map((id): ModelInfo => {
    const facts = ttsFacts[id]
    return {
      id,
      provider: PROVIDER,
      capability: "tts",
      display_name: facts.name,
      streaming: true,
      word_timestamps: true,
      output_formats: outputFormats,
      default_output_format: DEFAULT_OUTPUT_FORMAT,
      voices: { catalogue: "open", ids: exampleVoices, pattern: VOICE_ID_PATTERN },
      max_input_characters: facts.maxCharacters,
      ...(facts.languages === undefined ? {} : { languages: facts.languages })
    }
  })
]

/** The catalogue with the vendor's own limits. */
export const models: ReadonlyArray<ModelInfo> = catalogue()
