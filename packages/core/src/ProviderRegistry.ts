/**
 * `ProviderRegistry`: the providers a Patchbay instance may route to, by id. Requests name a
 * provider and a model per stage; the registry finds the capability and the model's catalogue
 * entry, or fails with an error that lists what is registered.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { InvalidRequest, UnknownModel, UnknownProvider } from "./Errors.ts"
import type { Capability, ModelInfo } from "./ModelInfo.ts"
import type { Capabilities, PatchbayProvider } from "./Provider.ts"

/** A capability found for a request: the provider, its implementation and the model's entry. */
export interface Resolved<C extends Capability> {
  readonly provider: PatchbayProvider
  readonly capability: Capabilities[C]
  /** The catalogue entry; undefined for a model of an open catalogue that is not listed. */
  readonly model: ModelInfo | undefined
  readonly modelId: string
}

/** @category models */
export interface ProviderRegistryShape {
  /** Adds a provider; an id registered twice is refused. */
  readonly register: (provider: PatchbayProvider) => Effect.Effect<void, InvalidRequest>
  /** Every registered provider, in registration order. */
  readonly list: Effect.Effect<ReadonlyArray<PatchbayProvider>>
  /** The provider with that id; `field` names the request field for the error. */
  readonly get: (id: string, field?: string) => Effect.Effect<PatchbayProvider, UnknownProvider>
  /**
   * The provider's capability and the model's catalogue entry. Fails with `UnknownProvider`
   * when no registered provider has that capability, and with `UnknownModel` when the model
   * is outside a closed catalogue or does not match an open catalogue's syntax.
   */
  readonly resolve: <C extends Capability>(
    capability: C,
    providerId: string,
    modelId: string,
    fields: { readonly provider: string; readonly model: string }
  ) => Effect.Effect<Resolved<C>, UnknownProvider | UnknownModel>
}

/** Models of one capability in a provider's catalogue. */
export const modelsOf = (provider: PatchbayProvider, capability: Capability): ReadonlyArray<ModelInfo> =>
  provider.models.filter((m) => m.capability === capability)

/** Builds a registry shape over a mutable map; used by the layers below and by tests. */
export const make = (initial: ReadonlyArray<PatchbayProvider> = []): ProviderRegistryShape => {
  const providers = new Map<string, PatchbayProvider>()
  for (const p of initial) {
    if (providers.has(p.id)) throw new Error(`provider ${JSON.stringify(p.id)} is registered twice`)
    providers.set(p.id, p)
  }
  const get = (id: string, field = "provider") =>
    Effect.suspend(() => {
      const found = providers.get(id)
      return found === undefined
        ? Effect.fail(new UnknownProvider({ provider: id, field, registered: [...providers.keys()] }))
        : Effect.succeed(found)
    })
  return {
    register: (provider) =>
      Effect.suspend(() => {
        if (providers.has(provider.id)) {
          return Effect.fail(
            new InvalidRequest({ field: "providers", value: provider.id, reason: `provider ${JSON.stringify(provider.id)} is already registered` })
          )
        }
        providers.set(provider.id, provider)
        return Effect.void
      }),
    list: Effect.sync(() => [...providers.values()]),
    get,
    resolve: <C extends Capability>(
      capability: C,
      providerId: string,
      modelId: string,
      fields: { readonly provider: string; readonly model: string }
    ) =>
      Effect.gen(function*() {
        const provider = providers.get(providerId)
        const implementation = provider?.[capability] as Capabilities[C] | undefined
        if (provider === undefined || implementation === undefined) {
          const registered = [...providers.values()].filter((p) => p[capability] !== undefined).map((p) => p.id)
          return yield* new UnknownProvider({
            provider: providerId,
            field: fields.provider,
            registered,
            capability,
            ...(provider === undefined ? {} : { registeredWithout: true })
          })
        }
        const models = modelsOf(provider, capability)
        const model = models.find((m) => m.id === modelId)
        if (model === undefined) {
          const syntaxOk = implementation.catalogue === "open" &&
            modelId.length > 0 &&
            (implementation.modelPattern === undefined || implementation.modelPattern.test(modelId))
          if (!syntaxOk) {
            return yield* new UnknownModel({
              provider: providerId,
              model: modelId,
              field: fields.model,
              allowed: models.map((m) => m.id)
            })
          }
        }
        return { provider, capability: implementation, model, modelId }
      })
  }
}

/**
 * The registry service. Build it with {@link ProviderRegistry.layer}; adapters add themselves
 * with {@link ProviderRegistry.register}.
 *
 * @example
 * ```ts
 * const registry = ProviderRegistry.layer([openai(), elevenlabs()])
 * ```
 * @category services
 */
export class ProviderRegistry extends Context.Service<ProviderRegistry, ProviderRegistryShape>()(
  "@patchbay/core/ProviderRegistry"
) {
  /** A registry holding these providers. */
  static readonly layer = (providers: ReadonlyArray<PatchbayProvider> = []): Layer.Layer<ProviderRegistry, InvalidRequest> =>
    Layer.effect(
      ProviderRegistry,
      Effect.gen(function*() {
        const registry = make()
        for (const p of providers) yield* registry.register(p)
        return ProviderRegistry.of(registry)
      })
    )

  /** A layer that adds one provider to the registry in context (what adapters' `layer()` returns). */
  static readonly register = (provider: PatchbayProvider): Layer.Layer<never, InvalidRequest, ProviderRegistry> =>
    Layer.effectDiscard(Effect.gen(function*() {
      const registry = yield* ProviderRegistry
      yield* registry.register(provider)
    }))
}
