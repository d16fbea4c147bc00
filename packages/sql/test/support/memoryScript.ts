/**
 * What the scripted memory LLM of the memory tests hears and decides: one fact per kind of
 * sentence, and moves or forgetting acting on the stored "Lives in …" candidate. Shared by the
 * suite and the child process of the owner-lost test (which must not load vitest).
 */
import type { ScriptedMemoryLlm } from "@patchbay/core/testing"

/** The facts the scripted memory LLM hears in these turns. */
export const facts = (conversation: string): ReadonlyArray<string> => {
  const user = conversation.split("\n")[0] ?? ""
  if (user.includes("I live in Oslo")) return ["Lives in Oslo"]
  if (user.includes("moved to Lyon")) return ["Lives in Lyon"]
  if (user.includes("forget where I live")) return ["Wants where they live forgotten"]
  if (user.includes("peanuts")) return ["Is allergic to peanuts"]
  return []
}

/** Moves and forgetting act on the stored "Lives in …" candidate; anything else is added. */
export const decide: ScriptedMemoryLlm["decide"] = (input) =>
  input.new_facts.map((fact) => {
    const home = input.stored_memories.find((m) => m.text.startsWith("Lives in"))
    if (fact.startsWith("Lives in") && home !== undefined) return { event: "UPDATE", id: home.id, text: fact }
    if (fact.startsWith("Wants where they live forgotten") && home !== undefined) return { event: "DELETE", id: home.id }
    return { event: "ADD", text: fact }
  })

