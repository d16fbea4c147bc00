/**
 * Joining synthesized segments into one file (src/Join.ts), on the deterministic audio of
 * src/testing.ts. Expected bytes are built from the generators (the same audio without tags),
 * frames are counted by a small walker written here, and music-metadata (`Probe.probe`) gives
 * the independent duration.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { AudioJoinError, type Joiner, makeJoiner, type SegmentTransform } from "../src/Join.ts"
import { probe } from "../src/Probe.ts"
import { alaw, pcm16, silentMp3, silentMp3Frames, ulaw, wav } from "../src/testing.ts"

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** mulberry32: a tiny seeded generator, so the random splits are the same on every run. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** Pushes `bytes` whole, or in random pieces (often 1–8 bytes, so headers split), then ends. */
const run = (transform: SegmentTransform, bytes: Uint8Array, random?: () => number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  if (random === undefined) out.push(...transform.push(bytes))
  else {
    for (let at = 0; at < bytes.length;) {
      const size = random() < 0.4 ? 1 + Math.floor(random() * 8) : 1 + Math.floor(random() * 700)
      out.push(...transform.push(bytes.subarray(at, at + size)))
      at += size
    }
  }
  out.push(...transform.end())
  return out
}

const join = (joiner: Joiner, segments: ReadonlyArray<Uint8Array>, random?: () => number) => {
  const chunks = segments.flatMap((bytes, index) => run(joiner.segment(index), bytes, random))
  expect(chunks.every((chunk) => chunk.length > 0)).toBe(true)
  return concat(chunks)
}

const occurrences = (b: Uint8Array, text: string): number => {
  const needle = Uint8Array.from(text, (c) => c.charCodeAt(0))
  let count = 0
  for (let i = b.indexOf(needle[0] ?? 0); i !== -1; i = b.indexOf(needle[0] ?? 0, i + 1)) {
    if (needle.every((v, k) => b[i + k] === v)) count++
  }
  return count
}

const u32le = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true)

/** Counts MPEG Layer III frames from `at`; `end` is where the walk stopped (a non-frame byte). */
const walkLayer3 = (b: Uint8Array, at: number) => {
  const kbps = { 3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], 2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160] }
  const rates = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000] }
  let frames = 0
  while (at + 4 <= b.length && b[at] === 0xff && ((b[at + 1] ?? 0) & 0xe6) === 0xe2) {
    const version = ((b[at + 1] ?? 0) >> 3) & 3
    if (version !== 3 && version !== 2) break
    const rate = rates[version][((b[at + 2] ?? 0) >> 2) & 3] ?? 0
    const bitrate = (kbps[version][(b[at + 2] ?? 0) >> 4] ?? 0) * 1000
    at += Math.floor(((version === 3 ? 144 : 72) * bitrate) / rate) + (((b[at + 2] ?? 0) >> 1) & 1)
    frames++
  }
  return { frames, end: at }
}

/** The length of the ID3v2 tag at the start (header, body, footer). */
const id3Length = (b: Uint8Array) =>
  10 + (((b[6] ?? 0) << 21) | ((b[7] ?? 0) << 14) | ((b[8] ?? 0) << 7) | (b[9] ?? 0)) + (((b[5] ?? 0) & 0x10) !== 0 ? 10 : 0)

const mp3 = makeJoiner({ format: "mp3", sample_rate: 44100 })
const mp3Joiner = (): Joiner => {
  const joiner = makeJoiner({ format: "mp3", sample_rate: 44100 })
  if (joiner === undefined) throw new Error("mp3 must be joinable")
  return joiner
}
const wavJoiner = (): Joiner => {
  const joiner = makeJoiner({ format: "wav", sample_rate: 24000 })
  if (joiner === undefined) throw new Error("wav must be joinable")
  return joiner
}

/** Seconds that are exactly `frames` MPEG-1 frames at 44.1 kHz. */
const frames44 = (frames: number) => (frames * 1152) / 44100

