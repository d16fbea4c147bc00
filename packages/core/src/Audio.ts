/**
 * Audio facts read from the bytes — `@patchbay/audio`, under the name core has always published
 * it: `Audio.sniff`, `Audio.probe`, `Audio.mediaTypeOf`, `Audio.rawDuration`, … and the modules
 * `Audio.Container`, `Audio.Probe`, `Audio.Meter`, `Audio.Join`.
 *
 * One difference from the package itself: {@link probe} fails with core's `UnsupportedFormat`
 * (field `audio_file`), the error every Patchbay caller already handles, instead of the audio
 * package's `UnreadableAudio`.
 *
 * @since 0.1.0
 */
import * as AudioFacts from "@patchbay/audio"
import { Effect } from "effect"
import { UnsupportedFormat } from "./Errors.ts"

export * from "@patchbay/audio"

/**
 * Reads container, codec, media type, duration, sample rate, channels and bitrate from audio
 * bytes or a stream (see `Probe.probe`). Fails with `UnsupportedFormat` (field `audio_file`,
 * `allowed` the sniffable containers) for bytes that are not a sniffable container or cannot
 * be decoded, including headerless pcm/ulaw/alaw (see {@link AudioFacts.rawDuration}). Use it
 * on every upload before choosing a model or metering.
 *
 * @category probing
 */
export const probe = (
  input: Uint8Array | ReadableStream<Uint8Array>,
  hint?: AudioFacts.ProbeHint
): Effect.Effect<AudioFacts.AudioInfo, UnsupportedFormat> =>
  AudioFacts.probe(input, hint).pipe(
    Effect.mapError((error) =>
      new UnsupportedFormat({ format: error.format, field: "audio_file", allowed: [...error.allowed], detail: error.detail })
    )
  )
