/**
 * The translation of S3 failures into `StoreUnavailable`, case by case, for the failures a local
 * server cannot produce (throttling, a region mismatch, no credentials at all) — and the
 * scrubbing of credential values from whatever a server's message says.
 */
import { StoreUnavailable } from "@patchbay/core"
import { describe, expect, it } from "vitest"
import { displayEndpoint, scrub, unavailable, type Where } from "../src/internal/errors.ts"

const where: Where = { store: "s3://media/prod/", bucket: "media", endpoint: "https://s3.eu-west-1.amazonaws.com" }
const secrets = ["AKIAEXAMPLEKEY123456", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]

/** An error shaped as the SDK's: a name, a message and the response's status. */
const sdkError = (name: string, message: string, status?: number) =>
  Object.assign(new Error(message), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }) })

describe("unavailable", () => {
  it("names what to fix for each kind of failure, and whether retrying can help", () => {
    const cases: ReadonlyArray<readonly [unknown, string, boolean]> = [
      [sdkError("NoSuchBucket", "The specified bucket does not exist", 404), 'bucket "media" does not exist at https://s3.eu-west-1.amazonaws.com: create it, or fix `bucket` (and `endpoint` / `region`)', false],
      [
        sdkError("AccessDenied", "Access Denied", 403),
        'https://s3.eu-west-1.amazonaws.com refused access to bucket "media" (AccessDenied) while trying to read x: check the credentials ' +
        "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the SDK's default chain: AWS_PROFILE, ~/.aws) and that they may read, write, list and delete in the bucket",
        false
      ],
      [
        sdkError("CredentialsProviderError", "Could not load credentials from any providers"),
        "no S3 credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure the SDK's default chain (AWS_PROFILE, ~/.aws)",
        false
      ],
      [new Error("Region is missing"), "no S3 region is set: pass `region` to s3(...), or set AWS_REGION", false],
      [
        sdkError("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.", 301),
        'bucket "media" is in another region than the one configured (PermanentRedirect): fix `region` (or AWS_REGION)',
        false
      ],
      [
        Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
        "cannot reach https://s3.eu-west-1.amazonaws.com (ECONNREFUSED): check `endpoint`, that the server is running and reachable, and retry",
        true
      ],
      [
        new AggregateError([Object.assign(new Error("connect ETIMEDOUT"), { code: "ETIMEDOUT" })], "all addresses failed"),
        "cannot reach https://s3.eu-west-1.amazonaws.com (ETIMEDOUT): check `endpoint`, that the server is running and reachable, and retry",
        true
      ],
      [sdkError("SlowDown", "Please reduce your request rate.", 503), "https://s3.eu-west-1.amazonaws.com failed to read x (SlowDown: Please reduce your request rate.): retry", true],
      [sdkError("InternalError", "We encountered an internal error.", 500), "https://s3.eu-west-1.amazonaws.com failed to read x (InternalError: We encountered an internal error.): retry", true],
      [sdkError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400), "https://s3.eu-west-1.amazonaws.com failed to read x (EntityTooLarge: Your proposed upload exceeds the maximum allowed size)", false]
    ]
    for (const [cause, detail, retryable] of cases) {
      const error = unavailable(where, "read x", cause, secrets)
      expect(error).toBeInstanceOf(StoreUnavailable)
      expect({ store: error.store, detail: error.detail, retryable: error.retryable }).toEqual({ store: "s3://media/prod/", detail, retryable })
    }
  })

  it("keeps the response's status", () => {
    expect(unavailable(where, "read x", sdkError("AccessDenied", "Access Denied", 403), secrets).status).toBe(403)
    expect(unavailable(where, "read x", new Error("Region is missing"), secrets).status).toBeUndefined()
  })

  it("replaces any credential value a server's message repeats", () => {
    const echoed = sdkError("WeirdError", `The key AKIAEXAMPLEKEY123456 signed with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY failed`, 400)
    const error = unavailable(where, "read x", echoed, secrets)
    expect(error.detail).toBe("https://s3.eu-west-1.amazonaws.com failed to read x (WeirdError: The key [redacted] signed with [redacted] failed)")
    for (const secret of secrets) expect(JSON.stringify(error) + String(error)).not.toContain(secret)
  })
})

describe("scrub and displayEndpoint", () => {
  it("scrub replaces every occurrence, and ignores values too short to be credentials", () => {
    expect(scrub("a KEY1234 b KEY1234", ["KEY1234", "ab"])).toBe("a [redacted] b [redacted]")
  })

  it("an endpoint is shown without user info, query or fragment", () => {
    expect(displayEndpoint(undefined)).toBe("AWS S3")
    expect(displayEndpoint("https://user:pass@minio.internal:9000/?token=x#y")).toBe("https://minio.internal:9000")
    expect(displayEndpoint("http://127.0.0.1:9000/s3")).toBe("http://127.0.0.1:9000/s3")
    expect(displayEndpoint("not a url")).toBe("(an unparseable endpoint)")
  })
})
