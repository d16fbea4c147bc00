/**
 * Metering on the way (src/Meter.ts): mp3 by the one MPEG frame counter, wav by its data bytes,
 * in any chunking, on the deterministic audio of src/testing.ts; and the counter agreeing with
 * the joiner's duration, which uses the same code.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { makeJoiner } from "../src/Join.ts"
import { type DurationMeter, meterFor, tap, type Tappable } from "../src/Meter.ts"
import { silentMp3, silentMp3Frames, wav } from "../src/testing.ts"

/** Feeds `bytes` to the meter in pieces of `size` bytes, then ends it. */
const measure = (meter: DurationMeter | undefined, bytes: Uint8Array, size: number) => {
  if (meter === undefined) throw new Error("no meter")
  for (let at = 0; at < bytes.length; at += size) meter.push(bytes.subarray(at, at + size))
  return meter.end()
}

const chunkings = [1, 3, 7, 417, 4096, 1 << 20]

const concat = (...parts: ReadonlyArray<Uint8Array>) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0)
  return out
}

describe("the mp3 meter counts MPEG frames", () => {
  const seconds = (frames: number, rate: number) => (frames * (rate >= 32000 ? 1152 : 576)) / rate

  it.each(chunkings)("tags and Xing/VBRI frames excluded, in pieces of %i bytes", (size) => {
    const bytes = silentMp3({ seconds: 1, id3v2: { footer: true }, xing: true, vbri: true, ape: true, id3v1: true })
    expect(measure(meterFor("mp3"), bytes, size)).toBe(seconds(silentMp3Frames({ seconds: 1 }), 44100))
  })

  it.each([8000, 16000, 22050, 48000])("at %i Hz", (sampleRate) => {
    const bytes = silentMp3({ seconds: 0.5, sampleRate })
    expect(measure(meterFor("mp3"), bytes, 333)).toBe(seconds(silentMp3Frames({ seconds: 0.5, sampleRate }), sampleRate))
  })

  it("a cut-off last frame does not decode and does not count", () => {
    const bytes = silentMp3({ seconds: 0.5 })
    const frames = silentMp3Frames({ seconds: 0.5 })
    for (const size of chunkings) expect(measure(meterFor("mp3"), bytes.subarray(0, bytes.length - 10), size)).toBe(seconds(frames - 1, 44100))
  })

  it("bytes that are no frame are skipped up to the next confirmed frame", () => {
    const frames = silentMp3Frames({ seconds: 0.5 })
    // Junk between two runs of frames, holding valid-looking headers (MPEG-1 layer III, 44.1 kHz,
    // 32 kbps: 104-byte frames) that the header 104 bytes later does not confirm.
    const junk = Uint8Array.from({ length: 300 }, (_, i) => (i % 50 === 10 ? 0xff : i % 50 === 11 ? 0xfb : 0x11))
    const bytes = concat(silentMp3({ seconds: 0.5 }), junk, silentMp3({ seconds: 0.5 }))
    for (const size of chunkings) expect(measure(meterFor("mp3"), bytes, size)).toBe(seconds(2 * frames, 44100))
  })

  it("a Xing/Info frame in the middle (two files joined by a vendor) is excluded too", () => {
    const frames = silentMp3Frames({ seconds: 0.5 })
    const bytes = concat(silentMp3({ seconds: 0.5, xing: true }), silentMp3({ seconds: 0.5, xing: "Xing" }))
    expect(measure(meterFor("mp3"), bytes, 500)).toBe(seconds(2 * frames, 44100))
  })

  it("no frame, no duration", () => {
    expect(measure(meterFor("mp3"), new Uint8Array(0), 1)).toBeUndefined()
    expect(measure(meterFor("mp3"), Uint8Array.from({ length: 2000 }, (_, i) => i & 0x7f), 100)).toBeUndefined()
  })

  it("is the counter the joiner times a joined reply with", () => {
    const joiner = makeJoiner({ format: "mp3" })
    for (const bytes of [silentMp3({ seconds: 0.7, id3v2: true, xing: true }), silentMp3({ seconds: 0.3 }).subarray(0, 999)]) {
      expect(joiner?.duration(bytes)).toBe(measure(meterFor("mp3"), bytes, 61))
    }
  })
})

describe("the wav meter counts data bytes", () => {
  it.each(chunkings)("in pieces of %i bytes", (size) => {
    expect(measure(meterFor("wav"), wav({ seconds: 0.25, sampleRate: 16000, list: true }), size)).toBe(0.25)
    expect(measure(meterFor("wav"), wav({ seconds: 0.25, sampleRate: 8000, channels: 2, streaming: true }), size)).toBe(0.25)
  })
})

it("other containers have no meter", () => {
  for (const container of ["ogg", "flac", "webm", "mp4", "aac", "pcm", undefined]) expect(meterFor(container)).toBeUndefined()
})

describe("tap", () => {
  const source = (bytes: Uint8Array, once: boolean): Tappable => ({
    once,
    container: "mp3",
    size: once ? undefined : bytes.length,
    stream: () => new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(),
    blob: async () => new Blob([bytes as Uint8Array<ArrayBuffer>]),
    bytes: async () => bytes
  })

  it.effect("counts what the provider reads and times a one-shot stream on the way", () =>
    Effect.gen(function*() {
      const bytes = silentMp3({ seconds: 0.5 })
      const watched = tap(source(bytes, true), undefined)
      const read = yield* Effect.promise(() => watched.input.bytes())
      expect(read).toEqual(bytes)
      expect(watched.counted()).toEqual({ bytes: bytes.length, exceeded: false })
      expect(yield* watched.duration).toBe((silentMp3Frames({ seconds: 0.5 }) * 1152) / 44100)
    }))

  it.effect("errors the provider's read once the bytes pass the limit", () =>
    Effect.gen(function*() {
      const bytes = silentMp3({ seconds: 0.5 })
      const watched = tap(source(bytes, true), 1000)
      const failure = yield* Effect.flip(Effect.tryPromise(() => watched.input.bytes()))
      expect(watched.counted().exceeded).toBe(true)
      expect(watched.counted().bytes).toBeGreaterThan(1000)
      expect(failure).toBeDefined()
    }))
})
