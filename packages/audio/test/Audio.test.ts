/**
 * Audio facts against real fixtures (core's test/fixtures/audio, made by
 * packages/core/test/fixtures/make-audio-fixtures.sh and shared by the workspace's tests).
 * Durations are compared with expected.json, which records what ffprobe and sox measured on the
 * same files: an independent reading, not ours.
 */
import { expect, it } from "@effect/vitest"
import { Effect, Fiber, Schema } from "effect"
import { fileTypeFromBuffer } from "file-type"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { type AudioContainer, containerOfMediaType, mediaTypeOf, sniff, sniffableContainers } from "../src/Container.ts"
import { rawAudioLengthIsConsistent, rawDuration, RawEncoding } from "../src/Meter.ts"
import { probe } from "../src/Probe.ts"

const dir = fileURLToPath(new URL("../../core/test/fixtures/audio/", import.meta.url))
const read = (name: string) => new Uint8Array(readFileSync(dir + name))

const Expected = Schema.Record(
  Schema.String,
  Schema.Struct({
    container: Schema.String,
    codec: Schema.optionalKey(Schema.String),
    encoding: Schema.optionalKey(RawEncoding),
    duration_seconds: Schema.Number,
    sample_rate: Schema.Number,
    channels: Schema.Number,
    bytes: Schema.Number,
    measured_by: Schema.String
  })
)
const expected = Schema.decodeUnknownSync(Expected)(JSON.parse(readFileSync(dir + "expected.json", "utf8")))
const expectedOf = (name: string) => {
  const e = expected[name]
  if (e === undefined) throw new Error(`expected.json has no entry for ${name}`)
  return e
}

/**
 * How far our duration may be from ffprobe's, per file, and why:
 * - wav, flac: both read the sample count from the header: exact (1 µs for float printing).
 * - mp3 (CBR without Xing, VBR with Xing), aac (ADTS): both count frames (576 or 1024
 *   samples each): exact. An off-by-one frame would be 36 ms (mp3) or 64 ms (AAC) at 16 kHz.
 * - ogg (Opus): ffprobe's duration keeps the 312-sample pre-skip (6.5 ms) that
 *   music-metadata removes.
 * - m4a: ffprobe's duration is rounded to the movie timescale (1 ms); ours is exact.
 * - webm: timestamps are whole milliseconds; the live file's end is the last block plus its
 *   Opus packet duration, which ffprobe shifts by 2 ms.
 * 10 ms covers these and is still half of the smallest frame (20 ms Opus) a reader could
 * miscount.
 */
const tolerance: Record<string, number> = {
  "speech.wav": 1e-6,
  "speech.flac": 1e-6,
  "speech.mp3": 1e-6,
  "speech-vbr.mp3": 1e-6,
  "speech.aac": 1e-6,
  "speech.ogg": 0.01,
  "speech.m4a": 0.01,
  "speech.webm": 0.01,
  "speech-live.webm": 0.01
}

/** Sniff results, written out by hand (not derived from expected.json). */
const sniffs: ReadonlyArray<readonly [string, AudioContainer | undefined, string | undefined, string | undefined]> = [
  ["speech.wav", "wav", "pcm_s16le", "audio/wav"],
  ["speech.mp3", "mp3", "mp3", "audio/mpeg"],
  ["speech-vbr.mp3", "mp3", "mp3", "audio/mpeg"],
  ["speech.ogg", "ogg", "opus", "audio/ogg"],
  ["speech.flac", "flac", "flac", "audio/flac"],
  ["speech.webm", "webm", "opus", "audio/webm"],
  ["speech-live.webm", "webm", "opus", "audio/webm"],
  ["speech.m4a", "mp4", "aac", "audio/mp4"],
  ["speech.aac", "aac", "aac", "audio/aac"],
  ["speech.pcm", undefined, undefined, undefined],
  ["speech.ulaw", undefined, undefined, undefined],
  ["speech.alaw", undefined, undefined, undefined]
]

const containers = sniffs.filter(([, container]) => container !== undefined).map(([name]) => name)

/** A stream of `bytes` in chunks of `size` bytes. */
const chunked = (bytes: Uint8Array, size: number) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.slice(at, at + size))
      controller.close()
    }
  })

