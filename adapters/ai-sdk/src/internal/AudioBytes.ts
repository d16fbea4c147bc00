/**
 * Reading an STT request's audio for an AI SDK transcription model: whole (for `doGenerate`,
 * which takes bytes) or as a stream (for `doStream`), counted against the model's byte limit
 * as it is read, so a stream of unknown length fails with `InputTooLarge` once it passes it.
 * A streaming model is told the audio's format; 16-bit mono PCM in a WAV file is unwrapped to
 * raw `audio/pcm` at its rate, the format live transcription models take.
 */
import type { SharedV4AudioFormat } from "@ai-sdk/provider"
import { type AudioInput, InputTooLarge, ProviderUnavailable } from "@patchbay/core"

type Audio = AudioInput.AudioInput
import { Effect } from "effect"

/** Who reads the audio, for errors. */
export interface AudioContext {
  readonly provider: string
  readonly model: string
  /** The model's byte limit, when the catalogue gives one. */
  readonly limit: number | undefined
}

const tooLarge = (context: AudioContext, size: number) =>
  new InputTooLarge({ provider: context.provider, model: context.model, field: "audio_file", limit: context.limit ?? 0, size })

/** The audio whole, in memory; `InputTooLarge` as soon as it passes the limit. */
export const readAll = (audio: Audio, context: AudioContext): Effect.Effect<Uint8Array, InputTooLarge | ProviderUnavailable> =>
  Effect.suspend(() => {
    if (context.limit !== undefined && audio.size !== undefined && audio.size > context.limit) {
      return Effect.fail(tooLarge(context, audio.size))
    }
    let size = 0
    return Effect.tryPromise({
      try: async (signal) => {
        const reader = audio.stream().getReader()
        const chunks: Array<Uint8Array> = []
        try {
          for (;;) {
            if (signal.aborted) throw signal.reason
            const { done, value } = await reader.read()
            if (done) break
            size += value.byteLength
            if (context.limit !== undefined && size > context.limit) throw tooLarge(context, size)
            chunks.push(value)
          }
        } finally {
          await reader.cancel().catch(() => undefined)
        }
        const out = new Uint8Array(size)
        let at = 0
        for (const chunk of chunks) {
          out.set(chunk, at)
          at += chunk.byteLength
        }
        return out
      },
      catch: (cause) =>
        cause instanceof InputTooLarge
          ? cause
          : new ProviderUnavailable({ provider: context.provider, detail: `the audio could not be read: ${cause instanceof Error ? cause.message : String(cause)}` })
    })
  })

/** A counted audio stream and whether it passed the limit (the model then fails; the caller reports `InputTooLarge`). */
export interface CountedAudio {
  readonly stream: ReadableStream<Uint8Array>
  readonly format: SharedV4AudioFormat
  /** Bytes read so far, and whether the limit was passed. */
  readonly counted: () => { readonly bytes: number; readonly exceeded: boolean }
  /** The `InputTooLarge` for what was counted. */
  readonly tooLarge: () => InputTooLarge
}

const HEAD_BYTES = 4096

const u16 = (b: Uint8Array, at: number) => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8)
const u32 = (b: Uint8Array, at: number) => (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0
const tag = (b: Uint8Array, at: number) => String.fromCharCode(...b.subarray(at, at + 4))

/** For 16-bit mono PCM WAV: the sample rate and where the samples start. */
const wavPcm = (head: Uint8Array): { readonly rate: number; readonly offset: number } | undefined => {
  if (tag(head, 0) !== "RIFF" || tag(head, 8) !== "WAVE") return undefined
  let rate: number | undefined
  for (let at = 12; at + 8 <= head.length;) {
    const id = tag(head, at)
    const size = u32(head, at + 4)
    if (id === "fmt ") {
      const pcm = u16(head, at + 8) === 1
      const channels = u16(head, at + 10)
      const bits = u16(head, at + 22)
      if (!pcm || channels !== 1 || bits !== 16) return undefined
      rate = u32(head, at + 12)
    }
    if (id === "data") return rate === undefined ? undefined : { rate, offset: at + 8 }
    at += 8 + size + (size % 2)
  }
  return undefined
}

/**
 * The audio as a counted stream with its format: raw PCM for 16-bit mono WAV (the header
 * dropped), else the file's own media type.
 */
export const streamOf = (audio: Audio, context: AudioContext): Effect.Effect<CountedAudio, InputTooLarge | ProviderUnavailable> =>
  Effect.tryPromise({
    try: async () => {
      if (context.limit !== undefined && audio.size !== undefined && audio.size > context.limit) throw tooLarge(context, audio.size)
      const reader = audio.stream().getReader()
      const pending: Array<Uint8Array> = []
      let buffered = 0
      let ended = false
      while (buffered < HEAD_BYTES) {
        const { done, value } = await reader.read()
        if (done) {
          ended = true
          break
        }
        pending.push(value)
        buffered += value.byteLength
      }
      const head = new Uint8Array(buffered)
      let at = 0
      for (const chunk of pending) {
        head.set(chunk, at)
        at += chunk.byteLength
      }
      const pcm = audio.container === "wav" ? wavPcm(head) : undefined
      const format: SharedV4AudioFormat = pcm === undefined
        ? { type: audio.media_type ?? "application/octet-stream" }
        : { type: "audio/pcm", rate: pcm.rate }
      let bytes = buffered
      let exceeded = context.limit !== undefined && bytes > context.limit
      const first = pcm === undefined ? head : head.subarray(pcm.offset)
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          if (exceeded) {
            controller.error(tooLarge(context, bytes))
            void reader.cancel().catch(() => undefined)
            return
          }
          if (first.byteLength > 0) controller.enqueue(first)
          if (ended) controller.close()
        },
        async pull(controller) {
          if (ended) return
          const { done, value } = await reader.read()
          if (done) {
            ended = true
            controller.close()
            return
          }
          bytes += value.byteLength
          if (context.limit !== undefined && bytes > context.limit) {
            exceeded = true
            controller.error(tooLarge(context, bytes))
            await reader.cancel().catch(() => undefined)
            return
          }
          controller.enqueue(value)
        },
        cancel: (reason) => reader.cancel(reason)
      })
      return { stream, format, counted: () => ({ bytes, exceeded }), tooLarge: () => tooLarge(context, bytes) }
    },
    catch: (cause) =>
      cause instanceof InputTooLarge
        ? cause
        : new ProviderUnavailable({ provider: context.provider, detail: `the audio could not be read: ${cause instanceof Error ? cause.message : String(cause)}` })
  })
