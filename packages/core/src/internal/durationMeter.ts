/**
 * Measuring the duration of audio as it streams past, without keeping it: MPEG audio by counting
 * its frames, wav by counting the bytes of its data chunk. Cheap enough to run on every byte of
 * an upload; other containers are measured by `Audio.probe`.
 */
import { infoProbeLength, isInfoFrame } from "./audioJoin.ts"
import { id3v2Length, type MpegHeader, mpegHeaderAt } from "./mpeg.ts"

/** Fed the bytes in order; `end` gives the duration in seconds, or undefined if unmeasurable. */
export interface DurationMeter {
  readonly push: (chunk: Uint8Array) => void
  readonly end: () => number | undefined
}

/** A meter for the container, when one exists. */
export const meterFor = (container: string | undefined): DurationMeter | undefined =>
  container === "mp3" ? mp3Meter() : container === "wav" ? wavMeter() : undefined

const append = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.byteLength === 0) return b
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}

/** Counts MPEG audio frames: samples per frame over the sample rate, Xing/Info/VBRI frames excluded. */
const mp3Meter = (): DurationMeter => {
  let carry: Uint8Array = new Uint8Array(0) // bytes not yet understood: at most a header's or a tag's worth
  let skip = 0 // bytes of the current frame or tag still to pass
  let seconds = 0
  let frames = 0
  let atStart = true
  return {
    push: (chunk) => {
      let b = chunk
      if (skip >= b.byteLength) {
        skip -= b.byteLength
        return
      }
      b = append(carry, b.subarray(skip))
      skip = 0
      let at = 0
      for (;;) {
        if (atStart && b.byteLength - at >= 10) {
          const tag = id3v2Length(b, at)
          if (tag !== undefined) {
            at += tag
            continue
          }
        }
        if (b.byteLength - at < 4) break
        const header: MpegHeader | undefined = mpegHeaderAt(b, at)
        if (header === undefined) {
          at += 1 // resynchronize on the next frame
          continue
        }
        if (frames === 0) {
          const need = infoProbeLength(header)
          if (b.byteLength - at < need) break
          atStart = false
          frames++
          if (!isInfoFrame(b, at, header)) seconds += header.samples / header.sampleRate
        } else {
          frames++
          seconds += header.samples / header.sampleRate
        }
        at += header.length
      }
      if (at > b.byteLength) {
        skip = at - b.byteLength
        carry = new Uint8Array(0)
      } else {
        carry = b.slice(at)
      }
    },
    end: () => (frames === 0 ? undefined : seconds)
  }
}

/** Reads the RIFF header (kept until its `data` chunk starts), then counts data bytes. */
const wavMeter = (): DurationMeter => {
  let header: Uint8Array = new Uint8Array(0)
  let byteRate: number | undefined
  let dataBytes = 0
  let inData = false
  const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset + at, 4).getUint32(0, true)
  const ascii = (b: Uint8Array, at: number) => String.fromCharCode(...b.subarray(at, at + 4))
  return {
    push: (chunk) => {
      if (inData) {
        dataBytes += chunk.byteLength
        return
      }
      header = append(header, chunk)
      if (header.byteLength < 12 || ascii(header, 0) !== "RIFF" || ascii(header, 8) !== "WAVE") {
        if (header.byteLength > 65_536) inData = true // not a wav after all: stop looking
        return
      }
      let at = 12
      while (at + 8 <= header.byteLength) {
        const id = ascii(header, at)
        const size = u32(header, at + 4)
        if (id === "fmt " && at + 20 <= header.byteLength) byteRate = u32(header, at + 16)
        if (id === "data") {
          inData = true
          dataBytes = header.byteLength - (at + 8)
          header = new Uint8Array(0)
          return
        }
        at += 8 + size + (size % 2)
      }
    },
    end: () => (byteRate === undefined || byteRate === 0 ? undefined : dataBytes / byteRate)
  }
}
