/**
 * Where synthesized speech goes: a file written chunk by chunk as the audio streams in (so it can
 * be played before the reply is finished), or stdout with `-o -`. Once the stream ends the file
 * is rewritten with the stored document, which is the same bytes but for wav, whose header
 * sizes only the stored copy has patched.
 *
 * @since 0.1.0
 */
import { mediaTypeOfOutputFormat } from "@patchbay/core"
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs"
import * as path from "node:path"
import { extensionOfMediaType } from "./Args.ts"
import type { Writer } from "./Output.ts"

/** A destination for one stream of audio. */
export interface AudioSink {
  /** The file written, or `-` for stdout; known once the format is (at the first chunk). */
  readonly target: () => string | undefined
  /** Called at `tts_stream_start` with the vendor's format id. */
  readonly start: (outputFormat: string) => void
  readonly write: (bytes: Uint8Array) => void
  /** Ends the stream; `stored` (the stored document) replaces the file's content. */
  readonly finish: (stored: Uint8Array | undefined) => void
  /** Bytes written so far. */
  readonly bytes: () => number
}

/**
 * Makes a sink. `requested` is the `-o` value (relative to `cwd`; `-` for stdout), or undefined
 * for `<fallbackName>.<extension of the format>` in `cwd`.
 *
 * @category constructors
 */
export const audioSink = (cwd: string, requested: string | undefined, fallbackName: string, stdout: Writer): AudioSink => {
  let target: string | undefined
  let fd: number | undefined
  let written = 0
  const toStdout = requested === "-"
  return {
    target: () => target,
    start: (outputFormat) => {
      if (target !== undefined) return
      if (toStdout) {
        target = "-"
        return
      }
      target = requested === undefined
        ? path.resolve(cwd, `${fallbackName}.${extensionOfMediaType(mediaTypeOfOutputFormat(outputFormat))}`)
        : path.resolve(cwd, requested)
      mkdirSync(path.dirname(target), { recursive: true })
      fd = openSync(target, "w")
    },
    write: (bytes) => {
      written += bytes.byteLength
      if (toStdout) stdout.write(bytes)
      else if (fd !== undefined) writeSync(fd, bytes)
    },
    finish: (stored) => {
      if (fd !== undefined) {
        closeSync(fd)
        fd = undefined
      }
      if (!toStdout && target !== undefined && stored !== undefined) writeFileSync(target, stored)
    },
    bytes: () => written
  }
}
