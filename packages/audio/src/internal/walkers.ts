/**
 * Walkers: small parsers fed chunk by chunk while music-metadata reads the same bytes, for the
 * facts it gets wrong. Each says why in its own comment:
 * - MP4: the `moov` box, for the esds channel layout and the edit list (see `mp4.ts`);
 * - ADTS: every frame, since music-metadata stops before a short last frame;
 * - WebM: block timestamps, for files without a Duration element (live recorders), which
 *   music-metadata cannot time and whose stream reader fails on unknown-size clusters.
 */
import type { IAudioMetadata } from "music-metadata"
import type { Sniffed } from "../Container.ts"
import { ascii, byteAt, hasAscii, u16be, u32be, u64be } from "./bytes.ts"
import { type Mp4Track, parseMp4 } from "./mp4.ts"
import { frameHeader, id3v2Length } from "./mpeg.ts"

/** What music-metadata reads of a format. */
export type Format = IAudioMetadata["format"]

/**
 * Parses the item at the start of `bytes` (absolute offset `offset`) and returns how many bytes
 * to advance (possibly past the bytes at hand, to skip), `undefined` to wait for more bytes,
 * or `"stop"`.
 */
type Step = (bytes: Uint8Array, offset: number) => number | undefined | "stop"

/** Facts a walker collects, keyed by container. */
export interface Walk {
  readonly push: (chunk: Uint8Array) => void
  /** Called once the input ended (`complete`) or was left unread. */
  readonly end: (complete: boolean) => void
  readonly duration: () => number | undefined
  readonly channels: () => number | undefined
}

const walker = (step: Step) => {
  let total = 0
  let next = 0
  let carry: Uint8Array = new Uint8Array(0) // bytes from `next` on, awaiting more
  let stopped = false
  return {
    get stopped() {
      return stopped
    },
    push(chunk: Uint8Array) {
      const start = total
      total += chunk.length
      if (stopped || total <= next) return
      let data: Uint8Array
      if (carry.length > 0) {
        data = new Uint8Array(carry.length + chunk.length)
        data.set(carry)
        data.set(chunk, carry.length)
      } else {
        data = chunk.subarray(next - start)
      }
      let i = 0
      while (i < data.length) {
        const advance = step(data.subarray(i), next)
        if (advance === undefined) break
        if (advance === "stop" || advance <= 0) {
          stopped = true
          break
        }
        i += advance
        next += advance
      }
      carry = stopped || i >= data.length ? new Uint8Array(0) : data.slice(i)
    }
  }
}

/** The largest `moov` box kept in memory while streaming (its tables grow with duration). */
const maxMoovBytes = 64 * 1024 * 1024

const mp4Walk = (): Walk => {
  let track: Mp4Track | undefined
  const w = walker((b) => {
    if (b.length < 8 || (u32be(b, 0) === 1 && b.length < 16)) return undefined
    const size32 = u32be(b, 0)
    const size = size32 === 1 ? u64be(b, 8) : size32
    if (size32 === 0 || size < 8) return "stop"
    if (ascii(b, 4, 4) !== "moov") return size
    if (size > maxMoovBytes) return "stop"
    if (b.length < size) return undefined
    track = parseMp4(b.subarray(0, size)).track
    return "stop"
  })
  return {
    push: w.push,
    end: () => {},
    duration: () => track?.duration,
    channels: () => track?.channels
  }
}

/**
 * ADTS has no header with a length, so its duration is its frame count. music-metadata counts
 * frames too but stops once fewer than 164 bytes remain, dropping a short last frame.
 */
const adtsWalk = (): Walk => {
  let samples = 0
  let sampleRate = 0
  let lost = false
  let complete = false
  const w = walker((b) => {
    if (b.length < 3) return undefined
    if (hasAscii(b, 0, "ID3")) return b.length < 10 ? undefined : id3v2Length(b, 0)
    if (b.length < 7) return undefined
    const header = frameHeader(b, 0)
    if (header?.kind === "adts") {
      samples += 1024 * header.blocks
      sampleRate = header.sampleRate
      return header.length
    }
    // A trailing ID3v1 or APE tag ends the frames; anything else means we lost the sync.
    if (!hasAscii(b, 0, "TAG") && !hasAscii(b, 0, "APE")) lost = true
    return "stop"
  })
  return {
    push: w.push,
    end: (c) => {
      complete = c
    },
    duration: () => (complete && !lost && sampleRate > 0 ? samples / sampleRate : undefined),
    channels: () => undefined
  }
}

/** Opus packet duration in seconds from its TOC byte and, for code 3, its frame count byte. */
const opusPacketSeconds = (toc: number, countByte: number): number => {
  const config = toc >> 3
  const frame = config < 12
    ? [0.01, 0.02, 0.04, 0.06][config & 3]
    : config < 16
    ? [0.01, 0.02][config & 1]
    : [0.0025, 0.005, 0.01, 0.02][config & 3]
  const code = toc & 3
  const frames = code === 0 ? 1 : code === 3 ? countByte & 0x3f : 2
  return (frame ?? 0) * frames
}

