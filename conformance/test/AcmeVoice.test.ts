/**
 * The example adapter's own promises that the battery does not cover: a missing key fails the
 * first call (never the factory) before any request, and a malformed option names its path.
 */
import { AudioInput } from "@patchbay/core"
import { Effect, Stream } from "effect"
import { readFileSync } from "node:fs"
import { expect, it } from "vitest"
import { acmeVoice } from "../examples/acme-voice/src/index.ts"
import { replayFetch } from "../src/index.ts"

it("without a key the factory still returns, and the first call fails with MissingApiKey before any request", async () => {
  const saved = process.env.ACME_VOICE_API_KEY
  delete process.env.ACME_VOICE_API_KEY
  try {
    const fetch = replayFetch([])
    const provider = acmeVoice({ fetch })
    const error = await Effect.runPromise(Effect.flip(provider.image!.generate({ model: "acme-draw-1", prompt: "a fox" })))
    expect([error._tag, error.message]).toEqual([
      "MissingApiKey",
      "No API key for acme-voice: set ACME_VOICE_API_KEY or pass apiKey to the acme-voice() factory"
    ])
    expect(fetch.log).toHaveLength(0)
  } finally {
    if (saved !== undefined) process.env.ACME_VOICE_API_KEY = saved
  }
})

it("a malformed option is InvalidRequest naming its path, before any request", async () => {
  const fetch = replayFetch([])
  const provider = acmeVoice({ fetch, apiKey: "k" })
  const stt = await Effect.runPromise(Effect.flip(provider.stt!.validate({ model: "acme-listen-1", provider_options: { diarize: "yes" }, audio: { size: 10, container: "mp3" } })))
  const llm = await Effect.runPromise(Effect.flip(Stream.runDrain(provider.llm!.stream({ model: "acme-think-1", messages: [], provider_options: { temperature: 9 } }))))
  expect([stt._tag, (stt as { field?: string }).field]).toEqual(["InvalidRequest", "voice.stt.provider_options.acme-voice.diarize"])
  expect([llm._tag, (llm as { field?: string }).field]).toEqual(["InvalidRequest", "provider_options.acme-voice.temperature"])
  expect(fetch.log).toHaveLength(0)
})

it("a stream of unknown length is counted while it is read and refused when it passes the limit, before any request", async () => {
  const mp3 = new Uint8Array(readFileSync(new URL("../examples/acme-voice/cassettes/audio/speech.mp3", import.meta.url)))
  let sent = 0
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(sent === 0 ? mp3 : new Uint8Array(1024 * 1024))
      sent++
    }
  })
  const fetch = replayFetch([])
  const provider = acmeVoice({ fetch, apiKey: "k" })
  const error = await Effect.runPromise(Effect.flip(Effect.flatMap(AudioInput.fromStream(endless), (audio) => provider.stt!.transcribe({ model: "acme-listen-1", audio }))))
  expect(error).toMatchObject({ _tag: "InputTooLarge", limit: 10_000_000, size: mp3.byteLength + 10 * 1024 * 1024, field: "audio_file" })
  expect(fetch.log).toHaveLength(0)
})
