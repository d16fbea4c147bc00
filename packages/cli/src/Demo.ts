/**
 * `patchbay demo`: the README's main job. It runs the seed's three voice modes, its
 * provider-options example, a read-aloud, its streaming example, its image flow (generate,
 * then edit by `document_id`) and memory (a fact said in one thread, used in another) through
 * the real pipeline and the real adapters, and — when the programs are installed — an offline
 * turn on the local engines; mode 3 again through `@patchbay/client`, against the server
 * started in process on a loopback port; last, a recording streamed to a realtime model with
 * `pb.listen`, its WebSocket session replayed by conformance's replay WebSocket server. Vendor calls are served from
 * the cassettes shipped in `demo/cassettes/` unless the vendor's key is set (then it runs live)
 * or `--replay <dir>` names other cassettes. It writes the audio and images to `./out/`, keeps
 * its threads, messages, runs and media metadata in the SQLite file `./out/patchbay.db` (made
 * afresh each run; `@patchbay/sql` is loaded only here, so other commands do not pay for it),
 * prints every `voice_records`, and says which calls were replayed and which ran live.
 *
 * A section whose vendors are not all live is replayed whole: a replayed call only matches its
 * cassette when what it is sent (a transcript, a reply) came from the same cassettes.
 *
 * @since 0.1.0
 */
import { Cassette, REPLAY_API_KEY } from "@patchbay/conformance/cassette"
import {
  Audio,
  createKey,
  CurrentTenant,
  type MessageResponse,
  type Patchbay,
  type PatchbayProvider,
  Stores,
  type SttRecord,
  type StoresLayer,
  type VoiceRecords
} from "@patchbay/core"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Io } from "./Context.ts"
import { consume, openPatchbay } from "./Context.ts"
import { abridgeRecord, describeError, errorLine, formatBytes, type Output, seconds2, usageError } from "./Output.ts"
import {
  injected,
  keyVariables,
  liveVendor,
  loadCassettes,
  loadFactories,
  loadLocal,
  type LocalPrograms,
  replayVendor,
  type VendorHandle,
  type VendorId,
  vendors
} from "./Providers.ts"
import { bytesPerSecond } from "./Listen.ts"
import { displayPath } from "./Speech.ts"

/** The folder shipped with the package: the question, the cassettes, and the script that makes them. */
export const demoDir: string = fileURLToPath(new URL("../demo/", import.meta.url))

/** The cassettes the demo replays. */
export const cassettesDir: string = path.join(demoDir, "cassettes")

/** The spoken question (espeak-ng, then ffmpeg to mp3). */
export const questionFile: string = path.join(demoDir, "question.mp3")

/** The seed's mode 3 (audio in, audio out, answered whole): section 3 runs it in process, section 10 through the client. */
const audioToAudio = {
  voice: {
    stt: { provider: "openai", model: "gpt-4o-transcribe", language: "en" },
    tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "coral" }
  },
  audioFile: questionFile,
  llmProvider: "openai",
  modelName: "gpt-4.1",
  sendToLlm: "true",
  stream: false
} as const

/** What `question.mp3` says. */
export const QUESTION = "What is the tallest mountain in the world?"

/** The seed's image prompt. */
export const IMAGE_PROMPT = "Generate a square image of a tiny red robot watering a sunflower in a sunny garden."

/** The seed's edit message, for a document id. */
export const editPrompt = (documentId: string): string =>
  `Edit the generated image with document_id ${documentId}. ` +
  "Pass this exact id as input_image_document_id to the generate_image tool. " +
  "Make the robot blue and add a small crescent moon in the sky."

/** The text the read-aloud section speaks. */
export const READ_ALOUD = "Patchbay speaks with many voices. This one comes from ElevenLabs."

/** What the user tells the memory section's first thread. */
export const MEMORY_FIRST = "Hi! I just moved to Oslo, and I love hiking."

/** What the user asks in the memory section's second thread. */
export const MEMORY_SECOND = "Where could I go hiking this weekend, near where I live?"

/** The ElevenLabs voice of the read-aloud section (George, a premade voice). */
export const ELEVENLABS_VOICE = "JBFqnCBsd6RMkjVDRZzb"


/** What a section gets to work with. */
export interface SectionRun {
  readonly pb: Patchbay
  readonly out: Output
  /** Writes a file into the output folder; returns its path as shown to the user. */
  readonly save: (name: string, bytes: Uint8Array | string) => string
  /** Prints a turn's `voice_records` and saves the whole response as `<name>.json`. */
  readonly records: (name: string, response: MessageResponse | { readonly voice_records: VoiceRecords }) => void
  /** The providers `pb` runs on (replayed or live), for a section that serves them itself. */
  readonly providers: ReadonlyArray<PatchbayProvider>
  /** The local provider, when `@patchbay/local` loaded. */
  readonly localProvider: PatchbayProvider | undefined
  /** Whether ffmpeg is installed (the local engines then write mp3). */
  readonly localFfmpeg: boolean
  /** How the section's vendors are served. */
  readonly served: "live" | "replay" | "offline"
  /** The folder of the replayed cassettes (`demo/cassettes/`, or `--replay <dir>`). */
  readonly replayDir: string
  /** Counts a realtime session replayed over WebSocket among the vendor's replayed calls. */
  readonly sessionReplayed: (vendor: VendorId) => void
}

