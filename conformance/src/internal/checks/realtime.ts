/**
 * The realtime speech-to-text checks: cassettes holding one WebSocket session each (operation
 * `realtime`) are played by the replay WebSocket server against `stt.realtime`, with the audio
 * fed chunk by chunk (`../realtime.ts`). They prove what a live session depends on: partials come
 * while audio is still going out, the committed text is the vendor's, each vendor error message
 * ends the stream in its tag, interrupting the stream closes the socket, a session leaves nothing
 * running, and a format the model does not take is refused before any connection.
 *
 * They apply to adapters whose catalogue lists a realtime model; for the others they are skipped
 * with that reason.
 */
import type { ProviderError, RealtimeSttEvent } from "@patchbay/core"
import { Cause, Effect, Exit, Stream } from "effect"
import type { LoadedCassette, ScenarioCase } from "../../Cassette.ts"
import { REPLAY_API_KEY } from "../../Replay.ts"
import { serveReplaySocket } from "../../ReplaySocket.ts"
import { refusingFetch, type Subject } from "../../Subject.ts"
import { show } from "../json.ts"
import { type Driven, drive, endOf, EVENT_CAP_MS, realtimeModels, serverNote, specOf } from "../realtime.ts"
import { defaultTags } from "./http.ts"
import { hint, SETTLE_CAP_MS, settled, turn, type Watch, watchCreated } from "./lifetime.ts"
import { type Check, type CheckFailed, define, eachCassette, ensure, failWith, type Plan, run, skip } from "./common.ts"

const ERROR_CASES: ReadonlyArray<ScenarioCase> = ["unauthorized", "quota_exceeded", "rate_limited", "invalid_request", "unavailable"]

const realtimeOf = (subject: Subject, cases: ReadonlyArray<ScenarioCase>): ReadonlyArray<LoadedCassette> =>
  subject.realtimeCassettes.filter((c) => c.cassette.scenario?.capability === "stt" && cases.includes(c.cassette.scenario.case))

/** Plans a realtime check over the realtime cassettes of some cases; skipped, with the reason, where it cannot apply. */
const planOver = (cases: ReadonlyArray<ScenarioCase>, pick: (found: ReadonlyArray<LoadedCassette>) => ReadonlyArray<LoadedCassette> = (f) => f) => (subject: Subject): Plan => {
  if (subject.provider.stt?.realtime === undefined) return skip("the adapter has no stt.realtime")
  if (realtimeModels(subject.provider).length === 0) return skip("no realtime model in the catalogue")
  if (subject.mode === "in-process") return skip("in-process provider: no WebSocket to replay")
  const found = realtimeOf(subject, cases).filter((c) => c.cassette.websocket !== undefined)
  if (found.length === 0) return skip(`no stt cassette with operation "realtime", a websocket session and case ${cases.map((c) => `"${c}"`).join(" or ")}`)
  return run(pick(found))
}

const texts = (events: ReadonlyArray<RealtimeSttEvent>, type: "partial" | "committed") =>
  events.flatMap((e) => (e.type === type ? [e.text] : []))

/** A session that must have ended well: no difference at the server, a success, a summary last. */
const wentWell = (driven: Driven): Effect.Effect<void, CheckFailed> =>
  Effect.gen(function*() {
    const note = serverNote(driven.server)
    if (driven.exit !== undefined && Exit.isFailure(driven.exit)) return yield* failWith(`the session failed: ${endOf(driven.exit)}${note}`)
    yield* ensure(note === "", () => `the session did not go as recorded:${note}`)
    const last = driven.events.at(-1)
    yield* ensure(last?.type === "summary", () => `the stream ended with ${show(last)}, not a summary: the summary is the last event of a session`)
  })

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

/** `stt.realtime_partials`: a partial comes out before the last chunk of audio is handed over. */
export const realtimePartials: Check = define(
  "stt",
  "realtime_partials",
  "realtime: partial transcripts come out while audio is still being sent",
  planOver(["success"]),
  Effect.fn("Checks.stt.realtime_partials")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const driven = yield* drive(subject, loaded, scenario, { awaitPartial: true })
        yield* wentWell(driven)
        const before = driven.events.slice(0, driven.beforeLastChunk).filter((e) => e.type === "partial").length
        const all = texts(driven.events, "partial").length
        yield* ensure(before > 0, () =>
          `no partial came out before the last chunk of audio was sent (${all} came after it; the vendor had sent ` +
          `${driven.server.sessions[0]?.sent() ?? 0} messages by the end): emit each partial as the vendor sends it — ` +
          `a partial held until the input ends is of no use to a live caption`)
      }))
  })
)

