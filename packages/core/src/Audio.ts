/**
 * Audio facts read from the bytes: which container and codec an upload is, its media type,
 * duration, sample rate and channel count. A file name or a declared `Content-Type` is never
 * trusted; use this module to validate uploads against what a model accepts, to pick the
 * media type sent to a vendor, and to meter audio by its duration.
 *
 * - {@link sniff}: synchronous magic-number check of the first bytes.
 * - {@link probe}: full reading (music-metadata plus a few checks of our own), from memory or
 *   from a stream.
 * - {@link rawDuration}: headerless PCM, mu-law and a-law carry no facts, so their layout is
 *   given and only the arithmetic is done here.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { type IAudioMetadata, type IOptions, parseBuffer, parseWebStream } from "music-metadata"
import { UnsupportedFormat } from "./Errors.ts"
import { byteAt, hasAscii, u16le, u32le } from "./internal/bytes.ts"
import { id3v2Length, type MpegHeader, mpegHeaderAt } from "./internal/mpeg.ts"

// ---------------------------------------------------------------------------------------------
// Containers and media types
// ---------------------------------------------------------------------------------------------

/**
 * The audio containers Patchbay knows. `pcm` (s16le), `ulaw` and `alaw` are headerless raw
 * audio. Use it to validate a declared or configured format.
 *
 * @category schemas
 */
export const AudioContainer = Schema.Literals(["wav", "mp3", "ogg", "flac", "webm", "mp4", "aac", "pcm", "ulaw", "alaw"])
/** @category models */
export type AudioContainer = typeof AudioContainer.Type

/**
 * The containers {@link sniff} and {@link probe} recognise from bytes (all but the headerless
 * raw formats). Use it as the `allowed` list when telling a caller what an upload may be.
 *
 * @category constants
 */
export const sniffableContainers: ReadonlyArray<AudioContainer> = ["wav", "mp3", "ogg", "flac", "webm", "mp4", "aac"]

const mediaTypes: Record<AudioContainer, string> = {
  wav: "audio/wav",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  flac: "audio/flac",
  webm: "audio/webm",
  mp4: "audio/mp4",
  aac: "audio/aac",
  // Headerless s16le has no registered media type: audio/L16 (RFC 2586) is big-endian, so
  // labelling little-endian bytes with it would be wrong. Its layout travels out of band.
  pcm: "application/octet-stream",
  ulaw: "audio/basic",
  alaw: "audio/x-alaw-basic"
}

/**
 * The media type to send for a container (`mp3` → `audio/mpeg`, …). Headerless `pcm` (s16le)
 * maps to `application/octet-stream`: `audio/L16` means big-endian by RFC 2586, so the
 * sample layout has to be sent out of band (e.g. a vendor's `encoding`/`sample_rate` fields).
 * Use it for the `Content-Type` of an upload.
 *
 * @category media types
 */
export const mediaTypeOf = (container: AudioContainer): string => mediaTypes[container]

const mediaTypeAliases: Record<string, AudioContainer> = {
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/wave": "wav",
  "audio/vnd.wave": "wav",
  "audio/x-pn-wav": "wav",
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
  "audio/x-mp3": "mp3",
  "audio/mpeg3": "mp3",
  "audio/x-mpeg": "mp3",
  "audio/x-mpeg-3": "mp3",
  "audio/ogg": "ogg",
  "application/ogg": "ogg",
  "audio/x-ogg": "ogg",
  "audio/opus": "ogg",
  "audio/vorbis": "ogg",
  "audio/flac": "flac",
  "audio/x-flac": "flac",
  "audio/webm": "webm",
  "video/webm": "webm",
  "audio/x-matroska": "webm",
  "audio/mp4": "mp4",
  "audio/m4a": "mp4",
  "audio/x-m4a": "mp4",
  "video/mp4": "mp4",
  "audio/aac": "aac",
  "audio/x-aac": "aac",
  "audio/aacp": "aac",
  "audio/x-hx-aac-adts": "aac",
  "audio/pcm": "pcm",
  "audio/x-pcm": "pcm",
  "audio/basic": "ulaw",
  "audio/pcmu": "ulaw",
  "audio/ulaw": "ulaw",
  "audio/mulaw": "ulaw",
  "audio/x-mulaw": "ulaw",
  "audio/x-alaw-basic": "alaw",
  "audio/pcma": "alaw",
  "audio/alaw": "alaw",
  "audio/x-alaw": "alaw"
}

