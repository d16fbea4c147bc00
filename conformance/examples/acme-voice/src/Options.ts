/**
 * The options each capability takes under `provider_options["acme-voice"]`, with the vendor's
 * own snake_case names, exactly as they go on the wire. Every option is optional.
 */
import { optionsDecoder, optionsSchema } from "@patchbay/core/adapter"
import { Schema } from "effect"
import { PROVIDER } from "./Models.ts"

/**
 * Decodes a capability's options; an unknown or malformed one is `InvalidRequest` naming its path,
 * e.g. `voice.stt.provider_options.acme-voice.diarize` (the stage is `voice.stt`, or "" for the request's own).
 */
export const decodeOptions = optionsDecoder(PROVIDER)

const between = (minimum: number, maximum: number) => Schema.Number.check(Schema.isBetween({ minimum, maximum }))

/**
 * Transcription options: `diarize` labels speakers (`speaker` on words and segments, and the
 * `speakers` list); `timestamp_granularities` picks the timings returned, sent as repeated
 * `timestamp_granularities[]` fields.
 */
export const SttOptions = optionsSchema({ diarize: Schema.Boolean, timestamp_granularities: Schema.Array(Schema.Literals(["word", "segment"])) })

/** Speech options. */
export const TtsOptions = optionsSchema({ speed: between(0.5, 2), stability: between(0, 1) })

/** Chat options. */
export const LlmOptions = optionsSchema({ temperature: between(0, 2), max_tokens: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)) })

/** Image options. */
export const ImageOptions = optionsSchema({ style: Schema.Literals(["photo", "sketch", "flat"]), seed: Schema.Int })
