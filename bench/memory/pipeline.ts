/**
 * The memory benchmark's "pipeline" extraction: each utterance of a persona's sessions goes
 * through Patchbay's own memory write — a turn with `memory: "Auto"` in the persona's scope,
 * whose operation is awaited (`pb.memory.wait`) — so the candidates the update step sees are
 * the ones Patchbay itself retrieved (the stored memories most similar to each extracted fact:
 * lexical, or hybrid with the assistant's embedding model).
 *
 * The memory LLM is the scripted fake of `@patchbay/core/testing`. It extracts the fact the
 * data set says the utterance states (for a request to forget, the request itself: "Forget my
 * phone number"), and decides only among the candidates it is shown: a correction UPDATEs the
 * candidate that says the fact's current content, a request to forget DELETEs it; when that
 * memory is not among the candidates, the correction is ADDed beside the stale fact and the
 * request to forget deletes nothing — so a retrieval miss shows up as a superseded fact
 * retrieved later. The embedding model is the data set's FAKE concept embedding (see
 * `dataset.ts`), not a vendor's.
 */
import { Effect } from "effect"
import { createPatchbay, type EmbeddingProvider, type PatchbayProvider, type StoresLayer } from "../../packages/core/src/index.ts"
import { FakeLlm, scriptedMemoryLlm } from "../../packages/core/src/testing/index.ts"
import type { FactEvent, Persona } from "./dataset.ts"

const conceptModel = "concept-embedding"

/** A provider "bench" with the scripted memory LLM and the concept embedding as a model. */
const provider = (llm: FakeLlm, embed: (text: string) => Float32Array, dimensions: number): PatchbayProvider => {
  const embedding: EmbeddingProvider = {
    catalogue: "closed",
    validate: () => Effect.void,
    embed: (request) =>
      Effect.sync(() => ({
        vectors: request.texts.map(embed),
        usage: { input_tokens: 0 },
        provider_output: { object: "list", data: request.texts.map((_, index) => ({ object: "embedding", index })) }
      }))
  }
  return {
    id: "bench",
    models: [
      { id: "fake-llm", provider: "bench", capability: "llm", streaming: true, tools: true },
      {
        id: conceptModel,
        provider: "bench",
        capability: "embedding",
        dimensions,
        min_dimensions: 1,
        max_dimensions: dimensions,
        max_texts_per_call: 64,
        max_input_characters: 10_000
      }
    ],
    llm,
    embedding
  }
}

/** What a persona's sessions did to the store, and how the run's retrieval was fed. */
export interface PipelineExtraction {
  /** Creates the run's assistant (hybrid: with the concept embedding as its model) and returns its id. */
  readonly assistant: (run: string, hybrid: boolean) => Effect.Effect<string>
  /** Plays a persona's sessions; maps each fact id to the memory holding its current content. */
  readonly apply: (assistantId: string, persona: Persona) => Effect.Effect<ReadonlyMap<string, string>>
  /** What the last `apply` calls did, summed: operations, their changes, and the corrections and forgets whose memory was not a candidate. */
  readonly counts: { operations: number; add: number; update: number; delete: number; missed: number }
  readonly dispose: () => Promise<void>
}

/** Patchbay's memory write on `stores` (a runtime of its own on the benchmark's database). */
export const pipelineExtraction = (stores: StoresLayer, embed: (text: string) => Float32Array, dimensions: number): PipelineExtraction => {
  // the event the utterance being written states (the turns are written one at a time)
  let pending: FactEvent | undefined
  const counts = { operations: 0, add: 0, update: 0, delete: 0, missed: 0 }
  const llm = FakeLlm({
    reply: scriptedMemoryLlm({
      facts: () => pending === undefined ? [] : [pending.op === "delete" ? pending.utterance : pending.fact],
      decide: (input) => {
        const event = pending!
        if (event.op === "add") return [{ event: "ADD", text: event.fact }]
        const stale = input.stored_memories.find((m) => m.text === event.old_fact)
        if (stale === undefined) counts.missed++
        if (event.op === "update") return [stale === undefined ? { event: "ADD", text: event.fact } : { event: "UPDATE", id: stale.id, text: event.fact }]
        return [stale === undefined ? { event: "NONE" } : { event: "DELETE", id: stale.id }]
      }
    })
  })
  const pb = createPatchbay({
    providers: [provider(llm, embed, dimensions)],
    defaults: { llm: { provider: "bench", model: "fake-llm" } },
    media: { secret: "bench-memory-secret" },
    stores
  })
  return {
    assistant: (run, hybrid) =>
      Effect.promise(() =>
        pb.assistants.create({
          name: `bench ${run}`,
          memory: "Auto",
          memory_llm_provider: "bench",
          memory_model_name: "fake-llm",
          ...(hybrid ? { embedding_provider: "bench", embedding_model_name: conceptModel, embedding_dims: dimensions } : {})
        })
      ).pipe(Effect.map((assistant) => assistant.assistant_id)),
    apply: (assistantId, persona) =>
      Effect.promise(async () => {
        const current = new Map<string, string>()
        for (const session of persona.sessions) {
          for (const event of session.events) {
            pending = event
            // the turn is only the user's utterance: the memory LLM reads it, no reply is asked for
            const turn = await pb.addMessage({ assistantId, content: event.utterance, memoryScope: persona.id, sendToLlm: false })
            const operation = await pb.memory.wait(turn.memory_operation_id!)
            pending = undefined
            if (operation.status !== "COMPLETED") throw new Error(`memory operation ${operation.operation_id} ${operation.status}: ${operation.error}`)
            counts.operations++
            for (const change of operation.events) {
              counts[change.event === "ADD" ? "add" : change.event === "UPDATE" ? "update" : "delete"]++
              if (change.event === "DELETE") current.delete(event.fact_id)
              else current.set(event.fact_id, change.memory_id)
            }
          }
        }
        return current
      }),
    counts,
    dispose: () => pb.dispose()
  }
}
