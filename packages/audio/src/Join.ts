/**
 * Joining the audio of a reply synthesized sentence by sentence into one valid file, as the
 * bytes arrive, without decoding or re-encoding: mp3 frames pass through with the per-segment
 * tags and Xing/Info/VBRI frames dropped; wav gets one header and every segment's samples;
 * headerless pcm/ulaw/alaw pass whole samples. Opus/Ogg, FLAC and ADTS AAC cannot be joined
 * byte-wise: {@link makeJoiner} returns `undefined` for them, and the text is synthesized in one
 * request instead.
 *
 * Hand-written: neither music-metadata nor `file-type` writes audio; the joiner only needs frame
 * and chunk boundaries, which it shares with the meters (one MPEG frame counter times the
 * joined mp3).
 *
 * @since 0.1.0
 */
import type { GenericFormat } from "./Container.ts"
import * as internal from "./internal/join.ts"

/**
 * The output format to join: its generic family, and for headerless formats the sample rate
 * and channel count (default 1) that time them. A catalogue's `OutputFormat` is one.
 *
 * @category models
 */
export interface JoinFormat {
  readonly format: GenericFormat
  readonly sample_rate?: number
  readonly channels?: number
}

/**
 * The incremental rewrite of one segment (one TTS response): `push` each chunk as it arrives
 * and stream what it returns, then `end` once the response is complete. Both may return
 * nothing; empty chunks are never returned. Pushed bytes are emitted by reference (as
 * subarrays): do not mutate them after pushing.
 *
 * @category models
 */
export interface SegmentTransform {
  push(bytes: Uint8Array): ReadonlyArray<Uint8Array>
  end(): ReadonlyArray<Uint8Array>
}

/**
 * Joins the segments of one output format. `segment(0)` is the first segment (it writes the
 * file's header where there is one); `finalize` turns the concatenated output into the stored
 * file (wav: RIFF and data sizes patched, in a copy; others: the same bytes); `duration` reads
 * the seconds of audio from stored bytes (mp3 by its frames, the others by length and rate),
 * `undefined` when it cannot tell.
 *
 * @category models
 */
export interface Joiner {
  readonly format: GenericFormat
  segment(index: number): SegmentTransform
  finalize(stored: Uint8Array): Uint8Array
  duration(stored: Uint8Array): number | undefined
}

/**
 * Segments that cannot be joined into one valid file (not a RIFF/WAVE response, formats that
 * differ, …).
 *
 * @category errors
 */
export const AudioJoinError: typeof internal.AudioJoinError = internal.AudioJoinError
/** @category errors */
export type AudioJoinError = internal.AudioJoinError

/**
 * The {@link Joiner} of an output format, or `undefined` for formats that cannot be joined
 * byte-wise (opus/ogg, flac, aac): synthesize the whole text in one request then. pcm/ulaw/alaw
 * durations need the format's `sample_rate` (channels default to 1).
 *
 * @example
 * ```ts
 * const joiner = Join.makeJoiner({ format: "mp3" })
 * const first = joiner?.segment(0) // push each chunk of the first reply, then end()
 * ```
 *
 * @category joining
 */
export const makeJoiner: (format: JoinFormat) => Joiner | undefined = internal.makeJoiner