/**
 * The container a media type names, accepting common aliases (`audio/x-wav`, `audio/mp3`,
 * `audio/m4a`, `video/webm`, `audio/pcmu`, …) and ignoring parameters (`audio/webm;
 * codecs=opus`) and case; `undefined` when unknown. `application/octet-stream` and
 * `audio/L16` (big-endian) are not mapped to `pcm`. Use it to read a caller's declared format,
 * then trust {@link probe} over it.
 *
 * @category media types
 */
export const containerOfMediaType = (mediaType: string): AudioContainer | undefined => {
  const essence = mediaType.split(";")[0]?.trim().toLowerCase() ?? ""
  return Object.hasOwn(mediaTypeAliases, essence) ? mediaTypeAliases[essence] : undefined
}

// ---------------------------------------------------------------------------------------------
// Byte helpers
// ---------------------------------------------------------------------------------------------



const u16be = (b: Uint8Array, i: number) => (byteAt(b, i) << 8) | byteAt(b, i + 1)
const u32be = (b: Uint8Array, i: number) => u16be(b, i) * 0x10000 + u16be(b, i + 2)
const u64be = (b: Uint8Array, i: number) => u32be(b, i) * 0x1_0000_0000 + u32be(b, i + 4)
const i32be = (b: Uint8Array, i: number) => u32be(b, i) | 0
const ascii = (b: Uint8Array, at: number, length: number) =>
  String.fromCharCode(...b.subarray(at, Math.min(b.length, at + length)))

const indexOfAscii = (b: Uint8Array, text: string, from = 0): number => {
  const first = text.charCodeAt(0)
  for (let i = b.indexOf(first, from); i !== -1; i = b.indexOf(first, i + 1)) {
    if (hasAscii(b, i, text)) return i
  }
  return -1
}

// ---------------------------------------------------------------------------------------------
// MPEG audio and ADTS frame headers
// ---------------------------------------------------------------------------------------------

const adtsSampleRates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350] as const

type FrameHeader =
  | { readonly kind: "mpeg"; readonly version: MpegHeader["version"]; readonly layer: 1 | 2 | 3; readonly length: number }
  | { readonly kind: "adts"; readonly length: number; readonly sampleRate: number; readonly blocks: number }