/** One part of the demo. */
export interface Section {
  readonly id: string
  readonly title: string
  /** The HTTP vendors it calls. */
  readonly vendors: ReadonlyArray<VendorId>
  /** Runs only when the local engines are installed. */
  readonly local?: boolean
  /**
   * The section whose vendor calls it repeats word for word: replay serves it from that
   * section's interactions, so the cassettes are made without it.
   */
  readonly repeats?: string
  /**
   * The scope of its repeatable media ids (see `repeatableIds`); by default its number, so no
   * two documents of a run share an id.
   */
  readonly idScope?: number
  /**
   * A realtime section: the WebSocket session it replays, a cassette relative to the replayed
   * folder (in a subfolder, which the HTTP replay does not read). `make-cassettes.ts` leaves such
   * sections out: their cassette is written from the SDK's message types, not recorded.
   */
  readonly session?: string
  readonly run: (s: SectionRun) => Promise<void>
}

const lastRecords = (response: MessageResponse): VoiceRecords => response.messages.at(-1)?.voice_records ?? {}

/** Saves the turn's audio document under `name`; returns the shown path. */
const saveAudio = async (s: SectionRun, name: string, response: MessageResponse): Promise<string | undefined> => {
  const tts = lastRecords(response).tts
  if (tts === undefined) return undefined
  const stored = await s.pb.media.get(tts.document_id)
  const ext = tts.output_format.startsWith("mp3") ? "mp3" : tts.output_format.startsWith("wav") ? "wav" : tts.output_format.split("_")[0] ?? "bin"
  return s.save(`${name}.${ext}`, stored.bytes)
}

/** Ends a section: saves the turn's audio, says where, and prints its voice_records. */
const finish = async (s: SectionRun, name: string, response: MessageResponse, label = "Audio file"): Promise<void> => {
  const file = await saveAudio(s, name, response)
  if (file !== undefined) s.out.line(`${label}: ${file}`)
  s.records(name, response)
}

/** The realtime section's session, relative to the replayed cassettes. */
export const REALTIME_SESSION = path.join("realtime", "elevenlabs.json")

/** The recording a realtime session cassette sends, in the chunks it was recorded with (its scenario's `chunk_bytes`, `commit_after`). */
const recordingOf = (loaded: Cassette.LoadedCassette): { readonly chunks: ReadonlyArray<Uint8Array>; readonly request: Cassette.ScenarioRequest } => {
  const request = loaded.cassette.scenario?.request
  const fixture = request?.audio?.fixture
  if (request === undefined || fixture === undefined) throw new Error(`${loaded.name}: a realtime session cassette names its recording (scenario.request.audio.fixture)`)
  const bytes = new Uint8Array(readFileSync(Cassette.resolveIn(loaded, fixture)))
  const size = request.chunk_bytes ?? 3200
  const chunks: Array<Uint8Array> = []
  for (let at = 0; at < bytes.byteLength; at += size) chunks.push(bytes.subarray(at, at + size))
  return { chunks, request }
}

/**
 * Section 11: a recording streamed to a realtime model with `pb.listen`. Replayed, the vendor is
 * conformance's replay WebSocket server playing the session cassette (its recorded delays
 * included), and the adapter is pointed at it with its base URL; live, the real vendor.
 */
const realtimeSection = async (s: SectionRun): Promise<void> => {
  const loaded = Cassette.loadSync(path.join(s.served === "live" ? cassettesDir : s.replayDir, REALTIME_SESSION))
  const { chunks, request } = recordingOf(loaded)
  let pb = s.pb
  let close = async () => {}
  if (s.served !== "live") {
    // loaded here only: no other section pays for the WebSocket server and the ws package
    const [{ serveReplaySocket }, { elevenlabs }] = await Promise.all([import("@patchbay/conformance/cassette"), import("@patchbay/elevenlabs")])
    const server = await serveReplaySocket(loaded)
    pb = openPatchbay(injected([elevenlabs({ apiKey: REPLAY_API_KEY, baseUrl: server.baseUrl })]), true, 11)
    s.out.line(`Vendor: the replay WebSocket server on ${server.baseUrl}, playing ${displayPath(s.replayDir, loaded.file)} with its recorded delays`)
    close = async () => {
      await pb.dispose()
      const differences = server.differences()
      if (server.sessions.length > 0) s.sessionReplayed("elevenlabs")
      await server.close()
      if (differences.length > 0) throw new Error(`the session did not go as recorded: ${differences.join("; ")}`)
    }
  }
  const format = request.audio_format ?? "pcm_16000"
  const seconds = chunks.reduce((n, c) => n + c.byteLength, 0) / (bytesPerSecond(format) ?? 32000)
  s.out.line(`Input: ${path.basename(request.audio?.fixture ?? "")} (${seconds2(seconds)} of ${format}) sent in ${chunks.length} chunks, commit ${request.commit ?? "manual"}`)
  try {
    async function* audio(): AsyncGenerator<Uint8Array> {
      yield* chunks
    }
    let record: SttRecord | undefined
    for await (const event of pb.listen(listenOf(request, audio()))) {
      if (event.type === "stt_partial") s.out.line(`  … ${event.text}`)
      else if (event.type === "stt_committed") s.out.line(`  ✓ ${event.text}`)
      else if (event.type === "stt_stream_end") record = event.record
    }
    if (record === undefined) throw new Error("the session ended without a record")
    s.out.line(`Transcript: ${record.transcript}`)
    s.records("11-realtime", { voice_records: { stt: record } })
  } finally {
    await close()
  }
}

