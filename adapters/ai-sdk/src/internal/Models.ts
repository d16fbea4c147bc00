/**
 * Finding the AI SDK model behind a model id, and the catalogue the bridge publishes: a record
 * of models is a closed catalogue (exactly its ids), a function an open one (any id of the
 * capability's pattern, made when a call needs it). What each model can do is read from the
 * model itself (`doStream` present or not), never assumed.
 */
import { type Capability, type ModelInfo, type ProviderError, UnknownModel } from "@patchbay/core"
import { Effect } from "effect"
import type { AiSdkOptions, ModelDetails, ModelSource } from "../Options.ts"

/** The models of one capability, as the capability modules use them. */
export interface Models<M> {
  readonly capability: Capability
  readonly catalogue: "open" | "closed"
  /** The id syntax of an open catalogue. */
  readonly pattern: RegExp | undefined
  /** The catalogue entries of this capability. */
  readonly entries: ReadonlyArray<ModelInfo>
  /** Checks an id without making a model (pure): `UnknownModel` naming `field` when refused. */
  readonly check: (modelId: string, field: string) => Effect.Effect<void, UnknownModel>
  /** The model of a closed catalogue, without any effect; undefined for open catalogues. */
  readonly peek: (modelId: string) => M | undefined
  /** The model for a call: made (or looked up) now. */
  readonly get: (modelId: string, field: string) => Effect.Effect<M, ProviderError>
  /** The catalogue entry of a model, when listed. */
  readonly info: (modelId: string) => ModelInfo | undefined
}

const anyId = /^\S+$/

const isRecordSource = <M>(source: ModelSource<M>): source is Readonly<Record<string, M>> => typeof source !== "function"

/** Builds the lookup of one capability's models; `derive` reads a model's own features. */
export const makeModels = <M>(
  options: AiSdkOptions,
  capability: Capability,
  source: ModelSource<M>,
  derive: (model: M) => Partial<ModelInfo>
): Models<M> => {
  const details = (options.catalogue ?? []).filter((d) => d.capability === capability)
  const provider = options.id
  const merge = (id: string, derived: Partial<ModelInfo>, own: ModelDetails | undefined): ModelInfo => ({
    ...derived,
    ...own,
    id,
    provider,
    capability
  })
  if (isRecordSource(source)) {
    const ids = Object.keys(source)
    for (const d of details) {
      if (!ids.includes(d.id)) {
        throw new Error(`fromAiSdk(${JSON.stringify(provider)}): the catalogue entry ${JSON.stringify(d.id)} (${capability}) names no model of models.${capability}`)
      }
    }
    const entries = ids.map((id) => merge(id, derive(source[id] as M), details.find((d) => d.id === id)))
    const check = (modelId: string, field: string) =>
      Object.hasOwn(source, modelId)
        ? Effect.void
        : Effect.fail(new UnknownModel({ provider, model: modelId, field, allowed: ids }))
    return {
      capability,
      catalogue: "closed",
      pattern: undefined,
      entries,
      check,
      peek: (modelId) => (Object.hasOwn(source, modelId) ? source[modelId] : undefined),
      get: (modelId, field) => Effect.as(check(modelId, field), source[modelId] as M),
      info: (modelId) => entries.find((m) => m.id === modelId)
    }
  }
  const pattern = options.modelPatterns?.[capability] ?? anyId
  const entries = details.map((d) => merge(d.id, {}, d))
  const check = (modelId: string, field: string) =>
    pattern.test(modelId)
      ? Effect.void
      : Effect.fail(new UnknownModel({ provider, model: modelId, field, allowed: [`/${pattern.source}/`] }))
  return {
    capability,
    catalogue: "open",
    pattern,
    entries,
    check,
    peek: () => undefined,
    get: (modelId, field) =>
      Effect.andThen(check(modelId, field), () => {
        const made = source(modelId)
        return Effect.isEffect(made) ? (made as Effect.Effect<M, ProviderError>) : Effect.succeed(made as M)
      }),
    info: (modelId) => entries.find((m) => m.id === modelId)
  }
}

/** The key an AI SDK model reads its provider options under: `openai.chat` → `openai`. */
export const optionsKey = (options: AiSdkOptions, model: { readonly provider: string }): string =>
  options.providerOptionsKey ?? model.provider.split(".")[0] ?? model.provider