/** Reads an MPEG audio or ADTS frame header at `at` (4 or 7 bytes needed). */
const frameHeader = (b: Uint8Array, at: number): FrameHeader | undefined => {
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
const confirmedFrame = (b: Uint8Array, at: number): FrameHeader | undefined => {
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
// sniff
// ---------------------------------------------------------------------------------------------

/**
 * What {@link sniff} finds: the container, its media type and, when the first bytes say, the
 * codec (ffmpeg-style names: `pcm_s16le`, `mp3`, `opus`, `vorbis`, `flac`, `aac`, …).
 *
 * @category models
 */
export interface Sniffed {
  readonly container: AudioContainer
  readonly media_type: string
  readonly codec?: string
}

const sniffed = (container: AudioContainer, codec?: string): Sniffed =>
  codec === undefined
    ? { container, media_type: mediaTypeOf(container) }
    : { container, media_type: mediaTypeOf(container), codec }

const wavCodec = (b: Uint8Array): string | undefined => {
  for (let at = 12; at + 8 <= b.length;) {
    const size = u32le(b, at + 4)
    if (hasAscii(b, at, "fmt ")) {
      if (at + 24 > b.length) return undefined
      let tag = u16le(b, at + 8)
      const bits = u16le(b, at + 22)
      if (tag === 0xfffe && at + 34 <= b.length) tag = u16le(b, at + 32) // WAVE_FORMAT_EXTENSIBLE
      switch (tag) {
        case 1:
          return bits === 8 ? "pcm_u8" : bits === 16 ? "pcm_s16le" : bits === 24 ? "pcm_s24le" : bits === 32 ? "pcm_s32le" : "pcm"
        case 3:
          return bits === 64 ? "pcm_f64le" : "pcm_f32le"
        case 6:
          return "alaw"
        case 7:
          return "ulaw"
        case 0x55:
          return "mp3"
        default:
          return undefined
      }
    }
    at += 8 + size + (size % 2)
  }
  return undefined
}

const oggCodec = (b: Uint8Array): string | undefined => {
  const packet = 27 + byteAt(b, 26)
  if (hasAscii(b, packet, "OpusHead")) return "opus"
  if (byteAt(b, packet) === 0x01 && hasAscii(b, packet + 1, "vorbis")) return "vorbis"
  if (byteAt(b, packet) === 0x7f && hasAscii(b, packet + 1, "FLAC")) return "flac"
  if (hasAscii(b, packet, "Speex   ")) return "speex"
  return undefined
}

const matroskaCodecs: ReadonlyArray<readonly [string, string]> = [
  ["A_OPUS", "opus"],
  ["A_VORBIS", "vorbis"],
  ["A_AAC", "aac"],
  ["A_MPEG/L3", "mp3"],
  ["A_FLAC", "flac"],
  ["A_PCM/INT/LIT", "pcm"]
]
const webmCodec = (b: Uint8Array): string | undefined => {
  let best: { at: number; codec: string } | undefined
  for (const [id, codec] of matroskaCodecs) {
    const at = indexOfAscii(b, id)
    if (at !== -1 && (best === undefined || at < best.at)) best = { at, codec }
  }
  return best?.codec
}

const mp4Codecs: Record<string, string> = {
  mp4a: "aac",
  Opus: "opus",
  fLaC: "flac",
  alac: "alac",
  "ac-3": "ac3",
  "ec-3": "eac3",
  ".mp3": "mp3",
  ulaw: "ulaw",
  alaw: "alaw"
}

const afterId3 = (b: Uint8Array): Sniffed => {
  let at = 0
  for (let length = id3v2Length(b, at); length !== undefined; length = id3v2Length(b, at)) at += length
  if (hasAscii(b, at, "fLaC")) return sniffed("flac", "flac")
  const header = frameHeader(b, at)
  if (header?.kind === "adts") return sniffed("aac", "aac")
  if (header?.kind === "mpeg") return sniffed("mp3", `mp${header.layer}`)
  // The frame after the tag is not in these bytes (a large cover image): ID3 means MPEG audio.
  return sniffed("mp3")
}

/**
 * Detects the container (and codec when visible) from the first bytes — RIFF/WAVE, ID3 or an
 * MPEG frame sync (mp3), OggS, fLaC, EBML (webm), an `ftyp` box (mp4/m4a), ADTS (aac).
 * Synchronous and cheap: a few hundred bytes suffice, 16 KiB see codecs in most headers.
 * `undefined` for anything else, including headerless pcm/ulaw/alaw, which have no magic
 * number. Use it to reject an upload early or label bytes; use {@link probe} for durations.
 *
 * @category sniffing
 */
export const sniff = (bytes: Uint8Array): Sniffed | undefined => {
  const b = bytes
  if ((hasAscii(b, 0, "RIFF") || hasAscii(b, 0, "RF64") || hasAscii(b, 0, "BW64")) && hasAscii(b, 8, "WAVE")) {
    return sniffed("wav", wavCodec(b))
  }
  if (hasAscii(b, 0, "ID3")) return afterId3(b)
  if (hasAscii(b, 0, "OggS")) return sniffed("ogg", oggCodec(b))
  if (hasAscii(b, 0, "fLaC")) return sniffed("flac", "flac")
  if (byteAt(b, 0) === 0x1a && byteAt(b, 1) === 0x45 && byteAt(b, 2) === 0xdf && byteAt(b, 3) === 0xa3) {
    return sniffed("webm", webmCodec(b))
  }
  if (hasAscii(b, 4, "ftyp")) {
    const entry = parseMp4(b).track?.entry
    return sniffed("mp4", entry === undefined ? undefined : mp4Codecs[entry])
  }
  const header = confirmedFrame(b, 0)
  if (header?.kind === "adts") return sniffed("aac", "aac")
  if (header?.kind === "mpeg") return sniffed("mp3", `mp${header.layer}`)
  return undefined
}

// ---------------------------------------------------------------------------------------------
// MP4: what music-metadata does not read (the esds channel layout and the edit list)
// ---------------------------------------------------------------------------------------------

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

interface Mp4Track {
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
const parseMp4 = (b: Uint8Array): { readonly track?: Mp4Track } => {
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

// ---------------------------------------------------------------------------------------------
// Walkers: small parsers fed chunk by chunk while music-metadata reads the same bytes
// ---------------------------------------------------------------------------------------------

/**
 * Parses the item at the start of `bytes` (absolute offset `offset`) and returns how many bytes
 * to advance (possibly past the bytes at hand, to skip), `undefined` to wait for more bytes,
 * or `"stop"`.
 */
type Step = (bytes: Uint8Array, offset: number) => number | undefined | "stop"

/** Facts a walker collects, keyed by container. */
interface Walk {
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

const walkFor = (s: Sniffed): Walk =>
  s.container === "mp4" ? mp4Walk() : s.container === "aac" ? adtsWalk() : s.container === "webm" ? webmWalk(s.codec) : noWalk

/** Whether the walker needs the bytes music-metadata did not read (or failed on). */
const wantsRest = (s: Sniffed, format: Format | undefined) =>
  s.container === "aac" || (s.container === "webm" && format?.duration === undefined)

/**
 * A WebM music-metadata cannot read may still be timed by its blocks: with clusters of unknown
 * size, as browsers' MediaRecorder writes them, its stream reader runs into the end.
 */
const walkable = (s: Sniffed, walk: Walk) => s.container === "webm" && walk.duration() !== undefined

// ---------------------------------------------------------------------------------------------
// probe
// ---------------------------------------------------------------------------------------------

/**
 * The facts {@link probe} reads from audio bytes. `duration_seconds` is the playable duration;
 * `sample_rate` in Hz (48000 for Opus, its only decoding rate); `bitrate` in bits per second,
 * the average when known.
 *
 * @category schemas
 */
export const AudioInfo = Schema.Struct({
  container: AudioContainer,
  codec: Schema.String,
  media_type: Schema.String,
  duration_seconds: Schema.Number,
  sample_rate: Schema.optionalKey(Schema.Number),
  channels: Schema.optionalKey(Schema.Number),
  bitrate: Schema.optionalKey(Schema.Number)
})
/** @category models */
export type AudioInfo = typeof AudioInfo.Type

/**
 * What a caller may know about a streamed input: its total `size` in bytes (e.g. from
 * `Content-Length`). With it music-metadata reports average bitrates (VBR mp3, FLAC, Ogg) and
 * times a CBR mp3 by its size instead of reading every frame.
 *
 * @category models
 */
export interface ProbeHint {
  readonly size?: number
}

/** How many leading bytes are gathered for {@link sniff} before a stream is parsed. */
const headBytes = 16 * 1024

const parseOptions: IOptions = { duration: true, skipCovers: true }

type Format = IAudioMetadata["format"]

type Parsed =
  | {
    readonly _tag: "Parsed"
    readonly sniffed: Sniffed
    /** What music-metadata read; empty when it failed on a WebM the walker could time. */
    readonly format: Partial<Format>
    readonly walk: Walk
    /** Whether music-metadata knew the total size (CBR durations and VBR averages need it). */
    readonly sized: boolean
  }
  | { readonly _tag: "Unsupported"; readonly format: string; readonly detail: string }

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const hex = (b: Uint8Array) =>
  Array.from(b.subarray(0, 8), (v) => v.toString(16).padStart(2, "0")).join(" ")

const unrecognised = (head: Uint8Array): Parsed => ({
  _tag: "Unsupported",
  format: "unknown",
  detail: head.length === 0 ? "no bytes" : `unrecognised audio bytes (starting ${hex(head)})`
})

const parseBytes = async (bytes: Uint8Array): Promise<Parsed> => {
  const found = sniff(bytes)
  if (found === undefined) return unrecognised(bytes)
  const walk = walkFor(found)
  walk.push(bytes)
  walk.end(true)
  try {
    const { format } = await parseBuffer(bytes, { size: bytes.byteLength }, parseOptions)
    return { _tag: "Parsed", sniffed: found, format, walk, sized: true }
  } catch (error) {
    if (walkable(found, walk)) return { _tag: "Parsed", sniffed: found, format: {}, walk, sized: true }
    return { _tag: "Unsupported", format: found.container, detail: describe(error) }
  }
}

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0))
  chunks.reduce((at, chunk) => (out.set(chunk, at), at + chunk.length), 0)
  return out
}

const parseStream = async (
  input: ReadableStream<Uint8Array>,
  size: number | undefined,
  signal: AbortSignal
): Promise<Parsed> => {
  const reader = input.getReader()
  let finished = false
  // Interruption cancels the source: a pending read resolves and the parse stops.
  const onAbort = () => void reader.cancel(signal.reason).catch(() => {})
  signal.addEventListener("abort", onAbort, { once: true })
  // A failing source (a client that went away) fails the probe, even where a walker could go on.
  let sourceFailure: { readonly error: unknown } | undefined
  const read = async () => {
    const result = await reader.read().catch((error: unknown) => {
      sourceFailure = { error }
      throw error
    })
    signal.throwIfAborted()
    if (result.done) finished = true
    return result
  }
  const pending: Array<Uint8Array> = []
  let found: Sniffed | undefined
  try {
    for (let length = 0; length < headBytes;) {
      const result = await read()
      if (result.done) break
      pending.push(result.value)
      length += result.value.length
    }
    const head = concat(pending)
    found = sniff(head)
    if (found === undefined) return unrecognised(head)
    const walk = walkFor(found)
    for (const chunk of pending) walk.push(chunk)
    // music-metadata reads the head again, then the rest; the walker sees every new chunk.
    // Its cancel (when it has read enough) does not reach the source: we decide below.
    const replay = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = pending.shift()
        if (next !== undefined) return controller.enqueue(next)
        const result = finished ? undefined : await read()
        if (result === undefined || result.done) return controller.close()
        walk.push(result.value)
        controller.enqueue(result.value)
      }
    })
    let format: Format | undefined
    let failure: unknown
    try {
      format = (await parseWebStream(replay, size === undefined ? undefined : { size }, parseOptions)).format
    } catch (error) {
      signal.throwIfAborted()
      if (sourceFailure !== undefined) throw sourceFailure.error
      failure = error
    }
    if (wantsRest(found, format)) {
      for (let result = finished ? undefined : await read(); result !== undefined && !result.done; result = await read()) {
        walk.push(result.value)
      }
    }
    walk.end(finished)
    if (format === undefined && !walkable(found, walk)) {
      return { _tag: "Unsupported", format: found.container, detail: describe(failure) }
    }
    return { _tag: "Parsed", sniffed: found, format: format ?? {}, walk, sized: size !== undefined }
  } catch (error) {
    signal.throwIfAborted()
    const format = (found ?? sniff(concat(pending)))?.container ?? "unknown"
    return { _tag: "Unsupported", format, detail: describe(error) }
  } finally {
    signal.removeEventListener("abort", onAbort)
    if (!finished) await reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}

