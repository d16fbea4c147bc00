/**
 * Normalized usage: what a vendor call consumed, in one shape whatever the vendor. Every field
 * is optional and only ever filled from what the vendor reported or what was measured — never
 * guessed.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const count = Schema.optionalKey(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)))

/** @category schemas */
export const Usage = Schema.Struct({
  input_tokens: count,
  output_tokens: count,
  audio_tokens: count,
  total_tokens: count,
  audio_seconds: count,
  characters: count,
  cost_usd: count
})
export type Usage = typeof Usage.Type

const keys = ["input_tokens", "output_tokens", "audio_tokens", "total_tokens", "audio_seconds", "characters", "cost_usd"] as const

/**
 * Adds two usages field by field; a field stays absent when neither side reported it.
 * Used to fold the usage of every vendor call of a run into the run's total.
 */
export const combineUsage = (a: Usage, b: Usage): Usage => {
  const out: { -readonly [K in keyof Usage]: Usage[K] } = {}
  for (const key of keys) {
    const x = a[key]
    const y = b[key]
    if (x !== undefined || y !== undefined) out[key] = (x ?? 0) + (y ?? 0)
  }
  return out
}
