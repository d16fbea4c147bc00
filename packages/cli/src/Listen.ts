/**
 * `patchbay listen <file> --stt provider/model [--language en] [--format pcm_16000] [--fast]`:
 * a realtime transcription of a recording, streamed to the vendor at the pace it was spoken (or
 * as fast as the session takes it, with `--fast`), as a microphone would send it. On a terminal
 * the utterance heard so far is rewritten in place and each committed utterance settles on its
 * own line; elsewhere only the committed lines are printed; `--json` prints the transcript, the
 * utterances and `voice_records.stt`.
 *
 * A WAV file of 16-bit mono PCM is sent as it is (`pcm_<its rate>`); raw files (`.pcm`, `.raw`,
 * `.ulaw`, `.alaw`) need `--format`; anything else is decoded with ffmpeg when it is installed.
 *
 * @since 0.3.0
 */
import type { ModelInfo, PipelineEvent, SttRecord } from "@patchbay/core"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { inputFile, onePositional, parseModelRef } from "./Args.ts"
import type { Context } from "./Context.ts"
import { seconds2, usageError } from "./Output.ts"

/** The realtime model `listen` uses when `--stt` is not given. */
export const defaultRealtimeStt = "elevenlabs/scribe_v2_realtime"

/** The options of `listen`. */
export interface ListenOptions {
  readonly positionals: ReadonlyArray<string>
  readonly stt?: string | undefined
  readonly language?: string | undefined
  readonly format?: string | undefined
  readonly commit?: string | undefined
  readonly fast?: boolean | undefined
}

/** The usage text of `listen`. */
export const usage = `Usage: patchbay listen <file> [--stt provider/model] [--language en] [--format pcm_16000] [--fast] [--json]

Streams a recording to a realtime speech-to-text model at the pace it was spoken, as a
microphone would, and prints what is heard: on a terminal the utterance so far is rewritten in
place and each committed utterance settles on its own line.

A WAV file of 16-bit mono PCM is sent as it is; raw audio (.pcm, .raw, .ulaw, .alaw) needs
--format; other files are decoded with ffmpeg when it is installed.

Options:
  --stt provider/model   the realtime model (default ${defaultRealtimeStt})
  --language <code>      the spoken language, ISO 639-1 (default: the vendor detects it)
  --format <id>          the realtime audio format (pcm_16000, pcm_24000, ulaw_8000, …)
  --commit vad|manual    who ends utterances: the vendor at pauses (default), or the end of the file
  --fast                 send the audio as fast as the session takes it, not at real-time pace
  --json                 print the transcript, the utterances and voice_records.stt as JSON
`

/** Audio ready for a realtime session: its bytes and generic format. */
interface RealtimeAudio {
  readonly bytes: Uint8Array
  readonly format: string
}

/** Bytes per second of a generic realtime format (`pcm_<rate>`: 16-bit mono; G.711: 8000). */
export const bytesPerSecond = (format: string): number | undefined => {
  const pcm = /^pcm_(\d+)$/.exec(format)
  if (pcm !== null) return Number(pcm[1]) * 2
  return format === "ulaw_8000" || format === "alaw_8000" ? 8000 : undefined
}

/**
 * The PCM samples of a WAV file and their format, when it holds 16-bit mono PCM; otherwise why
 * not (so the caller can say what to convert).
 */
export const readWav = (bytes: Uint8Array): RealtimeAudio | string => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4))
  if (bytes.byteLength < 12 || ascii(0) !== "RIFF" || ascii(8) !== "WAVE") return "not a RIFF/WAVE file"
  let at = 12
  let rate: number | undefined
  while (at + 8 <= bytes.byteLength) {
    const id = ascii(at)
    const size = view.getUint32(at + 4, true)
    const body = at + 8
    if (id === "fmt ") {
      const encoding = view.getUint16(body, true)
      const channels = view.getUint16(body + 2, true)
      const bits = view.getUint16(body + 14, true)
      if (encoding !== 1 || bits !== 16 || channels !== 1) {
        return `its audio is ${channels} channel(s) of ${bits}-bit ${encoding === 1 ? "PCM" : `encoding ${encoding}`}, not 16-bit mono PCM`
      }
      rate = view.getUint32(body + 4, true)
    } else if (id === "data") {
      if (rate === undefined) return "its data chunk comes before its format chunk"
      return { bytes: bytes.subarray(body, Math.min(body + size, bytes.byteLength)), format: `pcm_${rate}` }
    }
    at = body + size + (size % 2)
  }
  return "it has no data chunk"
}

