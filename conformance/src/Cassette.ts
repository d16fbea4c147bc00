/**
 * Cassettes: recorded (or synthesized) vendor HTTP exchanges, as versioned JSON files that the
 * replay transport serves and the battery reads. A cassette holds the `interactions` (each a
 * request with its secrets removed and a response) and, for the battery, a `scenario`: the
 * Patchbay-level call to make (capability, operation, request) and what to expect from it.
 *
 * The format is documented in `docs/conformance.md`; this module is its schema. Every cassette
 * is validated on load, and a bad one fails with the file and the path of the first problem.
 *
 * @since 0.1.0
 */
import { Data, Effect, Result, Schema, SchemaIssue } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Capability, ToolCall, ToolDefinition, Usage } from "@patchbay/core"
import { show } from "./internal/json.ts"

/** The cassette format version this package reads and writes. */
export const CURRENT_VERSION = 1

const NonNegative = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))
const Size = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))
const Delay = Schema.optionalKey(NonNegative)
const Headers = Schema.Record(Schema.String, Schema.String)

/** A SHA-256 digest in lowercase hex. @category schemas */
export const Sha256 = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/))

/**
 * Binary content that is not stored, only identified: an uploaded file part or a binary
 * request body, by its SHA-256 and size in bytes.
 *
 * @category schemas
 */
export const BinaryRef = Schema.Struct({
  sha256: Sha256,
  size: Size,
  filename: Schema.optionalKey(Schema.String),
  content_type: Schema.optionalKey(Schema.String)
})
export type BinaryRef = typeof BinaryRef.Type

/** One multipart field value: text, or a file part as a {@link BinaryRef}. @category schemas */
export const MultipartValue = Schema.Union([Schema.String, BinaryRef])
export type MultipartValue = typeof MultipartValue.Type

/** Multipart fields by name, bracketed names kept (`timestamp_granularities[]`); repeated fields are arrays. */
export const MultipartFields = Schema.Record(Schema.String, Schema.Union([MultipartValue, Schema.Array(MultipartValue)]))
export type MultipartFields = typeof MultipartFields.Type

/** URL-encoded form fields; repeated fields are arrays. */
export const FormFields = Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Array(Schema.String)]))
export type FormFields = typeof FormFields.Type

/**
 * A request body as the matcher sees it: JSON, multipart fields, form fields, text, or binary
 * by digest.
 *
 * @category schemas
 */
export const RequestBody = Schema.Union([
  Schema.Struct({ type: Schema.Literal("json"), json: Schema.Unknown }),
  Schema.Struct({ type: Schema.Literal("multipart"), fields: MultipartFields }),
  Schema.Struct({ type: Schema.Literal("form"), fields: FormFields }),
  Schema.Struct({ type: Schema.Literal("text"), text: Schema.String }),
  Schema.Struct({
    type: Schema.Literal("binary"),
    sha256: Sha256,
    size: Size,
    content_type: Schema.optionalKey(Schema.String)
  })
])
export type RequestBody = typeof RequestBody.Type

/** A recorded request: secrets removed, body parsed. @category schemas */
export const CassetteRequest = Schema.Struct({
  method: Schema.String,
  url: Schema.String,
  headers: Schema.optionalKey(Headers),
  body: Schema.optionalKey(RequestBody),
  /** Paths the matcher ignores, e.g. `body.user` or `query.ts` (a path covers everything under it). */
  ignore: Schema.optionalKey(Schema.Array(Schema.String))
})
export type CassetteRequest = typeof CassetteRequest.Type

/** A chunk whose arrival fails the body stream, as a dropped connection does. */
const StreamFailure = Schema.Struct({ error: Schema.String, delay_ms: Delay })

/**
 * One piece of a server-sent-events body: an event (`data` as text, or JSON that is serialized),
 * raw text written as is (comments, `retry:` lines, an event split across reads), or a failure.
 *
 * @category schemas
 */
export const SseChunk = Schema.Union([
  Schema.Struct({
    data: Schema.Unknown,
    event: Schema.optionalKey(Schema.String),
    id: Schema.optionalKey(Schema.String),
    delay_ms: Delay
  }),
  Schema.Struct({ raw: Schema.String, delay_ms: Delay }),
  StreamFailure
])
export type SseChunk = typeof SseChunk.Type

