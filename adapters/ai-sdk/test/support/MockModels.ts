/**
 * The AI SDK's own mock models (`ai/test`), scripted with real audio and image bytes, behind the
 * bridge: the provider the in-process battery and the pipeline test run on. Each `do*` call
 * returns fresh streams, so the provider can be called any number of times.
 */
import type { LanguageModelV4StreamPart, LanguageModelV4Usage } from "@ai-sdk/provider"
import type { PatchbayProvider } from "@patchbay/core"
import { fakeVector } from "@patchbay/core/testing"
import {
  convertArrayToReadableStream,
  Experimental_MockStreamingSpeechModelV4,
  MockEmbeddingModelV4,
  MockImageModelV4,
  MockLanguageModelV4,
  MockSpeechModelV4,
  MockTranscriptionModelV4
} from "ai/test"
import { readFileSync } from "node:fs"
import { fromAiSdk } from "../../src/index.ts"

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../cassettes/${name}`, import.meta.url)))

/** core's speech fixture: "Patchbay turns speech into text and back again.", 2.664 s of mp3. */
export const speechMp3 = fixture("audio/speech.mp3")
/** The same sentence as raw 16-bit mono PCM at 16 kHz, 2.566625 s. */
export const speechPcm = fixture("audio/speech.pcm")
/** A 32×32 PNG of a red robot watering a sunflower. */
export const robotPng = fixture("images/robot-red.png")

export const SENTENCE = "Patchbay turns speech into text and back again."

const words = [
  ["Patchbay", 0.05, 0.52],
  ["turns", 0.52, 0.8],
  ["speech", 0.8, 1.16],
  ["into", 1.16, 1.36],
  ["text", 1.36, 1.72],
  ["and", 1.72, 1.88],
  ["back", 1.88, 2.14],
  ["again.", 2.14, 2.6]
] as const

/** A language model usage as the AI SDK reports it. */
export const tokens = (input: number, output: number): LanguageModelV4Usage => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
  raw: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output }
})

const streamOf = (parts: Array<LanguageModelV4StreamPart>, headers: Record<string, string> = {}) => ({
  stream: convertArrayToReadableStream(parts),
  response: { headers }
})

/** A chat model that answers in three deltas. */
export const chatModel = () =>
  new MockLanguageModelV4({
    provider: "mock.chat",
    modelId: "mock-chat",
    doStream: async () =>
      streamOf([
        { type: "stream-start", warnings: [{ type: "unsupported", feature: "topK", details: "the mock samples greedily" }] },
        { type: "response-metadata", id: "resp_mock_1", modelId: "mock-chat-2026-01" },
        { type: "text-start", id: "t1" },
        { type: "text-delta", id: "t1", delta: "Patchbay " },
        { type: "text-delta", id: "t1", delta: "turns speech " },
        { type: "text-delta", id: "t1", delta: "into text." },
        { type: "text-end", id: "t1" },
        { type: "finish", usage: tokens(12, 5), finishReason: { unified: "stop", raw: "stop" } }
      ], { "x-request-id": "req_mock_chat" })
  })

/** A chat model that calls a tool, its arguments streamed in two fragments first. */
export const toolModel = () =>
  new MockLanguageModelV4({
    provider: "mock.chat",
    modelId: "mock-tools",
    doStream: async () =>
      streamOf([
        { type: "stream-start", warnings: [] },
        { type: "tool-input-start", id: "call_weather_1", toolName: "get_weather" },
        { type: "tool-input-delta", id: "call_weather_1", delta: "{\"city\":" },
        { type: "tool-input-delta", id: "call_weather_1", delta: "\"Paris\"}" },
        { type: "tool-input-end", id: "call_weather_1" },
        { type: "tool-call", toolCallId: "call_weather_1", toolName: "get_weather", input: "{\"city\":\"Paris\"}" },
        { type: "finish", usage: tokens(40, 9), finishReason: { unified: "tool-calls", raw: "tool_calls" } }
      ])
  })

/** A transcription model without `doStream`. */
export const transcriptionModel = () =>
  new MockTranscriptionModelV4({
    provider: "mock.transcription",
    modelId: "mock-listen",
    doGenerate: async () => ({
      text: SENTENCE,
      segments: [{ text: SENTENCE, startSecond: 0.05, endSecond: 2.6 }],
      words: words.map(([text, startSecond, endSecond]) => ({ text, startSecond, endSecond })),
      language: "en",
      durationInSeconds: 2.664,
      warnings: [],
      usage: { type: "duration", seconds: 2.664 },
      response: { timestamp: new Date(0), modelId: "mock-listen", headers: { "x-request-id": "req_mock_stt" }, body: { text: SENTENCE, duration: 2.664 } }
    })
  })

/** A transcription model with `doStream`: deltas as it hears, then the whole transcript. */
export const liveTranscriptionModel = () =>
  new MockTranscriptionModelV4({
    provider: "mock.transcription",
    modelId: "mock-listen-live",
    doGenerate: async () => {
      throw new Error("the live model is called through doStream")
    },
    doStream: async ({ audio }) => {
      // Read the audio as a live vendor would, before answering.
      const reader = audio.getReader()
      while (!(await reader.read()).done) {
        // consume
      }
      return {
        stream: convertArrayToReadableStream([
          { type: "stream-start", warnings: [] },
          { type: "transcript-delta", delta: "Patchbay turns speech" },
          { type: "transcript-delta", delta: " into text and back again." },
          { type: "finish", text: SENTENCE, segments: [{ text: SENTENCE, startSecond: 0.05, endSecond: 2.6 }], language: "en", durationInSeconds: 2.664 }
        ])
      }
    }
  })

/** A speech model without streaming: one mp3. */
export const speechModel = () =>
  new MockSpeechModelV4({
    provider: "mock.speech",
    modelId: "mock-speak",
    doGenerate: async () => ({
      audio: speechMp3,
      warnings: [],
      response: { timestamp: new Date(0), modelId: "mock-speak", headers: { "x-request-id": "req_mock_tts" } }
    })
  })

/** A speech model implementing the experimental streaming interface: raw PCM in four chunks. */
export const liveSpeechModel = () =>
  new Experimental_MockStreamingSpeechModelV4({
    provider: "mock.speech",
    modelId: "mock-speak-live",
    doGenerate: async () => {
      throw new Error("the live model is called through doStream")
    },
    doStream: async ({ text }) => {
      let characters = 0
      const reader = text.getReader()
      for (let part = await reader.read(); !part.done; part = await reader.read()) characters += [...part.value.text].length
      const quarter = Math.ceil(speechPcm.byteLength / 8) * 2
      const chunks = [0, 1, 2, 3].map((i) => speechPcm.subarray(i * quarter, Math.min((i + 1) * quarter, speechPcm.byteLength)))
      return {
        stream: convertArrayToReadableStream([
          { type: "stream-start" as const, warnings: [] },
          ...chunks.map((audio) => ({ type: "audio" as const, audio, audioFormat: { type: "audio/pcm", rate: 16000 } })),
          { type: "finish" as const, usage: { inputCharacters: characters } }
        ])
      }
    }
  })

/** An image model answering with one base64 PNG and a revised prompt. */
export const imageModel = () =>
  new MockImageModelV4({
    provider: "mock.image",
    modelId: "mock-draw",
    supportsFileInputs: true,
    doGenerate: async () => ({
      images: [Buffer.from(robotPng).toString("base64")],
      warnings: [],
      providerMetadata: { mock: { images: [{ revisedPrompt: "A tiny red robot watering a sunflower, pixel art." }] } },
      response: { timestamp: new Date(0), modelId: "mock-draw", headers: undefined },
      usage: { inputTokens: 14, outputTokens: 1024, totalTokens: 1038 }
    })
  })

/** A language model answering with text and a PNG file, as image-capable chat models do. */
export const chatImageModel = () =>
  new MockLanguageModelV4({
    provider: "mock.chat",
    modelId: "mock-chat-image",
    doGenerate: async () => ({
      content: [
        { type: "text", text: "Here is your robot." },
        { type: "file", mediaType: "image/png", data: { type: "data", data: Buffer.from(robotPng).toString("base64") } }
      ],
      finishReason: { unified: "stop", raw: "stop" },
      usage: tokens(20, 1290),
      warnings: [],
      response: { id: "resp_mock_image", body: { id: "resp_mock_image" } }
    })
  })

/** An embedding model: core's deterministic vector per text, 4 texts per call, one token per word. */
export const embeddingModel = () =>
  new MockEmbeddingModelV4({
    provider: "mock.embedding",
    modelId: "mock-embed",
    maxEmbeddingsPerCall: 4,
    doEmbed: async (options) => ({
      embeddings: options.values.map((text) => Array.from(fakeVector(text, options.dimensions ?? 16))),
      usage: { tokens: options.values.reduce((n, text) => n + text.split(" ").length, 0) },
      warnings: []
    })
  })

/** The bridge over every mock: two chat models, two transcription, two speech, two image models and an embedding model. */
export const mockProvider = (): PatchbayProvider =>
  fromAiSdk({
    id: "mock",
    models: {
      llm: { "mock-chat": chatModel(), "mock-tools": toolModel() },
      stt: { "mock-listen": transcriptionModel(), "mock-listen-live": liveTranscriptionModel() },
      tts: { "mock-speak": speechModel(), "mock-speak-live": liveSpeechModel() },
      image: { "mock-draw": imageModel(), "mock-chat-image": chatImageModel() },
      embedding: { "mock-embed": embeddingModel() }
    },
    catalogue: [
      { id: "mock-listen", capability: "stt", input_formats: ["mp3", "wav"], max_input_bytes: 1_000_000, word_timestamps: true },
      { id: "mock-listen-live", capability: "stt", input_formats: ["mp3", "wav"], max_input_bytes: 1_000_000 },
      {
        id: "mock-speak",
        capability: "tts",
        output_formats: [{ id: "mp3", format: "mp3" }],
        default_output_format: "mp3",
        voices: { catalogue: "closed", ids: ["alloy", "coral"] }
      },
      {
        id: "mock-speak-live",
        capability: "tts",
        output_formats: [{ id: "pcm_16000", format: "pcm", sample_rate: 16000, channels: 1 }],
        default_output_format: "pcm_16000",
        voices: { catalogue: "closed", ids: ["alloy"] }
      },
      { id: "mock-embed", capability: "embedding", dimensions: 16, min_dimensions: 1, max_dimensions: 16, max_input_characters: 2048 }
    ]
  })
