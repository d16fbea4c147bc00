/**
 * The `stt.deltas` check: a streamed transcript passes on the vendor's deltas, none empty. The
 * example adapter does not stream transcripts, so the good subject here is that adapter with a
 * `transcribeStream` that passes the transcript's words on as deltas, and the broken one the same
 * with an empty delta among them — which joins to the same text, so every other check passes it
 * and `stt.deltas` alone catches it.
 */
import type { SttDelta, Transcript } from "@patchbay/core"
import { Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { Checks, makeSubject, type MakeProvider } from "../src/index.ts"
import { good } from "./support/Broken.ts"

/** The example adapter, its transcript streamed word by word; `empty` adds an empty delta after the first word. */
const streamsWords = (empty: boolean): MakeProvider => (options) => {
  const p = good(options)
  const stt = p.stt!
  const deltas = (t: Transcript): ReadonlyArray<SttDelta> => {
    const words = t.text.split(" ").map((word, i) => (i === 0 ? word : ` ${word}`))
    return [...words.slice(0, 1), ...(empty ? [""] : []), ...words.slice(1)].map((delta) => ({ type: "delta", delta }))
  }
  return {
    ...p,
    stt: {
      ...stt,
      transcribeStream: (r) => Stream.unwrap(Effect.map(stt.transcribe(r), (t) => Stream.fromIterable<SttDelta | Transcript>([...deltas(t), t])))
    }
  }
}

const cassettes = new URL("./cassettes/stt-deltas/", import.meta.url)

describe("stt.deltas", () => {
  it("passes an adapter that streams the vendor's words; fails one that adds an empty delta, and no other check tells them apart", async () => {
    const failed = async (name: string, empty: boolean) =>
      (await Checks.runChecks(makeSubject({ name, make: streamsWords(empty), cassettes }))).filter((r) => r.status === "fail")
    const good = await failed("acme-streaming", false)
    // The fake streams a transcript that has already arrived, so interrupting it mid-body cannot
    // abort the request: stt.abort fails for both subjects alike.
    expect(good.map((r) => `${r.group}.${r.check}`)).toEqual(["stt.abort"])
    const padded = await failed("acme-padding", true)
    const known = new Set(good.map((r) => `${r.group}.${r.check}`))
    expect(padded.filter((r) => !known.has(`${r.group}.${r.check}`)).map((r) => ({ check: `${r.group}.${r.check}`, detail: r.detail }))).toEqual([{
      check: "stt.deltas",
      detail: "stt-success-stream.json: delta 1 is \"\": pass on only deltas that carry text (skip the vendor's empty ones)"
    }])
  }, 60_000)
})
