/**
 * @patchbay/api — the declaration of Patchbay's HTTP API (routes, schemas, errors), shared by
 * the server that implements it and the clients that call it. It imports only `effect` and
 * core's Node-free schema entry, so it runs in browsers and edge runtimes too.
 *
 * @since 0.1.0
 */
export { Api, Assistants, Catalogue, MediaGroup, Memories, Realtime, Runs, System, Threads } from "./Api.ts"
export {
  commonErrors,
  ErrorBody,
  ErrorResponses,
  HeadersTooLarge,
  InternalError,
  pipelineErrors,
  RequestTimeout,
  statusOf,
  toErrorBody,
  Unauthorized,
  UnsupportedMediaType
} from "./Errors.ts"
export {
  Assistant,
  AssistantCreate,
  AssistantUpdate,
  Deleted,
  Health,
  Memory,
  MemoryCreate,
  MemoryHistory,
  MemoryList,
  MemoryOperation,
  MemoryPageQuery,
  MemoryReset,
  MemoryScopeQuery,
  MemorySearch,
  MemoryStats,
  MemoryUpdate,
  Message,
  MessagePageQuery,
  Models,
  MultipartMessage,
  PageQuery,
  ProviderSummary,
  RealtimeSttQuery,
  RealtimeToken,
  RetrievedMemory,
  Run,
  StoredRunStatus,
  Thread,
  ThreadCreate,
  ThreadToolOutputs,
  ThreadWithMessages,
  ToolOutputs
} from "./Schemas.ts"