const listenOf = (request: Cassette.ScenarioRequest, audio: AsyncIterable<Uint8Array>) => ({
  voice: { stt: { provider: "elevenlabs", model: request.model, ...(request.language === undefined ? {} : { language: request.language }) } },
  audio,
  format: request.audio_format ?? "pcm_16000",
  commit: request.commit ?? "manual"
})

/** The demo's sections, in order. */
export const sections: ReadonlyArray<Section> = [
  {
    id: "1-audio-to-text",
    title: "Mode 1 — audio in, text out: openai/whisper-1 → openai/gpt-4.1",
    vendors: ["openai"],
    run: async (s) => {
      const response = await s.pb.addMessage({
        voice: { stt: { provider: "openai", model: "whisper-1", language: "en" } },
        audioFile: questionFile,
        llmProvider: "openai",
        modelName: "gpt-4.1",
        sendToLlm: "true",
        stream: false
      })
      s.out.line(`Transcript: ${lastRecords(response).stt?.transcript ?? ""}`)
      s.out.line(`Reply: ${response.content}`)
      s.records("1-audio-to-text", response)
    }
  },
  {
    id: "2-text-to-audio",
    title: "Mode 2 — text in, audio out: openai/gpt-4.1 → openai/gpt-4o-mini-tts (alloy)",
    vendors: ["openai"],
    run: async (s) => {
      const response = await s.pb.addMessage({
        content: "Say hello in one sentence",
        voice: { tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "alloy" } },
        llmProvider: "openai",
        modelName: "gpt-4.1",
        sendToLlm: "true",
        stream: false
      })
      s.out.line(`Reply: ${response.content}`)
      s.out.line(`Audio URL: ${lastRecords(response).tts?.audio_url ?? ""}`)
      await finish(s, "2-text-to-audio", response)
    }
  },
  {
    id: "3-audio-to-audio",
    title: "Mode 3 — audio in, audio out: openai/gpt-4o-transcribe → openai/gpt-4.1 → openai/gpt-4o-mini-tts (coral)",
    vendors: ["openai"],
    run: async (s) => {
      const response = await s.pb.addMessage(audioToAudio)
      const vr = lastRecords(response)
      s.out.line(`Transcript: ${vr.stt?.transcript ?? ""}`)
      s.out.line(`Reply: ${response.content}`)
      s.out.line(`Audio URL: ${vr.tts?.audio_url ?? ""}`)
      await finish(s, "3-audio-to-audio", response)
    }
  },
  {
    id: "4-provider-options",
    title: "Mixing vendors, with provider options — elevenlabs/scribe_v2 (diarize, word timestamps) → openai/gpt-4.1 → openai/gpt-4o-mini-tts (coral, calm)",
    vendors: ["elevenlabs", "openai"],
    run: async (s) => {
      const response = await s.pb.addMessage({
        voice: {
          stt: {
            provider: "elevenlabs",
            model: "scribe_v2",
            language: "en",
            provider_options: { elevenlabs: { diarize: true, timestamps_granularity: "word" } }
          },
          tts: {
            provider: "openai",
            model: "gpt-4o-mini-tts",
            voice: "coral",
            output_format: "mp3",
            provider_options: { openai: { instructions: "Calm and professional" } }
          }
        },
        audioFile: questionFile,
        llmProvider: "openai",
        modelName: "gpt-4.1",
        sendToLlm: "true",
        stream: false
      })
      const vr = lastRecords(response)
      s.out.line(`Transcript: ${vr.stt?.transcript ?? ""} (${vr.stt?.words?.length ?? 0} timed words, speakers: ${vr.stt?.speakers?.map((sp) => sp.id).join(", ") ?? "none"})`)
      s.out.line(`Reply: ${response.content}`)
      await finish(s, "4-provider-options", response)
    }
  },
  {
    id: "5-read-aloud",
    title: "Read aloud, no LLM — elevenlabs/eleven_flash_v2_5 (send_to_llm false)",
    vendors: ["elevenlabs"],
    run: async (s) => {
      const response = await s.pb.addMessage({
        content: READ_ALOUD,
        voice: { tts: { provider: "elevenlabs", model: "eleven_flash_v2_5", voice: ELEVENLABS_VOICE, output_format: "mp3_22050_32" } },
        sendToLlm: "false",
        stream: false
      })
      s.out.line(`Spoken: ${response.content}`)
      await finish(s, "5-read-aloud", response)
    }
  },
  {
    id: "6-streaming",
    title: "Streaming — openai/gpt-4o-mini-transcribe → openai/gpt-4.1 → openai/gpt-4o-mini-tts (alloy), stream: true",
    vendors: ["openai"],
    run: async (s) => {
      const events = await s.pb.addMessage({
        voice: {
          stt: { provider: "openai", model: "gpt-4o-mini-transcribe", language: "en" },
          tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "alloy" }
        },
        audioFile: questionFile,
        llmProvider: "openai",
        modelName: "gpt-4.1",
        sendToLlm: "true",
        stream: true
      })
      const audio: Array<Uint8Array> = []
      let records: VoiceRecords = {}
      let phase: "none" | "stt" | "llm" = "none"
      const counts = new Map<string, number>()
      await consume(events, (event) => {
        counts.set(event.type, (counts.get(event.type) ?? 0) + 1)
        switch (event.type) {
          case "stt_text_delta":
            if (phase !== "stt") s.out.print("You: ")
            phase = "stt"
            s.out.print(event.delta)
            break
          case "stt_stream_end":
            s.out.line()
            records = { ...records, stt: event.record }
            break
          case "content_streaming":
            if (phase !== "llm") s.out.print("Assistant: ")
            phase = "llm"
            s.out.print(event.content)
            break
          case "tts_audio_chunk": {
            const bytes = Buffer.from(event.data, "base64")
            audio.push(bytes)
            s.out.print(` ⟨♪ ${formatBytes(bytes.byteLength)}⟩`)
            break
          }
          case "tts_stream_end":
            s.out.line()
            s.out.line(`Audio URL: ${event.audio_url}`)
            records = { ...records, tts: event.record }
            break
        }
      })
      const file = s.save("6-streaming.mp3", Buffer.concat(audio))
      s.out.line(`Audio file: ${file} (the tts_audio_chunk bytes, written as they arrived)`)
      s.out.line(`Events: ${[...counts].map(([type, n]) => (n === 1 ? type : `${type} ×${n}`)).join(", ")}`)
      s.records("6-streaming", { voice_records: records })
    }
  },
  {
    id: "7-image-tool",
    title: "Image tool — openai/gpt-4.1 calls generate_image on openrouter/google/gemini-3.1-flash-image-preview, then edits by document_id",
    vendors: ["openai", "openrouter"],
    // The language model quotes the image's id back, so the cassettes hold it: the ids of
    // `patchbay image`, which replays the same cassettes (no other section uses scope 0).
    idScope: 0,
    run: async (s) => {
      const image = {
        llmProvider: "openai",
        modelName: "gpt-4.1",
        imageGeneration: "auto",
        imageModelProvider: "openrouter",
        imageModelName: "google/gemini-3.1-flash-image-preview",
        stream: true
      } as const
      const drawn = async (content: string, threadId: string | undefined, name: string) => {
        const events = await s.pb.addMessage({ ...image, content, ...(threadId === undefined ? {} : { threadId }) })
        let documentId: string | undefined
        let thread: string | undefined
        let replying = false
        await consume(events, async (event) => {
          thread ??= event.thread_id
          if (event.type === "tool_call") s.out.line(`tool_call: ${event.tool_call.function.name} ${event.tool_call.function.arguments}`)
          if (event.type === "media_generated") {
            documentId = event.media.document_id
            s.out.line(`image url: ${event.media.url}`)
            s.out.line(`document_id: ${documentId}`)
            const stored = await s.pb.media.get(documentId)
            s.out.line(`Image file: ${s.save(`${name}.png`, stored.bytes)} (${event.media.media_type}, ${formatBytes(stored.bytes.byteLength)})`)
          }
          if (event.type === "content_streaming") {
            if (!replying) s.out.print("Assistant: ")
            replying = true
            s.out.print(event.content)
          }
        })
        if (replying) s.out.line()
        return { documentId, thread }
      }
      s.out.line(`User: ${IMAGE_PROMPT}`)
      const first = await drawn(IMAGE_PROMPT, undefined, "7-image")
      if (first.documentId === undefined || first.thread === undefined) throw new Error("the first message produced no image")
      s.out.line(`final document_id: ${first.documentId}`)
      const edit = editPrompt(first.documentId)
      s.out.line(`User: ${edit}`)
      const second = await drawn(edit, first.thread, "7-image-edited")
      if (second.documentId === undefined) throw new Error("the edit produced no image")
      s.out.line(`edited document_id: ${second.documentId}`)
    }
  },
  {
    id: "8-local",
    title: "Offline — local pocketsphinx → local espeak-ng (no vendor, no cassette)",
    vendors: [],
    local: true,
    run: async (s) => {
      const provider = s.localProvider
      const stt = provider?.models.find((m) => m.capability === "stt")
      const tts = provider?.models.find((m) => m.capability === "tts")
      if (provider === undefined || stt === undefined || tts === undefined) throw new Error("the local adapter lists no stt or tts model")
      const voice = tts.voices?.ids?.find((v) => /^en(-us)?$/i.test(v)) ?? tts.voices?.ids?.[0] ?? "en"
      const response = await s.pb.addMessage({
        voice: {
          stt: { provider: provider.id, model: stt.id, language: "en" },
          tts: { provider: provider.id, model: tts.id, voice, output_format: s.localFfmpeg ? "mp3" : "wav" }
        },
        audioFile: questionFile,
        sendToLlm: "false",
        stream: false
      })
      const vr = lastRecords(response)
      s.out.line(`pocketsphinx heard: ${vr.stt?.transcript ?? ""}`)
      s.out.line(`(the question was: ${QUESTION})`)
      await finish(s, "8-local", response, "espeak-ng said it back")
    }
  },
  {
    id: "9-memory",
    title: "Memory — a fact said in one thread, used in another: openai/gpt-4.1, memory \"Auto\" then \"Readonly\", memory_scope user_42",
    vendors: ["openai"],
    run: async (s) => {
      const assistant = await s.pb.assistants.create({ name: "Concierge", llm_provider: "openai", model_name: "gpt-4.1", memory: "Auto" })
      const options = { assistantId: assistant.assistant_id, memoryScope: "user_42" }
      const first = await s.pb.sendMessage(MEMORY_FIRST, options)
      s.out.line(`Thread 1, you: ${MEMORY_FIRST}`)
      s.out.line(`Thread 1, assistant: ${first.content}`)
      // the write runs in the background; waiting for it reads it back at once
      const operation = await s.pb.memory.wait(first.memory_operation_id ?? "")
      const stored = await s.pb.memory.list(assistant.assistant_id, { memory_scope: "user_42" })
      s.out.line(`Memory operation ${operation.status}: ${stored.memories.map((m) => JSON.stringify(m.content)).join(", ")}`)
      const second = await s.pb.sendMessage(MEMORY_SECOND, { ...options, memory: "Readonly" })
      s.out.line(`Thread 2 (a new thread), you: ${MEMORY_SECOND}`)
      s.out.line(`Retrieved: ${second.retrieved_memories.map((m) => JSON.stringify(m.memory)).join(", ")}`)
      s.out.line(`Thread 2, assistant: ${second.content}`)
      s.save("9-memory.json", `${JSON.stringify({ first, operation, memories: stored, second }, null, 2)}\n`)
    }
  },
  {
    id: "10-client",
    title: "Over HTTP — mode 3 again, through @patchbay/client: the server in process on a loopback port",
    vendors: ["openai"],
    repeats: "3-audio-to-audio",
    run: async (s) => {
      // loaded here only: no other section pays for the server and the client
      const [{ toNodeHandler }, { createClient }, http] = await Promise.all([import("@patchbay/server"), import("@patchbay/client"), import("node:http")])
      const stores = Stores.makeMemory()
      const key = await Effect.runPromise(createKey({ name: "demo" }).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "demo")))
      const node = toNodeHandler({ providers: s.providers, stores, media: { secret: randomBytes(32).toString("base64url") } })
      const server = http.createServer(node.handler)
      try {
        await node.ready
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
        const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
        s.out.line(`Server: ${baseUrl} (toNodeHandler on node:http, in-memory stores, a key made in process)`)
        s.out.line(`Client: createClient({ baseUrl: "${baseUrl}", apiKey }) — the question uploaded as a multipart stream`)
        const pb = createClient({ baseUrl, apiKey: key.plaintext })
        const response = await pb.addMessage(audioToAudio)
        const vr = lastRecords(response)
        s.out.line(`Transcript: ${vr.stt?.transcript ?? ""}`)
        s.out.line(`Reply: ${response.content}`)
        s.out.line(`Audio URL: ${vr.tts?.audio_url ?? ""} (on the server; read back with the key through pb.media.get)`)
        await finish({ ...s, pb }, "10-client", response)
      } finally {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await node.dispose()
      }
    }
  },
  {
    id: "11-realtime",
    title: "Realtime — a recording streamed to elevenlabs/scribe_v2_realtime over WebSocket with pb.listen: partials, then the committed line",
    vendors: ["elevenlabs"],
    session: REALTIME_SESSION,
    run: realtimeSection
  }
]

