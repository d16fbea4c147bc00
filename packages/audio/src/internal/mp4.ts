/**
 * MP4 (ISO base media) boxes: the first audio track's sample entry, its channel count from the
 * esds AudioSpecificConfig, and its presentation duration after the edit list.
 *
 * Hand-written: music-metadata reports the sample entry's fixed channel count of 2 for mono AAC
 * (the real layout is in the esds) and the media duration without the edit list's encoder
 * priming cut; `file-type` names the brand, not the codec.
 */
import { ascii, byteAt, i32be, u16be, u32be, u64be } from "./bytes.ts"

interface Box {
  readonly type: string
  /** Offset of the box's content (after its header). */
  readonly start: number
  /** Offset just past the box. */
  readonly end: number
}

function* boxes(b: Uint8Array, start: number, end: number): Generator<Box> {
  for (let at = start; at + 8 <= end;) {
    let size = u32be(b, at)
    let header = 8
    if (size === 1) {
      if (at + 16 > end) return
      size = u64be(b, at + 8)
      header = 16
    } else if (size === 0) {
      size = end - at
    }
    if (size < header || at + size > end) return
    yield { type: ascii(b, at + 4, 4), start: at + header, end: at + size }
    at += size
  }
}

const child = (b: Uint8Array, parent: Box | undefined, type: string): Box | undefined => {
  if (parent === undefined) return undefined
  for (const box of boxes(b, parent.start, parent.end)) if (box.type === type) return box
  return undefined
}

/** Reads an MPEG-4 descriptor header (tag, then a 1–4 byte size). */
const descriptor = (b: Uint8Array, at: number, end: number) => {
  let size = 0
  let i = at + 1
  for (let n = 0; n < 4 && i < end; n++) {
    const v = byteAt(b, i++)
    size = size * 128 + (v & 0x7f)
    if ((v & 0x80) === 0) break
  }
  return { tag: byteAt(b, at), start: i, end: Math.min(end, i + size) }
}

/** The channel count in an esds box's AudioSpecificConfig (undefined when it defers to a PCE). */
const esdsChannels = (b: Uint8Array, esds: Box): number | undefined => {
  const es = descriptor(b, esds.start + 4, esds.end)
  if (es.tag !== 0x03) return undefined
  const flags = byteAt(b, es.start + 2)
  let at = es.start + 3
  if ((flags & 0x80) !== 0) at += 2
  if ((flags & 0x40) !== 0) at += 1 + byteAt(b, at)
  if ((flags & 0x20) !== 0) at += 2
  const config = descriptor(b, at, es.end)
  if (config.tag !== 0x04) return undefined
  const specific = descriptor(b, config.start + 13, config.end)
  if (specific.tag !== 0x05 || specific.end - specific.start < 2) return undefined
  // AudioSpecificConfig: audioObjectType(5, escape 31 → +6), samplingFrequencyIndex(4, escape
  // 15 → +24), channelConfiguration(4).
  let bit = specific.start * 8
  const bits = (n: number) => {
    let v = 0
    for (let k = 0; k < n; k++, bit++) v = v * 2 + ((byteAt(b, bit >> 3) >> (7 - (bit & 7))) & 1)
    return v
  }
  let objectType = bits(5)
  if (objectType === 31) objectType = 32 + bits(6)
  if (bits(4) === 15) bits(24)
  const configuration = bits(4)
  // Parametric stereo (object type 29) decodes a mono core to stereo: leave it to the container.
  if (objectType === 29) return undefined
  return configuration >= 1 && configuration <= 6 ? configuration : configuration === 7 ? 8 : undefined
}

export interface Mp4Track {
  /** The sample entry type (`mp4a`, `Opus`, `fLaC`, …). */
  readonly entry: string
  readonly channels?: number
  /** Presentation duration: media duration minus encoder priming cut by the edit list. */
  readonly duration?: number
}

const mp4Track = (b: Uint8Array, trak: Box, movieTimescale: number): Mp4Track | undefined => {
  const mdia = child(b, trak, "mdia")
  const hdlr = child(b, mdia, "hdlr")
  if (hdlr === undefined || ascii(b, hdlr.start + 8, 4) !== "soun") return undefined
  const stsd = child(b, child(b, child(b, mdia, "minf"), "stbl"), "stsd")
  const entry = stsd === undefined ? undefined : boxes(b, stsd.start + 8, stsd.end).next().value
  if (entry === undefined) return undefined

  // Audio sample entry: 28 bytes (QuickTime version 1: +16, version 2: +36) before child boxes.
  const version = u16be(b, entry.start + 8)
  const childrenAt = entry.start + 28 + (version === 1 ? 16 : version === 2 ? 36 : 0)
  let esds: Box | undefined
  for (const box of boxes(b, childrenAt, entry.end)) {
    if (box.type === "esds") esds = box
    if (box.type === "wave") esds = child(b, box, "esds")
    if (esds !== undefined) break
  }
  const channels = esds === undefined ? undefined : esdsChannels(b, esds)

  let duration: number | undefined
  const mdhd = child(b, mdia, "mdhd")
  if (mdhd !== undefined) {
    const v1 = byteAt(b, mdhd.start) === 1
    const timescale = u32be(b, mdhd.start + (v1 ? 20 : 12))
    const units = v1 ? u64be(b, mdhd.start + 24) : u32be(b, mdhd.start + 16)
    const unknown = v1 ? units >= 0xffff_ffff_ffff_f000 : units === 0xffff_ffff
    if (timescale > 0 && units > 0 && !unknown) {
      duration = units / timescale
      const elst = child(b, child(b, trak, "edts"), "elst")
      if (elst !== undefined && movieTimescale > 0) {
        const e1 = byteAt(b, elst.start) === 1
        const count = u32be(b, elst.start + 4)
        const step = e1 ? 20 : 12
        let delay = 0
        for (let k = 0, at = elst.start + 8; k < count && at + step <= elst.end; k++, at += step) {
          const segment = (e1 ? u64be(b, at) : u32be(b, at)) / movieTimescale
          const mediaTime = e1 ? u32be(b, at + 8) === 0xffff_ffff ? -1 : u64be(b, at + 8) : i32be(b, at + 4)
          if (mediaTime < 0) {
            delay += segment // an empty edit: silence before the media starts
            continue
          }
          const rest = (units - mediaTime) / timescale
          duration = delay + (segment > 0 ? Math.min(segment, rest) : rest)
          break
        }
      }
    }
  }
  return {
    entry: entry.type,
    ...(channels === undefined ? {} : { channels }),
    ...(duration === undefined ? {} : { duration })
  }
}

/** Reads the first audio track of an MP4 `moov` box found among the top-level boxes of `b`. */
export const parseMp4 = (b: Uint8Array): { readonly track?: Mp4Track } => {
  for (const box of boxes(b, 0, b.length)) {
    if (box.type !== "moov") continue
    const mvhd = child(b, box, "mvhd")
    const movieTimescale = mvhd === undefined ? 0 : u32be(b, mvhd.start + (byteAt(b, mvhd.start) === 1 ? 20 : 12))
    for (const trak of boxes(b, box.start, box.end)) {
      if (trak.type !== "trak") continue
      const track = mp4Track(b, trak, movieTimescale)
      if (track !== undefined) return { track }
    }
    return {}
  }
  return {}
}
