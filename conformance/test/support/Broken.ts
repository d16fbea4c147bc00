/**
 * Deliberately broken variants of the example adapter, each with one bug real adapters have
 * shipped. The self-tests prove that the battery catches every one of them with the named check.
 */
import {
  AudioInput,
  InputTooLarge,
  InvalidRequest,
  type LlmEvent,
  ProviderUnavailable,
  RateLimited,
  type PatchbayProvider,
  type ProviderError,
  type SttRequest,
  type SttSpec,
  type Transcript,
  type TtsRequest,
  type TtsSpec,
  type Word
} from "@patchbay/core"
import { Effect, Stream } from "effect"
import type { MakeProvider } from "../../src/index.ts"
import { acmeVoice } from "../../examples/acme-voice/src/index.ts"

/** The example adapter as it is. */
export const good: MakeProvider = ({ fetch, apiKey }) => acmeVoice({ fetch, apiKey })

const capabilities = (make: MakeProvider): MakeProvider => make

/** Validates `provider_options`, then never sends them (the AI SDK's speech bug). */
export const dropsProviderOptions: MakeProvider = capabilities((options) => {
  const p = acmeVoice(options)
  const stt = p.stt!
  const tts = p.tts!
  const llm = p.llm!
  const image = p.image!
  return {
    ...p,
    stt: { ...stt, transcribe: (r: SttRequest) => Effect.andThen(stt.validate({ ...r, audio: { size: r.audio.size, container: r.audio.container } }), stt.transcribe({ ...r, provider_options: undefined })) },
    tts: { ...tts, synthesize: (r: TtsRequest) => tts.synthesize({ ...r, provider_options: undefined }) },
    llm: { ...llm, stream: (r) => llm.stream({ ...r, provider_options: undefined }) },
    image: { ...image, generate: (r) => image.generate({ ...r, provider_options: undefined }) }
  }
})

/** A 44-byte WAV header for a stream of unknown length (sizes 0xFFFFFFFF), 16 kHz mono s16le. */
const wavHeader = (): Uint8Array => {
  const b = Buffer.alloc(44)
  b.write("RIFF", 0)
  b.writeUInt32LE(0xffffffff, 4)
  b.write("WAVEfmt ", 8)
  b.writeUInt32LE(16, 16)
  b.writeUInt16LE(1, 20)
  b.writeUInt16LE(1, 22)
  b.writeUInt32LE(16000, 24)
  b.writeUInt32LE(32000, 28)
  b.writeUInt16LE(2, 32)
  b.writeUInt16LE(16, 34)
  b.write("data", 36)
  b.writeUInt32LE(0xffffffff, 40)
  return new Uint8Array(b)
}

/** Wraps every response in a WAV header (as headerless pcm would need) and still labels it mp3. */
export const claimsMp3ReturnsWav: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const tts = p.tts!
  return {
    ...p,
    tts: {
      ...tts,
      synthesize: (r) =>
        tts.synthesize(r).pipe(
          Stream.mapAccum(() => true, (first, element) =>
            element.type === "audio" && first
              ? [false, [{ type: "audio" as const, data: Buffer.concat([wavHeader(), element.data]) }]]
              : [first, [element]])
        )
    }
  }
}

/** The provider with every call's error passed through `f`. */
export const mapErrors = (p: PatchbayProvider, f: (e: ProviderError) => ProviderError): PatchbayProvider => {
  const stt = p.stt!
  const tts = p.tts!
  const llm = p.llm!
  const image = p.image!
  return {
    ...p,
    stt: { ...stt, transcribe: (r) => Effect.mapError(stt.transcribe(r), f) },
    tts: { ...tts, synthesize: (r) => Stream.mapError(tts.synthesize(r), f) },
    llm: { ...llm, stream: (r) => Stream.mapError(llm.stream(r), f) },
    image: { ...image, generate: (r) => Effect.mapError(image.generate(r), f) }
  }
}

/** Has no case for 429: it falls through to a generic "request rejected". */
export const maps429ToGeneric: MakeProvider = (options) =>
  mapErrors(acmeVoice(options), (e) =>
    e._tag === "RateLimited"
      ? new InvalidRequest({ provider: "acme-voice", field: "request", reason: "rejected by acme-voice (HTTP 429)", status: 429 })
      : e)

/** Never hands the call's AbortSignal to fetch, so an interrupted call leaves the request running. */
export const ignoresAbortSignal: MakeProvider = ({ fetch, apiKey }) =>
  acmeVoice({ apiKey, fetch: (input, init) => fetch(input, { ...init, signal: null }) })

