/**
 * Full reading of audio bytes: container, codec, media type, duration, sample rate, channels
 * and bitrate. Use it on every upload before choosing a model or metering, and on synthesized
 * audio to time it.
 *
 * music-metadata does the reading (with a full-duration scan, so an mp3 without a Xing header is
 * timed by its frames). Beside it, hand-written walkers read what it gets wrong: every ADTS
 * frame (it drops a short last frame), the MP4 esds channel layout and edit list (it reports 2
 * channels for mono AAC and keeps the encoder priming), and WebM block timestamps when there is
 * no Duration element (it cannot time what live recorders write).
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { AudioContainer, sniffableContainers } from "./Container.ts"
import * as internal from "./internal/probe.ts"

/**
 * The facts {@link probe} reads from audio bytes. `duration_seconds` is the playable duration;
 * `sample_rate` in Hz (48000 for Opus, its only decoding rate); `bitrate` in bits per second,
 * the average when known.
 *
 * @category schemas
 */
export const AudioInfo = Schema.Struct({
  container: AudioContainer,
  codec: Schema.String,
  media_type: Schema.String,
  duration_seconds: Schema.Number,
  sample_rate: Schema.optionalKey(Schema.Number),
  channels: Schema.optionalKey(Schema.Number),
  bitrate: Schema.optionalKey(Schema.Number)
})
/** @category models */
export type AudioInfo = typeof AudioInfo.Type

/**
 * What a caller may know about a streamed input: its total `size` in bytes (e.g. from
 * `Content-Length`). With it music-metadata reports average bitrates (VBR mp3, FLAC, Ogg) and
 * times a CBR mp3 by its size instead of reading every frame.
 *
 * @category models
 */
export interface ProbeHint {
  readonly size?: number
}

/**
 * The bytes are not audio {@link probe} can read: no sniffable container (`format` is
 * `"unknown"`; headerless pcm/ulaw/alaw included), or a container that does not decode
 * (`format` names it). `detail` says what went wrong; `allowed` lists the readable containers.
 *
 * @category errors
 */
export class UnreadableAudio extends Schema.TaggedError<UnreadableAudio>()("UnreadableAudio", {
  format: Schema.String,
  detail: Schema.String
}) {
  /** The containers that can be read, for telling a caller what an upload may be. */
  get allowed(): ReadonlyArray<AudioContainer> {
    return sniffableContainers
  }
  override get message(): string {
    return `Unreadable audio (${this.format}): ${this.detail}`
  }
}

/**
 * Reads container, codec, media type, duration, sample rate, channels and bitrate from audio
 * bytes. A stream is read once, as far as needed, and cancelled when the effect is interrupted
 * or done; in-memory bytes hold no resource, so interruption just drops their parse. Fails with
 * {@link UnreadableAudio} for bytes that are not a sniffable container or cannot be decoded,
 * including headerless pcm/ulaw/alaw (see `Meter.rawDuration`).
 *
 * @example
 * ```ts
 * const info = yield* Probe.probe(bytes)
 * info.duration_seconds // 2.56
 * ```
 *
 * @category probing
 */
export const probe = Effect.fn("Probe.probe")(function*(
  input: Uint8Array | ReadableStream<Uint8Array>,
  hint?: ProbeHint
) {
  const parsed = yield* Effect.tryPromise({
    try: (signal) =>
      input instanceof Uint8Array ? internal.parseBytes(input) : internal.parseStream(input, hint?.size, signal),
    catch: (cause) => new UnreadableAudio({ format: "unknown", detail: internal.describe(cause) })
  })
  if (parsed._tag === "Unsupported") {
    return yield* Effect.fail(new UnreadableAudio({ format: parsed.format, detail: parsed.detail }))
  }
  const info = internal.toInfo(parsed.sniffed, parsed.format, parsed.walk, parsed.sized)
  if (typeof info === "string") {
    return yield* Effect.fail(new UnreadableAudio({ format: parsed.sniffed.container, detail: info }))
  }
  return info
})
