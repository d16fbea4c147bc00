/**
 * Joins the audio files of a reply synthesized sentence by sentence into ONE valid file, as the
 * bytes arrive. Each TTS response (a segment) is pushed through a {@link SegmentTransform}; the
 * chunks that come out, segment after segment, concatenated, are the stored document (wav size
 * fields aside, which {@link Joiner.finalize} patches in the stored copy). Nothing is decoded or
 * re-encoded, and a transform holds back only the bytes it cannot decide on yet.
 *
 * - mp3: the MPEG frames pass through untouched. Segment 0 keeps its leading ID3v2 tag; every
 *   other ID3v2 tag (footer included) is dropped, and so are every segment's Xing/Info and VBRI
 *   frames and trailing ID3v1 and APEv2 tags. A Xing/Info/VBRI frame states the frame count,
 *   byte size and seek table of its own segment only: left in, players would report the first
 *   sentence's duration for the whole reply and seek wrongly. Without one, players time the
 *   file by its frames (or by its size, as CBR). The encoder delay and padding its LAME
 *   extension records are lost with it, so each join keeps the encoder's few ms of silence.
 * - wav: one canonical 44-byte header built from segment 0's `fmt ` (sizes 0xFFFFFFFF until
 *   {@link Joiner.finalize}), then the PCM data of every segment; every other chunk is skipped.
 * - pcm (s16le), ulaw, alaw: whole samples pass through as they are.
 * - opus/ogg, flac, aac: {@link makeJoiner} returns `undefined`; synthesize the text in one
 *   request instead (their headers or pages cannot be joined byte-wise).
 *
 * Pushed bytes are emitted by reference (as subarrays): do not mutate them after pushing.
 */
import type { GenericFormat } from "../Container.ts"
import type { Joiner, JoinFormat, SegmentTransform } from "../Join.ts"
import type { RawEncoding } from "../Meter.ts"
import { byteAt, hasAscii, u16le, u32le } from "./bytes.ts"
import { rawDuration } from "./meter.ts"
import {
  frameCounter,
  id3v2Length,
  infoProbeLength,
  isInfoFrame,
  type MpegHeader,
  mpegHeaderAt,
  sameStream
} from "./mpeg.ts"

// ---------------------------------------------------------------------------------------------
// Contracts
// ---------------------------------------------------------------------------------------------

/** Segments that cannot be joined into one valid file (not a RIFF/WAVE response, formats that differ, …). */
export class AudioJoinError extends Error {
  override readonly name = "AudioJoinError"
}