/** One line of a newline-delimited JSON body, or a failure. @category schemas */
export const NdjsonChunk = Schema.Union([Schema.Struct({ json: Schema.Unknown, delay_ms: Delay }), StreamFailure])
export type NdjsonChunk = typeof NdjsonChunk.Type

/**
 * One piece of a binary body: base64 bytes, a byte range of a file next to the cassette
 * (`start` inclusive, `end` exclusive, both optional), or a failure.
 *
 * @category schemas
 */
export const BinaryChunk = Schema.Union([
  Schema.Struct({ base64: Schema.String, delay_ms: Delay }),
  Schema.Struct({ file: Schema.String, start: Schema.optionalKey(Size), end: Schema.optionalKey(Size), delay_ms: Delay }),
  StreamFailure
])
export type BinaryChunk = typeof BinaryChunk.Type

/** A response body: JSON, text, SSE or NDJSON chunks, or binary chunks. @category schemas */
export const ResponseBody = Schema.Union([
  Schema.Struct({ type: Schema.Literal("json"), json: Schema.Unknown }),
  Schema.Struct({ type: Schema.Literal("text"), text: Schema.String }),
  Schema.Struct({ type: Schema.Literal("sse"), chunks: Schema.Array(SseChunk) }),
  Schema.Struct({ type: Schema.Literal("ndjson"), chunks: Schema.Array(NdjsonChunk) }),
  Schema.Struct({ type: Schema.Literal("binary"), chunks: Schema.Array(BinaryChunk) })
])
export type ResponseBody = typeof ResponseBody.Type

/** A recorded response. `delay_ms` is the wait before the status and headers. @category schemas */
export const CassetteResponse = Schema.Struct({
  status: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 200, maximum: 599 })),
  headers: Schema.optionalKey(Headers),
  delay_ms: Delay,
  body: Schema.optionalKey(ResponseBody)
})
export type CassetteResponse = typeof CassetteResponse.Type

/** @category schemas */
export const Interaction = Schema.Struct({
  request: CassetteRequest,
  response: CassetteResponse
})
export type Interaction = typeof Interaction.Type

// ---------------------------------------------------------------------------------------------
// WebSocket: one realtime session, message by message
// ---------------------------------------------------------------------------------------------

/**
 * Bytes of a WebSocket message: base64, a byte range of a file next to the cassette (`start`
 * inclusive, `end` exclusive), or only a size (a client's audio compared by length, not content).
 *
 * @category schemas
 */
export const SocketBytes = Schema.Union([
  Schema.Struct({ base64: Schema.String }),
  Schema.Struct({ file: Schema.String, start: Schema.optionalKey(Size), end: Schema.optionalKey(Size) }),
  Schema.Struct({ size: Size })
])
export type SocketBytes = typeof SocketBytes.Type

const From = Schema.Literals(["client", "server"])

/**
 * One message of a session, in the order the session had them: JSON text (`json`), other text,
 * or a binary frame. Inside `json`, a string value written `{ "$base64": SocketBytes }` stands
 * for base64 of those bytes (the audio a client message carries). A server message waits
 * `delay_ms` after the message before it in the list — the one it answers, when that is the
 * client's.
 *
 * @category schemas
 */
export const SocketMessage = Schema.Union([
  Schema.Struct({ from: From, json: Schema.Unknown, delay_ms: Delay }),
  Schema.Struct({ from: From, text: Schema.String, delay_ms: Delay }),
  Schema.Struct({ from: From, binary: SocketBytes, delay_ms: Delay })
])
export type SocketMessage = typeof SocketMessage.Type

/**
 * How the session ends once its messages are played: the client closes it (with `code`, when
 * given, checked), the server closes it with a code and reason, or the server drops the
 * connection without a close frame.
 *
 * @category schemas
 */
