/**
 * Language codes. Requests name languages in ISO 639-1 (`en`); vendors answer in other forms —
 * ISO 639-3 (`eng`, ElevenLabs), English names (`english`, OpenAI's `verbose_json`), BCP 47 tags
 * (`en-US`). {@link toIso6391} normalizes all of them, and answers null rather than guess.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { iso6393, iso6393To1, iso6393To2B } from "iso-639-3"

const iso6391 = new Set(Object.values(iso6393To1))

const byName = new Map<string, string>()
for (const language of iso6393) {
  if (language.iso6391 === undefined) continue
  const name = language.name.toLowerCase()
  byName.set(name, language.iso6391)
  byName.set(name.replace(/\s*\(.*\)\s*$/, ""), language.iso6391)
}
// Names vendors use (Whisper's language table) that differ from the ISO reference names.
for (const [name, code] of [
  ["greek", "el"],
  ["punjabi", "pa"],
  ["pashto", "ps"],
  ["myanmar", "my"],
  ["burmese", "my"],
  ["nynorsk", "nn"],
  ["haitian creole", "ht"],
  ["castilian", "es"],
  ["valencian", "ca"],
  ["flemish", "nl"],
  ["moldavian", "ro"],
  ["moldovan", "ro"],
  ["letzeburgesch", "lb"],
  ["sinhalese", "si"],
  ["farsi", "fa"]
] as const) byName.set(name, code)

const by6392B = new Map<string, string>()
for (const [code3, code2b] of Object.entries(iso6393To2B)) {
  const code1 = iso6393To1[code3]
  if (code1 !== undefined) by6392B.set(code2b, code1)
}

/** Whether `code` is an ISO 639-1 code (two lowercase letters, in the standard). */
export const isIso6391 = (code: string): boolean => iso6391.has(code)

/** Every ISO 639-1 code, sorted. */
export const iso6391Codes: ReadonlyArray<string> = [...iso6391].sort()

/**
 * Normalizes a vendor's language to ISO 639-1: accepts 639-1 (`en`), 639-3 (`eng`), 639-2/B
 * (`ger`), BCP 47 (`en-US`, `zh_Hans`) and English names (`english`, `Modern Greek`). Returns
 * null for anything it cannot map with certainty (`und`, `yue`, empty).
 */
export const toIso6391 = (value: string | null | undefined): string | null => {
  if (value === null || value === undefined) return null
  const input = value.trim().toLowerCase()
  if (input === "") return null
  if (iso6391.has(input)) return input
  const primary = input.split(/[-_]/)[0] ?? ""
  if (primary !== input && iso6391.has(primary)) return primary
  const from3 = iso6393To1[primary] ?? by6392B.get(primary)
  if (from3 !== undefined) return from3
  return byName.get(input) ?? null
}

/** A language field of a request: an ISO 639-1 code. @category schemas */
export const LanguageCode = Schema.String.check(
  Schema.makeFilter((s: string) => isIso6391(s) || `expected an ISO 639-1 code such as "en", got ${JSON.stringify(s)}`)
)
