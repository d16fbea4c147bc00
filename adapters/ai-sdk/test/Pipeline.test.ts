/**
 * AI SDK models in the pipeline, unchanged: audio in, a streamed answer, audio out — and the
 * image tool — through `createPatchbay` with the AI SDK's own mock models behind the bridge.
 */
import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from "@ai-sdk/provider"
import { createPatchbay, type PipelineEvent } from "@patchbay/core"
import { createTestPatchbay } from "@patchbay/core/testing"
import { convertArrayToReadableStream, MockLanguageModelV4 } from "ai/test"
import { describe, expect, it } from "vitest"
import { fromAiSdk } from "../src/index.ts"
import { imageModel, liveSpeechModel, robotPng, SENTENCE, speechMp3, speechPcm, tokens, transcriptionModel } from "./support/MockModels.ts"

const collect = async (events: AsyncIterable<PipelineEvent>) => {
  const out: Array<PipelineEvent> = []
  for await (const event of events) out.push(event)
  return out
}

/** A chat model that answers the user's transcript in two deltas. */
const echo = () =>
  new MockLanguageModelV4({
    provider: "mock.chat",
    doStream: async () => ({
      stream: convertArrayToReadableStream<LanguageModelV4StreamPart>([
        { type: "text-delta", id: "t", delta: "You said: " },
        { type: "text-delta", id: "t", delta: "Patchbay turns speech into text." },
        { type: "finish", usage: tokens(30, 8), finishReason: { unified: "stop", raw: "stop" } }
      ])
    })
  })

describe("the bridge in the pipeline", () => {
  it("audio in, a streamed answer, audio out — every stage served by AI SDK models", async () => {
    const provider = fromAiSdk({
      id: "mock",
      models: { stt: { "mock-listen": transcriptionModel() }, llm: { "mock-chat": echo() }, tts: { "mock-speak-live": liveSpeechModel() } },
      catalogue: [{
        id: "mock-speak-live",
        capability: "tts",
        output_formats: [{ id: "pcm_16000", format: "pcm", sample_rate: 16000, channels: 1 }],
        default_output_format: "pcm_16000"
      }]
    })
    const pb = createPatchbay({ providers: [provider], defaults: { llm: { provider: "mock", model: "mock-chat" } } })
    const events = await collect(await pb.addMessage({
      audioFile: speechMp3,
      voice: {
        stt: { provider: "mock", model: "mock-listen", language: "en" },
        tts: { provider: "mock", model: "mock-speak-live", voice: "alloy", output_format: "pcm" }
      },
      stream: true
    }))
    const types = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1])
    expect(types).toEqual([
      "run_started",
      "stt_stream_start",
      "stt_text_delta",
      "stt_stream_end",
      "content_streaming",
      "tts_stream_start",
      "tts_audio_chunk",
      "tts_stream_end",
      "run_ended"
    ])
    const stt = events.find((e) => e.type === "stt_stream_end")
    expect(stt?.type === "stt_stream_end" && [stt.transcript, stt.record.request_id, stt.record.usage]).toEqual([SENTENCE, "req_mock_stt", { audio_seconds: 2.664 }])
    const text = events.flatMap((e) => (e.type === "content_streaming" ? [e.content] : [])).join("")
    expect(text).toBe("You said: Patchbay turns speech into text.")
    const audio = events.flatMap((e) => (e.type === "tts_audio_chunk" ? [Buffer.from(e.data, "base64")] : []))
    expect(Buffer.concat(audio)).toEqual(Buffer.from(speechPcm))
    const ended = events.at(-1)
    expect(ended).toMatchObject({
      type: "run_ended",
      status: "completed",
      usage: { audio_seconds: 2.664, input_tokens: 30, output_tokens: 8, total_tokens: 38, characters: 42 }
    })
    await pb.dispose()
  })

  it("the image tool: an AI SDK chat model calls generate_image, an AI SDK image model draws", async () => {
    const calls: Array<LanguageModelV4CallOptions> = []
    const llm = new MockLanguageModelV4({
      provider: "mock.chat",
      doStream: async (options) => {
        calls.push(options)
        const parts: Array<LanguageModelV4StreamPart> = calls.length === 1
          ? [
            { type: "tool-call", toolCallId: "call_img_1", toolName: "generate_image", input: JSON.stringify({ prompt: "a tiny red robot" }) },
            { type: "finish", usage: tokens(50, 12), finishReason: { unified: "tool-calls", raw: "tool_calls" } }
          ]
          : [
            { type: "text-delta", id: "t", delta: "Here is your robot." },
            { type: "finish", usage: tokens(80, 6), finishReason: { unified: "stop", raw: "stop" } }
          ]
        return { stream: convertArrayToReadableStream(parts) }
      }
    })
    const pb = createTestPatchbay({
      providers: [fromAiSdk({ id: "mock", models: { llm: { "mock-chat": llm }, image: { "mock-draw": imageModel() } } })],
      makeDocumentId: () => "doc_bridgeImage0000000000001"
    })
    const events = await collect(await pb.sendMessage("Draw a tiny red robot.", {
      llmProvider: "mock",
      modelName: "mock-chat",
      imageGeneration: "auto",
      imageModelProvider: "mock",
      imageModelName: "mock-draw",
      stream: true
    }))
    const media = events.find((e) => e.type === "media_generated")
    expect(media?.type === "media_generated" && [media.media.document_id, media.media.media_type]).toEqual(["doc_bridgeImage0000000000001", "image/png"])
    expect(calls[0]?.tools?.map((t) => t.name)).toEqual(["generate_image"])
    expect(calls[1]?.prompt.at(-1)).toEqual({
      role: "tool",
      content: [{
        type: "tool-result",
        toolCallId: "call_img_1",
        toolName: "generate_image",
        output: {
          type: "text",
          value: JSON.stringify({ document_id: "doc_bridgeImage0000000000001", media_type: "image/png", revised_prompt: "A tiny red robot watering a sunflower, pixel art." })
        }
      }]
    })
    expect((await pb.media.get("doc_bridgeImage0000000000001")).bytes).toEqual(robotPng)
    expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "completed" })
    await pb.dispose()
  })
})