export const SocketEnd = Schema.Union([
  Schema.Struct({ by: Schema.Literal("client"), code: Schema.optionalKey(Schema.Int) }),
  Schema.Struct({ by: Schema.Literal("server"), code: Schema.Int, reason: Schema.optionalKey(Schema.String), delay_ms: Delay }),
  Schema.Struct({ by: Schema.Literal("drop"), delay_ms: Delay })
])
export type SocketEnd = typeof SocketEnd.Type

/**
 * A WebSocket session (an addition to format version 1): the upgrade's URL (path and query are
 * matched, the host is not), then every message in each direction, then how it ended. `ignore`
 * names what legitimately varies: `query.<name>` for the upgrade, `message.<path>` for a field of
 * every client JSON message (`message.event_id`).
 *
 * @category schemas
 */
export const WebSocketInteraction = Schema.Struct({
  url: Schema.String,
  headers: Schema.optionalKey(Headers),
  ignore: Schema.optionalKey(Schema.Array(Schema.String)),
  messages: Schema.Array(SocketMessage),
  end: SocketEnd
})
export type WebSocketInteraction = typeof WebSocketInteraction.Type

// ---------------------------------------------------------------------------------------------
// Scenario: what the battery calls for this cassette
// ---------------------------------------------------------------------------------------------

/**
 * What a cassette proves. `success` feeds the behaviour checks; each other case feeds the check
 * of the same name (`rate_limited` → "429 → RateLimited with retryAfter").
 *
 * @category schemas
 */
export const ScenarioCase = Schema.Literals([
  "success",
  "unauthorized",
  "unknown_model",
  "too_large",
  "invalid_request",
  "rate_limited",
  "quota_exceeded",
  "unavailable",
  "stream_error"
])
export type ScenarioCase = typeof ScenarioCase.Type

/** The provider operation a scenario calls. @category schemas */
export const Operation = Schema.Literals(["transcribe", "transcribeStream", "realtime", "synthesize", "stream", "generate", "embed"])
export type Operation = typeof Operation.Type

/**
 * A part of a user message: text, or an image read from a file next to the cassette (an addition
 * to format version 1 that readers without it refuse with the path of the part).
 */
export const ScenarioContentPart = Schema.Union([
  Schema.Struct({ type: Schema.Literal("text"), text: Schema.String }),
  Schema.Struct({ type: Schema.Literal("image"), fixture: Schema.String, media_type: Schema.String })
])
export type ScenarioContentPart = typeof ScenarioContentPart.Type

/** A message of an LLM scenario; a user message's content is text or a list of text and image parts. */
export const ScenarioMessage = Schema.Union([
  Schema.Struct({ role: Schema.Literal("system"), content: Schema.String }),
  Schema.Struct({ role: Schema.Literal("user"), content: Schema.Union([Schema.String, Schema.Array(ScenarioContentPart)]) }),
  Schema.Struct({ role: Schema.Literal("assistant"), content: Schema.String, tool_calls: Schema.optionalKey(Schema.Array(ToolCall)) }),
  Schema.Struct({ role: Schema.Literal("tool"), tool_call_id: Schema.String, content: Schema.String })
])
export type ScenarioMessage = typeof ScenarioMessage.Type

/**
 * The Patchbay-level request of a scenario, in wire (snake_case) form. `provider_options` sit
 * under the vendor's key, as in a `MessageRequest`; audio is a file next to the cassette.
 *
 * @category schemas
 */