/** Ignores the vendor's duration and guesses one from the file size, assuming 128 kbps. */
export const guessesDuration: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const stt = p.stt!
  return {
    ...p,
    stt: {
      ...stt,
      transcribe: (r) =>
        Effect.map(stt.transcribe(r), (t) => {
          const guess = (r.audio.size ?? 0) / 16_000
          return { ...t, duration_seconds: guess, usage: { ...t.usage, audio_seconds: guess } }
        })
    }
  }
}

/** Built on an HTTP client left with its default of two retries on 429 and 5xx. */
export const retriesItself: MakeProvider = ({ fetch, apiKey }) =>
  acmeVoice({
    apiKey,
    fetch: async (input, init) => {
      let response = await fetch(input, init)
      for (let attempt = 0; attempt < 2 && (response.status === 429 || response.status >= 500); attempt++) {
        await response.body?.cancel()
        response = await fetch(input, init)
      }
      return response
    }
  })

const rateLimited = (e: RateLimited, retryAfter: number): RateLimited =>
  new RateLimited({
    retryAfter,
    ...(e.provider === undefined ? {} : { provider: e.provider }),
    ...(e.status === undefined ? {} : { status: e.status }),
    ...(e.requestId === undefined ? {} : { requestId: e.requestId }),
    ...(e.detail === undefined ? {} : { detail: e.detail })
  })

/** Adds half a second to the vendor's retry-after, "to be safe". */
export const padsRetryAfter: MakeProvider = (options) =>
  mapErrors(acmeVoice(options), (e) => (e._tag === "RateLimited" && e.retryAfter !== undefined ? rateLimited(e, e.retryAfter + 0.5) : e))

/** Makes up a retry-after of one second when the vendor's 429 has none. */
export const inventsRetryAfter: MakeProvider = (options) =>
  mapErrors(acmeVoice(options), (e) => (e._tag === "RateLimited" && e.retryAfter === undefined ? rateLimited(e, 1) : e))

/** Labels headerless speech (pcm, ulaw) `audio/wav`, as if it had a header. */
export const labelsRawAsWav: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const tts = p.tts!
  return {
    ...p,
    tts: {
      ...tts,
      synthesize: (r) =>
        Stream.map(tts.synthesize(r), (element) =>
          element.type === "summary" && /^(pcm|ulaw|alaw)/.test(element.output_format) ? { ...element, media_type: "audio/wav" } : element)
    }
  }
}

/** Every capability's validate hook with one part of the request replaced before it is checked. */
const validateWith = (make: MakeProvider, tweak: {
  readonly stt?: (r: SttSpec) => SttSpec
  readonly tts?: (r: TtsSpec) => TtsSpec
  readonly any?: <R extends { readonly model: string; readonly provider_options?: Readonly<Record<string, unknown>> | undefined }>(r: R) => R
}): MakeProvider => (options) => {
  const p = make(options)
  const stt = p.stt!
  const tts = p.tts!
  const llm = p.llm!
  const image = p.image!
  const any = tweak.any ?? (<R>(r: R) => r)
  return {
    ...p,
    stt: { ...stt, validate: (r) => stt.validate(any(tweak.stt?.(r) ?? r)) },
    tts: { ...tts, validate: (r) => tts.validate(any(tweak.tts?.(r) ?? r)) },
    llm: { ...llm, validate: (r) => llm.validate(any(r)) },
    image: { ...image, validate: (r) => image.validate(any(r)) }
  }
}

/** A validate hook that accepts everything: `validate: () => Effect.void`. */
export const acceptsEverything: MakeProvider = (options) => {
  const p = acmeVoice(options)
  return {
    ...p,
    stt: { ...p.stt!, validate: () => Effect.void },
    tts: { ...p.tts!, validate: () => Effect.void },
    llm: { ...p.llm!, validate: () => Effect.void },
    image: { ...p.image!, validate: () => Effect.void }
  }
}

/** Looks the model up leniently: an id it does not know falls back to the capability's default model. */
export const acceptsUnknownModel: MakeProvider = (options) => {
  const p = good(options)
  const lenient = (fallback: string) => <R extends { readonly model: string }>(r: R): R =>
    p.models.some((m) => m.id === r.model) || /^acme-think-[a-z0-9.-]+$/.test(r.model) ? r : { ...r, model: fallback }
  return {
    ...p,
    stt: { ...p.stt!, validate: (r) => p.stt!.validate(lenient("acme-listen-1")(r)) },
    tts: { ...p.tts!, validate: (r) => p.tts!.validate(lenient("acme-speak-1")(r)) },
    llm: { ...p.llm!, validate: (r) => p.llm!.validate(lenient("acme-think-1")(r)) },
    image: { ...p.image!, validate: (r) => p.image!.validate(lenient("acme-draw-1")(r)) }
  }
}