export const makeJoiner = (format: JoinFormat): Joiner | undefined => {
  switch (format.format) {
    case "mp3":
      return mp3Joiner()
    case "wav":
      return wavJoiner()
    case "pcm":
      return rawJoiner("pcm", "pcm_s16le", format)
    case "ulaw":
      return rawJoiner("ulaw", "ulaw", format)
    case "alaw":
      return rawJoiner("alaw", "alaw", format)
    case "opus":
    case "flac":
    case "aac":
      return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------------

const writeAscii = (b: Uint8Array, at: number, text: string) => {
  for (let i = 0; i < text.length; i++) b[at + i] = text.charCodeAt(i)
}

const writeU32le = (b: Uint8Array, at: number, value: number) => {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, value, true)
}

const empty = new Uint8Array(0)

/**
 * The bytes a transform holds back between pushes, contiguous so that a header split across
 * pushes is read in place. It grows by doubling (amortised linear copying) and never writes
 * over bytes it has handed out, so emitted views stay valid.
 */
class Held {
  private data: Uint8Array = empty
  private start = 0
  private end = 0
  get length(): number {
    return this.end - this.start
  }
  view(): Uint8Array {
    return this.data.subarray(this.start, this.end)
  }
  append(bytes: Uint8Array): void {
    if (this.end + bytes.length > this.data.length) {
      const kept = this.end - this.start
      const next = new Uint8Array(Math.max(256, 2 * (kept + bytes.length)))
      next.set(this.data.subarray(this.start, this.end))
      this.data = next
      this.start = 0
      this.end = kept
    }
    this.data.set(bytes, this.end)
    this.end += bytes.length
  }
  consume(n: number): void {
    this.start += n
    if (this.start >= this.end) {
      // Emitted views may point into `data`: start a new buffer rather than reuse it.
      this.data = empty
      this.start = 0
      this.end = 0
    }
  }
}

/**
 * A segment parser over contiguous bytes: it consumes (emits into `out` or drops) a prefix of
 * `bytes` and returns its length; the rest is held and offered again, with more, next time.
 * With `final` it must consume everything.
 */
type Run = (bytes: Uint8Array, final: boolean, out: Array<Uint8Array>) => number

const transformOf = (run: Run): SegmentTransform => {
  const held = new Held()
  let ended = false
  return {
    push(bytes) {
      if (ended) throw new AudioJoinError("push after end of the segment")
      const out: Array<Uint8Array> = []
      if (bytes.length === 0) return out
      if (held.length === 0) {
        // Fast path: nothing held, so the pushed bytes are parsed (and emitted) in place.
        const used = run(bytes, false, out)
        if (used < bytes.length) held.append(bytes.subarray(used))
      } else {
        held.append(bytes)
        held.consume(run(held.view(), false, out))
      }
      return out
    },
    end() {
      if (ended) return []
      ended = true
      const out: Array<Uint8Array> = []
      const rest = held.view()
      run(rest, true, out)
      held.consume(rest.length)
      return out
    }
  }
}

// ---------------------------------------------------------------------------------------------
// mp3
// ---------------------------------------------------------------------------------------------

const describeMpeg = (h: MpegHeader) => `MPEG-${h.version} layer ${"I".repeat(h.layer)} at ${h.sampleRate} Hz`

/** An APE tag header or footer (32 bytes starting `APETAGEX`) at `at`. */
interface ApeMark {
  /** Items plus footer, in bytes (the header is not counted). */
  readonly size: number
  readonly hasHeader: boolean
  readonly isHeader: boolean
}

const apeAt = (b: Uint8Array, at: number): ApeMark | undefined => {
  if (at + 32 > b.length || !hasAscii(b, at, "APETAGEX")) return undefined
  const size = u32le(b, at + 12)
  const flags = u32le(b, at + 20)
  if (size < 32 || size > 0x7fff_ffff) return undefined
  return { size, hasHeader: (flags & 0x8000_0000) !== 0, isHeader: (flags & 0x2000_0000) !== 0 }
}

/** Where `[from, to)` ends without a trailing 128-byte ID3v1 tag. */
const withoutId3v1 = (b: Uint8Array, from: number, to: number): number =>
  to - from >= 128 && hasAscii(b, to - 128, "TAG") ? to - 128 : to

/** The first segment's stream, which every later segment must match. */
interface Mp3Shared {
  reference: { readonly header: MpegHeader; readonly index: number } | undefined
}

/**
 * One mp3 segment: a parser that walks the frames by their headers.
 * - `sync`: at a frame boundary; needs 4 bytes (a header), 10 (ID3v2) or 32 (APE header), and
 *   for a frame up to 40 bytes (header, side information, tag), to spot a Xing/Info/VBRI frame.
 * - `pass` / `drop`: the rest of a frame or tag, by count, emitted as it arrives or dropped.
 * - `junk`: bytes that are no frame. They are held until a frame (confirmed by the next
 *   header) or an ID3v2/APE tag follows, and are then emitted as they are. An APE tag without
 *   header is found by its 32-byte footer, its items being in the held junk; at the end of the
 *   segment a trailing ID3v1 tag (128 bytes) is cut. This is also what holds back a trailing
 *   `TAG` or APE tag until the segment ends or a frame follows.
 */
const mp3Segment = (shared: Mp3Shared, index: number): SegmentTransform => {
  let mode: "sync" | "pass" | "drop" | "junk" = "sync"
  let left = 0
  /** In `junk`: how many held junk bytes were already scanned. */
  let scanned = 0
  /** Nothing seen yet: an ID3v2 tag here is the leading one. */
  let leading = true
  let reference: MpegHeader | undefined

  const fits = (h: MpegHeader) => reference === undefined || sameStream(reference, h)

  const firstFrame = (h: MpegHeader) => {
    reference = h
    const shown = shared.reference
    if (shown === undefined) shared.reference = { header: h, index }
    else if (!sameStream(shown.header, h)) {
      throw new AudioJoinError(
        `mp3 segment ${index} is ${describeMpeg(h)}, but segment ${shown.index} is ${describeMpeg(shown.header)}: ` +
          "every segment must be synthesized in the same output format"
      )
    }
  }

  const run: Run = (b, final, out) => {
    let at = 0
    const emit = (from: number, to: number) => {
      if (to > from) out.push(b.subarray(from, to))
    }
    for (;;) {
      const rest = b.length - at
      switch (mode) {
        case "pass":
        case "drop": {
          const n = Math.min(left, rest)
          if (mode === "pass") emit(at, at + n)
          at += n
          left -= n
          if (left > 0) return at
          mode = "sync"
          continue
        }
        case "sync": {
          if (rest === 0) return at
          if (rest < 4 && !final) return at
          const h = mpegHeaderAt(b, at)
          if (h !== undefined && fits(h)) {
            // A Xing/Info/VBRI frame (first in its file, but a vendor may have joined files
            // too) describes one segment only: drop it wherever it is.
            if (rest < infoProbeLength(h) && !final) return at
            if (reference === undefined) firstFrame(h)
            mode = isInfoFrame(b, at, h) ? "drop" : "pass"
            leading = false
            left = h.length
            continue
          }
          if (hasAscii(b, at, "ID3") && rest < 10 && !final) return at
          const tag = id3v2Length(b, at)
          if (tag !== undefined) {
            mode = index === 0 && leading ? "pass" : "drop"
            leading = false
            left = tag
            continue
          }
          if (hasAscii(b, at, "APET") && rest < 32 && !final) return at
          const ape = apeAt(b, at)
          if (ape !== undefined && (ape.isHeader || (!ape.hasHeader && ape.size === 32))) {
            mode = "drop"
            left = ape.isHeader ? 32 + ape.size : 32
            continue
          }
          mode = "junk"
          scanned = 0
          leading = false
          continue
        }
        case "junk": {
          // The held junk starts at `at`; look for what ends it.
          const limit = final ? b.length : b.length - 32
          let found = -1
          for (let p = at + scanned; p < limit; p++) {
            const c = byteAt(b, p)
            if (c === 0xff) {
              const h = mpegHeaderAt(b, p)
              if (h === undefined || !fits(h)) continue
              const next = p + h.length
              if (next + 4 > b.length) {
                if (!final) {
                  scanned = p - at // wait for the next header to confirm this one
                  return at
                }
                if (next !== b.length) continue
              } else {
                const following = mpegHeaderAt(b, next)
                if (following === undefined || !sameStream(h, following)) continue
              }
              found = p
              break
            }
            if (c === 0x49 /* I */ && id3v2Length(b, p) !== undefined) {
              found = p
              break
            }
            if (c === 0x41 /* A */) {
              const ape = apeAt(b, p)
              if (ape === undefined) continue
              if (ape.isHeader) {
                found = p
                break
              }
              // A footer whose items are in the held junk: drop the whole tag.
              const start = p + 32 - ape.size - (ape.hasHeader ? 32 : 0)
              if (start < at) continue
              emit(at, start)
              at = p + 32
              found = at
              break
            }
          }
          if (found !== -1) {
            emit(at, found)
            at = found
            mode = "sync"
            continue
          }
          if (!final) {
            scanned = Math.max(0, limit - at)
            return at
          }
          emit(at, withoutId3v1(b, at, b.length))
          return b.length
        }
      }
    }
  }
  return transformOf(run)
}

/** Seconds of audio in a joined mp3 file, by the one MPEG frame counter. */
const mp3Duration = (b: Uint8Array): number | undefined => {
  const counter = frameCounter()
  counter.push(b)
  return counter.end()
}

const mp3Joiner = (): Joiner => {
  const shared: Mp3Shared = { reference: undefined }
  return {
    format: "mp3",
    segment: (index) => mp3Segment(shared, index),
    finalize: (stored) => stored,
    duration: mp3Duration
  }
}

// ---------------------------------------------------------------------------------------------
// wav
// ---------------------------------------------------------------------------------------------

/** The facts of a `fmt ` chunk that decide whether data can be joined. */
interface WavFormat {
  /** The format tag (1 PCM, 3 float, 6 a-law, 7 mu-law, …), WAVE_FORMAT_EXTENSIBLE resolved. */
  readonly tag: number
  readonly channels: number
  readonly sampleRate: number
  readonly bits: number
  readonly blockAlign: number
  /** The first 16 bytes of the chunk body, with the resolved tag. */
  readonly body: Uint8Array
}

const readWavFormat = (b: Uint8Array, at: number, size: number): WavFormat => {
  const body = b.slice(at, at + 16)
  let tag = u16le(b, at)
  if (tag === 0xfffe && size >= 26) tag = u16le(b, at + 24) // the SubFormat GUID starts with the tag
  body[0] = tag & 0xff
  body[1] = tag >> 8
  const channels = u16le(b, at + 2)
  const bits = u16le(b, at + 14)
  const blockAlign = u16le(b, at + 12) || Math.max(1, channels * Math.ceil(bits / 8))
  return { tag, channels, sampleRate: u32le(b, at + 4), bits, blockAlign, body }
}

const describeWav = (f: WavFormat) =>
  `${f.sampleRate} Hz, ${f.channels} channel${f.channels === 1 ? "" : "s"}, ${f.bits}-bit (format tag ${f.tag})`

/** The canonical 44-byte header: RIFF and data sizes are 0xFFFFFFFF until finalize. */
const wavHeader = (f: WavFormat): Uint8Array => {
  const h = new Uint8Array(44)
  writeAscii(h, 0, "RIFF")
  writeU32le(h, 4, 0xffff_ffff)
  writeAscii(h, 8, "WAVEfmt ")
  writeU32le(h, 16, 16)
  h.set(f.body, 20)
  writeAscii(h, 36, "data")
  writeU32le(h, 40, 0xffff_ffff)
  return h
}

interface WavShared {
  reference: { readonly format: WavFormat; readonly index: number } | undefined
}

/** A data size that means "until the end": streaming writers cannot know it up front. */
const openSize = (size: number) => size === 0xffff_ffff || size === 0

/**
 * One wav segment: RIFF/WAVE header (12 bytes), then chunks (8-byte headers, bodies padded to
 * even sizes). `fmt ` is held whole (segment 0 writes the canonical header from it); data
 * passes in whole sample frames (a partial frame, under `blockAlign` bytes, is held; one cut
 * off at the end is dropped so later segments stay aligned); other chunks are skipped by count.
 */
const wavSegment = (shared: WavShared, index: number): SegmentTransform => {
  let mode: "riff" | "chunk" | "fmt" | "data" | "skip" = "riff"
  let left = 0
  let pad = 0
  let own: WavFormat | undefined
  let headerWritten = false

  const run: Run = (b, final, out) => {
    let at = 0
    for (;;) {
      const rest = b.length - at
      switch (mode) {
        case "riff": {
          if (rest < 12 && !final) return at
          if (rest === 0) break
          if (!(hasAscii(b, at, "RIFF") || hasAscii(b, at, "RF64")) || !hasAscii(b, at + 8, "WAVE")) {
            throw new AudioJoinError(`wav segment ${index} does not start with a RIFF/WAVE header`)
          }
          at += 12
          mode = "chunk"
          continue
        }
        case "chunk": {
          if (rest < 8) {
            if (!final) return at
            at = b.length // a cut-off chunk header carries nothing
            break
          }
          const size = u32le(b, at + 4)
          if (hasAscii(b, at, "fmt ")) {
            if (size < 16 || size > 1024) throw new AudioJoinError(`wav segment ${index} has a malformed fmt chunk`)
            left = size + (size & 1)
            mode = "fmt"
          } else if (hasAscii(b, at, "data")) {
            if (index === 0 && !headerWritten) {
              throw new AudioJoinError("wav segment 0 has its data before its fmt chunk")
            }
            left = openSize(size) ? Number.POSITIVE_INFINITY : size
            pad = size & 1
            mode = "data"
          } else {
            left = size + (size & 1)
            mode = "skip"
          }
          at += 8
          continue
        }
        case "fmt": {
          if (rest < left) {
            if (!final) return at
            at = b.length
            break
          }
          const format = readWavFormat(b, at, left)
          own = format
          const reference = shared.reference
          if (reference === undefined) shared.reference = { format, index }
          else if (
            reference.format.tag !== format.tag || reference.format.channels !== format.channels ||
            reference.format.sampleRate !== format.sampleRate || reference.format.bits !== format.bits
          ) {
            throw new AudioJoinError(
              `wav segment ${index} is ${describeWav(format)}, but segment ${reference.index} is ` +
                `${describeWav(reference.format)}: every segment must be synthesized in the same output format`
            )
          }
          if (index === 0) {
            out.push(wavHeader(format))
            headerWritten = true
          }
          at += left
          mode = "chunk"
          continue
        }
        case "skip": {
          const n = Math.min(left, rest)
          at += n
          left -= n
          if (left > 0) return at
          mode = "chunk"
          continue
        }
        case "data": {
          const blockAlign = (own ?? shared.reference?.format)?.blockAlign ?? 1
          const available = Math.min(left, rest)
          const whole = available - (available % blockAlign)
          if (whole > 0) out.push(b.subarray(at, at + whole))
          at += whole
          left -= whole
          if (left > 0 && available - whole === left) {
            at += left // the chunk ends inside a sample frame: drop the cut-off frame
            left = 0
          }
          if (left === 0) {
            left = pad
            mode = "skip"
            continue
          }
          if (!final) return at
          at = b.length // the segment ends inside a sample frame
          break
        }
      }
      break // only reached when final
    }
    if (final && index === 0 && !headerWritten) {
      throw new AudioJoinError("wav segment 0 ended before its fmt chunk: no header can be written")
    }
    return b.length
  }
  return transformOf(run)
}

/** The offset of a chunk's header in a RIFF/WAVE file, walking from the first chunk. */
const wavChunk = (b: Uint8Array, id: string): number | undefined => {
  if (!(hasAscii(b, 0, "RIFF") || hasAscii(b, 0, "RF64")) || !hasAscii(b, 8, "WAVE")) return undefined
  for (let at = 12; at + 8 <= b.length;) {
    if (hasAscii(b, at, id)) return at
    if (hasAscii(b, at, "data")) return undefined // data runs to the end in a joined file
    const size = u32le(b, at + 4)
    at += 8 + size + (size & 1)
  }
  return undefined
}

const wavFinalize = (stored: Uint8Array): Uint8Array => {
  const data = wavChunk(stored, "data")
  if (data === undefined) return stored
  const patched = stored.slice()
  writeU32le(patched, 4, Math.min(0xffff_ffff, patched.length - 8))
  writeU32le(patched, data + 4, Math.min(0xffff_ffff, patched.length - data - 8))
  return patched
}

const wavDuration = (b: Uint8Array): number | undefined => {
  const fmt = wavChunk(b, "fmt ")
  const data = wavChunk(b, "data")
  if (fmt === undefined || data === undefined) return undefined
  const format = readWavFormat(b, fmt + 8, u32le(b, fmt + 4))
  if (format.sampleRate === 0) return undefined
  const declared = u32le(b, data + 4)
  const present = b.length - data - 8
  const bytes = openSize(declared) || declared > present ? present : declared
  return bytes / (format.blockAlign * format.sampleRate)
}

const wavJoiner = (): Joiner => {
  const shared: WavShared = { reference: undefined }
  return {
    format: "wav",
    segment: (index) => wavSegment(shared, index),
    finalize: wavFinalize,
    duration: wavDuration
  }
}

// ---------------------------------------------------------------------------------------------
// pcm, ulaw, alaw
// ---------------------------------------------------------------------------------------------

/** Whole sample frames pass through; a cut-off one is held, and dropped at the end. */
const rawSegment = (blockAlign: number): SegmentTransform =>
  transformOf((b, final, out) => {
    const whole = final || blockAlign === 1 ? b.length : b.length - (b.length % blockAlign)
    const kept = final ? b.length - (b.length % blockAlign) : whole
    if (kept > 0) out.push(b.subarray(0, kept))
    return whole
  })

const rawJoiner = (format: GenericFormat, encoding: RawEncoding, output: JoinFormat): Joiner => {
  const channels = output.channels ?? 1
  const blockAlign = (encoding === "pcm_s16le" ? 2 : 1) * Math.max(1, channels)
  const sampleRate = output.sample_rate
  return {
    format,
    segment: () => rawSegment(blockAlign),
    finalize: (stored) => stored,
    duration: (stored) =>
      sampleRate === undefined ? undefined : rawDuration({ bytes: stored.length, sample_rate: sampleRate, channels, encoding })
  }
}
