/**
 * @patchbay/core — the contracts every Patchbay adapter implements and every pipeline speaks:
 * wire schemas, provider interfaces with their validation hooks and catalogues, the registry,
 * the media and thread stores, and the tagged errors.
 *
 * @since 0.1.0
 */

// Wire schemas (snake_case, as the seed writes them)
export { FallbackEntry, ProviderOptions, SttConfig, TtsConfig, VoiceConfig } from "./VoiceConfig.ts"
export { LatencyMs, Segment, Speaker, SttRecord, TtsRecord, VoiceRecords, Word } from "./VoiceRecords.ts"
export { BooleanLike, LlmFallbackEntry, MessageRequest, wireOf } from "./MessageRequest.ts"
export { MessageResponse, RetrievedMemory, RunStatus, TurnMessage } from "./MessageResponse.ts"
export { PipelineEvent } from "./PipelineEvent.ts"
export type { PipelineEventType } from "./PipelineEvent.ts"
export { ToolCall, ToolDefinition, ToolOutput } from "./Tools.ts"
export { combineUsage, Usage } from "./Usage.ts"
export { EmbeddingRecord } from "./EmbeddingRecord.ts"
export { DocumentId, Media } from "./Media.ts"
export {
  acceptsDimensions,
  acceptsVoice,
  Capability,
  dimensionsAllowed,
  GenericOutputFormat,
  mediaTypeOfOutputFormat,
  ModelInfo,
  Openness,
  OutputFormat,
  outputFormatNames,
  realtimeFormatInfo,
  realtimeFormats,
  resolveOutputFormat,
  VoiceCatalogue
} from "./ModelInfo.ts"
export type { RealtimeFormatInfo } from "./ModelInfo.ts"

// Provider contracts
export type {
  AudioChunk,
  AudioFacts,
  Capabilities,
  CapabilityBase,
  CommitStrategy,
  EmbeddingProvider,
  EmbeddingRequest,
  EmbeddingResult,
  EmbeddingSpec,
  ImageData,
  ImageProvider,
  ImageRequest,
  ImageResult,
  ImageSpec,
  LlmContentPart,
  LlmEvent,
  LlmMessage,
  LlmProvider,
  LlmRequest,
  LlmSpec,
  PatchbayProvider,
  RealtimeAudioFormat,
  RealtimeSttEvent,
  RealtimeSttInput,
  RealtimeSttSpec,
  SpeechSummary,
  SttDelta,
  SttProvider,
  SttRequest,
  SttSpec,
  Transcript,
  TtsProvider,
  TtsRequest,
  TtsSpec
} from "./Provider.ts"
export { Commit } from "./Provider.ts"

// Services
export { ProviderRegistry } from "./ProviderRegistry.ts"
export type { ProviderRegistryShape, Resolved } from "./ProviderRegistry.ts"
export { fileSystemBackend, isDocumentId, MediaStore, memoryBackend, StoredMedia } from "./MediaStore.ts"
export type { ByteRange, MediaBackend, MediaBackendSource, MediaFilter, MediaStoreShape, PutMedia } from "./MediaStore.ts"
export { CurrentTenant, DEFAULT_TENANT } from "./Tenant.ts"
export { ThreadStore } from "./ThreadStore.ts"
export type { StoredMessage, Thread, ThreadFilter, ThreadStoreShape } from "./ThreadStore.ts"
export { applyUpdate, AssistantStore, DEFAULT_ASSISTANT_ID, defaultAssistant, defaultNotDeletable, makeAssistant } from "./AssistantStore.ts"
export type { Assistant, AssistantFields, AssistantStoreShape, MemoryMode } from "./AssistantStore.ts"
export { isActive, notPaused, RunReason, RunStore, startedRun, toRecord } from "./RunStore.ts"
export type { FinishRun, PausedState, PauseRun, RunRecord, RunStoreShape, StartRun, StoredRun, StoredRunStatus, Swept } from "./RunStore.ts"
export { historyId, MemoryStore, OWNER_LOST, settleOperation } from "./MemoryStore.ts"
export type {
  ChangeBy,
  Memory,
  MemoryEvent,
  MemoryFilter,
  MemoryHistory,
  MemoryOperation,
  MemoryOperationStatus,
  MemoryStats,
  MemoryStoreShape,
  MemoryVector,
  ScopeVectors,
  ScoredMemory,
  StoredMemoryOperation,
  TextQuery
} from "./MemoryStore.ts"
export * as MemorySearch from "./MemorySearch.ts"
export { VectorCache } from "./MemorySearch.ts"
export type { Fused, VectorCacheShape, VectorHit } from "./MemorySearch.ts"
export { create as createKey, hashKey, KeyStore, makeKey, toApiKey } from "./KeyStore.ts"
export type { ApiKey, CreatedKey, KeyStoreShape, StoredKey } from "./KeyStore.ts"
export * as Stores from "./Stores.ts"
export * as Assistants from "./Assistants.ts"
export type { ReadMessage, ThreadWithMessages } from "./Assistants.ts"
export type { StoreServices, StoresLayer } from "./Stores.ts"
export * as Paging from "./Paging.ts"
export type { MemoryPage, MemoryPageResult, MessagePage, Page } from "./Paging.ts"
export { Warning } from "./Warning.ts"

// Errors
export {
  AuthenticationFailed,
  Cancelled,
  EMPTY_INPUT,
  fromHttpFailure,
  fromRequestFailure,
  InputTooLarge,
  InvalidRequest,
  isProviderError,
  MediaSecretRequired,
  MissingApiKey,
  NotFound,
  NotFoundKind,
  parseRetryAfter,
  PermissionDenied,
  ProviderError,
  ProviderTimeout,
  ProviderUnavailable,
  QuotaExceeded,
  RateLimited,
  StoreUnavailable,
  TEXT_INPUT,
  ThreadBusy,
  UnknownModel,
  unanswerableRequest,
  UnknownProvider,
  unresolvedHost,
  UnsupportedFormat
} from "./Errors.ts"
export type { HttpFailure, ValidationError } from "./Errors.ts"
export { redactSecrets, rememberSecret } from "./Secrets.ts"

// Helper modules, as namespaces
export * as Audio from "./Audio.ts"
export * as AudioInput from "./AudioInput.ts"
export * as Language from "./Language.ts"
export * as Validation from "./Validation.ts"

// The engine
export * as Pipeline from "./Pipeline.ts"
export * as Stages from "./Stages.ts"
export * as Listen from "./Listen.ts"
export * as Memories from "./Memories.ts"
export * as Run from "./Run.ts"
export { defaultSettings, PipelineSettings } from "./Settings.ts"
export type { PipelineSettingsShape } from "./Settings.ts"
export { createPatchbay, servicesLayer, settingsOf } from "./Patchbay.ts"
export type { AddMessageParams, Patchbay, PatchbayOptions } from "./Patchbay.ts"
export type { ListenParams } from "./Listen.ts"
export type { PatchbayMemory } from "./Memories.ts"
