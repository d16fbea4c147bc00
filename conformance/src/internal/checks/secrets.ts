/**
 * The secrets check: the API key never leaves the adapter in anything a program shows or
 * stores. Every cassette of a capability (successes and failures) is played with a
 * recognisable key, and the key is searched for in the error's message, its JSON, its string
 * form and every `cause` below it, the pretty-printed failure, and every output (the records a
 * run keeps, warnings and `provider_output` included).
 */
import type { Capability } from "@patchbay/core"
import { Cause, Effect, Exit } from "effect"
import { outputsOf, play } from "../operations.ts"
import { arrange, type Check, define, eachCassette, ensure, run, scenarioIn, skip } from "./common.ts"

/**
 * The key the secrets check gives the adapter: shaped like no vendor's key, so core's
 * key-shaped patterns do not hide it; only an adapter that never lets it out (or registers it
 * with `rememberSecret`) passes.
 */
export const SECRET_API_KEY = "conformance-secret-7f3a9c2e41b8d650"

/** JSON of anything, bytes shown by their length, cycles cut. */
export const jsonOf = (value: unknown): string => {
  const seen = new WeakSet<object>()
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`
      if (typeof v === "object" && v !== null) {
        if (seen.has(v)) return "<cycle>"
        seen.add(v)
      }
      return typeof v === "bigint" ? v.toString() : v
    }) ?? ""
  } catch (error) {
    return `<not JSON: ${String(error)}>`
  }
}

/** Every text an error shows: message, string form, JSON and those of its `cause` chain. */
export const errorTexts = (error: unknown): ReadonlyArray<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const where = depth === 0 ? "the error" : `the error's cause${depth > 1 ? ` (depth ${depth})` : ""}`
    if (current instanceof Error) {
      out.push([`${where}'s message`, current.message], [`${where}'s string form`, String(current)], [`${where}'s stack`, current.stack ?? ""])
    } else out.push([`${where}'s string form`, String(current)])
    out.push([`${where}'s JSON`, jsonOf(current)])
    current = typeof current === "object" ? (current as { readonly cause?: unknown }).cause : undefined
  }
  return out
}

export const secretsCheck = (capability: Capability): Check =>
  define(
    capability,
    "secrets",
    "no error, cause, record or warning contains the API key",
    (subject) => {
      if (subject.mode === "in-process") return skip("in-process provider: it talks to no vendor, so it holds no key")
      const found = subject.cassettes.filter((c) => c.cassette.scenario?.capability === capability)
      return found.length === 0 ? skip(`no ${capability} cassette`) : run(found)
    },
    Effect.fn(`Checks.${capability}.secrets`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded) =>
        Effect.gen(function*() {
          const arranged = arrange(subject, loaded, undefined, SECRET_API_KEY)
          const played = yield* play(outputsOf(arranged.provider, loaded, scenarioIn(loaded))).pipe(
            Effect.ensuring(Effect.sync(() => arranged.transport?.dispose()))
          )
          const texts: Array<readonly [string, string]> = played.outputs.map((o, i) => [`output ${i + 1} (${jsonOf(o.value).slice(0, 40)}…)`, jsonOf(o.value)])
          if (Exit.isFailure(played.exit)) {
            const typed = Cause.findErrorOption(played.exit.cause)
            if (typed._tag === "Some") texts.push(...errorTexts(typed.value))
            for (const error of Cause.prettyErrors(played.exit.cause)) texts.push(...errorTexts(error))
            texts.push(["the pretty-printed failure", Cause.pretty(played.exit.cause)])
          }
          const leak = texts.find(([, text]) => text.includes(SECRET_API_KEY))
          yield* ensure(
            leak === undefined,
            () =>
              `the API key appears in ${leak?.[0]}: ${leak?.[1].split(SECRET_API_KEY).join("<KEY>").slice(0, 300)} (never put the key, headers or the request's init in an error; pass vendor text through core's redactSecrets and register the key with rememberSecret)`
          )
        }))
    })
  )
