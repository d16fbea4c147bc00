/**
 * Catalogues: what each model of a provider can do, in one shape for every vendor. The
 * pipeline validates requests against them before any network call, `patchbay providers`
 * prints them, and the conformance battery reads them to know which checks apply.
 *
 * @since 0.1.0
 */
import { Container } from "@patchbay/audio"
import { Schema } from "effect"

/** The five things a provider can do. */
export const Capability = Schema.Literals(["stt", "tts", "llm", "image", "embedding"])
export type Capability = typeof Capability.Type

/**
 * Whether a list is the vendor's fixed set (`closed`: anything else is refused before the
 * request) or open-ended (`open`: per-account or fast-moving ids get a syntax check, and the
 * vendor's own 400/404 maps to a typed error).
 */
export const Openness = Schema.Literals(["open", "closed"])
export type Openness = typeof Openness.Type

/** The generic output format names every TTS request may use (`Audio.Container.GenericFormat`). */
export const GenericOutputFormat = Container.GenericFormat
export type GenericOutputFormat = Container.GenericFormat

/** One output format a TTS model produces, under the vendor's own name. */
export const OutputFormat = Schema.Struct({
  /** The vendor's name for it (`mp3_44100_128`, or `mp3` where the vendor uses plain names). */
  id: Schema.String,
  /** Its generic family. */
  format: GenericOutputFormat,
  sample_rate: Schema.optionalKey(Schema.Number),
  bitrate: Schema.optionalKey(Schema.Number),
  channels: Schema.optionalKey(Schema.Number)
})
export type OutputFormat = typeof OutputFormat.Type

/** A model's voices: a closed list of ids, or an open catalogue with a syntax check. */
export const VoiceCatalogue = Schema.Struct({
  catalogue: Openness,
  /** Closed: every accepted id. Open: known examples (e.g. premade voices). */
  ids: Schema.optionalKey(Schema.Array(Schema.String)),
  /** A regular expression (source) that other accepted ids match, e.g. `^voice_[A-Za-z0-9]+$`. */
  pattern: Schema.optionalKey(Schema.String)
})
export type VoiceCatalogue = typeof VoiceCatalogue.Type

/** @category schemas */
export const ModelInfo = Schema.Struct({
  id: Schema.String,
  provider: Schema.String,
  capability: Capability,
  display_name: Schema.optionalKey(Schema.String),
  /** Results arrive incrementally (STT deltas, TTS chunks as produced, LLM tokens). */
  streaming: Schema.optionalKey(Schema.Boolean),
  /** STT: accepted input containers (sniffed from the bytes, see `Audio.sniff`). */
  input_formats: Schema.optionalKey(Schema.Array(Schema.String)),
  /** STT: the largest accepted upload, in bytes. */
  max_input_bytes: Schema.optionalKey(Schema.Number),
  /** STT: transcribes live audio over a duplex session (`SttProvider.realtime`). */
  realtime: Schema.optionalKey(Schema.Boolean),
  /**
   * STT, realtime models: the audio formats a session takes, by generic id (`pcm_16000`:
   * 16-bit little-endian mono PCM at 16 kHz; `ulaw_8000`, `alaw_8000`: G.711 at 8 kHz).
   */
  realtime_formats: Schema.optionalKey(Schema.Array(Schema.String)),
  /** STT: speaker labels. */
  diarization: Schema.optionalKey(Schema.Boolean),
  /** STT: per-word times; TTS: word alignment. */
  word_timestamps: Schema.optionalKey(Schema.Boolean),
  /** ISO 639-1 codes the model accepts; absent means any. */
  languages: Schema.optionalKey(Schema.Array(Schema.String)),
  /** TTS: the formats it produces, in order of preference for each generic name. */
  output_formats: Schema.optionalKey(Schema.Array(OutputFormat)),
  /** TTS: the vendor's default, used when a request names none. */
  default_output_format: Schema.optionalKey(Schema.String),
  /** TTS: accepted voices. */
  voices: Schema.optionalKey(VoiceCatalogue),
  /** TTS: the longest text one request takes, in characters; embedding: the longest single text. */
  max_input_characters: Schema.optionalKey(Schema.Number),
  /** Embedding: the length of the vectors it gives when a request names no `dimensions`. */
  dimensions: Schema.optionalKey(Schema.Int),
  /**
   * Embedding: the shortest and longest vectors a request may ask for with `dimensions`. Absent,
   * the model gives only its default length (`dimensions`).
   */
  min_dimensions: Schema.optionalKey(Schema.Int),
  max_dimensions: Schema.optionalKey(Schema.Int),
  /** Embedding: the most texts one vendor call takes; `Stages.embed` splits larger batches. */
  max_texts_per_call: Schema.optionalKey(Schema.Int),
  /** Embedding: the longest single text, in the vendor's tokens (the vendor counts them; its refusal maps to a typed error). */
  max_input_tokens: Schema.optionalKey(Schema.Int),
  /** LLM: function tools. */
  tools: Schema.optionalKey(Schema.Boolean),
  /** LLM: the most tokens one request may hold, the prompt and the reply together. */
  context_window: Schema.optionalKey(Schema.Number),
  /** LLM and image: images accepted as input. */
  image_input: Schema.optionalKey(Schema.Boolean)
})
export type ModelInfo = typeof ModelInfo.Type

