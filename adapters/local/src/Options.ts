/**
 * The options each engine takes under `provider_options.local`, in snake_case, with what they
 * become on the command line. Speech: espeak-ng's `speed` (words per minute, `-s`) and `pitch`
 * (`-p`). Transcription: a closed set of `phrases` or a `vocabulary` of words (each turned into
 * a JSGF grammar), or a `grammar` of your own, which raise pocketsphinx's accuracy from poor to
 * good when you know what may be said; and `remove_silence` (its voice activity detection).
 *
 * @since 0.1.0
 */
import { InvalidRequest } from "@patchbay/core"
import { decodeProviderOptions } from "@patchbay/core/adapter"
import { Effect, Schema } from "effect"
import { PROVIDER } from "./Programs.ts"

const integer = (minimum: number, maximum: number) => Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum, maximum }))

/** espeak-ng options. @category schemas */
export const TtsOptions = Schema.Struct({
  /** Words per minute, 80–450 (espeak-ng's `-s`; its default is 175). */
  speed: Schema.optionalKey(integer(80, 450)),
  /** Pitch, 0–99 (espeak-ng's `-p`; its default is 50). */
  pitch: Schema.optionalKey(integer(0, 99))
})
export type TtsOptions = typeof TtsOptions.Type

const MAX_ENTRIES = 5000
const MAX_GRAMMAR = 200_000

/** pocketsphinx options. @category schemas */
export const SttOptions = Schema.Struct({
  /** The sentences that may be said: each utterance is decoded as one or more of them. */
  phrases: Schema.optionalKey(Schema.Array(Schema.String).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_ENTRIES))),
  /** The words that may be said, in any order. */
  vocabulary: Schema.optionalKey(Schema.Array(Schema.String).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_ENTRIES))),
  /** A JSGF grammar (`#JSGF V1.0; grammar g; public <s> = …;`), used as written. */
  grammar: Schema.optionalKey(
    Schema.String.check(
      Schema.isPattern(/^\s*#JSGF\b/, { message: "a JSGF grammar starts with \"#JSGF V1.0;\"" }),
      Schema.isMaxLength(MAX_GRAMMAR)
    )
  ),
  /** pocketsphinx's voice activity detection (`-remove_silence`, default true): it splits the audio into utterances at pauses. */
  remove_silence: Schema.optionalKey(Schema.Boolean)
})
export type SttOptions = typeof SttOptions.Type

/**
 * Decodes the options under `provider_options.local` with the adapter kit. A bad value is
 * `InvalidRequest` naming its path; so is an option this engine does not have (a misspelt
 * `phrase` would otherwise be ignored silently), with the ones it has.
 */
export const decode = <S extends typeof TtsOptions | typeof SttOptions>(schema: S, options: unknown, stage: "voice.stt" | "voice.tts"): Effect.Effect<S["Type"], InvalidRequest> =>
  Effect.suspend(() => {
    const base = `${stage}.provider_options.${PROVIDER}`
    const known = Object.keys(schema.fields)
    const unknown = options !== null && typeof options === "object" ? Object.keys(options).filter((k) => !known.includes(k)) : []
    if (unknown[0] !== undefined) {
      return Effect.fail(new InvalidRequest({ provider: PROVIDER, field: `${base}.${unknown[0]}`, allowed: known, reason: "is not an option of this engine" }))
    }
    return decodeProviderOptions(schema, options, { provider: PROVIDER, field: base }) as Effect.Effect<S["Type"], InvalidRequest>
  })

/**
 * The words of a phrase as the pronunciation dictionary spells them: lower case, letters, digits
 * and inner apostrophes (`o'clock`); punctuation splits words.
 */
export const wordsOf = (phrase: string): ReadonlyArray<string> =>
  phrase
    .toLowerCase()
    .split(/[^\p{L}\p{N}']+/u)
    .map((w) => w.replace(/^'+|'+$/g, ""))
    .filter((w) => w !== "")

/** JSGF tokens must not contain grammar syntax. */
const jsgfSafe = (word: string) => /^[\p{L}\p{N}']+$/u.test(word)

/** The grammar pocketsphinx decodes with, and which option it came from. */
export interface Grammar {
  readonly option: "phrases" | "vocabulary" | "grammar"
  readonly jsgf: string
}

const field = (name: string) => `voice.stt.provider_options.${PROVIDER}.${name}`

/**
 * The decoded options' grammar, if any: `phrases` → `( p1 | p2 | … )+`, `vocabulary` →
 * `( w1 | w2 | … )+`, `grammar` as given. More than one of them, or a phrase without a word,
 * is `InvalidRequest`.
 */
export const grammarOf = (options: SttOptions): Effect.Effect<Grammar | undefined, InvalidRequest> =>
  Effect.suspend((): Effect.Effect<Grammar | undefined, InvalidRequest> => {
    const given = (["phrases", "vocabulary", "grammar"] as const).filter((k) => options[k] !== undefined)
    if (given.length > 1) {
      return Effect.fail(
        new InvalidRequest({
          provider: PROVIDER,
          field: field(given[1] as string),
          reason: `give one of phrases, vocabulary and grammar, not ${given.join(" and ")}`
        })
      )
    }
    if (options.grammar !== undefined) return Effect.succeed({ option: "grammar", jsgf: options.grammar })
    const list = options.phrases ?? options.vocabulary
    if (list === undefined) return Effect.succeed(undefined)
    const option = options.phrases !== undefined ? "phrases" : "vocabulary"
    const alternatives: Array<string> = []
    for (const [i, entry] of list.entries()) {
      const words = wordsOf(entry)
      if (words.length === 0 || !words.every(jsgfSafe)) {
        return Effect.fail(new InvalidRequest({ provider: PROVIDER, field: `${field(option)}[${i}]`, value: entry, reason: "has no word to listen for" }))
      }
      if (option === "vocabulary") alternatives.push(...words)
      else alternatives.push(words.join(" "))
    }
    const unique = [...new Set(alternatives)]
    const jsgf = `#JSGF V1.0;\ngrammar patchbay;\npublic <utterance> = ( ${unique.join(" | ")} )+ ;\n`
    return Effect.succeed({ option, jsgf })
  })
