/**
 * What goes over the wire, read from the replay transport's log: every option under its
 * vendor name (arrays as repeated `name[]` parts, objects as `name[key]`), the defaults the
 * adapter adds (verbose_json for whisper-1, chunking_strategy=auto for diarization, SSE for
 * gpt-4o-mini-tts, usage in chat streams), custom voices as `{ id }`, and the chat messages.
 */
import { Cassette, replayFetch } from "@patchbay/conformance"
import type { LlmRequest, SttRequest } from "@patchbay/core"
import { Effect, Stream } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { openai } from "../src/index.ts"
import { audio, cassettes, interactionsOf, replayed, TEST_KEY } from "./support/harness.ts"

/** Makes one call against an empty cassette (it fails after the request) and returns what was sent. */
const sent = async (call: (provider: ReturnType<typeof replayed>["provider"]) => Effect.Effect<unknown, unknown>, options = {}) => {
  const { provider, fetch } = replayed([], options)
  await Effect.runPromise(Effect.exit(call(provider)))
  expect(fetch.log).toHaveLength(1)
  const entry = fetch.log[0]!
  return { url: new URL(entry.url), headers: entry.headers, body: entry.body as Cassette.RequestBody }
}
const multipart = (body: Cassette.RequestBody) => (body.type === "multipart" ? body.fields : undefined)
const json = (body: Cassette.RequestBody) => (body.type === "json" ? body.json : undefined)

const speechMp3 = readFileSync(`${cassettes}audio/speech.mp3`)
const file = { sha256: createHash("sha256").update(speechMp3).digest("hex"), size: speechMp3.byteLength, filename: "speech.mp3", content_type: "audio/mpeg" }

const transcribe = async (model: string, provider_options?: Record<string, unknown>, language: string | null = "en") => {
  const input = await audio()
  const request: SttRequest = {
    model,
    audio: input,
    ...(language === null ? {} : { language }),
    ...(provider_options === undefined ? {} : { provider_options })
  }
  return sent((p) => p.stt!.transcribe(request))
}

describe("transcription requests", () => {
  it("whisper-1 asks for verbose_json by default; the file goes up with its name and type", async () => {
    const { url, body } = await transcribe("whisper-1")
    expect(url.pathname).toBe("/v1/audio/transcriptions")
    expect(multipart(body)).toEqual({ model: "whisper-1", response_format: "verbose_json", language: "en", file })
  })

  it("whisper-1's options: timestamp_granularities[] repeated, temperature, prompt, a subtitle format", async () => {
    const { body } = await transcribe("whisper-1", { response_format: "verbose_json", timestamp_granularities: ["word", "segment"], temperature: 0.2, prompt: "Patchbay" }, null)
    expect(multipart(body)).toEqual({
      model: "whisper-1",
      response_format: "verbose_json",
      prompt: "Patchbay",
      temperature: "0.2",
      "timestamp_granularities[]": ["word", "segment"],
      file
    })
    expect(multipart((await transcribe("whisper-1", { response_format: "vtt" })).body)?.response_format).toBe("vtt")
  })

  it("gpt-4o-transcribe: include[]=logprobs and a server-VAD chunking strategy as bracketed fields", async () => {
    const { body } = await transcribe("gpt-4o-transcribe", { include: ["logprobs"], chunking_strategy: { type: "server_vad", threshold: 0.6, silence_duration_ms: 300 } })
    expect(multipart(body)).toEqual({
      model: "gpt-4o-transcribe",
      response_format: "json",
      language: "en",
      "include[]": "logprobs",
      "chunking_strategy[type]": "server_vad",
      "chunking_strategy[threshold]": "0.6",
      "chunking_strategy[silence_duration_ms]": "300",
      file
    })
  })

  it("the diarize model always gets chunking_strategy=auto, and diarized_json by default", async () => {
    const { body } = await transcribe("gpt-4o-transcribe-diarize", { known_speaker_names: ["agent", "customer"], known_speaker_references: ["data:audio/wav;base64,AAAA", "data:audio/wav;base64,BBBB"] })
    expect(multipart(body)).toEqual({
      model: "gpt-4o-transcribe-diarize",
      response_format: "diarized_json",
      language: "en",
      chunking_strategy: "auto",
      "known_speaker_names[]": ["agent", "customer"],
      "known_speaker_references[]": ["data:audio/wav;base64,AAAA", "data:audio/wav;base64,BBBB"],
      file
    })
  })

  it("gpt-transcribe: languages[] and keywords[]", async () => {
    const { body } = await transcribe("gpt-transcribe", { languages: ["en", "de"], keywords: ["Patchbay", "Effect"] }, null)
    expect(multipart(body)).toEqual({
      model: "gpt-transcribe",
      response_format: "json",
      "languages[]": ["en", "de"],
      "keywords[]": ["Patchbay", "Effect"],
      file
    })
  })

  it("transcribeStream sends stream=true where the model streams, and not for whisper-1", async () => {
    const input = await audio()
    const streamed = await sent((p) => Stream.runDrain(p.stt!.transcribeStream!({ model: "gpt-4o-mini-transcribe", audio: input })))
    expect(multipart(streamed.body)).toEqual({ model: "gpt-4o-mini-transcribe", response_format: "json", stream: "true", file })
    const { provider, fetch } = replayed()
    await Effect.runPromise(Effect.exit(Stream.runDrain(provider.stt!.transcribeStream!({ model: "whisper-1", audio: await audio() }))))
    expect(multipart(fetch.log[0]!.body as Cassette.RequestBody)?.stream).toBeUndefined()
  })
})

