/**
 * The battery must be able to fail. Each deliberately broken variant of the example adapter is
 * run through every check: the named check fails with a message that says what is wrong, the
 * set of failing checks is exactly the expected one, and the good adapter passes that check.
 */
import { describe, expect, it } from "vitest"
import { Checks, makeSubject, type MakeProvider } from "../src/index.ts"
import {
  acceptsAnyFormat,
  blamesRequestForSize,
  acceptsAnyOptions,
  acceptsEverything,
  acceptsOversizeUpload,
  acceptsUnknownModel,
  billsMeasuredSeconds,
  claimsMp3ReturnsWav,
  coercesOptionTypes,
  countsCharacters,
  countsOutputTokens,
  diarizesOnEveryModel,
  dropsProviderOptions,
  dropsSegmentSpeakers,
  forwardsOnlyTestedOptions,
  dropsSuccessRequestId,
  dropsVendorMessage,
  good,
  guessesDuration,
  ignoresAbortOnUlaw,
  ignoresAbortSignal,
  ignoresInBandCodes,
  inventsRetryAfter,
  labelsRawAsWav,
  leaksKeyInCause,
  maps429ToGeneric,
  padsRetryAfter,
  dropsProviderOutput,
  looksUpWholeCatalogue,
  checksTypesOnly,
  refusesSpeedBound,
  retriesItself,
  sendsFixedLanguage,
  sendsKeyInOwnHeader,
  buffersUnknownLength,
  keepsMissingHeaderAsNull,
  refusesBlankTextNamingNothing,
  typesWordsAsTokens
} from "./support/Broken.ts"
import { acmeOptions } from "./support/AcmeOptions.ts"

const cassettes = new URL("../examples/acme-voice/cassettes/", import.meta.url)
const subject = (name: string, make: MakeProvider) => makeSubject({ name, make, cassettes, options: acmeOptions })
const inEvery = (check: string) => ["stt", "tts", "llm", "image"].map((c) => `${c}.${check}`)

const failing = async (name: string, make: MakeProvider) => {
  const results = await Checks.runChecks(subject(name, make))
  return results.filter((r) => r.status === "fail")
}

describe("the good adapter", () => {
  it("passes every check that applies; the others are skipped with their reason", async () => {
    const results = await Checks.runChecks(subject("acme-voice", good))
    expect(results.filter((r) => r.status === "fail")).toEqual([])
    expect(results.filter((r) => r.status === "pass")).toHaveLength(125)
    expect(results.filter((r) => r.status === "skipped").map((r) => `${r.group}.${r.check}: ${r.detail}`)).toEqual([
      "stt.deltas: no stt success cassette streams",
      "stt.line_ends: no stt success cassette is answered with an event stream",
      "stt.stream_error: the provider does not stream transcripts",
      "stt.deadline: the battery file gives no factory with a request deadline (runConformance({ deadline }))",
      "stt.unreadable_body: no stt \"unavailable\" cassette answers with a success status",
      "stt.realtime_validate: the adapter has no stt.realtime",
      "stt.realtime_partials: the adapter has no stt.realtime",
      "stt.realtime_text: the adapter has no stt.realtime",
      "stt.realtime_errors: the adapter has no stt.realtime",
      "stt.realtime_abort: the adapter has no stt.realtime",
      "stt.realtime_nothing_outlives: the adapter has no stt.realtime",
      "tts.validate_model_options: no option is declared unsupported by a model (options.tts.unsupported)",
      "tts.line_ends: no tts success cassette is answered with an event stream",
      "tts.deadline: the battery file gives no factory with a request deadline (runConformance({ deadline }))",
      "tts.unreadable_body: no tts \"unavailable\" cassette answers with a success status",
      "llm.validate_model_options: no option is declared unsupported by a model (options.llm.unsupported)",
      "llm.media: no llm cassette expects images",
      "llm.provider_output: no llm success cassette states expect.provider_output",
      "llm.deadline: the battery file gives no factory with a request deadline (runConformance({ deadline }))",
      "llm.unreadable_body: no llm \"unavailable\" cassette answers with a success status",
      "image.validate_model_options: no option is declared unsupported by a model (options.image.unsupported)",
      "image.too_large: no image cassette with case \"too_large\"",
      "image.stream_error: image generation does not stream",
      "image.deadline: the battery file gives no factory with a request deadline (runConformance({ deadline }))",
      "image.unreadable_body: no image \"unavailable\" cassette answers with a success status",
      "process.missing_program: HTTP adapter: process checks apply to adapters that run local programs",
      "process.killed_process: HTTP adapter: process checks apply to adapters that run local programs",
      "process.interrupt_kills: HTTP adapter: process checks apply to adapters that run local programs"
    ])
  }, 30_000)
})

