/**
 * The programs over the stores that the facade and the server share: assistants created and
 * updated from their wire fields (checked like a request: decoded, the LLM pair validated
 * against the registry), and the cascades — deleting an assistant deletes its threads, their
 * runs and media, and its memories; deleting a thread deletes its runs and media. A thread read
 * with its messages gets freshly signed media URLs.
 *
 * @since 0.2.0
 */
import { Clock, Effect, Schema } from "effect"
import { type Assistant, type AssistantFields, AssistantStore, DEFAULT_ASSISTANT_ID, defaultNotDeletable, makeAssistant } from "./AssistantStore.ts"
import { InvalidRequest } from "./Errors.ts"
import type { Media } from "./Media.ts"
import { MediaStore } from "./MediaStore.ts"
import { checkEmbeddingChange } from "./Memories.ts"
import { MemoryStore } from "./MemoryStore.ts"
import { type MessagePage, MessagePageOptions } from "./Paging.ts"
import { ProviderRegistry } from "./ProviderRegistry.ts"
import { makeId } from "./Run.ts"
import { RunStore, toRecord } from "./RunStore.ts"
import { PipelineSettings } from "./Settings.ts"
import { type StoredMessage, type Thread, ThreadStore } from "./ThreadStore.ts"
import { ToolDefinition } from "./Tools.ts"
import * as Validation from "./Validation.ts"
import { VoiceConfig } from "./VoiceConfig.ts"

const optionalFields = {
  system_prompt: Schema.optionalKey(Schema.String),
  llm_provider: Schema.optionalKey(Schema.String),
  model_name: Schema.optionalKey(Schema.String),
  tools: Schema.optionalKey(Schema.Array(ToolDefinition)),
  voice: Schema.optionalKey(VoiceConfig),
  memory: Schema.optionalKey(Schema.Literals(["Auto", "Readonly", "off"])),
  memory_top_k: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 }))),
  memory_llm_provider: Schema.optionalKey(Schema.String),
  memory_model_name: Schema.optionalKey(Schema.String),
  embedding_provider: Schema.optionalKey(Schema.String),
  embedding_model_name: Schema.optionalKey(Schema.String),
  embedding_dims: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  custom_fact_extraction_prompt: Schema.optionalKey(Schema.String),
  custom_update_memory_prompt: Schema.optionalKey(Schema.String),
  metadata: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
}

/** The fields of a new assistant, by Backboard's wire names. @category schemas */
export const AssistantCreate = Schema.Struct({ name: Schema.String.check(Schema.isNonEmpty()), ...optionalFields })

/** The fields an update may change. @category schemas */
export const AssistantUpdate = Schema.Struct({ name: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())), ...optionalFields })

/** Checks the pairs that go together, and that a named LLM is registered with that model. */
const checkLlm = Effect.fnUntraced(function*(fields: Partial<AssistantFields>) {
  const registry = yield* ProviderRegistry
  for (const [provider, model] of [["llm_provider", "model_name"], ["memory_llm_provider", "memory_model_name"], ["embedding_provider", "embedding_model_name"]] as const) {
    if ((fields[provider] === undefined) !== (fields[model] === undefined)) {
      return yield* new InvalidRequest({ field: fields[provider] === undefined ? provider : model, reason: `${provider} and ${model} go together` })
    }
  }
  if (fields.llm_provider !== undefined && fields.model_name !== undefined) {
    yield* Validation.validateModel(registry, "llm", fields.llm_provider, fields.model_name, { provider: "llm_provider", model: "model_name" }, undefined)
  }
})

/** Creates an assistant of the current tenant from its wire fields. */
export const createAssistant = Effect.fn("Assistants.create")(function*(fields: unknown) {
  const decoded = yield* Validation.decodeWith(AssistantCreate)(fields)
  yield* checkLlm(decoded)
  const assistant = makeAssistant(makeId("asst"), decoded, yield* Clock.currentTimeMillis)
  return yield* AssistantStore.use((assistants) => assistants.create(assistant))
})

/**
 * Updates an assistant's given fields; the LLM pair is checked as it will stand after the
 * update. Its embedding model and dimensions cannot change once it has memories.
 */
export const updateAssistant = Effect.fn("Assistants.update")(function*(assistantId: string, fields: unknown) {
  const decoded = yield* Validation.decodeWith(AssistantUpdate)(fields)
  const store = yield* AssistantStore
  const current = yield* store.get(assistantId)
  yield* checkLlm({ ...current, ...decoded })
  yield* checkEmbeddingChange(current, decoded)
  return yield* store.update(assistantId, decoded)
})

/**
 * Deletes an assistant with everything that is its: its threads (with their messages, runs and
 * media) and its memories. `asst_default` cannot be deleted (`InvalidRequest`).
 */
export const deleteAssistant = Effect.fn("Assistants.delete")(function*(assistantId: string) {
  if (assistantId === DEFAULT_ASSISTANT_ID) return yield* defaultNotDeletable()
  const assistants = yield* AssistantStore
  yield* assistants.get(assistantId)
  const runs = yield* RunStore
  const media = yield* MediaStore
  const threadIds = yield* ThreadStore.use((threads) => threads.deleteByAssistant(assistantId))
  yield* Effect.forEach(threadIds, (threadId) => Effect.andThen(runs.deleteByThread(threadId), media.removeByThread(threadId)), { discard: true })
  yield* media.removeByAssistant(assistantId)
  yield* MemoryStore.use((memories) => memories.deleteByAssistant(assistantId))
  yield* assistants.delete(assistantId)
})

/** Deletes a thread with its messages, runs and media. */
export const deleteThread = Effect.fn("Assistants.deleteThread")(function*(threadId: string) {
  const threads = yield* ThreadStore
  yield* threads.get(threadId)
  yield* RunStore.use((runs) => runs.deleteByThread(threadId))
  yield* MediaStore.use((media) => media.removeByThread(threadId))
  yield* threads.delete(threadId)
})

/** A stored message as it is read: its media with freshly signed URLs (a document deleted since is left out). */
export type ReadMessage = Omit<StoredMessage, "attachments"> & { readonly attachments?: ReadonlyArray<Media> | undefined }

/** A thread with a page of its messages, oldest first. */
export interface ThreadWithMessages extends Thread {
  readonly messages: ReadonlyArray<ReadMessage>
}

/** A thread and a page of its messages, their media URLs signed afresh. */
const decodeMessagePage = Validation.decodeWith(MessagePageOptions)

export const getThread = Effect.fn("Assistants.getThread")(function*(threadId: string, page: MessagePage = {}) {
  yield* decodeMessagePage(page)
  const threads = yield* ThreadStore
  const media = yield* MediaStore
  const settings = yield* PipelineSettings
  const thread = yield* threads.get(threadId)
  const stored = yield* threads.messages(threadId, page)
  const messages = yield* Effect.forEach(stored, (message) =>
    message.attachments === undefined
      ? Effect.succeed(message as ReadMessage)
      : Effect.map(
        Effect.forEach(message.attachments, (doc) =>
          media.url(doc.document_id, { ttlSeconds: settings.mediaUrlTtlSeconds }).pipe(
            Effect.map((url): Array<Media> => [{ ...doc, url }]),
            Effect.catchTag("NotFound", () => Effect.succeed([]))
          )),
        (signed): ReadMessage => ({ ...message, attachments: signed.flat() })
      ))
  const result: ThreadWithMessages = { ...thread, messages }
  return result
})

/** A run's wire record. */
export const getRun = Effect.fn("Assistants.getRun")(function*(runId: string) {
  return toRecord(yield* RunStore.use((runs) => runs.get(runId)))
})

export type { Assistant }
