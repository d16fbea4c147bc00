import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { expect, it } from "vitest"
import { type Checks, Report, type ResultsFile, writeResults } from "../src/index.ts"

const row = (group: Checks.CheckGroup, check: string, title: string, status: Checks.CheckStatus, detail?: string): Checks.CheckResult => ({
  adapter: "",
  group,
  check,
  title,
  status,
  ...(detail === undefined ? {} : { detail }),
  cassettes: []
})

it("formats adapters × capability × check, in the battery's order, with the reasons below", () => {
  const files: ReadonlyArray<ResultsFile> = [
    {
      adapter: "zeta",
      mode: "in-process",
      results: [
        row("tts", "format", "the bytes are the declared format", "fail", "declared mp3 (mp3, audio/mpeg) but the bytes are wav"),
        row("tts", "validate", "the validate hook accepts every success scenario and makes no request", "pass"),
        row("process", "interrupt_kills", "interruption kills the process", "pass")
      ]
    },
    {
      adapter: "alpha",
      mode: "http",
      results: [
        row("stt", "validate", "the validate hook accepts every success scenario and makes no request", "pass"),
        row("tts", "validate", "the validate hook accepts every success scenario and makes no request", "pass"),
        row("tts", "format", "the bytes are the declared format", "pass"),
        row("process", "interrupt_kills", "interruption kills the process", "skipped", "HTTP adapter | no program")
      ]
    }
  ]
  expect(Report.formatReport(files)).toBe([
    "# Conformance report",
    "",
    "- **alpha** (http): 3 pass, 0 fail, 1 skipped",
    "- **zeta** (in-process): 2 pass, 1 fail, 0 skipped",
    "",
    "| capability | check | what it proves | alpha | zeta |",
    "| --- | --- | --- | --- | --- |",
    "| stt | validate | the validate hook accepts every success scenario and makes no request | pass | — |",
    "| tts | validate | the validate hook accepts every success scenario and makes no request | pass | pass |",
    "| tts | format | the bytes are the declared format | pass | **fail** |",
    "| process | interrupt_kills | interruption kills the process | skipped: HTTP adapter \\| no program | pass |",
    "",
    "## Failures",
    "",
    "- zeta · tts · format: declared mp3 (mp3, audio/mpeg) but the bytes are wav",
    ""
  ].join("\n"))
})

it("reads the files batteries write", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "results-"))
  const file: ResultsFile = { adapter: "acme/voice", mode: "http", results: [row("stt", "text", "t", "pass")] }
  expect(path.basename(writeResults(dir, file))).toBe("acme-voice.json")
  writeFileSync(path.join(dir, "notes.txt"), "ignored")
  expect(Report.readResults(dir)).toEqual([file])
})