// ---------------------------------------------------------------------------------------------
// mp3
// ---------------------------------------------------------------------------------------------

describe("mp3", () => {
  const counts = [38, 19, 77] as const
  const tagged = counts.map((n, i) =>
    silentMp3({ seconds: frames44(n), id3v2: true, xing: i === 1 ? "Xing" : true, id3v1: true })
  )
  /** What the join must be: segment 0's ID3v2 tag, then every segment's audio frames, untouched. */
  const expected = concat([
    silentMp3({ seconds: frames44(38), id3v2: true }),
    silentMp3({ seconds: frames44(19) }),
    silentMp3({ seconds: frames44(77) })
  ])
  const total = 38 + 19 + 77

  it("the generator writes the frames it says", () => {
    expect(counts.map((n) => silentMp3Frames({ seconds: frames44(n) }))).toEqual([38, 19, 77])
    const bare = silentMp3({ seconds: frames44(38) })
    expect(walkLayer3(bare, 0)).toEqual({ frames: 38, end: bare.length })
  })

  it("joins three tagged segments into one ID3v2 tag and their audio frames, however the bytes are split", () => {
    const whole = join(mp3Joiner(), tagged)
    expect(whole).toEqual(expected)
    for (const seed of [1, 2, 3, 42]) expect(join(mp3Joiner(), tagged, seeded(seed))).toEqual(whole)

    expect(occurrences(whole, "ID3")).toBe(1)
    expect(whole.subarray(0, 3)).toEqual(Uint8Array.from([0x49, 0x44, 0x33]))
    for (const tag of ["Xing", "Info", "VBRI", "TAG", "APETAGEX", "3DI"]) expect(occurrences(whole, tag)).toBe(0)
    expect(walkLayer3(whole, id3Length(whole))).toEqual({ frames: total, end: whole.length })
  })

  it("times the joined file by its frames, exactly", () => {
    const joiner = mp3Joiner()
    const stored = joiner.finalize(join(joiner, tagged))
    expect(stored).toEqual(expected) // finalize is the identity for mp3
    expect(joiner.duration(stored)).toBe((total * 1152) / 44100)
    // Each segment alone: its Xing/Info frame is no audio frame.
    tagged.forEach((segment, i) => expect(joiner.duration(segment)).toBe(((counts[i] ?? 0) * 1152) / 44100))
  })

  it.effect("music-metadata reads the joined duration within one frame", () =>
    Effect.gen(function*() {
      const joiner = mp3Joiner()
      const stored = joiner.finalize(join(joiner, tagged, seeded(7)))
      const info = yield* probe(stored)
      expect(info.container).toBe("mp3")
      expect(info.sample_rate).toBe(44100)
      expect(Math.abs(info.duration_seconds - (total * 1152) / 44100)).toBeLessThanOrEqual(1152 / 44100)
    }))

  it.effect("MPEG-2 at 24 kHz (576 samples a frame), as the fake TTS makes it", () =>
    Effect.gen(function*() {
      const joiner = makeJoiner({ format: "mp3", sample_rate: 24000 })
      if (joiner === undefined) throw new Error("mp3 must be joinable")
      const make = (seconds: number, tags: boolean) =>
        silentMp3({ seconds, sampleRate: 24000, bitrateKbps: 32, id3v2: tags, xing: tags, id3v1: tags })
      const seconds = [0.48, 1.2, 0.24] // 20, 50 and 10 frames
      const stored = joiner.finalize(join(joiner, seconds.map((s) => make(s, true)), seeded(11)))
      expect(stored.length).toBe(id3Length(stored) + seconds.reduce((n, s) => n + make(s, false).length, 0))
      expect(joiner.duration(stored)).toBe((80 * 576) / 24000)
      const info = yield* probe(stored)
      expect(Math.abs(info.duration_seconds - 1.92)).toBeLessThanOrEqual(576 / 24000)
    }))

  it("drops ID3v2 footers, VBRI frames and APEv2 tags (with or without header), and passes junk between frames as it is", () => {
    const bare = silentMp3({ seconds: frames44(10) })
    const oneFrame = silentMp3({ seconds: frames44(1) })
    const junk = Uint8Array.from([0, 0, 0x12, 0x34, 0xff, 0x00])
    const withJunk = concat([oneFrame, junk, bare.subarray(oneFrame.length)])
    const v24 = silentMp3({ seconds: frames44(1), id3v2: { footer: true } })
    const withJunkTagged = concat([
      v24.subarray(0, id3Length(v24)), // an ID3v2.4 tag with a footer
      withJunk,
      junk, // after the last frame: held until the APE tag shows it is not a tag
      silentMp3({ seconds: frames44(1), ape: true, id3v1: true }).subarray(oneFrame.length) // APEv2 and ID3v1
    ])
    const segments = [
      silentMp3({ seconds: frames44(10), id3v2: { footer: true }, vbri: true, ape: { header: false } }),
      silentMp3({ seconds: frames44(10), id3v2: { footer: true }, xing: "Xing", vbri: true, ape: true, id3v1: true }),
      withJunkTagged,
      silentMp3({ seconds: frames44(10), ape: { header: false }, id3v1: true })
    ]
    const expectedBytes = concat([silentMp3({ seconds: frames44(10), id3v2: { footer: true } }), bare, withJunk, junk, bare])
    const joiner = mp3Joiner()
    const whole = join(joiner, segments)
    expect(whole).toEqual(expectedBytes)
    for (const seed of [5, 6]) expect(join(mp3Joiner(), segments, seeded(seed))).toEqual(whole)
    expect(occurrences(whole, "3DI")).toBe(1) // segment 0's own tag, kept whole
    expect(joiner.duration(whole)).toBe((40 * 1152) / 44100)
  })

  it("holds back only what it must: a tag header, a frame's first bytes, a trailing ID3v1", () => {
    const joiner = mp3Joiner()
    const first = joiner.segment(0)
    const segment0 = tagged[0] ?? new Uint8Array(0)
    const tag = id3Length(segment0)
    expect(first.push(segment0.subarray(0, 9))).toEqual([]) // not yet an ID3v2 header
    expect(concat(first.push(segment0.subarray(9, tag + 10)))).toEqual(segment0.subarray(0, tag)) // the tag streams out
    // Everything else but the trailing ID3v1 comes out before the response ends.
    const want = silentMp3({ seconds: frames44(38), id3v2: true })
    expect(concat(first.push(segment0.subarray(tag + 10)))).toEqual(want.subarray(tag))
    expect(first.end()).toEqual([])

    const second = joiner.segment(1)
    const segment1 = tagged[1] ?? new Uint8Array(0)
    const out = second.push(segment1)
    expect(concat(out)).toEqual(silentMp3({ seconds: frames44(19) }))
    expect(second.end()).toEqual([])
  })

  it("refuses a segment at another sample rate", () => {
    const joiner = mp3Joiner()
    run(joiner.segment(0), silentMp3({ seconds: 0.1 }))
    expect(() => run(joiner.segment(1), silentMp3({ seconds: 0.1, sampleRate: 24000 }))).toThrow(AudioJoinError)
    expect(() => run(mp3Joiner().segment(0), silentMp3({ seconds: 0.1 }))).not.toThrow()
    const again = mp3Joiner()
    run(again.segment(0), silentMp3({ seconds: 0.1 }))
    expect(() => run(again.segment(1), silentMp3({ seconds: 0.1, sampleRate: 22050 }))).toThrow(
      /mp3 segment 1 is MPEG-2 layer III at 22050 Hz, but segment 0 is MPEG-1 layer III at 44100 Hz/
    )
  })

  it("has no duration without frames", () => {
    expect(mp3?.duration(new Uint8Array(0))).toBeUndefined()
    expect(mp3?.duration(Uint8Array.from([1, 2, 3, 4, 5]))).toBeUndefined()
  })
})

