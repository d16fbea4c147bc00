/**
 * What an error says, beyond its tag: `expect.error.detail` pins the detail a scenario's error
 * must carry (the status and stream checks compare it), and `validate_values` requires every
 * refusal to name the adapter as its provider. Each is proven by a variant of the example
 * adapter that only that check catches.
 */
import { describe, expect, it } from "vitest"
import { Checks, makeSubject, type MakeProvider } from "../src/index.ts"
import { acmeOptions } from "./support/AcmeOptions.ts"
import { good } from "./support/Broken.ts"
import { refusesInBridgesName, rewordsStreamErrors } from "./support/BrokenErrors.ts"

const cassettes = new URL("../examples/acme-voice/cassettes/", import.meta.url)
const subject = (name: string, make: MakeProvider) => makeSubject({ name, make, cassettes, options: acmeOptions })
const failing = async (make: MakeProvider) => (await Checks.runChecks(subject("broken", make))).filter((r) => r.status === "fail")

describe("the words and names of errors", () => {
  it("the example adapter keeps the vendor's detail and names itself in every refusal", async () => {
    for (const id of ["llm.stream_error", "stt.validate_values", "tts.validate_values", "llm.validate_values", "image.validate_values"]) {
      expect(await Checks.runCheck(Checks.byId(id), subject("acme-voice", good))).toMatchObject({ status: "pass" })
    }
  })

  it("expect.error.detail catches a stream error reworded, and only it does", async () => {
    const failed = await failing(rewordsStreamErrors)
    expect(failed.map((r) => `${r.group}.${r.check}`)).toEqual(["llm.stream_error"])
    expect(failed[0]?.detail).toBe(
      "llm-stream-error-rate-limited.json: RateLimited.detail is \"the stream failed: Rate limit reached for acme-think-1: 20 requests per minute…; expected \"Rate limit reached for acme-think-1: 20 requests per minute.\": keep what the vendor's answer and the request say about the failure"
    )
  }, 120_000)

  it("validate_values catches refusals in another provider's name, and only it does", async () => {
    const failed = await failing(refusesInBridgesName)
    expect(failed.map((r) => `${r.group}.${r.check}`)).toEqual(["stt.validate_values", "tts.validate_values", "llm.validate_values", "image.validate_values"])
    expect(failed[1]?.detail).toBe(
      "tts-success-mp3.json: the refusal of provider_options.acme-voice.speed = 2.01 on acme-speak-1 (just above 2) (InvalidRequest) names the provider \"ai-sdk\"; expected \"acme-voice\": give every error the adapter's id as its provider"
    )
  }, 120_000)
})
