/**
 * @patchbay/core/testing — deterministic fake providers and audio generators, for Patchbay's
 * own tests and for third-party authors testing code built on Patchbay.
 *
 * @since 0.1.0
 */
export * from "./Fakes.ts"
export { FakeRealtimeOptions, FakeRealtimeStt, fixtureSentence } from "./Realtime.ts"
export type { FakeRealtimeSession, FakeRealtimeSttOptions } from "./Realtime.ts"
export { alaw, pcm16, silentMp3, ulaw, wav } from "@patchbay/audio/testing"
export { createTestPatchbay } from "./Patchbay.ts"
export type { TestPatchbayOptions } from "./Patchbay.ts"
export { memoryStep, scriptedMemoryLlm } from "./Memory.ts"
export type { ScriptedMemoryLlm, UpdateInput } from "./Memory.ts"
