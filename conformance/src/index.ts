/**
 * @patchbay/conformance — the shared conformance suite of Patchbay adapters: the cassette
 * format, the replay and record transports, and the battery of checks every adapter passes,
 * offline, from one call in its test file.
 *
 * @example
 * ```ts
 * import { runConformance } from "@patchbay/conformance"
 * runConformance({ name: "acme", make: ({ fetch, apiKey }) => acme({ fetch, apiKey }), cassettes: new URL("./cassettes/", import.meta.url) })
 * ```
 *
 * @since 0.1.0
 */

// The battery
export { registerBattery, runConformance, writeResults } from "./Battery.ts"
export { RESULTS_VARIABLE } from "./Report.ts"
export type { ResultsFile, TestApi } from "./Battery.ts"
export type { ConformanceOptions, MakeOptions, MakeProvider, MakeWithDeadline, InvalidValue, OptionSample, OptionsCoverage, RecordSettings, Subject, UnsupportedOption, ValueCase } from "./Subject.ts"
export { makeSubject } from "./Subject.ts"
export type { HangingProgram, ProcessHarness } from "./Process.ts"

// Transports
export { REPLAY_API_KEY, replayFetch, ReplayMismatch } from "./Replay.ts"
export type { ReplayFetch, ReplayOptions, TransportLogEntry } from "./Replay.ts"
export { serveReplaySocket } from "./ReplaySocket.ts"
export type { ReceivedMessage, ReplaySocketOptions, ReplaySocketServer, ReplaySocketSession, SocketClosed } from "./ReplaySocket.ts"
export { isRecordMode, RECORD_VARIABLE, recordFetch, recordSubject, writeCassette } from "./Record.ts"
export type { Recorded, RecordingFetch, RecordOptions } from "./Record.ts"
export { closedPort, EXIT_GUARD_MS, runToExit } from "./Exit.ts"
export type { Exited } from "./Exit.ts"
export { pacedBody, piecesOf, serveLoopback, sleepUntil } from "./Loopback.ts"
export type { Loopback, Pace } from "./Loopback.ts"

// Modules, as namespaces
export * as Cassette from "./Cassette.ts"
export * as Checks from "./Checks.ts"
export * as Report from "./Report.ts"
