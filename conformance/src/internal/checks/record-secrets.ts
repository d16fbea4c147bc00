/**
 * The record-mode secrets check: a cassette written in record mode must not hold the API key in
 * any form. Every cassette of a capability is played through the recorder (`recordFetch`, as
 * `PATCHBAY_RECORD=1` does) over a loopback fake of the vendor — the cassette's own answers,
 * which also echo the request's headers back as a response header, as some vendors echo a bad
 * key — with a recognisable key holding characters URL encoding changes. The interactions the
 * recorder would write, the call's outputs (records, warnings) and its error are then searched
 * for the key as written, URL-encoded and inside base64 text.
 */
import type { Capability } from "@patchbay/core"
import { Cause, Effect, Exit } from "effect"
import { recordFetch } from "../../Record.ts"
import { replayFetch } from "../../Replay.ts"
import { outputsOf, play } from "../operations.ts"
import { type Check, define, eachCassette, ensure, run, scenarioIn, skip } from "./common.ts"
import { errorTexts, jsonOf } from "./secrets.ts"

/** The key the recorder is given: shaped like no vendor's key, with `/`, `+` and `=` that URL encoding rewrites. */
export const RECORD_API_KEY = "conformance-record/5d1e+8a7b=c4f2906e"

/** The base64 text any byte string holding the key contains, whatever its offset (three alignments). */
const base64Cores = (secret: string): ReadonlyArray<string> => {
  const bytes = Buffer.from(secret)
  return [0, 1, 2].map((pad) => {
    const text = Buffer.concat([Buffer.alloc(pad), bytes]).toString("base64")
    const start = pad === 0 ? 0 : 4
    const end = Math.floor((pad + bytes.length) / 3) * 4
    return text.slice(start, end)
  })
}

/** The forms of the key searched for, with their names for messages. */
export const keyForms = (secret: string): ReadonlyArray<readonly [string, string]> => [
  ["the key", secret],
  ["the URL-encoded key", encodeURIComponent(secret)],
  ...base64Cores(secret).map((core) => ["the key in base64", core] as const)
]

/** A fake vendor: the cassette's answers, with the request's headers echoed in `x-echo-request-headers`. */
const echoingUpstream = (replay: typeof fetch): typeof fetch => async (input, init) => {
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
  const response = await replay(input, init)
  const echoed = new Headers(response.headers)
  echoed.set("x-echo-request-headers", [...headers.entries()].map(([k, v]) => `${k}=${v}`).join("; "))
  const copy = new Response(response.body, { status: response.status, statusText: response.statusText, headers: echoed })
  Object.defineProperty(copy, "url", { value: response.url })
  return copy
}

export const recordSecretsCheck = (capability: Capability): Check =>
  define(
    capability,
    "record_secrets",
    "a cassette recorded with a recognisable key holds it in no form, nor do the records, warnings or errors",
    (subject) => {
      if (subject.mode === "in-process") return skip("in-process provider: it talks to no vendor, so nothing is recorded")
      const found = subject.cassettes.filter((c) => c.cassette.scenario?.capability === capability)
      return found.length === 0 ? skip(`no ${capability} cassette`) : run(found)
    },
    Effect.fn(`Checks.${capability}.record_secrets`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded) =>
        Effect.gen(function*() {
          const replay = replayFetch(loaded, { delayScale: 0 })
          const recorder = recordFetch({ upstream: echoingUpstream(replay), secrets: [RECORD_API_KEY] })
          const provider = subject.make({ fetch: recorder, apiKey: RECORD_API_KEY })
          const played = yield* play(outputsOf(provider, loaded, scenarioIn(loaded))).pipe(Effect.ensuring(Effect.sync(() => replay.dispose())))
          const interactions = yield* Effect.promise(() => recorder.interactions())
          const texts: Array<readonly [string, string]> = interactions.map((interaction, i) => [`recorded interaction ${i}`, jsonOf(interaction)])
          texts.push(...played.outputs.map((o, i): readonly [string, string] => [`output ${i + 1}`, jsonOf(o.value)]))
          if (Exit.isFailure(played.exit)) {
            const typed = Cause.findErrorOption(played.exit.cause)
            if (typed._tag === "Some") texts.push(...errorTexts(typed.value))
            texts.push(["the pretty-printed failure", Cause.pretty(played.exit.cause)])
          }
          const forms = keyForms(RECORD_API_KEY)
          const leak = texts.flatMap(([where, text]) => forms.filter(([, form]) => text.includes(form)).map(([what, form]) => ({ where, what, text, form })))[0]
          yield* ensure(leak === undefined, () => {
            const at = leak!.text.indexOf(leak!.form)
            const context = leak!.text.slice(Math.max(0, at - 80), at + leak!.form.length + 20).split(leak!.form).join("<KEY>")
            const advice = leak!.where.startsWith("recorded")
              ? "send the key only in the vendor's auth header or a known key parameter, which the recorder drops; never in a header, field or body of your own, encoded or not"
              : "never put the key, headers or the request's init in an error, a record or a warning"
            return `${leak!.what} appears in ${leak!.where}: …${context}… (${advice})`
          })
        }))
    })
  )