// ---------------------------------------------------------------------------------------------
// wav
// ---------------------------------------------------------------------------------------------

describe("wav", () => {
  const segments = [
    wav({ seconds: 0.5, sampleRate: 24000 }),
    wav({ seconds: 0.25, sampleRate: 24000, list: true }),
    wav({ seconds: 1, sampleRate: 24000, streaming: true })
  ]
  const data = concat([
    pcm16({ seconds: 0.5, sampleRate: 24000 }),
    pcm16({ seconds: 0.25, sampleRate: 24000 }),
    pcm16({ seconds: 1, sampleRate: 24000 })
  ])
  const header = (riff: number, size: number) => {
    const h = new Uint8Array(44)
    const v = new DataView(h.buffer)
    h.set(Uint8Array.from("RIFF\0\0\0\0WAVEfmt ", (c) => c.charCodeAt(0)))
    v.setUint32(4, riff, true)
    v.setUint32(16, 16, true)
    v.setUint16(20, 1, true) // PCM
    v.setUint16(22, 1, true) // mono
    v.setUint32(24, 24000, true)
    v.setUint32(28, 48000, true)
    v.setUint16(32, 2, true)
    v.setUint16(34, 16, true)
    h.set(Uint8Array.from("data", (c) => c.charCodeAt(0)), 36)
    v.setUint32(40, size, true)
    return h
  }

  it("joins three segments into one header and their data, however the bytes are split", () => {
    expect(occurrences(segments[1] ?? new Uint8Array(0), "LIST")).toBe(1)
    const whole = join(wavJoiner(), segments)
    expect(whole).toEqual(concat([header(0xffff_ffff, 0xffff_ffff), data]))
    for (const seed of [1, 2, 3]) expect(join(wavJoiner(), segments, seeded(seed))).toEqual(whole)
    for (const [chunk, count] of [["RIFF", 1], ["WAVE", 1], ["fmt ", 1], ["data", 1], ["LIST", 0]] as const) {
      expect(occurrences(whole, chunk)).toBe(count)
    }
  })

  it("finalize patches both sizes in a copy; the duration is data over rate", () => {
    const joiner = wavJoiner()
    const joined = join(joiner, segments, seeded(9))
    const stored = joiner.finalize(joined)
    expect(stored).toEqual(concat([header(44 + data.length - 8, data.length), data]))
    expect(u32le(stored, 4)).toBe(stored.length - 8)
    expect(u32le(stored, 40)).toBe(stored.length - 44)
    expect(u32le(joined, 4)).toBe(0xffff_ffff) // the streamed bytes are left as they were
    expect(joiner.duration(stored)).toBe(1.75)
    expect(joiner.duration(joined)).toBe(1.75) // placeholders: the data runs to the end
  })

  it.effect("music-metadata reads the sum of the segments' durations", () =>
    Effect.gen(function*() {
      const joiner = wavJoiner()
      const info = yield* probe(joiner.finalize(join(joiner, segments, seeded(4))))
      expect(info.container).toBe("wav")
      expect(info.sample_rate).toBe(24000)
      expect(info.channels).toBe(1)
      expect(info.duration_seconds).toBe(1.75)
    }))

  it("emits the header as soon as segment 0's fmt chunk is in, and data in whole samples", () => {
    const joiner = wavJoiner()
    const first = joiner.segment(0)
    const bytes = segments[0] ?? new Uint8Array(0)
    expect(first.push(bytes.subarray(0, 30))).toEqual([]) // inside fmt
    expect(concat(first.push(bytes.subarray(30, 45)))).toEqual(header(0xffff_ffff, 0xffff_ffff)) // fmt whole, data header cut
    expect(concat(first.push(bytes.subarray(45, 52)))).toEqual(bytes.subarray(44, 52)) // 1 byte held, then 8 out
    expect(concat(first.push(bytes.subarray(52, 55)))).toEqual(bytes.subarray(52, 54)) // a sample's first byte is held
    expect(concat([...first.push(bytes.subarray(55)), ...first.end()])).toEqual(bytes.subarray(54))
  })

  it("drops a sample cut off at the end of a segment, so the next one stays aligned", () => {
    const stereo = (seconds: number) => wav({ seconds, sampleRate: 24000, channels: 2 })
    const joiner = makeJoiner({ format: "wav" })
    if (joiner === undefined) throw new Error("wav must be joinable")
    const cut = stereo(0.1).subarray(0, -3)
    const joined = join(joiner, [cut, stereo(0.1)])
    expect(joined.length).toBe(44 + 2 * (2400 * 4) - 4)
    expect(joined.subarray(44 + 2400 * 4 - 4)).toEqual(pcm16({ seconds: 0.1, sampleRate: 24000, channels: 2 }))
  })

  it("refuses a segment in another format, or one that is no wav", () => {
    const joiner = wavJoiner()
    run(joiner.segment(0), segments[0] ?? new Uint8Array(0))
    expect(() => run(joiner.segment(1), wav({ seconds: 0.1, sampleRate: 16000 }))).toThrow(
      /wav segment 1 is 16000 Hz, 1 channel, 16-bit \(format tag 1\), but segment 0 is 24000 Hz/
    )
    expect(() => run(joiner.segment(2), wav({ seconds: 0.1, sampleRate: 24000, channels: 2 }))).toThrow(AudioJoinError)
    expect(() => run(joiner.segment(3), pcm16({ seconds: 0.1, sampleRate: 24000 }))).toThrow(/does not start with a RIFF\/WAVE header/)
    expect(() => run(wavJoiner().segment(0), new Uint8Array(0))).toThrow(/ended before its fmt chunk/)
  })
})