/** `stt.realtime_text`: the committed utterances are the recording's text. */
export const realtimeText: Check = define(
  "stt",
  "realtime_text",
  "realtime: the committed text is the vendor's, every utterance in order, then a summary",
  planOver(["success"]),
  Effect.fn("Checks.stt.realtime_text")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const expected = scenario.expect?.text
        if (expected === undefined) return yield* failWith("the cassette says no expect.text: a realtime success cassette gives the committed text, utterances joined by a space")
        const driven = yield* drive(subject, loaded, scenario)
        yield* wentWell(driven)
        const committed = texts(driven.events, "committed").join(" ")
        yield* ensure(committed === expected, () =>
          `the committed text is ${show(committed, 200)}; the vendor committed ${show(expected, 200)}: ` +
          `emit every committed transcript the vendor sends, as sent (one per utterance), and none of the partials as committed`)
      }))
  })
)

/** `stt.realtime_errors`: each vendor error message (and a dropped socket) ends the stream in its tag. */
export const realtimeErrors: Check = define(
  "stt",
  "realtime_errors",
  "realtime: vendor error messages map to their tags (auth, quota, rate, input); a dropped socket → ProviderUnavailable",
  planOver(ERROR_CASES),
  Effect.fn("Checks.stt.realtime_errors")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const want = scenario.expect?.error?._tag ?? defaultTags[scenario.case] ?? "ProviderError"
        const driven = yield* drive(subject, loaded, scenario)
        const exit = driven.exit as Exit.Exit<void, ProviderError>
        if (Exit.isSuccess(exit)) {
          return yield* failWith(`the session ended well (${texts(driven.events, "committed").length} committed), but the vendor ${describeEnd(loaded)}: it must fail with ${want}${serverNote(driven.server)}`)
        }
        const found = Cause.findErrorOption(exit.cause)
        yield* ensure(found._tag === "Some", () => `the session died (${endOf(exit)}) instead of failing with ${want}`)
        if (found._tag === "Some") {
          yield* ensure(found.value._tag === want, () =>
            `the vendor ${describeEnd(loaded)}, and the session failed with ${found.value._tag} (${found.value.message}); expected ${want}: ` +
            `map the vendor's error message by its type or code once, as the HTTP statuses are (auth → AuthenticationFailed, quota → QuotaExceeded, ` +
            `rate → RateLimited, input → InvalidRequest), and a socket that drops before the end to ProviderUnavailable${serverNote(driven.server)}`)
          const expected = scenario.expect?.error
          if (expected?.retryAfter !== undefined) {
            yield* ensure((found.value as { retryAfter?: unknown }).retryAfter === expected.retryAfter, () =>
              `retryAfter is ${show((found.value as { retryAfter?: unknown }).retryAfter)}; the vendor said ${expected.retryAfter}`)
          }
        }
      }))
  })
)

const describeEnd = (loaded: LoadedCassette): string => {
  const session = loaded.cassette.websocket
  if (session === undefined) return "ended the session"
  if (session.end.by === "drop") return "dropped the socket"
  const error = [...session.messages].reverse().find((m) => m.from === "server")
  return `sent ${error !== undefined && "json" in error ? show(error.json, 120) : "its last message"} and closed`
}

/** `stt.realtime_abort`: interrupting the stream closes the socket, as the server sees it. */
export const realtimeAbort: Check = define(
  "stt",
  "realtime_abort",
  "realtime: interrupting the stream closes the vendor socket",
  planOver(["success"], (found) => found.slice(0, 1)),
  Effect.fn("Checks.stt.realtime_abort")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        let closed: string | undefined
        const driven = yield* drive(subject, loaded, scenario, {
          interruptAfter: 2,
          whileServing: (server) =>
            Effect.gen(function*() {
              const session = server.sessions[0]
              if (session === undefined) return
              const result = yield* Effect.promise(() => session.whenClosed).pipe(Effect.timeoutOption(EVENT_CAP_MS))
              closed = result._tag === "Some" ? result.value.by : undefined
            })
        })
        yield* ensure(driven.server.sessions.length === 1, () => `no session reached the replay server before the interruption${serverNote(driven.server)}`)
        yield* ensure(!driven.stuck, () => `the interrupted stream did not stop within ${EVENT_CAP_MS / 1000} s of its interruption`)
        yield* ensure(closed !== undefined, () =>
          `the stream was interrupted mid-session, and the vendor socket was still open ${EVENT_CAP_MS / 1000} s later (at the replay server): ` +
          `close the connection in the stream's finalizer (Effect.acquireRelease), so an interrupted session stops the vendor's billing too`)
      }))
  })
)

