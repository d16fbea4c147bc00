import { Effect } from "effect"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { Cassette } from "../src/index.ts"

const example = new URL("../examples/acme-voice/cassettes/", import.meta.url)

describe("the example's cassettes", () => {
  it("all load, are labelled synthesized and carry a scenario", () => {
    const loaded = Cassette.loadDirectorySync(example)
    expect(loaded).toHaveLength(38)
    expect(new Set(loaded.map((c) => c.cassette.source))).toEqual(new Set(["synthesized"]))
    const count = (capability: string) => loaded.filter((c) => c.cassette.scenario?.capability === capability).length
    expect([count("stt"), count("tts"), count("llm"), count("image")]).toEqual([8, 11, 12, 7])
  })

  it("round-trip through stringify unchanged", () => {
    for (const { cassette, file } of Cassette.loadDirectorySync(example)) {
      expect(Cassette.decodeSync(JSON.parse(Cassette.stringify(cassette)), file)).toEqual(cassette)
    }
  })
})

describe("validation on load", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "cassettes-"))
  const write = (name: string, content: unknown) => {
    const file = path.join(dir, name)
    writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content))
    return file
  }
  const messageOf = (file: string) => {
    try {
      Cassette.loadSync(file)
      return "loaded"
    } catch (error) {
      return (error as Error).message
    }
  }
  const base = { version: 1, source: "synthesized", interactions: [] }
  const request = { method: "POST", url: "https://v.test/x" }

  it("names the file and the JSON path of the first problem, with the value found", () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{ ...base, source: "made-up" }, "at source: Expected \"recorded\" | \"synthesized\", got \"made-up\""],
      [{ ...base, interactions: [{ request, response: { status: "200" } }] }, "at interactions[0].response.status: Expected number, got \"200\""],
      [
        { ...base, interactions: [{ request: { ...request, body: { type: "multipart", fields: { file: { sha256: "abc", size: 3 } } } }, response: { status: 200 } }] },
        "at interactions[0].request.body.fields.file.sha256: Expected a string matching the RegExp ^[0-9a-f]{64}$, got \"abc\""
      ],
      [
        { ...base, interactions: [{ request, response: { status: 200, body: { type: "sse", chunks: [{ date: "x" }] } } }] },
        "at interactions[0].response.body.chunks[0].data: Missing key"
      ],
      [
        { ...base, scenario: { capability: "stt", case: "succes", request: { model: "m" } } },
        "at scenario.case: Expected \"success\" | \"unauthorized\" | \"unknown_model\" | \"too_large\" | \"invalid_request\" | \"rate_limited\" | \"quota_exceeded\" | \"unavailable\" | \"stream_error\", got \"succes\""
      ],
      [{ ...base, version: 2 }, "at version: format version 2 is newer than this @patchbay/conformance reads (1); upgrade the package"]
    ]
    for (const [content, problem] of cases) {
      const file = write("bad.json", content)
      expect(messageOf(file)).toBe(`${file} ${problem}`)
    }
  })

  it("reads a user message of text and image parts, each image a file next to the cassette", () => {
    const parts = [{ type: "text", text: "What is this?" }, { type: "image", fixture: "images/fox.png", media_type: "image/png" }]
    const scenario = { capability: "llm", case: "success", request: { model: "m", messages: [{ role: "user", content: parts }] } }
    expect(Cassette.loadSync(write("image-part.json", { ...base, scenario })).cassette.scenario?.request.messages).toEqual([{ role: "user", content: parts }])
    const file = write("image-part-bad.json", { ...base, scenario: { ...scenario, request: { model: "m", messages: [{ role: "user", content: [{ type: "image", media_type: "image/png" }] }] } } })
    expect(messageOf(file)).toContain("scenario.request.messages[0]")
  })

  it("reports unreadable files and directories", () => {
    expect(messageOf(write("broken.json", "{ not json"))).toMatch(/broken\.json: is not JSON \(/)
    expect(messageOf(path.join(dir, "absent.json"))).toBe(`${path.join(dir, "absent.json")}: cannot be read (ENOENT)`)
    expect(() => Cassette.loadDirectorySync(path.join(dir, "nowhere"))).toThrow(`${path.join(dir, "nowhere")}: the cassette directory cannot be read (ENOENT)`)
  })

  it("fails the Effect with a CassetteError", async () => {
    const file = write("bad2.json", { ...base, source: 1 })
    const error = await Effect.runPromise(Effect.flip(Cassette.load(file)))
    expect(error).toBeInstanceOf(Cassette.CassetteError)
    expect([error.file, error.path]).toEqual([file, "source"])
  })
})

describe("a cassette directory", () => {
  it("is read without its subdirectories (fixtures, an adapter's own cassettes), sorted by file name", () => {
    const root = mkdtempSync(path.join(tmpdir(), "cassette-tree-"))
    const cassette = Cassette.stringify(Cassette.loadSync(new URL("stt-success.json", example)).cassette)
    for (const name of ["b.json", "a.json", "extra/z.json", "seed/deeper/y.json"]) {
      mkdirSync(path.dirname(path.join(root, name)), { recursive: true })
      writeFileSync(path.join(root, name), cassette)
    }
    writeFileSync(path.join(root, "notes.txt"), "not a cassette")
    expect(Cassette.loadDirectorySync(root).map((c) => c.name)).toEqual(["a.json", "b.json"])
    expect(Cassette.loadSync(path.join(root, "extra/z.json")).name).toBe("z.json")
  })
})
