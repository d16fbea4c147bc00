/**
 * What the adapter's own tests share: the cassette directory, a provider over a replay
 * transport, and running a call to its typed failure.
 */
import { Cassette, replayFetch, type ReplayFetch } from "@patchbay/conformance"
import { AudioInput, type ProviderError } from "@patchbay/core"
import { Cause, Effect, Exit, Stream } from "effect"
import { fileURLToPath } from "node:url"
import { openai, type OpenAIOptions } from "../../src/index.ts"

/** The cassettes' directory, with a trailing slash. */
export const cassettes = fileURLToPath(new URL("../cassettes/", import.meta.url))

/** The key given in tests; never a real one. */
export const TEST_KEY = "sk" + "-test-0123456789abcdefghijklmnop"

/** The interactions of a cassette file (`stt-success-stream.json`). */
export const interactionsOf = (name: string): ReadonlyArray<Cassette.Interaction> => Cassette.loadSync(`${cassettes}${name}`).cassette.interactions

/** `openai()` over a replay transport answering from these interactions (none: every request fails, but is logged). */
export const replayed = (
  interactions: ReadonlyArray<Cassette.Interaction> = [],
  options: Omit<OpenAIOptions, "fetch"> = {}
): { readonly provider: ReturnType<typeof openai>; readonly fetch: ReplayFetch } => {
  const fetch = replayFetch(interactions, { baseDir: cassettes })
  return { provider: openai({ apiKey: TEST_KEY, ...options, fetch }), fetch }
}

/** The audio fixture `audio/<name>`, as the pipeline hands it to a provider. */
export const audio = (name = "speech.mp3") => Effect.runPromise(AudioInput.fromFile(`${cassettes}audio/${name}`))

/** Runs an effect that must fail with a typed error, and returns the error. */
export const failure = async <A>(effect: Effect.Effect<A, ProviderError>): Promise<ProviderError> => {
  const exit = await Effect.runPromise(Effect.exit(effect))
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  const error = Cause.findErrorOption(exit.cause)
  if (error._tag === "None") throw new Error(`expected a typed error, got ${Cause.pretty(exit.cause)}`)
  return error.value
}

/** Runs a stream to its end and returns every element. */
export const collect = <A>(stream: Stream.Stream<A, ProviderError>): Promise<ReadonlyArray<A>> =>
  Effect.runPromise(Stream.runCollect(stream)).then((chunk) => [...chunk])

/** The fields of an error, as plain data (tag, field, value, allowed, …). */
export const fields = (error: ProviderError): Record<string, unknown> => ({ ...error, _tag: error._tag })
