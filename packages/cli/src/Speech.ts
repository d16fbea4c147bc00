/**
 * What `say` and `talk` share: choosing the TTS voice and format from the flags and the
 * catalogue, and following a run's TTS events — writing the audio as it arrives and saying on
 * stderr when it starts, how it grows, and where it went.
 *
 * @since 0.1.0
 */
import type { Patchbay, PipelineEvent, TtsRecord } from "@patchbay/core"
import * as path from "node:path"
import { formatOfPath, type ModelRef } from "./Args.ts"
import type { AudioSink } from "./AudioSink.ts"
import { formatBytes, type Output, seconds2, usageError } from "./Output.ts"
import { type ProviderSet, shownPath } from "./Providers.ts"

/**
 * The voice to speak with: `--voice`, else the model's first listed voice (its catalogue's
 * default), else a usage error asking for one.
 */
export const chooseVoice = (set: ProviderSet, tts: ModelRef, voice: string | undefined, out: Output): string => {
  if (voice !== undefined && voice !== "") return voice
  const model = set.providers.find((p) => p.id === tts.provider)?.models.find((m) => m.capability === "tts" && m.id === tts.model)
  const first = model?.voices?.ids?.[0]
  if (first === undefined) {
    throw usageError(`--voice is needed for ${tts.provider}/${tts.model}`, "pass --voice <id> (`patchbay providers` lists known voices)")
  }
  out.progress(`voice: ${first} (the model's first; choose another with --voice)`)
  return first
}

/** The output format to ask for: `--format`, else the one the `-o` file's extension names, else the model's default. */
export const chooseFormat = (format: string | undefined, output: string | undefined): string | undefined =>
  format ?? (output === undefined || output === "-" ? undefined : formatOfPath(output))

/** A path as the user would write it: relative to the working directory when inside it. */
export const displayPath = shownPath

/** Follows the TTS events of a run into a sink, with progress on stderr. */
export interface SpeechFollower {
  readonly onEvent: (event: PipelineEvent) => void
  /** Rewrites the file with the stored document (valid wav sizes) and returns the record. */
  readonly finish: (pb: Patchbay) => Promise<TtsRecord | undefined>
  readonly chunks: () => number
}

/**
 * Makes a follower. Where stdout and stderr meet (a terminal), audio progress inside the
 * streaming reply is written inline (`⟨♪ 1.2 kB⟩`) so the reply stays readable; elsewhere each
 * step is a line on stderr.
 *
 * @category constructors
 */
export const followSpeech = (
  out: Output,
  sink: AudioSink,
  cwd: string,
  startedAt: number,
  now: () => number = Date.now
): SpeechFollower => {
  let record: TtsRecord | undefined
  let chunks = 0
  return {
    onEvent: (event) => {
      switch (event.type) {
        case "tts_stream_start": {
          sink.start(event.output_format)
          const target = sink.target()
          const where = target === "-" ? "stdout" : displayPath(cwd, target ?? "")
          out.inline(
            `♪ ${event.voice}, ${event.output_format} → ${where}`,
            `♪ speaking with ${event.provider}/${event.model}, voice ${event.voice}, ${event.output_format} → ${where}`
          )
          break
        }
        case "tts_audio_chunk": {
          const bytes = Buffer.from(event.data, "base64")
          sink.write(bytes)
          chunks++
          const after = seconds2((now() - startedAt) / 1000)
          if (chunks === 1) out.inline(`♪ ${formatBytes(bytes.byteLength)} after ${after}`, `♪ first audio after ${after}: ${formatBytes(bytes.byteLength)}`)
          else out.inline(`♪ ${formatBytes(bytes.byteLength)}`, `♪ audio chunk #${event.index}: ${formatBytes(bytes.byteLength)} (${formatBytes(sink.bytes())} so far)`)
          break
        }
        case "tts_stream_end":
          record = event.record
          break
      }
    },
    finish: async (pb) => {
      const stored = record === undefined ? undefined : (await pb.media.get(record.document_id)).bytes
      sink.finish(stored)
      if (record !== undefined) {
        out.progress(`♪ audio done: ${chunks} chunk${chunks === 1 ? "" : "s"}, ${formatBytes(stored?.byteLength ?? sink.bytes())}, ${seconds2(record.duration_seconds ?? 0)}`)
      }
      return record
    },
    chunks: () => chunks
  }
}