/** Checks the upload's size only when reading it, not in validate. */
export const acceptsOversizeUpload: MakeProvider = validateWith(good, { stt: (r) => ({ ...r, audio: { size: undefined, container: r.audio?.container } }) })

/** Treats an upload it does not recognise as wav, and falls back to the default for an output format it does not know. */
export const acceptsAnyFormat: MakeProvider = validateWith(good, {
  stt: (r) => ({ ...r, audio: { size: r.audio?.size, container: ["wav", "mp3", "ogg", "webm", "mp4"].includes(r.audio?.container ?? "") ? r.audio?.container : "wav" } }),
  tts: (r) => ({ ...r, output_format: ["mp3", "pcm", "ulaw", "mp3_16000", "pcm_16000", "ulaw_8000"].includes(r.output_format ?? "") ? r.output_format : undefined })
})

/** Validates the options it knows and drops the rest, and never checks their types. */
export const acceptsAnyOptions: MakeProvider = validateWith(good, { any: (r) => ({ ...r, provider_options: undefined }) })

const coerce = (value: unknown): unknown =>
  value === "true" ? true : value === "false" ? false : typeof value === "string" && value !== "" && !Number.isNaN(Number(value)) ? Number(value) : value

/** Coerces option values as if they came from a query string: `"true"` passes as true, `"1.5"` as 1.5. */
export const coercesOptionTypes: MakeProvider = validateWith(good, {
  any: (r) =>
    r.provider_options === undefined ? r : { ...r, provider_options: Object.fromEntries(Object.entries(r.provider_options).map(([k, v]) => [k, coerce(v)])) }
})

/**
 * Keeps the failed request's init as the error's cause, for debugging: its headers carry the key.
 * Nothing else changes: the tag, message and fields are the good adapter's.
 */
export const leaksKeyInCause: MakeProvider = (options) =>
  mapErrors(acmeVoice(options), (e) =>
    Object.assign(Object.create(Object.getPrototypeOf(e) as object) as ProviderError, e, {
      cause: new Error(`request failed; init: ${JSON.stringify({ method: "POST", headers: { authorization: `Bearer ${options.apiKey}` } })}`)
    }))

/**
 * Hands the AbortSignal to fetch on every path but the telephony one (ulaw), which it reads
 * through a helper written later that forgot it.
 */
export const ignoresAbortOnUlaw: MakeProvider = ({ fetch, apiKey }) =>
  acmeVoice({
    apiKey,
    fetch: (input, init) => fetch(input, typeof init?.body === "string" && init.body.includes("ulaw") ? { ...init, signal: null } : init)
  })

/** Reads a stream's `error` event as an outage whatever its code: an in-band rate limit becomes ProviderUnavailable. */
export const ignoresInBandCodes: MakeProvider = (options) =>
  mapErrors(acmeVoice(options), (e) =>
    (e._tag === "RateLimited" || e._tag === "QuotaExceeded") && e.status === undefined
      ? new ProviderUnavailable({
        ...(e.provider === undefined ? {} : { provider: e.provider }),
        ...(e.requestId === undefined ? {} : { requestId: e.requestId }),
        ...(e.detail === undefined ? {} : { detail: e.detail })
      })
      : e)

/** Counts the text's characters instead of reading the figure the vendor billed. */
export const countsCharacters: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const tts = p.tts!
  return {
    ...p,
    tts: {
      ...tts,
      synthesize: (r) =>
        Stream.map(tts.synthesize(r), (element) =>
          element.type === "summary" ? { ...element, characters: r.text.length, usage: { ...element.usage, characters: r.text.length } } : element)
    }
  }
}

/** Keeps the diarized segments' text and times but not who speaks. */
export const dropsSegmentSpeakers: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const stt = p.stt!
  return {
    ...p,
    stt: {
      ...stt,
      transcribe: (r) =>
        Effect.map(stt.transcribe(r), (t) => ({ ...t, segments: t.segments?.map(({ speaker: _speaker, ...segment }) => segment) }))
    }
  }
}

const pick = (options: Readonly<Record<string, unknown>> | undefined, keys: ReadonlyArray<string>) =>
  options === undefined ? undefined : Object.fromEntries(Object.entries(options).filter(([k]) => keys.includes(k)))

/**
 * Validates every option, then builds the body from a list of the options it was tested with
 * (those the success cassettes set): `stability`, `max_tokens` and `seed` never reach the vendor.
 */
