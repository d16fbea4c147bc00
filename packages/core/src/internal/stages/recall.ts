/**
 * Memory retrieval (`Stages.recall`): before the LLM call, a turn that reads memory waits —
 * bounded — for its scope's running write, then takes the assistant's `memory_top_k` memories by
 * hybrid search: lexical always (the store's engine), and vectors when the assistant names an
 * embedding model (the query embedded with `Stages.embed`, scored by cosine against the
 * process's vector cache, which checks the scope's version on every lookup), the two ranked
 * lists fused by reciprocal rank. The LLM gets them in one system message ({@link systemBlock});
 * the stream gets `memory_retrieved`.
 */
import { Clock, Effect, Option } from "effect"
import type { Assistant } from "../../AssistantStore.ts"
import type { RetrievedMemory } from "../../MessageResponse.ts"
import { fuse, makeVectorCache, VectorCache, type VectorCacheShape } from "../../MemorySearch.ts"
import { type Memory, MemoryStore } from "../../MemoryStore.ts"
import type { LlmMessage } from "../../Provider.ts"
import { ProviderRegistry } from "../../ProviderRegistry.ts"
import { Run } from "../../Run.ts"
import { PipelineSettings } from "../../Settings.ts"
import * as Validation from "../../Validation.ts"
import type { Warning } from "../../Warning.ts"
import { embedValidated } from "./embed.ts"

/** Where to search: an assistant's memories of one scope. */
export interface RecallTarget {
  readonly assistant: Assistant
  readonly scope: string
}

/** The process's vector cache, used when the program provides no `VectorCache` of its own. */
const processCache: VectorCacheShape = makeVectorCache()

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * Waits until the scope has no running memory operation — one started by an earlier turn, in
 * this process or another (the store is polled every `memory.pollMs`) — or until `memory.waitMs`
 * has passed, whichever comes first. Returns whether the scope was settled.
 */
export const awaitScope = (assistantId: string, scope: string) =>
  Effect.gen(function*() {
    const settings = yield* PipelineSettings
    const store = yield* MemoryStore
    const deadline = (yield* Clock.currentTimeMillis) + settings.memory.waitMs
    for (;;) {
      const running = yield* store.runningOperation(assistantId, scope)
      if (Option.isNone(running)) return true
      const now = yield* Clock.currentTimeMillis
      if (now >= deadline) return false
      yield* Effect.sleep(Math.max(1, Math.min(settings.memory.pollMs, deadline - now)))
    }
  })

/** The assistant's embedding model, when it names one. */
export const embeddingOf = (assistant: Assistant) =>
  assistant.embedding_provider === undefined || assistant.embedding_model_name === undefined
    ? undefined
    : {
      provider: assistant.embedding_provider,
      model: assistant.embedding_model_name,
      ...(assistant.embedding_dims === undefined ? {} : { dimensions: assistant.embedding_dims })
    }

/**
 * Embeds texts with the assistant's embedding model (undefined when it names none), each cut to
 * the model's `max_input_characters`: a long message is still searched by its beginning rather
 * than refused.
 */
export const embedTexts = (assistant: Assistant, texts: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const model = embeddingOf(assistant)
    if (model === undefined || texts.length === 0) return undefined
    const registry = yield* ProviderRegistry
    const resolved = yield* registry.resolve("embedding", model.provider, model.model, { provider: "embedding_provider", model: "embedding_model_name" })
    const limit = resolved.model?.max_input_characters
    const cut = limit === undefined ? texts : texts.map((text) => (Validation.characterCount(text) > limit ? [...text].slice(0, limit).join("") : text))
    const config = { ...model, texts: cut }
    const valid = yield* Validation.validateEmbedding(registry, config)
    return (yield* embedValidated(valid, config)).vectors
  })

/** The query's vector, when the assistant names an embedding model and the query has words. */
const embedQuery = (assistant: Assistant, text: string) =>
  text.trim() === "" ? Effect.succeed(undefined) : Effect.map(embedTexts(assistant, [text]), (vectors) => vectors?.[0])

/**
 * The memories most similar to `text` in the target's scope, best first, at most `limit`: the
 * live, unexpired memories the lexical search finds, fused by reciprocal rank with those the
 * vector search finds when the assistant names an embedding model. `vector`, when given, is the
 * query's embedding already computed (the write path embeds its facts in one batch); `null`
 * searches lexically only.
 */
