/**
 * Memory retrieval benchmark (`pnpm bench:memory`), on the memory store, SQLite and PostgreSQL:
 *
 *   recall       each persona of `bench/memory/dataset.json` gets its own scope; its sessions are
 *                applied to the store, then every question is asked: recall@5 and @10 of the
 *                current fact that answers it (split into questions sharing a word with the fact
 *                and paraphrases sharing none), and how often a superseded version of that fact
 *                (before a correction) is among the 10 retrieved.
 *   latency      p50 / p99 of one retrieval in a scope of 10,000 memories (`BENCH_MEMORY_SIZE`),
 *                256 dimensions. Target: SQLite lexical and hybrid p50 under 10 ms.
 *
 * Two retrievals: "lexical" (`MemoryStore.searchText`, top 10) and "hybrid" (reciprocal rank
 * fusion of the lexical top 20 and the vector top 20 from `MemorySearch.VectorCache`, which checks
 * the scope's version on every lookup; fused top 10). Vectors come from the data set's FAKE
 * concept embedding (`bench/memory/dataset.ts`), not a vendor model: the hybrid figures measure
 * fusion; embedding the query with it takes microseconds and is inside the timed retrieval (a
 * vendor's embedding call would come on top).
 *
 * How sessions reach the store is a hook, {@link Extraction}:
 * - "direct": every event applied as an ideal extractor would (ADD → put, UPDATE → put over the
 *   same memory, DELETE → soft delete). A superseded fact can then never be retrieved: the
 *   figure is 0 by construction and shows only that the store serves no stale rows.
 * - "gated": a stand-in for the scripted extraction LLM of the memory pipeline, deciding UPDATE
 *   and DELETE only among the 10 candidates this run's retrieval returns for the user's
 *   utterance; a miss ADDs the corrected fact beside the stale one (or deletes nothing), so
 *   retrieval misses show up as superseded facts retrieved later.
 * - "pipeline": Patchbay's own memory write (`bench/memory/pipeline.ts`): each utterance is a turn
 *   with `memory: "Auto"` whose operation is awaited; the scripted fake memory LLM extracts the
 *   utterance's fact and decides ADD / UPDATE / DELETE / NONE only among the candidates Patchbay
 *   retrieved for it (5 per fact, lexical or hybrid as the run), so retrieval misses of the real
 *   write path show up as superseded facts retrieved later.
 *
 * PostgreSQL uses `PATCHBAY_TEST_DATABASE_URL`, else a throwaway cluster started here when
 * PostgreSQL's programs are installed, else it is skipped (and says so).
 */
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Memory, MemorySearch, MemoryStore, Stores, type StoresLayer } from "../packages/core/src/index.ts"
import { postgres, sqlite } from "../packages/sql/src/index.ts"
import { benchPostgres } from "./postgres.ts"
import { conceptEmbedding, type Dataset, type FactEvent, loadDataset, type Persona } from "./memory/dataset.ts"
import { type PipelineExtraction, pipelineExtraction } from "./memory/pipeline.ts"

const latencySize = Number(process.env["BENCH_MEMORY_SIZE"] ?? 10_000)
const latencyQueries = 300
const T0 = "2030-01-01T00:00:00.000Z"
const NOW = "2030-06-01T00:00:00.000Z"

const dataset = loadDataset()
const embed = conceptEmbedding(dataset, 256)

type Mode = "lexical" | "hybrid"

/** One retrieval: memory ids, best first. */
type Retrieve = (scope: string, text: string, limit: number) => Effect.Effect<ReadonlyArray<Memory>, unknown, MemoryStore>

const retriever = (assistantId: string, mode: Mode): Retrieve => {
  const cache = MemorySearch.makeVectorCache()
  return (scope, text, limit) =>
    Effect.gen(function*() {
      const store = yield* MemoryStore
      if (mode === "lexical") {
        return (yield* store.searchText(assistantId, { memory_scope: scope, text, limit, now: NOW })).map((hit) => hit.memory)
      }
      const query = embed(text)
      const lexical = yield* store.searchText(assistantId, { memory_scope: scope, text, limit: 2 * limit, now: NOW })
      const vector = yield* cache.search(assistantId, scope, query, { limit: 2 * limit, now: NOW })
      const byId = new Map([...lexical, ...vector].map((hit) => [hit.memory.id, hit.memory]))
      return MemorySearch.fuse([lexical.map((hit) => hit.memory.id), vector.map((hit) => hit.memory.id)], { limit })
        .map((fused) => byId.get(fused.id)!)
    })
}

