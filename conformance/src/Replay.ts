/**
 * The replay transport: a `fetch` that answers from a cassette instead of the network. Inject it
 * into a vendor SDK (`openai`, `@elevenlabs/elevenlabs-js` and AI SDK providers all take a
 * `fetch` option) or an adapter's factory, and every request is matched against the recorded
 * interactions — on method, path, query and the fields that matter, never the exact bytes — and
 * answered with the recorded response: JSON at once, SSE / NDJSON / binary chunk by chunk with
 * their delays.
 *
 * Everything the transport sees is kept in its `log`, so a test can assert what went over the
 * wire: the parsed body fields, which interaction answered, when the first and last bytes were
 * delivered, and whether the caller aborted (the request's `signal`) or cancelled the body.
 *
 * @example
 * ```ts
 * const fetch = replayFetch(Cassette.loadSync("test/cassettes/stt-success.json"))
 * const provider = acmeVoice({ fetch, apiKey: REPLAY_API_KEY })
 * // … call the provider …
 * fetch.log[0]?.body // { type: "multipart", fields: { model: "acme-listen-1", file: { sha256, size } } }
 * ```
 *
 * @since 0.1.0
 */
import { unanswerableRequest } from "@patchbay/core"
import type { Cassette, Interaction, LoadedCassette, RequestBody } from "./Cassette.ts"
import { readBody } from "./internal/body.ts"
import { describeMismatch, match } from "./internal/match.ts"
import { normalizeCall, publicHeaders, publicUrl } from "./internal/request.ts"
import { defaultContentType, stepsOf } from "./internal/steps.ts"

/** The API key adapters are given in replay, so `MissingApiKey` never fires. */
export const REPLAY_API_KEY = "replay-placeholder-key"

/** What the transport saw of one request, and what it did with it. */
export interface TransportLogEntry {
  /** Order of arrival, from 0. */
  readonly seq: number
  readonly method: string
  /** The URL as sent, with secret query parameters redacted. */
  readonly url: string
  /** Request headers, lowercased, without credentials. */
  readonly headers: Readonly<Record<string, string>>
  /** The parsed body: JSON, multipart fields (uploads as `{sha256, size}`), form, text or binary. */
  readonly body: RequestBody | undefined
  /** The interaction that answered, or undefined when none matched. */
  readonly interaction: number | undefined
  /** True when an interaction answered a second time (a retry of a failing request). */
  readonly repeated: boolean
  /** Why no interaction matched: the closest one and each differing field. */
  readonly mismatch: string | undefined
  readonly status: number | undefined
  /** `performance.now()` when `fetch` was called, when the headers were returned, when the body ended. */
  readonly startedAt: number
  readonly respondedAt: number | undefined
  readonly completedAt: number | undefined
  /** `performance.now()` of each body chunk written. */
  readonly chunkTimes: ReadonlyArray<number>
  /** The request's `signal` aborted before the exchange completed. */
  readonly aborted: boolean
  /** The caller cancelled the response body before it ended. */
  readonly cancelled: boolean
  /** The request failed in the transport: unreadable body, no match, a recorded stream failure. */
  readonly error: string | undefined
}

type MutableEntry = { -readonly [K in keyof TransportLogEntry]: TransportLogEntry[K] } & { chunkTimes: Array<number> }

/** Options of {@link replayFetch}. */
export interface ReplayOptions {
  /** Resolves binary `file` chunks; defaults to the loaded cassette's directory, else the working directory. */
  readonly baseDir?: string | undefined
  /** The name used in messages; defaults to the cassette's file name. */
  readonly name?: string | undefined
  /**
   * Holds the exchange open until the request is aborted: before the response headers
   * (`"headers"`), or after that many body chunks. The battery's interruption check uses it.
   */
  readonly stall?: "headers" | { readonly afterChunks: number } | undefined
  /** Multiplies every recorded delay (0 replays as fast as possible). Default 1. */
  readonly delayScale?: number | undefined
  /**
   * Waits out a recorded delay (after `delayScale`): by default a real timer. A test that plays a
   * cassette on a virtual clock (effect's `TestClock`) passes its own, so recorded delays take
   * virtual time and what is measured is exact.
   */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined
}