export const search = (target: RecallTarget, text: string, limit: number, vector?: Float32Array | null) =>
  Effect.gen(function*() {
    const store = yield* MemoryStore
    const assistantId = target.assistant.assistant_id
    const now = iso(yield* Clock.currentTimeMillis)
    // each list reads deeper than the limit, so fusion can lift a memory both lists rank well
    const depth = Math.max(limit * 2, 10)
    const lexical = yield* store.searchText(assistantId, { memory_scope: target.scope, text, limit: depth, now })
    const query = vector === null ? undefined : vector ?? (yield* embedQuery(target.assistant, text))
    const cache = Option.getOrElse(yield* Effect.serviceOption(VectorCache), () => processCache)
    const similar = query === undefined ? [] : yield* cache.search(assistantId, target.scope, query, { limit: depth, now })
    const byId = new Map<string, Memory>()
    for (const hit of [...lexical, ...similar]) byId.set(hit.memory.id, hit.memory)
    const lists = query === undefined
      ? [lexical.map((hit) => hit.memory.id)]
      : [lexical.map((hit) => hit.memory.id), similar.map((hit) => hit.memory.id)]
    return fuse(lists, { limit }).map(({ id, score }) => ({ memory: byId.get(id)!, score }))
  })

/** What a turn retrieved, and the warnings of a retrieval that had to do without vectors. */
export interface Recalled {
  readonly memories: ReadonlyArray<RetrievedMemory>
  readonly warnings: ReadonlyArray<Warning>
}

/**
 * Retrieves for a turn: waits for the scope's running write ({@link awaitScope}), then takes the
 * assistant's `memory_top_k` memories for the user's text ({@link search}). When embedding the
 * text fails (after its retries), the turn goes on with lexical search alone and the warning
 * `memory_vectors_unavailable`: a vendor hiccup costs recall quality, not the conversation.
 */
export const recallMemories = (target: RecallTarget, text: string, topK?: number) =>
  Effect.gen(function*() {
    yield* awaitScope(target.assistant.assistant_id, target.scope)
    const warnings: Array<Warning> = []
    const vector = yield* embedQuery(target.assistant, text).pipe(
      Effect.catch((error) => {
        if (error._tag === "StoreUnavailable") return Effect.fail(error)
        warnings.push({ code: "memory_vectors_unavailable", message: `memories were searched by words only: embedding the message failed: ${error._tag}: ${error.message}` })
        return Effect.succeed(null)
      })
    )
    const found = yield* search(target, text, topK ?? target.assistant.memory_top_k, vector ?? null)
    const recalled: Recalled = {
      memories: found.map(({ memory, score }): RetrievedMemory => ({ id: memory.id, memory: memory.content, score })),
      warnings
    }
    return recalled
  })

/** {@link recallMemories}, then `memory_retrieved` with what was found (possibly nothing). */
export const recallForTurn = (target: RecallTarget, text: string) =>
  Effect.gen(function*() {
    const recalled = yield* recallMemories(target, text)
    const run = yield* Run
    yield* run.emit({ type: "memory_retrieved", memories: recalled.memories })
    return recalled
  })

/** The first line of the system message that carries retrieved memories (see docs/memory.md). */
export const systemBlockHeading =
  "Memories from earlier conversations with this user, most relevant first. Use them when they help; " +
  "if the conversation contradicts one, the conversation is right."

/**
 * The system message that gives the LLM the retrieved memories: {@link systemBlockHeading},
 * then one line per memory, `- ` and its text. Exactly as docs/memory.md shows it.
 */
export const systemBlock = (memories: ReadonlyArray<RetrievedMemory>): string =>
  [systemBlockHeading, ...memories.map((m) => `- ${m.memory.replace(/\s*\n\s*/g, " ")}`)].join("\n")

/** The system message for the memories, or none when nothing was retrieved. */
export const systemMessages = (memories: ReadonlyArray<RetrievedMemory>): ReadonlyArray<LlmMessage> =>
  memories.length === 0 ? [] : [{ role: "system", content: systemBlock(memories) }]