export const ScenarioRequest = Schema.Struct({
  model: Schema.String,
  language: Schema.optionalKey(Schema.String),
  provider_options: Schema.optionalKey(Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.Unknown))),
  /** STT: the audio file, relative to the cassette (raw audio in `audio_format` for realtime). */
  audio: Schema.optionalKey(Schema.Struct({ fixture: Schema.String })),
  /** Realtime STT: the session's audio format (`pcm_16000`), commit strategy (default `manual`) and word times. */
  audio_format: Schema.optionalKey(Schema.String),
  commit: Schema.optionalKey(Schema.Literals(["vad", "manual"])),
  include_timestamps: Schema.optionalKey(Schema.Boolean),
  /** Realtime STT: the audio is sent in chunks of this many bytes (default 3200)… */
  chunk_bytes: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  /** …with a `Commit` after each of these chunk counts (the adapter commits the rest when the input ends). */
  commit_after: Schema.optionalKey(Schema.Array(Size)),
  /** TTS */
  voice: Schema.optionalKey(Schema.String),
  output_format: Schema.optionalKey(Schema.String),
  text: Schema.optionalKey(Schema.String),
  previous_text: Schema.optionalKey(Schema.String),
  next_text: Schema.optionalKey(Schema.String),
  /** LLM */
  messages: Schema.optionalKey(Schema.Array(ScenarioMessage)),
  tools: Schema.optionalKey(Schema.Array(ToolDefinition)),
  /** Image */
  prompt: Schema.optionalKey(Schema.String),
  size: Schema.optionalKey(Schema.String),
  /** Embedding: the texts, and the vector length asked for. */
  texts: Schema.optionalKey(Schema.Array(Schema.String)),
  dimensions: Schema.optionalKey(Schema.Int)
})
export type ScenarioRequest = typeof ScenarioRequest.Type

/** The error a scenario must end in: its tag and, optionally, fields it must carry. */
export const ExpectedError = Schema.Struct({
  _tag: Schema.String,
  retryAfter: Schema.optionalKey(Schema.Number),
  requestId: Schema.optionalKey(Schema.String),
  status: Schema.optionalKey(Schema.Number),
  /** The request field at fault (`InvalidRequest`, `InputTooLarge`, `UnknownModel`, …): `voice.stt.language`. */
  field: Schema.optionalKey(Schema.String),
  /** The model the error names (`UnknownModel`, `InputTooLarge`). */
  model: Schema.optionalKey(Schema.String),
  /** `InputTooLarge`: the size the vendor counted (or the input's) and the limit, in the error's unit. */
  size: Schema.optionalKey(Schema.Number),
  limit: Schema.optionalKey(Schema.Number),
  /**
   * The error's `detail`, exactly: what the vendor said, as the adapter words it — where it says
   * more than its message (a router naming the upstream that failed: `[OpenAI] Rate limit exceeded`).
   */
  detail: Schema.optionalKey(Schema.String)
})
export type ExpectedError = typeof ExpectedError.Type

/**
 * What the battery expects of the call, when the cassette says. Absent fields are checked for
 * shape only (a transcript is text, usage decodes, …).
 *
 * @category schemas
 */
export const Expectation = Schema.Struct({
  /** STT transcript or the LLM's concatenated text deltas. */
  text: Schema.optionalKey(Schema.String),
  /** STT: ISO 639-1, or null when the vendor does not say. */
  language: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** STT: the duration the vendor reported; TTS: the duration of the audio produced. */
  duration_seconds: Schema.optionalKey(NonNegative),
  /** STT: how many words, segments and speakers the vendor returned (none may be dropped). */
  words: Schema.optionalKey(Size),
  segments: Schema.optionalKey(Size),
  speakers: Schema.optionalKey(Size),
  usage: Schema.optionalKey(Usage),
  /** TTS: characters billed (default: the characters of the text). */
  characters: Schema.optionalKey(Size),
  /** LLM: the tool calls, arguments parsed. */
  tool_calls: Schema.optionalKey(Schema.Array(Schema.Struct({ name: Schema.String, arguments: Schema.Unknown }))),
  finish_reason: Schema.optionalKey(Schema.String),
  /** Image: how many images; LLM: how many images the stream carries (media events). */
  images: Schema.optionalKey(Size),
  /** Embedding: the length of every vector the vendor gave. */
  dimensions: Schema.optionalKey(Size),
  /** Error cases: the tagged error (default: the case's usual tag). */
  error: Schema.optionalKey(ExpectedError),
  /** Fields that must be on the wire (body, multipart or query), when they differ from `provider_options`. */
  wire: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  /** Fields the result's `provider_output` must keep, with the vendor's values (objects compared key by key). */
  provider_output: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  /** Paths (`system_fingerprint`, `choices.0.message.refusal`) the result's `provider_output` must not hold: the vendor sent no value there. */
  provider_output_absent: Schema.optionalKey(Schema.Array(Schema.String)),
  /** A streamed STT or LLM success: the text deltas, in order, that the vendor sent before its final event (none empty). */
  deltas: Schema.optionalKey(Schema.Array(Schema.String)),
  /** The warnings the call must give, each named by a part of its text (default: none). */
  warnings: Schema.optionalKey(Schema.Array(Schema.String))
})
export type Expectation = typeof Expectation.Type

