/**
 * The check that an event stream is read whatever its line ends: the server-sent-events format
 * lets a server end its lines with CRLF (`\r\n`), a lone CR or LF, and servers behind some
 * proxies and frameworks do send CRLF. An adapter that reads or rewrites an event stream itself
 * (splitting on `"\n"`, finding events at `"\n\n"`, matching `data:` lines with a pattern
 * anchored at the line's end) works on every LF cassette and loses events, or all of them, on
 * the same stream with CRLF. Each success cassette answered with an event stream is played as
 * recorded and again with every line ended by CRLF; both must succeed with the same outputs.
 */
import type { Capability } from "@patchbay/core"
import { Effect, Exit } from "effect"
import { isDeepStrictEqual } from "node:util"
import type { Interaction, LoadedCassette, SseChunk } from "../../Cassette.ts"
import { show } from "../json.ts"
import { outputsOf, type Played, play } from "../operations.ts"
import { frameSse } from "../steps.ts"
import { arrange, type Check, define, describeFailure, eachCassette, ensure, failWith, overSuccesses, playCassette, run, scenarioIn, skip, withTransport } from "./common.ts"

const isSse = (interaction: Interaction): boolean => interaction.response.body?.type === "sse"

/** Every line end of an event chunk written as CRLF: a framed event as raw text, raw text rewritten. */
const crlfChunk = (chunk: SseChunk): SseChunk => {
  if ("error" in chunk) return chunk
  const text = "raw" in chunk ? chunk.raw : frameSse(chunk)
  const raw = text.replace(/\r\n|\r|\n/g, "\r\n")
  return chunk.delay_ms === undefined ? { raw } : { raw, delay_ms: chunk.delay_ms }
}

/** The cassette with each event-stream answer's line ends written as CRLF; everything else as recorded. */
export const withCrlf = (loaded: LoadedCassette): LoadedCassette => ({
  ...loaded,
  cassette: {
    ...loaded.cassette,
    interactions: loaded.cassette.interactions.map((interaction): Interaction => {
      const body = interaction.response.body
      if (body?.type !== "sse") return interaction
      return { ...interaction, response: { ...interaction.response, body: { type: "sse", chunks: body.chunks.map(crlfChunk) } } }
    })
  }
})

/** Where two lists of outputs first differ, said for a message. */
const firstDifference = (lf: ReadonlyArray<unknown>, crlf: ReadonlyArray<unknown>): string => {
  const at = lf.findIndex((value, i) => !isDeepStrictEqual(value, crlf[i]))
  if (at === -1) return `the CRLF stream gave ${crlf.length} outputs, the LF stream ${lf.length}`
  return `output ${at} is ${show(crlf[at], 160)} with CRLF line ends, ${show(lf[at], 160)} with LF (${crlf.length} outputs against ${lf.length})`
}

/** `<capability>.line_ends`: see the module header. */
export const lineEndsCheck = (capability: Capability): Check =>
  define(
    capability,
    "line_ends",
    "an event stream with CRLF line ends gives the same outputs as with LF",
    overSuccesses(capability, (subject, found) => {
      if (subject.mode === "in-process") return skip("in-process provider: no event stream to read")
      const streamed = found.filter((c) => c.cassette.interactions.some(isSse))
      return streamed.length === 0 ? skip(`no ${capability} success cassette is answered with an event stream`) : run(streamed)
    }),
    Effect.fn(`Checks.${capability}.line_ends`)(function*(subject, cassettes) {
      yield* eachCassette(cassettes, (loaded) =>
        Effect.gen(function*() {
          const lf = yield* playCassette(subject, loaded, { delayScale: 0 })
          if (!Exit.isSuccess(lf.exit)) return yield* failWith(`the call failed as recorded: ${withTransport(describeFailure(lf), lf.transport)}`)
          const rewritten = withCrlf(loaded)
          const arranged = arrange(subject, rewritten, { delayScale: 0 })
          const crlf = yield* play(outputsOf(arranged.provider, rewritten, scenarioIn(rewritten))).pipe(
            Effect.ensuring(Effect.sync(() => arranged.transport?.dispose()))
          )
          yield* ensure(Exit.isSuccess(crlf.exit), () =>
            `with CRLF line ends the call failed: ${withTransport(describeFailure(crlf), arranged.transport)} — read an event stream's lines at CRLF, CR or LF, as the SSE format allows`)
          const values = (played: Played) => played.outputs.map((o) => o.value)
          yield* ensure(isDeepStrictEqual(values(lf), values(crlf)), () =>
            `${firstDifference(values(lf), values(crlf))}: read an event stream's lines at CRLF, CR or LF, as the SSE format allows (a parser or rewriter of your own must not split on "\\n" alone)`)
        }))
    })
  )
