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
import { mp3Joiner } from "./joinMp3.ts"
import { wavJoiner } from "./joinWav.ts"
import { rawDuration } from "./meter.ts"
import { transformOf } from "./segments.ts"

export { AudioJoinError } from "./segments.ts"

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