/** @category schemas */
export const Scenario = Schema.Struct({
  capability: Capability,
  case: ScenarioCase,
  /** Defaults: stt → transcribe, tts → synthesize, llm → stream, image → generate, embedding → embed. */
  operation: Schema.optionalKey(Operation),
  description: Schema.optionalKey(Schema.String),
  request: ScenarioRequest,
  expect: Schema.optionalKey(Expectation)
})
export type Scenario = typeof Scenario.Type

/** Where a cassette's bytes came from. Never label a synthesized cassette `recorded`. */
export const Source = Schema.Literals(["recorded", "synthesized"])
export type Source = typeof Source.Type

/**
 * A cassette, format version 1.
 *
 * @example
 * ```json
 * { "version": 1, "source": "synthesized",
 *   "scenario": { "capability": "image", "case": "unauthorized", "request": { "model": "acme-draw-1", "prompt": "a fox" } },
 *   "interactions": [{ "request": { "method": "POST", "url": "https://api.acme-voice.test/v1/images",
 *                                   "body": { "type": "json", "json": { "model": "acme-draw-1", "prompt": "a fox" } } },
 *                      "response": { "status": 401, "body": { "type": "json", "json": { "error": { "code": "invalid_api_key" } } } } }] }
 * ```
 * @category schemas
 */
export const Cassette = Schema.Struct({
  version: Schema.Literal(CURRENT_VERSION),
  source: Source,
  description: Schema.optionalKey(Schema.String),
  recorded_at: Schema.optionalKey(Schema.String),
  scenario: Schema.optionalKey(Scenario),
  interactions: Schema.Array(Interaction),
  /** A realtime session the replay WebSocket server plays (`serveReplaySocket`). */
  websocket: Schema.optionalKey(WebSocketInteraction)
})
export type Cassette = typeof Cassette.Type

/** A cassette read from disk, with where it came from (binary `file` chunks and fixtures are relative to `dir`). */
export interface LoadedCassette {
  readonly file: string
  readonly dir: string
  /** The file name without directory, e.g. `stt-success.json`. */
  readonly name: string
  readonly cassette: Cassette
}

// ---------------------------------------------------------------------------------------------
// Loading and validation
// ---------------------------------------------------------------------------------------------

/** A cassette that could not be read or does not match the format; names the file and the path. @category errors */
export class CassetteError extends Data.TaggedError("CassetteError")<{
  readonly file: string
  /** The JSON path of the first problem (`interactions[0].response.status`), empty for file-level problems. */
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.file}${this.path === "" ? "" : ` at ${this.path}`}: ${this.reason}`
  }
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const pathOf = (segments: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>): string =>
  segments.reduce<string>((out, segment) => {
    const key = typeof segment === "object" ? segment.key : segment
    return typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`
  }, "")

