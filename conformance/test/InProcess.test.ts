/**
 * The battery on a provider without HTTP: the HTTP checks are skipped, the behaviour
 * checks run on the scenarios alone, and the process harness drives the process-level checks —
 * which fail for a provider that leaves its program running when interrupted.
 */
import type { PatchbayProvider } from "@patchbay/core"
import { Stream } from "effect"
import { cpSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { Checks, makeSubject } from "../src/index.ts"
import { fakeLocal, harness, killsItself, leakyHarness } from "./support/FakeLocal.ts"

const cassettes = new URL("./cassettes/fake-local/", import.meta.url)

describe("an in-process provider with a process harness", () => {
  it("passes the behaviour and process checks; HTTP checks are skipped", async () => {
    const results = await Checks.runChecks(makeSubject({ name: "fake-local", mode: "in-process", make: () => fakeLocal(), cassettes, process: harness }))
    const rows = results.map((r) => `${r.group}.${r.check}: ${r.status}${r.status === "skipped" ? ` (${r.detail})` : ""}`)
    expect(rows).toEqual([
      "tts.validate: pass",
      "tts.validate_unknown_model: pass",
      "tts.validate_format: pass",
      "tts.validate_options: pass",
      "tts.validate_model_options: skipped (no option is declared unsupported by a model (options.tts.unsupported))",
      "tts.validate_values: skipped (no value is declared invalid (options.tts.invalid: a value its type allows that validate must refuse))",
      "tts.streaming: skipped (in-process provider: no transport to time)",
      "tts.refuses_empty_text: pass",
      "tts.format: pass",
      "tts.duration: pass",
      "tts.words: pass",
      "tts.characters: pass",
      "tts.usage: pass",
      "tts.provider_options: skipped (in-process provider: nothing goes over a wire)",
      "tts.line_ends: skipped (in-process provider: no event stream to read)",
      "tts.options_coverage: skipped (in-process provider: nothing goes over a wire)",
      "tts.request_fields: skipped (in-process provider: nothing goes over a wire)",
      "tts.latency: skipped (in-process provider: no transport whose delays the clock could play)",
      "tts.request_id: skipped (in-process provider: no HTTP)",
      "tts.provider_output: skipped (no tts success cassette states expect.provider_output)",
      "tts.warnings: pass",
      "tts.unauthorized: skipped (in-process provider: no HTTP)",
      "tts.unknown_model: skipped (in-process provider: no HTTP)",
      "tts.too_large: skipped (in-process provider: no HTTP)",
      "tts.invalid_request: skipped (in-process provider: no HTTP)",
      "tts.rate_limited: skipped (in-process provider: no HTTP)",
      "tts.quota_exceeded: skipped (in-process provider: no HTTP)",
      "tts.unavailable: skipped (in-process provider: no HTTP)",
      "tts.stream_error: skipped (in-process provider: no HTTP)",
      "tts.abort: skipped (in-process provider: no HTTP request to abort)",
      "tts.no_retry: skipped (in-process provider: no HTTP)",
      "tts.transport_failure: skipped (in-process provider: no HTTP)",
      "tts.deadline: skipped (in-process provider: no HTTP)",
      "tts.unreadable_body: skipped (in-process provider: no HTTP)",
      "tts.error_details: skipped (in-process provider: no HTTP)",
      "tts.secrets: skipped (in-process provider: it talks to no vendor, so it holds no key)",
      "tts.record_secrets: skipped (in-process provider: it talks to no vendor, so nothing is recorded)",
      "tts.nothing_outlives: pass",
      "process.missing_program: pass",
      "process.killed_process: pass",
      "process.interrupt_kills: pass"
    ])
  }, 30_000)

  it("without a harness the process checks are skipped, saying why", async () => {
    const result = await Checks.runCheck(Checks.byId("process.killed_process"), makeSubject({ name: "fake-local", mode: "in-process", make: () => fakeLocal(), cassettes }))
    expect(result).toMatchObject({ status: "skipped", detail: "no process harness given (runConformance({ process }))" })
  })

  it("catches a provider that leaves its program running when interrupted", async () => {
    const subject = makeSubject({ name: "leaky", mode: "in-process", make: () => fakeLocal(), cassettes, process: leakyHarness })
    const result = await Checks.runCheck(Checks.byId("process.interrupt_kills"), subject)
    expect(result.status).toBe("fail")
    const pids = /pid (\d+)/.exec(result.detail ?? "")?.[1]
    expect(result.detail).toBe(`tts-success.json: tts: the program (pid ${pids}) still runs after the call was interrupted`)
    process.kill(Number(pids), "SIGKILL")
  }, 30_000)

  // The checks that only read a success's outcome share one call per cassette: a local engine's
  // programs start once, not once per check. Counted in calls, never in time.
  const counting = (make: () => PatchbayProvider) => {
    let calls = 0
    const provider = (): PatchbayProvider => {
      const inner = make()
      const tts = inner.tts!
      return { ...inner, tts: { ...tts, synthesize: (r) => Stream.suspend(() => (calls++, tts.synthesize(r))) } }
    }
    return { provider, calls: () => calls }
  }
  const readers = ["tts.format", "tts.duration", "tts.characters", "tts.usage"] as const

  it("plays a success cassette once for the checks that read its outcome", async () => {
    const counted = counting(() => fakeLocal())
    const subject = makeSubject({ name: "fake-local", mode: "in-process", make: counted.provider, cassettes })
    const statuses: Array<string> = []
    for (const id of readers) statuses.push((await Checks.runCheck(Checks.byId(id), subject)).status)
    expect(statuses).toEqual(["pass", "pass", "pass", "pass"])
    expect(counted.calls()).toBe(1)
  }, 30_000)

  it("plays a failed call again for each check, and shares nothing between adapters", async () => {
    const failing = counting(() => fakeLocal(killsItself))
    const subject = makeSubject({ name: "fake-local", mode: "in-process", make: failing.provider, cassettes })
    for (const id of readers) expect((await Checks.runCheck(Checks.byId(id), subject)).status).toBe("fail")
    expect(failing.calls()).toBe(4)
    const other = counting(() => fakeLocal())
    expect((await Checks.runCheck(Checks.byId("tts.format"), makeSubject({ name: "other", mode: "in-process", make: other.provider, cassettes }))).status).toBe("pass")
    expect(other.calls()).toBe(1)
  }, 30_000)

  it("plays a capability's other successes beside the first asked for, each at most once", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fake-local-two-"))
    for (const name of ["a-tts-success.json", "b-tts-success.json"]) cpSync(fileURLToPath(new URL("tts-success.json", cassettes)), path.join(dir, name))
    const counted = counting(() => fakeLocal())
    const subject = makeSubject({ name: "fake-local", mode: "in-process", make: counted.provider, cassettes: dir })
    for (const id of readers) expect((await Checks.runCheck(Checks.byId(id), subject)).status).toBe("pass")
    expect(counted.calls()).toBe(2)
    // Failing: the first check plays both; later checks play the first again (it failed), never the second beside it.
    const failing = counting(() => fakeLocal(killsItself))
    const broken = makeSubject({ name: "fake-local", mode: "in-process", make: failing.provider, cassettes: dir })
    for (const id of readers) expect((await Checks.runCheck(Checks.byId(id), broken)).status).toBe("fail")
    expect(failing.calls()).toBe(5)
  }, 30_000)
})
