/**
 * Broken variants of the example adapter for the checks of what an answer becomes: a network
 * failure's message, an unreadable body, transcript segments and speakers, speech word times,
 * warnings, the upload's label, the models a refusal offers and the adapter's own deadline. Each has one bug an adapter
 * author could ship; `../SelfTestAnswers.test.ts` proves the named check alone catches it.
 */
import { InvalidRequest, type PatchbayProvider, ProviderTimeout, ProviderUnavailable, type Transcript } from "@patchbay/core"
import { Effect, Stream } from "effect"
import type { MakeProvider, MakeWithDeadline } from "../../src/index.ts"
import { good, mapErrors } from "./Broken.ts"

const withTranscript = (p: PatchbayProvider, f: (t: Transcript) => Transcript): PatchbayProvider => {
  const stt = p.stt!
  return { ...p, stt: { ...stt, transcribe: (r) => Effect.map(stt.transcribe(r), f) } }
}

/** Words a network failure with a fixed phrase: the cause (reset, timeout, refused) is lost. */
export const losesNetworkCause: MakeProvider = (options) => {
  const p = good(options)
  const stt = p.stt!
  const tts = p.tts!
  const llm = p.llm!
  const image = p.image!
  const vague = <E>(e: E): E =>
    e instanceof ProviderUnavailable && e.status === undefined && e.requestId === undefined
      ? new ProviderUnavailable({ ...(e.provider === undefined ? {} : { provider: e.provider }), detail: "connection error" }) as E
      : e
  return {
    ...p,
    stt: { ...stt, transcribe: (r) => Effect.mapError(stt.transcribe(r), vague) },
    tts: { ...tts, synthesize: (r) => Stream.mapError(tts.synthesize(r), vague) },
    llm: { ...llm, stream: (r) => Stream.mapError(llm.stream(r), vague) },
    image: { ...image, generate: (r) => Effect.mapError(image.generate(r), vague) }
  }
}

/** Throws an answer it cannot parse away with an empty error: no provider, no detail. */
export const dropsUnreadableDetail: MakeProvider = (options) => {
  const p = good(options)
  const stt = p.stt!
  const blank = <E>(e: E): E =>
    e instanceof ProviderUnavailable && (e.status === undefined || e.status < 300)
      ? new ProviderUnavailable(e.requestId === undefined ? {} : { requestId: e.requestId }) as E
      : e
  return { ...p, stt: { ...stt, transcribe: (r) => Effect.mapError(stt.transcribe(r), blank) } }
}

/** Builds segments from words and their spacing, keeping the space after the last word. */
export const keepsSegmentSpacing: MakeProvider = (options) =>
  withTranscript(good(options), (t) => (t.segments === undefined ? t : { ...t, segments: t.segments.map((s) => ({ ...s, text: `${s.text} ` })) }))

/** Sums each speaker's segments as end plus start instead of end minus start. */
export const addsStartToSpeakingTime: MakeProvider = (options) =>
  withTranscript(good(options), (t) => {
    const segments = t.segments ?? []
    const speakers = t.speakers?.map((s) => ({
      ...s,
      speaking_seconds: segments.filter((g) => g.speaker === s.id).reduce((total, g) => total + g.end + g.start, 0)
    }))
    return speakers === undefined ? t : { ...t, speakers }
  })

/** Speech words given `start`/`end`: the summary of every speech call carries them. */
const withSpeechWords = (words: ReadonlyArray<{ readonly text: string; readonly start: number; readonly end: number }>): MakeProvider => (options) => {
  const p = good(options)
  const tts = p.tts!
  return {
    ...p,
    tts: {
      ...tts,
      synthesize: (r) =>
        Stream.map(tts.synthesize(r), (e) => (e.type === "summary" ? { ...e, words: words.map((w) => ({ ...w, type: "word" as const })) } : e))
    }
  }
}

/** Word times inside the audio, in order: what `tts.words` passes. */
export const timesSpeechWords: MakeProvider = withSpeechWords([{ text: "Patchbay", start: 0.05, end: 0.4 }, { text: "turns", start: 0.4, end: 0.6 }])

/** Shifts a later chunk's times by the time spoken before it, though they were already from the start of the audio. */
export const shiftsChunkTimesTwice: MakeProvider = withSpeechWords([{ text: "Patchbay", start: 0.05, end: 0.4 }, { text: "turns", start: 60.4, end: 60.6 }])

/** Warns on every speech call, whatever was asked. */
export const warnsAlways: MakeProvider = (options) => {
  const p = good(options)
  const tts = p.tts!
  return {
    ...p,
    tts: {
      ...tts,
      synthesize: (r) => Stream.map(tts.synthesize(r), (e) => (e.type === "summary" ? { ...e, warnings: ["the voice settings may be ignored"] } : e))
    }
  }
}

/** Uploads the recording as a Blob without a type: `fetch` labels it application/octet-stream. */
export const uploadsUnlabelled: MakeProvider = ({ fetch, apiKey }) =>
  good({
    apiKey,
    fetch: (input, init) => {
      const body = init?.body
      if (!(body instanceof FormData)) return fetch(input, init)
      const form = new FormData()
      for (const [name, value] of body.entries()) {
        if (typeof value === "string") form.append(name, value)
        else form.append(name, new Blob([value], { type: "" }), value.name)
      }
      const headers = new Headers(init?.headers)
      headers.delete("content-type")
      return fetch(input, { ...init, body: form, headers })
    }
  })

/** Refuses `diarize` on the lite model offering every other model of the catalogue, the speech models too. */
export const offersEveryOtherModel: MakeProvider = (options) => {
  const p = good(options)
  const stt = p.stt!
  return {
    ...p,
    stt: {
      ...stt,
      validate: (spec) =>
        spec.model === "acme-listen-1-lite" && (spec.provider_options as { readonly diarize?: unknown } | undefined)?.diarize === true
          ? Effect.fail(new InvalidRequest({
            provider: p.id,
            field: "voice.stt.provider_options.acme-voice.diarize",
            value: true,
            allowed: p.models.filter((m) => m.id !== spec.model).map((m) => m.id),
            reason: `${spec.model} does not label speakers`
          }))
          : stt.validate(spec)
    }
  }
}

/**
 * The example adapter with a request deadline of its own (`seconds`): the request is aborted when
 * it passes, and the call ends in `ProviderTimeout` — or, with `asOutage`, in the retryable
 * outage an adapter that does not tell its deadline from a network failure reports.
 */
const withDeadline = (asOutage: boolean): MakeWithDeadline => ({ fetch, apiKey, seconds }) => {
  let fired = false
  const p = good({
    apiKey,
    fetch: (input, init) => {
      const deadline = AbortSignal.timeout(seconds * 1000)
      deadline.addEventListener("abort", () => {
        fired = true
      }, { once: true })
      const signal = init?.signal === undefined || init.signal === null ? deadline : AbortSignal.any([init.signal, deadline])
      return fetch(input, { ...init, signal })
    }
  })
  return mapErrors(p, (e) =>
    !fired ? e : asOutage
      ? new ProviderUnavailable({ provider: p.id, detail: "the request failed" })
      : new ProviderTimeout({ provider: p.id, detail: `no response within ${seconds} s` }))
}

/** A deadline that ends the call in `ProviderTimeout`: what `*.deadline` passes. */
export const timesOut: MakeWithDeadline = withDeadline(false)

/** Reports its own deadline as an outage. */
export const reportsDeadlineAsOutage: MakeWithDeadline = withDeadline(true)
