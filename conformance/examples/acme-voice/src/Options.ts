/**
 * The options each capability takes under `provider_options["acme-voice"]`, with the vendor's
 * own snake_case names, exactly as they go on the wire.
 */
import { optionsDecoder } from "@patchbay/core/adapter"
import { Schema } from "effect"
import { PROVIDER } from "./Models.ts"

/**
 * Decodes a capability's options; an unknown or malformed one is `InvalidRequest` naming its path,
 * e.g. `voice.stt.provider_options.acme-voice.diarize` (the stage is `voice.stt`, or "" for the request's own).
 */
export const decodeOptions = optionsDecoder(PROVIDER)

/** Transcription options. */
export const SttOptions = Schema.Struct({
  /** Label speakers (`speaker` on words and segments, and the `speakers` list). */
  diarize: Schema.optionalKey(Schema.Boolean),
  /** Which timings to return; sent as repeated `timestamp_granularities[]` fields. */
  timestamp_granularities: Schema.optionalKey(Schema.Array(Schema.Literals(["word", "segment"])))
})

/** Speech options. */
export const TtsOptions = Schema.Struct({
  speed: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0.5, maximum: 2 }))),
  stability: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })))
})

/** Chat options. */
export const LlmOptions = Schema.Struct({
  temperature: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 2 }))),
  max_tokens: Schema.optionalKey(Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)))
})

/** Image options. */
export const ImageOptions = Schema.Struct({
  style: Schema.optionalKey(Schema.Literals(["photo", "sketch", "flat"])),
  seed: Schema.optionalKey(Schema.Number.check(Schema.isInt()))
})
