/**
 * `ThreadStore`: where threads and their messages live between turns. A message continues its
 * thread's history; a thread remembers its defaults (system prompt, LLM, tools). The library
 * ships an in-memory store; the server adds SQLite and PostgreSQL.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { NotFound } from "./Errors.ts"
import type { Media } from "./Media.ts"
import type { RunStatus } from "./MessageResponse.ts"
import type { ToolCall, ToolDefinition } from "./Tools.ts"
import type { VoiceRecords } from "./VoiceRecords.ts"

/** A thread and the defaults its messages inherit. */
export interface Thread {
  readonly thread_id: string
  readonly created_at: number
  readonly system_prompt?: string | undefined
  readonly llm_provider?: string | undefined
  readonly model_name?: string | undefined
  readonly tools?: ReadonlyArray<ToolDefinition> | undefined
}

/** A stored message of a thread. */
export interface StoredMessage {
  readonly message_id: string
  readonly thread_id: string
  readonly run_id: string
  readonly role: "user" | "assistant" | "tool"
  readonly content: string
  readonly status: RunStatus
  readonly created_at: number
  readonly tool_calls?: ReadonlyArray<ToolCall> | undefined
  readonly tool_call_id?: string | undefined
  readonly voice_records?: VoiceRecords | undefined
  /** Produced media by document id; URLs are signed when the message is read. */
  readonly attachments?: ReadonlyArray<Omit<Media, "url">> | undefined
}

/** @category models */
export interface ThreadStoreShape {
  readonly create: (thread: Thread) => Effect.Effect<Thread>
  readonly get: (threadId: string) => Effect.Effect<Thread, NotFound>
  /** Appends messages, or replaces those whose `message_id` is already stored. */
  readonly save: (messages: ReadonlyArray<StoredMessage>) => Effect.Effect<void, NotFound>
  readonly messages: (threadId: string) => Effect.Effect<ReadonlyArray<StoredMessage>, NotFound>
}

/** An in-memory store: fine for one process, gone on restart. */
export const makeMemory = (): ThreadStoreShape => {
  const threads = new Map<string, { thread: Thread; messages: Array<StoredMessage> }>()
  const find = (threadId: string) =>
    Effect.suspend(() => {
      const entry = threads.get(threadId)
      return entry === undefined ? Effect.fail(new NotFound({ kind: "thread", id: threadId })) : Effect.succeed(entry)
    })
  return {
    create: (thread) =>
      Effect.sync(() => {
        threads.set(thread.thread_id, { thread, messages: [] })
        return thread
      }),
    get: (threadId) => Effect.map(find(threadId), (entry) => entry.thread),
    save: (messages) =>
      Effect.forEach(messages, (message) =>
        Effect.map(find(message.thread_id), (entry) => {
          const at = entry.messages.findIndex((m) => m.message_id === message.message_id)
          if (at === -1) entry.messages.push(message)
          else entry.messages[at] = message
        }), { discard: true }),
    messages: (threadId) => Effect.map(find(threadId), (entry) => [...entry.messages])
  }
}

/** @category services */
export class ThreadStore extends Context.Service<ThreadStore, ThreadStoreShape>()("@patchbay/core/ThreadStore") {
  /** The in-memory store. */
  static readonly layerMemory: Layer.Layer<ThreadStore> = Layer.sync(ThreadStore, makeMemory)
}
