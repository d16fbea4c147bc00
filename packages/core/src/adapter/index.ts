/**
 * `@patchbay/core/adapter`: the plumbing every adapter needs, so that an adapter's capability
 * files hold only what is about its vendor (after the AI SDK's `provider-utils`).
 *
 * - Keys: `loadApiKey` (read on first use, `MissingApiKey` before any request, remembered for
 *   redaction), `clientOnFirstUse` (a vendor SDK client made once the key is known).
 * - Options: `decodeProviderOptions`, `optionsDecoder`, `optionsSchema`, `optionsField` (unknown
 *   keys refused, `InvalidRequest` naming the path).
 * - Catalogue checks for `validate` hooks: `checkSttSpec`, `checkTtsSpec`, `checkEmbeddingSpec`, `closedModel`,
 *   `openModel`, `checkVoice`, `outputFormatOf`.
 * - Calls: `abortable`, `abortableScoped` (interrupting a call aborts its request), `describeCause`.
 * - Answers: `httpFailure`, `failedResponse` (a failed answer → the tagged error),
 *   `decodeJsonResponse`, `responseBytes`, `streamBroke`, `requestIdOf`; server-sent events with
 *   `sseEvents`, `decodeSseData` and `streamFailure` (an error event mid-stream).
 * - Request bodies: `jsonBody`, `multipartBody`, `bytesBody`, `countedStreamBody`, `uploadBlob`;
 *   uploads of gigabytes kept out of memory with `spoolToFile` and `streamingUploadFetch`.
 * - Building results: `toolCallAssembler`, `withoutUndefined`.
 * - For vendors spoken to with plain `fetch`, all of it in one client: `makeHttpClient`.
 *
 * Adapters on a vendor SDK use the pieces; adapters on `fetch` use the client.
 *
 * @since 0.2.0
 */
export { clientOnFirstUse, loadApiKey } from "./ApiKey.ts"
export type { ApiKeySource } from "./ApiKey.ts"
export { checkEmbeddingSpec, checkSttSpec, checkTtsSpec, checkVoice, closedModel, openModel, outputFormatOf } from "./Catalogue.ts"
export { abortable, abortableScoped, describeCause } from "./Call.ts"
export { makeHttpClient } from "./HttpClient.ts"
export type { Answered, HttpAdapterOptions, HttpClient, HttpClientConfig } from "./HttpClient.ts"
export { withoutUndefined } from "./Fields.ts"
export type { WithoutUndefined } from "./Fields.ts"
export { decodeProviderOptions, optionsDecoder, optionsField, optionsSchema } from "./ProviderOptions.ts"
export type { OptionsPlace } from "./ProviderOptions.ts"
export { bytesBody, countedStreamBody, jsonBody, multipartBody, uploadBlob } from "./RequestBody.ts"
export type { FilePart, FormValue, RequestBody, Upload, UploadLimit } from "./RequestBody.ts"
export { decodeJsonResponse, failedResponse, httpFailure, requestIdOf, responseBytes, streamBroke, streamFailure } from "./Response.ts"
export type { FailureContext, HeadersLike, VendorError } from "./Response.ts"
export { spoolToFile } from "./Spool.ts"
export type { SpoolOptions } from "./Spool.ts"
export { encodeMultipart, isFileUpload, streamingUploadFetch, uploadFetch } from "./StreamingUpload.ts"
export { decodeSseData, sseEvents } from "./ServerSentEvents.ts"
export type { SseEvent } from "./ServerSentEvents.ts"
export { toolCallAssembler } from "./ToolCalls.ts"
export type { ToolCallAssembler, ToolCallFragment } from "./ToolCalls.ts"
