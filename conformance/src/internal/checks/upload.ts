/**
 * Audio of unknown length: a microphone, a pipe, an upload passed on as it arrives. Its size is
 * not known when `validate` runs, so the catalogue's `max_input_bytes` cannot be checked there;
 * the adapter must count the bytes as it reads them — before the request (reading into a `Blob`,
 * as core's `uploadBlob` does) or while streaming the upload (core's `countedStreamBody`) — and
 * fail with `InputTooLarge` as soon as the count passes the limit. `stt.refuses_too_large` gives
 * the size up front, so an adapter that counts only known sizes, counts wrongly, or reads the
 * whole stream before looking passes it.
 *
 * The check plays the first `transcribe` success cassette twice with the recording given as a
 * one-shot stream of unknown length: as it is, which must be transcribed exactly as the file is
 * (the same request on the wire: bytes, file name and media type), and followed by zero bytes
 * until it is 8 MiB past the model's limit, which must fail with `InputTooLarge` (the catalogue's
 * limit, a size past it) with the stream read no further than 1 MiB past the limit. The second
 * half is skipped for a limit over 64 MiB (the battery does not stream gigabytes).
 */
import { AudioInput } from "@patchbay/core"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { type LoadedCassette, operationOf, resolveIn } from "../../Cassette.ts"
import { show } from "../json.ts"
import { failureOf, modelOf, ScenarioProblem } from "../operations.ts"
import { define, describeFailure, eachCassette, ensure, failWith, overSuccesses, playCassette, run, scenarioIn, skip, succeeded, withTransport } from "./common.ts"

const CHUNK = 64 * 1024
const PAST = 8 * 1024 * 1024
const SLACK = 1024 * 1024
const MAX_STREAMED_LIMIT = 64 * 1024 * 1024

/** A one-shot stream: `head` in chunks, then `zeros` zero bytes; `read.bytes` counts what was pulled. */
const source = (head: Uint8Array, zeros: number) => {
  const read = { bytes: 0 }
  let offset = 0
  let rest = zeros
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (offset < head.byteLength) {
        const chunk = head.slice(offset, offset + CHUNK)
        offset += chunk.byteLength
        read.bytes += chunk.byteLength
        return controller.enqueue(chunk)
      }
      if (rest > 0) {
        const n = Math.min(CHUNK, rest)
        rest -= n
        read.bytes += n
        return controller.enqueue(new Uint8Array(n))
      }
      controller.close()
    }
  }, { highWaterMark: 0 })
  return { read, stream }
}

const streamed = (loaded: LoadedCassette, zeros: number) =>
  Effect.gen(function*() {
    const fixture = scenarioIn(loaded).request.audio?.fixture
    if (fixture === undefined) return yield* new ScenarioProblem({ message: "an STT scenario needs request.audio.fixture" })
    const bytes = new Uint8Array(readFileSync(resolveIn(loaded, fixture)))
    const { read, stream } = source(bytes, zeros)
    const audio = yield* AudioInput.fromStream(stream, path.basename(fixture)).pipe(
      Effect.mapError((e) => new ScenarioProblem({ message: `request.audio.fixture ${JSON.stringify(fixture)} as a stream: ${e.message}` }))
    )
    return { audio, read, size: bytes.byteLength }
  })

export const sttStreamedUpload = define(
  "stt",
  "streamed_upload",
  "audio of unknown length is uploaded as the file would be, and counted against the limit as it is read",
  overSuccesses("stt", (subject, found) => {
    if (subject.mode === "in-process") return skip("in process: nothing is uploaded")
    const plain = found.find((c) => operationOf(scenarioIn(c)) === "transcribe")
    return plain === undefined ? skip("no stt success cassette calls transcribe") : run([plain])
  }),
  Effect.fn("Checks.stt.streamed_upload")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const whole = yield* streamed(loaded, 0)
        const played = yield* playCassette(subject, loaded, undefined, { audio: whole.audio })
        if (played.exit._tag === "Failure") {
          return yield* failWith(
            `the recording as a stream of unknown length (${whole.size} bytes) failed: ${withTransport(describeFailure(played), played.transport)} — upload it as the file: the same bytes, file name and media type`
          )
        }
        const values = yield* succeeded(played)
        const transcript = values.at(-1) as { readonly text?: unknown } | undefined
        const expected = scenario.expect?.text
        if (expected !== undefined) {
          yield* ensure(typeof transcript?.text === "string" && transcript.text.trim() === expected.trim(), () =>
            `the recording as a stream of unknown length was transcribed as ${show(transcript?.text)}; the vendor said ${show(expected)}`)
        }

        const limit = modelOf(subject.provider, scenario)?.max_input_bytes
        if (limit === undefined || limit > MAX_STREAMED_LIMIT) return
        const over = yield* streamed(loaded, Math.max(0, limit - whole.size) + PAST)
        const what = `a stream of unknown length past the limit of ${limit} bytes`
        const tooLong = yield* playCassette(subject, loaded, undefined, { audio: over.audio })
        const failure = failureOf(tooLong.exit)
        if (failure === undefined) return yield* failWith(`${what} was accepted: count the bytes as you read them and fail with InputTooLarge past the limit`)
        yield* ensure(failure._tag === "Typed" && failure.error._tag === "InputTooLarge", () =>
          `${what} failed with ${withTransport(describeFailure(tooLong), tooLong.transport)}; expected InputTooLarge (count the bytes as you read or upload them)`)
        const error = (failure as { readonly error: { readonly size?: unknown; readonly limit?: unknown } }).error
        yield* ensure(error.limit === limit, () => `${what} failed with InputTooLarge whose limit is ${show(error.limit)}; the catalogue says ${limit}`)
        yield* ensure(typeof error.size === "number" && error.size > limit, () =>
          `${what} failed with InputTooLarge whose size is ${show(error.size)}: give the bytes counted when the limit was passed`)
        yield* ensure(over.read.bytes <= limit + SLACK, () =>
          `${what} was read to ${over.read.bytes} bytes before the refusal: stop reading as soon as the count passes the limit (a stream may never end)`)
      }))
  })
)
