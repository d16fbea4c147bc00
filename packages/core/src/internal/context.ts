/**
 * The history sent to the LLM, fitted to the model's context window (the catalogue's
 * `context_window`): whole turns are left out oldest first — a turn is a user message and what
 * answered it, so a tool result never loses the call it answers — and the system prompt and the
 * new message always stay. Tokens are estimated, not counted (no vendor tokenizer runs here): a
 * token per four characters plus a few per message, which errs on the side of leaving out.
 */
import type { LlmMessage } from "../Provider.ts"
import type { Resolved } from "../ProviderRegistry.ts"
import type { Warning } from "../Warning.ts"

/** Tokens every message costs beyond its text (role and framing). */
const PER_MESSAGE = 4

/** The estimated tokens of a message: its text, its tool calls, and the framing. */
export const estimateTokens = (message: LlmMessage): number => {
  const text = typeof message.content === "string"
    ? message.content.length
    : message.content.reduce((n, part) => n + (part.type === "text" ? part.text.length : 1000), 0)
  const calls = message.role === "assistant" && message.tool_calls !== undefined ? JSON.stringify(message.tool_calls).length : 0
  return Math.ceil((text + calls) / 4) + PER_MESSAGE
}

/** Room kept for the reply: a quarter of the window, at most 16,384 tokens. */
export const replyReserve = (window: number): number => Math.min(16_384, Math.floor(window / 4))

/** The smallest context window among the LLMs a message may be served by, when any states one. */
export const windowOf = (llms: ReadonlyArray<Resolved<"llm">> | undefined): number | undefined => {
  const windows = (llms ?? []).flatMap((entry) => (entry.model?.context_window === undefined ? [] : [entry.model.context_window]))
  return windows.length === 0 ? undefined : Math.min(...windows)
}

/** Splits a history into turns, each starting at a user message. */
const turnsOf = (history: ReadonlyArray<LlmMessage>): Array<Array<LlmMessage>> => {
  const turns: Array<Array<LlmMessage>> = []
  for (const message of history) {
    const last = turns.at(-1)
    if (message.role === "user" || last === undefined) turns.push([message])
    else last.push(message)
  }
  return turns
}

/**
 * The history that fits `window` beside the system prompt, the new message and the reply's
 * reserve, and how many messages were left out (with the warning to give, when any were).
 */
export const fitHistory = (
  fixed: ReadonlyArray<LlmMessage>,
  history: ReadonlyArray<LlmMessage>,
  window: number | undefined
): { readonly history: ReadonlyArray<LlmMessage>; readonly warning: Warning | undefined } => {
  if (window === undefined) return { history, warning: undefined }
  const budget = window - replyReserve(window) - fixed.reduce((n, m) => n + estimateTokens(m), 0)
  const turns = turnsOf(history)
  let used = turns.reduce((n, turn) => n + turn.reduce((t, m) => t + estimateTokens(m), 0), 0)
  let first = 0
  while (first < turns.length && used > budget) {
    used -= turns[first]!.reduce((t, m) => t + estimateTokens(m), 0)
    first++
  }
  if (first === 0) return { history, warning: undefined }
  const kept = turns.slice(first).flat()
  const dropped = history.length - kept.length
  return {
    history: kept,
    warning: {
      code: "history_trimmed",
      message: `${dropped} earlier message${dropped === 1 ? " was" : "s were"} left out of the history sent to the LLM ` +
        `to fit its context window of ${window} tokens`
    }
  }
}
