/**
 * Which audio an upload or a reply is, from its bytes: the container, its codec when the first
 * bytes show it, and the media type to label it with. A file name or a declared `Content-Type`
 * is never trusted; use {@link sniff} to reject an upload early or label bytes, and
 * {@link containerOfMediaType} to read what a caller or vendor declared.
 *
 * This module holds the one table of audio media types in Patchbay: containers, generic
 * output formats and file extensions all map through it.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as internal from "./internal/container.ts"

/**
 * The audio containers Patchbay knows. `pcm` (s16le), `ulaw` and `alaw` are headerless raw
 * audio. Use it to validate a declared or configured format.
 *
 * @category schemas
 */
export const AudioContainer = Schema.Literals(["wav", "mp3", "ogg", "flac", "webm", "mp4", "aac", "pcm", "ulaw", "alaw"])
/** @category models */
export type AudioContainer = typeof AudioContainer.Type

/**
 * The containers {@link sniff} and `Probe.probe` recognise from bytes (all but the headerless
 * raw formats). Use it as the `allowed` list when telling a caller what an upload may be.
 *
 * @category constants
 */
export const sniffableContainers: ReadonlyArray<AudioContainer> = ["wav", "mp3", "ogg", "flac", "webm", "mp4", "aac"]

/**
 * The generic names of the audio formats speech engines produce (`mp3`, `wav`, headerless
 * `pcm`/`ulaw`/`alaw`, `opus` in Ogg, `flac`, ADTS `aac`): what a TTS request may ask for before
 * a vendor maps it to its own variant (`mp3_44100_128`).
 *
 * @category schemas
 */
export const GenericFormat = Schema.Literals(["mp3", "wav", "pcm", "opus", "flac", "aac", "ulaw", "alaw"])
/** @category models */
export type GenericFormat = typeof GenericFormat.Type

/**
 * The media type to send for a container (`mp3` → `audio/mpeg`, …). Headerless `pcm` (s16le)
 * maps to `application/octet-stream`: `audio/L16` means big-endian by RFC 2586, so the
 * sample layout has to be sent out of band (e.g. a vendor's `encoding`/`sample_rate` fields).
 * Use it for the `Content-Type` of an upload.
 *
 * @category media types
 */
export const mediaTypeOf: (container: AudioContainer) => string = internal.mediaTypeOf

/**
 * The container a media type names, accepting common aliases (`audio/x-wav`, `audio/mp3`,
 * `audio/m4a`, `video/webm`, `audio/pcmu`, …) and ignoring parameters (`audio/webm;
 * codecs=opus`) and case; `undefined` when unknown. `application/octet-stream` and
 * `audio/L16` (big-endian) are not mapped to `pcm`. Use it to read a caller's declared format,
 * then trust `Probe.probe` over it.
 *
 * @category media types
 */
export const containerOfMediaType: (mediaType: string) => AudioContainer | undefined = internal.containerOfMediaType

/**
 * The usual file extension of a container (`mp3`, `wav`, `m4a` for mp4, `ulaw`, …). Use it to
 * name a file written from audio bytes.
 *
 * @category media types
 */
export const extensionOf: (container: AudioContainer) => string = internal.extensionOf

/**
 * The media type of audio in an output format, by its generic family or a vendor id that starts
 * with one (`mp3_44100_128` → `audio/mpeg`, `opus` → `audio/ogg`, `pcm_24000` →
 * `application/octet-stream`); `application/octet-stream` for a name it does not know. Use it
 * to label synthesized audio by the format it was asked in.
 *
 * @category media types
 */
export const mediaTypeOfFormat = (format: string): string => {
  const family = format.split("_")[0] ?? ""
  const container = Schema.is(GenericFormat)(family) ? internal.containerOfFormat(family) : family
  return Schema.is(AudioContainer)(container) ? internal.mediaTypeOf(container) : "application/octet-stream"
}

/**
 * What {@link sniff} finds: the container, its media type and, when the first bytes say, the
 * codec (ffmpeg-style names: `pcm_s16le`, `mp3`, `opus`, `vorbis`, `flac`, `aac`, …).
 *
 * @category models
 */
export interface Sniffed {
  readonly container: AudioContainer
  readonly media_type: string
  readonly codec?: string
}

/**
 * Detects the container (and codec when visible) from the first bytes — RIFF/WAVE, ID3 or an
 * MPEG frame sync (mp3), OggS, fLaC, EBML (webm), an `ftyp` box (mp4/m4a), ADTS (aac).
 * Synchronous and cheap: a few hundred bytes suffice, 16 KiB see codecs in most headers.
 * `undefined` for anything else, including headerless pcm/ulaw/alaw, which have no magic
 * number. Use it to reject an upload early or label bytes; use `Probe.probe` for durations.
 *
 * @example
 * ```ts
 * Container.sniff(bytes) // { container: "mp3", codec: "mp3", media_type: "audio/mpeg" }
 * ```
 *
 * @category sniffing
 */
export const sniff: (bytes: Uint8Array) => Sniffed | undefined = internal.sniff
