/**
 * Speech to text on pocketsphinx. The audio, in any container ffmpeg reads, streams through
 * `ffmpeg` (converted to 16 kHz mono 16-bit PCM) into `pocketsphinx_continuous -time yes`, pipe
 * to pipe, without being held whole in memory. The decoder prints each utterance when its voice
 * activity detection sees a pause: its words become a transcript delta at once, and the words
 * with their times (fillers such as `<s>`, `</s>`, `<sil>` and `[NOISE]` dropped) make up the
 * final `Transcript`. The duration is counted from the converted samples. With `phrases`,
 * `vocabulary` or `grammar` in the options, the decoder listens for a JSGF grammar instead of
 * its general language model. Interrupting the call kills both programs.
 *
 * @since 0.1.0
 */
import {
  InvalidRequest,
  type ProviderError,
  type Segment,
  type SttDelta,
  type SttProvider,
  type SttRequest,
  type SttSpec,
  type Transcript,
  UnknownModel,
  Validation,
  type ValidationError,
  type Word
} from "@patchbay/core"
import { Effect, Stream } from "effect"
import * as fsp from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { modelsOf } from "./Models.ts"
import { decode, type Grammar, grammarOf, SttOptions } from "./Options.ts"
import * as Programs from "./Programs.ts"
import { baseWord, type DecodedSegment, type DecodedUtterance, isFiller, parseDecoderLine } from "./Wire.ts"

const sttModels = modelsOf("stt")

/** The rate pocketsphinx's en-us model is trained at; the audio is converted to it. */
export const DECODER_RATE = 16000

/** The pure hook: the model, the language (`en` only), the audio's container, the options. */
export const validate = (spec: SttSpec): Effect.Effect<Grammar | undefined, ValidationError> =>
  Effect.gen(function*() {
    const model = sttModels.find((m) => m.id === spec.model)
    if (model === undefined) {
      return yield* new UnknownModel({ provider: Programs.PROVIDER, model: spec.model, field: "voice.stt.model", allowed: sttModels.map((m) => m.id) })
    }
    const languages = model.languages ?? []
    if (spec.language !== undefined && !languages.includes(spec.language)) {
      return yield* new InvalidRequest({
        provider: Programs.PROVIDER,
        field: "voice.stt.language",
        value: spec.language,
        allowed: languages,
        reason: `${model.id} transcribes US English only`
      })
    }
    yield* Validation.checkAudio(model, spec.audio)
    return yield* grammarOf(yield* decode(SttOptions, spec.provider_options, "voice.stt"))
  })

const optionField = (grammar: Grammar | undefined) => `voice.stt.provider_options.${Programs.PROVIDER}.${grammar?.option ?? "grammar"}`

/** pocketsphinx failures a request causes: a grammar word the dictionary lacks, a grammar that does not parse. */
const decoderFailure = (grammar: Grammar | undefined) => (failure: Programs.Failure): ProviderError | undefined => {
  const missing = /The word '([^']*)' is missing in the dictionary/.exec(failure.stderr)
  if (missing !== null) {
    return new InvalidRequest({
      provider: Programs.PROVIDER,
      field: optionField(grammar),
      value: missing[1],
      reason: `pocketsphinx's en-us dictionary has no word ${JSON.stringify(missing[1])}`
    })
  }
  if (grammar !== undefined && /jsgf|grammar|syntax error|fsg/i.test(failure.stderr)) {
    return new InvalidRequest({ provider: Programs.PROVIDER, field: optionField(grammar), reason: `pocketsphinx refused the grammar: ${Programs.errorLines(failure.stderr)}` })
  }
  return undefined
}

/** ffmpeg failures the audio causes: it is not audio ffmpeg can decode. */
const converterFailure = (failure: Programs.Failure): ProviderError | undefined =>
  /invalid data|could not find codec|error while decoding|does not contain any stream|end of file|invalid argument/i.test(failure.stderr)
    ? new InvalidRequest({ provider: Programs.PROVIDER, field: "audio_file", reason: `ffmpeg could not decode the audio: ${Programs.errorLines(failure.stderr)}` })
    : undefined

const grammarFile = (grammar: Grammar) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "patchbay-local-"))
      const file = path.join(dir, "grammar.jsgf")
      await fsp.writeFile(file, grammar.jsgf)
      return { dir, file }
    }),
    ({ dir }) => Effect.promise(() => fsp.rm(dir, { recursive: true, force: true }))
  )

/** The decoder's command line. */
export const decoderArgs = (grammarPath: string | undefined, options: SttOptions): ReadonlyArray<string> => [
  "-infile",
  "/dev/stdin",
  "-samprate",
  String(DECODER_RATE),
  "-hmm",
  Programs.modelFiles.hmm,
  "-dict",
  Programs.modelFiles.dict,
  ...(grammarPath === undefined ? ["-lm", Programs.modelFiles.lm] : ["-jsgf", grammarPath]),
  "-remove_silence",
  options.remove_silence === false ? "no" : "yes",
  "-time",
  "yes"
]

