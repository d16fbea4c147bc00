/**
 * Core's `Audio` is `@patchbay/audio` under its old name: every name it has published is still
 * there, and `Audio.probe` fails with core's `UnsupportedFormat` at `audio_file`.
 */
import { expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { Audio } from "../src/index.ts"

const read = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/audio/${name}`, import.meta.url)))

it("publishes the audio facts under their old names, and the modules", () => {
  for (const name of ["AudioContainer", "AudioInfo", "RawEncoding", "containerOfMediaType", "mediaTypeOf", "probe", "rawAudioLengthIsConsistent", "rawDuration", "sniff", "sniffableContainers"]) {
    expect(Audio).toHaveProperty(name)
  }
  for (const module of ["Container", "Probe", "Meter", "Join"]) expect(Audio).toHaveProperty(module)
  expect(Audio.sniff(read("speech.mp3"))).toEqual({ container: "mp3", codec: "mp3", media_type: "audio/mpeg" })
})

it.effect("probe reads the facts", () =>
  Effect.gen(function*() {
    expect(yield* Audio.probe(read("speech.wav"))).toMatchObject({ container: "wav", codec: "pcm_s16le", sample_rate: 16000, channels: 1 })
  }))

it.effect("bytes that are not audio fail with UnsupportedFormat at audio_file", () =>
  Effect.gen(function*() {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0x7f)
    for (const input of [bytes, new Blob([bytes]).stream()]) {
      const error = yield* Effect.flip(Audio.probe(input))
      expect(error._tag).toBe("UnsupportedFormat")
      expect(error.field).toBe("audio_file")
      expect(error.format).toBe("unknown")
      expect(error.allowed).toEqual([...Audio.sniffableContainers])
      expect(error.detail).toBe("unrecognised audio bytes (starting 00 25 4a 6f 14 39 5e 03)")
      expect(error.retryable).toBe(false)
    }
    const truncated = yield* Effect.flip(Audio.probe(read("speech.m4a").subarray(0, 64)))
    expect([truncated._tag, truncated.field, truncated.format]).toEqual(["UnsupportedFormat", "audio_file", "mp4"])
    expect((yield* Effect.flip(Audio.probe(new Uint8Array(0)))).detail).toBe("no bytes")
  }))