/** Deterministic pseudo-random bytes (xorshift32). */
const noise = (length: number, seed: number) => {
  const out = new Uint8Array(length)
  let x = seed
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

it("every fixture is in expected.json and small", () => {
  expect(Object.keys(expected).sort()).toEqual(sniffs.map(([name]) => name).sort())
  for (const [name] of sniffs) {
    expect(read(name).length).toBe(expectedOf(name).bytes)
    expect(read(name).length).toBeLessThan(100_000)
  }
})

it.each(sniffs)("sniff %s", (name, container, codec, mediaType) => {
  const found = sniff(read(name))
  if (container === undefined) return expect(found).toBeUndefined()
  expect(found).toEqual({ container, codec, media_type: mediaType })
  expect(container).toBe(expectedOf(name).container)
})

it.effect.each(containers)("probe %s matches ffprobe", (name) =>
  Effect.gen(function*() {
    const e = expectedOf(name)
    const info = yield* probe(read(name))
    const sniffed = sniff(read(name))
    expect(info.container).toBe(e.container)
    expect(info.codec).toBe(e.codec)
    expect(info.media_type).toBe(sniffed?.media_type)
    expect(info.sample_rate).toBe(e.sample_rate)
    expect(info.channels).toBe(e.channels)
    expect(Math.abs(info.duration_seconds - e.duration_seconds)).toBeLessThanOrEqual(tolerance[name] ?? 0)
  }))

it.effect("probe reads the speech's real duration, not the container's padding", () =>
  Effect.gen(function*() {
    // The source is 41066 samples at 16 kHz. Containers that record encoder delay give it back
    // exactly; mp3 and ADTS can only count whole frames.
    const source = 41066 / 16000
    for (const name of ["speech.wav", "speech.flac", "speech.ogg", "speech.m4a"]) {
      expect((yield* probe(read(name))).duration_seconds).toBe(source)
    }
    expect((yield* probe(read("speech.mp3"))).duration_seconds).toBe((74 * 576) / 16000)
    expect((yield* probe(read("speech.aac"))).duration_seconds).toBe((42 * 1024) / 16000)
  }))

it.effect("mono AAC in MP4 is mono (from the esds, not the sample entry's fixed 2)", () =>
  Effect.gen(function*() {
    expect((yield* probe(read("speech.m4a"))).channels).toBe(1)
  }))

it.effect("facts come from the bytes: mp3 bytes named and typed as wav are mp3", () =>
  Effect.gen(function*() {
    const file = new File([read("speech.mp3")], "speech.wav", { type: "audio/wav" })
    expect(containerOfMediaType(file.type)).toBe("wav")
    const bytes = new Uint8Array(yield* Effect.promise(() => file.arrayBuffer()))
    expect(sniff(bytes)).toEqual({ container: "mp3", codec: "mp3", media_type: "audio/mpeg" })
    const info = yield* probe(file.stream())
    expect(info.container).toBe("mp3")
    expect(info.media_type).toBe("audio/mpeg")
    expect(info.duration_seconds).toBe(expectedOf("speech.mp3").duration_seconds)
  }))

it.effect("random bytes fail with UnreadableAudio of an unknown format", () =>
  Effect.gen(function*() {
    const bytes = noise(4096, 0x5eed)
    expect(sniff(bytes)).toBeUndefined()
    for (const input of [bytes, chunked(bytes, 1000)]) {
      const error = yield* Effect.flip(probe(input))
      expect(error._tag).toBe("UnreadableAudio")
      expect(error.format).toBe("unknown")
      expect(error.detail).toBe(`unrecognised audio bytes (starting ${Array.from(bytes.subarray(0, 8), (v) => v.toString(16).padStart(2, "0")).join(" ")})`)
      expect(error.allowed).toEqual([...sniffableContainers])
    }
  }))

it.effect("headerless raw audio and empty input cannot be probed", () =>
  Effect.gen(function*() {
    for (const name of ["speech.pcm", "speech.ulaw", "speech.alaw"]) {
      const error = yield* Effect.flip(probe(read(name)))
      expect(error._tag).toBe("UnreadableAudio")
      expect(error.format).toBe("unknown")
    }
    expect((yield* Effect.flip(probe(new Uint8Array(0)))).detail).toBe("no bytes")
  }))

it.effect("a sniffable but truncated file fails with its format named", () =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(probe(read("speech.m4a").subarray(0, 64)))
    expect(error._tag).toBe("UnreadableAudio")
    expect(error.format).toBe("mp4")
  }))

it.each(["speech.pcm", "speech.ulaw", "speech.alaw"])("rawDuration of %s equals sox's", (name) => {
  const e = expectedOf(name)
  if (e.encoding === undefined) throw new Error(`${name} has no encoding in expected.json`)
  const layout = { bytes: read(name).length, sample_rate: e.sample_rate, channels: e.channels, encoding: e.encoding }
  // sox prints six decimals.
  expect(Math.abs(rawDuration(layout) - e.duration_seconds)).toBeLessThanOrEqual(1e-6)
  expect(rawAudioLengthIsConsistent(layout)).toBe(true)
})

