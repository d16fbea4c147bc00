/**
 * What the battery is told of the example adapter's `provider_options`: each capability's
 * schema (every field of it must reach the wire), the option one model does not support, and
 * values their type allows that validate must refuse (each bound just outside) or accept (just inside).
 */
import type { ConformanceOptions } from "../../src/index.ts"
import { ImageOptions, LlmOptions, SttOptions, TtsOptions } from "../../examples/acme-voice/src/Options.ts"

export const acmeOptions: NonNullable<ConformanceOptions["options"]> = {
  stt: {
    schema: SttOptions,
    unsupported: [{ model: "acme-listen-1-lite", option: "diarize", value: true, field: "voice.stt.provider_options.acme-voice.diarize" }],
    invalid: [{ option: "timestamp_granularities", value: ["sentence"], field: "voice.stt.provider_options.acme-voice.timestamp_granularities[0]", why: "a granularity outside the closed list" }],
    valid: [{ option: "timestamp_granularities", value: ["segment"], why: "one granularity of the list" }]
  },
  tts: {
    schema: TtsOptions,
    invalid: [
      { option: "speed", value: 2.01, field: "voice.tts.provider_options.acme-voice.speed", why: "just above 2" },
      { option: "speed", value: 0.49, field: "voice.tts.provider_options.acme-voice.speed", why: "just below 0.5" },
      { request: { voice: "nobody" }, field: "voice.tts.voice", allowed: ["ada", "grace"], why: "a voice the model does not have" }
    ],
    valid: [{ option: "speed", value: 2, why: "the upper bound" }, { option: "speed", value: 0.5, why: "the lower bound" }]
  },
  llm: {
    schema: LlmOptions,
    invalid: [{ option: "max_tokens", value: 0, field: "provider_options.acme-voice.max_tokens", why: "below 1" }],
    valid: [{ option: "max_tokens", value: 1, why: "the least" }]
  },
  image: {
    schema: ImageOptions,
    invalid: [{ option: "style", value: "watercolor", field: "provider_options.acme-voice.style", why: "a style outside the closed list" }]
  }
}
