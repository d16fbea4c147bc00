/**
 * The stores as one: the type of `createPatchbay({ stores })` — a layer providing every
 * stateful service, which `@patchbay/sql`'s `sqlite({ filename })` and `postgres({ url })`
 * return — and {@link layerMemory}, the default, keeping everything in this process.
 * Produced media's bytes stay where the `media` options say (a backend, a folder, or memory);
 * their metadata goes to the stores when these keep it ({@link MediaMetadata}, which the SQL
 * stores provide), else beside the bytes — {@link layerMedia} builds the `MediaStore` either way.
 *
 * @since 0.2.0
 */
import type { Config, Redacted, Scope } from "effect"
import { Context, Effect, Layer, Option } from "effect"
import * as NodePath from "node:path"
import * as Fs from "node:fs/promises"
import * as Assistants from "./AssistantStore.ts"
import { AssistantStore } from "./AssistantStore.ts"
import type { MediaSecretRequired, StoreUnavailable } from "./Errors.ts"
import * as Keys from "./KeyStore.ts"
import { KeyStore } from "./KeyStore.ts"
import * as Memories from "./MemoryStore.ts"
import {
  fileSystemBackend,
  type MediaBackend,
  MediaStore,
  type MediaStoreOptions,
  memoryBackend
} from "./MediaStore.ts"
import { MemoryStore } from "./MemoryStore.ts"
import * as Runs from "./RunStore.ts"
import { RunStore } from "./RunStore.ts"
import * as Threads from "./ThreadStore.ts"
import { ThreadStore } from "./ThreadStore.ts"

/** The stateful services a runtime needs besides the media store. */
export type StoreServices = ThreadStore | AssistantStore | RunStore | MemoryStore | KeyStore

/**
 * What `createPatchbay({ stores })` takes: a layer providing every store — and, for stores that
 * keep media metadata too, {@link MediaMetadata}. Building it may fail with `StoreUnavailable`
 * (a database that cannot be opened or is of a newer schema).
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

/**
 * The media metadata side of stores that keep it (the SQL stores provide it beside the other
 * services): documents' metadata, with their `tenant_id`, in the stores, and the rule for the
 * secret media URLs are signed with when none is given.
 */
export interface MediaMetadataShape {
  /** A media backend keeping the metadata in these stores and the bytes in `bytes`. */
  readonly backend: (bytes: MediaBackend) => MediaBackend
  /**
   * The signing secret: `given` when it is not empty, else `PATCHBAY_MEDIA_SECRET`, else the
   * stores' own rule — a secret generated once and kept (SQLite), or `MediaSecretRequired` for
   * stores that several processes share (PostgreSQL), which must all be given the same one.
   */
  readonly secret: (
    given: Redacted.Redacted<string> | string | undefined
  ) => Effect.Effect<string, MediaSecretRequired | StoreUnavailable | Config.ConfigError>
}

/** Provided by stores that keep media metadata; read by {@link layerMedia}. */
export class MediaMetadata extends Context.Service<MediaMetadata, MediaMetadataShape>()("@patchbay/core/Stores/MediaMetadata") {}

/**
 * Options of {@link layerMedia}: the `MediaStore`'s options and where the bytes live.
 *
 * @since 0.2.0
 */
export interface MediaOptions<E = never> extends MediaStoreOptions {
  /**
   * The bytes' backend, or a scoped effect making one (released with the runtime); wins over
   * `dir`. With stores that keep media metadata, only its bytes are used.
   */
  readonly store?: MediaBackend | Effect.Effect<MediaBackend, E, Scope.Scope> | undefined
  /** A folder for the bytes (created when missing) when no `store` is given; else memory. */
  readonly dir?: string | undefined
}

const inFolder = (dir: string) =>
  Effect.map(Effect.promise(() => Fs.mkdir(NodePath.resolve(dir), { recursive: true })), () => fileSystemBackend(NodePath.resolve(dir)))

/**
 * The `MediaStore` `createPatchbay` builds from its `media` options, over the stores in context:
 * when they provide {@link MediaMetadata} (SQLite, PostgreSQL), documents' metadata is kept there
 * (and survives a restart with the stores) and the bytes in `store`, `dir` or memory; otherwise
 * the media store keeps both, exactly as `MediaStore.layerFileSystem` / `layerMemory` /
 * `layerBackend` do. Effect users provide the stores to it:
 * `Layer.provideMerge(Stores.layerMedia({ dir }), sqlite({ filename }))`.
 *
 * @since 0.2.0
 */
export const layerMedia = <E = never>(
  options: MediaOptions<E> = {}
): Layer.Layer<MediaStore, E | MediaSecretRequired | StoreUnavailable | Config.ConfigError> =>
  Layer.unwrap(Effect.gen(function*() {
    const { dir, store, ...storeOptions } = options
    const given = store === undefined ? undefined : Effect.isEffect(store) ? store : Effect.succeed(store)
    const metadata = yield* Effect.serviceOption(MediaMetadata)
    if (Option.isNone(metadata)) {
      if (given !== undefined) return MediaStore.layerBackend(yield* given, storeOptions)
      return dir === undefined ? MediaStore.layerMemory(storeOptions) : MediaStore.layerFileSystem({ ...storeOptions, dir })
    }
    const bytes = given !== undefined ? yield* given : dir === undefined ? memoryBackend() : yield* inFolder(dir)
    const secret = yield* metadata.value.secret(storeOptions.secret)
    return MediaStore.layerBackend(metadata.value.backend(bytes), { ...storeOptions, secret })
  }))