/** A `fetch` answering from a cassette, with what it saw. */
export interface ReplayFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>
  /** Every request seen, in order (matched or not). */
  readonly log: ReadonlyArray<TransportLogEntry>
  /** Releases stalled exchanges (they fail) so nothing stays pending after a test. */
  readonly dispose: () => void
}

/**
 * A request no interaction matches; the message shows the closest interaction and each
 * difference on its own line. It is a programming error (the test, the cassette or the adapter
 * is wrong), not an outage: it carries core's `unanswerableRequest` mark, so adapters mapping
 * the failure with `fromRequestFailure` turn it into a final `InvalidRequest` that nothing
 * retries, instead of a retryable `ProviderUnavailable`.
 */
export class ReplayMismatch extends Error {
  override readonly name = "ReplayMismatch"
  readonly [unanswerableRequest] = true
}

/** The `AbortError` a real `fetch` fails with when its signal aborts. */
const abortReason = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException("This operation was aborted", "AbortError")

/** A dropped connection in the middle of a body, as undici reports it. */
const terminated = (message: string): TypeError => new TypeError("terminated", { cause: new Error(message) })

/** Settles with the promise, or rejects with the abort reason as soon as the signal aborts. */
const abortable = <A>(promise: Promise<A>, signal: AbortSignal | undefined): Promise<A> => {
  if (signal === undefined) return promise
  if (signal.aborted) return Promise.reject(abortReason(signal))
  return new Promise<A>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal))
    signal.addEventListener("abort", onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort))
  })
}

const isInteractions = (source: Cassette | LoadedCassette | ReadonlyArray<Interaction>): source is ReadonlyArray<Interaction> =>
  Array.isArray(source)

/**
 * Builds a `fetch` that replays a cassette (or a list of interactions). Each interaction answers
 * once, in order among those that match; a request matching only used interactions is answered
 * by the last of them again, so a retrying client meets the same failure. An unmatched request
 * rejects with {@link ReplayMismatch}.
 *
 * @category constructors
 */