/** What stderr says when loading the adapters takes more than a moment (worded as the other commands word it). */
export const loadingNotice = `loading ${[...vendors.map((v) => v.packageName), "@patchbay/local"].join(", ")}…`

/** The usage text of `demo`. */
export const usage = `Usage: patchbay demo [<section>…] [--out <dir>] [--replay <dir>] [--json]

Runs the seed's three voice modes, its provider options, a read-aloud, its streaming example,
its image flow and memory across threads through the real pipeline and adapters, plus an
offline turn on espeak-ng and pocketsphinx when they are installed, mode 3 once more
through @patchbay/client, against the HTTP server started in process on a loopback port, and a
recording streamed to a realtime model over WebSocket. No key and no network
needed: vendor calls are replayed from the cassettes shipped with the package (the realtime
session by a replay WebSocket server, from realtime/elevenlabs.json). A vendor whose key is set (OPENAI_API_KEY,
ELEVENLABS_API_KEY, OPENROUTER_API_KEY) runs live instead, unless --replay is given.

Sections (all by default; name some by number or id to run only those, e.g. \`patchbay demo 1 7\`):
${sections.map((s) => `  ${s.id}`).join("\n")}

Options:
  --out <dir>      where to write the audio, images and records (default ./out)
  --replay <dir>   replay every vendor from the cassettes in <dir>, whatever keys are set
  --json           print a JSON summary instead of the narration
`

