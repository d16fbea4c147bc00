/**
 * The battery's checks about time can fail: an adapter that leaves a timer running after a
 * cancelled request fails `stt.nothing_outlives`, one that adds a wait of its own fails
 * `stt.latency` — each that check only — while the good adapter passes them.
 */
import { afterAll, describe, expect, it } from "vitest"
import { Checks, makeSubject, type MakeProvider } from "../src/index.ts"
import { good } from "./support/Broken.ts"
import { dispose, keepsDeadlineTimer, waitsAfterTranscript } from "./support/BrokenLifetime.ts"

const cassettes = new URL("../examples/acme-voice/cassettes/", import.meta.url)
const subject = (name: string, make: MakeProvider) => makeSubject({ name, make, cassettes })

afterAll(dispose)

describe("nothing outlives a request", () => {
  it("an adapter whose request deadline outlives a cancelled transcription fails stt.nothing_outlives only", async () => {
    const results = await Checks.runChecks(subject("acme-deadline", keepsDeadlineTimer))
    const failed = results.filter((r) => r.status === "fail")
    expect(failed.map((r) => `${r.group}.${r.check}`)).toEqual(["stt.nothing_outlives"])
    expect(failed[0]?.detail).toBe(
      "stt-success.json: after a cancelled call, 1 × Timeout of the adapter was still active 5 s later: " +
        "clear the timers you set (also when the call fails or is interrupted), close or cancel response bodies, and let child processes be killed and reaped; " +
        "an SDK that arms a request deadline must see fetch settle (abort it) or be given a signal"
    )
    dispose()
    for (const capability of ["stt", "tts", "llm", "image"]) {
      expect(await Checks.runCheck(Checks.byId(`${capability}.nothing_outlives`), subject("acme-voice", good))).toMatchObject({ status: "pass" })
    }
  }, 60_000)
})

describe("latency in the records", () => {
  it("an adapter that waits after the vendor's transcript fails stt.latency only", async () => {
    const results = await Checks.runChecks(subject("acme-waits", waitsAfterTranscript))
    const failed = results.filter((r) => r.status === "fail")
    expect(failed.map((r) => `${r.group}.${r.check}: ${r.detail}`)).toEqual([
      "stt.latency: stt-success.json: the first output (stt_stream_start) came out at 140 ms, but the vendor delivered at 40 ms: " +
        "output comes from what the vendor delivered, when it delivered it — the adapter adds a wait of its own (a sleep, a poll interval, a timer) or outputs something the vendor did not send"
    ])
    for (const capability of ["stt", "tts"]) {
      expect(await Checks.runCheck(Checks.byId(`${capability}.latency`), subject("acme-voice", good))).toMatchObject({ status: "pass" })
    }
  }, 60_000)
})