/** Decodes any audio file to 16-bit mono PCM at `rate` with ffmpeg. */
const decodeWithFfmpeg = (file: string, rate: number): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const child = spawn("ffmpeg", ["-v", "error", "-i", file, "-ac", "1", "-ar", String(rate), "-f", "s16le", "-c:a", "pcm_s16le", "-"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    const out: Array<Buffer> = []
    let err = ""
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()))
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? usageError(`listen: ${path.basename(file)} needs decoding and ffmpeg is not installed`, "install ffmpeg, or convert it to a 16-bit mono WAV")
          : error
      ))
    child.on("close", (code) =>
      code === 0 ? resolve(new Uint8Array(Buffer.concat(out))) : reject(usageError(`listen: ffmpeg could not decode ${path.basename(file)}: ${err.trim().split("\n")[0]}`)))
  })

/** The recording as realtime audio: a WAV's samples, raw bytes in `--format`, or ffmpeg's decoding. */
const audioOf = async (file: string, format: string | undefined, model: ModelInfo | undefined): Promise<RealtimeAudio> => {
  const extension = path.extname(file).slice(1).toLowerCase()
  if (["pcm", "raw", "ulaw", "alaw"].includes(extension)) {
    if (format === undefined) throw usageError(`listen: ${path.basename(file)} is raw audio: say its format with --format (e.g. pcm_16000)`)
    return { bytes: new Uint8Array(readFileSync(file)), format }
  }
  if (extension === "wav") {
    const wav = readWav(new Uint8Array(readFileSync(file)))
    if (typeof wav !== "string" && (format === undefined || format === wav.format)) return wav
  }
  // Decoded to the asked format, else the model's first PCM format.
  const target = format ?? model?.realtime_formats?.find((f) => f.startsWith("pcm_")) ?? "pcm_16000"
  const pcm = /^pcm_(\d+)$/.exec(target)
  if (pcm === null) throw usageError(`listen: cannot decode to ${target}: give a file already in that format`)
  return { bytes: await decodeWithFfmpeg(file, Number(pcm[1])), format: target }
}

/** The recording in chunks of 100 ms, at real-time pace unless `fast`. */
async function* paced(audio: RealtimeAudio, fast: boolean): AsyncGenerator<Uint8Array> {
  const rate = bytesPerSecond(audio.format) ?? 32000
  const chunk = Math.max(2, Math.round(rate / 10 / 2) * 2)
  const started = Date.now()
  for (let at = 0; at < audio.bytes.byteLength; at += chunk) {
    yield audio.bytes.subarray(at, at + chunk)
    if (!fast) {
      // Sleep until this much audio would have been spoken (a drifting sum of sleeps would lag).
      const due = started + ((at + chunk) / rate) * 1000
      const wait = due - Date.now()
      if (wait > 0) await sleep(wait)
    }
  }
}

/** Runs `listen`; returns the exit code. */
export const run = async (ctx: Context, options: ListenOptions): Promise<number> => {
  const file = inputFile(ctx.io.cwd, onePositional(options.positionals, "the audio file", "listen"))
  const stt = parseModelRef(options.stt ?? defaultRealtimeStt, "--stt")
  if (options.commit !== undefined && options.commit !== "vad" && options.commit !== "manual") {
    throw usageError(`listen: --commit is vad or manual, not ${JSON.stringify(options.commit)}`)
  }
  const model = ctx.set.providers.find((p) => p.id === stt.provider)?.models.find((m) => m.id === stt.model && m.capability === "stt")
  const audio = await audioOf(file.path, options.format, model)
  const { out } = ctx
  const tty = ctx.io.stdout.isTTY === true && !out.json
  const pb = ctx.patchbay()
  try {
    const seconds = audio.bytes.byteLength / (bytesPerSecond(audio.format) ?? 32000)
    out.progress(`listening to ${path.basename(file.path)} (${seconds2(seconds)} of ${audio.format}) with ${stt.provider}/${stt.model}${options.fast === true ? ", fast" : ""}…`)
    const events: AsyncIterable<PipelineEvent> = pb.listen({
      voice: { stt: { provider: stt.provider, model: stt.model, ...(options.language === undefined ? {} : { language: options.language }) } },
      audio: paced(audio, options.fast === true),
      format: audio.format,
      ...(options.commit === undefined ? {} : { commit: options.commit })
    })
    const utterances: Array<string> = []
    let record: SttRecord | undefined
    let partial = false
    for await (const event of events) {
      if (event.type === "stt_partial" && tty) {
        ctx.io.stdout.write(`\r\x1b[2K${event.text}`)
        partial = true
      } else if (event.type === "stt_committed") {
        utterances.push(event.text)
        if (tty && partial) ctx.io.stdout.write("\r\x1b[2K")
        partial = false
        out.line(event.text)
      } else if (event.type === "stt_stream_end") {
        record = event.record
      }
    }
    if (tty && partial) ctx.io.stdout.write("\r\x1b[2K")
    if (record === undefined) throw new Error("the session ended without a record")
    out.progress(`heard ${utterances.length} utterance(s) in ${seconds2(seconds)} of audio (${record.provider}/${record.model}, language ${record.language ?? "not reported"})`)
    out.document({ file: file.path, transcript: record.transcript, utterances, voice_records: { stt: record } })
    return 0
  } finally {
    await pb.dispose()
  }
}
