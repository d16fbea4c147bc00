/**
 * `patchbay say "<text>" --tts provider/model --voice <id> -o reply.mp3`: text in, speech out.
 * The text is spoken as given (no language model); the audio is written as it streams in.
 *
 * @since 0.1.0
 */
import { mediaTypeOfOutputFormat } from "@patchbay/core"
import { defaults, onePositional, parseModelRef } from "./Args.ts"
import { audioSink } from "./AudioSink.ts"
import { type Context, consume } from "./Context.ts"
import { usageError } from "./Output.ts"
import { chooseFormat, chooseVoice, displayPath, followSpeech } from "./Speech.ts"

/** The options of `say`. */
export interface SayOptions {
  readonly positionals: ReadonlyArray<string>
  readonly tts?: string | undefined
  readonly voice?: string | undefined
  readonly format?: string | undefined
  readonly output?: string | undefined
  readonly language?: string | undefined
}

/** The usage text of `say`. */
export const usage = `Usage: patchbay say "<text>" [--tts provider/model] [--voice <id>] [-o speech.mp3] [--format <f>] [--json] [--replay <dir>]

Speaks the text and writes the audio as it streams in. "-" reads the text from stdin.

Options:
  --tts provider/model   the text-to-speech model (default ${defaults.tts})
  --voice <id>           the voice (default: the model's first listed voice)
  -o, --output <file>    where to write the audio (default speech.<ext>); "-" writes it to stdout
  --format <f>           mp3, wav, pcm, opus, flac, aac, ulaw, alaw or the vendor's own id
                         (default: the -o file's extension, else the model's default)
  --language <code>      the language of the text, ISO 639-1 (for vendors that take it)
  --json                 print the file and voice_records.tts as JSON
  --replay <dir>         serve vendor calls from the cassettes in <dir> instead of the network
`

/** Runs `say`; returns the exit code. */
export const run = async (ctx: Context, options: SayOptions): Promise<number> => {
  const given = onePositional(options.positionals, "the text to speak", "say")
  if (options.output === "-" && ctx.out.json) throw usageError("--json and -o - both want stdout", "write the audio to a file with -o <file>")
  const text = given === "-" ? new TextDecoder().decode(await (ctx.io.stdin ?? readStdin)()).trim() : given
  if (text === "") throw usageError("say: the text is empty", "pass the words to speak in quotes")
  const tts = parseModelRef(options.tts ?? defaults.tts, "--tts")
  const { out } = ctx
  const voice = chooseVoice(ctx.set, tts, options.voice, out)
  const format = chooseFormat(options.format, options.output)
  const pb = ctx.patchbay()
  try {
    const started = Date.now()
    out.progress(`speaking ${text.length} characters with ${tts.provider}/${tts.model}…`)
    const sink = audioSink(ctx.io.cwd, options.output, "speech", ctx.io.stdout)
    const speech = followSpeech(out, sink, ctx.io.cwd, started)
    const events = await pb.addMessage({
      content: text,
      sendToLlm: false,
      voice: {
        tts: {
          provider: tts.provider,
          model: tts.model,
          voice,
          ...(format === undefined ? {} : { output_format: format }),
          ...(options.language === undefined ? {} : { language: options.language })
        }
      },
      stream: true
    })
    await consume(events, speech.onEvent)
    const record = await speech.finish(pb)
    const target = sink.target()
    if (record === undefined || target === undefined) throw new Error("the run ended without audio")
    const where = target === "-" ? "stdout" : displayPath(ctx.io.cwd, target)
    out.line(`${where}: ${record.output_format}, ${(record.duration_seconds ?? 0).toFixed(2)} s, ${record.characters} characters — ${record.provider}/${record.model}, voice ${record.voice}`)
    out.document({ output: target, media_type: mediaTypeOfOutputFormat(record.output_format), voice_records: { tts: record } })
    return 0
  } finally {
    await pb.dispose()
  }
}

/** Reads all of the process's stdin. */
const readStdin = async (): Promise<Uint8Array> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks)
}
