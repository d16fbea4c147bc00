/**
 * The one translation of an S3 failure into core's `StoreUnavailable`: what went wrong, in words
 * that name what to fix (the bucket, the credentials, the endpoint), and whether trying again can
 * help. Only the error's name, status, code and message are read — never the request, its
 * headers or the raw response — and any credential value that still appears in a message is
 * replaced, so no key ever reaches an error or a log.
 */
import { StoreUnavailable } from "@patchbay/core"

/** What a message may say about where the store is. */
export interface Where {
  /** The store as messages name it, e.g. `s3://media/prod/`. */
  readonly store: string
  readonly bucket: string
  /** The endpoint, without user info, or `AWS S3` when none was given. */
  readonly endpoint: string
}

/** The parts of an SDK or network error read here. */
interface Failure {
  readonly name?: unknown
  readonly code?: unknown
  readonly message?: unknown
  readonly $metadata?: { readonly httpStatusCode?: unknown } | undefined
  readonly cause?: unknown
}

const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"])
const deniedNames = new Set([
  "AccessDenied",
  "Forbidden",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "TokenRefreshRequired",
  "AllAccessDisabled"
])
const busyNames = new Set(["SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "ThrottlingException", "TimeoutError"])

/** An endpoint as messages show it: user info, query and fragment dropped. */
export const displayEndpoint = (endpoint: string | undefined): string => {
  if (endpoint === undefined) return "AWS S3"
  try {
    const url = new URL(endpoint)
    return `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`
  } catch {
    return "(an unparseable endpoint)"
  }
}

/** Replaces every secret value (credentials) found in `text`. */
export const scrub = (text: string, secrets: ReadonlyArray<string>): string =>
  secrets.filter((secret) => secret.length >= 4).reduce((out, secret) => out.split(secret).join("[redacted]"), text)

const str = (u: unknown): string | undefined => (typeof u === "string" && u !== "" ? u : undefined)

/** The network error code of `error` or of its causes, e.g. `ECONNREFUSED`. */
const networkCode = (error: Failure, depth = 0): string | undefined => {
  const code = str(error.code)
  if (code !== undefined && networkCodes.has(code)) return code
  if (depth < 4 && typeof error.cause === "object" && error.cause !== null) return networkCode(error.cause as Failure, depth + 1)
  // Node's AggregateError (all addresses refused) names no code of its own; its parts do.
  const errors = (error as { readonly errors?: unknown }).errors
  if (depth < 4 && Array.isArray(errors)) {
    for (const part of errors) {
      const found = typeof part === "object" && part !== null ? networkCode(part as Failure, depth + 1) : undefined
      if (found !== undefined) return found
    }
  }
  return undefined
}

/**
 * `StoreUnavailable` for a failed S3 call on `key` (or on the bucket itself), naming what to fix.
 * `secrets` are the credential values to keep out of the message.
 */
export const unavailable = (where: Where, doing: string, cause: unknown, secrets: ReadonlyArray<string>): StoreUnavailable => {
  const error: Failure = typeof cause === "object" && cause !== null ? cause as Failure : { message: String(cause) }
  const name = str(error.name) ?? "Error"
  const status = typeof error.$metadata?.httpStatusCode === "number" ? error.$metadata.httpStatusCode : undefined
  const said = scrub(str(error.message) ?? name, secrets)
  const make = (detail: string, retryable: boolean) =>
    new StoreUnavailable({ store: where.store, detail: scrub(detail, secrets), retryable, ...(status === undefined ? {} : { status }) })
  const bucket = `bucket "${where.bucket}"`

  if (name === "NoSuchBucket") {
    return make(`${bucket} does not exist at ${where.endpoint}: create it, or fix \`bucket\` (and \`endpoint\` / \`region\`)`, false)
  }
  if (deniedNames.has(name) || status === 403) {
    return make(
      `${where.endpoint} refused access to ${bucket} (${name}) while trying to ${doing}: check the credentials ` +
        "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the SDK's default chain: AWS_PROFILE, ~/.aws) " +
        "and that they may read, write, list and delete in the bucket",
      false
    )
  }
  if (name === "CredentialsProviderError") {
    return make(
      "no S3 credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure the SDK's default chain (AWS_PROFILE, ~/.aws)",
      false
    )
  }
  if (/region is missing/i.test(said)) {
    return make("no S3 region is set: pass `region` to s3(...), or set AWS_REGION", false)
  }
  if (name === "PermanentRedirect" || name === "AuthorizationHeaderMalformed" || status === 301) {
    return make(`${bucket} is in another region than the one configured (${name}): fix \`region\` (or AWS_REGION)`, false)
  }
  const network = networkCode(error)
  if (network !== undefined) {
    return make(`cannot reach ${where.endpoint} (${network}): check \`endpoint\`, that the server is running and reachable, and retry`, true)
  }
  if (busyNames.has(name) || (status !== undefined && status >= 500)) {
    return make(`${where.endpoint} failed to ${doing} (${name}: ${said}): retry`, true)
  }
  return make(`${where.endpoint} failed to ${doing} (${name}: ${said})`, false)
}
