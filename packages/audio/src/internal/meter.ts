/**
 * Measuring the duration of audio as it streams past, without keeping it: MPEG audio by counting
 * its frames (the one frame counter, in `mpeg.ts`), wav by counting the bytes of its data chunk;
 * and the arithmetic of headerless audio, whose layout is given. Cheap enough to run on every
 * byte of an upload; other containers are measured by the probe.
 *
 * Hand-written: music-metadata reads a stream it owns to its end (or stops early, for a CBR mp3
 * of known size, and estimates); these meters ride along another reader, chunk by chunk.
 */
import type { DurationMeter, RawAudioLayout, RawEncoding } from "../Meter.ts"
import { frameCounter } from "./mpeg.ts"

/** A meter for the container, when one exists. */
export const meterFor = (container: string | undefined): DurationMeter | undefined =>
  container === "mp3" ? frameCounter() : container === "wav" ? wavMeter() : undefined

const append = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.byteLength === 0) return b
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
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

const bytesPerSample: Record<RawEncoding, number> = { pcm_s16le: 2, ulaw: 1, alaw: 1 }

export const rawDuration = (layout: RawAudioLayout): number =>
  layout.sample_rate > 0 && layout.channels > 0
    ? layout.bytes / (bytesPerSample[layout.encoding] * layout.channels * layout.sample_rate)
    : Number.NaN

export const rawAudioLengthIsConsistent = (layout: Pick<RawAudioLayout, "bytes" | "channels" | "encoding">): boolean =>
  Number.isInteger(layout.bytes) && layout.bytes >= 0 && Number.isInteger(layout.channels) && layout.channels > 0 &&
  layout.bytes % (bytesPerSample[layout.encoding] * layout.channels) === 0
