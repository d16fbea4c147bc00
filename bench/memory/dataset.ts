/**
 * The memory benchmark's data set, as `generate.ts` writes it to `dataset.json`, and its fake
 * embedding.
 *
 * The embedding is NOT a vendor model: it is a deterministic bag of concepts. Each word of a text
 * (lower-cased, stop words dropped) is looked up in the data set's concept table, so synonyms
 * ("town", "city", "home", "live") land on one concept; a word the table lacks is its own concept.
 * Each concept adds 1 to one of `dimensions` coordinates (FNV-1a of its name, so unrelated
 * concepts can collide), and the vector is scaled to unit length. It lets the hybrid run measure
 * fusion — what vectors add when a question shares no word with its fact — without a vendor.
 */
import { readFileSync } from "node:fs"

/** One change a user states in a session. `fact` is the memory an ideal extractor stores. */
export type FactEvent =
  | { readonly op: "add"; readonly fact_id: string; readonly utterance: string; readonly fact: string }
  | { readonly op: "update"; readonly fact_id: string; readonly utterance: string; readonly fact: string; readonly old_fact: string }
  | { readonly op: "delete"; readonly fact_id: string; readonly utterance: string; readonly old_fact: string }

export interface Session {
  readonly session: number
  readonly events: ReadonlyArray<FactEvent>
}

export interface Persona {
  readonly id: string
  readonly name: string
  readonly sessions: ReadonlyArray<Session>
}

export interface Question {
  readonly id: string
  readonly persona: string
  readonly text: string
  /** The fact (its `fact_id`) whose current content answers the question. */
  readonly answer_fact: string
  /** That fact's current content. */
  readonly answer: string
  /** Earlier contents of that fact, replaced by a correction (empty when never corrected). */
  readonly superseded: ReadonlyArray<string>
  /** Whether the question shares a stemmed word with its answer (false: a paraphrase that does not). */
  readonly shares_a_word: boolean
}

export interface Dataset {
  readonly description: string
  readonly seed: number
  readonly embedding: {
    readonly label: string
    readonly dimensions: number
    readonly stop_words: ReadonlyArray<string>
    /** word → concept. */
    readonly concepts: Readonly<Record<string, string>>
  }
  readonly personas: ReadonlyArray<Persona>
  /** Sentences the latency run stores by the thousand (with values filled in). */
  readonly filler_templates: ReadonlyArray<string>
  readonly questions: ReadonlyArray<Question>
}

export const datasetPath = new URL("./dataset.json", import.meta.url)

export const loadDataset = (): Dataset => JSON.parse(readFileSync(datasetPath, "utf8")) as Dataset

const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

/** The fake concept embedding of a data set (see the module's notes): `embed(text)` → unit vector. */
export const conceptEmbedding = (dataset: Dataset, dimensions = dataset.embedding.dimensions) => {
  const stop = new Set(dataset.embedding.stop_words)
  const concepts = dataset.embedding.concepts
  return (text: string): Float32Array => {
    const vector = new Float32Array(dimensions)
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      if (stop.has(word)) continue
      const concept = concepts[word] ?? `w:${word}`
      vector[fnv1a(concept) % dimensions]! += 1
    }
    let norm = 0
    for (const x of vector) norm += x * x
    norm = Math.sqrt(norm)
    if (norm > 0) for (let i = 0; i < dimensions; i++) vector[i]! /= norm
    return vector
  }
}
