import { expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { MessageRequest, MessageResponse, PipelineEvent, Validation, VoiceConfig } from "../src/index.ts"

const seedVoices = [
  { stt: { provider: "openai", model: "whisper-1", language: "en" } },
  { tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "alloy" } },
  {
    stt: { provider: "openai", model: "gpt-4o-transcribe", language: "en" },
    tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "coral" }
  },
  {
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
  }
]

for (const [i, voice] of seedVoices.entries()) {
  it(`the seed's voice object ${i + 1} decodes unchanged and encodes back to itself`, () => {
    const decoded = Schema.decodeUnknownSync(VoiceConfig)(voice)
    expect(decoded).toEqual(voice)
    expect(Schema.encodeSync(VoiceConfig)(decoded)).toEqual(voice)
  })
}

it("a seed message with send_to_llm as the string \"true\" decodes, the flag as a boolean", () => {
  const decoded = Schema.decodeUnknownSync(MessageRequest)({
    thread_id: "thr_1",
    voice: seedVoices[0],
    send_to_llm: "true",
    stream: false
  })
  expect(decoded).toEqual({ thread_id: "thr_1", voice: seedVoices[0], send_to_llm: true, stream: false })
  expect(Schema.decodeUnknownSync(MessageRequest)({ content: "hi", send_to_llm: "false" }).send_to_llm).toBe(false)
  expect(Schema.decodeUnknownSync(MessageRequest)({ content: "hi", send_to_llm: false }).send_to_llm).toBe(false)
})

it("the seed's image-tool fields decode unchanged", () => {
  const request = {
    content: "Draw a lighthouse at dusk",
    llm_provider: "openrouter",
    model_name: "openai/gpt-4.1",
    image_generation: "auto",
    image_model_provider: "openrouter",
    image_model_name: "google/gemini-3.1-flash-image-preview"
  }
  expect(Schema.decodeUnknownSync(MessageRequest)(request)).toEqual(request)
})

it.effect("a request that does not decode fails as InvalidRequest naming the field path", () =>
  Effect.gen(function*() {
    const noVoice = yield* Effect.flip(Validation.decodeMessageRequest({
      content: "hi",
      voice: { tts: { provider: "openai", model: "gpt-4o-mini-tts" } }
    }))
    expect(noVoice._tag).toBe("InvalidRequest")
    expect(noVoice.field).toBe("voice.tts.voice")
    expect(noVoice.reason).toBe("Missing key")

    const badTool = yield* Effect.flip(Validation.decodeMessageRequest({
      content: "hi",
      tools: [{ type: "function", function: { name: "has spaces" } }]
    }))
    expect(badTool.field).toBe("tools[0].function.name")
    expect(badTool.value).toBe("has spaces")

    const badFlag = yield* Effect.flip(Validation.decodeMessageRequest({ content: "hi", send_to_llm: "yes" }))
    expect(badFlag.field).toBe("send_to_llm")
    expect(badFlag.value).toBe("yes")

    const badImage = yield* Effect.flip(Validation.decodeMessageRequest({ content: "hi", image_generation: "always" }))
    expect(badImage.field).toBe("image_generation")
    expect(badImage.value).toBe("always")

    const notAnObject = yield* Effect.flip(Validation.decodeMessageRequest("hello"))
    expect(notAnObject.field).toBe("request")
  }))

it("every pipeline event decodes with its common fields", () => {
  const common = { thread_id: "thr_1", run_id: "run_1" }
  const events = [
    { type: "run_started", ...common, seq: 0, assistant_id: "asst_default", message_id: "msg_2" },
    { type: "stt_stream_start", ...common, seq: 1, provider: "openai", model: "whisper-1" },
    { type: "stt_text_delta", ...common, seq: 2, delta: "Hello" },
    { type: "memory_retrieved", ...common, seq: 3, memories: [{ id: "mem_1", memory: "Lives in Oslo", score: 0.0164 }] },
    { type: "content_streaming", ...common, seq: 3, content: "Hi" },
    { type: "tool_call", ...common, seq: 4, tool_call: { id: "c1", type: "function", function: { name: "f", arguments: "{}" } } },
    { type: "media_generated", ...common, seq: 5, media: { url: "/media/doc_aaaaaaaaaaaaaaaaaaaa?exp=1&sig=x", document_id: "doc_aaaaaaaaaaaaaaaaaaaa", media_type: "image/png" } },
    { type: "tts_stream_start", ...common, seq: 6, provider: "openai", model: "tts-1", voice: "alloy", output_format: "mp3" },
    { type: "tts_audio_chunk", ...common, seq: 7, data: "AAAA", index: 0 },
    {
      type: "run_ended",
      ...common,
      seq: 8,
      status: "completed",
      reason: null,
      usage: { input_tokens: 3 },
      warnings: [{ code: "option_ignored", message: "provider_options.x is ignored" }],
      memory_operation_id: null,
      message_id: "msg_2"
    },
    { type: "error", ...common, seq: 9, code: "RateLimited", message: "Rate limited", retryable: true }
  ]
  for (const event of events) expect(Schema.decodeUnknownSync(PipelineEvent)(event)).toEqual(event)
  expect(() => Schema.decodeUnknownSync(PipelineEvent)({ type: "run_started", ...common, assistant_id: "asst_default", message_id: "msg_2" })).toThrow(/seq/)
  expect(() => Schema.decodeUnknownSync(PipelineEvent)({ type: "run_started", ...common, seq: 0 })).toThrow(/assistant_id/)
})

it("a message response decodes with the thread's assistant_id, its warnings and the turn's messages", () => {
  const response = {
    content: "Hello!",
    thread_id: "thr_1",
    run_id: "run_1",
    message_id: "msg_2",
    assistant_id: "asst_default",
    status: "completed",
    usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12 },
    attachments: [],
    retrieved_memories: [{ id: "mem_1", memory: "Lives in Oslo", score: 0.0328 }],
    memory_operation_id: "memop_1",
    warnings: [],
    messages: [
      { message_id: "msg_1", role: "user", content: "Hi", status: "completed" },
      { message_id: "msg_2", role: "assistant", content: "Hello!", status: "completed" }
    ]
  }
  expect(Schema.decodeUnknownSync(MessageResponse)(response)).toEqual(response)
  expect(() => Schema.decodeUnknownSync(MessageResponse)({ ...response, assistant_id: null })).toThrow(/assistant_id/)
})
