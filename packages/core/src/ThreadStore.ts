/**
 * `ThreadStore`: where threads and their messages live between turns. A message continues its
 * thread's history; a thread belongs to one assistant and remembers its own defaults (system
 * prompt, LLM, tools), which override the assistant's. Every method is scoped by
 * `CurrentTenant`: another tenant's thread answers `NotFound`. `layerMemory` keeps them in this
 * process; `@patchbay/sql` keeps them in SQLite or PostgreSQL.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { NotFound, type StoreUnavailable } from "./Errors.ts"
import type { Media } from "./Media.ts"
import type { RunStatus } from "./MessageResponse.ts"
import { type MessagePage, type Page, slice, sliceMessages } from "./Paging.ts"
import { CurrentTenant } from "./Tenant.ts"
import type { ToolCall, ToolDefinition } from "./Tools.ts"
import type { VoiceRecords } from "./VoiceRecords.ts"

/** A thread and the defaults its messages inherit. Times are ISO 8601. */
export interface Thread {
  readonly thread_id: string
  /** The assistant the thread belongs to; `asst_default` when none was named. */
  readonly assistant_id: string
  readonly created_at: string
  readonly updated_at: string
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
  /** ISO 8601. */
  readonly created_at: string
  readonly tool_calls?: ReadonlyArray<ToolCall> | undefined
  readonly tool_call_id?: string | undefined
  readonly voice_records?: VoiceRecords | undefined
  /** Produced media by document id; URLs are signed when the message is read. */
  readonly attachments?: ReadonlyArray<Omit<Media, "url">> | undefined
}

/** Which threads {@link ThreadStoreShape.list} returns. */
export interface ThreadFilter extends Page {
  /** Only this assistant's threads. */
  readonly assistant_id?: string | undefined
}

/**
 * The operations of a thread store, each scoped by `CurrentTenant`.
 *
 * @category models
 */
export interface ThreadStoreShape {
  /** Stores a new thread for the current tenant. */
  readonly create: (thread: Thread) => Effect.Effect<Thread, StoreUnavailable>
  readonly get: (threadId: string) => Effect.Effect<Thread, NotFound | StoreUnavailable>
  /** The tenant's threads, newest first. */
  readonly list: (filter?: ThreadFilter) => Effect.Effect<ReadonlyArray<Thread>, StoreUnavailable>
  /**
   * Appends messages, or replaces those whose `message_id` is already stored, and moves the
   * thread's `updated_at` to the newest message's `created_at`.
   */
  readonly save: (messages: ReadonlyArray<StoredMessage>) => Effect.Effect<void, NotFound | StoreUnavailable>
  /** A page of the thread's messages, oldest first (the last `limit`, default 100, before `before`). */
  readonly messages: (threadId: string, page?: MessagePage) => Effect.Effect<ReadonlyArray<StoredMessage>, NotFound | StoreUnavailable>
  /** Deletes a thread and its messages (its runs and media are deleted by their own stores). */
  readonly delete: (threadId: string) => Effect.Effect<void, NotFound | StoreUnavailable>
  /** Deletes every thread of an assistant with its messages; returns the deleted thread ids. */
  readonly deleteByAssistant: (assistantId: string) => Effect.Effect<ReadonlyArray<string>, StoreUnavailable>
}

interface Entry {
  readonly tenant: string
  thread: Thread
  readonly messages: Array<StoredMessage>
}

/** An in-memory store: fine for one process, gone on restart. */
export const makeMemory = (): ThreadStoreShape => {
  const threads = new Map<string, Entry>()
  const find = (threadId: string) =>
    Effect.flatMap(CurrentTenant, (tenant) => {
      const entry = threads.get(threadId)
      return entry === undefined || entry.tenant !== tenant
        ? Effect.fail(new NotFound({ kind: "thread", id: threadId }))
        : Effect.succeed(entry)
    })
  const ofTenant = (tenant: string) => [...threads.values()].filter((entry) => entry.tenant === tenant)
  return {
    create: (thread) =>
      Effect.map(CurrentTenant, (tenant) => {
        threads.set(thread.thread_id, { tenant, thread, messages: [] })
        return thread
      }),
    get: (threadId) => Effect.map(find(threadId), (entry) => entry.thread),
    list: (filter = {}) =>
      Effect.map(CurrentTenant, (tenant) =>
        slice(
          ofTenant(tenant)
            .map((entry) => entry.thread)
            .filter((thread) => filter.assistant_id === undefined || thread.assistant_id === filter.assistant_id)
            .reverse(),
          filter
        )),
    save: (messages) =>
      Effect.forEach(messages, (message) =>
        Effect.map(find(message.thread_id), (entry) => {
          const at = entry.messages.findIndex((m) => m.message_id === message.message_id)
          if (at === -1) entry.messages.push(message)
          else entry.messages[at] = message
          if (message.created_at > entry.thread.updated_at) entry.thread = { ...entry.thread, updated_at: message.created_at }
        }), { discard: true }),
    messages: (threadId, page) => Effect.map(find(threadId), (entry) => sliceMessages(entry.messages, page)),
    delete: (threadId) => Effect.map(find(threadId), () => void threads.delete(threadId)),
    deleteByAssistant: (assistantId) =>
      Effect.map(CurrentTenant, (tenant) => {
        const ids = ofTenant(tenant).filter((entry) => entry.thread.assistant_id === assistantId).map((entry) => entry.thread.thread_id)
        for (const id of ids) threads.delete(id)
        return ids
      })
  }
}

/** @category services */
export class ThreadStore extends Context.Service<ThreadStore, ThreadStoreShape>()("@patchbay/core/ThreadStore") {
  /** The in-memory store. */
  static readonly layerMemory: Layer.Layer<ThreadStore> = Layer.sync(ThreadStore, makeMemory)
}
