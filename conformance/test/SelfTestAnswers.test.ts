/**
 * The self-tests of the checks of what an answer becomes (`*.transport_failure`,
 * `*.unreadable_body`, `*.deadline`, `stt.segments`, `tts.words`, `*.warnings`, `stt.upload_type`,
 * and the models a `validate_model_options` refusal offers): each broken variant of the example adapter
 * fails exactly the named check, with a message that says what is wrong, and the good adapter
 * passes it.
 */
import { describe, expect, it } from "vitest"
import { Checks, makeSubject, type MakeProvider } from "../src/index.ts"
import { good } from "./support/Broken.ts"
import {
  addsStartToSpeakingTime,
  dropsUnreadableDetail,
  keepsSegmentSpacing,
  losesNetworkCause,
  reportsDeadlineAsOutage,
  offersEveryOtherModel,
  shiftsChunkTimesTwice,
  timesOut,
  timesSpeechWords,
  uploadsUnlabelled,
  warnsAlways
} from "./support/BrokenAnswers.ts"
import { acmeOptions } from "./support/AcmeOptions.ts"

const example = new URL("../examples/acme-voice/cassettes/", import.meta.url)
/** An `unavailable` case whose 200 carries JSON cut short; the example's own cassettes have none. */
const unreadable = new URL("./cassettes/unreadable-body/", import.meta.url)
const subject = (name: string, make: MakeProvider, cassettes: URL = example) => makeSubject({ name, make, cassettes, options: acmeOptions })

const cases: ReadonlyArray<{
  readonly bug: string
  readonly make: MakeProvider
  readonly cassettes?: URL
  readonly check: string
  readonly message: string
  readonly failing: ReadonlyArray<string>
}> = [
  {
    bug: "words a network failure with a fixed phrase, losing its cause",
    make: losesNetworkCause,
    check: "stt.transport_failure",
    message:
      "stt-success.json: a connection reset before the response: the message \"Provider unavailable (acme-voice): connection error\" does not say what happened (the transport said \"read ECONNRESET\"): keep the cause chain's messages, innermost included",
    failing: ["stt.transport_failure", "tts.transport_failure", "llm.transport_failure", "image.transport_failure"]
  },
  {
    bug: "throws an answer it cannot parse away with an empty error",
    make: dropsUnreadableDetail,
    cassettes: unreadable,
    check: "stt.unreadable_body",
    message: "stt-unavailable-truncated-json.json: ProviderUnavailable.provider is (absent); expected \"acme-voice\"",
    failing: ["stt.unreadable_body"]
  },
  {
    bug: "keeps the spacing after a segment's last word",
    make: keepsSegmentSpacing,
    check: "stt.segments",
    message: "stt-success.json: segments[0].text is \"Patchbay turns speech into text and back again. \": trim the spacing the vendor put around its words",
    failing: ["stt.segments"]
  },
  {
    bug: "sums a speaker's segments as end plus start",
    make: addsStartToSpeakingTime,
    check: "stt.segments",
    message: "stt-success.json: speaker \"spk_0\" speaks 2.65 s, but the segments labelled with it last 2.550 s: count each span's end minus its start",
    failing: ["stt.segments"]
  },
  {
    bug: "shifts a speech chunk's word times that were already from the start of the audio",
    make: shiftsChunkTimesTwice,
    check: "tts.words",
    message:
      "tts-success-mp3.json: words[1] (\"turns\") ends at 60.6 s, after the audio (2.664 s): times of a chunk given from the start of the audio must not be shifted again",
    failing: ["tts.words"]
  },
  {
    bug: "warns on every speech call",
    make: warnsAlways,
    check: "tts.warnings",
    message:
      "tts-success-mp3.json: the call warned [\"the voice settings may be ignored\"], but nothing in the request warrants a warning: warn only about what was not done as asked",
    failing: ["tts.warnings"]
  },
  {
    bug: "uploads the recording without its media type",
    make: uploadsUnlabelled,
    check: "stt.upload_type",
    message: "stt-success.json: the audio (mp3, given as a file) was uploaded without a content type: label it audio/mpeg (AudioInput.mediaTypeFor)",
    failing: ["stt.upload_type"]
  },
  {
    bug: "offers a speech model in place of a transcription model that lacks an option",
    make: offersEveryOtherModel,
    check: "stt.validate_model_options",
    message: "validate refused provider_options.acme-voice.diarize on acme-listen-1-lite offering \"acme-speak-1\", a tts model: offer only stt models that take the option",
    failing: ["stt.validate_model_options"]
  }
]

describe("the checks of what an answer becomes catch their broken adapter", () => {
  for (const c of cases) {
    it(`an adapter that ${c.bug} fails ${c.check}, which the good adapter passes`, async () => {
      const results = await Checks.runChecks(subject(c.bug, c.make, c.cassettes))
      const broken = results.filter((r) => r.status === "fail")
      expect(broken.map((r) => `${r.group}.${r.check}`)).toEqual(c.failing)
      expect(broken.find((r) => `${r.group}.${r.check}` === c.check)?.detail).toBe(c.message)
      const passed = await Checks.runCheck(Checks.byId(c.check), subject("acme-voice", good, c.cassettes))
      expect(passed.status).toBe("pass")
    }, 60_000)
  }

  it("*.deadline: an adapter whose deadline ends in ProviderTimeout passes; one that reports it as an outage fails it alone", async () => {
    const timed = makeSubject({ name: "acme-voice", make: good, cassettes: example, options: acmeOptions, deadline: timesOut })
    expect(await Checks.runCheck(Checks.byId("stt.deadline"), timed)).toMatchObject({ status: "pass" })
    const outage = makeSubject({ name: "acme-voice", make: good, cassettes: example, options: acmeOptions, deadline: reportsDeadlineAsOutage })
    const results = await Checks.runChecks(outage)
    expect(results.filter((r) => r.status === "fail").map((r) => ({ check: `${r.group}.${r.check}`, detail: r.detail }))).toEqual(
      (["stt", "tts", "llm", "image"] as const).map((c) => ({
        check: `${c}.deadline`,
        detail: `${c === "tts" ? "tts-success-mp3.json" : c === "llm" ? "llm-success-text.json" : `${c}-success.json`}: past its deadline of 0.05 s the call failed with ProviderUnavailable (Provider unavailable (acme-voice): the request failed); expected ProviderTimeout`
      }))
    )
  }, 60_000)

  it("tts.words passes word times in order and inside the audio", async () => {
    expect(await Checks.runCheck(Checks.byId("tts.words"), subject("acme-timed", timesSpeechWords))).toMatchObject({ status: "pass" })
  }, 30_000)
})
