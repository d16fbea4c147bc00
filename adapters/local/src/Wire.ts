/**
 * What the engines print, parsed: espeak-ng's voice table (`espeak-ng --voices`,
 * `--voices=variant`) and pocketsphinx_continuous's decoder output with `-time yes` — one
 * hypothesis line per utterance, then a line per segment (`word start end probability`, times in
 * seconds from the start of the audio), fillers (`<s>`, `</s>`, `<sil>`, `[NOISE]`) included.
 *
 * @since 0.1.0
 */
import { Language } from "@patchbay/core"

// ---------------------------------------------------------------------------------------------
// espeak-ng --voices
// ---------------------------------------------------------------------------------------------

/** One voice of the installed espeak-ng, as `espeak-ng --voices` lists it. @category models */
export interface Voice {
  /** What `voice` names in a request: the language tag of the voice (`en-us`, `fr-fr`). */
  readonly id: string
  /** espeak-ng's name for it, spaces restored (`English (America)`). */
  readonly name: string
  /** ISO 639-1 of the voice's language, or null when it has none (`cmn`, `jbo`). */
  readonly language: string | null
  readonly gender: "male" | "female" | null
  /** The voice file, relative to espeak-ng's data directory (`gmw/en-US`). */
  readonly file: string
  /** Other language tags the voice answers to, with their priorities (`en`: 3). */
  readonly other_languages: ReadonlyArray<{ readonly tag: string; readonly priority: number }>
}

/** One variant (`+f2`, `+klatt`): a timbre that applies to any voice. @category models */
export interface Variant {
  /** What follows `+` in a voice id (`en-us+f2`). */
  readonly id: string
  readonly name: string
  readonly gender: "male" | "female" | null
}

const ROW = /^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/

const genderOf = (column: string): "male" | "female" | null => {
  const g = column.split("/")[1]
  return g === "M" ? "male" : g === "F" ? "female" : null
}

/** Parses `espeak-ng --voices`: one voice per row after the header. */
export const parseVoices = (table: string): ReadonlyArray<Voice> =>
  table.split("\n").flatMap((line): Array<Voice> => {
    const m = ROW.exec(line)
    if (m === null || m[2] === "Language") return []
    const [, , tag = "", gender = "", name = "", file = "", others = ""] = m
    const other_languages = [...others.matchAll(/\((\S+)\s+(\d+)\)/g)].map((o) => ({ tag: o[1] ?? "", priority: Number(o[2]) }))
    return [{ id: tag, name: name.replace(/_/g, " ").trim(), language: Language.toIso6391(tag), gender: genderOf(gender), file, other_languages }]
  })

/** Parses `espeak-ng --voices=variant`: the variant id is the file name after `!v/`. */
export const parseVariants = (table: string): ReadonlyArray<Variant> =>
  table.split("\n").flatMap((line): Array<Variant> => {
    const m = ROW.exec(line)
    if (m === null || m[2] !== "variant") return []
    const [, , , gender = "", name = "", file = ""] = m
    return [{ id: file.replace(/^!v\//, ""), name: name.replace(/_/g, " ").trim(), gender: genderOf(gender) }]
  })

// ---------------------------------------------------------------------------------------------
// pocketsphinx_continuous -time yes
// ---------------------------------------------------------------------------------------------

/** One segment of the decoder's output: a word or a filler, with its times in seconds. */
export interface DecodedSegment {
  /** As printed: alternative pronunciations keep their marker (`tomorrow(2)`). */
  readonly word: string
  readonly start: number
  readonly end: number
  /** The decoder's posterior probability of the word (1 under a grammar, which keeps no lattice). */
  readonly prob: number
}

/** One utterance: the stretch between two pauses, as the decoder's voice activity detection cut it. */
export interface DecodedUtterance {
  /** The decoder's hypothesis: the words, without fillers and pronunciation markers. */
  readonly hypothesis: string
  readonly segments: ReadonlyArray<DecodedSegment>
}

/** A line of decoder output: a segment with times, or a hypothesis. */
export type DecoderLine =
  | { readonly type: "segment"; readonly segment: DecodedSegment }
  | { readonly type: "hypothesis"; readonly text: string }

const SEGMENT = /^(\S(?:.*\S)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/i

/** Classifies one line of `pocketsphinx_continuous -time yes` output. */
export const parseDecoderLine = (line: string): DecoderLine => {
  const m = SEGMENT.exec(line.trim())
  if (m === null) return { type: "hypothesis", text: line.trim().replace(/\s+/g, " ") }
  return { type: "segment", segment: { word: m[1] ?? "", start: Number(m[2]), end: Number(m[3]), prob: Number(m[4]) } }
}

/**
 * Fillers the decoder reports between words: sentence marks, silence, noise, and the null
 * transitions (`(NULL)`) a grammar's loops leave in the path.
 */
export const isFiller = (word: string): boolean => /^(<.*>|\[.*\]|\+\+?.*\+\+?|\(NULL\))$/.test(word)

/** A dictionary word without its pronunciation marker: `tomorrow(2)` → `tomorrow`. */
export const baseWord = (word: string): string => word.replace(/\(\d+\)$/, "")
