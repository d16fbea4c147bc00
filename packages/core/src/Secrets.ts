/**
 * Keeping API keys out of messages. Keys are held as `Redacted` values; the only place their
 * text could leak is a vendor's own error message (some echo part of the key back), so every
 * vendor message goes through {@link redactSecrets} before an error keeps it.
 *
 * @since 0.1.0
 */
import { Redacted } from "effect"

const known = new Set<string>()

/**
 * Remembers a key so that {@link redactSecrets} removes it wherever it appears, even in a form
 * no pattern matches. Adapters call it when they first read their key.
 */
export const rememberSecret = (secret: Redacted.Redacted<string> | string): void => {
  const value = typeof secret === "string" ? secret : Redacted.value(secret)
  if (value.length >= 6) known.add(value)
}

/** Key-shaped text and what replaces it, applied in order. */
const patterns: ReadonlyArray<readonly [RegExp, string]> = [
  // a header or field naming a key, with or without an auth scheme: keep the name, drop the value
  [/\b(xi-api-key|api[-_]?key|authorization)(["']?\s*[:=]\s*["']?)(?:(?:Bearer|Basic)\s+)?[^\s"',}]{6,}/gi, "$1$2[redacted]"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted]"],
  [/\bsk-[A-Za-z0-9_*-]{6,}/g, "[redacted]"], // OpenAI and OpenRouter style keys (sk-…, sk-proj-…, sk-or-v1-…)
  [/\bsk_[A-Za-z0-9]{16,}/g, "[redacted]"] // ElevenLabs style keys
]

/** Returns the text with every known key and anything shaped like a key replaced by `[redacted]`. */
export const redactSecrets = (text: string): string => {
  let out = text
  for (const secret of known) out = out.split(secret).join("[redacted]")
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement)
  return out
}
