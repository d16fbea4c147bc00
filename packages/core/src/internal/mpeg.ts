/**
 * MPEG audio frame headers and ID3v2 tags: what both the audio facts (`Audio.ts`) and the joining
 * of synthesized segments (`audioJoin.ts`) need to find frames in an mp3 stream.
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