/** ffmpeg's command line: any input on stdin to 16 kHz mono s16le on stdout. */
export const converterArgs: ReadonlyArray<string> = [
  "-hide_banner",
  "-loglevel",
  "error",
  "-i",
  "pipe:0",
  "-vn",
  "-ac",
  "1",
  "-ar",
  String(DECODER_RATE),
  "-acodec",
  "pcm_s16le",
  "-f",
  "s16le",
  "pipe:1"
]

/**
 * Folds decoded utterances into a transcript: the hypotheses joined, the words with their times
 * (and, from the general model, `logprob` from the decoder's posterior; a grammar search keeps
 * no lattice, so none), one segment per utterance.
 */
export const toTranscript = (utterances: ReadonlyArray<DecodedUtterance>, seconds: number, grammar: boolean): Transcript => {
  const words: Array<Word> = []
  const segments: Array<Segment> = []
  for (const utterance of utterances) {
    const spoken = utterance.segments.filter((s) => !isFiller(s.word))
    const first = spoken[0]
    const last = spoken[spoken.length - 1]
    if (first === undefined || last === undefined || utterance.hypothesis === "") continue
    for (const s of spoken) {
      words.push({ text: baseWord(s.word), start: s.start, end: s.end, type: "word", ...(!grammar && s.prob > 0 ? { logprob: Math.log(s.prob) } : {}) })
    }
    segments.push({ text: utterance.hypothesis, start: first.start, end: last.end })
  }
  return {
    type: "transcript",
    text: utterances.map((u) => u.hypothesis).filter((h) => h !== "").join(" "),
    language: "en",
    duration_seconds: seconds,
    words,
    segments,
    usage: { audio_seconds: seconds },
    provider_output: { sample_rate: DECODER_RATE, utterances }
  }
}

/** The STT capability over the configured programs: deltas per utterance, then the transcript. */
export const make = (paths: Programs.ProgramPaths): SttProvider & { readonly transcribeStream: NonNullable<SttProvider["transcribeStream"]> } => {
  const open = Effect.fn("LocalTranscription.transcribe")(function*(request: SttRequest) {
    const grammar = yield* validate({ ...request, audio: { size: request.audio.size, container: request.audio.container } })
    const options = yield* decode(SttOptions, request.provider_options, "voice.stt")
    yield* Programs.need(paths, "ffmpeg", "converting the audio for pocketsphinx needs ffmpeg")
    yield* Programs.need(paths, "pocketsphinx")
    yield* Programs.needModel()
    const file = grammar === undefined ? undefined : (yield* grammarFile(grammar)).file
    const input = yield* Effect.try({
      try: () => request.audio.stream(),
      catch: (cause) => new InvalidRequest({ provider: Programs.PROVIDER, field: "audio_file", reason: `the audio could not be read: ${cause instanceof Error ? cause.message : String(cause)}` })
    })
    // If no program started, nothing took the stream: release it (a file stays open otherwise).
    yield* Effect.addFinalizer(() => Effect.promise(async () => void (input.locked ? undefined : await input.cancel().catch(() => {}))))

    let bytes = 0
    const utterances: Array<{ hypothesis: string; segments: Array<DecodedSegment> }> = []
    let spoken = false
    const lines = Programs.run(paths, [
      { program: "ffmpeg", args: converterArgs, classify: converterFailure },
      { program: "pocketsphinx", args: decoderArgs(file, options), classify: decoderFailure(grammar), opensStdin: true }
    ], {
      input,
      inputError: (cause) => new InvalidRequest({ provider: Programs.PROVIDER, field: "audio_file", reason: `the audio could not be read: ${String(cause)}` }),
      onTransfer: (_, chunk) => void (bytes += chunk.byteLength)
    }).pipe(Stream.decodeText, Stream.splitLines)

    const deltas = Stream.flatMap(lines, (line): Stream.Stream<SttDelta> => {
      const parsed = parseDecoderLine(line)
      if (parsed.type === "segment") {
        const current = utterances[utterances.length - 1] ?? utterances[utterances.push({ hypothesis: "", segments: [] }) - 1]!
        current.segments.push(parsed.segment)
        return Stream.empty
      }
      utterances.push({ hypothesis: parsed.text, segments: [] })
      if (parsed.text === "") return Stream.empty
      const delta = spoken ? ` ${parsed.text}` : parsed.text
      spoken = true
      return Stream.make({ type: "delta", delta })
    })
    return Stream.concat(deltas, Stream.sync(() => toTranscript(utterances, bytes / (2 * DECODER_RATE), grammar !== undefined)))
  })

  const transcribeStream = (request: SttRequest): Stream.Stream<SttDelta | Transcript, ProviderError> => Stream.unwrap(open(request))

  return {
    catalogue: "closed",
    validate: (spec) => Effect.asVoid(validate(spec)),
    transcribeStream,
    transcribe: (request) =>
      Stream.runFold(transcribeStream(request), (): Transcript | undefined => undefined, (last, item) => (item.type === "transcript" ? item : last)).pipe(
        Effect.flatMap((transcript) => (transcript === undefined ? Effect.die(new Error("the transcription stream ended without a transcript")) : Effect.succeed(transcript)))
      )
  }
}
