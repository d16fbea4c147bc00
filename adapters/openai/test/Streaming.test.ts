/**
 * Streams both ways: audio of unknown length streams up and is counted against the
 * 26,214,400-byte limit as it goes, and interrupting a streamed transcription in the middle of
 * its body stops the request at the transport.
 */
import { Cassette, replayFetch } from "@patchbay/conformance"
import { AudioInput, type Transcript } from "@patchbay/core"
import { Effect, Fiber, Stream } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { MAX_UPLOAD_BYTES, openai } from "../src/index.ts"
import { cassettes, collect, failure, fields, interactionsOf, replayed, TEST_KEY } from "./support/harness.ts"

const speech = new Uint8Array(readFileSync(`${cassettes}audio/speech.mp3`))

/** A stream of unknown length: the bytes in small pieces, then optionally `extra` zero bytes. */
async function* pieces(bytes: Uint8Array, extra = 0): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += 4096) yield bytes.subarray(at, at + 4096)
  const zeros = new Uint8Array(1 << 20)
  for (let left = extra; left > 0; left -= zeros.byteLength) yield zeros.subarray(0, Math.min(left, zeros.byteLength))
}

describe("uploads of unknown length", () => {
  it("stream up without a known size and match the recorded upload byte for byte", async () => {
    const input = await Effect.runPromise(AudioInput.fromStream(pieces(speech), "speech.mp3"))
    expect([input.size, input.once, input.container]).toEqual([undefined, true, "mp3"])
    const { provider, fetch } = replayed(interactionsOf("stt-success-stream.json"))
    const out = await collect(provider.stt!.transcribeStream!({ model: "gpt-4o-mini-transcribe", language: "en", audio: input, provider_options: { temperature: 0 } }))
    expect((out.at(-1) as Transcript).text).toBe("Patchbay turns speech into text and back again.")
    expect(fetch.log[0]?.body).toMatchObject({ type: "multipart", fields: { file: { size: speech.byteLength, filename: "speech.mp3", content_type: "audio/mpeg" } } })
  })

  it("are refused with InputTooLarge once they pass 26,214,400 bytes", async () => {
    const input = await Effect.runPromise(AudioInput.fromStream(pieces(speech, MAX_UPLOAD_BYTES), "long.mp3"))
    const { provider, fetch } = replayed()
    const error = fields(await failure(provider.stt!.transcribe({ model: "whisper-1", audio: input })))
    expect(error).toMatchObject({ _tag: "InputTooLarge", provider: "openai", model: "whisper-1", field: "audio_file", limit: 26_214_400 })
    expect(error.size).toBeGreaterThan(26_214_400)
    expect(fetch.log[0]?.status).toBeUndefined() // the upload was cut off: the vendor never answered
  })
})

describe("interruption", () => {
  it("interrupting a streamed transcription in the middle of its body aborts the request", async () => {
    const loaded = Cassette.loadSync(`${cassettes}stt-success-stream.json`)
    const fetch = replayFetch(loaded, { stall: { afterChunks: 2 } })
    const provider = openai({ fetch, apiKey: TEST_KEY })
    const input = await Effect.runPromise(AudioInput.fromFile(`${cassettes}audio/speech.mp3`))
    const seen: Array<unknown> = []
    await Effect.runPromise(Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Stream.runForEach(
        provider.stt!.transcribeStream!({ model: "gpt-4o-mini-transcribe", language: "en", audio: input, provider_options: { temperature: 0 } }),
        (o) => Effect.sync(() => void seen.push(o))
      ))
      while (seen.length < 2) yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(fiber)
    }))
    expect(seen).toEqual([{ type: "delta", delta: "Patchbay" }, { type: "delta", delta: " turns" }])
    expect(fetch.log[0]?.aborted === true || fetch.log[0]?.cancelled === true).toBe(true)
    fetch.dispose()
  })

  it("interrupting a request that waits for its answer aborts it", async () => {
    const fetch = replayFetch(Cassette.loadSync(`${cassettes}image-success.json`), { stall: "headers" })
    const provider = openai({ fetch, apiKey: TEST_KEY })
    await Effect.runPromise(Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(provider.image!.generate({
        model: "gpt-image-1",
        prompt: "a red fox in the snow",
        size: "1024x1024",
        provider_options: { quality: "low", background: "opaque", output_format: "png" }
      }))
      while (fetch.log[0]?.interaction === undefined) yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(fiber)
    }))
    expect(fetch.log[0]?.aborted).toBe(true)
    fetch.dispose()
  })
})