const cases: ReadonlyArray<{
  readonly bug: string
  readonly make: MakeProvider
  readonly check: string
  readonly message: string
  readonly failing: ReadonlyArray<string>
}> = [
  {
    bug: "drops provider_options",
    make: dropsProviderOptions,
    check: "stt.provider_options",
    message:
      "stt-success.json: not in the request: provider_options.acme-voice.diarize = true; provider_options.acme-voice.timestamp_granularities = [\"word\",\"segment\"] (body fields: model, file, language; query: none): options that validate must reach the vendor",
    // Without its options the request matches no recorded interaction, so every check playing
    // an optioned success cassette fails too, each naming the missing field.
    failing: [
      "stt.text", "stt.language", "stt.duration", "stt.timestamps", "stt.shape", "stt.segments", "stt.usage", "stt.provider_options", "stt.options_coverage", "stt.latency", "stt.streamed_upload", "stt.upload_type", "stt.request_id", "stt.provider_output", "stt.warnings", "stt.abort",
      "tts.streaming", "tts.format", "tts.duration", "tts.words", "tts.characters", "tts.usage", "tts.provider_options", "tts.options_coverage", "tts.latency", "tts.request_id", "tts.provider_output", "tts.warnings", "tts.abort",
      "llm.text", "llm.deltas", "llm.usage", "llm.provider_options", "llm.line_ends", "llm.options_coverage", "llm.request_id", "llm.warnings", "llm.abort",
      "image.bytes", "image.usage", "image.provider_options", "image.options_coverage", "image.request_id", "image.provider_output", "image.warnings", "image.abort"
    ]
  },
  {
    bug: "claims mp3 but returns wav",
    make: claimsMp3ReturnsWav,
    check: "tts.format",
    message: "tts-success-mp3.json: declared mp3 (mp3_16000, audio/mpeg) but the bytes are wav",
    failing: ["tts.format", "tts.duration"]
  },
  {
    bug: "labels headerless speech audio/wav",
    make: labelsRawAsWav,
    check: "tts.format",
    message:
      "tts-success-pcm.json: media_type audio/wav does not name headerless pcm: use application/octet-stream or audio/pcm (s16le; not audio/L16, which is big-endian) (Audio.mediaTypeOfFormat)",
    failing: ["tts.format"]
  },
  {
    bug: "pads the vendor's retry-after",
    make: padsRetryAfter,
    check: "stt.rate_limited",
    message: "stt-rate-limited.json: RateLimited.retryAfter is 2.5; the vendor said 2 s (parse retry-after with core's parseRetryAfter, and never invent one)",
    failing: inEvery("rate_limited")
  },
  {
    bug: "maps 429 to a generic error",
    make: maps429ToGeneric,
    check: "stt.rate_limited",
    message:
      "stt-rate-limited.json: the call failed with InvalidRequest (Invalid request (acme-voice) at request: rejected by acme-voice (HTTP 429)); expected RateLimited",
    // Its mapping catches the in-band rate limit of a stream too, and its error drops the vendor's message.
    failing: [
      "stt.rate_limited",
      "stt.error_details",
      "tts.rate_limited",
      "tts.error_details",
      "llm.rate_limited",
      "llm.stream_error",
      "llm.error_details",
      "image.rate_limited",
      "image.error_details"
    ]
  },
  {
    bug: "ignores the abort signal",
    make: ignoresAbortSignal,
    check: "tts.abort",
    message:
      "tts-success-mp3.json: while waiting for the response: interrupting the call did not abort the request (the transport never saw its signal abort): pass the AbortSignal to fetch or the SDK",
    failing: inEvery("abort")
  },
  {
    bug: "reports a guessed duration",
    make: guessesDuration,
    check: "stt.duration",
    message: "stt-success.json: duration_seconds is 1.332; the vendor reported 2.664 s",
    // The guess is shorter than the speaker's time, so the speakers check finds it too.
    failing: ["stt.duration", "stt.segments", "stt.usage"]
  },
  {
    bug: "accepts everything in validate",
    make: acceptsEverything,
    check: "stt.validate_unknown_model",
    message: "stt-success.json: validate accepted the unknown model \"conformance-no-such-model\"; it must refuse it with UnknownModel before any request (check it against the catalogue and the options schema in the hook)",
    failing: [
      "stt.validate_unknown_model", "stt.validate_too_large", "stt.validate_format", "stt.validate_options", "stt.validate_model_options", "stt.validate_values",
      "tts.validate_unknown_model", "tts.validate_format", "tts.validate_options", "tts.validate_values",
      "llm.validate_unknown_model", "llm.validate_options", "llm.validate_values",
      "image.validate_unknown_model", "image.validate_options", "image.validate_values"
    ]
  },
  {
    bug: "accepts an unknown model in validate",
    make: acceptsUnknownModel,
    check: "tts.validate_unknown_model",
    message:
      "tts-success-mp3.json: validate accepted the unknown model \"conformance-no-such-model\"; it must refuse it with UnknownModel before any request (check it against the catalogue and the options schema in the hook)",
    failing: inEvery("validate_unknown_model")
  },
  {
    bug: "looks a model up in the whole catalogue, whatever its capability",
    make: looksUpWholeCatalogue,
    check: "tts.validate_unknown_model",
    message:
      "tts-success-mp3.json: validate accepted the stt model \"acme-listen-1\" as a tts model; it must refuse it with UnknownModel before any request (check it against the catalogue and the options schema in the hook)",
    failing: ["tts.validate_unknown_model"]
  },
  {
    bug: "accepts an oversize upload in validate",
    make: acceptsOversizeUpload,
    check: "stt.validate_too_large",
    message:
      "stt-success.json: validate accepted an upload of 10000001 bytes (max_input_bytes 10000000); it must refuse it with InputTooLarge before any request (check it against the catalogue and the options schema in the hook)",
    failing: ["stt.validate_too_large"]
  },
  {
    bug: "accepts any format in validate",
    make: acceptsAnyFormat,
    check: "tts.validate_format",
    message:
      "tts-success-mp3.json: validate accepted the output format \"conformance_no_such_format\"; it must refuse it with UnsupportedFormat before any request (check it against the catalogue and the options schema in the hook)",
    failing: ["stt.validate_format", "tts.validate_format"]
  },
  {
    bug: "accepts any provider option in validate",
    make: acceptsAnyOptions,
    check: "llm.validate_options",
    // It drops the options before the model's own rules see them, too.
    message:
      "llm-success-text.json: validate accepted the unknown option provider_options.acme-voice.conformance_no_such_option; it must refuse it with InvalidRequest before any request (check it against the catalogue and the options schema in the hook)",
    failing: [
      "stt.validate_options", "stt.validate_model_options", "stt.validate_values",
      "tts.validate_options", "tts.validate_values",
      "llm.validate_options", "llm.validate_values",
      "image.validate_options", "image.validate_values"
    ]
  },
  {
    bug: "coerces option values from strings in validate",
    make: coercesOptionTypes,
    check: "tts.validate_options",
    message:
      "tts-success-mp3.json: validate accepted provider_options.acme-voice.speed = \"1.1\" (a string); it must refuse it with InvalidRequest before any request (check it against the catalogue and the options schema in the hook)",
    failing: ["stt.validate_options", "tts.validate_options", "llm.validate_options"]
  },
  {
    bug: "keeps the request's headers in an error's cause",
    make: leaksKeyInCause,
    check: "stt.secrets",
    // A recorded run keeps the same error.
    message:
      "stt-invalid-request.json: the API key appears in the error's cause's message: request failed; init: {\"method\":\"POST\",\"headers\":{\"authorization\":\"Bearer <KEY>\"}} (never put the key, headers or the request's init in an error; pass vendor text through core's redactSecrets and register the key with rememberSecret)",
    failing: [
      "stt.transport_failure", "stt.secrets", "stt.record_secrets", "tts.transport_failure", "tts.secrets", "tts.record_secrets",
      "llm.transport_failure", "llm.secrets", "llm.record_secrets", "image.transport_failure", "image.secrets", "image.record_secrets"
    ]
  },
  {
    bug: "ignores the abort signal on one path only (ulaw)",
    make: ignoresAbortOnUlaw,
    check: "tts.abort",
    message:
      "tts-success-ulaw.json: while waiting for the response: interrupting the call did not abort the request (the transport never saw its signal abort): pass the AbortSignal to fetch or the SDK",
    failing: ["tts.abort"]
  },
  {
    bug: "reads an in-band stream error as an outage whatever its code",
    make: ignoresInBandCodes,
    check: "llm.stream_error",
    message:
      "llm-stream-error-rate-limited.json: the call failed with ProviderUnavailable (Provider unavailable (acme-voice): Rate limit reached for acme-think-1: 20 requests per minute.); expected RateLimited",
    failing: ["llm.stream_error"]
  },
  {
    bug: "counts the text instead of reading the billed characters",
    make: countsCharacters,
    check: "tts.characters",
    message: "tts-success-pcm.json: characters is 47; the vendor billed 52",
    failing: ["tts.characters", "tts.usage"]
  },
  {
    bug: "drops the speaker of diarized segments",
    make: dropsSegmentSpeakers,
    check: "stt.timestamps",
    message: "stt-success.json: segments[0] carries no speaker, but the vendor diarized (1 speaker(s)): keep each segment's speaker",
    failing: ["stt.timestamps"]
  },
  {
    bug: "forwards only the options its tests set",
    make: forwardsOnlyTestedOptions,
    check: "llm.options_coverage",
    message:
      "provider_options.acme-voice.max_tokens = 1 (model acme-think-1) is not in the request (POST /v1/chat; body fields: model, messages, stream; query: none)\n(every option validate accepts must reach the vendor under its wire name; an option that shows otherwise, such as an endpoint it selects, declares how with options.llm.samples.<name>.onWire)",
    failing: ["tts.options_coverage", "llm.options_coverage", "image.options_coverage"]
  },
  {
    bug: "sends a fixed language",
    make: sendsFixedLanguage,
    check: "stt.request_fields",
    message:
      "stt-success.json: the language \"de\" is not in the request (POST /v1/transcriptions; body fields: model, file, language, diarize, timestamp_granularities[]; query: none)\n(send the request's own language, voice and output format as given: never a fixed or default value)",
    // The error cassettes ask in another language, so their requests no longer match either.
    failing: ["stt.request_fields", "stt.error_details"]
  },
  {
    bug: "takes every model of a family to diarize",
    make: diarizesOnEveryModel,
    check: "stt.validate_model_options",
    message:
      "stt-success.json: validate accepted provider_options.acme-voice.diarize = true on acme-listen-1-lite, which that model does not support; it must refuse it with InvalidRequest before any request (check the model's own rules in the hook)",
    failing: ["stt.validate_model_options"]
  },
  {
    bug: "sends the key base64-encoded in a header of its own",
    make: sendsKeyInOwnHeader,
    check: "stt.record_secrets",
    message:
      "stt-invalid-request.json: the key in base64 appears in recorded interaction 0: …//api.acme-voice.test/v1/transcriptions\",\"headers\":{\"x-acme-signature\":\"YWNtZTpj<KEY>\"},\"body\":{\"type\":\"m… (send the key only in the vendor's auth header or a known key parameter, which the recorder drops; never in a header, field or body of your own, encoded or not)",
    failing: inEvery("record_secrets")
  },
  {
    bug: "bills the measured duration instead of the billed seconds",
    make: billsMeasuredSeconds,
    check: "stt.usage",
    message: "stt-success.json: usage is {\"audio_seconds\":2.664}; the vendor reported {\"audio_seconds\":3} (usage is never guessed nor dropped)",
    // stt.duration compares usage.audio_seconds with the billed figure too.
    failing: ["stt.duration", "stt.usage"]
  },
  {
    bug: "counts output tokens instead of reading the billed ones",
    make: countsOutputTokens,
    check: "llm.usage",
    message:
      "llm-success-text.json: the combined usage is {\"input_tokens\":12,\"output_tokens\":5,\"total_tokens\":17}; the vendor reported {\"input_tokens\":12,\"output_tokens\":6,\"total_tokens\":18} (usage is never guessed nor dropped)",
    failing: ["llm.usage"]
  },
  {
    bug: "keeps the status of a failed response but not the vendor's message",
    make: dropsVendorMessage,
    check: "stt.error_details",
    message:
      "stt-unauthorized.json: AuthenticationFailed.detail is (absent); the vendor said \"Invalid API key provided.\": keep the vendor's message as the error's detail (core's fromHttpFailure does)",
    failing: ["stt.transport_failure", "stt.error_details", "image.transport_failure", "image.error_details"]
  },
  {
    bug: "maps a 413 to InputTooLarge but names the whole request as the field at fault",
    make: blamesRequestForSize,
    check: "stt.too_large",
    message: "stt-too-large.json: InputTooLarge.field is \"request\"; expected \"audio_file\": keep what the vendor's answer and the request say about the field at fault",
    failing: ["stt.too_large"]
  },
  {
    bug: "keeps the request id of a failure but drops it from a successful result",
    make: dropsSuccessRequestId,
    check: "image.request_id",
    message: "image-success.json: the result's request_id is (absent); the vendor's answer carried \"req_img_0001\": keep the response's request id as the result's request_id",
    failing: ["image.request_id"]
  },
  {
    bug: "checks only the options' types, not their ranges",
    make: checksTypesOnly,
    check: "tts.validate_values",
    message:
      "tts-success-mp3.json: validate accepted provider_options.acme-voice.speed = 2.01 on acme-speak-1 (just above 2); it must refuse it with InvalidRequest naming voice.tts.provider_options.acme-voice.speed, before any request (check the value's range and rules in the hook, not only its type)",
    failing: ["tts.validate_values", "llm.validate_values"]
  },
  {
    bug: "refuses the bound itself (< written as <=)",
    make: refusesSpeedBound,
    check: "tts.validate_values",
    message:
      "tts-success-mp3.json: validate refused provider_options.acme-voice.speed = 2 on acme-speak-1 (the upper bound), which is valid (an edge just inside what the vendor allows): InvalidRequest: Invalid request (acme-voice) at voice.tts.provider_options.acme-voice.speed: the speed must be below 2 (check the bounds, < against <=, and each rule's condition)",
    failing: ["tts.validate_values"]
  },
  {
    bug: "keeps only part of what the vendor sent as provider_output",
    make: dropsProviderOutput,
    check: "tts.provider_output",
    message:
      "tts-success-mp3.json: provider_output does not keep what the vendor sent: x_acme_characters is (absent); the vendor sent \"47\" (keep the vendor's fields as they came, on every path)",
    failing: ["tts.provider_output"]
  },
  {
    bug: "retries by itself",
    make: retriesItself,
    check: "llm.no_retry",
    message:
      "llm-unavailable.json: one call made 3 requests for a 502 response: the adapter retried by itself (create SDK clients with maxRetries: 0; retries belong to the pipeline)",
    failing: inEvery("no_retry")
  },
  {
    bug: "reads audio of unknown length whole before counting it",
    make: buffersUnknownLength,
    check: "stt.streamed_upload",
    message: "stt-success.json: a stream of unknown length past the limit of 10000000 bytes was read to 18388608 bytes before the refusal: stop reading as soon as the count passes the limit (a stream may never end)",
    failing: ["stt.streamed_upload"]
  },
  {
    bug: "refuses blank text naming no field",
    make: refusesBlankTextNamingNothing,
    check: "tts.refuses_empty_text",
    message: "tts-success-mp3.json: the text \"\" was refused naming the field \"\": name the request field that holds the text",
    failing: ["tts.refuses_empty_text"]
  },
  {
    bug: "types words with a literal voice_records does not know",
    make: typesWordsAsTokens,
    check: "stt.shape",
    message: "stt-success.json: words[0] {\"text\":\"Patchbay\",\"start\":0.05,\"end\":0.52,\"speaker\":\"spk_0\",\"type\":\"token\"} does not decode as voice_records' Word: SchemaError: Expected \"word\" | \"spacing\" | \"audio_event\" (a word's type is \"word\", \"spacing\" or \"audio_event\"; times are numbers in seconds)",
    failing: ["stt.shape"]
  },
  {
    bug: "keeps a header the vendor did not send as null in provider_output",
    make: keepsMissingHeaderAsNull,
    check: "tts.provider_output",
    message: "tts-success-ulaw.json: provider_output holds x_acme_characters = null, which the vendor did not send with a value: leave out what the vendor left out or sent as null",
    failing: ["tts.provider_output"]
  }
]