describe("speech requests", () => {
  const synthesize = (model: string, voice: string, output_format: string, provider_options?: Record<string, unknown>) =>
    sent((p) => Stream.runDrain(p.tts!.synthesize({ model, voice, output_format, text: "Hello from Patchbay.", ...(provider_options === undefined ? {} : { provider_options }) })))

  it("tts-1: model, input, voice and format; the chunked body (no stream_format)", async () => {
    const { url, headers, body } = await synthesize("tts-1", "alloy", "pcm")
    expect(url.pathname).toBe("/v1/audio/speech")
    expect(headers["content-type"]).toBe("application/json")
    expect(json(body)).toEqual({ model: "tts-1", input: "Hello from Patchbay.", voice: "alloy", response_format: "pcm" })
  })

  it("gpt-4o-mini-tts: server-sent events by default, with instructions and speed", async () => {
    const { body } = await synthesize("gpt-4o-mini-tts", "coral", "mp3", { instructions: "Calm and professional", speed: 1.25 })
    expect(json(body)).toEqual({
      model: "gpt-4o-mini-tts",
      input: "Hello from Patchbay.",
      voice: "coral",
      response_format: "mp3",
      instructions: "Calm and professional",
      speed: 1.25,
      stream_format: "sse"
    })
  })

  it("a custom voice id goes as { id }; stream_format=audio when asked", async () => {
    const { body } = await synthesize("gpt-4o-mini-tts", "voice_1234", "wav", { stream_format: "audio" })
    expect(json(body)).toEqual({ model: "gpt-4o-mini-tts", input: "Hello from Patchbay.", voice: { id: "voice_1234" }, response_format: "wav", stream_format: "audio" })
  })
})

describe("chat requests", () => {
  it("messages in the chat format, tools, options, and streaming with usage", async () => {
    const request: LlmRequest = {
      model: "gpt-4.1",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image", data: Uint8Array.of(137, 80, 78, 71), media_type: "image/png" }] },
        { role: "assistant", content: "", tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{\"q\":\"png\"}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "a PNG signature" },
        { role: "assistant", content: "A PNG header." }
      ],
      tools: [{ type: "function", function: { name: "lookup", description: "Looks up a term.", parameters: { type: "object" } } }],
      provider_options: { temperature: 0, max_completion_tokens: 100, seed: 1, stop: ["\n\n"], parallel_tool_calls: false, metadata: { app: "patchbay" } }
    }
    const { url, body } = await sent((p) => Stream.runDrain(p.llm!.stream(request)))
    expect(url.pathname).toBe("/v1/chat/completions")
    expect(json(body)).toEqual({
      model: "gpt-4.1",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw==" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{\"q\":\"png\"}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "a PNG signature" },
        { role: "assistant", content: "A PNG header." }
      ],
      tools: [{ type: "function", function: { name: "lookup", description: "Looks up a term.", parameters: { type: "object" } } }],
      temperature: 0,
      max_completion_tokens: 100,
      seed: 1,
      stop: ["\n\n"],
      parallel_tool_calls: false,
      metadata: { app: "patchbay" },
      stream: true,
      stream_options: { include_usage: true }
    })
  })
})