/**
 * Resolves a requested output format — a generic name (`mp3`) or the vendor's own
 * (`mp3_44100_128`) — to the model's format entry. Absent, it is the model's default.
 * Returns undefined when the model cannot produce it.
 */
export const resolveOutputFormat = (model: ModelInfo, requested: string | undefined): OutputFormat | undefined => {
  const formats = model.output_formats ?? []
  const wanted = requested ?? model.default_output_format
  if (wanted === undefined) return formats[0]
  const exact = formats.find((f) => f.id === wanted)
  if (exact !== undefined) return exact
  const isGeneric = (GenericOutputFormat.literals as ReadonlyArray<string>).includes(wanted)
  if (!isGeneric) return undefined
  const preferred = formats.find((f) => f.id === model.default_output_format && f.format === wanted)
  return preferred ?? formats.find((f) => f.format === wanted)
}

/** Every name a model's output format may be requested by: the vendor ids and generic names. */
export const outputFormatNames = (model: ModelInfo): ReadonlyArray<string> => {
  const formats = model.output_formats ?? []
  const generic = [...new Set(formats.map((f) => f.format))].filter((g) => !formats.some((f) => f.id === g))
  return [...generic, ...formats.map((f) => f.id)]
}

/**
 * Whether an embedding model gives vectors of this length: within its `min_dimensions` and
 * `max_dimensions` when it has them, else only its default length.
 */
export const acceptsDimensions = (model: ModelInfo, dimensions: number): boolean => {
  if (!Number.isInteger(dimensions) || dimensions < 1) return false
  if (model.min_dimensions !== undefined || model.max_dimensions !== undefined) {
    return dimensions >= (model.min_dimensions ?? 1) && dimensions <= (model.max_dimensions ?? Number.POSITIVE_INFINITY)
  }
  return model.dimensions === undefined || dimensions === model.dimensions
}

/** The `dimensions` an embedding model accepts, in words, for errors and listings. */
export const dimensionsAllowed = (model: ModelInfo): ReadonlyArray<string> =>
  model.min_dimensions !== undefined || model.max_dimensions !== undefined
    ? [`${model.min_dimensions ?? 1}–${model.max_dimensions ?? "any"}`]
    : model.dimensions === undefined ? [] : [String(model.dimensions)]

/** Whether a voice id is accepted by the model's voice catalogue. */
export const acceptsVoice = (voices: VoiceCatalogue | undefined, voice: string): boolean => {
  if (voices === undefined) return voice.length > 0
  if (voices.ids?.includes(voice) === true) return true
  if (voices.pattern !== undefined) return new RegExp(voices.pattern).test(voice)
  return voices.catalogue === "open" && voice.length > 0
}

/**
 * The media type of audio in an output format, by its generic family or a vendor id that starts
 * with one (`mp3_44100_128` → `audio/mpeg`, `opus` → `audio/ogg`); the table is
 * `Audio.Container`'s.
 */
export const mediaTypeOfOutputFormat: (format: string) => string = Container.mediaTypeOfFormat

/**
 * The generic ids of the audio formats a realtime STT session may take (`realtime_formats` of
 * a catalogue entry lists a model's own): `pcm_<rate>` is 16-bit signed little-endian mono PCM
 * at that sample rate; `ulaw_8000` and `alaw_8000` are G.711 mono at 8 kHz, one byte a sample.
 */
export const realtimeFormats: ReadonlyArray<string> = [
  "pcm_8000",
  "pcm_16000",
  "pcm_22050",
  "pcm_24000",
  "pcm_44100",
  "pcm_48000",
  "ulaw_8000",
  "alaw_8000"
]

/** What a realtime audio format is made of: its encoding, sample rate and bytes per second. */
export interface RealtimeFormatInfo {
  readonly encoding: "pcm_s16le" | "ulaw" | "alaw"
  readonly sample_rate: number
  /** One sample's bytes: 2 for PCM, 1 for G.711. */
  readonly bytes_per_sample: number
  readonly bytes_per_second: number
}

/**
 * Reads a generic realtime format id (`pcm_16000` → 16-bit PCM at 16 kHz, 32000 bytes a second);
 * undefined for an id outside {@link realtimeFormats}. How a session's duration is measured
 * from the bytes sent.
 */
export const realtimeFormatInfo = (format: string): RealtimeFormatInfo | undefined => {
  if (!realtimeFormats.includes(format)) return undefined
  const [family, rate] = format.split("_") as [string, string]
  const sample_rate = Number(rate)
  const encoding = family === "pcm" ? "pcm_s16le" : family === "ulaw" ? "ulaw" : "alaw"
  const bytes_per_sample = family === "pcm" ? 2 : 1
  return { encoding, sample_rate, bytes_per_sample, bytes_per_second: sample_rate * bytes_per_sample }
}