const ebmlIds = {
  segment: 0x18538067,
  info: 0x1549a966,
  timecodeScale: 0x2ad7b1,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  audio: 0xe1,
  channels: 0x9f,
  cluster: 0x1f43b675,
  timecode: 0xe7,
  blockGroup: 0xa0,
  block: 0xa1,
  simpleBlock: 0xa3,
  blockDuration: 0x9b
} as const

/** Reads an EBML variable-length integer; `marker` keeps the length marker (element ids). */
const vint = (b: Uint8Array, at: number, marker: boolean) => {
  if (at >= b.length) return { length: 1, value: Number.NaN, unknown: false, partial: true }
  const first = byteAt(b, at)
  if (first === 0) return undefined
  let length = 1
  while ((first & (0x80 >> (length - 1))) === 0) length++
  if (at + length > b.length) return { length, value: Number.NaN, unknown: false, partial: true }
  let value = marker ? first : first & (0xff >> length)
  let allOnes = value === (0xff >> length)
  for (let k = 1; k < length; k++) {
    const v = byteAt(b, at + k)
    value = value * 256 + v
    allOnes &&= v === 0xff
  }
  return { length, value, unknown: !marker && allOnes, partial: false }
}

/**
 * A WebM without a Duration element (what live recorders such as a browser's MediaRecorder
 * write) still has its block timestamps: the duration is the end of the last block.
 */
const webmWalk = (codec: string | undefined): Walk => {
  let scale = 1_000_000 // TimecodeScale, nanoseconds per tick
  let clusterTime = 0
  let lastBlock = Number.NaN
  let lastGap = 0
  let endSeconds = Number.NaN
  let channels: number | undefined
  const blockEnd = (ticks: number, seconds: number) => {
    const end = ticks * scale / 1e9 + seconds
    if (!(end <= endSeconds)) endSeconds = end
  }
  const w = walker((b) => {
    const id = vint(b, 0, true)
    if (id === undefined) return "stop"
    if (id.partial) return undefined
    const size = vint(b, id.length, false)
    if (size === undefined) return "stop"
    if (size.partial) return undefined
    const header = id.length + size.length
    switch (id.value) {
      case ebmlIds.segment:
      case ebmlIds.info:
      case ebmlIds.tracks:
      case ebmlIds.trackEntry:
      case ebmlIds.audio:
      case ebmlIds.cluster:
      case ebmlIds.blockGroup:
        return header // descend: the children follow
    }
    if (size.unknown) return "stop"
    const bodyLength = size.value
    switch (id.value) {
      case ebmlIds.timecodeScale:
      case ebmlIds.timecode:
      case ebmlIds.channels:
      case ebmlIds.blockDuration: {
        if (b.length < header + bodyLength) return undefined
        let v = 0
        for (let k = 0; k < bodyLength; k++) v = v * 256 + byteAt(b, header + k)
        if (id.value === ebmlIds.timecodeScale) scale = v
        else if (id.value === ebmlIds.timecode) clusterTime = v
        else if (id.value === ebmlIds.channels) channels ??= v
        else if (Number.isFinite(lastBlock)) blockEnd(lastBlock + v, 0)
        break
      }
      case ebmlIds.block:
      case ebmlIds.simpleBlock: {
        const track = vint(b, header, false)
        if (track === undefined) return "stop"
        const need = Math.min(header + bodyLength, header + track.length + 5)
        if (b.length < need || track.partial) return undefined
        const at = header + track.length
        const relative = (u16be(b, at) << 16) >> 16
        const ticks = clusterTime + relative
        if (Number.isFinite(lastBlock) && ticks > lastBlock) lastGap = ticks - lastBlock
        lastBlock = ticks
        const laced = (byteAt(b, at + 2) & 0x06) !== 0
        const seconds = codec === "opus" && !laced && bodyLength > track.length + 3
          ? opusPacketSeconds(byteAt(b, at + 3), byteAt(b, at + 4))
          : lastGap * scale / 1e9
        blockEnd(ticks, seconds)
        break
      }
    }
    return header + bodyLength
  })
  return {
    push: w.push,
    end: () => {},
    duration: () => (Number.isFinite(endSeconds) ? Math.max(0, endSeconds) : undefined),
    channels: () => channels
  }
}

const noWalk: Walk = { push: () => {}, end: () => {}, duration: () => undefined, channels: () => undefined }

export const walkFor = (s: Sniffed): Walk =>
  s.container === "mp4" ? mp4Walk() : s.container === "aac" ? adtsWalk() : s.container === "webm" ? webmWalk(s.codec) : noWalk

/** Whether the walker needs the bytes music-metadata did not read (or failed on). */
export const wantsRest = (s: Sniffed, format: Format | undefined) =>
  s.container === "aac" || (s.container === "webm" && format?.duration === undefined)

/**
 * A WebM music-metadata cannot read may still be timed by its blocks: with clusters of unknown
 * size, as browsers' MediaRecorder writes them, its stream reader runs into the end.
 */
export const walkable = (s: Sniffed, walk: Walk) => s.container === "webm" && walk.duration() !== undefined
