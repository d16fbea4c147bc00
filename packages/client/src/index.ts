/**
 * @patchbay/client — Patchbay over HTTP: `createClient` offers the interface of
 * `createPatchbay` against a Patchbay server, rejecting with the same tagged errors. It imports
 * only `effect`, `@patchbay/api` and core's schema entry (and core's types).
 *
 * @since 0.1.0
 */
export { type ClientOptions, createClient, type PatchbayClient } from "./Client.ts"
export { fromErrorBody, ServerError } from "./Errors.ts"