describe("every broken adapter is caught by the named check", () => {
  for (const c of cases) {
    it(`an adapter that ${c.bug} fails ${c.check}, which the good adapter passes`, async () => {
      const broken = await failing(c.bug, c.make)
      expect(broken.map((r) => `${r.group}.${r.check}`)).toEqual(c.failing)
      expect(broken.find((r) => `${r.group}.${r.check}` === c.check)?.detail).toBe(c.message)
      const passed = await Checks.runCheck(Checks.byId(c.check), subject("acme-voice", good))
      expect(passed.status).toBe("pass")
    }, 30_000)
  }
})

describe("a 429 without retry-after", () => {
  const noHeader = (name: string, make: MakeProvider) =>
    makeSubject({ name, make, cassettes: new URL("./cassettes/no-retry-after/", import.meta.url) })

  it("is RateLimited with no retryAfter: the good adapter passes, one that invents a retryAfter fails", async () => {
    const check = Checks.byId("stt.rate_limited")
    expect(await Checks.runCheck(check, noHeader("acme-voice", good))).toMatchObject({ status: "pass" })
    expect(await Checks.runCheck(check, noHeader("acme-invents", inventsRetryAfter))).toMatchObject({
      status: "fail",
      detail:
        "stt-rate-limited.json: RateLimited.retryAfter is 1, but the vendor's 429 carries no retry-after: leave retryAfter out (parse retry-after with core's parseRetryAfter, and never invent one)"
    })
  }, 30_000)
})