it("rawDuration and rawAudioLengthIsConsistent do the arithmetic", () => {
  expect(rawDuration({ bytes: 32000, sample_rate: 16000, channels: 1, encoding: "pcm_s16le" })).toBe(1)
  expect(rawDuration({ bytes: 32000, sample_rate: 16000, channels: 2, encoding: "pcm_s16le" })).toBe(0.5)
  expect(rawDuration({ bytes: 8000, sample_rate: 8000, channels: 1, encoding: "ulaw" })).toBe(1)
  expect(rawDuration({ bytes: 16000, sample_rate: 8000, channels: 2, encoding: "alaw" })).toBe(1)
  expect(rawDuration({ bytes: 100, sample_rate: 0, channels: 1, encoding: "alaw" })).toBeNaN()
  expect(rawAudioLengthIsConsistent({ bytes: 82131, channels: 1, encoding: "pcm_s16le" })).toBe(false)
  expect(rawAudioLengthIsConsistent({ bytes: 82130, channels: 2, encoding: "pcm_s16le" })).toBe(false)
  expect(rawAudioLengthIsConsistent({ bytes: 82132, channels: 2, encoding: "pcm_s16le" })).toBe(true)
  expect(rawAudioLengthIsConsistent({ bytes: 20533, channels: 1, encoding: "ulaw" })).toBe(true)
  expect(rawAudioLengthIsConsistent({ bytes: 20533, channels: 2, encoding: "alaw" })).toBe(false)
})

it.effect.each(containers)("probe of %s as a ReadableStream equals the Uint8Array result", (name) =>
  Effect.gen(function*() {
    const bytes = read(name)
    const fromBytes = yield* probe(bytes)
    // With the size known (Content-Length), every fact is the same, in any chunking.
    expect(yield* probe(chunked(bytes, 7), { size: bytes.length })).toEqual(fromBytes)
    expect(yield* probe(new Blob([bytes]).stream(), { size: bytes.length })).toEqual(fromBytes)
    // Without it, only an average bitrate may be missing.
    const { bitrate: _, ...facts } = fromBytes
    const { bitrate: __, ...streamed } = yield* probe(chunked(bytes, 1000))
    expect(streamed).toEqual(facts)
  }))

it.effect.each(["speech.aac", "speech.m4a", "speech-live.webm"])("%s read one byte at a time gives the same facts", (name) =>
  Effect.gen(function*() {
    // These are timed by our own frame, box and block readers, which must survive any chunking.
    const bytes = read(name)
    expect(yield* probe(chunked(bytes, 1), { size: bytes.length })).toEqual(yield* probe(bytes))
  }))

it.effect("a WebM with unknown-size clusters (as MediaRecorder writes) is timed by its blocks", () =>
  Effect.gen(function*() {
    const bytes = read("speech-live.webm").slice()
    // Replace each Cluster's size with the "unknown" size of the same length (all value bits 1).
    let clusters = 0
    for (let at = 0; at + 5 < bytes.length; at++) {
      if (bytes[at] !== 0x1f || bytes[at + 1] !== 0x43 || bytes[at + 2] !== 0xb6 || bytes[at + 3] !== 0x75) continue
      const first = bytes[at + 4] ?? 0
      let length = 1
      while ((first & (0x80 >> (length - 1))) === 0) length++
      bytes[at + 4] = (0xff >> (length - 1)) | (0x80 >> (length - 1))
      for (let k = 1; k < length; k++) bytes[at + 4 + k] = 0xff
      clusters++
    }
    expect(clusters).toBe(3)
    // music-metadata gives no duration for these bytes, and its stream reader fails on them.
    const e = expectedOf("speech-live.webm")
    const fromBytes = yield* probe(bytes)
    expect(fromBytes).toMatchObject({ container: "webm", codec: "opus", sample_rate: 48000, channels: 1 })
    expect(Math.abs(fromBytes.duration_seconds - e.duration_seconds)).toBeLessThanOrEqual(0.01)
    const streamed = yield* probe(chunked(bytes, 512))
    expect(streamed).toMatchObject({ container: "webm", codec: "opus", sample_rate: 48000, channels: 1 })
    expect(streamed.duration_seconds).toBe(fromBytes.duration_seconds)
  }))

