/**
 * Lexical search for the in-memory `MemoryStore`: word tokens, a light stemmer and Okapi BM25.
 * The SQL stores use their engines instead (SQLite FTS5 with Porter, PostgreSQL's `english`
 * configuration); this is the memory store's equivalent, close enough that one behaviour suite
 * holds on all three, and the one place that says what a "word" of user text is.
 */

/** Words of `text`: runs of letters and digits (any script), lower-cased. Everything else separates. */
export const words = (text: string): ReadonlyArray<string> => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []

/**
 * English stop words, left out of queries (not of documents): they match nearly every memory and
 * would drown the words that matter. The list is the usual English one (PostgreSQL's `english`
 * configuration drops the same kind of words by itself).
 */
export const stopWords: ReadonlySet<string> = new Set(
  (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself " +
    "it its itself they them their theirs themselves what which who whom this that these those am is are was were be " +
    "been being have has had having do does did doing a an the and but if or because as until while of at by for with " +
    "about against between into through during before after above below to from up down in out on off over under again " +
    "further then once here there when where why how all any both each few more most other some such no nor not only " +
    "own same so than too very s t can will just don should now d ll m o re ve y"
  ).split(" ")
)

const vowel = /[aeiouy]/
/** After `-ing`/`-ed`: a doubled final consonant is undone (`runn` → `run`), a short stem ending consonant-vowel-consonant gets its `e` back (`hik` → `hike`). */
const restore = (stem: string): string => {
  if (/([b-df-hj-np-tv-z])\1$/.test(stem) && !/(ll|ss|zz)$/.test(stem)) return stem.slice(0, -1)
  return /^[^aeiou]*[aeiou][^aeiouwxy]$/.test(stem) ? `${stem}e` : stem
}

/**
 * A light English suffix stemmer (not Porter): plurals (`-ies` → `-y`, `-es` after s/x/z/ch/sh,
 * `-s`), `-ing` and `-ed` when a vowel is left in the stem (a doubled final consonant undone,
 * `running` → `run`; a short stem's `e` put back, `hiking` → `hike`). It conflates the common
 * inflections users write (`walked`/`walking`/`walks` → `walk`, `lives`/`living` → `live`, `dogs`
 * → `dog`) and leaves words of three letters or fewer alone.
 */
export const stem = (word: string): string => {
  if (word.length <= 3) return word
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`
  if (word.endsWith("ing") && word.length > 5 && vowel.test(word.slice(0, -3))) return restore(word.slice(0, -3))
  if (word.endsWith("ed") && word.length > 4 && vowel.test(word.slice(0, -2))) return restore(word.slice(0, -2))
  if (/(s|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2)
  if (word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1)
  return word
}

/** The stemmed terms of `text`, in order, repeats kept. */
export const terms = (text: string): ReadonlyArray<string> => words(text).map(stem)

/** The words of a query: {@link words} without stop words, repeats removed. */
export const queryWords = (text: string): ReadonlyArray<string> => [...new Set(words(text).filter((word) => !stopWords.has(word)))]

/** A document as BM25 sees it: its term frequencies and its length in terms. */
export interface Bag {
  readonly tf: ReadonlyMap<string, number>
  readonly length: number
}

/** The bag of terms of `text`. */
export const bagOf = (text: string): Bag => {
  const tf = new Map<string, number>()
  const all = terms(text)
  for (const term of all) tf.set(term, (tf.get(term) ?? 0) + 1)
  return { tf, length: all.length }
}

/** BM25's parameters, the usual ones. */
export const K1 = 1.2
export const B = 0.75

/**
 * Okapi BM25 of `query` over `docs` (the collection statistics are these documents'): the query's
 * terms ({@link queryWords}, stemmed) are OR-ed, each distinct one counted once, idf `ln(1 + (N - df + 0.5) / (df + 0.5))` (never
 * negative). Returns the index and score of every document matching at least one term, best
 * first, ties in the documents' order.
 */
export const bm25 = (query: string, docs: ReadonlyArray<Bag>): ReadonlyArray<{ readonly index: number; readonly score: number }> => {
  const wanted = [...new Set(queryWords(query).map(stem))]
  if (wanted.length === 0 || docs.length === 0) return []
  const n = docs.length
  const avgdl = docs.reduce((sum, doc) => sum + doc.length, 0) / n || 1
  const idf = wanted.map((term) => {
    let df = 0
    for (const doc of docs) if (doc.tf.has(term)) df++
    return Math.log(1 + (n - df + 0.5) / (df + 0.5))
  })
  const scored: Array<{ readonly index: number; readonly score: number }> = []
  docs.forEach((doc, index) => {
    let score = 0
    let matched = false
    wanted.forEach((term, i) => {
      const tf = doc.tf.get(term)
      if (tf === undefined) return
      matched = true
      score += idf[i]! * (tf * (K1 + 1)) / (tf + K1 * (1 - B + B * doc.length / avgdl))
    })
    if (matched) scored.push({ index, score })
  })
  return scored.sort((a, b) => b.score - a.score || a.index - b.index)
}
