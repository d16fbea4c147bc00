/**
 * @patchbay/cli — the `patchbay` command: transcribe, say, talk, image, providers and demo, over
 * every Patchbay adapter. `main(argv, io)` runs it in-process (the executable is `bin.ts`).
 *
 * @since 0.1.0
 */
export { main, usage, version } from "./Main.ts"
export type { Context, Io } from "./Context.ts"
export { bufferWriter, CliError, describeError, errorLine } from "./Output.ts"
export type { BufferWriter, DescribedError, Output, Writer } from "./Output.ts"
export { parseModelRef } from "./Args.ts"
export type { ModelRef } from "./Args.ts"
export { buildProviders, callSummary, loadCassettes, vendors } from "./Providers.ts"
export type { ProviderSet, VendorHandle, VendorId, VendorMode } from "./Providers.ts"
export * as Demo from "./Demo.ts"