export const replayFetch = (
  source: Cassette | LoadedCassette | ReadonlyArray<Interaction>,
  options: ReplayOptions = {}
): ReplayFetch => {
  const list = isInteractions(source) ? source : undefined
  const loaded = list === undefined && "cassette" in source ? (source as LoadedCassette) : undefined
  const interactions: ReadonlyArray<Interaction> = list ?? loaded?.cassette.interactions ?? (source as Cassette).interactions
  const baseDir = options.baseDir ?? loaded?.dir ?? process.cwd()
  const name = options.name ?? loaded?.name ?? "the cassette"
  const scale = options.delayScale ?? 1
  const log: Array<MutableEntry> = []
  const used = new Set<number>()
  const releases = new Set<(error: unknown) => void>()

  /** Waits `ms`, failing early with the abort reason; `stall` waits for the abort only. */
  const wait = (ms: number | "forever", signal: AbortSignal | undefined): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) return reject(abortReason(signal))
      let timer: ReturnType<typeof setTimeout> | undefined
      const release = (error: unknown) => finish(() => reject(error))
      const onAbort = () => finish(() => reject(abortReason(signal as AbortSignal)))
      const finish = (then: () => void) => {
        if (timer !== undefined) clearTimeout(timer)
        signal?.removeEventListener("abort", onAbort)
        releases.delete(release)
        then()
      }
      signal?.addEventListener("abort", onAbort, { once: true })
      if (ms === "forever") releases.add(release)
      else if (options.sleep !== undefined) {
        releases.add(release)
        options.sleep(ms * scale).then(() => finish(resolve), (error: unknown) => finish(() => reject(error)))
      } else timer = setTimeout(() => finish(resolve), ms * scale)
    })

  const respond = (entry: MutableEntry, interaction: Interaction, url: URL, signal: AbortSignal | undefined): Response => {
    const { response } = interaction
    const headers = new Headers(response.headers ?? {})
    const contentType = defaultContentType(response.body)
    if (!headers.has("content-type") && contentType !== undefined) headers.set("content-type", contentType)
    const steps = stepsOf(response.body, baseDir)
    const stallAfter = typeof options.stall === "object" ? options.stall.afterChunks : undefined
    const nullBody = response.status === 204 || response.status === 205 || response.status === 304
    let done = false
    const onAbort = () => {
      entry.aborted = true
    }
    signal?.addEventListener("abort", onAbort, { once: true })
    const complete = () => {
      done = true
      entry.completedAt = performance.now()
      signal?.removeEventListener("abort", onAbort)
    }
    const body = nullBody ? null : new ReadableStream<Uint8Array>({
      start: (controller) => {
        void (async () => {
          try {
            for (const [i, step] of steps.entries()) {
              if (stallAfter !== undefined && i === stallAfter) await wait("forever", signal)
              if (step.delayMs > 0) await wait(step.delayMs, signal)
              if (done) return
              if (step._tag === "Failure") {
                entry.error = `the recorded stream failed: ${step.message}`
                complete()
                controller.error(terminated(step.message))
                return
              }
              controller.enqueue(step.bytes)
              entry.chunkTimes.push(performance.now())
            }
            if (stallAfter !== undefined && stallAfter >= steps.length) await wait("forever", signal)
            if (done) return
            complete()
            controller.close()
          } catch (error) {
            if (done) return
            done = true
            signal?.removeEventListener("abort", onAbort)
            controller.error(error)
          }
        })()
      },
      cancel: () => {
        if (done) return
        entry.cancelled = true
        done = true
        signal?.removeEventListener("abort", onAbort)
      }
    })
    if (nullBody) complete()
    const out = new Response(body, { status: response.status, headers })
    Object.defineProperty(out, "url", { value: url.href })
    entry.status = response.status
    entry.respondedAt = performance.now()
    return out
  }

  const replay = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    // `data:` URLs never reach a vendor (the openai SDK probes a custom fetch with `data:,`):
    // answer them as fetch does, outside the log.
    const href = typeof input === "string" ? input : input instanceof URL ? input.href : input.url
    if (href.startsWith("data:")) return globalThis.fetch(href)
    const call = normalizeCall(input, init)
    const entry: MutableEntry = {
      seq: log.length,
      method: call.method,
      url: publicUrl(call.url),
      headers: publicHeaders(call.headers),
      body: undefined,
      interaction: undefined,
      repeated: false,
      mismatch: undefined,
      status: undefined,
      startedAt: performance.now(),
      respondedAt: undefined,
      completedAt: undefined,
      chunkTimes: [],
      aborted: false,
      cancelled: false,
      error: undefined
    }
    log.push(entry)
    const { signal } = call
    const markAbort = () => {
      entry.aborted = true
    }
    signal?.addEventListener("abort", markAbort, { once: true })
    try {
      if (signal?.aborted === true) {
        entry.aborted = true
        throw abortReason(signal)
      }
      let body: RequestBody | undefined
      try {
        body = await abortable(readBody(call.body, call.headers.get("content-type")), signal)
      } catch (error) {
        if (entry.aborted) throw error
        entry.error = `the request body could not be read: ${error instanceof Error ? error.message : String(error)}`
        throw new TypeError("fetch failed", { cause: error })
      }
      entry.body = body
      const sent = { method: call.method, url: call.url, body }
      const found = match(interactions, used, sent)
      if (found._tag === "Unmatched") {
        const message = describeMismatch(name, interactions, sent, found.closest)
        entry.mismatch = message
        entry.error = message
        throw new ReplayMismatch(message)
      }
      used.add(found.index)
      entry.interaction = found.index
      entry.repeated = found.repeated
      const interaction = interactions[found.index] as Interaction
      if (options.stall === "headers") await wait("forever", signal)
      const delay = interaction.response.delay_ms ?? 0
      if (delay > 0) await wait(delay, signal)
      return respond(entry, interaction, call.url, signal)
    } finally {
      signal?.removeEventListener("abort", markAbort)
    }
  }

  return Object.assign(replay, {
    log: log as ReadonlyArray<TransportLogEntry>,
    dispose: () => {
      for (const release of [...releases]) release(new Error("the replay transport was disposed"))
    }
  })
}