const codecNames: ReadonlyArray<readonly [RegExp, string]> = [
  [/layer 3/i, "mp3"],
  [/layer 2/i, "mp2"],
  [/layer 1/i, "mp1"],
  [/aac/i, "aac"],
  [/opus/i, "opus"],
  [/vorbis/i, "vorbis"],
  [/flac/i, "flac"],
  [/alac/i, "alac"]
]

const codecOf = (found: Sniffed, format: Partial<Format>): string => {
  if (found.codec !== undefined) return found.codec
  const name = format.codec
  if (name === undefined) return "unknown"
  if (/^pcm$/i.test(name)) return format.bitsPerSample === 16 ? "pcm_s16le" : "pcm"
  return codecNames.find(([pattern]) => pattern.test(name))?.[1] ?? name.toLowerCase()
}

const positive = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n) && n > 0

const toInfo = (found: Sniffed, format: Partial<Format>, walk: Walk, sized: boolean): AudioInfo | string => {
  const codec = codecOf(found, format)
  // ADTS frames and the MP4 edit list are read by the walkers; WebM blocks only time a WebM
  // whose header has no Duration.
  const duration = found.container === "aac" || found.container === "mp4"
    ? walk.duration() ?? format.duration
    : format.duration ?? walk.duration()
  if (duration === undefined || !Number.isFinite(duration) || duration < 0) {
    return "the duration could not be determined (truncated or empty audio?)"
  }
  const sampleRate = codec === "opus" ? 48000 : format.sampleRate
  const channels = walk.channels() ?? format.numberOfChannels
  // Without the size, music-metadata's bitrate of a VBR mp3 is one frame's, not the average.
  const bitrate = !sized && format.codecProfile?.startsWith("V") === true ? undefined : format.bitrate
  return {
    container: found.container,
    codec,
    media_type: found.media_type,
    duration_seconds: duration,
    ...(positive(sampleRate) ? { sample_rate: sampleRate } : {}),
    ...(positive(channels) ? { channels } : {}),
    ...(positive(bitrate) ? { bitrate: Math.round(bitrate) } : {})
  }
}

