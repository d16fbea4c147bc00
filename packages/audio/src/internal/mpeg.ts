/**
 * MPEG audio and ADTS frames: their headers, the ID3v2 tags before them, the Xing/Info/VBRI
 * frames that carry no audio, and THE counter of MPEG audio frames. Sniffing, metering an upload
 * and timing a joined reply all find frames here, so an mp3 has one duration in Patchbay
 * whichever path measured it.
 *
 * Hand-written: music-metadata reads the same frames but only over a whole file or stream it
 * owns; the meter and the joiner need a counter fed chunk by chunk beside another reader.
 */
import { byteAt, hasAscii } from "./bytes.ts"

const mpegBitrates = {
  v1l1: [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  v1l2: [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  v1l3: [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2l1: [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  v2l23: [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
} as const
const mpegSampleRates = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] } as const

/** One MPEG audio frame header (MPEG-1, 2 or 2.5; layer I, II or III). */
export interface MpegHeader {
  readonly version: "1" | "2" | "2.5"
  readonly layer: 1 | 2 | 3
  readonly sampleRate: number
  readonly mono: boolean
  readonly crc: boolean
  /** The whole frame, header included, in bytes. */
  readonly length: number
  readonly samples: number
}

/** Reads an MPEG audio frame header at `at` (4 bytes); free-format and reserved values are refused. */
export const mpegHeaderAt = (b: Uint8Array, at: number): MpegHeader | undefined => {
  if (at + 4 > b.length || byteAt(b, at) !== 0xff) return undefined
  const b1 = byteAt(b, at + 1)
  const b2 = byteAt(b, at + 2)
  const b3 = byteAt(b, at + 3)
  if ((b1 & 0xe0) !== 0xe0) return undefined
  const versionBits = (b1 >> 3) & 0x03 // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
  const layerBits = (b1 >> 1) & 0x03 // 3: layer I, 2: layer II, 1: layer III, 0: reserved
  if (versionBits === 1 || layerBits === 0 || (b3 & 0x03) === 2) return undefined // reserved emphasis too
  const layer = (4 - layerBits) as 1 | 2 | 3
  const rates = versionBits === 3 ? mpegSampleRates[3] : versionBits === 2 ? mpegSampleRates[2] : mpegSampleRates[0]
  const sampleRate = rates[(b2 >> 2) & 0x03]
  const table = versionBits === 3
    ? (layer === 1 ? mpegBitrates.v1l1 : layer === 2 ? mpegBitrates.v1l2 : mpegBitrates.v1l3)
    : (layer === 1 ? mpegBitrates.v2l1 : mpegBitrates.v2l23)
  const kbps = table[(b2 >> 4) - 1] // index 0 (free format) and 15 (bad) fall outside
  if (sampleRate === undefined || kbps === undefined) return undefined
  const padding = (b2 >> 1) & 0x01
  const bitrate = kbps * 1000
  const mpeg1 = versionBits === 3
  const length = layer === 1
    ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4
    : Math.floor(((layer === 3 && !mpeg1 ? 72 : 144) * bitrate) / sampleRate) + padding
  return {
    version: mpeg1 ? "1" : versionBits === 2 ? "2" : "2.5",
    layer,
    sampleRate,
    mono: b3 >> 6 === 3,
    crc: (b1 & 0x01) === 0,
    length,
    samples: layer === 1 ? 384 : layer === 2 || mpeg1 ? 1152 : 576
  }
}

/** The length of a valid ID3v2 tag at `at` (header, body and footer), if there is one. */
export const id3v2Length = (b: Uint8Array, at: number): number | undefined => {
  if (!hasAscii(b, at, "ID3") || at + 10 > b.length) return undefined
  if (byteAt(b, at + 3) === 0xff || byteAt(b, at + 4) === 0xff) return undefined
  let size = 0
  for (let i = 6; i < 10; i++) {
    const v = byteAt(b, at + i)
    if (v >= 0x80) return undefined
    size = size * 128 + v
  }
  return 10 + size + ((byteAt(b, at + 5) & 0x10) !== 0 ? 10 : 0)
}

/** Frames of another version, layer or sample rate cannot follow in one stream. */
export const sameStream = (a: MpegHeader, b: MpegHeader) =>
  a.version === b.version && a.layer === b.layer && a.sampleRate === b.sampleRate

/** Where a Xing/Info tag sits in a layer III frame: after the header, CRC and side information. */
export const xingOffset = (h: MpegHeader) =>
  4 + (h.crc ? 2 : 0) + (h.version === "1" ? (h.mono ? 17 : 32) : (h.mono ? 9 : 17))
/** A VBRI tag sits 32 bytes after the header, whatever the mode. */
const vbriOffset = 36

/** How many bytes of a frame are needed to tell whether it is a Xing/Info/VBRI frame. */
export const infoProbeLength = (h: MpegHeader) =>
  h.layer === 3 ? Math.min(h.length, Math.max(xingOffset(h), vbriOffset) + 4) : 4

/** Whether the frame at `at` is a Xing/Info or VBRI frame (metadata for players, no audio). */
export const isInfoFrame = (b: Uint8Array, at: number, h: MpegHeader): boolean => {
  if (h.layer !== 3) return false
  const inFrame = (offset: number, tag: string) => offset + 4 <= h.length && hasAscii(b, at + offset, tag)
  const xing = xingOffset(h)
  return inFrame(xing, "Xing") || inFrame(xing, "Info") || inFrame(vbriOffset, "VBRI")
}

// ---------------------------------------------------------------------------------------------
// ADTS (AAC) frames, which share the 0xFFF sync with MPEG audio
// ---------------------------------------------------------------------------------------------

const adtsSampleRates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350] as const

/** An MPEG audio or ADTS frame header. */
export type FrameHeader =
  | { readonly kind: "mpeg"; readonly version: MpegHeader["version"]; readonly layer: 1 | 2 | 3; readonly length: number }
  | { readonly kind: "adts"; readonly length: number; readonly sampleRate: number; readonly blocks: number }

/** Reads an MPEG audio or ADTS frame header at `at` (4 or 7 bytes needed). */
export const frameHeader = (b: Uint8Array, at: number): FrameHeader | undefined => {
  if (at + 4 > b.length || byteAt(b, at) !== 0xff) return undefined
  const b1 = byteAt(b, at + 1)
  const b2 = byteAt(b, at + 2)
  if ((b1 & 0xf6) === 0xf0) {
    // ADTS: 12-bit sync, ID, layer 00, protection_absent.
    if (at + 7 > b.length) return undefined
    const sampleRate = adtsSampleRates[(b2 >> 2) & 0x0f]
    const length = ((byteAt(b, at + 3) & 0x03) << 11) | (byteAt(b, at + 4) << 3) | (byteAt(b, at + 5) >> 5)
    const headerLength = (b1 & 0x01) === 0 ? 9 : 7
    if (sampleRate === undefined || length < headerLength) return undefined
    return { kind: "adts", length, sampleRate, blocks: (byteAt(b, at + 6) & 0x03) + 1 }
  }
  const mpeg = mpegHeaderAt(b, at)
  return mpeg === undefined ? undefined : { kind: "mpeg", version: mpeg.version, layer: mpeg.layer, length: mpeg.length }
}

/** A frame header at `at` that the next frame confirms, when the bytes reach that far. */
export const confirmedFrame = (b: Uint8Array, at: number): FrameHeader | undefined => {
  const header = frameHeader(b, at)
  if (header === undefined) return undefined
  const next = at + header.length
  if (next + 4 > b.length) return header
  const following = frameHeader(b, next)
  if (following === undefined || following.kind !== header.kind) return undefined
  if (header.kind === "mpeg" && following.kind === "mpeg") {
    if (following.version !== header.version || following.layer !== header.layer) return undefined
  }
  return header
}

// ---------------------------------------------------------------------------------------------
// The frame counter
// ---------------------------------------------------------------------------------------------

/** Fed bytes in order; `end` gives the seconds of audio, or undefined when there is none. */
export interface FrameCounter {
  readonly push: (chunk: Uint8Array) => void
  readonly end: () => number | undefined
}

/**
 * Counts the audio of an MPEG audio stream: leading ID3v2 tags are skipped, then every frame of
 * the first frame's stream (version, layer, sample rate) adds its samples, Xing/Info/VBRI
 * frames excepted. Bytes that are no frame are skipped up to the next frame that the following
 * header (or the end of the input) confirms; a cut-off last frame does not decode and does not
 * count. The seconds are the samples over the first frame's sample rate; undefined without an
 * audio frame.
 *
 * Fed chunk by chunk it holds at most a frame header and its side information, except while
 * resynchronising, when it keeps one frame to confirm it; one push of whole bytes gives the same
 * answer as any chunking.
 */
export const frameCounter = (): FrameCounter => {
  let carry: Uint8Array = new Uint8Array(0) // bytes not yet decided on
  let skip = 0 // bytes of the current frame or tag still to pass
  let partial = 0 // samples of the frame being passed, taken back if the input ends inside it
  let leading = true // still before the first frame: ID3v2 tags are skipped
  let resync = false // after bytes that are no frame: the next frame must be confirmed
  let reference: MpegHeader | undefined
  let samples = 0

  /** A header at `p` of the reference's stream (any stream before the first frame). */
  const headerAt = (b: Uint8Array, p: number): MpegHeader | undefined => {
    const h = mpegHeaderAt(b, p)
    return h !== undefined && (reference === undefined || sameStream(reference, h)) ? h : undefined
  }

  /** Whether the frame at `p` is confirmed; `undefined` while its confirmation is not in `b` yet. */
  const confirmed = (b: Uint8Array, p: number, final: boolean): boolean | undefined => {
    if (p + 4 > b.length) return final ? false : undefined
    const h = headerAt(b, p)
    if (h === undefined) return false
    const next = p + h.length
    if (next === b.length && final) return true
    if (next + 4 > b.length) return final ? false : undefined
    const following = mpegHeaderAt(b, next)
    return following !== undefined && sameStream(h, following)
  }

  /** Consumes what it can of `b` (`final`: the input ended) and keeps the rest in `carry`. */
  const run = (b: Uint8Array, final: boolean) => {
    let at = 0
    const hold = (from: number) => {
      carry = final ? new Uint8Array(0) : b.slice(from)
    }
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, b.length - at)
        at += n
        skip -= n
        if (skip > 0) return hold(b.length)
        partial = 0
      }
      const rest = b.length - at
      if (leading) {
        if (rest < 10 && !final && hasAscii(b, at, "ID3".slice(0, Math.min(3, rest)))) return hold(at)
        const tag = id3v2Length(b, at)
        if (tag !== undefined) {
          skip = tag
          continue
        }
        leading = false
      }
      if (resync) {
        let p = b.indexOf(0xff, at)
        for (; p !== -1; p = b.indexOf(0xff, p + 1)) {
          const ok = confirmed(b, p, final)
          if (ok === undefined) return hold(p)
          if (ok) break
        }
        if (p === -1) return hold(b.length)
        at = p
        resync = false
        continue
      }
      if (rest < 4) return hold(at)
      const h = headerAt(b, at)
      if (h === undefined) {
        resync = true
        at += 1
        continue
      }
      if (rest < infoProbeLength(h)) {
        if (!final) return hold(at)
        return hold(b.length) // a cut-off last frame does not decode
      }
      reference ??= h
      partial = isInfoFrame(b, at, h) ? 0 : h.samples
      samples += partial
      skip = h.length
    }
  }

  return {
    push: (chunk) => {
      if (chunk.length === 0) return
      if (carry.length === 0) return run(chunk, false)
      const joined = new Uint8Array(carry.length + chunk.length)
      joined.set(carry)
      joined.set(chunk, carry.length)
      run(joined, false)
    },
    end: () => {
      run(carry, true)
      if (skip > 0) samples -= partial // the input ended inside the last frame
      skip = 0
      partial = 0
      return reference === undefined || samples === 0 ? undefined : samples / reference.sampleRate
    }
  }
}
