/**
 * `patchbay transcribe <file> --stt provider/model [--language en] [--json]`: audio in, its
 * transcript out — printed as it is recognized, with the normalized `voice_records.stt` in
 * `--json` mode. No language model is called.
 *
 * @since 0.1.0
 */
import type { SttRecord } from "@patchbay/core"
import * as path from "node:path"
import { defaults, inputFile, onePositional, parseModelRef } from "./Args.ts"
import { type Context, consume } from "./Context.ts"
import { formatBytes, seconds2 } from "./Output.ts"

/** The options of `transcribe`. */
export interface TranscribeOptions {
  readonly positionals: ReadonlyArray<string>
  readonly stt?: string | undefined
  readonly language?: string | undefined
}

/** The usage text of `transcribe`. */
export const usage = `Usage: patchbay transcribe <file> [--stt provider/model] [--language en] [--json] [--replay <dir>]

Transcribes an audio file (mp3, wav, ogg, flac, webm, m4a, …) and prints the transcript as it
is recognized. No language model is called.

Options:
  --stt provider/model   the speech-to-text model (default ${defaults.stt})
  --language <code>      the spoken language, ISO 639-1 (default: the vendor detects it)
  --json                 print the transcript and voice_records.stt as JSON
  --replay <dir>         serve vendor calls from the cassettes in <dir> instead of the network
`

/** Runs `transcribe`; returns the exit code. */
export const run = async (ctx: Context, options: TranscribeOptions): Promise<number> => {
  const file = inputFile(ctx.io.cwd, onePositional(options.positionals, "the audio file", "transcribe"))
  const stt = parseModelRef(options.stt ?? defaults.stt, "--stt")
  const { out } = ctx
  const pb = ctx.patchbay()
  try {
    out.progress(`transcribing ${path.basename(file.path)} (${formatBytes(file.size)}) with ${stt.provider}/${stt.model}…`)
    const started = Date.now()
    const events = await pb.addMessage({
      audioFile: file.path,
      voice: { stt: { provider: stt.provider, model: stt.model, ...(options.language === undefined ? {} : { language: options.language }) } },
      sendToLlm: false,
      stream: true
    })
    let record: SttRecord | undefined
    await consume(events, (event) => {
      if (event.type === "stt_text_delta") out.print(event.delta)
      else if (event.type === "stt_stream_end") record = event.record
    })
    out.line()
    if (record === undefined) throw new Error("the run ended without a transcript")
    out.progress(
      `transcribed ${seconds2(record.duration_seconds ?? 0)} of audio in ${seconds2((Date.now() - started) / 1000)} ` +
        `(${record.provider}/${record.model}, language ${record.language ?? "not reported"})`
    )
    out.document({ file: file.path, transcript: record.transcript, language: record.language, voice_records: { stt: record } })
    return 0
  } finally {
    await pb.dispose()
  }
}
