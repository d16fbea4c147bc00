/**
 * `patchbay embed`: vectors on stdout, one JSON array per text, the summary on stderr; `--json`
 * with the usage and the record; refusals before any call, in one line with the flag to fix.
 */
import { FakeEmbedding, fakeProvider, fakeVector } from "@patchbay/core/testing"
import { describe, expect, it } from "vitest"
import { cli } from "./support.ts"

const embedder = () => {
  const embedding = FakeEmbedding()
  return { embedding, providers: [fakeProvider({ id: "fake", embedding })] }
}
const line = (text: string, dimensions: number) => `[${Array.from(fakeVector(text, dimensions)).join(",")}]`

describe("embed", () => {
  it("prints one vector per text, in order, and a summary on stderr", async () => {
    const { embedding, providers } = embedder()
    const ran = await cli(["embed", "a red fox", "a lazy dog", "--model", "fake/fake-embedding", "--dimensions", "4"], { providers })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toBe(`${line("a red fox", 4)}\n${line("a lazy dog", 4)}\n`)
    expect(ran.stderr).toContain("embedding 2 texts with fake/fake-embedding")
    expect(ran.stderr).toContain("2 vectors of 4 dimensions, 6 input tokens, 1 call (fake/fake-embedding)")
    expect(embedding.log.requests).toEqual([{ model: "fake-embedding", texts: ["a red fox", "a lazy dog"], dimensions: 4, provider_options: undefined }])
  })

  it("splits texts beyond the model's per-call limit into several calls", async () => {
    const { embedding, providers } = embedder()
    const texts = ["a", "b", "c", "d", "e"]
    const ran = await cli(["embed", ...texts, "--model", "fake/fake-embedding"], { providers })
    expect(ran.code).toBe(0)
    expect(ran.stdout.trim().split("\n")).toEqual(texts.map((t) => line(t, 8)))
    expect(embedding.log.requests.map((r) => r.texts)).toEqual([["a", "b", "c", "d"], ["e"]])
  })

  it("--json prints the vectors, the usage and the record", async () => {
    const { providers } = embedder()
    const ran = await cli(["embed", "a red fox", "--model", "fake/fake-embedding", "--dimensions", "2", "--json"], { providers })
    expect(ran.code).toBe(0)
    expect(ran.stderr).toBe("")
    const doc = JSON.parse(ran.stdout)
    expect(doc).toMatchObject({
      provider: "fake",
      model: "fake-embedding",
      dimensions: 2,
      vectors: [Array.from(fakeVector("a red fox", 2))],
      usage: { input_tokens: 3 },
      record: { provider: "fake", model: "fake-embedding", texts: 1, dimensions: 2, calls: 1, usage: { input_tokens: 3 } }
    })
  })

  it("refuses a length the model cannot give, and an empty text, before any call", async () => {
    const { embedding, providers } = embedder()
    const long = await cli(["embed", "a fox", "--model", "fake/fake-embedding", "--dimensions", "9"], { providers })
    expect(long.code).toBe(1)
    expect(long.stderr).toContain("dimensions")
    expect(long.stderr).toContain("[InvalidRequest]")
    const empty = await cli(["embed", "", "--model", "fake/fake-embedding"], { providers })
    expect(empty.code).toBe(1)
    expect(empty.stderr).toContain("texts[0]")
    expect(embedding.log.requests).toEqual([])
  })

  it("refuses a malformed --dimensions and a missing text as usage errors", async () => {
    const { providers } = embedder()
    expect(await cli(["embed", "a fox", "--model", "fake/fake-embedding", "--dimensions", "many"], { providers })).toMatchObject({ code: 2 })
    const missing = await cli(["embed", "--model", "fake/fake-embedding"], { providers })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("embed: missing the text to embed")
  })
})