/**
 * Reads container, codec, media type, duration, sample rate, channels and bitrate from audio
 * bytes (music-metadata with a full-duration scan, so mp3 without a Xing header is timed by its
 * frames; plus our own reading of ADTS frames, the MP4 esds/edit list, and WebM blocks when
 * there is no Duration element). A stream is read once, as far as needed, and cancelled when
 * the effect is interrupted or done; in-memory bytes hold no resource, so interruption just
 * drops their parse. Fails with `UnsupportedFormat` (field `audio_file`) for bytes that are not
 * a sniffable container or cannot be decoded, including headerless pcm/ulaw/alaw (see
 * {@link rawDuration}). Use it on every upload before choosing a model or metering.
 *
 * @category probing
 */
export const probe = Effect.fn("Audio.probe")(function*(
  input: Uint8Array | ReadableStream<Uint8Array>,
  hint?: ProbeHint
) {
  const parsed = yield* Effect.tryPromise({
    try: (signal) => (input instanceof Uint8Array ? parseBytes(input) : parseStream(input, hint?.size, signal)),
    catch: (cause) => unsupported("unknown", describe(cause))
  })
  if (parsed._tag === "Unsupported") return yield* Effect.fail(unsupported(parsed.format, parsed.detail))
  const info = toInfo(parsed.sniffed, parsed.format, parsed.walk, parsed.sized)
  if (typeof info === "string") return yield* Effect.fail(unsupported(parsed.sniffed.container, info))
  return info
})

