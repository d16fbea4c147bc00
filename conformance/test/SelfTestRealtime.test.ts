/**
 * The realtime checks can fail. The Acme Live adapter (`support/AcmeRealtime.ts`) passes every
 * one of them over its cassettes (`cassettes/acme-live/`, played by the replay WebSocket server);
 * each broken variant fails exactly the check named after its bug, with a message that says what
 * is wrong. An adapter without a realtime model gets them all skipped, with the reason.
 */
import { afterAll, describe, expect, it } from "vitest"
import { Checks, makeSubject, type MakeProvider } from "../src/index.ts"
import { good } from "./support/Broken.ts"
import {
  commitsLastPartial,
  connectsFirst,
  disposeKeepAlives,
  genericErrors,
  goodLive,
  holdsPartials,
  keepsSocketOnInterrupt,
  leavesKeepAlive
} from "./support/BrokenRealtime.ts"

const cassettes = new URL("./cassettes/acme-live/", import.meta.url)
const subject = (name: string, make: MakeProvider) => makeSubject({ name, make, cassettes })
const REALTIME = ["realtime_validate", "realtime_partials", "realtime_text", "realtime_errors", "realtime_abort", "realtime_nothing_outlives"]

afterAll(disposeKeepAlives)

const realtimeResults = async (name: string, make: MakeProvider) => {
  const results = await Checks.runChecks(subject(name, make))
  return results.filter((r) => r.check.startsWith("realtime_"))
}

describe("the realtime checks", () => {
  it("pass on the good adapter, each having played its cassettes", async () => {
    const results = await realtimeResults("acme-live", goodLive)
    expect(results.map((r) => [r.check, r.status, r.detail])).toEqual(REALTIME.map((check) => [check, "pass", undefined]))
    expect(results.find((r) => r.check === "realtime_errors")?.cassettes).toEqual([
      "stt-realtime-invalid-request.json",
      "stt-realtime-quota-exceeded.json",
      "stt-realtime-rate-limited.json",
      "stt-realtime-unauthorized.json",
      "stt-realtime-unavailable.json"
    ])
    expect(results.find((r) => r.check === "realtime_nothing_outlives")?.cassettes).toEqual(["stt-realtime-success.json", "stt-realtime-invalid-request.json"])
  }, 60_000)

  it("are skipped, with the reason in the name, for an adapter without a realtime model", async () => {
    const acmeVoice = makeSubject({ name: "acme-voice", make: good, cassettes: new URL("../examples/acme-voice/cassettes/", import.meta.url) })
    const results = await Checks.runChecks(acmeVoice)
    expect(results.filter((r) => r.check.startsWith("realtime_")).map((r) => `${r.check}: ${r.status}: ${r.detail}`)).toEqual(
      REALTIME.map((check) => `${check}: skipped: the adapter has no stt.realtime`)
    )
  }, 60_000)
})

const failingOnly = async (name: string, make: MakeProvider) => {
  const results = await Checks.runChecks(subject(name, make))
  return results.filter((r) => r.status === "fail").map((r) => `${r.group}.${r.check}: ${r.detail}`)
}

describe("each broken realtime adapter fails its check only", () => {
  it("partials held until the input ends fail stt.realtime_partials", async () => {
    expect(await failingOnly("acme-holds-partials", holdsPartials)).toEqual([
      "stt.realtime_partials: stt-realtime-success.json: no partial came out before the last chunk of audio was sent (3 came after it; " +
      "the vendor had sent 5 messages by the end): emit each partial as the vendor sends it — a partial held until the input ends is of no use to a live caption"
    ])
  }, 60_000)

  it("the last partial committed in place of the vendor's text fails stt.realtime_text", async () => {
    expect(await failingOnly("acme-last-partial", commitsLastPartial)).toEqual([
      "stt.realtime_text: stt-realtime-success.json: the committed text is \"Patchbay turns speech into text and back\"; " +
      "the vendor committed \"Patchbay turns speech into text and back again.\": emit every committed transcript the vendor sends, as sent (one per utterance), and none of the partials as committed"
    ])
  }, 60_000)

  it("every vendor error as ProviderUnavailable fails stt.realtime_errors", async () => {
    const failed = await failingOnly("acme-generic-errors", genericErrors)
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatch(
      /^stt\.realtime_errors: stt-realtime-invalid-request\.json: the vendor sent \{"type":"error","code":"input","message":"the audio is not 16 kHz PCM"\} and closed, and the session failed with ProviderUnavailable \(.*\); expected InvalidRequest: map the vendor's error message/
    )
  }, 60_000)

  it("a socket left open on interruption fails stt.realtime_abort", async () => {
    expect(await failingOnly("acme-keeps-socket", keepsSocketOnInterrupt)).toEqual([
      "stt.realtime_abort: stt-realtime-success.json: the stream was interrupted mid-session, and the vendor socket was still open 2 s later (at the replay server): " +
      "close the connection in the stream's finalizer (Effect.acquireRelease), so an interrupted session stops the vendor's billing too"
    ])
  }, 60_000)

  it("a keep-alive timer left running fails stt.realtime_nothing_outlives", async () => {
    const failed = await failingOnly("acme-keep-alive", leavesKeepAlive)
    disposeKeepAlives()
    expect(failed).toEqual([
      "stt.realtime_nothing_outlives: stt-realtime-success.json: after a session that ended well, 1 × Timeout of the adapter was still active 5 s later: " +
      "close the socket when the session ends or fails, and clear keep-alive timers with it; " +
      "clear the timers you set (also when the call fails or is interrupted), close or cancel response bodies, and let child processes be killed and reaped; " +
      "an SDK that arms a request deadline must see fetch settle (abort it) or be given a signal"
    ])
  }, 60_000)

  it("a session opened before it is validated fails stt.realtime_validate", async () => {
    expect(await failingOnly("acme-connects-first", connectsFirst)).toEqual([
      "stt.realtime_validate: stt-realtime-success.json: realtime() with acme-listen-live with audio_format \"pcm_8000\" (the catalogue lists [\"pcm_16000\",\"ulaw_8000\"]) " +
      "connected to the vendor (1 WebSocket upgrade at the replay server) before refusing it: validate the session (model, format, language, options) before opening the socket"
    ])
  }, 60_000)
})
