/**
 * Reading the `srt` and `vtt` bodies `whisper-1` returns: each cue becomes a segment (start and
 * end in seconds, its text), and the transcript is the cues' text joined by spaces.
 */
import type { Segment } from "@patchbay/core"

const TIME = /(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})/

const seconds = (stamp: string): number | undefined => {
  const m = stamp.match(TIME)
  if (m === null) return undefined
  const [, h, min, s, frac] = m
  return Number(h ?? 0) * 3600 + Number(min) * 60 + Number(s) + Number((frac ?? "0").padEnd(3, "0")) / 1000
}

/** The cues of an SRT or WebVTT document as segments, in order. */
export const parseSubtitles = (body: string): ReadonlyArray<Segment> => {
  const segments: Array<Segment> = []
  for (const block of body.replace(/\r\n?/g, "\n").split(/\n{2,}/)) {
    const lines = block.split("\n")
    const at = lines.findIndex((line) => line.includes("-->"))
    if (at === -1) continue
    const [from = "", to = ""] = (lines[at] as string).split("-->")
    const start = seconds(from)
    const end = seconds(to)
    const text = lines.slice(at + 1).join(" ").trim()
    if (start === undefined || end === undefined || text === "") continue
    segments.push({ text, start, end })
  }
  return segments
}