it.effect("an ID3v2 tag before the frames is skipped", () =>
  Effect.gen(function*() {
    const mp3 = read("speech.mp3")
    const tag = new Uint8Array(10 + 300) // "ID3", v2.4, no flags, syncsafe size 300, padding
    tag.set([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0x02, 0x2c])
    const tagged = new Uint8Array(tag.length + mp3.length)
    tagged.set(tag)
    tagged.set(mp3, tag.length)
    expect(sniff(tagged)).toEqual({ container: "mp3", codec: "mp3", media_type: "audio/mpeg" })
    expect(sniff(tagged.subarray(0, 100))).toEqual({ container: "mp3", media_type: "audio/mpeg" })
    expect((yield* probe(tagged)).duration_seconds).toBe(expectedOf("speech.mp3").duration_seconds)
  }))

it.effect("a source that fails mid-way fails the probe, it does not time what arrived", () =>
  Effect.gen(function*() {
    const bytes = read("speech-live.webm")
    let sent = false
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error("connection reset"))
        controller.enqueue(bytes.subarray(0, 5000))
        sent = true
      }
    })
    const error = yield* Effect.flip(probe(broken))
    expect(error._tag).toBe("UnreadableAudio")
    expect(error.format).toBe("webm")
    expect(error.detail).toBe("connection reset")
  }))

it.live("interrupting probe cancels the input stream", () =>
  Effect.gen(function*() {
    let cancelled = false
    const head = read("speech.aac").subarray(0, 4096)
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head)
      },
      pull: () => new Promise<void>(() => {}), // a client that stops sending
      cancel() {
        cancelled = true
      }
    })
    const fiber = yield* Effect.forkChild(probe(stalled))
    yield* Effect.sleep("50 millis")
    expect(cancelled).toBe(false)
    yield* Fiber.interrupt(fiber)
    expect(cancelled).toBe(true)
  }))

it("media types map both ways, with aliases", () => {
  expect(mediaTypeOf("wav")).toBe("audio/wav")
  expect(mediaTypeOf("mp3")).toBe("audio/mpeg")
  expect(mediaTypeOf("ogg")).toBe("audio/ogg")
  expect(mediaTypeOf("flac")).toBe("audio/flac")
  expect(mediaTypeOf("webm")).toBe("audio/webm")
  expect(mediaTypeOf("mp4")).toBe("audio/mp4")
  expect(mediaTypeOf("aac")).toBe("audio/aac")
  expect(mediaTypeOf("pcm")).toBe("application/octet-stream")
  expect(mediaTypeOf("ulaw")).toBe("audio/basic")
  expect(mediaTypeOf("alaw")).toBe("audio/x-alaw-basic")
  for (const container of sniffableContainers) expect(containerOfMediaType(mediaTypeOf(container))).toBe(container)
  expect(containerOfMediaType("audio/x-wav")).toBe("wav")
  expect(containerOfMediaType("audio/mp3")).toBe("mp3")
  expect(containerOfMediaType("audio/m4a")).toBe("mp4")
  expect(containerOfMediaType("audio/x-m4a")).toBe("mp4")
  expect(containerOfMediaType("Audio/WebM; codecs=opus")).toBe("webm")
  expect(containerOfMediaType("audio/basic")).toBe("ulaw")
  expect(containerOfMediaType("audio/PCMA")).toBe("alaw")
  expect(containerOfMediaType("application/octet-stream")).toBeUndefined()
  expect(containerOfMediaType("audio/L16")).toBeUndefined()
  expect(containerOfMediaType("toString")).toBeUndefined()
})

it.each(["speech.wav", "speech.mp3", "speech-vbr.mp3", "speech.ogg", "speech.flac", "speech.webm", "speech-live.webm", "speech.m4a", "speech.aac", "speech.pcm", "speech.ulaw", "speech.alaw"])(
  "sniff agrees with file-type on the container of %s",
  async (name) => {
    // file-type names the same containers under its own media types; ours are the table's.
    const theirs = await fileTypeFromBuffer(read(name))
    expect(theirs === undefined ? undefined : containerOfMediaType(theirs.mime)).toBe(sniff(read(name))?.container)
  }
)

it("sniff asks the next frame to confirm an MPEG frame sync; file-type takes any", async () => {
  // Why sniffing stays hand-written (src/internal/container.ts): random bytes after a valid
  // MPEG-1 layer III header are mp3 to file-type.
  const bytes = noise(4096, 0x5eed)
  bytes.set([0xff, 0xfb, 0x90, 0x64])
  expect((await fileTypeFromBuffer(bytes))?.mime).toBe("audio/mpeg")
  expect(sniff(bytes)).toBeUndefined()
})
