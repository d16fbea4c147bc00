/**
 * `@patchbay/core/adapter`: the plumbing every adapter needs, so that an adapter's capability
 * files hold only what is about its vendor. Catalogue checks for `validate` hooks (`checkSttSpec`,
 * `checkTtsSpec`, `closedModel`, `openModel`, `checkVoice`, `outputFormatOf`), keys read on first use (`loadApiKey`,
 * `clientOnFirstUse`), provider options decoded with unknown keys refused
 * (`decodeProviderOptions`), abortable calls (`abortable`, `abortableScoped`), failed responses
 * mapped to the tagged errors (`failedResponse`, `httpFailure`), bodies decoded or streamed
 * (`decodeJsonResponse`, `responseBytes`, `sseEvents`), request bodies (`jsonBody`,
 * `multipartBody`, `bytesBody`, `countedStreamBody`, `uploadBlob`), large uploads kept out of
 * memory (`spoolToFile`, `streamingUploadFetch`), streamed tool calls
 * assembled (`toolCallAssembler`), records without `undefined` fields (`withoutUndefined`), and,
 * for vendors spoken to with plain `fetch`, all of it in one client (`makeHttpClient`).
 *
 * Adapters built on a vendor SDK use the pieces; adapters on `fetch` use the client.
 *
 * @since 0.2.0
 */
export { clientOnFirstUse, loadApiKey } from "./ApiKey.ts"
export type { ApiKeySource } from "./ApiKey.ts"
export { checkSttSpec, checkTtsSpec, checkVoice, closedModel, openModel, outputFormatOf } from "./Catalogue.ts"
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
