/**
 * Word error rate: the word-level edit distance (substitutions, deletions, insertions) between a
 * reference and a hypothesis, divided by the reference's word count. Words are compared as the
 * pronunciation dictionary spells them (lower case, punctuation dropped).
 */
import { Options } from "../../src/index.ts"

/** Substitutions + deletions + insertions turning `reference` into `hypothesis`. */
export const wordErrors = (reference: ReadonlyArray<string>, hypothesis: ReadonlyArray<string>): number => {
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j)
  for (let i = 1; i <= reference.length; i++) {
    const current = [i]
    for (let j = 1; j <= hypothesis.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[hypothesis.length] ?? 0
}

/** The word error rate of transcripts against their references, over all of them together. */
export const wer = (pairs: ReadonlyArray<{ readonly reference: string; readonly hypothesis: string }>): number => {
  let errors = 0
  let words = 0
  for (const { reference, hypothesis } of pairs) {
    const ref = Options.wordsOf(reference)
    errors += wordErrors(ref, Options.wordsOf(hypothesis))
    words += ref.length
  }
  return words === 0 ? 0 : errors / words
}
