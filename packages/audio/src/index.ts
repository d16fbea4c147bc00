/**
 * @patchbay/audio — audio facts read from the bytes, for Patchbay and anyone who needs them:
 * which container and codec audio is and its media type (`Container`), its full reading
 * (`Probe`), its duration and size counted on the way to a vendor (`Meter`), and the joining of
 * synthesized segments into one file (`Join`). `@patchbay/core` re-exports it as `Audio`.
 *
 * @since 0.1.0
 */
export * as Container from "./Container.ts"
export * as Join from "./Join.ts"
export * as Meter from "./Meter.ts"
export * as Probe from "./Probe.ts"

// The everyday facts, also by name (what `Audio.*` has always offered).
export {
  AudioContainer,
  containerOfMediaType,
  extensionOf,
  GenericFormat,
  mediaTypeOf,
  mediaTypeOfFormat,
  sniff,
  sniffableContainers
} from "./Container.ts"
export type { Sniffed } from "./Container.ts"
export { rawAudioLengthIsConsistent, rawDuration, RawEncoding } from "./Meter.ts"
export type { RawAudioLayout } from "./Meter.ts"
export { AudioInfo, probe, UnreadableAudio } from "./Probe.ts"
export type { ProbeHint } from "./Probe.ts"
