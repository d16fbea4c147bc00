/**
 * The reading behind `Probe.probe`: music-metadata with a full-duration scan, fed from memory or
 * from a stream read once, with the walkers (`walkers.ts`) reading the same bytes beside it for
 * what music-metadata gets wrong. Returns plain data; the public module turns it into an Effect.
 */
import { type IOptions, parseBuffer, parseWebStream } from "music-metadata"
import type { Sniffed } from "../Container.ts"
import type { AudioInfo } from "../Probe.ts"
import { concat } from "./bytes.ts"
import { sniff } from "./container.ts"
import { type Format, type Walk, walkable, walkFor, wantsRest } from "./walkers.ts"

/** How many leading bytes are gathered for `sniff` before a stream is parsed. */
const headBytes = 16 * 1024

const parseOptions: IOptions = { duration: true, skipCovers: true }

export type Parsed =
  | {
    readonly _tag: "Parsed"
    readonly sniffed: Sniffed
    /** What music-metadata read; empty when it failed on a WebM the walker could time. */
    readonly format: Partial<Format>
    readonly walk: Walk
    /** Whether music-metadata knew the total size (CBR durations and VBR averages need it). */
    readonly sized: boolean
  }
  | { readonly _tag: "Unsupported"; readonly format: string; readonly detail: string }

export const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const hex = (b: Uint8Array) =>
  Array.from(b.subarray(0, 8), (v) => v.toString(16).padStart(2, "0")).join(" ")

const unrecognised = (head: Uint8Array): Parsed => ({
  _tag: "Unsupported",
  format: "unknown",
  detail: head.length === 0 ? "no bytes" : `unrecognised audio bytes (starting ${hex(head)})`
})

export const parseBytes = async (bytes: Uint8Array): Promise<Parsed> => {
  const found = sniff(bytes)
  if (found === undefined) return unrecognised(bytes)
  const walk = walkFor(found)
  walk.push(bytes)
  walk.end(true)
  try {
    const { format } = await parseBuffer(bytes, { size: bytes.byteLength }, parseOptions)
    return { _tag: "Parsed", sniffed: found, format, walk, sized: true }
  } catch (error) {
    if (walkable(found, walk)) return { _tag: "Parsed", sniffed: found, format: {}, walk, sized: true }
    return { _tag: "Unsupported", format: found.container, detail: describe(error) }
  }
}

export const parseStream = async (
  input: ReadableStream<Uint8Array>,
  size: number | undefined,
  signal: AbortSignal
): Promise<Parsed> => {
  const reader = input.getReader()
  let finished = false
  // Interruption cancels the source: a pending read resolves and the parse stops.
  const onAbort = () => void reader.cancel(signal.reason).catch(() => {})
  signal.addEventListener("abort", onAbort, { once: true })
  // A failing source (a client that went away) fails the probe, even where a walker could go on.
  let sourceFailure: { readonly error: unknown } | undefined
  const read = async () => {
    const result = await reader.read().catch((error: unknown) => {
      sourceFailure = { error }
      throw error
    })
    signal.throwIfAborted()
    if (result.done) finished = true
    return result
  }
  const pending: Array<Uint8Array> = []
  let found: Sniffed | undefined
  try {
    for (let length = 0; length < headBytes;) {
      const result = await read()
      if (result.done) break
      pending.push(result.value)
      length += result.value.length
    }
    const head = concat(pending)
    found = sniff(head)
    if (found === undefined) return unrecognised(head)
    const walk = walkFor(found)
    for (const chunk of pending) walk.push(chunk)
    // music-metadata reads the head again, then the rest; the walker sees every new chunk.
    // Its cancel (when it has read enough) does not reach the source: we decide below.
    const replay = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = pending.shift()
        if (next !== undefined) return controller.enqueue(next)
        const result = finished ? undefined : await read()
        if (result === undefined || result.done) return controller.close()
        walk.push(result.value)
        controller.enqueue(result.value)
      }
    })
    let format: Format | undefined
    let failure: unknown
    try {
      format = (await parseWebStream(replay, size === undefined ? undefined : { size }, parseOptions)).format
    } catch (error) {
      signal.throwIfAborted()
      if (sourceFailure !== undefined) throw sourceFailure.error
      failure = error
    }
    if (wantsRest(found, format)) {
      for (let result = finished ? undefined : await read(); result !== undefined && !result.done; result = await read()) {
        walk.push(result.value)
      }
    }
    walk.end(finished)
    if (format === undefined && !walkable(found, walk)) {
      return { _tag: "Unsupported", format: found.container, detail: describe(failure) }
    }
    return { _tag: "Parsed", sniffed: found, format: format ?? {}, walk, sized: size !== undefined }
  } catch (error) {
    signal.throwIfAborted()
    const format = (found ?? sniff(concat(pending)))?.container ?? "unknown"
    return { _tag: "Unsupported", format, detail: describe(error) }
  } finally {
    signal.removeEventListener("abort", onAbort)
    if (!finished) await reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}

const codecNames: ReadonlyArray<readonly [RegExp, string]> = [
  [/layer 3/i, "mp3"],
  [/layer 2/i, "mp2"],
  [/layer 1/i, "mp1"],
  [/aac/i, "aac"],
  [/opus/i, "opus"],
  [/vorbis/i, "vorbis"],
  [/flac/i, "flac"],
  [/alac/i, "alac"]
]

const codecOf = (found: Sniffed, format: Partial<Format>): string => {
  if (found.codec !== undefined) return found.codec
  const name = format.codec
  if (name === undefined) return "unknown"
  if (/^pcm$/i.test(name)) return format.bitsPerSample === 16 ? "pcm_s16le" : "pcm"
  return codecNames.find(([pattern]) => pattern.test(name))?.[1] ?? name.toLowerCase()
}

const positive = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n) && n > 0

export const toInfo = (found: Sniffed, format: Partial<Format>, walk: Walk, sized: boolean): AudioInfo | string => {
  const codec = codecOf(found, format)
  // ADTS frames and the MP4 edit list are read by the walkers; WebM blocks only time a WebM
  // whose header has no Duration.
  const duration = found.container === "aac" || found.container === "mp4"
    ? walk.duration() ?? format.duration
    : format.duration ?? walk.duration()
  if (duration === undefined || !Number.isFinite(duration) || duration < 0) {
    return "the duration could not be determined (truncated or empty audio?)"
  }
  const sampleRate = codec === "opus" ? 48000 : format.sampleRate
  const channels = walk.channels() ?? format.numberOfChannels
  // Without the size, music-metadata's bitrate of a VBR mp3 is one frame's, not the average.
  const bitrate = !sized && format.codecProfile?.startsWith("V") === true ? undefined : format.bitrate
  return {
    container: found.container,
    codec,
    media_type: found.media_type,
    duration_seconds: duration,
    ...(positive(sampleRate) ? { sample_rate: sampleRate } : {}),
    ...(positive(channels) ? { channels } : {}),
    ...(positive(bitrate) ? { bitrate: Math.round(bitrate) } : {})
  }
}

