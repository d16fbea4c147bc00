/**
 * `*.line_ends`: an event stream written with CRLF line ends must give the outputs it gives with
 * LF. The example adapter (core's SSE reader) passes; a variant that finds events at `"\n\n"`
 * only fails it, and no other check of the battery notices that variant.
 */
import { describe, expect, it } from "vitest"
import * as Cassette from "../src/Cassette.ts"
import { Checks, makeSubject, type MakeProvider } from "../src/index.ts"
import { withCrlf } from "../src/internal/checks/line-ends.ts"
import { stepsOf } from "../src/internal/steps.ts"
import { acmeOptions } from "./support/AcmeOptions.ts"
import { good } from "./support/Broken.ts"
import { eventsAtLfBlankLines } from "./support/BrokenWire.ts"

const cassettes = new URL("../examples/acme-voice/cassettes/", import.meta.url)
const subject = (name: string, make: MakeProvider) => makeSubject({ name, make, cassettes, options: acmeOptions })

describe("line_ends", () => {
  it("rewrites every line end of an event stream as CRLF, and nothing else", () => {
    const loaded = Cassette.loadSync(new URL("llm-success-text.json", cassettes))
    const text = (l: typeof loaded) => new TextDecoder().decode(Buffer.concat(stepsOf(l.cassette.interactions[0]?.response.body, l.dir).flatMap((s) => s._tag === "Bytes" ? [s.bytes] : [])))
    const lf = text(loaded)
    const crlf = text(withCrlf(loaded))
    expect(crlf).toBe(lf.replaceAll("\n", "\r\n"))
    expect(crlf.split("\r\n").join("")).not.toMatch(/[\r\n]/)
    expect(withCrlf(loaded).cassette.interactions[0]?.request).toEqual(loaded.cassette.interactions[0]?.request)
  })

  it("passes the example adapter", async () => {
    const result = await Checks.runCheck(Checks.byId("llm.line_ends"), subject("acme-voice", good))
    expect(result).toMatchObject({ status: "pass", cassettes: ["llm-success-text.json", "llm-success-tools.json"] })
  })

  it("catches an adapter that finds events at LF blank lines only, and only this check does", async () => {
    const results = await Checks.runChecks(subject("lf-only", eventsAtLfBlankLines))
    const failed = results.filter((r) => r.status === "fail")
    expect(failed.map((r) => `${r.group}.${r.check}`)).toEqual(["llm.line_ends"])
    expect(failed[0]?.detail).toBe(
      "llm-success-text.json: output 0 is (absent) with CRLF line ends, {\"type\":\"text_delta\",\"delta\":\"Hello\"} with LF (0 outputs against 7): read an event stream's lines at CRLF, CR or LF, as the SSE format allows (a parser or rewriter of your own must not split on \"\\n\" alone)"
    )
  }, 120_000)
})
