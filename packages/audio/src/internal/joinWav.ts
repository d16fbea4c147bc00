/**
 * Joining wav segments: one canonical 44-byte header built from segment 0's `fmt ` (sizes
 * 0xFFFFFFFF until `finalize` patches them), then the PCM data of every segment in whole sample
 * frames; every other chunk is skipped (see `join.ts`).
 */
import type { Joiner, SegmentTransform } from "../Join.ts"
import { hasAscii, u16le, u32le } from "./bytes.ts"
import { AudioJoinError, type Run, transformOf, writeAscii, writeU32le } from "./segments.ts"

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

export const wavJoiner = (): Joiner => {
  const shared: WavShared = { reference: undefined }
  return {
    format: "wav",
    segment: (index) => wavSegment(shared, index),
    finalize: wavFinalize,
    duration: wavDuration
  }
}