/** `stt.realtime_nothing_outlives`: after a session that ended well and one that failed, nothing of the adapter stays active. */
export const realtimeNothingOutlives: Check = define(
  "stt",
  "realtime_nothing_outlives",
  "realtime: after a session that ended and one that failed, no socket or timer of the adapter stays active",
  (subject) => {
    const success = planOver(["success"])(subject)
    if (success._tag === "Skip") return success
    const failing = realtimeOf(subject, ERROR_CASES).filter((c) => c.cassette.websocket !== undefined)[0]
    return run([success.cassettes[0] as LoadedCassette, ...(failing === undefined ? [] : [failing])])
  },
  Effect.fn("Checks.stt.realtime_nothing_outlives")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        let watch: Watch | undefined
        let left: ReadonlyArray<string> = []
        const what = scenario.case === "success" ? "a session that ended well" : "a session that failed"
        yield* drive(subject, loaded, scenario, {
          // Watched from when the server listens (its own listening socket is not the session's)
          // until the session's sockets and timers are gone, the server still listening.
          onServing: () =>
            Effect.gen(function*() {
              yield* turn
              watch = watchCreated()
            }),
          whileServing: () =>
            Effect.gen(function*() {
              if (watch !== undefined) left = yield* settled(watch)
            })
        }).pipe(Effect.ensuring(Effect.sync(() => watch?.stop())))
        yield* ensure(left.length === 0, () =>
          `after ${what}, ${left.join(", ")} of the adapter ${left.length === 1 ? "was" : "were"} still active ${SETTLE_CAP_MS / 1000} s later: ` +
          `close the socket when the session ends or fails, and clear keep-alive timers with it; ${hint}`)
      }))
  })
)

/** Formats a model's catalogue does not list: another sample rate of PCM, another codec, µ-law at another rate. */
export const badFormats = (allowed: ReadonlyArray<string>): ReadonlyArray<string> => {
  const rate = [8000, 11025, 16000, 22050, 24000, 44100, 48000].find((r) => !allowed.includes(`pcm_${r}`)) ?? 12345
  return [`pcm_${rate}`, "mp3_44100_128", "ulaw_16000", "pcm16000"].filter((f) => !allowed.includes(f))
}

/** `stt.realtime_validate`: a format or sample rate the model does not take is refused before connecting. */
export const realtimeValidate: Check = define(
  "stt",
  "realtime_validate",
  "realtime: an audio format or sample rate the model does not take is refused before any connection",
  planOver(["success"], (found) => found.slice(0, 1)),
  Effect.fn("Checks.stt.realtime_validate")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const server = yield* Effect.acquireRelease(Effect.promise(() => serveReplaySocket(loaded, { delayScale: 0 })), (s) => Effect.promise(() => s.close()))
        const provider = subject.make({ fetch: refusingFetch, apiKey: REPLAY_API_KEY, realtimeBaseUrl: server.baseUrl })
        const stt = provider.stt
        if (stt?.realtime === undefined) return yield* failWith("the provider has no stt.realtime")
        const models = realtimeModels(provider)
        const model = models.find((m) => m.id === scenario.request.model) ?? models[0]
        if (model === undefined) return
        for (const format of badFormats(model.realtime_formats ?? [])) {
          const spec = { ...specOf(provider, scenario), model: model.id, audio_format: format }
          const why = `${model.id} with audio_format ${show(format)} (the catalogue lists ${show(model.realtime_formats ?? [])})`
          if (stt.validateRealtime !== undefined) {
            const judged = yield* Effect.exit(stt.validateRealtime(spec))
            yield* ensure(Exit.isFailure(judged), () => `validateRealtime accepted ${why}: refuse what the catalogue does not list, with UnsupportedFormat or InvalidRequest naming audio_format`)
          }
          const exit = yield* Effect.exit(Stream.runDrain(stt.realtime(spec, Stream.empty)))
          const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : undefined
          yield* ensure(server.upgrades() === 0, () =>
            `realtime() with ${why} connected to the vendor (${server.upgrades()} WebSocket upgrade${server.upgrades() === 1 ? "" : "s"} at the replay server) before refusing it: ` +
            `validate the session (model, format, language, options) before opening the socket`)
          yield* ensure(error?._tag === "Some" && refusals.has(error.value._tag), () =>
            `realtime() with ${why} ended in ${Exit.isSuccess(exit) ? "success" : endOf(exit)}; expected UnsupportedFormat or InvalidRequest`)
        }
      }).pipe(Effect.scoped))
  })
)

const refusals = new Set(["UnsupportedFormat", "InvalidRequest"])

/** The realtime checks, in report order. */
export const realtimeChecks: ReadonlyArray<Check> = [realtimeValidate, realtimePartials, realtimeText, realtimeErrors, realtimeAbort, realtimeNothingOutlives]
