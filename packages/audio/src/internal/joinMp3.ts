/**
 * Joining mp3 segments: the MPEG frames pass through untouched; segment 0 keeps its leading
 * ID3v2 tag; every other ID3v2 tag, every Xing/Info/VBRI frame and trailing ID3v1 and APEv2 tags
 * are dropped (see `join.ts`). A joined file is timed by the one MPEG frame counter.
 */
import type { Joiner, SegmentTransform } from "../Join.ts"
import { byteAt, hasAscii, u32le } from "./bytes.ts"
import {
  frameCounter,
  id3v2Length,
  infoProbeLength,
  isInfoFrame,
  type MpegHeader,
  mpegHeaderAt,
  sameStream
} from "./mpeg.ts"
import { AudioJoinError, type Run, transformOf } from "./segments.ts"

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

export const mp3Joiner = (): Joiner => {
  const shared: Mp3Shared = { reference: undefined }
  return {
    format: "mp3",
    segment: (index) => mp3Segment(shared, index),
    finalize: (stored) => stored,
    duration: mp3Duration
  }
}