const valueAt = (
  input: unknown,
  segments: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>
): { readonly present: boolean; readonly value?: unknown } => {
  let current: unknown = input
  for (const segment of segments) {
    const key = typeof segment === "object" ? segment.key : segment
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return { present: false }
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return { present: true, value: current }
}

const decodeResult = Schema.decodeUnknownResult(Cassette)

/**
 * Validates parsed JSON as a cassette; `file` is used in the error. Synchronous, for test
 * registration; see {@link decode} for the Effect.
 *
 * @throws CassetteError
 */
export const decodeSync = (input: unknown, file: string): Cassette => {
  if (typeof input === "object" && input !== null && "version" in input) {
    const version = (input as { version: unknown }).version
    if (typeof version === "number" && version > CURRENT_VERSION) {
      throw new CassetteError({
        file,
        path: "version",
        reason: `format version ${version} is newer than this @patchbay/conformance reads (${CURRENT_VERSION}); upgrade the package`
      })
    }
  }
  const result = decodeResult(input)
  if (Result.isSuccess(result)) return result.success
  const first = formatter(result.failure.issue).issues[0]
  const segments = first?.path ?? []
  const reason = first?.message ?? "does not match the cassette format"
  const found = valueAt(input, segments)
  throw new CassetteError({
    file,
    path: pathOf(segments),
    reason: found.present && !/missing key/i.test(reason) ? `${reason}, got ${show(found.value)}` : reason
  })
}

/** Validates parsed JSON as a cassette. @category decoding */
export const decode = (input: unknown, file: string): Effect.Effect<Cassette, CassetteError> =>
  Effect.try({ try: () => decodeSync(input, file), catch: (e) => e as CassetteError })

const toPath = (location: string | URL): string =>
  location instanceof URL ? fileURLToPath(location) : location.startsWith("file:") ? fileURLToPath(location) : location

/**
 * Reads and validates one cassette file, synchronously (the battery registers its tests from
 * it while vitest collects).
 *
 * @throws CassetteError
 */
export const loadSync = (location: string | URL): LoadedCassette => {
  const file = path.resolve(toPath(location))
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (error) {
    throw new CassetteError({ file, path: "", reason: `cannot be read (${(error as { code?: string }).code ?? String(error)})` })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new CassetteError({ file, path: "", reason: `is not JSON (${(error as Error).message})` })
  }
  return { file, dir: path.dirname(file), name: path.basename(file), cassette: decodeSync(json, file) }
}

/** Reads and validates one cassette file. @category loading */
export const load = Effect.fn("Cassette.load")(function*(location: string | URL) {
  return yield* Effect.try({ try: () => loadSync(location), catch: (e) => e as CassetteError })
})

/**
 * Reads every `*.json` cassette of a directory, sorted by file name. Subdirectories are not
 * read: they hold what the battery must not play — fixtures (`audio/`), and cassettes an adapter
 * keeps for its own tests (`seed/`, `extra/`). Load those by path with {@link loadSync}.
 *
 * @throws CassetteError for the first invalid file, or when the directory cannot be read
 */
export const loadDirectorySync = (location: string | URL): ReadonlyArray<LoadedCassette> => {
  const dir = path.resolve(toPath(location))
  let names: Array<string>
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json")).sort()
  } catch (error) {
    throw new CassetteError({ file: dir, path: "", reason: `the cassette directory cannot be read (${(error as { code?: string }).code ?? String(error)})` })
  }
  return names.map((name) => loadSync(path.join(dir, name)))
}

/** Reads every `*.json` cassette of a directory, sorted by file name. @category loading */
export const loadDirectory = Effect.fn("Cassette.loadDirectory")(function*(location: string | URL) {
  return yield* Effect.try({ try: () => loadDirectorySync(location), catch: (e) => e as CassetteError })
})

/**
 * Serializes a cassette as the files are written: validated, two-space indented, with a final
 * newline.
 */
export const stringify = (cassette: Cassette): string => `${JSON.stringify(Schema.encodeSync(Cassette)(cassette), null, 2)}\n`

/** Whether a cassette is a realtime session (operation `realtime`, or a `websocket` interaction): the realtime checks play it, the others never. */
export const isRealtime = (loaded: Pick<LoadedCassette, "cassette">): boolean =>
  loaded.cassette.websocket !== undefined || loaded.cassette.scenario?.operation === "realtime"

/** The operation a scenario calls: its own, else the capability's default. */
export const operationOf = (scenario: Scenario): Operation =>
  scenario.operation ??
    (scenario.capability === "stt"
      ? "transcribe"
      : scenario.capability === "tts"
      ? "synthesize"
      : scenario.capability === "llm"
      ? "stream"
      : scenario.capability === "image"
      ? "generate"
      : "embed")

/** Resolves a path written in a cassette (a fixture, a binary `file` chunk) against its directory. */
export const resolveIn = (cassette: Pick<LoadedCassette, "dir">, relative: string): string => path.resolve(cassette.dir, relative)
