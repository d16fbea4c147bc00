/**
 * What the battery is told of the example adapter's `provider_options`: each capability's
 * schema (every field of it must reach the wire) and the option one model does not support.
 */
import type { ConformanceOptions } from "../../src/index.ts"
import { ImageOptions, LlmOptions, SttOptions, TtsOptions } from "../../examples/acme-voice/src/Options.ts"

export const acmeOptions: NonNullable<ConformanceOptions["options"]> = {
  stt: { schema: SttOptions, unsupported: [{ model: "acme-listen-1-lite", option: "diarize", value: true }] },
  tts: { schema: TtsOptions },
  llm: { schema: LlmOptions },
  image: { schema: ImageOptions }
}
