/**
 * OpenAI's answers normalized into Patchbay's shapes: the language (`verbose_json`'s English
 * names, `gpt-transcribe`'s codes) to ISO 639-1 or null, both usage shapes, words, segments and
 * speakers, subtitles, streams; speech summaries; chat usage, finish reasons and the
 * assembled `provider_output`.
 */
import { Cassette } from "@patchbay/conformance"
import type { LlmEvent, SpeechSummary, SttDelta, Transcript } from "@patchbay/core"
import { Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { audio, cassettes, collect, failure, fields, interactionsOf, replayed } from "./support/harness.ts"

const BASE = "https://api.openai.com/v1"

/** An interaction answering any POST to `path` (the request body is not what these tests are about). */
const answer = (path: string, response: Cassette.CassetteResponse): Cassette.Interaction => ({
  request: { method: "POST", url: `${BASE}${path}`, ignore: ["body"] },
  response
})
const jsonBody = (json: unknown, id = "req_test"): Cassette.CassetteResponse => ({
  status: 200,
  headers: { "content-type": "application/json", "x-request-id": id },
  body: { type: "json", json }
})
const sseBody = (chunks: ReadonlyArray<unknown>): Cassette.CassetteResponse => ({
  status: 200,
  headers: { "content-type": "text/event-stream", "x-request-id": "req_sse" },
  body: { type: "sse", chunks: chunks.map((data) => ({ data })) }
})

const transcribe = async (model: string, response: Cassette.CassetteResponse, provider_options?: Record<string, unknown>): Promise<Transcript> => {
  const { provider } = replayed([answer("/audio/transcriptions", response)])
  return Effect.runPromise(provider.stt!.transcribe({ model, audio: await audio(), ...(provider_options === undefined ? {} : { provider_options }) }))
}

const verbose = (language: string) =>
  jsonBody({ task: "transcribe", language, duration: 1.5, text: "Hallo Welt.", segments: [{ id: 0, seek: 0, start: 0, end: 1.4, text: " Hallo Welt.", tokens: [1], temperature: 0, avg_logprob: -0.2, compression_ratio: 1, no_speech_prob: 0 }], usage: { type: "duration", seconds: 2 } })

describe("transcripts", () => {
  it("verbose_json's language names become ISO 639-1, unknown names null (never guessed)", async () => {
    const cases: ReadonlyArray<readonly [string, string | null]> = [
      ["english", "en"],
      ["german", "de"],
      ["chinese", "zh"],
      ["haitian creole", "ht"],
      ["greek", "el"],
      ["klingon", null]
    ]
    for (const [name, code] of cases) {
      expect((await transcribe("whisper-1", verbose(name))).language).toBe(code)
    }
  })

  it("verbose_json keeps words (as type word) and segments (trimmed), the vendor's duration and billed seconds", async () => {
    const t = await transcribe("whisper-1", jsonBody({
      task: "transcribe",
      language: "english",
      duration: 2.664,
      text: "Patchbay turns speech.",
      words: [{ word: "Patchbay", start: 0, end: 0.5 }, { word: "turns", start: 0.5, end: 0.8 }, { word: "speech", start: 0.8, end: 1.2 }],
      segments: [{ id: 0, seek: 0, start: 0, end: 1.2, text: " Patchbay turns speech.", tokens: [], temperature: 0, avg_logprob: -0.1, compression_ratio: 1, no_speech_prob: 0.01 }],
      usage: { type: "duration", seconds: 3 }
    }, "req_verbose"))
    expect(t).toMatchObject({
      type: "transcript",
      text: "Patchbay turns speech.",
      language: "en",
      duration_seconds: 2.664,
      words: [
        { text: "Patchbay", start: 0, end: 0.5, type: "word" },
        { text: "turns", start: 0.5, end: 0.8, type: "word" },
        { text: "speech", start: 0.8, end: 1.2, type: "word" }
      ],
      segments: [{ text: "Patchbay turns speech.", start: 0, end: 1.2 }],
      usage: { audio_seconds: 3 },
      request_id: "req_verbose"
    })
    // provider_output is the wire body, snake_case and untouched
    expect((t.provider_output as { segments: Array<{ no_speech_prob: number }> }).segments[0]?.no_speech_prob).toBe(0.01)
  })

  it("token usage: input, output, total, and the audio tokens of the input", async () => {
    const t = await transcribe("gpt-4o-transcribe", jsonBody({
      text: "Hi.",
      usage: { type: "tokens", input_tokens: 14, input_token_details: { text_tokens: 0, audio_tokens: 14 }, output_tokens: 45, total_tokens: 59 }
    }))
    expect(t.usage).toEqual({ input_tokens: 14, output_tokens: 45, total_tokens: 59, audio_tokens: 14 })
    expect(t.language).toBeNull() // json names no language
    expect(t.duration_seconds).toBeUndefined()
    const bare = await transcribe("gpt-4o-transcribe", jsonBody({ text: "Hi.", usage: { type: "tokens", input_tokens: 3, output_tokens: 2, total_tokens: 5 } }))
    expect(bare.usage).toEqual({ input_tokens: 3, output_tokens: 2, total_tokens: 5 })
    const none = await transcribe("gpt-4o-transcribe", jsonBody({ text: "Hi." }))
    expect(none.usage).toEqual({})
  })

  it("gpt-transcribe's detected languages: one is the language, several or none is null", async () => {
    expect((await transcribe("gpt-transcribe", jsonBody({ text: "Bonjour.", languages: [{ code: "fr" }] }))).language).toBe("fr")
    expect((await transcribe("gpt-transcribe", jsonBody({ text: "Bonjour hello.", languages: [{ code: "fr" }, { code: "en" }] }))).language).toBeNull()
    expect((await transcribe("gpt-transcribe", jsonBody({ text: "…", languages: [] }))).language).toBeNull()
  })

  it("diarized_json: segments with speakers, and the speakers with the seconds each spoke", async () => {
    const t = await transcribe("gpt-4o-transcribe-diarize", jsonBody({
      task: "transcribe",
      duration: 12.8,
      text: "agent: Thanks for calling.\nA: Hi, I need help.",
      segments: [
        { type: "transcript.text.segment", id: "seg_001", start: 0, end: 5.2, text: "Thanks for calling.", speaker: "agent" },
        { type: "transcript.text.segment", id: "seg_002", start: 5.2, end: 12.8, text: "Hi, I need help.", speaker: "A" },
        { type: "transcript.text.segment", id: "seg_003", start: 12.8, end: 12.8, text: "", speaker: "agent" }
      ],
      usage: { type: "duration", seconds: 13 }
    }))
    expect(t.segments).toEqual([
      { text: "Thanks for calling.", start: 0, end: 5.2, speaker: "agent" },
      { text: "Hi, I need help.", start: 5.2, end: 12.8, speaker: "A" },
      { text: "", start: 12.8, end: 12.8, speaker: "agent" }
    ])
    expect(t.speakers).toEqual([{ id: "agent", speaking_seconds: 5.2 }, { id: "A", speaking_seconds: 7.6 }])
    expect(t).toMatchObject({ duration_seconds: 12.8, usage: { audio_seconds: 13 }, language: null })
  })

  it("text, srt and vtt: plain text, and subtitle cues as segments", async () => {
    const text = await transcribe("whisper-1", { status: 200, headers: { "content-type": "text/plain" }, body: { type: "text", text: "Hello there.\n" } }, { response_format: "text" })
    expect(text).toMatchObject({ text: "Hello there.", language: null, usage: {}, provider_output: "Hello there.\n" })
    expect(text.segments).toBeUndefined()
    const vtt = await transcribe("whisper-1", {
      status: 200,
      headers: { "content-type": "text/plain" },
      body: { type: "text", text: "WEBVTT\n\n00:00:00.000 --> 00:00:01.380\nPatchbay turns\nspeech into\n\n01:00:01.380 --> 01:00:02.6\ntext.\n" }
    }, { response_format: "vtt" })
    expect(vtt.text).toBe("Patchbay turns speech into text.")
    expect(vtt.segments).toEqual([{ text: "Patchbay turns speech into", start: 0, end: 1.38 }, { text: "text.", start: 3601.38, end: 3602.6 }])
  })

  it("a body that is not the expected shape is ProviderUnavailable with the request id", async () => {
    const error = await failure(Effect.gen(function*() {
      const input = yield* Effect.promise(() => audio())
      const { provider } = replayed([answer("/audio/transcriptions", jsonBody({ transcript: "?" }, "req_odd"))])
      return yield* provider.stt!.transcribe({ model: "gpt-4o-transcribe", audio: input })
    }))
    expect(fields(error)).toMatchObject({ _tag: "ProviderUnavailable", provider: "openai", requestId: "req_odd" })
  })
})

describe("streamed transcripts", () => {
  const stream = async (model: string, response: Cassette.CassetteResponse) => {
    const { provider } = replayed([answer("/audio/transcriptions", response)])
    return provider.stt!.transcribeStream!({ model, audio: await audio() })
  }

  it("deltas, then the whole transcript from transcript.text.done, with its usage", async () => {
    const out = await collect(await stream("gpt-4o-mini-transcribe", sseBody([
      { type: "transcript.text.delta", delta: "Hello", logprobs: [{ token: "Hello", logprob: -0.1, bytes: [72] }] },
      { type: "transcript.text.delta", delta: "" },
      { type: "transcript.text.delta", delta: " world." },
      { type: "transcript.text.logprobs", note: "an event type the adapter does not know is skipped" },
      { type: "transcript.text.done", text: "Hello world.", usage: { type: "tokens", input_tokens: 9, output_tokens: 3, total_tokens: 12 } }
    ])))
    expect(out.filter((o): o is SttDelta => o.type === "delta").map((d) => d.delta)).toEqual(["Hello", " world."])
    const last = out.at(-1) as Transcript
    expect(last).toMatchObject({ type: "transcript", text: "Hello world.", language: null, usage: { input_tokens: 9, output_tokens: 3, total_tokens: 12 }, request_id: "req_sse" })
    expect(last.provider_output).toMatchObject({ type: "transcript.text.done", text: "Hello world." })
  })

  it("a stream that ends before transcript.text.done fails, after its deltas", async () => {
    const { provider } = replayed([answer("/audio/transcriptions", sseBody([{ type: "transcript.text.delta", delta: "Hel" }]))])
    const input = await audio()
    const seen: Array<unknown> = []
    const error = await failure(Stream.runForEach(provider.stt!.transcribeStream!({ model: "gpt-4o-transcribe", audio: input }), (o) => Effect.sync(() => void seen.push(o))))
    expect(seen).toEqual([{ type: "delta", delta: "Hel" }])
    expect(fields(error)).toMatchObject({ _tag: "ProviderUnavailable", detail: "unexpected transcription response: the stream ended before transcript.text.done" })
  })

  it("whisper-1 does not stream: one request, the whole text as one delta, then the transcript", async () => {
    const out = await collect(await stream("whisper-1", verbose("german")))
    expect(out.map((o) => o.type)).toEqual(["delta", "transcript"])
    expect(out[0]).toEqual({ type: "delta", delta: "Hallo Welt." })
    expect(out[1]).toMatchObject({ text: "Hallo Welt.", language: "de" })
  })
})

describe("speech summaries", () => {
  /** Plays a TTS success cassette's scenario and returns the summary. */
  const summaryOf = async (name: string) => {
    const loaded = Cassette.loadSync(`${cassettes}${name}`).cassette
    const r = loaded.scenario!.request
    const { provider } = replayed(loaded.interactions)
    const out = await collect(provider.tts!.synthesize({
      model: r.model,
      voice: r.voice ?? "",
      output_format: r.output_format,
      text: r.text ?? "",
      provider_options: r.provider_options?.openai
    }))
    return out.at(-1) as SpeechSummary
  }

  it("each format is labelled with its media type; tts-1 bills characters, gpt-4o-mini-tts reports tokens over SSE", async () => {
    expect(await summaryOf("tts-success-mp3.json")).toMatchObject({ output_format: "mp3", media_type: "audio/mpeg", characters: 20, usage: { characters: 20 }, request_id: "req_tts_0001" })
    expect(await summaryOf("tts-success-opus.json")).toMatchObject({ output_format: "opus", media_type: "audio/ogg", usage: { input_tokens: 14, output_tokens: 101, total_tokens: 115 } })
    expect(await summaryOf("tts-success-aac.json")).toMatchObject({ output_format: "aac", media_type: "audio/aac" })
    expect(await summaryOf("tts-success-flac.json")).toMatchObject({ output_format: "flac", media_type: "audio/flac", usage: {} })
    expect(await summaryOf("tts-success-wav.json")).toMatchObject({ output_format: "wav", media_type: "audio/wav" })
    expect(await summaryOf("tts-success-pcm.json")).toMatchObject({ output_format: "pcm", media_type: "application/octet-stream" })
  })

  it("audio sent instead of the events asked for (a gateway ignoring stream_format) is read as audio", async () => {
    const { provider } = replayed([answer("/audio/speech", { status: 200, headers: { "content-type": "audio/mpeg" }, body: { type: "binary", chunks: [{ file: "audio/hello.mp3" }] } })])
    const out = await collect(provider.tts!.synthesize({ model: "gpt-4o-mini-tts", voice: "alloy", output_format: "mp3", text: "Hello from Patchbay." }))
    expect(out.map((o) => o.type)).toEqual(["audio", "summary"])
    expect(out[1]).toMatchObject({ output_format: "mp3", usage: {}, provider_output: { content_type: "audio/mpeg" } })
  })

  it("provider_output: the speech.audio.done event over SSE, the content type otherwise", async () => {
    expect((await summaryOf("tts-success-mp3-sse.json")).provider_output).toEqual({ type: "speech.audio.done", usage: { input_tokens: 14, output_tokens: 101, total_tokens: 115 } })
    expect((await summaryOf("tts-success-mp3.json")).provider_output).toEqual({ content_type: "audio/mpeg", x_request_id: "req_tts_0001" })
  })
})

describe("chat", () => {
  const run = async (chunks: ReadonlyArray<unknown>) => {
    const { provider } = replayed([answer("/chat/completions", sseBody(chunks))])
    return collect(provider.llm!.stream({ model: "gpt-4.1", messages: [{ role: "user", content: "Hi" }] }))
  }
  const chunk = (choices: ReadonlyArray<unknown>, usage: unknown = null) => ({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4.1-2025-04-14", choices, usage })

  it("tool calls are emitted once, whole, before usage and finish; provider_output is the assembled chat.completion", async () => {
    const { provider } = replayed(interactionsOf("llm-success-tools.json"))
    const events = await collect(provider.llm!.stream({
      model: "gpt-4.1-mini",
      messages: [{ role: "user", content: "What is the weather in Paris and in Rome?" }],
      tools: [{ type: "function", function: { name: "get_weather", description: "The current weather in a city.", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false }, strict: true } }],
      provider_options: { tool_choice: "auto", parallel_tool_calls: true }
    }))
    expect(events.map((e) => e.type)).toEqual(["tool_call", "tool_call", "usage", "finish"])
    const finish = events.at(-1) as Extract<LlmEvent, { type: "finish" }>
    expect(finish).toMatchObject({ reason: "tool_calls", request_id: "req_llm_0002" })
    expect(finish.provider_output).toEqual({
      id: "chatcmpl-Bp3xYz2",
      object: "chat.completion",
      created: 1764115200,
      model: "gpt-4.1-mini-2025-04-14",
      system_fingerprint: "fp_3f58d112f7",
      service_tier: "default",
      choices: [{
        index: 0,
        message: {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_kx7Fq2", type: "function", function: { name: "get_weather", arguments: "{\"city\": \"Paris\"}" } },
            { id: "call_Zr81mB", type: "function", function: { name: "get_weather", arguments: "{\"city\": \"Rome\"}" } }
          ]
        },
        finish_reason: "tool_calls"
      }],
      usage: { prompt_tokens: 61, completion_tokens: 46, total_tokens: 107, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } }
    })
  })

  it("usage maps prompt/completion tokens, with audio tokens when there are some", async () => {
    const events = await run([
      chunk([{ index: 0, delta: { content: "Hi" }, finish_reason: "length" }]),
      chunk([], { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_tokens_details: { audio_tokens: 3 }, completion_tokens_details: { audio_tokens: 0 } }),
      "[DONE]"
    ])
    expect(events).toMatchObject([
      { type: "text_delta", delta: "Hi" },
      { type: "usage", usage: { input_tokens: 5, output_tokens: 1, total_tokens: 6, audio_tokens: 3 } },
      { type: "finish", reason: "length" }
    ])
  })

  it("a refusal is spoken as text and reported as a warning; unknown finish reasons are \"other\"", async () => {
    const refused = await run([chunk([{ index: 0, delta: { refusal: "I can't help with that." }, finish_reason: "stop" }]), "[DONE]"])
    expect(refused).toMatchObject([{ type: "text_delta", delta: "I can't help with that." }, { type: "finish", reason: "stop", warnings: ["the model refused: I can't help with that."] }])
    const odd = await run([chunk([{ index: 0, delta: { content: "…" }, finish_reason: "function_call" }]), "[DONE]"])
    expect(odd.at(-1)).toMatchObject({ reason: "tool_calls" })
    const other = await run([chunk([{ index: 0, delta: {}, finish_reason: "something_new" }]), "[DONE]"])
    expect(other.at(-1)).toMatchObject({ reason: "other" })
  })

  it("a stream that ends before any finish_reason fails after its deltas", async () => {
    const { provider } = replayed([answer("/chat/completions", sseBody([chunk([{ index: 0, delta: { content: "Hel" }, finish_reason: null }])]))])
    const seen: Array<LlmEvent> = []
    const error = await failure(Stream.runForEach(provider.llm!.stream({ model: "gpt-4.1", messages: [] }), (e) => Effect.sync(() => void seen.push(e))))
    expect(seen).toEqual([{ type: "text_delta", delta: "Hel" }])
    expect(fields(error)).toMatchObject({ _tag: "ProviderUnavailable", requestId: "req_sse" })
  })
})
