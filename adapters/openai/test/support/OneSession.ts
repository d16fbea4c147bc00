/**
 * One realtime session, run as its own program by `Realtime.test.ts`:
 * `node OneSession.ts <ok|fail|stop> <baseURL> <key>`. It prints how the session ended and then
 * simply returns — the process must exit by itself, so nothing the session opened (the socket, a
 * listener, the input's fiber) may outlive it.
 *
 * - `ok`: the whole of `lights.pcm`, then a commit; prints the committed utterances;
 * - `fail`: the same against a fake that fails the session; prints the error's tag;
 * - `stop`: stops reading at the first partial (the stream is interrupted); prints `stopped`.
 */
import { Commit, type RealtimeSttInput } from "@patchbay/core"
import { Cause, Effect, Exit, Stream } from "effect"
import { readFileSync } from "node:fs"
import { createConnection } from "node:net"
import { openai } from "../../src/index.ts"

const [outcome = "ok", baseURL = "", apiKey = ""] = process.argv.slice(2)
const speech = readFileSync(new URL("../cassettes/audio/lights.pcm", import.meta.url))
const chunks: Array<RealtimeSttInput> = Array.from({ length: Math.ceil(speech.byteLength / 4000) }, (_, i) => speech.subarray(i * 4000, (i + 1) * 4000))

const provider = openai({ apiKey, baseURL, realtimeSocket: { createConnection } })
const events = provider.stt!.realtime!(
  { model: "gpt-4o-transcribe", language: "en", audio_format: "pcm_24000", commit: "manual" },
  Stream.fromIterable([...chunks, Commit])
)

const program = outcome === "stop"
  ? Stream.runDrain(Stream.takeUntil(events, (e) => e.type === "partial")).pipe(Effect.as("stopped"))
  : Stream.runCollect(events).pipe(Effect.map((all) => [...all].flatMap((e) => e.type === "committed" ? [e.text] : []).join(" | ")))

const exit = await Effect.runPromiseExit(program)
if (Exit.isSuccess(exit)) console.log(exit.value)
else {
  const error = Cause.findErrorOption(exit.cause)
  console.log(error._tag === "Some" ? error.value._tag : Cause.pretty(exit.cause))
}
