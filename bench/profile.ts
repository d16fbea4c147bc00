/**
 * The latency profile of the first-audio benchmarks, shared by `pnpm bench` (bench/pipeline.ts,
 * in process and over the vendors' HTTP fakes) and `pnpm bench:server` (bench/server.ts, the same
 * turn through the server): a 300 ms transcription, an LLM whose first token comes after 250 ms
 * and the rest at 40 tokens a second, a TTS whose first bytes come after 150 ms and then every 20 ms.
 */
import { tokens } from "../packages/core/src/testing/index.ts"
import type { Profile } from "./http-fakes.ts"

const words = [
  "Sure.", "The", "quickest", "way", "to", "the", "station", "is", "to", "walk", "north", "along", "the", "river",
  "for", "about", "ten", "minutes,", "then", "cross", "the", "old", "stone", "bridge", "and", "keep", "going",
  "straight", "until", "you", "see", "the", "clock", "tower."
]
/** A 120-token reply whose first sentence is one word long, as assistants often open. */
export const reply = Array.from({ length: 120 }, (_, i) => words[i % words.length]).join(" ")
export const TRANSCRIPT = "How do I get to the station?"
export const STT_MS = 300
export const FIRST_TOKEN_MS = 250
export const TOKENS_PER_SECOND = 40
export const TTS_FIRST_BYTE_MS = 150
export const TTS_CHUNK_MS = 20

/** The profile as the vendors' HTTP fakes (bench/http-fakes.ts) take it. */
export const profile: Profile = {
  transcript: TRANSCRIPT,
  reply,
  sttMs: STT_MS,
  firstTokenMs: FIRST_TOKEN_MS,
  tokensPerSecond: TOKENS_PER_SECOND,
  ttsFirstByteMs: TTS_FIRST_BYTE_MS,
  ttsChunkMs: TTS_CHUNK_MS
}

/** The token after "Sure." (it carries the space): when it arrives, the first chunk boundary is known. */
export const boundaryToken = tokens(reply).findIndex((t) => t.trim().endsWith(".")) + 1

/** The least time to first audio: STT latency + time to the first boundary + TTS first byte. */
export const floor = STT_MS + FIRST_TOKEN_MS + boundaryToken * (1000 / TOKENS_PER_SECOND) + TTS_FIRST_BYTE_MS
