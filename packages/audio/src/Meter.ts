/**
 * Duration and size counted on the way: audio passing to a vendor is counted against the
 * vendor's byte limit and timed from the same bytes, without reading a one-shot stream twice or
 * holding it in memory ({@link tap}); mp3 and wav are timed as they stream past
 * ({@link meterFor}), other containers by `Probe.probe`; headerless audio, whose layout the
 * bytes cannot tell, by arithmetic ({@link rawDuration}).
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import { Schema } from "effect"
import * as internal from "./internal/meter.ts"
import * as tapping from "./internal/tap.ts"

// ---------------------------------------------------------------------------------------------
// Meters
// ---------------------------------------------------------------------------------------------

/**
 * Fed the bytes in order; `end` gives the duration in seconds, or `undefined` when they cannot
 * be measured.
 *
 * @category models
 */
export interface DurationMeter {
  readonly push: (chunk: Uint8Array) => void
  readonly end: () => number | undefined
}

/**
 * A meter for a container, when one exists: mp3 counts its MPEG frames (Xing/Info/VBRI frames
 * and a cut-off last frame excluded), wav the bytes of its data chunk. `undefined` for the
 * others: time them with `Probe.probe`.
 *
 * @category meters
 */
export const meterFor: (container: string | undefined) => DurationMeter | undefined = internal.meterFor

// ---------------------------------------------------------------------------------------------
// Tapping a provider's reads
// ---------------------------------------------------------------------------------------------

/**
 * What {@link tap} needs of an audio input: whether it can be read only once, its container
 * and size when known, and its bytes as a stream, a `Blob` or whole.
 *
 * @category models
 */
export interface Tappable {
  readonly once: boolean
  readonly container: string | undefined
  readonly size: number | undefined
  readonly stream: () => ReadableStream<Uint8Array>
  readonly blob: () => Promise<Blob>
  readonly bytes: () => Promise<Uint8Array>
}

/**
 * What a tap reports once the provider has read the audio.
 *
 * @category models
 */
export interface AudioTap<I extends Tappable> {
  /** The input to hand to the provider. */
  readonly input: I
  /** Bytes read so far, and whether they passed the limit. */
  readonly counted: () => { readonly bytes: number; readonly exceeded: boolean }
  /** The duration in seconds measured from the bytes; undefined when they cannot be measured. */
  readonly duration: Effect.Effect<number | undefined>
  /** Says the provider is done: a one-shot input it never read is then not measured. */
  readonly close: () => void
}

/**
 * Wraps an input so that reading it counts bytes (erroring the stream once they pass `limit`)
 * and feeds a duration meter or probe in lockstep with the provider's reads, so memory stays
 * bounded whatever the size. Re-readable inputs (files, bytes, Blobs) are measured from a
 * second read instead, which costs no memory either. Use it around the audio handed to an STT
 * vendor.
 *
 * @category tapping
 */
export const tap: <I extends Tappable>(input: I, limit: number | undefined) => AudioTap<I> = tapping.tap

/**
 * True when a provider's failure came from a tap's limit.
 *
 * @category tapping
 */
export const isLimitExceeded: (u: unknown) => boolean = tapping.isLimitExceeded

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

/**
 * The duration in seconds of headerless audio: bytes / (bytes per sample × channels × rate).
 * `NaN` when the rate or channel count is not positive. Use it for pcm/ulaw/alaw uploads and
 * vendor outputs, whose layout comes from the request, not from the bytes.
 *
 * @category raw audio
 */
export const rawDuration: (layout: RawAudioLayout) => number = internal.rawDuration

/**
 * Whether a headerless length is a whole number of frames (one sample per channel): false
 * for a cut-off sample, e.g. an odd byte count of 16-bit PCM. Use it to reject truncated raw
 * uploads or to catch a wrong declared layout.
 *
 * @category raw audio
 */
export const rawAudioLengthIsConsistent: (layout: Pick<RawAudioLayout, "bytes" | "channels" | "encoding">) => boolean =
  internal.rawAudioLengthIsConsistent
