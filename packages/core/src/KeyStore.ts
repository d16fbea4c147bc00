/**
 * `KeyStore`: the API keys of the server, each belonging to one tenant. Only a key's SHA-256
 * hash is stored: `create` returns the plaintext once, and `resolve` finds the tenant of a
 * presented key by its hash — the one lookup not scoped by `CurrentTenant`, since it is how the
 * tenant is learned. Keys are random (256 bits), so an unsalted hash is safe to store.
 *
 * @since 0.2.0
 */
import { Clock, Context, Effect, Layer, Option, type Redacted } from "effect"
import { createHash } from "node:crypto"
import { NotFound, type StoreUnavailable } from "./Errors.ts"
import { type Page, slice } from "./Paging.ts"
import { CurrentTenant } from "./Tenant.ts"

/** A key as listed: never its plaintext nor its hash. Times are ISO 8601. */
export interface ApiKey {
  readonly key_id: string
  readonly tenant_id: string
  readonly name: string | null
  /** The plaintext's first characters, to tell keys apart (`pb_AbCd…`). */
  readonly prefix: string
  readonly created_at: string
  /** Set once revoked; a revoked key resolves to nothing. */
  readonly revoked_at: string | null
}

/** A stored key: the listed fields and the hash of its plaintext. */
export interface StoredKey extends ApiKey {
  /** Hex SHA-256 of the plaintext ({@link hashKey}). */
  readonly hash: string
}

/** A key just created: the only time its plaintext is seen. */
export interface CreatedKey {
  readonly key: ApiKey
  readonly plaintext: string
}

const randomId = (bytes: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url")

/** The hash a key is stored and looked up by: hex SHA-256 of the plaintext. */
export const hashKey = (plaintext: string): string => createHash("sha256").update(plaintext, "utf8").digest("hex")

/** A new key of the current tenant: `pb_` and 43 base64url characters (256 random bits). */
export const makeKey = (tenantId: string, name: string | null, now: number): { readonly stored: StoredKey; readonly plaintext: string } => {
  const plaintext = `pb_${randomId(32)}`
  return {
    plaintext,
    stored: {
      key_id: `key_${randomId(18)}`,
      tenant_id: tenantId,
      name,
      prefix: plaintext.slice(0, 7),
      created_at: new Date(now).toISOString(),
      revoked_at: null,
      hash: hashKey(plaintext)
    }
  }
}

/** The listed fields of a stored key. */
export const toApiKey = (key: StoredKey): ApiKey => {
  const { hash: _hash, ...listed } = key
  return listed
}

/**
 * The operations of a key store, scoped by `CurrentTenant` except {@link KeyStoreShape.resolve}.
 *
 * @category models
 */
export interface KeyStoreShape {
  /** Stores a key made with {@link makeKey} for `stored.tenant_id`. */
  readonly insert: (stored: StoredKey) => Effect.Effect<ApiKey, StoreUnavailable>
  /** The tenant and key of a presented plaintext key; `NotFound` (kind key) for an unknown or revoked one. Unscoped. */
  readonly resolve: (plaintext: string) => Effect.Effect<{ readonly tenant_id: string; readonly key_id: string }, NotFound | StoreUnavailable>
  readonly get: (keyId: string) => Effect.Effect<ApiKey, NotFound | StoreUnavailable>
  /** The tenant's keys, oldest first, revoked ones included. */
  readonly list: (page?: Page) => Effect.Effect<ReadonlyArray<ApiKey>, StoreUnavailable>
  /** Revokes a key; revoking a revoked key changes nothing. */
  readonly revoke: (keyId: string) => Effect.Effect<ApiKey, NotFound | StoreUnavailable>
  /**
   * The secret media URLs are signed with when neither the options nor `PATCHBAY_MEDIA_SECRET`
   * give one: generated once and kept by a store that survives restarts (so stored messages'
   * URLs still verify after one); none for a store that does not. Unscoped: one per database.
   */
  readonly signingSecret: Effect.Effect<Option.Option<Redacted.Redacted<string>>, StoreUnavailable>
}

/**
 * Creates a key for the current tenant and returns its plaintext, once.
 *
 * @category constructors
 */
export const create = Effect.fn("KeyStore.create")(function*(options: { readonly name?: string | undefined } = {}) {
  const store = yield* KeyStore
  const made = makeKey(yield* CurrentTenant, options.name ?? null, yield* Clock.currentTimeMillis)
  const key = yield* store.insert(made.stored)
  const created: CreatedKey = { key, plaintext: made.plaintext }
  return created
})

/** An in-memory store: fine for one process, gone on restart. */
export const makeMemory = (): KeyStoreShape => {
  const keys = new Map<string, StoredKey>()
  const find = (keyId: string) =>
    Effect.flatMap(CurrentTenant, (tenant) => {
      const key = keys.get(keyId)
      return key === undefined || key.tenant_id !== tenant ? Effect.fail(new NotFound({ kind: "key", id: keyId })) : Effect.succeed(key)
    })
  return {
    insert: (stored) => Effect.sync(() => (keys.set(stored.key_id, stored), toApiKey(stored))),
    resolve: (plaintext) =>
      Effect.suspend(() => {
        const hash = hashKey(plaintext)
        for (const key of keys.values()) {
          if (key.hash === hash && key.revoked_at === null) return Effect.succeed({ tenant_id: key.tenant_id, key_id: key.key_id })
        }
        // The plaintext is a secret: the error names no part of it.
        return Effect.fail(new NotFound({ kind: "key", id: "(presented key)" }))
      }),
    get: (keyId) => Effect.map(find(keyId), toApiKey),
    list: (page) =>
      Effect.map(CurrentTenant, (tenant) => slice([...keys.values()].filter((key) => key.tenant_id === tenant).map(toApiKey), page)),
    revoke: (keyId) =>
      Effect.gen(function*() {
        const key = yield* find(keyId)
        if (key.revoked_at !== null) return toApiKey(key)
        const revoked = { ...key, revoked_at: new Date(yield* Clock.currentTimeMillis).toISOString() }
        keys.set(keyId, revoked)
        return toApiKey(revoked)
      }),
    // Memory does not survive a restart: the media store's per-process secret is as good.
    signingSecret: Effect.succeed(Option.none())
  }
}

/** @category services */
export class KeyStore extends Context.Service<KeyStore, KeyStoreShape>()("@patchbay/core/KeyStore") {
  /** The in-memory store. */
  static readonly layerMemory: Layer.Layer<KeyStore> = Layer.sync(KeyStore, makeMemory)
}
