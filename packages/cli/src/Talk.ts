/**
 * `patchbay talk <file> --stt … --llm … --tts … [--voice …] -o reply.mp3`: audio in, audio out,
 * one voice turn on the streaming API. The transcript appears as it is recognized, the reply as
 * it is written, and the reply's audio is written — and reported on stderr — as it is
 * synthesized, sentence by sentence, before the reply is finished.
 *
 * @since 0.1.0
 */
import type { SttRecord } from "@patchbay/core"
import * as path from "node:path"
import { defaults, inputFile, onePositional, parseModelRef } from "./Args.ts"
import { audioSink } from "./AudioSink.ts"
import { type Context, consume } from "./Context.ts"
import { usageError } from "./Output.ts"
import { chooseFormat, chooseVoice, displayPath, followSpeech } from "./Speech.ts"
import { requireKeys } from "./Providers.ts"

/** The options of `talk`. */
export interface TalkOptions {
  readonly positionals: ReadonlyArray<string>
  readonly stt?: string | undefined
  readonly llm?: string | undefined
  readonly tts?: string | undefined
  readonly voice?: string | undefined
  readonly format?: string | undefined
  readonly output?: string | undefined
  readonly language?: string | undefined
  readonly system?: string | undefined
}

/** The usage text of `talk`. */
export const usage = `Usage: patchbay talk <file> [--stt provider/model] [--llm provider/model] [--tts provider/model]
                    [--voice <id>] [-o reply.mp3] [--language en] [--system "<prompt>"] [--json] [--replay <dir>]

One voice turn: transcribes the audio, streams the language model's reply, and speaks it while it
is being written. The transcript, the reply and the audio's progress appear as they happen.

Options:
  --stt provider/model   speech-to-text (default ${defaults.stt})
  --llm provider/model   the language model (default ${defaults.llm})
  --tts provider/model   text-to-speech (default ${defaults.tts})
  --voice <id>           the voice (default: the TTS model's first listed voice)
  -o, --output <file>    where to write the spoken reply (default reply.<ext>); "-" writes it to stdout
  --format <f>           the audio format (default: the -o file's extension, else the model's default)
  --language <code>      the spoken language, ISO 639-1 (default: the vendor detects it)
  --system "<prompt>"    a system prompt for the language model
  --json                 print the transcript, the reply and voice_records as JSON
  --replay <dir>         serve vendor calls from the cassettes in <dir> instead of the network
`

/** Runs `talk`; returns the exit code. */
export const run = async (ctx: Context, options: TalkOptions): Promise<number> => {
  const file = inputFile(ctx.io.cwd, onePositional(options.positionals, "the audio file", "talk"))
  if (options.output === "-" && ctx.out.json) throw usageError("--json and -o - both want stdout", "write the audio to a file with -o <file>")
  const stt = parseModelRef(options.stt ?? defaults.stt, "--stt")
  const llm = parseModelRef(options.llm ?? defaults.llm, "--llm")
  const tts = parseModelRef(options.tts ?? defaults.tts, "--tts")
  const { out } = ctx
  requireKeys(ctx.set, [stt.provider, llm.provider, tts.provider])
  const voice = chooseVoice(ctx.set, tts, options.voice, out)
  const format = chooseFormat(options.format, options.output)
  const pb = ctx.patchbay()
  try {
    const started = Date.now()
    out.progress(`listening: ${path.basename(file.path)} → ${stt.provider}/${stt.model}…`)
    const sink = audioSink(ctx.io.cwd, options.output, "reply", ctx.io.stdout)
    const speech = followSpeech(out, sink, ctx.io.cwd, started)
    const events = await pb.addMessage({
      audioFile: file.path,
      voice: {
        stt: { provider: stt.provider, model: stt.model, ...(options.language === undefined ? {} : { language: options.language }) },
        tts: { provider: tts.provider, model: tts.model, voice, ...(format === undefined ? {} : { output_format: format }) }
      },
      llmProvider: llm.provider,
      modelName: llm.model,
      ...(options.system === undefined ? {} : { systemPrompt: options.system }),
      sendToLlm: true,
      stream: true
    })
    let heard = false
    let replying = false
    let sttRecord: SttRecord | undefined
    let content = ""
    let ids: { thread_id: string; run_id: string } | undefined
    let usage: unknown
    await consume(events, (event) => {
      ids ??= { thread_id: event.thread_id, run_id: event.run_id }
      switch (event.type) {
        case "stt_text_delta":
          if (!heard) out.print("You: ")
          heard = true
          out.print(event.delta)
          break
        case "stt_stream_end":
          sttRecord = event.record
          if (!heard) out.print(`You: ${event.transcript}`)
          out.line()
          out.progress(`thinking: ${llm.provider}/${llm.model}…`)
          break
        case "content_streaming":
          if (!replying) out.print("Assistant: ")
          replying = true
          content += event.content
          out.print(event.content)
          break
        case "run_ended":
          usage = event.usage
          out.endLine()
          break
        default:
          speech.onEvent(event)
      }
    })
    out.endLine()
    const ttsRecord = await speech.finish(pb)
    const target = sink.target()
    if (ttsRecord !== undefined && target !== undefined) {
      out.line(`${target === "-" ? "stdout" : displayPath(ctx.io.cwd, target)}: ${ttsRecord.output_format}, ${(ttsRecord.duration_seconds ?? 0).toFixed(2)} s — ${ttsRecord.provider}/${ttsRecord.model}, voice ${ttsRecord.voice}`)
    } else {
      out.progress("the reply was empty: nothing was spoken")
    }
    out.document({
      ...ids,
      transcript: sttRecord?.transcript ?? "",
      content,
      output: target ?? null,
      usage,
      voice_records: { ...(sttRecord === undefined ? {} : { stt: sttRecord }), ...(ttsRecord === undefined ? {} : { tts: ttsRecord }) }
    })
    return 0
  } finally {
    await pb.dispose()
  }
}
