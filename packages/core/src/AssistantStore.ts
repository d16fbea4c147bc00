/**
 * `AssistantStore`: assistants, Backboard's persistent configurations. Every thread belongs to
 * one; a thread made without one belongs to the tenant's default assistant `asst_default`,
 * which exists implicitly (it is stored on first read), can be updated, and cannot be deleted.
 * The fields are Backboard's, by their wire names. Every method is scoped by `CurrentTenant`.
 *
 * @since 0.2.0
 */
import { Clock, Context, Effect, Layer } from "effect"
import { InvalidRequest, NotFound, type StoreUnavailable } from "./Errors.ts"
import { type Page, slice } from "./Paging.ts"
import { CurrentTenant } from "./Tenant.ts"
import type { ToolDefinition } from "./Tools.ts"
import type { VoiceConfig } from "./VoiceConfig.ts"

/** The id of every tenant's default assistant. */
export const DEFAULT_ASSISTANT_ID = "asst_default"

/** How an assistant uses memory: retrieve and write (`Auto`), retrieve only, or not at all. */
export type MemoryMode = "Auto" | "Readonly" | "off"

/** What an assistant is made from; everything but `name` is optional. */
export interface AssistantFields {
  readonly name: string
  readonly system_prompt?: string | undefined
  readonly llm_provider?: string | undefined
  readonly model_name?: string | undefined
  readonly tools?: ReadonlyArray<ToolDefinition> | undefined
  readonly voice?: VoiceConfig | undefined
  /** Default `"off"`. */
  readonly memory?: MemoryMode | undefined
  /** Default 10. */
  readonly memory_top_k?: number | undefined
  readonly memory_llm_provider?: string | undefined
  readonly memory_model_name?: string | undefined
  readonly embedding_provider?: string | undefined
  readonly embedding_model_name?: string | undefined
  readonly embedding_dims?: number | undefined
  readonly custom_fact_extraction_prompt?: string | undefined
  readonly custom_update_memory_prompt?: string | undefined
  readonly metadata?: Readonly<Record<string, unknown>> | undefined
}

/** A stored assistant, as the wire shows it. Times are ISO 8601. */
export interface Assistant extends AssistantFields {
  readonly assistant_id: string
  readonly memory: MemoryMode
  readonly memory_top_k: number
  readonly created_at: string
  readonly updated_at: string
}

/** A new assistant record with the defaults applied. */
export const makeAssistant = (assistantId: string, fields: AssistantFields, now: number): Assistant => ({
  ...fields,
  assistant_id: assistantId,
  memory: fields.memory ?? "off",
  memory_top_k: fields.memory_top_k ?? 10,
  created_at: new Date(now).toISOString(),
  updated_at: new Date(now).toISOString()
})

/** The tenant's default assistant as it is first stored. */
export const defaultAssistant = (now: number): Assistant => makeAssistant(DEFAULT_ASSISTANT_ID, { name: "Default" }, now)

/**
 * Applies an update: given fields replace the stored ones, a field given as `undefined` is
 * removed (back to its default for `memory` and `memory_top_k`); ids and `created_at` stay.
 */
export const applyUpdate = (assistant: Assistant, update: Partial<AssistantFields>, now: number): Assistant => {
  const next: Record<string, unknown> = { ...assistant }
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined) delete next[key]
    else next[key] = value
  }
  return {
    ...(next as unknown as Assistant),
    assistant_id: assistant.assistant_id,
    memory: (next["memory"] as MemoryMode | undefined) ?? "off",
    memory_top_k: (next["memory_top_k"] as number | undefined) ?? 10,
    name: (next["name"] as string | undefined) ?? assistant.name,
    created_at: assistant.created_at,
    updated_at: new Date(now).toISOString()
  }
}

/** The `InvalidRequest` for deleting `asst_default`. */
export const defaultNotDeletable = (): InvalidRequest =>
  new InvalidRequest({
    field: "assistant_id",
    value: DEFAULT_ASSISTANT_ID,
    reason: "the default assistant cannot be deleted; update it instead"
  })

/**
 * The operations of an assistant store, each scoped by `CurrentTenant`. The time of every
 * change is the Effect `Clock`'s.
 *
 * @category models
 */
export interface AssistantStoreShape {
  /** Stores a new assistant (made with {@link makeAssistant}). */
  readonly create: (assistant: Assistant) => Effect.Effect<Assistant, StoreUnavailable>
  /** An assistant; `asst_default` always exists (stored on first read). */
  readonly get: (assistantId: string) => Effect.Effect<Assistant, NotFound | StoreUnavailable>
  /** Applies {@link applyUpdate} and returns the updated assistant. */
  readonly update: (assistantId: string, update: Partial<AssistantFields>) => Effect.Effect<Assistant, NotFound | StoreUnavailable>
  /** Deletes the record only (the cascade is the caller's); `asst_default` is refused ({@link defaultNotDeletable}). */
  readonly delete: (assistantId: string) => Effect.Effect<void, NotFound | InvalidRequest | StoreUnavailable>
  /** The tenant's assistants, oldest first, `asst_default` among them. */
  readonly list: (page?: Page) => Effect.Effect<ReadonlyArray<Assistant>, StoreUnavailable>
}

/** An in-memory store: fine for one process, gone on restart. */
export const makeMemory = (): AssistantStoreShape => {
  /** By tenant, then by id, in creation order. */
  const tenants = new Map<string, Map<string, Assistant>>()
  const ofTenant = Effect.gen(function*() {
    const tenant = yield* CurrentTenant
    let assistants = tenants.get(tenant)
    if (assistants === undefined) {
      assistants = new Map([[DEFAULT_ASSISTANT_ID, defaultAssistant(yield* Clock.currentTimeMillis)]])
      tenants.set(tenant, assistants)
    }
    return assistants
  })
  const find = (assistantId: string) =>
    Effect.flatMap(ofTenant, (assistants) => {
      const found = assistants.get(assistantId)
      return found === undefined ? Effect.fail(new NotFound({ kind: "assistant", id: assistantId })) : Effect.succeed({ assistants, found })
    })
  return {
    create: (assistant) => Effect.map(ofTenant, (assistants) => (assistants.set(assistant.assistant_id, assistant), assistant)),
    get: (assistantId) => Effect.map(find(assistantId), ({ found }) => found),
    update: (assistantId, update) =>
      Effect.gen(function*() {
        const { assistants, found } = yield* find(assistantId)
        const updated = applyUpdate(found, update, yield* Clock.currentTimeMillis)
        assistants.set(assistantId, updated)
        return updated
      }),
    delete: (assistantId) =>
      assistantId === DEFAULT_ASSISTANT_ID
        ? Effect.fail(defaultNotDeletable())
        : Effect.map(find(assistantId), ({ assistants }) => void assistants.delete(assistantId)),
    list: (page) => Effect.map(ofTenant, (assistants) => slice([...assistants.values()], page))
  }
}

/** @category services */
export class AssistantStore extends Context.Service<AssistantStore, AssistantStoreShape>()("@patchbay/core/AssistantStore") {
  /** The in-memory store. */
  static readonly layerMemory: Layer.Layer<AssistantStore> = Layer.sync(AssistantStore, makeMemory)
}
