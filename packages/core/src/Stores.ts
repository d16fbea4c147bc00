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
import * as Assistants from "./AssistantStore.ts"
import { AssistantStore } from "./AssistantStore.ts"
import type { StoreUnavailable } from "./Errors.ts"
import * as Keys from "./KeyStore.ts"
import { KeyStore } from "./KeyStore.ts"
import * as Memories from "./MemoryStore.ts"
import { MemoryStore } from "./MemoryStore.ts"
import * as Runs from "./RunStore.ts"
import { RunStore } from "./RunStore.ts"
import * as Threads from "./ThreadStore.ts"
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

/**
 * One set of in-memory stores, made now: every runtime given this layer shares them, as
 * runtimes share a database — how tests show that a run paused in one runtime resumes in a new
 * one (a restart) over the same stores.
 */
export const makeMemory = (): Layer.Layer<StoreServices> =>
  Layer.mergeAll(
    Layer.succeed(ThreadStore, Threads.makeMemory()),
    Layer.succeed(AssistantStore, Assistants.makeMemory()),
    Layer.succeed(RunStore, Runs.makeMemory()),
    Layer.succeed(MemoryStore, Memories.makeMemory()),
    Layer.succeed(KeyStore, Keys.makeMemory())
  )