describe("image requests", () => {
  it("a generation is JSON with the size and every option", async () => {
    const { url, body } = await sent((p) =>
      p.image!.generate({ model: "gpt-image-1", prompt: "a fox", size: "1536x1024", provider_options: { quality: "high", n: 2, moderation: "low", output_format: "webp", output_compression: 70 } })
    )
    expect(url.pathname).toBe("/v1/images/generations")
    expect(json(body)).toEqual({ model: "gpt-image-1", prompt: "a fox", size: "1536x1024", quality: "high", n: 2, moderation: "low", output_format: "webp", output_compression: 70 })
  })

  it("an edit is multipart with the input images as image[] parts, and returns the edited image", async () => {
    const { provider, fetch } = replayed(interactionsOf("image-edit.json"))
    const input = new Uint8Array(readFileSync(`${cassettes}images/fox-input.png`))
    const result = await Effect.runPromise(provider.image!.generate({
      model: "gpt-image-1",
      prompt: "make it winter",
      size: "1024x1024",
      input_images: [{ data: input, media_type: "image/png" }],
      provider_options: { input_fidelity: "high" }
    }))
    expect(new URL(fetch.log[0]!.url).pathname).toBe("/v1/images/edits")
    const fields = multipart(fetch.log[0]!.body as Cassette.RequestBody)
    expect(fields?.["image[]"]).toMatchObject({ filename: "image-0.png", content_type: "image/png", size: input.byteLength })
    expect(result.images).toHaveLength(1)
    expect(result.images[0]?.media_type).toBe("image/png")
    expect([...(result.images[0]?.data.subarray(0, 8) ?? [])]).toEqual([137, 80, 78, 71, 13, 10, 26, 10])
    expect(result.usage).toEqual({ input_tokens: 148, output_tokens: 272, total_tokens: 420 })
    expect(result.request_id).toBe("req_img_edit")
    expect((result.provider_output as { data: Array<{ b64_json: string }> }).data[0]?.b64_json).toBe(`[${result.images[0]?.data.byteLength} bytes: images[0]]`)
  })

  it("edit-only and generation-only options are refused before the request", async () => {
    const { provider, fetch } = replayed()
    const png = { data: new Uint8Array(readFileSync(`${cassettes}images/fox-input.png`)), media_type: "image/png" }
    const edit = await Effect.runPromise(Effect.flip(provider.image!.generate({ model: "gpt-image-1", prompt: "x", input_images: [png], provider_options: { moderation: "low" } })))
    const generation = await Effect.runPromise(Effect.flip(provider.image!.generate({ model: "gpt-image-1", prompt: "x", provider_options: { input_fidelity: "high" } })))
    expect([edit._tag, (edit as { field?: string }).field]).toEqual(["InvalidRequest", "provider_options.openai.moderation"])
    expect([generation._tag, (generation as { field?: string }).field]).toEqual(["InvalidRequest", "provider_options.openai.input_fidelity"])
    expect(fetch.log).toHaveLength(0)
  })
})

describe("the client", () => {
  it("honours baseURL and organization, and sends the key as a bearer token", async () => {
    const replay = replayFetch([])
    const seen: Array<{ url: string; headers: Headers }> = []
    const spy: typeof fetch = (input, init) => {
      seen.push({ url: String(input), headers: new Headers(init?.headers) })
      return replay(input, init)
    }
    const provider = openai({ fetch: spy, apiKey: TEST_KEY, baseURL: "https://gateway.example.test/openai/v1", organization: "org-patchbay" })
    await Effect.runPromise(Effect.exit(provider.image!.generate({ model: "gpt-image-1", prompt: "a fox" })))
    expect(seen.map((s) => s.url)).toEqual(["https://gateway.example.test/openai/v1/images/generations"])
    expect(seen[0]?.headers.get("openai-organization")).toBe("org-patchbay")
    expect(seen[0]?.headers.get("authorization")).toBe(`Bearer ${TEST_KEY}`)
    expect(replay.log[0]?.headers.authorization).toBeUndefined() // the transport never logs credentials
  })

  it("makes no data: probe before a multipart upload (one request per call)", async () => {
    const { provider, fetch } = replayed()
    await Effect.runPromise(Effect.exit(provider.stt!.transcribe({ model: "whisper-1", audio: await audio() })))
    expect(fetch.log.map((e) => e.url)).toEqual(["https://api.openai.com/v1/audio/transcriptions"])
  })
})