export const forwardsOnlyTestedOptions: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const stt = p.stt!
  const tts = p.tts!
  const llm = p.llm!
  const image = p.image!
  return {
    ...p,
    stt: { ...stt, transcribe: (r) => stt.transcribe({ ...r, provider_options: pick(r.provider_options, ["diarize", "timestamp_granularities"]) }) },
    tts: { ...tts, synthesize: (r) => tts.synthesize({ ...r, provider_options: pick(r.provider_options, ["speed"]) }) },
    llm: { ...llm, stream: (r) => Stream.unwrap(Effect.as(llm.validate(r), llm.stream({ ...r, provider_options: pick(r.provider_options, ["temperature"]) }))) },
    image: { ...image, generate: (r) => Effect.andThen(image.validate(r), image.generate({ ...r, provider_options: pick(r.provider_options, ["style"]) })) }
  }
}

/** Sends the language its tests used, English, whatever the request asks for. */
export const sendsFixedLanguage: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const stt = p.stt!
  return { ...p, stt: { ...stt, transcribe: (r) => stt.transcribe({ ...r, language: "en" }) } }
}

/** Looks the model's features up on the family's flagship: the lite model is taken to diarize too. */
export const diarizesOnEveryModel: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const stt = p.stt!
  return { ...p, stt: { ...stt, validate: (r) => stt.validate(r.model === "acme-listen-1-lite" ? { ...r, model: "acme-listen-1" } : r) } }
}

/**
 * Signs every request with a header of its own carrying the key base64-encoded, beside the
 * bearer token: the recorder does not know the header, so a recorded cassette would keep it.
 */
export const sendsKeyInOwnHeader: MakeProvider = ({ fetch, apiKey }) =>
  acmeVoice({
    apiKey,
    fetch: (input, init) => {
      const headers = new Headers(init?.headers)
      headers.set("x-acme-signature", Buffer.from(`acme:${apiKey}`).toString("base64"))
      return fetch(input, { ...init, headers })
    }
  })

/** Bills the duration the vendor measured instead of the seconds it billed. */
export const billsMeasuredSeconds: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const stt = p.stt!
  return {
    ...p,
    stt: {
      ...stt,
      transcribe: (r) =>
        Effect.map(stt.transcribe(r), (t) => (t.duration_seconds === undefined ? t : { ...t, usage: { ...t.usage, audio_seconds: t.duration_seconds } }))
    }
  }
}

/** Counts one output token per text delta instead of reading the tokens the vendor billed. */
export const countsOutputTokens: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const llm = p.llm!
  return {
    ...p,
    llm: {
      ...llm,
      stream: (r) =>
        Stream.mapAccum(llm.stream(r), () => 0, (deltas, e): readonly [number, ReadonlyArray<LlmEvent>] =>
          e.type === "text_delta"
            ? [deltas + 1, [e]]
            : e.type === "usage"
            ? [deltas, [{ type: "usage", usage: { ...e.usage, output_tokens: deltas, total_tokens: (e.usage.input_tokens ?? 0) + deltas } }]]
            : [deltas, [e]])
    }
  }
}

/** Maps a failed response by its status alone: the error keeps the tag but not the vendor's message. */
export const dropsVendorMessage: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const stt = p.stt!
  const image = p.image!
  const withoutDetail = (e: ProviderError): ProviderError => {
    if (!("detail" in e) || e.detail === undefined) return e
    const { detail: _dropped, ...rest } = e
    const Tagged = e.constructor as new(props: object) => ProviderError
    return new Tagged(rest)
  }
  return {
    ...p,
    stt: { ...stt, transcribe: (r) => Effect.mapError(stt.transcribe(r), withoutDetail) },
    image: { ...image, generate: (r) => Effect.mapError(image.generate(r), withoutDetail) }
  }
}

/** Maps a 413 to `InputTooLarge` but blames the whole request, not the upload that was too large. */
export const blamesRequestForSize: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const stt = p.stt!
  const blame = (e: ProviderError): ProviderError => e._tag === "InputTooLarge" ? new InputTooLarge({ ...e, field: "request" }) : e
  return { ...p, stt: { ...stt, transcribe: (r) => Effect.mapError(stt.transcribe(r), blame) } }
}

/** Keeps the request id of a failed response but drops it from a successful image result. */
export const dropsSuccessRequestId: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const image = p.image!
  return {
    ...p,
    image: { ...image, generate: (r) => Effect.map(image.generate(r), ({ request_id: _dropped, ...rest }) => rest) }
  }
}

