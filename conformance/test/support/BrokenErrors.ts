/**
 * Broken variants of the example adapter whose bug is in the words and names of its errors —
 * the tag and status right, what a caller reads to understand the failure wrong — each caught
 * by one check of the battery.
 */
import type { ProviderError } from "@patchbay/core"
import { Effect, Stream } from "effect"
import type { MakeProvider } from "../../src/index.ts"
import { acmeVoice } from "../../examples/acme-voice/src/index.ts"

/** A copy of a tagged error with some fields replaced (the tagged errors are immutable). */
const withFields = (error: ProviderError, fields: Readonly<Record<string, unknown>>): ProviderError => {
  const Tagged = error.constructor as new(props: object) => ProviderError
  const { _tag: _ignored, ...own } = { ...error } as Record<string, unknown>
  return new Tagged({ ...own, ...fields })
}

/**
 * Wraps the vendor's message of an error that arrives inside a stream in words of its own
 * (`the stream failed: …`): the message is still in it, the tag and request id are right, but
 * the detail is no longer what the vendor said.
 */
export const rewordsStreamErrors: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const llm = p.llm!
  const reworded = (e: ProviderError): ProviderError =>
    "detail" in e && typeof e.detail === "string" ? withFields(e, { detail: `the stream failed: ${e.detail}` }) : e
  return { ...p, llm: { ...llm, stream: (r) => Stream.mapError(llm.stream(r), reworded) } }
}

/**
 * Refuses in `validate` with the right tag, field and reason, but in the name of the library it
 * is built on (`ai-sdk`), as a bridge's own checks do when the adapter passes no id to them.
 */
export const refusesInBridgesName: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const anonymous = <E extends ProviderError>(e: E): E => ("provider" in e ? withFields(e, { provider: "ai-sdk" }) as E : e)
  const stt = p.stt!
  const tts = p.tts!
  const llm = p.llm!
  const image = p.image!
  return {
    ...p,
    stt: { ...stt, validate: (s) => Effect.mapError(stt.validate(s), anonymous) },
    tts: { ...tts, validate: (s) => Effect.mapError(tts.validate(s), anonymous) },
    llm: { ...llm, validate: (s) => Effect.mapError(llm.validate(s), anonymous) },
    image: { ...image, validate: (s) => Effect.mapError(image.validate(s), anonymous) }
  }
}
