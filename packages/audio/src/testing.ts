/**
 * Deterministic audio for fake providers and tests: silent CBR mp3 (MPEG Layer III) with
 * optional ID3v2, Xing/Info or VBRI, APEv2 and ID3v1 tags; sine-tone 16-bit PCM; wav (with an
 * optional LIST chunk, or the 0xFFFFFFFF sizes of a streamed wav); G.711 mu-law and a-law
 * tones. The same options always give the same bytes, and every file decodes (ffmpeg,
 * music-metadata) to the stated duration.
 */

// ---------------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------------

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength)

const le32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4)
  view(b).setUint32(0, n, true)
  return b
}

const syncsafe = (n: number): Array<number> => [(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]

// ---------------------------------------------------------------------------------------------
// mp3
// ---------------------------------------------------------------------------------------------

/** The sample rates of MPEG-1 (44100, 48000, 32000), MPEG-2 (22050, 24000, 16000) and MPEG-2.5. */
export type Mp3SampleRate = 44100 | 48000 | 32000 | 22050 | 24000 | 16000 | 11025 | 12000 | 8000

/** Options of {@link silentMp3}. */
export interface SilentMp3Options {
  /** Rounded to whole frames (1152 samples for MPEG-1, 576 for MPEG-2/2.5), at least one. */
  readonly seconds: number
  /** An {@link Mp3SampleRate} (a plain number is accepted, as output formats carry one); default 44100. */
  readonly sampleRate?: number
  /** A layer III bitrate of the version; default 128 (MPEG-1) or 64 (MPEG-2/2.5). */
  readonly bitrateKbps?: number
  /** Default 1 (mono). */
  readonly channels?: 1 | 2
  /** A leading ID3v2 tag (v2.3 with a title; v2.4 with a footer when `footer`). */
  readonly id3v2?: boolean | { readonly title?: string; readonly footer?: boolean }
  /** A first frame with a Xing (`"Xing"`) or Info (`true`/`"Info"`, LAME's CBR name) tag. */
  readonly xing?: boolean | "Xing" | "Info"
  /** A first frame with a Fraunhofer VBRI tag (after the Xing/Info frame when both are set). */
  readonly vbri?: boolean
  /** An APEv2 tag at the end (before ID3v1), with its header unless `header: false`. */
  readonly ape?: boolean | { readonly header?: boolean }
  /** A trailing 128-byte ID3v1 tag. */
  readonly id3v1?: boolean
}

const mp3Rates: Record<number, { readonly version: number; readonly index: number } | undefined> = {
  44100: { version: 3, index: 0 },
  48000: { version: 3, index: 1 },
  32000: { version: 3, index: 2 },
  22050: { version: 2, index: 0 },
  24000: { version: 2, index: 1 },
  16000: { version: 2, index: 2 },
  11025: { version: 0, index: 0 },
  12000: { version: 0, index: 1 },
  8000: { version: 0, index: 2 }
}
const layer3Bitrates = {
  v1: [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
} as const

/** The number of audio frames {@link silentMp3} writes for these options. */
export const silentMp3Frames = (options: Pick<SilentMp3Options, "seconds" | "sampleRate">): number => {
  const sampleRate = options.sampleRate ?? 44100
  const samples = sampleRate >= 32000 ? 1152 : 576
  return Math.max(1, Math.round((options.seconds * sampleRate) / samples))
}

const id3v2Tag = (options: { readonly title?: string; readonly footer?: boolean }): Uint8Array => {
  const footer = options.footer === true
  const text = ascii(options.title ?? "Patchbay test tone")
  const frameSize = 1 + text.length
  const frame = concat([
    ascii("TIT2"),
    Uint8Array.from(footer ? syncsafe(frameSize) : [frameSize >>> 24, (frameSize >> 16) & 0xff, (frameSize >> 8) & 0xff, frameSize & 0xff]),
    Uint8Array.of(0, 0, 0), // flags, ISO-8859-1
    text
  ])
  // v2.4 forbids padding with a footer; v2.3 gets some, as taggers write it.
  const body = footer ? frame : concat([frame, new Uint8Array(32)])
  const header = (id: string) => concat([ascii(id), Uint8Array.of(footer ? 4 : 3, 0, footer ? 0x10 : 0, ...syncsafe(body.length))])
  return concat(footer ? [header("ID3"), body, header("3DI")] : [header("ID3"), body])
}

const apeTag = (withHeader: boolean): Uint8Array => {
  const key = ascii("Title\0")
  const value = ascii("Patchbay")
  const item = new Uint8Array(8 + key.length + value.length)
  view(item).setUint32(0, value.length, true)
  item.set(key, 8)
  item.set(value, 8 + key.length)
  const mark = (isHeader: boolean) => {
    const b = new Uint8Array(32)
    b.set(ascii("APETAGEX"))
    const v = view(b)
    v.setUint32(8, 2000, true)
    v.setUint32(12, item.length + 32, true)
    v.setUint32(16, 1, true)
    v.setUint32(20, (withHeader ? 0x8000_0000 : 0) | (isHeader ? 0x2000_0000 : 0), true)
    return b
  }
  return concat(withHeader ? [mark(true), item, mark(false)] : [item, mark(false)])
}

const id3v1Tag = (): Uint8Array => {
  const tag = new Uint8Array(128)
  tag.set(ascii("TAG"))
  tag.set(ascii("Patchbay test tone"), 3) // title
  tag.set(ascii("2025"), 93) // year
  tag[127] = 255 // no genre
  return tag
}

/**
 * A valid CBR MPEG Layer III stream of silent frames: real frame headers (no CRC, padding
 * spread as an encoder does so the average bitrate is exact) over zeroed side information and
 * main data, which decode as silence. Options add a leading ID3v2 tag, a Xing/Info and/or VBRI
 * first frame counting the audio frames, and trailing APEv2 and ID3v1 tags. Use it as a fake
 * vendor's mp3 response; {@link silentMp3Frames} gives its audio frame count.
 */
export const silentMp3 = (options: SilentMp3Options): Uint8Array => {
  const sampleRate = options.sampleRate ?? 44100
  const rate = mp3Rates[sampleRate]
  if (rate === undefined) throw new RangeError(`not an MPEG sample rate: ${sampleRate}`)
  const mpeg1 = rate.version === 3
  const kbps = options.bitrateKbps ?? (mpeg1 ? 128 : 64)
  const table: ReadonlyArray<number> = mpeg1 ? layer3Bitrates.v1 : layer3Bitrates.v2
  const bitrateIndex = table.indexOf(kbps) + 1
  if (bitrateIndex === 0) throw new RangeError(`not a layer III bitrate of MPEG-${mpeg1 ? 1 : 2}: ${kbps} kbps`)
  const mono = (options.channels ?? 1) === 1
  const coefficient = mpeg1 ? 144 : 72
  const frameBytes = (padding: number) => Math.floor((coefficient * kbps * 1000) / sampleRate) + padding
  const frame = (padding: number) => {
    const b = new Uint8Array(frameBytes(padding))
    b[0] = 0xff
    b[1] = 0xe0 | (rate.version << 3) | (1 << 1) | 1 // layer III, no CRC
    b[2] = (bitrateIndex << 4) | (rate.index << 2) | (padding << 1)
    b[3] = mono ? 0xc0 : 0x00 // mono, or stereo
    return b
  }

  const count = silentMp3Frames({ seconds: options.seconds, sampleRate })
  const remainder = (coefficient * kbps * 1000) % sampleRate
  const audio: Array<Uint8Array> = []
  for (let i = 0, spread = 0; i < count; i++) {
    spread += remainder
    const padding = spread >= sampleRate ? 1 : 0
    if (padding === 1) spread -= sampleRate
    audio.push(frame(padding))
  }
  const audioBytes = audio.reduce((n, f) => n + f.length, 0)

  const info: Array<Uint8Array> = []
  const xing = options.xing === true ? "Info" : options.xing === false ? undefined : options.xing
  const infoFrames = (xing === undefined ? 0 : 1) + (options.vbri === true ? 1 : 0)
  const streamBytes = audioBytes + infoFrames * frameBytes(0)
  if (xing !== undefined) {
    const f = frame(0)
    const at = 4 + (mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17))
    if (at + 16 > f.length) throw new RangeError("the frames are too small for a Xing/Info tag")
    f.set(ascii(xing), at)
    const v = view(f)
    v.setUint32(at + 4, 0x03) // frames and bytes present
    v.setUint32(at + 8, count)
    v.setUint32(at + 12, streamBytes)
    info.push(f)
  }
  if (options.vbri === true) {
    const f = frame(0)
    if (36 + 26 > f.length) throw new RangeError("the frames are too small for a VBRI tag")
    f.set(ascii("VBRI"), 36)
    const v = view(f)
    v.setUint16(40, 1) // version
    v.setUint16(42, 0) // delay
    v.setUint16(44, 75) // quality
    v.setUint32(46, streamBytes)
    v.setUint32(50, count)
    v.setUint16(54, 0) // no table of contents
    v.setUint16(56, 1)
    v.setUint16(58, 2)
    v.setUint16(60, 0)
    info.push(f)
  }

  const id3v2 = options.id3v2 === undefined || options.id3v2 === false
    ? []
    : [id3v2Tag(options.id3v2 === true ? {} : options.id3v2)]
  const ape = options.ape === undefined || options.ape === false
    ? []
    : [apeTag(options.ape === true || options.ape.header !== false)]
  const id3v1 = options.id3v1 === true ? [id3v1Tag()] : []
  return concat([...id3v2, ...info, ...audio, ...ape, ...id3v1])
}

// ---------------------------------------------------------------------------------------------
// PCM, wav, G.711
// ---------------------------------------------------------------------------------------------

/** Options of the tone generators: {@link pcm16}, {@link wav}, {@link ulaw}, {@link alaw}. */
export interface ToneOptions {
  /** Rounded to whole samples. */
  readonly seconds: number
  readonly sampleRate: number
  /** Default 1; every channel carries the same tone. */
  readonly channels?: number
  /** Hz, default 440. */
  readonly frequency?: number
}

/** The tone as 16-bit samples: a quarter of full scale, so it is audible and never clips. */
const toneSamples = (options: ToneOptions): Int16Array => {
  const channels = options.channels ?? 1
  const frequency = options.frequency ?? 440
  const frames = Math.round(options.seconds * options.sampleRate)
  const samples = new Int16Array(frames * channels)
  for (let i = 0; i < frames; i++) {
    const value = Math.round(8192 * Math.sin((2 * Math.PI * frequency * i) / options.sampleRate))
    for (let c = 0; c < channels; c++) samples[i * channels + c] = value
  }
  return samples
}

/**
 * Headerless 16-bit little-endian PCM (interleaved) of a sine tone. Use it as a fake vendor's
 * `pcm` response.
 */
export const pcm16 = (options: ToneOptions): Uint8Array => {
  const samples = toneSamples(options)
  const out = new Uint8Array(samples.length * 2)
  const v = view(out)
  samples.forEach((s, i) => v.setInt16(i * 2, s, true))
  return out
}

/** Options of {@link wav}. */
export interface WavOptions extends ToneOptions {
  /** A LIST/INFO chunk (odd-sized, so padded) between `fmt ` and `data`. */
  readonly list?: boolean
  /** RIFF and data sizes 0xFFFFFFFF, as a wav streamed by a vendor has. */
  readonly streaming?: boolean
}

/**
 * A 16-bit PCM wav of a sine tone: a 44-byte header and {@link pcm16} data, optionally with a
 * LIST chunk before the data or streaming (unknown) sizes. Use it as a fake vendor's `wav`
 * response.
 */
export const wav = (options: WavOptions): Uint8Array => {
  const channels = options.channels ?? 1
  const data = pcm16(options)
  const fmt = new Uint8Array(24)
  fmt.set(ascii("fmt "))
  const f = view(fmt)
  f.setUint32(4, 16, true)
  f.setUint16(8, 1, true)
  f.setUint16(10, channels, true)
  f.setUint32(12, options.sampleRate, true)
  f.setUint32(16, options.sampleRate * channels * 2, true)
  f.setUint16(20, channels * 2, true)
  f.setUint16(22, 16, true)
  const software = ascii("Patchbay\0") // odd: the chunk gets a pad byte
  const list = options.list === true
    ? concat([ascii("LIST"), le32(4 + 8 + software.length), ascii("INFOISFT"), le32(software.length), software, new Uint8Array(software.length & 1)])
    : new Uint8Array(0)
  const streaming = options.streaming === true
  const riffSize = 4 + fmt.length + list.length + 8 + data.length
  return concat([
    ascii("RIFF"),
    le32(streaming ? 0xffff_ffff : riffSize),
    ascii("WAVE"),
    fmt,
    list,
    ascii("data"),
    le32(streaming ? 0xffff_ffff : data.length),
    data
  ])
}

/** G.711 mu-law of one 16-bit sample (the Sun reference encoder). */
const ulawByte = (sample: number): number => {
  let value = sample >> 2
  let mask = 0xff
  if (value < 0) {
    value = -value
    mask = 0x7f
  }
  value = Math.min(value, 8159) + 0x21
  let segment = 0
  while (segment < 8 && value >= 0x40 << segment) segment++
  if (segment >= 8) return 0x7f ^ mask
  return (((segment << 4) | ((value >> (segment + 1)) & 0x0f)) ^ mask) & 0xff
}

/** G.711 a-law of one 16-bit sample (the Sun reference encoder). */
const alawByte = (sample: number): number => {
  let value = sample >> 3
  let mask = 0xd5
  if (value < 0) {
    value = -value - 1
    mask = 0x55
  }
  let segment = 0
  while (segment < 8 && value >= 0x20 << segment) segment++
  if (segment >= 8) return 0x7f ^ mask
  const low = segment < 2 ? (value >> 1) & 0x0f : (value >> segment) & 0x0f
  return ((segment << 4) | low) ^ mask
}

/** Headerless G.711 mu-law of a sine tone. Use it as a fake vendor's `ulaw` response. */
export const ulaw = (options: ToneOptions): Uint8Array => Uint8Array.from(toneSamples(options), ulawByte)

/** Headerless G.711 a-law of a sine tone. Use it as a fake vendor's `alaw` response. */
export const alaw = (options: ToneOptions): Uint8Array => Uint8Array.from(toneSamples(options), alawByte)
