/**
 * The `llm.media` check: an LLM scenario that expects images passes only when the stream carries
 * them as media events. The example adapter's language model streams no images, so the good
 * subject here is that adapter with one PNG added to each stream, and the broken one the adapter
 * as it is — which every other check passes, so `llm.media` alone catches it.
 */
import type { LlmEvent } from "@patchbay/core"
import { Stream } from "effect"
import { describe, expect, it } from "vitest"
import { Checks, makeSubject, type MakeProvider } from "../src/index.ts"
import { good } from "./support/Broken.ts"

/** A 1×1 PNG. */
const png = new Uint8Array(Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64"))

/** The example adapter, its LLM stream carrying one image before the finish event. */
const streamsAnImage: MakeProvider = (options) => {
  const p = good(options)
  const llm = p.llm!
  return {
    ...p,
    llm: {
      ...llm,
      stream: (r) =>
        llm.stream(r).pipe(Stream.flatMap((e: LlmEvent) =>
          e.type === "finish" ? Stream.make<ReadonlyArray<LlmEvent>>({ type: "media", data: png, media_type: "image/png" }, e) : Stream.make(e)))
    }
  }
}

const cassettes = new URL("./cassettes/llm-media/", import.meta.url)

describe("llm.media", () => {
  it("passes an adapter whose stream carries the image; fails one that drops it, and no other check does", async () => {
    const check = Checks.byId("llm.media")
    expect(await Checks.runCheck(check, makeSubject({ name: "acme-imaging", make: streamsAnImage, cassettes }))).toMatchObject({ status: "pass" })
    const dropped = await Checks.runChecks(makeSubject({ name: "acme-voice", make: good, cassettes }))
    expect(dropped.filter((r) => r.status === "fail").map((r) => ({ check: `${r.group}.${r.check}`, detail: r.detail }))).toEqual([{
      check: "llm.media",
      detail: "llm-success-image.json: the stream carried 0 media event(s); the vendor sent 1 image(s): keep every image item"
    }])
  }, 30_000)
})