// ---------------------------------------------------------------------------------------------
// Raw audio and formats that cannot be joined
// ---------------------------------------------------------------------------------------------

describe("raw audio", () => {
  it("pcm, ulaw and alaw pass through; their duration is length over rate", () => {
    const cases = [
      { format: "pcm", rate: 24000, make: pcm16 },
      { format: "ulaw", rate: 8000, make: ulaw },
      { format: "alaw", rate: 8000, make: alaw }
    ] as const
    for (const { format, make, rate } of cases) {
      const joiner = makeJoiner({ format, sample_rate: rate })
      if (joiner === undefined) throw new Error(`${format} must be joinable`)
      expect(joiner.format).toBe(format)
      const segments = [0.5, 0.25, 1].map((seconds) => make({ seconds, sampleRate: rate }))
      const joined = join(joiner, segments, seeded(3))
      expect(joined).toEqual(concat(segments))
      const stored = joiner.finalize(joined)
      expect(stored).toEqual(joined)
      expect(joiner.duration(stored)).toBe(1.75)
    }
  })

  it("counts channels, and has no duration without a sample rate", () => {
    const stereo = makeJoiner({ format: "pcm", sample_rate: 16000, channels: 2 })
    expect(stereo?.duration(pcm16({ seconds: 0.5, sampleRate: 16000, channels: 2 }))).toBe(0.5)
    expect(makeJoiner({ format: "pcm" })?.duration(new Uint8Array(100))).toBeUndefined()
  })

  it("the G.711 tones are the reference encodings (silence is 0xFF in mu-law, 0xD5 in a-law)", () => {
    expect(ulaw({ seconds: 1, sampleRate: 8000, frequency: 0 })).toEqual(new Uint8Array(8000).fill(0xff))
    expect(alaw({ seconds: 1, sampleRate: 8000, frequency: 0 })).toEqual(new Uint8Array(8000).fill(0xd5))
    expect(new Set(ulaw({ seconds: 0.01, sampleRate: 8000 })).size).toBeGreaterThan(10)
  })
})

describe("formats that cannot be joined", () => {
  it("opus, flac and aac have no joiner", () => {
    for (const format of ["opus", "flac", "aac"] as const) expect(makeJoiner({ format })).toBeUndefined()
  })
})
