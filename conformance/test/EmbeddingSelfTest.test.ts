/**
 * The embedding checks must be able to fail. A small embedding adapter (`support/AcmeEmbed.ts`)
 * passes them all; each broken variant fails exactly the checks that name its defect, with a
 * message that says what is wrong.
 */
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { Checks, makeSubject, type MakeProvider } from "../src/index.ts"
import {
  acceptsAnyDimensions,
  acceptsEmptyText,
  acceptsLongText,
  acmeEmbed,
  cassettes as expectedCassettes,
  dropsAVector,
  dropsDimensions,
  guessesTokens,
  ignoresAbortSignal,
  plainArrays,
  refusesLargeBatch,
  retriesItself
} from "./support/AcmeEmbed.ts"

const dir = new URL("./cassettes/acme-embed/", import.meta.url)
const subject = (name: string, make: MakeProvider) => makeSubject({ name, make, cassettes: dir })
const failing = async (make: MakeProvider) => (await Checks.runChecks(subject("acme-embed", make))).filter((r) => r.status === "fail")

it("the self-tests' cassettes are exactly what AcmeEmbed.ts builds", () => {
  const built = expectedCassettes()
  expect(readdirSync(dir).sort()).toEqual(Object.keys(built).sort())
  for (const [name, cassette] of Object.entries(built)) expect(JSON.parse(readFileSync(new URL(name, dir), "utf8"))).toEqual(cassette)
})

describe("the good embedding adapter", () => {
  it("passes every embedding check that applies; the others are skipped with their reason", async () => {
    const results = await Checks.runChecks(subject("acme-embed", acmeEmbed))
    expect(results.filter((r) => r.status === "fail")).toEqual([])
    expect(results.filter((r) => r.status === "pass").map((r) => r.check)).toEqual([
      "validate", "validate_unknown_model", "validate_options", "validate_texts", "validate_too_large", "validate_dimensions", "validate_batch",
      "vectors", "usage", "wire", "provider_options", "unauthorized", "rate_limited", "unavailable", "abort", "no_retry", "secrets"
    ])
    expect(results.filter((r) => r.status === "skipped").map((r) => `${r.group}.${r.check}: ${r.detail}`)).toEqual([
      "embedding.unknown_model: no embedding cassette with case \"unknown_model\"",
      "embedding.too_large: no embedding cassette with case \"too_large\"",
      "embedding.invalid_request: no embedding cassette with case \"invalid_request\"",
      "embedding.quota_exceeded: no embedding cassette with case \"quota_exceeded\"",
      "embedding.stream_error: embeddings do not stream",
      "process.missing_program: HTTP adapter: process checks apply to adapters that run local programs",
      "process.killed_process: HTTP adapter: process checks apply to adapters that run local programs",
      "process.interrupt_kills: HTTP adapter: process checks apply to adapters that run local programs"
    ])
  }, 30_000)
})

const cases: ReadonlyArray<{ readonly bug: string; readonly make: MakeProvider; readonly check: string; readonly message: string; readonly failing: ReadonlyArray<string> }> = [
  {
    bug: "lets an empty text through validate",
    make: acceptsEmptyText,
    check: "embedding.validate_texts",
    message: "embedding-success.json: validate accepted an empty text among the texts; it must refuse it with InvalidRequest before any request (core's checkEmbeddingSpec does)",
    failing: ["embedding.validate_texts"]
  },
  {
    bug: "checks no text length",
    make: acceptsLongText,
    check: "embedding.validate_too_large",
    message: "embedding-success.json: validate accepted a text of 201 characters (max_input_characters 200); it must refuse it with InputTooLarge before any request (core's checkEmbeddingSpec does)",
    failing: ["embedding.validate_too_large"]
  },
  {
    bug: "accepts any dimensions",
    make: acceptsAnyDimensions,
    check: "embedding.validate_dimensions",
    message: "embedding-success.json: validate accepted dimensions 9 (max_dimensions 8); it must refuse it with InvalidRequest before any request (core's checkEmbeddingSpec does)",
    failing: ["embedding.validate_dimensions"]
  },
  {
    bug: "refuses a batch larger than one call takes",
    make: refusesLargeBatch,
    check: "embedding.validate_batch",
    message:
      "embedding-success.json: validate refused a batch of 5 texts (max_texts_per_call 4) (InvalidRequest: Invalid request (acme-embed) at texts: at most 4 texts); a batch larger than one call takes is split by Stages.embed, not refused",
    failing: ["embedding.validate_batch"]
  },
  {
    bug: "drops a vector",
    make: dropsAVector,
    check: "embedding.vectors",
    message: "embedding-success.json: the result holds 1 vectors for 2 texts: one per text, in order",
    failing: ["embedding.vectors"]
  },
  {
    bug: "hands out plain arrays",
    make: plainArrays,
    check: "embedding.vectors",
    message: "embedding-success.json: vectors[0] is \"[object Array]\", not a Float32Array",
    failing: ["embedding.vectors"]
  },
  {
    bug: "guesses the tokens",
    make: guessesTokens,
    check: "embedding.usage",
    message: "embedding-success.json: usage is {\"input_tokens\":6}; the vendor reported {\"input_tokens\":7} (usage is never guessed nor dropped)",
    failing: ["embedding.usage"]
  },
  {
    bug: "leaves dimensions off the wire",
    make: dropsDimensions,
    check: "embedding.wire",
    message: "embedding-success.json: not in the request: dimensions = 4 (body fields: model, texts, truncate; query: none): what the request asks for must reach the vendor",
    // Without dimensions the request matches no recorded interaction: every check playing the success cassette fails.
    failing: ["embedding.vectors", "embedding.usage", "embedding.wire", "embedding.abort"]
  },
  {
    bug: "ignores the abort signal",
    make: ignoresAbortSignal,
    check: "embedding.abort",
    message:
      "embedding-success.json: while waiting for the response: interrupting the call did not abort the request (the transport never saw its signal abort): pass the AbortSignal to fetch or the SDK",
    failing: ["embedding.abort"]
  },
  {
    bug: "retries by itself",
    make: retriesItself,
    check: "embedding.no_retry",
    message:
      "embedding-unavailable.json: one call made 3 requests for a 503 response: the adapter retried by itself (create SDK clients with maxRetries: 0; retries belong to the pipeline)",
    failing: ["embedding.no_retry"]
  }
]

describe("every broken embedding adapter is caught by the named check", () => {
  for (const c of cases) {
    it(`an adapter that ${c.bug} fails ${c.check}, which the good adapter passes`, async () => {
      const broken = await failing(c.make)
      expect(broken.map((r) => `${r.group}.${r.check}`)).toEqual(c.failing)
      expect(broken.find((r) => `${r.group}.${r.check}` === c.check)?.detail).toBe(c.message)
      const passed = await Checks.runCheck(Checks.byId(c.check), subject("acme-embed", acmeEmbed))
      expect(passed.status).toBe("pass")
    }, 30_000)
  }
})
