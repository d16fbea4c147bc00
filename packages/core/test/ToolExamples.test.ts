/**
 * The image tool, tools and resilience examples run as a user would run them
 * (`node packages/core/examples/<name>.ts` from the repo root) and print exactly what their docs
 * pages show. They use real time (small latencies), so they run concurrently.
 */
import { describe, expect, it } from "vitest"
import { runExample as run } from "./support/examples.ts"

const expected: Record<string, ReadonlyArray<string>> = {
  "image-tool": [
    "tool_call: generate_image {\"prompt\":\"A tiny red robot watering a sunflower.\"}",
    "media_generated: image/png, doc_…",
    "offered tools: generate_image",
    "the LLM read: {\"document_id\":\"doc_…\",\"media_type\":\"image/png\"}",
    "reply: Here is your image.",
    "attachments: image/png doc_…",
    "a new document: true",
    "the image model got: 1 input image, prompt \"Make the robot blue.\"",
    "foreign id: status completed, attachments 0, reply: Sorry: no image with document_id \"doc_…\" in this conversation",
    "image model calls: 3"
  ],
  tools: [
    "status: requires_action",
    "tool_calls: call_1 get_weather {\"city\":\"Oslo\"}",
    "refused: InvalidRequest at tool_outputs[0].tool_call_id, allowed [\"call_1\"]",
    "resumed: status completed, same run_id: true, reply: It is clear in Oslo, 14 degrees.",
    "stream: run_started → tool_call → tool_submit_required → run_ended(requires_action)",
    "resumed stream: first run_started, last run_ended(completed), same run_id: true",
    "resumed stream: reply \"It is rainy in Bergen, 14 degrees.\", tts_stream_start ×1, tts_stream_end ×1"
  ],
  resilience: [
    "retry: status completed, reply \"Back on my feet.\", llm calls failed, completed, waited ~1 s: true",
    "tts fallback: voice_records.tts.provider backup, voice grace; primary calls failed; backup calls completed",
    "llm fallback: status completed, model_provider backup, model_name fake-llm, reply \"Quick answer.\"",
    "llm fallback: silent calls interrupted; backup calls completed"
  ]
}

describe.concurrent("tool and resilience examples", () => {
  for (const [name, lines] of Object.entries(expected)) {
    it(`${name}.ts prints what its docs page shows`, async () => {
      expect(await run(name)).toEqual(lines)
    }, 150_000)
  }
})