/** Checks the speed against its bounds one step off: the upper bound itself, 2, is refused. */
export const refusesSpeedBound: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const tts = p.tts!
  const speed = (spec: TtsSpec) => spec.provider_options?.speed
  return {
    ...p,
    tts: {
      ...tts,
      validate: (spec) =>
        speed(spec) === 2
          ? Effect.fail(new InvalidRequest({ provider: "acme-voice", field: "voice.tts.provider_options.acme-voice.speed", value: 2, reason: "the speed must be below 2" }))
          : tts.validate(spec)
    }
  }
}

/** Checks only the options' types: a speed or a token count out of range passes validate (the vendor refuses it later). */
export const checksTypesOnly: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const tts = p.tts!
  const llm = p.llm!
  const inRange = <R extends { readonly provider_options?: Readonly<Record<string, unknown>> | undefined }>(r: R): R => {
    const o = r.provider_options
    if (o === undefined) return r
    const clamp = (v: unknown, min: number, max: number) => (typeof v === "number" ? Math.min(max, Math.max(min, v)) : v)
    return {
      ...r,
      provider_options: {
        ...o,
        ...("speed" in o ? { speed: clamp(o.speed, 0.5, 2) } : {}),
        ...("max_tokens" in o ? { max_tokens: clamp(o.max_tokens, 1, Number.MAX_SAFE_INTEGER) } : {})
      }
    }
  }
  return { ...p, tts: { ...tts, validate: (r) => tts.validate(inRange(r)) }, llm: { ...llm, validate: (r) => llm.validate(inRange(r)) } }
}

/** Looks the model up in the whole catalogue, whatever its capability: a transcription model passes as a speech model. */
export const looksUpWholeCatalogue: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const tts = p.tts!
  const speech = p.models.find((m) => m.capability === "tts")!.id
  return { ...p, tts: { ...tts, validate: (spec) => tts.validate(p.models.some((m) => m.id === spec.model) ? { ...spec, model: speech } : spec) } }
}

/** Keeps the response's content type as the speech summary's provider_output, but not the billed-characters header. */
export const dropsProviderOutput: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const tts = p.tts!
  const trimmed = (element: { readonly type: string; readonly provider_output?: unknown }) =>
    element.type === "summary" && typeof element.provider_output === "object" && element.provider_output !== null
      ? { ...element, provider_output: { content_type: (element.provider_output as { content_type?: unknown }).content_type } }
      : element
  return { ...p, tts: { ...tts, synthesize: (r) => Stream.map(tts.synthesize(r), (e) => trimmed(e) as typeof e) } }
}

/** Reads audio of unknown length whole before looking at its size: past the limit it is refused, but only once every byte was read (a stream that never ends is read forever). */
export const buffersUnknownLength: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const stt = p.stt!
  return {
    ...p,
    stt: {
      ...stt,
      transcribe: (r) =>
        r.audio.size !== undefined
          ? stt.transcribe(r)
          : Effect.flatMap(Effect.promise(() => r.audio.bytes()), (bytes) => stt.transcribe({ ...r, audio: AudioInput.fromBytes(bytes, r.audio.filename) }))
    }
  }
}

/** Refuses blank text before any request, but names no field: the caller cannot tell what to fix. */
export const refusesBlankTextNamingNothing: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const tts = p.tts!
  return {
    ...p,
    tts: { ...tts, synthesize: (r) => Stream.mapError(tts.synthesize(r), (e) => (e._tag === "InvalidRequest" && e.field === "text" ? new InvalidRequest({ ...e, field: "" }) : e)) }
  }
}

/** Types each word of a transcript `"token"`, a literal voice_records does not know. */
export const typesWordsAsTokens: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const stt = p.stt!
  const retype = (t: Transcript): Transcript =>
    t.words === undefined ? t : { ...t, words: t.words.map((w) => ({ ...w, type: "token" }) as unknown as Word) }
  return { ...p, stt: { ...stt, transcribe: (r) => Effect.map(stt.transcribe(r), retype) } }
}

/** Keeps a response header the vendor did not send as `null` in the speech summary's provider_output. */
export const keepsMissingHeaderAsNull: MakeProvider = (options) => {
  const p = acmeVoice(options)
  const tts = p.tts!
  const padded = (element: { readonly type: string; readonly provider_output?: unknown }) =>
    element.type === "summary" && typeof element.provider_output === "object" && element.provider_output !== null
      ? { ...element, provider_output: { x_acme_characters: null, ...element.provider_output } }
      : element
  return { ...p, tts: { ...tts, synthesize: (r) => Stream.map(tts.synthesize(r), (e) => padded(e) as typeof e) } }
}