/**
 * How a persona's sessions reach the store: the hook the memory pipeline's extraction replaces.
 * `current` maps each fact id to the id of the memory holding its current content.
 */
interface Extraction {
  readonly name: string
  /** The id of the run's assistant (created when the extraction needs one stored). */
  readonly assistant: (run: string, mode: Mode) => Effect.Effect<string>
  readonly apply: (
    assistantId: string,
    persona: Persona,
    retrieve: Retrieve
  ) => Effect.Effect<ReadonlyMap<string, string>, unknown, MemoryStore>
}

const stored = (scope: string, id: string, content: string): Memory => ({
  id,
  content,
  memory_scope: scope,
  metadata: {},
  created_at: T0,
  updated_at: T0
})

let historySeq = 0
const by = () => ({ history_id: `h_${++historySeq}` })

const extraction = (gated: boolean): Extraction => ({
  name: gated ? "gated" : "direct",
  assistant: (run) => Effect.succeed(`asst_${run}`),
  apply: (assistantId, persona, retrieve) =>
    Effect.gen(function*() {
      const store = yield* MemoryStore
      const current = new Map<string, string>()
      // Memory ids are unique per tenant: each run's carry its assistant's id.
      const put = (id: string, content: string) => store.put(assistantId, stored(persona.id, id, content), by(), embed(content))
      const idOf = (factId: string) => `${assistantId}:${factId}`
      const found = (event: FactEvent) =>
        gated
          ? Effect.map(retrieve(persona.id, event.utterance, 10), (hits) => hits.some((m) => m.id === current.get(event.fact_id)))
          : Effect.succeed(true)
      for (const session of persona.sessions) {
        for (const event of session.events) {
          if (event.op === "add") {
            yield* put(idOf(event.fact_id), event.fact)
            current.set(event.fact_id, idOf(event.fact_id))
          } else if (event.op === "update") {
            if (yield* found(event)) {
              yield* put(current.get(event.fact_id)!, event.fact)
            } else {
              const id = idOf(`${event.fact_id}~${session.session}`)
              yield* put(id, event.fact)
              current.set(event.fact_id, id)
            }
          } else if (yield* found(event)) {
            yield* store.softDelete(assistantId, current.get(event.fact_id)!, by())
            current.delete(event.fact_id)
          }
        }
      }
      return current
    })
})

/** Patchbay's own memory write as an {@link Extraction}. */
const fromPipeline = (pipeline: PipelineExtraction): Extraction => ({
  name: "pipeline",
  assistant: (run, mode) => pipeline.assistant(run, mode === "hybrid"),
  apply: (assistantId, persona) => pipeline.apply(assistantId, persona)
})

interface Recall {
  readonly at5: number
  readonly at10: number
  readonly wordAt5: number
  readonly paraphraseAt5: number
  readonly superseded: number
  readonly corrected: number
}

const recall = (data: Dataset, run: string, mode: Mode, apply: Extraction) =>
  Effect.gen(function*() {
    const assistantId = yield* apply.assistant(run, mode)
    const retrieve = retriever(assistantId, mode)
    const current = new Map<string, ReadonlyMap<string, string>>()
    for (const persona of data.personas) current.set(persona.id, yield* apply.apply(assistantId, persona, retrieve))
    let at5 = 0, at10 = 0, word = 0, wordAt5 = 0, paraphraseAt5 = 0, superseded = 0, corrected = 0
    for (const question of data.questions) {
      const hits = yield* retrieve(question.persona, question.text, 10)
      const answerId = current.get(question.persona)!.get(question.answer_fact)
      const rank = hits.findIndex((m) => m.id === answerId && m.content === question.answer)
      if (rank >= 0 && rank < 5) at5++
      if (rank >= 0) at10++
      if (question.shares_a_word) word++
      if (rank >= 0 && rank < 5) question.shares_a_word ? wordAt5++ : paraphraseAt5++
      if (question.superseded.length > 0) {
        corrected++
        if (hits.some((m) => question.superseded.includes(m.content))) superseded++
      }
    }
    const n = data.questions.length
    return {
      at5: at5 / n,
      at10: at10 / n,
      wordAt5: wordAt5 / word,
      paraphraseAt5: paraphraseAt5 / (n - word),
      superseded: corrected === 0 ? 0 : superseded / corrected,
      corrected
    } satisfies Recall
  })

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN

/** p50 / p99 of retrieval in one scope of `latencySize` memories. */
const latency = (data: Dataset) =>
  Effect.gen(function*() {
    const store = yield* MemoryStore
    const assistantId = "asst_latency"
    const scope = "big"
    const facts = data.personas.flatMap((p) => p.sessions.flatMap((s) => s.events.flatMap((e) => e.op === "delete" ? [] : [e.fact])))
    for (let i = 0; i < latencySize; i++) {
      const content = `${facts[i % facts.length]} (${i})`
      yield* store.put(assistantId, stored(scope, `big_${i}`, content), by(), embed(content))
    }
    const figures: Record<Mode, { p50: number; p99: number }> = { lexical: { p50: 0, p99: 0 }, hybrid: { p50: 0, p99: 0 } }
    for (const mode of ["lexical", "hybrid"] as const) {
      const retrieve = retriever(assistantId, mode)
      const times: Array<number> = []
      for (let i = 0; i < latencyQueries + 20; i++) {
        const text = data.questions[i % data.questions.length]!.text
        const start = performance.now()
        yield* retrieve(scope, text, 10)
        if (i >= 20) times.push(performance.now() - start)
      }
      times.sort((a, b) => a - b)
      figures[mode] = { p50: quantile(times, 0.5), p99: quantile(times, 0.99) }
    }
    return figures
  })

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(6)
const ms = (x: number) => `${x.toFixed(2)} ms`

/** `open()` gives the stores of one database; each call is another runtime's (the pipeline's own). */
const measure = (name: string, open: () => StoresLayer, target?: number) =>
  Effect.gen(function*() {
    console.log(`\n${name}`)
    console.log(`  ${"extraction".padEnd(10)} ${"retrieval".padEnd(9)}  recall@5 recall@10  @5 shares-a-word  @5 paraphrase  superseded in top 10`)
    const pipeline = yield* Effect.acquireRelease(Effect.sync(() => pipelineExtraction(open(), embed, 256)), (p) => Effect.promise(() => p.dispose()))
    for (const apply of [extraction(false), extraction(true), fromPipeline(pipeline)]) {
      for (const mode of ["lexical", "hybrid"] as const) {
        const before = { ...pipeline.counts }
        const r = yield* recall(dataset, `${apply.name}_${mode}`, mode, apply)
        console.log(
          `  ${apply.name.padEnd(10)} ${mode.padEnd(9)}    ${pct(r.at5)}    ${pct(r.at10)}         ${pct(r.wordAt5)}        ${pct(r.paraphraseAt5)}   ${pct(r.superseded)} of ${r.corrected}`
        )
        if (apply.name === "pipeline") {
          const c = pipeline.counts
          console.log(
            `             ${c.operations - before.operations} operations written: ${c.add - before.add} ADD, ${c.update - before.update} UPDATE, ${c.delete - before.delete} DELETE; ` +
              `${c.missed - before.missed} corrections or forgets whose memory was not among the candidates`
          )
        }
      }
    }
    const l = yield* latency(dataset)
    for (const mode of ["lexical", "hybrid"] as const) {
      const verdict = target === undefined ? "" : `  (target p50 < ${target} ms: ${l[mode].p50 < target ? "met" : "MISSED"})`
      console.log(`  latency, ${latencySize.toLocaleString("en")} memories, ${mode.padEnd(7)}  p50 ${ms(l[mode].p50)}  p99 ${ms(l[mode].p99)}${verdict}`)
    }
  }).pipe(Effect.scoped, Effect.provide(open()))

const questions = dataset.questions
console.log(
  `memory benchmark: ${dataset.personas.length} personas, ${questions.length} questions (${questions.filter((q) => !q.shares_a_word).length} share no word with their fact), ` +
    `${questions.filter((q) => q.superseded.length > 0).length} about corrected facts; vectors: ${dataset.embedding.label}, 256 dimensions`
)

const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-memory-"))
try {
  const memoryStores = Stores.makeMemory()
  await Effect.runPromise(measure("memory store (BM25, light stemmer)", () => memoryStores))
  await Effect.runPromise(measure("SQLite (FTS5 porter, bm25)", () => sqlite({ filename: join(dir, "bench.db") }), 10))

  const pg = await benchPostgres("patchbay_bench_memory")
  if (pg !== undefined) {
    try {
      await Effect.runPromise(measure("PostgreSQL (english tsvector, ts_rank_cd)", () => postgres({ url: pg.url })))
    } finally {
      pg.done()
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