// ---------------------------------------------------------------------------------------------
// Running the sections
// ---------------------------------------------------------------------------------------------

/** How one section went. */
export interface SectionResult {
  readonly id: string
  readonly title: string
  readonly status: "ok" | "failed" | "skipped"
  /** How its vendors were served: `live`, `replay`, or `offline` (no vendor). */
  readonly served: "live" | "replay" | "offline"
  readonly reason?: string | undefined
}

/** A file the demo wrote, with what its bytes are. */
export interface WrittenFile {
  readonly path: string
  readonly bytes: number
  /** What sniffing the bytes found: an audio container, `png`, `sqlite`, or `unknown`. */
  readonly kind: string
}

/** The name of the demo's database in the output folder. */
export const DATABASE = "patchbay.db"

/** The first 16 bytes of every SQLite database file. */
const sqliteHeader = Buffer.from("SQLite format 3\0", "latin1")

/** The kind of a written file, from its first bytes (audio containers via `Audio.sniff`, PNG and SQLite by their signatures). */
export const sniffKind = (bytes: Uint8Array): string => {
  if (bytes.byteLength > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return "png"
  if (bytes.byteLength >= 16 && sqliteHeader.equals(bytes.subarray(0, 16))) return "sqlite"
  return Audio.sniff(bytes)?.container ?? "unknown"
}

/** The providers one section runs on, and why, when it is not what the keys alone say. */
export interface SectionProviders {
  readonly providers: ReadonlyArray<PatchbayProvider>
  readonly served: "live" | "replay" | "offline"
  readonly note?: string | undefined
}

/** Options of {@link runSections}. */
export interface RunSectionsOptions {
  readonly out: Output
  readonly outDir: string
  readonly cwd: string
  readonly providersFor: (section: Section) => SectionProviders
  readonly local: { readonly provider: PatchbayProvider; readonly programs: LocalPrograms } | Error | undefined
  /** Section ids (or their numbers) to run; all when empty. */
  readonly only?: ReadonlyArray<string> | undefined
  /** A line after each section saying what it asked the vendors (replayed/live counts). */
  readonly callsOf?: (() => string) | undefined
  /** Where each section's Patchbay keeps its threads, runs and media metadata; memory when absent. */
  readonly stores?: StoresLayer | undefined
  /** The folder of the replayed cassettes (default `demo/cassettes/`). */
  readonly replayDir?: string | undefined
  /** Told of each realtime session a section replayed over WebSocket. */
  readonly onSession?: ((vendor: VendorId) => void) | undefined
}

const localMissing = (local: RunSectionsOptions["local"]): string | undefined => {
  if (local === undefined) return "@patchbay/local is not loaded"
  if (local instanceof Error) return `@patchbay/local did not load (${local.message.split("\n")[0] ?? ""})`
  const missing = [
    ...(local.programs.tts ? [] : ["espeak-ng (apt install espeak-ng)"]),
    ...(local.programs.stt ? [] : ["pocketsphinx (apt install pocketsphinx pocketsphinx-en-us)"])
  ]
  return missing.length === 0 ? undefined : `not installed: ${missing.join(", ")}`
}

/**
 * Runs the sections in order, each on a Patchbay of its own (repeatable media ids, so an
 * image's `document_id` is the same on every run; each section has its own, so no two documents
 * of a run share one). A failing section is reported and the next
 * one runs.
 */
export const runSections = async (options: RunSectionsOptions): Promise<{ readonly results: ReadonlyArray<SectionResult>; readonly files: ReadonlyArray<WrittenFile> }> => {
  const { out } = options
  const files: Array<WrittenFile> = []
  const results: Array<SectionResult> = []
  mkdirSync(options.outDir, { recursive: true })
  const save = (name: string, bytes: Uint8Array | string) => {
    const file = path.join(options.outDir, name)
    writeFileSync(file, bytes)
    const existing = files.findIndex((f) => f.path === file)
    const entry = typeof bytes === "string"
      ? { path: file, bytes: Buffer.byteLength(bytes), kind: "json" }
      : { path: file, bytes: bytes.byteLength, kind: sniffKind(bytes) }
    if (existing === -1) files.push(entry)
    else files[existing] = entry
    return displayPath(options.cwd, file)
  }
  const wanted = (section: Section) =>
    options.only === undefined || options.only.length === 0 ||
    options.only.some((o) => section.id === o || section.id.split("-")[0] === o)
  for (const section of sections.filter(wanted)) {
    out.line()
    out.line(`== ${section.id.split("-")[0]}. ${section.title}`)
    const missing = section.local === true ? localMissing(options.local) : undefined
    if (missing !== undefined) {
      out.line(`skipped: ${missing}`)
      results.push({ id: section.id, title: section.title, status: "skipped", served: "offline", reason: missing })
      continue
    }
    let chosen: SectionProviders
    try {
      chosen = options.providersFor(section)
    } catch (error) {
      const described = describeError(error, { keyVariables })
      out.line(`failed: ${errorLine(described)}`)
      results.push({ id: section.id, title: section.title, status: "failed", served: "replay", reason: `${described.tag}: ${described.message}` })
      continue
    }
    if (chosen.note !== undefined) out.line(`(${chosen.note})`)
    const localProvider = options.local === undefined || options.local instanceof Error ? undefined : options.local.provider
    const providers = localProvider === undefined || chosen.providers.some((p) => p.id === localProvider.id)
      ? chosen.providers
      : [...chosen.providers, localProvider]
    const pb = openPatchbay(injected(providers), true, section.idScope ?? Number(section.id.split("-")[0]), options.stores) // ids unique across the run
    const run: SectionRun = {
      pb,
      providers,
      out,
      save,
      localProvider,
      localFfmpeg: options.local !== undefined && !(options.local instanceof Error) &&
        options.local.programs.programs.some((p) => p.name === "ffmpeg" && p.available),
      served: chosen.served,
      replayDir: options.replayDir ?? cassettesDir,
      sessionReplayed: (vendor) => options.onSession?.(vendor),
      records: (name, response) => {
        const records = "voice_records" in response ? response.voice_records : lastRecords(response)
        out.line("voice_records:")
        out.line(JSON.stringify(abridgeRecord(records), null, 2).replace(/^/gm, "  "))
        save(`${name}.json`, `${JSON.stringify(response, null, 2)}\n`)
      }
    }
    try {
      await section.run(run)
      results.push({ id: section.id, title: section.title, status: "ok", served: chosen.served })
    } catch (error) {
      const described = describeError(error, { keyVariables })
      out.endLine()
      out.line(`failed: ${errorLine(described)}`)
      results.push({ id: section.id, title: section.title, status: "failed", served: chosen.served, reason: `${described.tag}: ${described.message}` })
    } finally {
      await pb.dispose()
    }
    if (options.callsOf !== undefined) out.line(options.callsOf())
  }
  return { results, files }
}

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

/** The options of `demo`. */
export interface DemoOptions {
  readonly out?: string | undefined
  readonly replay?: string | undefined
  readonly positionals: ReadonlyArray<string>
}

/** The `source` of each cassette in a directory (`recorded` / `synthesized`). */
const sourcesIn = (dir: string): ReadonlyArray<string> => {
  try {
    return [...new Set(Cassette.loadDirectorySync(dir).map((c) => c.cassette.source))]
  } catch {
    return []
  }
}

/** Runs `patchbay demo`; returns the exit code. */
export const run = async (io: Io, out: Output, options: DemoOptions): Promise<number> => {
  const known = sections.flatMap((s) => [s.id, s.id.split("-")[0] ?? s.id])
  const unknown = options.positionals.find((p) => !known.includes(p))
  if (unknown !== undefined) throw usageError(`demo: no section ${JSON.stringify(unknown)}`, `the sections are ${sections.map((s) => s.id).join(", ")}`)
  const outDir = path.resolve(io.cwd, options.out ?? "out")
  const database = path.join(outDir, DATABASE)
  const replayDir = options.replay === undefined ? cassettesDir : path.resolve(io.cwd, options.replay)
  const cassettes = loadCassettes(replayDir)
  const timer = setTimeout(() => out.progress(loadingNotice), 800)
  const [factories, local, sql] = await Promise.all([loadFactories(), loadLocal(), import("@patchbay/sql")]).finally(() => clearTimeout(timer))
  const replayed = new Map<VendorId, VendorHandle>()
  const live = new Map<VendorId, VendorHandle>()
  const broken = new Map<VendorId, string>()
  for (const vendor of vendors) {
    const factory = factories.get(vendor.id)
    if (factory === undefined || factory instanceof Error) {
      broken.set(vendor.id, `${vendor.packageName} did not load: ${(factory?.message ?? "not found").split("\n")[0] ?? ""}`)
      continue
    }
    replayed.set(vendor.id, replayVendor(vendor, factory, cassettes.get(vendor.id) ?? [], replayDir))
    const key = io.env[vendor.variable]
    if (options.replay === undefined && key !== undefined && key.trim() !== "") live.set(vendor.id, liveVendor(vendor, factory, key, io.fetch))
  }
  const sources = sourcesIn(replayDir)

  // The header: what runs where.
  out.line("Patchbay demo — the seed's voice modes, streaming, image tool and memory, through the real pipeline and adapters")
  out.line()
  for (const vendor of vendors) {
    const why = broken.get(vendor.id)
    out.line(
      `  ${vendor.id.padEnd(10)}  ${
        why !== undefined
          ? `unavailable: ${why}`
          : live.has(vendor.id)
          ? `live (${vendor.variable} is set)`
          : `replayed from ${displayPath(io.cwd, replayDir)}${options.replay === undefined ? ` (set ${vendor.variable} to run it live)` : ""}`
      }`
    )
  }
  const missingLocal = localMissing(local)
  out.line(
    `  ${"local".padEnd(10)}  ${
      local instanceof Error
        ? `unavailable: ${missingLocal}`
        : local.programs.programs.map((p) => `${p.name} ${p.available ? "✓" : "✗"}`).join(", ") +
          (missingLocal === undefined ? " (the offline section runs)" : ` (the offline section is skipped: ${missingLocal})`)
    }`
  )
  if (sources.includes("synthesized")) {
    out.line("  Replayed answers come from cassettes synthesized from the vendors' published API specs (speech by espeak-ng), not recorded from the live APIs.")
  }
  out.line(`Input: ${displayPath(io.cwd, questionFile)} — espeak-ng asking "${QUESTION}"`)
  out.line(`Output: ${displayPath(io.cwd, outDir)}/`)
  out.line(`Database: ${displayPath(io.cwd, database)} — SQLite, holding the demo's threads, messages, runs and media metadata (made afresh each run)`)

  /** Realtime sessions replayed over WebSocket, by vendor: counted as replayed calls. */
  const sessions = new Map<VendorId, number>()
  const counts = () =>
    new Map(vendors.map((v) => {
      const failed = live.get(v.id)?.failed?.() ?? { count: 0, network: 0 }
      return [v.id, {
        replayed: (replayed.get(v.id)?.served() ?? 0) + (sessions.get(v.id) ?? 0),
        unmatched: replayed.get(v.id)?.unmatched() ?? 0,
        live: live.get(v.id)?.served() ?? 0,
        failed: failed.count,
        no_network: failed.network
      }]
    }))
  let before = counts()
  const callsOf = () => {
    const now = counts()
    const parts = vendors.flatMap((v) => {
      const a = now.get(v.id)
      const b = before.get(v.id)
      if (a === undefined || b === undefined) return []
      const r = a.replayed - b.replayed
      const l = a.live - b.live
      const u = a.unmatched - b.unmatched
      const f = a.failed - b.failed
      return [
        ...(r > 0 ? [`${v.id} ${r} replayed`] : []),
        ...(u > 0 ? [`${v.id} ${u} unmatched`] : []),
        ...(l > 0 ? [`${v.id} ${l} live`] : []),
        ...(f > 0 ? [`${v.id} ${f} live failed`] : [])
      ]
    })
    before = now
    return `vendor calls: ${parts.length === 0 ? "none" : parts.join(", ")}`
  }

  const providersFor = (section: Section): SectionProviders => {
    const needed = section.vendors
    const unavailable = needed.find((v) => broken.has(v))
    if (unavailable !== undefined) throw new Error(broken.get(unavailable))
    const allLive = needed.length > 0 && needed.every((v) => live.has(v))
    const someLive = needed.filter((v) => live.has(v))
    const pick = (id: VendorId) => (allLive ? live.get(id) : undefined) ?? replayed.get(id)
    const providers = vendors.flatMap((v) => {
      const handle = pick(v.id)
      return handle === undefined ? [] : [handle.provider]
    })
    const note = !allLive && someLive.length > 0
      ? `replayed whole: ${needed.filter((v) => !live.has(v)).map((v) => keyVariables[v]).join(", ")} unset, and a replayed call matches only what the cassettes sent`
      : undefined
    return { providers, served: needed.length === 0 ? "offline" : allLive ? "live" : "replay", note }
  }

  // The demo's own database: the previous run's is replaced (its repeatable document ids would clash).
  mkdirSync(outDir, { recursive: true })
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${database}${suffix}`, { force: true })
  const ran = await runSections({
    out,
    outDir,
    cwd: io.cwd,
    providersFor,
    local,
    only: options.positionals,
    callsOf,
    stores: sql.sqlite({ filename: database }),
    replayDir,
    onSession: (vendor) => sessions.set(vendor, (sessions.get(vendor) ?? 0) + 1)
  })
  const { results } = ran
  const files = existsSync(database)
    ? [...ran.files, { path: database, bytes: statSync(database).size, kind: sniffKind(readFileSync(database)) }]
    : ran.files

  // The summary.
  const totals = counts()
  out.line()
  out.line("== Summary")
  const replayLines = vendors.flatMap((v) => {
    const c = totals.get(v.id)
    if (c === undefined) return []
    const parts = [
      ...(c.replayed > 0 ? [`${c.replayed} replayed from the cassettes`] : []),
      ...(c.unmatched > 0 ? [`${c.unmatched} not matched by the cassettes`] : []),
      ...(c.live > 0 ? [`${c.live} live`] : []),
      ...(c.failed > 0 ? [`${c.failed} live failed without an answer`] : [])
    ]
    return [`  ${v.id.padEnd(10)}  ${parts.length === 0 ? "no calls" : parts.join(", ")}`]
  })
  out.line("Vendor calls:")
  for (const line of replayLines) out.line(line)
  const total = (field: "live" | "replayed" | "failed" | "no_network") => [...totals.values()].reduce((n, c) => n + c[field], 0)
  const [liveTotal, replayTotal, failedTotal, offlineTotal] = [total("live"), total("replayed"), total("failed"), total("no_network")]
  const replayedPart = `${replayTotal} vendor call${replayTotal === 1 ? " was" : "s were"} replayed`
  out.line(
    liveTotal === 0 && failedTotal === 0
      ? `All ${replayTotal} vendor calls were replayed; none reached the network.`
      : failedTotal === 0
      ? `${replayedPart} and ${liveTotal} ran live.`
      : `${replayedPart}, ${liveTotal} ran live and ${failedTotal} live call${failedTotal === 1 ? "" : "s"} failed without an answer.`
  )
  if (offlineTotal > 0) {
    out.line(
      `${offlineTotal === failedTotal ? "The" : offlineTotal} live calls failed for lack of network: ` +
        `to run the demo offline, replay the shipped cassettes with \`patchbay demo --replay ${displayPath(io.cwd, cassettesDir)}\`.`
    )
  }
  out.line(`Files in ${displayPath(io.cwd, outDir)}/ (kind sniffed from the bytes):`)
  for (const f of files) out.line(`  ${path.basename(f.path).padEnd(28)}  ${f.kind.padEnd(6)}  ${formatBytes(f.bytes)}`)
  const failed = results.filter((r) => r.status === "failed")
  const skipped = results.filter((r) => r.status === "skipped")
  out.line(
    `Sections: ${results.length - failed.length - skipped.length} ran` +
      (skipped.length === 0 ? "" : `, ${skipped.length} skipped (${skipped.map((r) => r.id).join(", ")})`) +
      (failed.length === 0 ? "" : `, ${failed.length} failed (${failed.map((r) => r.id).join(", ")})`)
  )
  out.document({
    out: outDir,
    replay_dir: replayDir,
    sections: results,
    calls: Object.fromEntries([...totals].map(([id, c]) => [id, c])),
    files
  })
  if (failed.length > 0) {
    out.progress(`patchbay demo: ${failed.length} section${failed.length === 1 ? "" : "s"} failed: ${failed.map((r) => `${r.id} (${r.reason ?? "?"})`).join("; ")}`)
    return 1
  }
  return 0
}
