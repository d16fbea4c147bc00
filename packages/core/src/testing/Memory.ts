/**
 * A scripted memory LLM for tests and replayed demos: one reply function for `FakeLlm` that
 * answers the turn itself, the fact extraction and the update step of a memory write — telling
 * them apart by the reply format the write appends to its prompts — so a test states the facts
 * and decisions it wants and nothing else.
 */
import { factFormat, updateFormat } from "../internal/memoryWrite.ts"
import type { LlmEvent, LlmRequest } from "../Provider.ts"

/** What the update step is shown: the stored candidates under short ids, and the new facts. */
export interface UpdateInput {
  readonly stored_memories: ReadonlyArray<{ readonly id: string; readonly text: string }>
  readonly new_facts: ReadonlyArray<string>
}

/** Options of {@link scriptedMemoryLlm}. */
export interface ScriptedMemoryLlm {
  /** The reply to the turn itself (default "Noted."). */
  readonly chat?: ((request: LlmRequest) => string | ReadonlyArray<LlmEvent>) | string | undefined
  /** The facts of a turn, from its conversation text ("User: …\nAssistant: …"); default none. */
  readonly facts?: ((conversation: string) => ReadonlyArray<string>) | undefined
  /**
   * The decisions (the `memory` list of the update reply); by default each new fact is added
   * unless a candidate says exactly it.
   */
  readonly decide?: ((input: UpdateInput) => ReadonlyArray<Record<string, unknown>>) | undefined
  /** Replaces the extraction reply with this raw text (e.g. a reply that does not decode). */
  readonly rawFacts?: string | undefined
  /** Replaces the update reply with this raw text. */
  readonly rawDecisions?: string | undefined
}

/** Which call of a memory write a request is, if any. */
export const memoryStep = (request: LlmRequest): "extraction" | "update" | undefined => {
  const first = request.messages[0]
  if (first?.role !== "system") return undefined
  if (first.content.endsWith(factFormat)) return "extraction"
  if (first.content.endsWith(updateFormat)) return "update"
  return undefined
}

const lastText = (request: LlmRequest): string => {
  const last = request.messages.at(-1)
  return last === undefined || typeof last.content !== "string" ? "" : last.content
}

/**
 * A `FakeLlm` reply function answering the turn, the fact extraction and the update step.
 *
 * @example
 * ```ts
 * const llm = FakeLlm({ reply: scriptedMemoryLlm({ facts: (text) => text.includes("Oslo") ? ["Lives in Oslo"] : [] }) })
 * ```
 */
export const scriptedMemoryLlm = (script: ScriptedMemoryLlm = {}) => (request: LlmRequest): string | ReadonlyArray<LlmEvent> => {
  switch (memoryStep(request)) {
    case "extraction":
      return script.rawFacts ?? JSON.stringify({ facts: script.facts?.(lastText(request)) ?? [] })
    case "update": {
      if (script.rawDecisions !== undefined) return script.rawDecisions
      const input = JSON.parse(lastText(request)) as UpdateInput
      const decisions = script.decide?.(input) ??
        input.new_facts.map((fact) => {
          const same = input.stored_memories.find((m) => m.text === fact)
          return same === undefined ? { event: "ADD", text: fact } : { event: "NONE", id: same.id }
        })
      return JSON.stringify({ memory: decisions })
    }
    default:
      return typeof script.chat === "function" ? script.chat(request) : script.chat ?? "Noted."
  }
}