const unsupported = (format: string, detail: string) =>
  new UnsupportedFormat({ format, field: "audio_file", allowed: [...sniffableContainers], detail })

// ---------------------------------------------------------------------------------------------
// Headerless raw audio
// ---------------------------------------------------------------------------------------------

/**
 * The sample encodings of headerless audio: 16-bit little-endian PCM, G.711 mu-law, G.711 a-law.
 *
 * @category schemas
 */
export const RawEncoding = Schema.Literals(["pcm_s16le", "ulaw", "alaw"])
/** @category models */
export type RawEncoding = typeof RawEncoding.Type

/**
 * The layout of headerless audio, which the bytes cannot tell: their length, sample rate (Hz),
 * channel count and sample encoding.
 *
 * @category models
 */
export interface RawAudioLayout {
  readonly bytes: number
  readonly sample_rate: number
  readonly channels: number
  readonly encoding: RawEncoding
}

const bytesPerSample: Record<RawEncoding, number> = { pcm_s16le: 2, ulaw: 1, alaw: 1 }

/**
 * The duration in seconds of headerless audio: bytes / (bytes per sample × channels × rate).
 * `NaN` when the rate or channel count is not positive. Use it for pcm/ulaw/alaw uploads and
 * vendor outputs, whose layout comes from the request, not from the bytes.
 *
 * @category raw audio
 */
export const rawDuration = (layout: RawAudioLayout): number =>
  layout.sample_rate > 0 && layout.channels > 0
    ? layout.bytes / (bytesPerSample[layout.encoding] * layout.channels * layout.sample_rate)
    : Number.NaN

/**
 * Whether a headerless length is a whole number of frames (one sample per channel): false
 * for a cut-off sample, e.g. an odd byte count of 16-bit PCM. Use it to reject truncated raw
 * uploads or to catch a wrong declared layout.
 *
 * @category raw audio
 */
export const rawAudioLengthIsConsistent = (layout: Pick<RawAudioLayout, "bytes" | "channels" | "encoding">): boolean =>
  Number.isInteger(layout.bytes) && layout.bytes >= 0 && Number.isInteger(layout.channels) && layout.channels > 0 &&
  layout.bytes % (bytesPerSample[layout.encoding] * layout.channels) === 0
