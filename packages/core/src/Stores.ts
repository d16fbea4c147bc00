/**
 * The stores as one: the type of `createPatchbay({ stores })` — a layer providing every
 * stateful service, which `@patchbay/sql`'s `sqlite({ filename })` and `postgres({ url })`
 * return — and {@link layerMemory}, the default, keeping everything in this process.
 * Produced media's bytes and metadata stay with `MediaStore`, chosen by the `media` options.
 *
 * @since 0.2.0
 */
import type { Config } from "effect"
import { Layer } from "effect"
import { AssistantStore } from "./AssistantStore.ts"
import type { StoreUnavailable } from "./Errors.ts"
import { KeyStore } from "./KeyStore.ts"
import { MemoryStore } from "./MemoryStore.ts"
import { RunStore } from "./RunStore.ts"
import { ThreadStore } from "./ThreadStore.ts"

/** The stateful services a runtime needs besides the media store. */
export type StoreServices = ThreadStore | AssistantStore | RunStore | MemoryStore | KeyStore

/**
 * What `createPatchbay({ stores })` takes: a layer providing every store. Building it may fail
 * with `StoreUnavailable` (a database that cannot be opened or is of a newer schema).
 */
export type StoresLayer = Layer.Layer<StoreServices, StoreUnavailable | Config.ConfigError>

/** Every store in memory: for tests and one-process use; nothing survives a restart. */
export const layerMemory: Layer.Layer<StoreServices> = Layer.mergeAll(
  ThreadStore.layerMemory,
  AssistantStore.layerMemory,
  RunStore.layerMemory,
  MemoryStore.layerMemory,
  KeyStore.layerMemory
)
