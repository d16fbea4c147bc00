/**
 * @patchbay/core/schema — the wire schemas and tagged errors without any Node-only import, for
 * code that runs anywhere a `fetch` does: the HTTP API's declaration (`@patchbay/api`) and the
 * client built from it. Everything here is also exported by the main entry.
 *
 * @since 0.3.0
 */
export { FallbackEntry, ProviderOptions, SttConfig, TtsConfig, VoiceConfig } from "./VoiceConfig.ts"
export { LatencyMs, Segment, Speaker, SttRecord, TtsRecord, VoiceRecords, Word } from "./VoiceRecords.ts"
export { BooleanLike, LlmFallbackEntry, MessageRequest, wireOf } from "./MessageRequest.ts"
export type { MessageRequestEncoded } from "./MessageRequest.ts"
export { MessageResponse, RunStatus, TurnMessage } from "./MessageResponse.ts"
export { PipelineEvent } from "./PipelineEvent.ts"
export type { PipelineEventType } from "./PipelineEvent.ts"
export { ToolCall, ToolDefinition, ToolOutput } from "./Tools.ts"
export { Usage } from "./Usage.ts"
export { EmbeddingRecord } from "./EmbeddingRecord.ts"
export { DocumentId, Media } from "./Media.ts"
export { Capability, GenericOutputFormat, ModelInfo, Openness, OutputFormat, VoiceCatalogue } from "./ModelInfo.ts"
export { Warning } from "./Warning.ts"
export { pageRules } from "./Paging.ts"
export {
  AuthenticationFailed,
  Cancelled,
  InputTooLarge,
  InvalidRequest,
  MissingApiKey,
  NotFound,
  NotFoundKind,
  PermissionDenied,
  ProviderError,
  ProviderTimeout,
  ProviderUnavailable,
  QuotaExceeded,
  RateLimited,
  StoreUnavailable,
  ThreadBusy,
  UnknownModel,
  UnknownProvider,
  UnsupportedFormat
} from "./Errors.ts"
