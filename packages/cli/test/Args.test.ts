/** The pieces of argument reading and output formatting the commands share. */
import { InvalidRequest, MissingApiKey, ProviderUnavailable, UnknownProvider, UnsupportedFormat } from "@patchbay/core"
import { describe, expect, it } from "vitest"
import { extensionOfMediaType, formatOfPath, parseModelRef } from "../src/Args.ts"
import { pngSize } from "../src/Image.ts"
import { abridgeRecord, CliError, describeError, errorLine, makeOutput, table } from "../src/Output.ts"
import { bufferWriter } from "../src/Output.ts"
import { callSummary, keyVariables, repeatableIds, vendorOfUrl } from "../src/Providers.ts"

describe("parseModelRef", () => {
  it("splits at the first slash, so model ids keep theirs", () => {
    expect(parseModelRef("openai/whisper-1", "--stt")).toEqual({ provider: "openai", model: "whisper-1" })
    expect(parseModelRef("openrouter/google/gemini-3.1-flash-image-preview", "--image")).toEqual({
      provider: "openrouter",
      model: "google/gemini-3.1-flash-image-preview"
    })
  })

  it("refuses a reference without a provider or a model, as a usage error with an example", () => {
    for (const bad of ["whisper-1", "/whisper-1", "openai/", ""]) {
      const error = (() => {
        try {
          parseModelRef(bad, "--stt")
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(CliError)
      expect((error as CliError).exitCode).toBe(2)
      expect((error as CliError).hint).toContain("--stt openai/whisper-1")
    }
  })
})

describe("formats", () => {
  it("an output file's extension names the format", () => {
    expect(formatOfPath("reply.mp3")).toBe("mp3")
    expect(formatOfPath("out/REPLY.WAV")).toBe("wav")
    expect(formatOfPath("a.ogg")).toBe("opus")
    expect(formatOfPath("reply")).toBeUndefined()
    expect(formatOfPath("reply.txt")).toBeUndefined()
  })

  it("a media type names the extension", () => {
    expect(extensionOfMediaType("audio/mpeg")).toBe("mp3")
    expect(extensionOfMediaType("audio/wav")).toBe("wav")
    expect(extensionOfMediaType("image/png")).toBe("png")
    expect(extensionOfMediaType("application/x-unknown")).toBe("bin")
  })

  it("audio media types name the extension through the audio table, aliases included", () => {
    expect(extensionOfMediaType("audio/x-alaw-basic")).toBe("alaw")
    expect(extensionOfMediaType("audio/pcmu")).toBe("ulaw")
    expect(extensionOfMediaType("audio/pcm; rate=24000")).toBe("pcm")
    expect(extensionOfMediaType("audio/L16")).toBe("pcm")
    expect(extensionOfMediaType("audio/mp4")).toBe("m4a")
    expect(extensionOfMediaType("Audio/Ogg; codecs=opus")).toBe("ogg")
    expect(extensionOfMediaType("application/octet-stream")).toBe("bin")
  })

  it("pngSize reads IHDR", () => {
    const png = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0))
    expect(pngSize(png)).toEqual({ width: 1, height: 1 })
    expect(pngSize(new Uint8Array(30))).toBeUndefined()
  })
})

describe("errors", () => {
  const context = { keyVariables, flagOf: (field: string) => (field.startsWith("voice.stt") ? "--stt" : undefined) }

  it("a missing key: the error's own message, its tag, and what to do", () => {
    const line = errorLine(describeError(new MissingApiKey({ provider: "openai", variable: "OPENAI_API_KEY" }), context))
    expect(line).toBe(
      "patchbay: No API key for openai: set OPENAI_API_KEY or pass apiKey to the openai() factory [MissingApiKey] — set OPENAI_API_KEY or pass --replay <dir>"
    )
  })

  it("an unknown provider, without the library's advice to register it", () => {
    const line = errorLine(describeError(new UnknownProvider({ provider: "acme", field: "voice.stt.provider", registered: ["openai"], capability: "stt" }), context))
    expect(line).toBe(
      "patchbay: Unknown stt provider \"acme\" at voice.stt.provider; registered: \"openai\". [UnknownProvider] — run `patchbay providers` to see the registered ones, and name one with --stt provider/model"
    )
  })

  it("a provider without the capability asked of it: which registered providers have it", () => {
    const error = new UnknownProvider({ provider: "openrouter", field: "voice.stt.provider", registered: ["openai", "elevenlabs"], capability: "stt", registeredWithout: true })
    expect(errorLine(describeError(error, context))).toBe(
      "patchbay: Provider \"openrouter\" at voice.stt.provider has no STT; registered providers with STT: \"openai\", \"elevenlabs\" [UnknownProvider] — " +
        "run `patchbay providers` to see the registered ones, and name one with --stt provider/model"
    )
  })

  it("a host that could not be resolved: says so, not \"try again in a moment\"", () => {
    const error = new ProviderUnavailable({ provider: "openai", detail: "the request failed: fetch failed (getaddrinfo ENOTFOUND api.openai.com)" })
    expect(describeError(error, context).hint).toBe("check the network connection or the base URL, or pass --replay <dir>")
    expect(describeError(new ProviderUnavailable({ provider: "openai", detail: "fetch failed (ECONNRESET)" }), context).hint).toBe("try again in a moment")
  })

  it("an empty file or a text file: no advice to convert it with ffmpeg", () => {
    for (const format of ["empty", "text"]) {
      const error = new UnsupportedFormat({ field: "audio_file", format, allowed: [] })
      expect(describeError(error, context).hint).toBe("give the path of an audio recording")
    }
  })

  it("messages are kept on one line", () => {
    const described = describeError(new InvalidRequest({ field: "content", reason: "two\nlines" }), context)
    expect(errorLine(described)).not.toContain("\n")
  })

  it("anything else is reported as a bug, with exit code 1", () => {
    const described = describeError(new TypeError("boom"), context)
    expect(described).toMatchObject({ tag: "Unexpected", message: "TypeError: boom", exitCode: 1 })
  })
})

describe("output", () => {
  it("progress goes to stderr; on one terminal a half-written line is ended first, markers stay inline", () => {
    const stdout = bufferWriter(true)
    const stderr = bufferWriter(true)
    const out = makeOutput(stdout, stderr, false)
    out.print("Assistant: Mount")
    out.progress("♪ first audio")
    out.print(" Everest.")
    out.inline("♪ 1.2 kB", "♪ audio chunk #1: 1.2 kB")
    out.endLine()
    out.inline("♪ 1.2 kB", "♪ audio chunk #2: 1.2 kB")
    expect(stdout.text()).toBe("Assistant: Mount Everest.\n")
    expect(stderr.text()).toBe("\n♪ first audio\n \u001b[2m⟨♪ 1.2 kB⟩\u001b[22m♪ audio chunk #2: 1.2 kB\n")
  })

  it("--json mode prints only the document", () => {
    const stdout = bufferWriter()
    const stderr = bufferWriter()
    const out = makeOutput(stdout, stderr, true)
    out.line("text")
    out.progress("progress")
    out.document({ a: 1 })
    expect(stdout.text()).toBe("{\n  \"a\": 1\n}\n")
    expect(stderr.text()).toBe("")
  })

  it("tables align their columns", () => {
    expect(table(["A", "BB"], [["long", "x"], ["s", "y"]])).toBe("A     BB\n----  --\nlong  x\ns     y\n")
  })

  it("records are abridged for printing: the vendor's raw response summarized, long word lists cut", () => {
    const abridged = abridgeRecord({ stt: { transcript: "hi", words: [1, 2, 3, 4, 5], provider_output: { text: "hi" } } }) as {
      stt: { words: Array<unknown>; provider_output: string }
    }
    expect(abridged.stt.words).toEqual([1, 2, "… 3 more"])
    expect(abridged.stt.provider_output).toMatch(/^\(\d+ B of the vendor's response; see the \.json file\)$/)
  })
})

describe("providers", () => {
  it("cassette interactions belong to the vendor of their host", () => {
    expect(vendorOfUrl("https://api.openai.com/v1/audio/speech")).toBe("openai")
    expect(vendorOfUrl("https://api.elevenlabs.io/v1/speech-to-text")).toBe("elevenlabs")
    expect(vendorOfUrl("https://openrouter.ai/api/v1/chat/completions")).toBe("openrouter")
    expect(vendorOfUrl("https://api.acme.test/x")).toBeUndefined()
  })

  it("printed records round floating-point noise away", () => {
    expect(abridgeRecord({ duration_seconds: 2.268000000000001, n: 3, t: 0.1 + 0.2, words: [{ start: 1.0000000000000002 }] })).toEqual({
      duration_seconds: 2.268,
      n: 3,
      t: 0.3,
      words: [{ start: 1 }]
    })
  })

  it("replayed media ids repeat from run to run and are valid document ids", () => {
    const a = repeatableIds()
    const b = repeatableIds()
    expect([a(), a()]).toEqual(["doc_patchbayreplay0000000001", "doc_patchbayreplay0000000002"])
    expect(b()).toBe("doc_patchbayreplay0000000001")
    expect(a()).toMatch(/^doc_[A-Za-z0-9_-]{24}$/)
    const section7 = repeatableIds(7)
    expect([section7(), section7()]).toEqual(["doc_patchbayreplay0700000001", "doc_patchbayreplay0700000002"])
    expect(() => repeatableIds(100)).toThrow(RangeError)
  })

  it("the call summary names what was replayed and what ran live", () => {
    const handle = (mode: "live" | "replay", served: number) => ({
      id: "openai" as const,
      variable: "OPENAI_API_KEY",
      mode,
      source: "/cassettes",
      provider: { id: "openai", models: [] },
      served: () => served,
      unmatched: () => 0,
      log: () => []
    })
    expect(callSummary([handle("replay", 2)])).toEqual(["openai: 2 calls replayed from the cassettes in /cassettes"])
    expect(callSummary([handle("live", 1)])).toEqual(["openai: 1 call live (OPENAI_API_KEY is set)"])
    expect(callSummary([handle("live", 0)])).toEqual([])
  })
})
