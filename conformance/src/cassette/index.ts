/**
 * `@patchbay/conformance/cassette` — the cassette format and the replay and record transports,
 * without the battery. Programs that replay vendor calls (the `patchbay` command, its demo,
 * an application's own tests) import this entry: it loads no test runner, so starting such a
 * program does not pay for vitest, chai and vite, which the package's main entry brings in with
 * the battery.
 *
 * @example
 * ```ts
 * import { Cassette, REPLAY_API_KEY, replayFetch } from "@patchbay/conformance/cassette"
 *
 * const fetch = replayFetch(Cassette.loadSync("test/cassettes/stt-success.json"))
 * const provider = acme({ fetch, apiKey: REPLAY_API_KEY })
 * ```
 *
 * @since 0.2.0
 */

// The format
export * as Cassette from "../Cassette.ts"

// Replay
export { REPLAY_API_KEY, replayFetch, ReplayMismatch } from "../Replay.ts"
export type { ReplayFetch, ReplayOptions, TransportLogEntry } from "../Replay.ts"

// Replay of WebSocket sessions
export { serveReplaySocket } from "../ReplaySocket.ts"
export type { ReceivedMessage, ReplaySocketOptions, ReplaySocketServer, ReplaySocketSession, SocketClosed } from "../ReplaySocket.ts"

// Record
export { isRecordMode, RECORD_VARIABLE, recordFetch, writeCassette } from "../Record.ts"
export type { RecordingFetch, RecordOptions } from "../Record.ts"
