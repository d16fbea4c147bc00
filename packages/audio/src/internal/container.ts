/**
 * Sniffing and media types: the one table of audio media types in Patchbay (each container's
 * media type, file extension and the aliases callers send), and the magic-number check of the
 * first bytes.
 *
 * The sniffing is hand-written. `file-type` (which music-metadata installs) finds the same
 * containers on every fixture, but: it is asynchronous only, and `sniff` runs synchronously on
 * the first bytes of every upload and every synthesized reply; it takes any bytes that start
 * with an MPEG frame sync for mp3, where we ask the next frame header to confirm; it names no
 * codec (Opus in Ogg aside) and labels audio-only WebM and M4A as `video/webm` and
 * `audio/x-m4a`; and it takes about four times as long per call. `test/Audio.test.ts` checks
 * both against each other on the fixtures.
 */
import type { AudioContainer, GenericFormat, Sniffed } from "../Container.ts"
import { byteAt, hasAscii, indexOfAscii, u16le, u32le } from "./bytes.ts"
import { parseMp4 } from "./mp4.ts"
import { confirmedFrame, frameHeader, id3v2Length } from "./mpeg.ts"

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

interface Row {
  /** The media type sent for it. */
  readonly mediaType: string
  /** The usual file extension. */
  readonly extension: string
  /** Other media types callers and vendors use for it (lower case, no parameters). */
  readonly aliases: ReadonlyArray<string>
}

const table: Record<AudioContainer, Row> = {
  wav: { mediaType: "audio/wav", extension: "wav", aliases: ["audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/x-pn-wav"] },
  mp3: {
    mediaType: "audio/mpeg",
    extension: "mp3",
    aliases: ["audio/mp3", "audio/x-mp3", "audio/mpeg3", "audio/x-mpeg", "audio/x-mpeg-3"]
  },
  ogg: { mediaType: "audio/ogg", extension: "ogg", aliases: ["application/ogg", "audio/x-ogg", "audio/opus", "audio/vorbis"] },
  flac: { mediaType: "audio/flac", extension: "flac", aliases: ["audio/x-flac"] },
  webm: { mediaType: "audio/webm", extension: "webm", aliases: ["video/webm", "audio/x-matroska"] },
  mp4: { mediaType: "audio/mp4", extension: "m4a", aliases: ["audio/m4a", "audio/x-m4a", "video/mp4"] },
  aac: { mediaType: "audio/aac", extension: "aac", aliases: ["audio/x-aac", "audio/aacp", "audio/x-hx-aac-adts"] },
  // Headerless s16le has no registered media type: audio/L16 (RFC 2586) is big-endian, so
  // labelling little-endian bytes with it would be wrong. Its layout travels out of band.
  pcm: { mediaType: "application/octet-stream", extension: "pcm", aliases: ["audio/pcm", "audio/x-pcm"] },
  ulaw: {
    mediaType: "audio/basic",
    extension: "ulaw",
    aliases: ["audio/pcmu", "audio/ulaw", "audio/mulaw", "audio/x-mulaw"]
  },
  alaw: { mediaType: "audio/x-alaw-basic", extension: "alaw", aliases: ["audio/pcma", "audio/alaw", "audio/x-alaw"] }
}

const byMediaType: ReadonlyMap<string, AudioContainer> = new Map(
  (Object.entries(table) as Array<[AudioContainer, Row]>).flatMap(([container, row]) =>
    [row.mediaType, ...row.aliases].filter((type) => type !== "application/octet-stream").map((type) => [type, container] as const)
  )
)

export const mediaTypeOf = (container: AudioContainer): string => table[container].mediaType

export const extensionOf = (container: AudioContainer): string => table[container].extension

export const containerOfMediaType = (mediaType: string): AudioContainer | undefined =>
  byMediaType.get(mediaType.split(";")[0]?.trim().toLowerCase() ?? "")

/** The container of each generic format: Opus is sent in Ogg, the others are their own. */
export const containerOfFormat = (format: GenericFormat): AudioContainer => (format === "opus" ? "ogg" : format)

// ---------------------------------------------------------------------------------------------
// sniff
// ---------------------------------------------------------------------------------------------

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
