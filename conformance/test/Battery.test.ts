/**
 * What `runConformance` registers, observed through a recording test API: the suite layout, the
 * skipped tests of checks that do not apply, a failing check failing its test, the results file for the report, and
 * record mode re-recording before the checks run.
 */
import { cpSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { acmeVoice } from "../examples/acme-voice/src/index.ts"
import { Checks, type ConformanceOptions, registerBattery, type ResultsFile, type TestApi } from "../src/index.ts"
import { claimsMp3ReturnsWav } from "./support/Broken.ts"
import { acmeOptions } from "./support/AcmeOptions.ts"
import { fakeAcme } from "./support/FakeAcme.ts"

interface Registered {
  readonly tests: Array<{ readonly name: string; readonly body: () => unknown }>
  readonly skipped: Array<string>
  readonly before: Array<() => unknown>
  readonly after: Array<() => unknown>
}

const register = (options: ConformanceOptions, env: Record<string, string> = {}): Registered => {
  const registered: Registered = { tests: [], skipped: [], before: [], after: [] }
  const path: Array<string> = []
  const api: TestApi = {
    describe: (name, body) => {
      path.push(name)
      body()
      path.pop()
    },
    it: (name, body) => void registered.tests.push({ name: [...path, name].join(" > "), body }),
    skip: (name) => void registered.skipped.push([...path, name].join(" > ")),
    beforeAll: (body) => void registered.before.push(body),
    afterAll: (body) => void registered.after.push(body)
  }
  registerBattery(options, api, env)
  return registered
}

const cassettes = fileURLToPath(new URL("../examples/acme-voice/cassettes/", import.meta.url))
const outcome = async (body: () => unknown) => {
  try {
    await body()
    return "passed"
  } catch (error) {
    return (error as Error).message
  }
}

describe("registerBattery", () => {
  it("registers a describe per declared capability, then process, an it per check, and a skipped test per check that does not apply", () => {
    const { tests, skipped } = register({ name: "acme-voice", make: (o) => acmeVoice(o), cassettes, options: acmeOptions })
    expect(tests).toHaveLength(125)
    expect(tests.filter((t) => t.name.includes("skipped"))).toEqual([])
    expect(tests.slice(0, 2).map((t) => t.name)).toEqual([
      "conformance: acme-voice > stt > validate: the validate hook accepts every success scenario and makes no request",
      "conformance: acme-voice > stt > validate_unknown_model: validate refuses a model the catalogue does not allow, with no request"
    ])
    expect(skipped).toEqual([
      "conformance: acme-voice > stt > deltas: skipped: no stt success cassette streams",
      "conformance: acme-voice > stt > line_ends: skipped: no stt success cassette is answered with an event stream",
      "conformance: acme-voice > stt > stream_error: skipped: the provider does not stream transcripts",
      "conformance: acme-voice > stt > deadline: skipped: the battery file gives no factory with a request deadline (runConformance({ deadline }))",
      "conformance: acme-voice > stt > unreadable_body: skipped: no stt \"unavailable\" cassette answers with a success status",
      "conformance: acme-voice > stt > realtime_validate: skipped: the adapter has no stt.realtime",
      "conformance: acme-voice > stt > realtime_partials: skipped: the adapter has no stt.realtime",
      "conformance: acme-voice > stt > realtime_text: skipped: the adapter has no stt.realtime",
      "conformance: acme-voice > stt > realtime_errors: skipped: the adapter has no stt.realtime",
      "conformance: acme-voice > stt > realtime_abort: skipped: the adapter has no stt.realtime",
      "conformance: acme-voice > stt > realtime_nothing_outlives: skipped: the adapter has no stt.realtime",
      "conformance: acme-voice > tts > validate_model_options: skipped: no option is declared unsupported by a model (options.tts.unsupported)",
      "conformance: acme-voice > tts > line_ends: skipped: no tts success cassette is answered with an event stream",
      "conformance: acme-voice > tts > deadline: skipped: the battery file gives no factory with a request deadline (runConformance({ deadline }))",
      "conformance: acme-voice > tts > unreadable_body: skipped: no tts \"unavailable\" cassette answers with a success status",
      "conformance: acme-voice > llm > validate_model_options: skipped: no option is declared unsupported by a model (options.llm.unsupported)",
      "conformance: acme-voice > llm > media: skipped: no llm cassette expects images",
      "conformance: acme-voice > llm > provider_output: skipped: no llm success cassette states expect.provider_output",
      "conformance: acme-voice > llm > deadline: skipped: the battery file gives no factory with a request deadline (runConformance({ deadline }))",
      "conformance: acme-voice > llm > unreadable_body: skipped: no llm \"unavailable\" cassette answers with a success status",
      "conformance: acme-voice > image > validate_model_options: skipped: no option is declared unsupported by a model (options.image.unsupported)",
      "conformance: acme-voice > image > too_large: skipped: no image cassette with case \"too_large\"",
      "conformance: acme-voice > image > stream_error: skipped: image generation does not stream",
      "conformance: acme-voice > image > deadline: skipped: the battery file gives no factory with a request deadline (runConformance({ deadline }))",
      "conformance: acme-voice > image > unreadable_body: skipped: no image \"unavailable\" cassette answers with a success status",
      "conformance: acme-voice > process > missing_program: skipped: HTTP adapter: process checks apply to adapters that run local programs",
      "conformance: acme-voice > process > killed_process: skipped: HTTP adapter: process checks apply to adapters that run local programs",
      "conformance: acme-voice > process > interrupt_kills: skipped: HTTP adapter: process checks apply to adapters that run local programs"
    ])
  })

  it("fails the test of a failing check with its message, and writes every row for the report, skipped ones with their reason", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "results-"))
    const { tests, after } = register({ name: "acme-broken", make: claimsMp3ReturnsWav, cassettes, options: acmeOptions }, { PATCHBAY_CONFORMANCE_RESULTS: dir })
    const format = tests.find((t) => t.name === "conformance: acme-broken > tts > format: the bytes are the declared format")
    expect(tests.find((t) => t.name.startsWith("conformance: acme-broken > stt > stream_error"))).toBeUndefined()
    expect(await outcome(format?.body ?? (() => {}))).toBe("tts.format: tts-success-mp3.json: declared mp3 (mp3_16000, audio/mpeg) but the bytes are wav")
    for (const hook of after) await hook()
    const written = JSON.parse(readFileSync(path.join(dir, "acme-broken.json"), "utf8")) as ResultsFile
    const http = "HTTP adapter: process checks apply to adapters that run local programs"
    const skippedRow = (group: string, check: string, title: string, detail: string) =>
      ({ adapter: "acme-broken", group, check, title, status: "skipped", detail, cassettes: [] })
    const deadlineRows = (group: string) => [
      skippedRow(group, "deadline", "the adapter's own request deadline → ProviderTimeout naming the provider, the request aborted", "the battery file gives no factory with a request deadline (runConformance({ deadline }))"),
      skippedRow(group, "unreadable_body", "a success status with a body the adapter cannot read → ProviderUnavailable naming the provider and what was wrong", `no ${group} "unavailable" cassette answers with a success status`)
    ]
    const modelOptionsRow = (group: string) =>
      skippedRow(group, "validate_model_options", "validate refuses an option the model does not support, with no request", `no option is declared unsupported by a model (options.${group}.unsupported)`)
    const lineEndsRow = (group: string) =>
      skippedRow(group, "line_ends", "an event stream with CRLF line ends gives the same outputs as with LF", `no ${group} success cassette is answered with an event stream`)
    expect(written).toEqual({
      adapter: "acme-broken",
      mode: "http",
      results: [
        skippedRow("stt", "deltas", "a stream passes on the vendor's deltas: none empty, none after the vendor's final event", "no stt success cassette streams"),
        lineEndsRow("stt"),
        skippedRow("stt", "stream_error", "an error mid-stream ends in its code's typed error after the partial output, with the vendor's message and request id", "the provider does not stream transcripts"),
        ...deadlineRows("stt"),
        ...Checks.checks.filter((c) => c.name.startsWith("realtime_")).map((c) => skippedRow("stt", c.name, c.title, "the adapter has no stt.realtime")),
        modelOptionsRow("tts"),
        lineEndsRow("tts"),
        ...deadlineRows("tts"),
        modelOptionsRow("llm"),
        skippedRow("llm", "media", "images the model streams arrive as media events, each the declared image type", "no llm cassette expects images"),
        skippedRow("llm", "provider_output", "a result keeps what the vendor sent as its provider_output", "no llm success cassette states expect.provider_output"),
        ...deadlineRows("llm"),
        modelOptionsRow("image"),
        skippedRow("image", "too_large", "an over-limit input → InputTooLarge", "no image cassette with case \"too_large\""),
        skippedRow("image", "stream_error", "an error mid-stream ends in its code's typed error after the partial output, with the vendor's message and request id", "image generation does not stream"),
        ...deadlineRows("image"),
        skippedRow("process", "missing_program", "a missing program fails with a typed error", http),
        skippedRow("process", "killed_process", "a killed process fails with a typed error", http),
        skippedRow("process", "interrupt_kills", "interruption kills the process", http),
        {
          adapter: "acme-broken",
          group: "tts",
          check: "format",
          title: "the bytes are the declared format",
          status: "fail",
          detail: "tts-success-mp3.json: declared mp3 (mp3_16000, audio/mpeg) but the bytes are wav",
          cassettes: ["tts-success-mp3.json", "tts-success-pcm.json", "tts-success-ulaw.json"]
        }
      ]
    })
  }, 30_000)

  it("in record mode with the key set, re-records the success cassettes before the checks replay them", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "record-battery-"))
    for (const name of ["tts-success-mp3.json", "audio"]) cpSync(path.join(cassettes, name), path.join(dir, name), { recursive: true })
    const key = "acme_live_0123456789abcdef"
    const vendor = fakeAcme(key)
    const options: ConformanceOptions = {
      name: "acme-voice",
      make: (o) => acmeVoice(o),
      cassettes: dir,
      record: { apiKeyVariable: "ACME_VOICE_API_KEY", upstream: vendor.upstream }
    }
    expect(register(options, { ACME_VOICE_API_KEY: key }).before).toHaveLength(0)
    expect(register(options, { PATCHBAY_RECORD: "1" }).before).toHaveLength(0)
    const { before, tests } = register(options, { PATCHBAY_RECORD: "1", ACME_VOICE_API_KEY: key })
    expect(before).toHaveLength(1)
    for (const hook of before) await hook()
    expect(vendor.requests).toEqual(["POST /v1/speech"])
    expect(JSON.parse(readFileSync(path.join(dir, "tts-success-mp3.json"), "utf8")).source).toBe("recorded")
    const format = tests.find((t) => t.name.includes("tts > format"))
    expect(await outcome(format?.body ?? (() => {}))).toBe("passed")
  }, 30_000)
})
