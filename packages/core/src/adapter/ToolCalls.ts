/**
 * Assembling tool calls from a streamed response. Chat APIs send a call in fragments keyed by
 * its index — the id and name once, the arguments a piece at a time — and Patchbay emits each
 * call once, whole, when the vendor says the calls are complete.
 *
 * @since 0.2.0
 */
import type { ToolCall } from "../Tools.ts"

/** One fragment of a call: any of its id, name and a piece of its arguments. */
export interface ToolCallFragment {
  readonly id?: string | null | undefined
  readonly name?: string | null | undefined
  readonly arguments?: string | null | undefined
}

/** Gathers fragments by index until the calls are complete. */
export interface ToolCallAssembler {
  /** Adds a fragment of the call at `index`; an empty id or name does not replace a known one. */
  readonly add: (index: number, fragment: ToolCallFragment) => void
  /**
   * The calls gathered so far, whole, in index order, and forgets them. A call the vendor sent
   * without an id gets `call_<index>`; one without arguments gets `{}`.
   */
  readonly complete: () => ReadonlyArray<ToolCall>
}

/**
 * A new assembler, one per response.
 *
 * @example
 * ```ts
 * const calls = toolCallAssembler()
 * calls.add(0, { id: "call_1", name: "get_weather" })
 * calls.add(0, { arguments: "{\"city\":" })
 * calls.add(0, { arguments: "\"Paris\"}" })
 * calls.complete() // [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }]
 * ```
 */
export const toolCallAssembler = (): ToolCallAssembler => {
  const pending = new Map<number, { id: string; name: string; arguments: string }>()
  return {
    add: (index, fragment) => {
      const call = pending.get(index) ?? { id: "", name: "", arguments: "" }
      if (typeof fragment.id === "string" && fragment.id !== "") call.id = fragment.id
      if (typeof fragment.name === "string" && fragment.name !== "") call.name = fragment.name
      call.arguments += fragment.arguments ?? ""
      pending.set(index, call)
    },
    complete: () => {
      const whole = [...pending.entries()].sort(([a], [b]) => a - b).map(([index, c]): ToolCall => ({
        id: c.id === "" ? `call_${index}` : c.id,
        type: "function",
        function: { name: c.name, arguments: c.arguments === "" ? "{}" : c.arguments }
      }))
      pending.clear()
      return whole
    }
  }
}
